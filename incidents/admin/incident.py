"""The incident form and list, with the review workflow's buttons and actions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..choices import Status
from ..models import Incident, SubEventType
from .parts import (
    CasualtyInline,
    CitationInline,
    FiguresAdminMixin,
    IncidentActorInline,
    SourceReportInline,
)
from .permissions import may_edit


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
class IncidentAdmin(FiguresAdminMixin, SimpleHistoryAdmin):
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
    # In the order a report gives them: how many were hit (what each source said, then the
    # figure coded from them), who did it, who says so.
    inlines = [SourceReportInline, CasualtyInline, IncidentActorInline, CitationInline]
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
