"""The incident form and list, with the review workflow's buttons and actions."""

import re

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import counts
from ..choices import DatePrecision, Status
from ..duplicates import Entry, likely_duplicates
from ..models import Incident, IncidentNote, SubEventType
from ..querystrings import row_id
from .dates import (
    DATE_OVERRIDES,
    INCIDENT_DATE_HINT,
    INCIDENT_DATE_OVERRIDE,
    settle_date_precision,
    show_dates_at_their_precision,
)
from .filters import (
    ActorFilter,
    CitationFilter,
    ImportRunFilter,
    PeriodFilter,
    RegionFilter,
    SubEventTypeFilter,
)
from .history import IncidentHistoryAdmin, VersionedIncidentForm
from .merges import IncidentMergeMixin
from .parts import (
    CasualtyInline,
    CitationInline,
    FiguresAdminMixin,
    IncidentActorInline,
    SourceReportInline,
)
from .permissions import CheckedActionsMixin, may_edit
from .unsaved import AskBeforeLeavingMixin
from .workflow import IncidentWorkflowMixin, QueueFilter

# What a likely duplicate shares with the incident being entered (incidents/duplicates.py):
# changing any of these on an existing incident checks it again.
DUPLICATE_FIELDS = {"start_date", "end_date", "date_precision", "location", "event_type"}
ACTOR_FIELD = re.compile(r"incident_actors-(\d+)-actor")
LIST_SCRIPT = "js/admin-incident-list.js"


class IncidentAdminForm(VersionedIncidentForm):
    """The incident form, which also stops a save that probably enters an incident twice
    (likely_duplicates) until the analyst says it is a different one."""

    save_despite_duplicates = forms.BooleanField(
        required=False,
        label=_("It is a different incident: save anyway"),
        help_text=_("Kept in the incident's internal notes with the incidents it resembles."),
    )

    class Meta:
        model = Incident
        fields = "__all__"  # noqa: DJ007 -- the admin narrows it to its fieldsets

    duplicates = ()

    def clean(self):
        cleaned = super().clean()
        settle_date_precision(self, cleaned)
        entry = self._entry(cleaned)
        if entry is None:
            return cleaned
        self.duplicates = likely_duplicates(entry)
        if self.duplicates and not cleaned.get("save_despite_duplicates"):
            raise ValidationError(
                ngettext(
                    "This looks like an incident already entered (below). If it is a different "
                    "one, tick “It is a different incident: save anyway” and save again.",
                    "This looks like %(count)d incidents already entered (below). If it is a "
                    "different one, tick “It is a different incident: save anyway” and save "
                    "again.",
                    len(self.duplicates),
                )
                % {"count": len(self.duplicates)}
            )
        return cleaned

    def _entry(self, cleaned):
        """The duplicate check's Entry, or None when there is nothing to check: a field it
        needs is missing or invalid, or an existing incident's place, dates, type and actors
        are as they were."""
        if self.errors or not all(cleaned.get(name) for name in ("start_date", "location")):
            return None
        actors = self._posted_actors()
        if self.instance.pk is not None and not DUPLICATE_FIELDS & set(self.changed_data):
            before = set(self.instance.incident_actors.values_list("actor_id", flat=True))
            if actors == before:
                return None
        event_type = cleaned.get("event_type")
        return Entry(
            start_date=cleaned["start_date"],
            end_date=cleaned.get("end_date"),
            date_precision=cleaned.get("date_precision") or DatePrecision.DAY,
            location=cleaned["location"],
            event_type_id=event_type.pk if event_type else None,
            actor_ids=frozenset(actors),
            pk=self.instance.pk,
        )

    def _posted_actors(self):
        """The actors of the form's actor rows (the inline's data, which this form does not
        validate), without those marked for deletion."""
        actors = set()
        for name, value in self.data.items():
            match = ACTOR_FIELD.fullmatch(name)
            if match and not self.data.get(f"incident_actors-{match[1]}-DELETE"):
                actor = row_id(value)
                if actor is not None:
                    actors.add(actor)
        return actors

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_dates_at_their_precision(self)
        if "sub_event_type" in self.fields:
            # Group the sub-event types under their event type, as in ACLED's codebook.
            grouped = {}
            for sub_type in SubEventType.objects.select_related("event_type"):
                grouped.setdefault(sub_type.event_type.label, []).append(
                    (sub_type.pk, sub_type.label)
                )
            self.fields["sub_event_type"].choices = [("", "---------"), *grouped.items()]


class IncidentListPaginator(Paginator):
    """The incident list's pages. A filtered or searched list is counted month by month
    (IncidentQuerySet.start_month_counts): the date hierarchy shows those months (or their
    years), so the count and the hierarchy cost one pass over the incidents instead of two
    (see templatetags/incident_admin.py). The whole table is counted from the count tables
    and the status index (IncidentQuerySet.count_of_every_status); its months come from the
    date index."""

    @cached_property
    def months(self):
        """{month: incidents} of a filtered list; None for the whole table. The published
        incidents alone (the status filter's "Published") are counted from the count tables:
        a GROUP BY over them read nearly all of a million incidents (300 ms)."""
        where = self.object_list.query.where
        if not where:
            return None
        if where == Incident.objects.filter(status=Status.PUBLISHED).query.where:
            return counts.start_month_counts(counts.Selection())
        return self.object_list.start_month_counts()

    @cached_property
    def count(self):
        if self.months is None:
            return self.object_list.count_of_every_status()
        return sum(self.months.values())


# Columns sorted by a key of their own. An event type by its code, which the incident row
# holds (incident_event_type_idx), rather than by its name in the event types' table: sorting by
# the name read and sorted every incident (0.9-1.0 s at a million). ACLED's codes sort as their
# English names do ("battles" ... "violence_against_civilians").
SORT_KEYS = {"event_type": "event_type_id"}


def sort_key(part):
    """The column `part` of an admin ordering ("event_type", "-killed_best", an expression) as
    the incidents are sorted by it (SORT_KEYS)."""
    if not isinstance(part, str):
        return part
    name = part.lstrip("-")
    return part[: len(part) - len(name)] + SORT_KEYS.get(name, name)


class IncidentChangeList(ChangeList):
    """The incident list, sorted by one column at a time, whose ties (same toll, same title)
    go newest first, as the unsorted list does.

    Django's admin sorts by every column clicked in turn (?o=6.4.-1: status, then event type,
    then date). An index holds each column followed by the date, not every sequence of columns:
    status then event type sorted all the million incidents of a status for each page (1.6-1.9
    s). The header marks the one column the list is sorted by, and a click on another sorts by
    that one instead."""

    def get_ordering(self, request, queryset):
        order = self.params.get(ORDER_VAR)
        if order:
            # Read here, before the headers are made from the same parameters.
            self.params[ORDER_VAR] = order.split(".")[0]
        ordering = [sort_key(part) for part in super().get_ordering(request, queryset)]
        # Django ends an order that is not total with "-pk": ties by id, whatever their dates.
        # The list's own order instead (newest first), which an index serves after each column
        # (incident_killed_idx, incident_title_idx, incident_event_type_idx,
        # incident_status_date_idx and their descending twins).
        if ordering[-1] != "-pk":
            return ordering
        sorted_fields = {part.lstrip("-") for part in ordering if isinstance(part, str)}
        ties = [part for part in self.model._meta.ordering if part.lstrip("-") not in sorted_fields]
        return [*ordering[:-1], *ties]


@admin.register(Incident)
class IncidentAdmin(
    AskBeforeLeavingMixin,
    CheckedActionsMixin,
    IncidentWorkflowMixin,
    IncidentMergeMixin,
    # The history's save_related wraps the figures' (which codes figures from the reports), so
    # that the coded rows are part of the version the save records.
    IncidentHistoryAdmin,
    FiguresAdminMixin,
    admin.ModelAdmin,
):
    form = IncidentAdminForm
    formfield_overrides = DATE_OVERRIDES
    paginator = IncidentListPaginator
    # No "Show counts": Django counts every choice of every filter with one query over all the
    # incidents, which ran for minutes at a million (the "no source cited" choice's NOT EXISTS
    # among them), and kept running after the analyst had left the page.
    show_facets = admin.ShowFacets.NEVER

    # Short cells (an ISO date, "Killed"), so that every column fits beside the filters at
    # 1280 px; css/admin-incident-list.css lets the title and place wrap.
    list_display = ["date", "title", "location", "event_type", "killed", "status"]
    list_display_links = ["date", "title"]
    list_filter = [
        QueueFilter,
        "status",
        CitationFilter,
        PeriodFilter,
        "location__country",
        RegionFilter,
        ActorFilter,
        "event_type",
        SubEventTypeFilter,
        "date_precision",
        ImportRunFilter,
    ]
    # What the rows show: the place with its region or country, the type, and each row's
    # checkbox label (the incident's __str__, which names the sub-event type).
    list_select_related = ["location__admin1", "location__country", "event_type", "sub_event_type"]
    # The search box: see IncidentQuerySet.matching_every_word (get_search_results below).
    search_fields = ["title"]
    search_help_text = _(
        "Words in the title, narrative, place, district, region, country or an actor's name or "
        "alias (accents and case don't count), an ACLED, UCDP or GTD id, or a date: 2023, 2023-09, "
        "2023-09-15."
    )
    date_hierarchy = "start_date"
    show_full_result_count = False
    autocomplete_fields = ["location", "tactics", "related"]
    # In the order a report gives them: how many were hit (what each source said, then the
    # figure coded from them), who did it, who says so.
    inlines = [SourceReportInline, CasualtyInline, IncidentActorInline, CitationInline]
    readonly_fields = [
        "status",
        "killed_figures",
        "injured_figures",
        "workflow",
        "created",
        "updated",
    ]
    fieldsets = [
        (_("When"), {"fields": [("start_date", "end_date", "date_precision")]}),
        (_("Where"), {"fields": [("location", "geo_precision")]}),
        (
            _("What"),
            {
                "fields": [
                    ("event_type", "sub_event_type"),
                    "tactics",
                    "civilian_targeting",
                    "title",
                    "narrative",
                ]
            },
        ),
        (_("Links"), {"fields": ["related", ("acled_event_id", "ucdp_id")]}),
        # Beside the source reports and coded figures, which the form shows next.
        (_("Toll"), {"fields": ["toll_unknown"]}),
        (
            _("Status and totals"),
            {
                "fields": [
                    "status",
                    ("killed_figures", "injured_figures"),
                    "workflow",
                    ("created", "updated"),
                ]
            },
        ),
    ]

    def action_checkbox(self, incident):
        """Django's checkbox of a row, the same HTML written out: rendered as a form widget
        through the template engine, a page's hundred checkboxes took a quarter of the
        list's time (50-70 ms at a million incidents)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            incident.pk,
            format_html(gettext("Select this object for an action - {}"), str(incident)),
        )

    @admin.display(description=_("date"), ordering="start_date")
    def date(self, incident):
        return incident.start_date.isoformat()

    @admin.display(description=_("killed"), ordering="killed_best")
    def killed(self, incident):
        return "—" if incident.killed_best is None else incident.killed_best

    @admin.display(description=_("killed (low / best / high)"))
    def killed_figures(self, incident):
        return _format_figures(incident.killed_low, incident.killed_best, incident.killed_high)

    @admin.display(description=_("injured (low / best / high)"))
    def injured_figures(self, incident):
        return _format_figures(incident.injured_low, incident.injured_best, incident.injured_high)

    @admin.display(description=_("review"))
    def workflow(self, incident):
        # Whole sentences, one per step, so that each language orders its words its own way.
        steps = [
            (
                gettext("submitted %(when)s by %(who)s"),
                incident.submitted_at,
                incident.submitted_by,
            ),
            (gettext("returned %(when)s by %(who)s"), incident.returned_at, incident.returned_by),
            (
                gettext("published %(when)s by %(who)s"),
                incident.published_at,
                incident.published_by,
            ),
            (
                gettext("retracted %(when)s by %(who)s"),
                incident.retracted_at,
                incident.retracted_by,
            ),
        ]
        parts = [
            text % {"when": f"{when:%Y-%m-%d %H:%M}", "who": who or "?"}
            for text, when, who in steps
            if when
        ]
        if incident.status == Status.DRAFT and incident.return_reason:
            parts.append(
                gettext("returned because: %(reason)s") % {"reason": incident.return_reason}
            )
        if incident.retraction_reason:
            parts.append(gettext("reason: %(reason)s") % {"reason": incident.retraction_reason})
        return "; ".join(parts) or "—"

    @admin.display(description=_("created"))
    def created(self, incident):
        return _stamp(incident.created_at, incident.created_by)

    @admin.display(description=_("last changed"))
    def updated(self, incident):
        return _stamp(incident.updated_at, incident.updated_by)

    @property
    def media(self):
        # The list's actor and region boxes search as the form's autocompletes do (the same
        # select2 files).
        actors = AutocompleteSelect(Incident._meta.get_field("actors"), self.admin_site)
        return super().media + actors.media + forms.Media(js=[LIST_SCRIPT])

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("start_date", "end_date"):
            # A month or a year alone as well (incidents known only that well); the format
            # under the start date (the end date says when to give one).
            kwargs = {**INCIDENT_DATE_OVERRIDE, **kwargs}
            if db_field.name == "start_date":
                kwargs.setdefault("help_text", INCIDENT_DATE_HINT)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return IncidentChangeList

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.matching_every_word(search_term), False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # A new incident has no status history or totals yet.
        return fieldsets if obj is not None else fieldsets[:-1]

    def view_on_site(self, incident):
        return incident.get_absolute_url() if incident.has_public_page else None

    def has_delete_permission(self, request, obj=None):
        # Published incidents are retracted, never silently deleted.
        if obj is not None and obj.status in (Status.PUBLISHED, Status.RETRACTED):
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # Without it the page shows the incident read-only.
        return may_edit(request, obj) and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Saving an unchanged form is no correction: "last changed" stays, and a later
        # re-import still sees the incident as untouched since its import.
        if change and not form.has_changed():
            return
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.duplicates and form.cleaned_data.get("save_despite_duplicates"):
            resembled = "; ".join(
                f"#{incident.pk} {incident.start_date:%Y-%m-%d} {incident.title}"
                for incident in form.duplicates
            )
            # Written in the language of the analyst who saved, as a note they would write.
            IncidentNote.objects.create(
                incident=form.instance,
                text=gettext("Saved as a different incident despite likely duplicates: %s")
                % resembled,
                written_by=request.user,
            )
        if change and not form.has_changed() and any(f.has_changed() for f in formsets):
            form.instance.mark_changed(by=request.user)  # a casualty, actor or source changed
        self.take_form_step(request, form.instance)


def _format_figures(low, best, high):
    if best is None:
        return _("unknown")
    return str(best) if low == high else f"{low} / {best} / {high}"


def _stamp(when, who):
    if when is None:
        return "—"
    if not who:
        return f"{when:%Y-%m-%d %H:%M}"
    return gettext("%(when)s by %(who)s") % {"when": f"{when:%Y-%m-%d %H:%M}", "who": who}
