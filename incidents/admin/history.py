"""An incident's versions in the admin: every save checked against the version the editor
opened and recorded, the history page, one version, two versions compared, revert and the
reviewers' decision on an analyst's proposed revert.

IncidentAdmin inherits IncidentHistoryAdmin; its form inherits VersionedIncidentForm.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .. import history
from ..choices import Status, VersionKind
from ..models import Incident, RevertProposal
from .merging import merged_post

# The form fields that say how the form was filled in, not what the incident is.
BOOKKEEPING_FIELDS = ["opened_version", "change_reason"]


class VersionedIncidentForm(forms.ModelForm):
    """The version the editor opened (so a stale save is refused) and why they change it."""

    opened_version = forms.IntegerField(
        label=_("Version opened"), widget=forms.HiddenInput, required=False
    )
    change_reason = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_(
            "Kept in the incident's history. Required once the incident is published: "
            "the public sees it as the correction note."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "opened_version" in self.fields:
            self.fields["opened_version"].initial = self.instance.version

    @property
    def changed_data(self):
        # Filling in a reason changes nothing in the incident.
        return [name for name in super().changed_data if name not in BOOKKEEPING_FIELDS]

    def clean_change_reason(self):
        reason = self.cleaned_data.get("change_reason", "").strip()
        if self.instance.pk and self.instance.status == Status.PUBLISHED and not reason:
            raise ValidationError(
                _("Say why a published incident is changed: the public sees it as a correction.")
            )
        return reason


class RevertForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Kept in the history; for a published incident, shown as the correction."),
    )
    opened_version = forms.IntegerField(widget=forms.HiddenInput)


class IncidentHistoryAdmin:
    """The versioning half of IncidentAdmin."""

    # --- saving: one recorded version per save, refused when stale ------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets = [*fieldsets, (_("This change"), {"fields": BOOKKEEPING_FIELDS})]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        conflict = getattr(request, "incident_conflict", None)
        if conflict is None:
            return form

        class ConflictForm(form):
            # Shows the editor's input again with the current version token; never saves.
            def clean(self):
                raise ValidationError(conflict["message"])

        return ConflictForm

    def save_model(self, request, obj, form, change):
        if change:
            form.incident_changed = True  # saved with its rows in save_related, as one version
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        incident = form.instance
        reason = form.cleaned_data.get("change_reason", "")
        if not change:
            super().save_related(request, form, formsets, change)
            history.record_version(
                incident, by=request.user, kind=VersionKind.CREATED, reason=reason
            )
            return
        with history.change(
            incident,
            by=request.user,
            kind=VersionKind.EDITED,
            reason=reason,
            opened_version=form.cleaned_data["opened_version"],
        ):
            if getattr(form, "incident_changed", False):
                incident.save()
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        incident = self._incident_or_none(object_id)
        if incident is not None:
            extra_context["revert_proposals"] = self._pending_proposals(request, incident)
        if request.method != "POST" or incident is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        opened = request.POST.get("opened_version", "")
        if opened != str(incident.version):
            return self._conflict(request, incident, opened, form_url, extra_context)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except history.StaleVersion:  # someone saved between the check above and the lock
            incident.refresh_from_db()
            return self._conflict(request, incident, opened, form_url, extra_context)

    def _conflict(self, request, incident, opened, form_url, extra_context):
        """409: what changed since the editor opened the form, and their form as they filled
        it in, now carrying the current version so that saving again applies it on top."""
        opened = int(opened) if opened.isdigit() else None
        post = request.POST.copy()
        base = incident.versions.filter(number__lte=opened).first() if opened else None
        if base is not None:
            # Only what the editor changed goes over the current version (see merging.py).
            form_class = self.get_form(request, incident, change=True)
            post, yours = merged_post(post, form_class, incident, base.snapshot)
        post["opened_version"] = str(incident.version)
        request.POST = post
        conflict = history.conflict(incident, opened)
        request.incident_conflict = {
            "message": _(
                "Someone else changed this incident after you opened it. Nothing of yours was "
                "saved. Their changes are listed above. Below, what you changed is kept and "
                "everything else shows the current version: save again to apply your changes."
            )
            if base is not None
            else _(
                "Someone else changed this incident after you opened it. Nothing of yours was "
                "saved. Your input is below as you entered it: check every field against the "
                "current version before saving again."
            )
        }
        response = super().changeform_view(
            request, str(incident.pk), form_url, {**extra_context, "conflict": conflict}
        )
        response.status_code = 409
        return response

    def _incident_or_none(self, object_id):
        if object_id is None:
            return None
        try:
            return Incident.objects.filter(pk=unquote(str(object_id))).first()
        except (ValueError, ValidationError):
            return None

    def _pending_proposals(self, request, incident):
        return list(
            RevertProposal.objects.filter(incident=incident, accepted__isnull=True)
            .select_related("version", "proposed_by")
            .order_by("-proposed_at")
        )

    # --- pages -------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/history/compare/",
                view(self.compare_view),
                name="incidents_incident_compare",
            ),
            path(
                "<int:object_id>/history/<int:number>/",
                view(self.version_view),
                name="incidents_incident_version",
            ),
            path(
                "<int:object_id>/history/<int:number>/revert/",
                view(self.revert_view),
                name="incidents_incident_revert",
            ),
            path(
                "<int:object_id>/proposals/<int:proposal_id>/",
                view(self.proposal_view),
                name="incidents_incident_proposal",
            ),
            *super().get_urls(),
        ]

    def _viewable(self, request, object_id):
        # The history page's address takes any text as the id, as every admin address does:
        # text that names no incident ("None", "abc", a number past 64 bits) is a missing page.
        incident = self._incident_or_none(object_id)
        if incident is None:
            raise Http404(_("No such incident."))
        if not self.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        return incident

    def _context(self, request, incident, title, **context):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "incident": incident,
            "may_revert": history.may_revert(request.user, incident)
            or history.may_propose_revert(request.user, incident),
            **context,
        }

    def history_view(self, request, object_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        incident = self._viewable(request, object_id)
        versions = list(incident.versions.select_related("recorded_by"))
        entries = history.history_entries(versions)
        proposals = incident.proposals.select_related("version", "proposed_by", "decided_by")
        context = self._context(
            request,
            incident,
            _("History of “%s”") % incident.title,
            entries=entries,
            proposals=proposals,
            can_decide=request.user.has_perm("incidents.publish_incident"),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/incidents/incident/history.html", context)

    @staticmethod
    def _version(incident, number):
        return get_object_or_404(incident.versions.select_related("recorded_by"), number=number)

    def version_view(self, request, object_id, number):
        # Read-only: this address was simple-history's revert form, which rewrote the incident.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        incident = self._viewable(request, object_id)
        version = self._version(incident, number)
        names = history.names_for([version.snapshot])
        fields, rows = history.describe(version.snapshot, names)
        context = self._context(
            request,
            incident,
            _("Version %(number)s of “%(title)s”") % {"number": number, "title": incident.title},
            version=version,
            fields=fields,
            rows=rows,
            is_current=version.number == incident.version,
        )
        return TemplateResponse(request, "admin/incidents/incident/version.html", context)

    def compare_view(self, request, object_id):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        incident = self._viewable(request, object_id)
        numbers = sorted(
            int(value) for value in request.GET.getlist("v")[:2] if value.isdigit()
        ) or [0]
        if len(numbers) != 2:
            raise Http404(_("Pick two versions to compare."))
        old, new = (self._version(incident, number) for number in numbers)
        names = history.names_for([old.snapshot, new.snapshot])
        context = self._context(
            request,
            incident,
            _("Versions %(old)s and %(new)s of “%(title)s”")
            % {"old": old.number, "new": new.number, "title": incident.title},
            old=old,
            new=new,
            changes=history.compare(old.snapshot, new.snapshot, names),
        )
        return TemplateResponse(request, "admin/incidents/incident/compare.html", context)

    def revert_view(self, request, object_id, number):
        incident = self._viewable(request, object_id)
        user = request.user
        if not (history.may_revert(user, incident) or history.may_propose_revert(user, incident)):
            raise PermissionDenied
        version = self._version(incident, number)
        form = RevertForm(request.POST or None, initial={"opened_version": incident.version})
        if request.method == "POST" and form.is_valid():
            change_url = reverse("admin:incidents_incident_change", args=[incident.pk])
            try:
                result = history.revert(
                    incident,
                    version,
                    by=user,
                    reason=form.cleaned_data["reason"],
                    opened_version=form.cleaned_data["opened_version"],
                )
            except history.StaleVersion:
                self.message_user(
                    request,
                    _("The incident changed while you were looking at it; check and try again."),
                    messages.ERROR,
                )
                return redirect(request.path)
            if isinstance(result, RevertProposal):
                self.message_user(
                    request, _("Your revert is proposed; a reviewer will accept or reject it.")
                )
            elif result is None:
                self.message_user(request, _("The incident already is as that version was."))
            else:
                self.message_user(
                    request, _("Reverted to version %s.") % version.number, messages.SUCCESS
                )
            return redirect(change_url)
        current = history.snapshot(incident)
        names = history.names_for([current, version.snapshot])
        context = self._context(
            request,
            incident,
            _("Revert “%(title)s” to version %(number)s")
            % {"title": incident.title, "number": version.number},
            version=version,
            form=form,
            proposes=not history.may_revert(user, incident),
            changes=history.compare(current, version.snapshot, names),
        )
        return TemplateResponse(request, "admin/incidents/incident/revert.html", context)

    def proposal_view(self, request, object_id, proposal_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        incident = self._viewable(request, object_id)
        proposal = get_object_or_404(incident.proposals, pk=proposal_id)
        accept = "accept" in request.POST
        try:
            history.decide_proposal(proposal, by=request.user, accept=accept)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Revert accepted and made.") if accept else _("Proposed revert rejected."),
            )
        return redirect(reverse("admin:incidents_incident_history", args=[incident.pk]))
