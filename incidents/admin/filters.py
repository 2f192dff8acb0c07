"""The incident list's own filters: a period, an actor and a region typed or picked into a small
form (FormListFilter), sub-event types that follow the chosen event type, incidents that cite
no source yet, and the latest imports."""

import calendar

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from ..choices import DatePrecision
from ..models import Actor, AdminArea, ImportRun, Incident, SubEventType
from ..querystrings import row_id
from .dates import (
    DATE_INPUT_FORMATS,
    DATE_PLACEHOLDER,
    INCIDENT_DATE_HINT,
    PartialDateField,
    typed_precision,
)

COUNTRY_PARAMETER = "location__country__id__exact"
EVENT_TYPE_PARAMETER = "event_type__code__exact"


class FormListFilter(admin.ListFilter):
    """A filter typed or picked into a small form in the sidebar (a period, an actor, a region
    out of a hundred), where Django's filters are lists of links. The form's fields are the
    query-string parameters; submitting it keeps the list's other parameters (search, other
    filters, order). Invalid input is shown on the form and filters nothing."""

    template = "admin/incidents/incident/form_filter.html"
    form_class = forms.Form

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.model_admin = model_admin
        for name in self.expected_parameters():
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]
        self.form = self.make_form(request, self.used_parameters or None)

    def make_form(self, request, data):
        return self.form_class(data)

    def expected_parameters(self):
        return list(self.form_class.base_fields)

    def has_output(self):
        return True

    def choices(self, changelist):
        own = self.expected_parameters()
        yield {
            "kept": [(name, value) for name, value in changelist.params.items() if name not in own],
            "clear": changelist.get_query_string(remove=own) if self.used_parameters else None,
        }

    def queryset(self, request, queryset):
        if self.used_parameters and self.form.is_valid():
            return self.filter(queryset, self.form.cleaned_data)
        return queryset

    def filter(self, queryset, cleaned_data):
        raise NotImplementedError


class PeriodForm(forms.Form):
    date_from = PartialDateField(label=_("From"), required=False, input_formats=DATE_INPUT_FORMATS)
    date_to = PartialDateField(label=_("To"), required=False, input_formats=DATE_INPUT_FORMATS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update(
                {"placeholder": DATE_PLACEHOLDER, "title": INCIDENT_DATE_HINT}
            )
            field.error_messages["invalid"] = _("A day (17/09/2024), a month (2023-09) or a year.")

    def clean_date_to(self):
        # "To 2023-09" means to the end of September.
        value = self.cleaned_data["date_to"]
        if typed_precision(value) == DatePrecision.MONTH:
            return value.replace(day=calendar.monthrange(value.year, value.month)[1])
        if typed_precision(value) == DatePrecision.YEAR:
            return value.replace(month=12, day=31)
        return value

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


class PeriodFilter(FormListFilter):
    """Incidents whose dates overlap the period, as on the public list (IncidentQuerySet.
    in_period); a month or a year alone covers the whole of it."""

    title = _("period")
    form_class = PeriodForm

    def filter(self, queryset, cleaned_data):
        return queryset.in_period(cleaned_data["date_from"], cleaned_data["date_to"])


class ActorForm(forms.Form):
    actor = forms.ModelChoiceField(queryset=Actor.objects.all(), label=_("Actor"), required=False)

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin's own autocomplete: it searches actors' names and aliases (ActorAdmin).
        field = self.fields["actor"]
        field.widget = AutocompleteSelect(
            Incident._meta.get_field("actors"), admin_site, attrs={"data-submit-on-change": ""}
        )
        field.widget.choices = field.choices  # it renders the chosen actor from them


class ActorFilter(FormListFilter):
    """Incidents in which the actor takes part in any role, the actor found by name or alias."""

    title = _("actor")
    form_class = ActorForm

    def make_form(self, request, data):
        if data and row_id(data["actor"]) is None:
            # What is no id at all would fail in the widget's query of the chosen actor.
            data = {"actor": ""}
        return ActorForm(data, admin_site=self.model_admin.admin_site)

    def filter(self, queryset, cleaned_data):
        actor = cleaned_data["actor"]
        return queryset.involving_actors([actor]) if actor else queryset


class RegionForm(forms.Form):
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int)

    def __init__(self, *args, country=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = AdminArea.objects.filter(level=AdminArea.Level.ADMIN1)
        if country is not None:
            regions = regions.filter(country_id=country)
        grouped = {}
        for pk, name, country_name in regions.order_by("country__name", "name").values_list(
            "pk", "name", "country__name"
        ):
            grouped.setdefault(country_name, []).append((pk, name))
        self.fields["region"].choices = [("", _("Any region")), *grouped.items()]
        # Searchable once js/admin-incident-list.js makes it a select2 box.
        self.fields["region"].widget.attrs.update(
            {"data-searchable": "", "data-submit-on-change": ""}
        )


class RegionFilter(FormListFilter):
    """Regions (admin1) grouped under their country, in a box that searches them (accents
    aside); once a country is chosen, only its regions."""

    title = _("region")
    form_class = RegionForm

    def make_form(self, request, data):
        return RegionForm(data, country=row_id(request.GET.get(COUNTRY_PARAMETER, "")))

    def filter(self, queryset, cleaned_data):
        region = cleaned_data["region"]
        return queryset.filter(location__admin1=region) if region else queryset


class SubEventTypeFilter(admin.SimpleListFilter):
    """Sub-event types as "Event type · Sub-event type"; once an event type is chosen, only
    its own."""

    title = _("sub-event type")
    parameter_name = "sub_event_type"

    def lookups(self, request, model_admin):
        sub_types = SubEventType.objects.select_related("event_type")
        event_type = request.GET.get(EVENT_TYPE_PARAMETER)
        if event_type:
            return [(sub.pk, sub.label) for sub in sub_types.filter(event_type=event_type)]
        return [(sub.pk, f"{sub.event_type.label} · {sub.label}") for sub in sub_types]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(sub_event_type=self.value())
        return queryset


class CitationFilter(admin.SimpleListFilter):
    """Incidents without a citation cannot be published: the analyst's list of what to source."""

    title = _("sources")
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("no", _("No source cited")), ("yes", _("At least one source"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.citing_no_source()
        if self.value() == "yes":
            return queryset.citing_a_source()
        return queryset


class ImportRunFilter(admin.SimpleListFilter):
    """The incidents an admin upload created or changed (Incident.import_run): the link at the
    bottom of an import's page, and the latest imports to choose from."""

    title = _("import")
    parameter_name = "import_run"
    LATEST = 10

    def lookups(self, request, model_admin):
        runs = list(
            ImportRun.objects.filter(imported_at__isnull=False).defer("content")[: self.LATEST]
        )
        chosen = row_id(self.value() or "")
        if chosen is not None and chosen not in {run.pk for run in runs}:
            runs += ImportRun.objects.filter(pk=chosen).defer("content")
        return [(str(run.pk), str(run)) for run in runs]

    def queryset(self, request, queryset):
        run = row_id(self.value() or "")
        if run is not None:
            return queryset.filter(import_run=run)
        return queryset
