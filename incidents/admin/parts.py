"""The rows entered inside an incident's form: what the sources reported, the coded figures,
actors and citations."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import figures
from ..models import Casualty, Citation, IncidentActor, Source, SourceReport
from .dates import DATE_OVERRIDES
from .permissions import IncidentPartInline


class IncidentActorInline(IncidentPartInline, admin.TabularInline):
    model = IncidentActor
    autocomplete_fields = ["actor"]
    extra = 1


class SourceAutocomplete(AutocompleteSelect):
    """The source widget of a report row, labelled from the sources read once for the whole
    form (`labels`, {pk: name}) rather than by one query per row, as Django's widget does."""

    labels = None

    def optgroups(self, name, value, attr=None):
        chosen = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.labels is None or any(pk not in self.labels for pk in chosen):
            return super().optgroups(name, value, attr)
        options = [self.create_option(name, "", "", False, 0)] if not self.is_required else []
        options += [
            self.create_option(name, pk, self.labels[pk], True, len(options)) for pk in chosen
        ]
        return [(None, options, 0)]


class SourceReportInline(IncidentPartInline, admin.TabularInline):
    model = SourceReport
    verbose_name = _("source report")
    verbose_name_plural = _(
        "Source reports — one row per source and figure, as the source gave it (never added up)"
    )
    autocomplete_fields = ["source"]
    fields = ["group", "outcome", "source", "qualifier", "figure", "figure_high", "reported_on"]
    fields += ["quote"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 1})},
        **DATE_OVERRIDES,
    }
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = SourceAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("source")
        if field is not None and obj is not None:
            widget = field.widget.widget  # inside the add/change links' wrapper
            widget.labels = {
                str(source.pk): str(source)
                for source in Source.objects.filter(reports__incident=obj).distinct()
            }
        return formset


class CodedFigureFormSet(forms.BaseInlineFormSet):
    """One coded figure per group and outcome, inside what the sources reported unless a note
    says why. `reports_formset` (the same form's source reports) is set by FiguresAdminMixin."""

    reports_formset = None

    def clean(self):
        # Before Django's own unique check, whose message names no group or outcome.
        self._refuse_duplicates()
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.errors and not form.cleaned_data.get("DELETE")
        ]
        proposals = figures.proposals_by_key(self._submitted_reports())
        for form in kept:
            data = form.cleaned_data
            key = (data.get("group"), data.get("outcome"))
            coded = Casualty(low=data.get("low"), best=data.get("best"), high=data.get("high"))
            reported = figures.outside_reports(coded, proposals.get(key))
            if reported and not data.get("note", "").strip():
                form.add_error(
                    "note",
                    _(
                        "The sources reported %(reported)s for %(what)s; this coded figure lies "
                        "outside it. Say why in the note, or code a figure inside it."
                    )
                    % {"reported": reported, "what": figures.describe(*key)},
                )

    def _refuse_duplicates(self):
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or data.get("DELETE"):
                continue
            key = (data.get("group"), data.get("outcome"))
            if key in seen:
                raise ValidationError(
                    _(
                        "%(what)s is coded twice. Keep one coded figure per group and outcome; "
                        "each source's figure goes in the source reports."
                    )
                    % {"what": figures.describe(*key)}
                )
            seen.add(key)

    def _submitted_reports(self):
        """The source reports as submitted in the same form (valid, not deleted)."""
        if self.reports_formset is None:
            return []
        return [
            SourceReport(**{name: data.get(name) for name in REPORT_FIGURE_FIELDS})
            for form in self.reports_formset.forms
            if (data := getattr(form, "cleaned_data", None)) and not data.get("DELETE")
        ]


REPORT_FIGURE_FIELDS = ["group", "outcome", "qualifier", "figure", "figure_high"]


class CasualtyInline(IncidentPartInline, admin.TabularInline):
    model = Casualty
    formset = CodedFigureFormSet
    verbose_name = _("coded figure")
    verbose_name_plural = _(
        "Coded figures — one per group and outcome: what totals, lists and exports count"
    )
    fields = ["group", "outcome", "low", "best", "high", "high_open", "note", "proposed"]
    readonly_fields = ["proposed"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1})}}
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        # What the saved reports propose, read once for the form (not once per row).
        reports = obj.source_reports.all() if obj is not None else []
        self.proposals = figures.proposals_by_key(reports)
        formset = super().get_formset(request, obj, **kwargs)
        help_texts = {
            "low": _("Blank: the same as best."),
            "high": _("Blank: the same as best."),
            "note": _("Needed when the coded figure lies outside what the sources reported."),
        }
        for name, help_text in help_texts.items():
            if name in formset.form.base_fields:  # not when the form is read-only
                formset.form.base_fields[name].help_text = help_text
        return formset

    @admin.display(description=_("the reports propose"))
    def proposed(self, casualty):
        proposal = self.proposals.get((casualty.group, casualty.outcome))
        if proposal is None:
            return "—"
        count = proposal.reports
        return ngettext(
            "%(figures)s from %(count)d report", "%(figures)s from %(count)d reports", count
        ) % {"figures": proposal.slashed(), "count": count}


class CitationInline(IncidentPartInline, admin.StackedInline):
    model = Citation
    # Reports are on the web today: a URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}, **DATE_OVERRIDES}
    autocomplete_fields = ["source"]
    fields = [("source", "published_on"), "url", "title", "excerpt"]
    extra = 1


class FiguresAdminMixin:
    """IncidentAdmin's part for figures: the coded figures are checked against the source
    reports of the same form, and a group and outcome with reports but no coded figure is
    coded as the reports propose when the form is saved."""

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        reports = next((f for f in formsets if f.model is SourceReport), None)
        for formset in formsets:
            if isinstance(formset, CodedFigureFormSet):
                formset.reports_formset = reports
        return formsets, inline_instances

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for casualty, proposal in figures.code_from_reports(form.instance):
            self.message_user(
                request,
                ngettext(
                    "%(what)s coded %(figures)s from %(count)d report.",
                    "%(what)s coded %(figures)s from %(count)d reports.",
                    proposal.reports,
                )
                % {
                    "what": figures.describe(casualty.group, casualty.outcome),
                    "figures": proposal.slashed(),
                    "count": proposal.reports,
                },
                messages.INFO,
            )
