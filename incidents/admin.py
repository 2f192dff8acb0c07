"""The analysts' workbench: entering, reviewing, publishing and retracting incidents."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .choices import Status
from .importers.reading import CsvFile, FileRefused
from .importers.registry import IMPORTERS
from .importers.runs import run_import, run_preview
from .models import (
    Actor,
    ActorAlias,
    AdminArea,
    Casualty,
    Citation,
    Country,
    EventType,
    ImportRun,
    Incident,
    IncidentActor,
    Location,
    Source,
    SubEventType,
    Tactic,
)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso3", "iso2"]
    search_fields = ["name", "iso3", "iso2"]


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "iso_code", "parent", "country"]
    list_filter = ["level", "country"]
    list_select_related = ["parent", "country"]
    search_fields = ["name", "iso_code"]
    autocomplete_fields = ["country", "parent"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "admin1", "admin2", "country", "latitude", "longitude"]
    list_filter = ["country"]
    list_select_related = ["admin1", "admin2", "country"]
    search_fields = ["name", "admin1__name", "admin2__name"]
    autocomplete_fields = ["country", "admin1", "admin2", "admin3"]
    fields = ["name", ("latitude", "longitude"), "country", "admin1", "admin2", "admin3"]


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "actor_type"]
    list_filter = ["actor_type"]
    search_fields = ["name", "aliases__name"]
    inlines = [ActorAliasInline]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "scale", "url"]
    list_filter = ["scale"]
    search_fields = ["name"]


@admin.register(Tactic)
class TacticAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TaxonomyAdmin(admin.ModelAdmin):
    """The ACLED taxonomy comes from a migration; analysts read it, nobody edits it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventType)
class EventTypeAdmin(TaxonomyAdmin):
    list_display = ["name", "code"]


@admin.register(SubEventType)
class SubEventTypeAdmin(TaxonomyAdmin):
    list_display = ["name", "event_type", "code"]
    list_filter = ["event_type"]
    list_select_related = ["event_type"]


def may_edit(request, incident):
    """Analysts edit drafts and incidents in review; what the public sees (published or
    retracted) only a reviewer may change."""
    return (
        incident is None
        or not incident.has_public_page
        or request.user.has_perm("incidents.publish_incident")
    )


class IncidentPartInline:
    """An incident's casualties, actors and citations are editable when the incident is."""

    def has_add_permission(self, request, obj):
        return may_edit(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return may_edit(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_edit(request, obj) and super().has_delete_permission(request, obj)


class IncidentActorInline(IncidentPartInline, admin.TabularInline):
    model = IncidentActor
    autocomplete_fields = ["actor"]
    extra = 1


class CasualtyInline(IncidentPartInline, admin.TabularInline):
    model = Casualty
    autocomplete_fields = ["source"]
    fields = ["group", "outcome", "low", "best", "high", "source"]
    extra = 1


class CitationInline(IncidentPartInline, admin.StackedInline):
    model = Citation
    # Reports are on the web today: a URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    autocomplete_fields = ["source"]
    fields = [("source", "published_on"), "url", "title", "excerpt"]
    extra = 1


class IncidentAdminForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = "__all__"  # noqa: DJ007 -- the admin narrows it to its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sub_event_type" in self.fields:
            # Group the sub-event types under their event type, as in ACLED's codebook.
            grouped = {}
            for sub_type in SubEventType.objects.select_related("event_type"):
                grouped.setdefault(sub_type.event_type.name, []).append(
                    (sub_type.pk, sub_type.name)
                )
            self.fields["sub_event_type"].choices = [("", "---------"), *grouped.items()]


class RetractForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Shown to the public at the incident's address instead of its content."),
    )


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    form = IncidentAdminForm
    list_display = ["start_date", "title", "location", "event_type", "killed_best", "status"]
    list_display_links = ["start_date", "title"]
    list_filter = ["status", "event_type", "date_precision", "location__admin1"]
    # What the rows show: the place with its region or country, the type, and each row's
    # checkbox label (the incident's __str__, which names the sub-event type).
    list_select_related = ["location__admin1", "location__country", "event_type", "sub_event_type"]
    search_fields = ["title", "location__name", "acled_event_id", "ucdp_id"]
    date_hierarchy = "start_date"
    show_full_result_count = False
    autocomplete_fields = ["location", "tactics", "related"]
    # In the order a report gives them: how many were hit, who did it, who says so.
    inlines = [CasualtyInline, IncidentActorInline, CitationInline]
    actions = ["submit_for_review", "publish", "return_to_draft"]
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

    @admin.display(description=_("killed (low / best / high)"))
    def killed_figures(self, incident):
        return _format_figures(incident.killed_low, incident.killed_best, incident.killed_high)

    @admin.display(description=_("injured (low / best / high)"))
    def injured_figures(self, incident):
        return _format_figures(incident.injured_low, incident.injured_best, incident.injured_high)

    @admin.display(description=_("review"))
    def workflow(self, incident):
        steps = [
            (_("submitted"), incident.submitted_at, incident.submitted_by),
            (_("published"), incident.published_at, incident.published_by),
            (_("retracted"), incident.retracted_at, incident.retracted_by),
        ]
        parts = [
            f"{label} {when:%Y-%m-%d %H:%M} by {who or '?'}" for label, when, who in steps if when
        ]
        if incident.retraction_reason:
            parts.append(f"reason: {incident.retraction_reason}")
        return "; ".join(parts) or "—"

    @admin.display(description=_("created"))
    def created(self, incident):
        return _stamp(incident.created_at, incident.created_by)

    @admin.display(description=_("last changed"))
    def updated(self, incident):
        return _stamp(incident.updated_at, incident.updated_by)

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
        # Without it the page shows the incident read-only (and history reverts are refused).
        return may_edit(request, obj) and super().has_change_permission(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm("incidents.publish_incident")

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
        if change and not form.has_changed() and any(f.has_changed() for f in formsets):
            form.instance.mark_changed(by=request.user)  # a casualty, actor or source changed
        # The workflow buttons on the change form act after everything is saved, so an
        # incident is published with its casualty rows and totals, never without them.
        incident = form.instance
        steps = {"_submit_for_review": incident.submit_for_review, "_publish": incident.publish}
        for button, step in steps.items():
            if button in request.POST:
                try:
                    step(by=request.user)
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_publish": self.has_publish_permission(request),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/retract/",
                self.admin_site.admin_view(self.retract_view),
                name="incidents_incident_retract",
            ),
            *super().get_urls(),
        ]

    def retract_view(self, request, object_id):
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        form = RetractForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                incident.retract(by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("“%s” is retracted.") % incident.title)
            return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Retract this incident"),
            "incident": incident,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/incidents/incident/retract.html", context)

    def _apply_step(self, request, queryset, step_name, done):
        changed = 0
        for incident in queryset:
            try:
                getattr(incident, step_name)(by=request.user)
                changed += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{incident}: {' '.join(error.messages)}", messages.WARNING
                )
        if changed:
            self.message_user(
                request, _("%(count)d incident(s) %(done)s.") % {"count": changed, "done": done}
            )

    @admin.action(description=_("Submit selected incidents for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._apply_step(request, queryset, "submit_for_review", _("submitted for review"))

    @admin.action(description=_("Publish selected incidents"), permissions=["publish"])
    def publish(self, request, queryset):
        self._apply_step(request, queryset, "publish", _("published"))

    @admin.action(description=_("Send selected incidents back to draft"), permissions=["publish"])
    def return_to_draft(self, request, queryset):
        self._apply_step(request, queryset, "return_to_draft", _("sent back to draft"))


def _format_figures(low, best, high):
    if best is None:
        return _("unknown")
    return str(best) if low == high else f"{low} / {best} / {high}"


def _stamp(when, who):
    if when is None:
        return "—"
    return f"{when:%Y-%m-%d %H:%M} by {who}" if who else f"{when:%Y-%m-%d %H:%M}"


class ImportRunForm(forms.ModelForm):
    file = forms.FileField(help_text=_("A CSV file in UTF-8, as UCDP or ACLED export it."))

    class Meta:
        model = ImportRun
        fields = ["format", "file", "skip_invalid"]

    def clean(self):
        cleaned = super().clean()
        upload, format_name = cleaned.get("file"), cleaned.get("format")
        if upload and format_name:
            try:
                CsvFile(upload, IMPORTERS[format_name]().missing_columns)
            except FileRefused as refused:
                self.add_error("file", str(refused))
        return cleaned


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Upload a file, read its dry-run report, then confirm the import."""

    form = ImportRunForm
    list_display = ["uploaded_at", "file_name", "format", "uploaded_by", "imported_at", "outcome"]
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request):
        # The uploaded files can be megabytes each: the list and the report never need them.
        return super().get_queryset(request).defer("content")

    readonly_fields = ["file_name", "uploaded_by", "uploaded_at", "report", "imported"]
    change_form_template = "admin/incidents/importrun/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["format", "file", "skip_invalid"]
        return [
            "file_name",
            "format",
            "skip_invalid",
            "uploaded_by",
            "uploaded_at",
            "report",
            "imported",
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm  # no upload field once the file is in
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Once uploaded, a run is a record: its file and options stay as they were previewed.
        return self.readonly_fields + (["format", "skip_invalid"] if obj else [])

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("outcome"))
    def outcome(self, run):
        report = run.result or run.preview
        return report.get("summary", "")

    @admin.display(description=_("dry run"))
    def report(self, run):
        return _report_html(run.preview)

    @admin.display(description=_("import"))
    def imported(self, run):
        if run.imported_at is None:
            return _("not imported yet")
        return format_html(
            "{} by {}<br>{}",
            f"{run.imported_at:%Y-%m-%d %H:%M}",
            run.imported_by,
            _report_html(run.result),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            upload = form.cleaned_data["file"]
            obj.file_name = upload.name
            obj.content = b"".join(upload.chunks())  # chunks() reads from the start
            obj.uploaded_by = request.user
            run_preview(obj, by=request.user)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # After the upload, show the dry-run report with its confirm button.
        return redirect(reverse("admin:incidents_importrun_change", args=[obj.pk]))

    def response_change(self, request, obj):
        if "_confirm_import" in request.POST:
            if not obj.can_import:
                self.message_user(
                    request, _("This file cannot be imported as it is."), messages.ERROR
                )
            else:
                result = run_import(obj, by=request.user)
                level = messages.SUCCESS if result["written"] else messages.ERROR
                self.message_user(request, result["summary"], level)
            return redirect(reverse("admin:incidents_importrun_change", args=[obj.pk]))
        return super().response_change(request, obj)


def _report_html(report):
    if not report:
        return "—"
    problems = [*report.get("rejected", []), *report.get("conflicts", [])]
    return format_html(
        "<strong>{}</strong>{}",
        report["summary"],
        format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems)))
        if problems
        else "",
    )
