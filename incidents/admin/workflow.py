"""The review loop on the incident admin: the workflow buttons, actions and pages, the analysts'
queues and the internal notes.

Every step is a model method (Incident.submit_for_review, return_to_draft, publish, retract,
retract_as_duplicate, reinstate) that checks the user's permission and the live incident's
status and records a version with its reason; the views here only ask for the reason and
report what happened.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..models import Incident, IncidentNote

REASON_WIDGET = forms.Textarea(attrs={"rows": 4, "cols": 80})


class StepForm(forms.Form):
    """A workflow step's form: the reason, and whatever else the step asks about the incident."""

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident


class ReturnForm(StepForm):
    reason = forms.CharField(
        label=gettext_lazy("What needs fixing"),
        widget=REASON_WIDGET,
        help_text=gettext_lazy("The analyst sees this on the incident and in “Returned to me”."),
    )


class RetractForm(StepForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=REASON_WIDGET,
        help_text=gettext_lazy(
            "Shown to the public at the incident's address instead of its content."
        ),
    )


class ReinstateForm(StepForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=REASON_WIDGET,
        help_text=gettext_lazy("Kept in the incident's history beside the retraction it undoes."),
    )


class DuplicateForm(StepForm):
    kept = forms.ModelChoiceField(
        label=gettext_lazy("Number of the incident kept"),
        queryset=Incident.objects.public(),
        widget=forms.NumberInput,
        error_messages={"invalid_choice": gettext_lazy("No published incident has this number.")},
        help_text=gettext_lazy("The published incident that reports the same event."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "cols": 80,
                "placeholder": gettext_lazy("Duplicate of incident 123, “Title of the one kept”."),
            }
        ),
        required=False,
        help_text=gettext_lazy(
            "Shown to the public at its address, with a link to the incident kept. Left blank, "
            "it names the incident kept, as the example in the field."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kept"].queryset = Incident.objects.public().exclude(pk=self.incident.pk)


class NoteForm(forms.ModelForm):
    class Meta:
        model = IncidentNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 80})}
        labels = {"text": gettext_lazy("Add an internal note")}
        help_texts = {"text": gettext_lazy("Seen by analysts and reviewers only; never public.")}


class QueueFilter(admin.SimpleListFilter):
    """The analyst's and the reviewer's work lists."""

    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _select in QUEUES]

    def queryset(self, request, queryset):
        for value, _label, select in QUEUES:
            if self.value() == value:
                return select(queryset, request.user)
        return queryset


# The queues: (the queue parameter's value, label, its incidents for a user). The changelist's
# "queue" filter and the admin index's "Your queues" (config/admin.py) list them.
QUEUES = [
    ("my_drafts", gettext_lazy("My drafts"), lambda incidents, user: incidents.drafts_of(user)),
    (
        "returned_to_me",
        gettext_lazy("Returned to me"),
        lambda incidents, user: incidents.returned_to(user),
    ),
    (
        "waiting_for_review",
        gettext_lazy("Waiting for review"),
        lambda incidents, user: incidents.waiting_for_review(),
    ),
    (
        "published_by_me",
        gettext_lazy("Published by me"),
        lambda incidents, user: incidents.published_by(user),
    ),
]


def queues_of(user):
    """[(label, changelist URL, number of incidents)] for the admin index, a count each."""
    changelist = reverse("admin:incidents_incident_changelist")
    return [
        (label, f"{changelist}?queue={value}", select(Incident.objects.all(), user).count())
        for value, label, select in QUEUES
    ]


class IncidentWorkflowMixin:
    """IncidentAdmin's review loop; IncidentAdmin inherits it."""

    actions = ["submit_for_review", "publish", "return_to_draft"]

    def has_publish_permission(self, request):
        return request.user.has_perm("incidents.publish_incident")

    def get_urls(self):
        steps = [
            ("return", self.return_view),
            ("retract", self.retract_view),
            ("duplicate", self.duplicate_view),
            ("reinstate", self.reinstate_view),
            ("notes", self.note_view),
        ]
        return [
            *(
                path(
                    f"<int:object_id>/{name}/",
                    self.admin_site.admin_view(view),
                    name=f"incidents_incident_{name}",
                )
                for name, view in steps
            ),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_publish": self.has_publish_permission(request),
        }
        # _incident_or_none (IncidentHistoryAdmin's): text that names no incident is no error.
        incident = self._incident_or_none(object_id)
        if incident is not None:
            extra_context["notes"] = list(
                IncidentNote.objects.filter(incident=incident).select_related("written_by")
            )
            extra_context["note_form"] = NoteForm()
        return super().changeform_view(request, object_id, form_url, extra_context)

    def take_form_step(self, request, incident):
        """The workflow buttons of the change form, once the form and its rows are saved: an
        incident is published with its casualty figures and citations, never without them."""
        if "_submit_for_review" in request.POST:
            self._report_step(request, incident, incident.submit_for_review)
        elif "_publish" in request.POST:
            self._report_step(request, incident, incident.publish, refused=_("Not published"))

    # --- the step pages: a reason, then the step ---------------------------------------------

    def return_view(self, request, object_id):
        return self._step_view(
            request,
            object_id,
            ReturnForm,
            _("Send back to draft"),
            lambda incident, data: incident.return_to_draft(by=request.user, reason=data["reason"]),
            _("“%s” is back in draft; its analyst sees why."),
        )

    def retract_view(self, request, object_id):
        return self._step_view(
            request,
            object_id,
            RetractForm,
            _("Retract this incident"),
            lambda incident, data: incident.retract(by=request.user, reason=data["reason"]),
            _("“%s” is retracted."),
        )

    def duplicate_view(self, request, object_id):
        return self._step_view(
            request,
            object_id,
            DuplicateForm,
            _("Retract as a duplicate"),
            lambda incident, data: incident.retract_as_duplicate(
                by=request.user, of=data["kept"], reason=data["reason"]
            ),
            _("“%s” is retracted; its address points to the incident kept."),
        )

    def reinstate_view(self, request, object_id):
        return self._step_view(
            request,
            object_id,
            ReinstateForm,
            _("Reinstate this incident"),
            lambda incident, data: incident.reinstate(by=request.user, reason=data["reason"]),
            _("“%s” is published again."),
        )

    def _step_view(self, request, object_id, form_class, title, take_step, done):
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        form = form_class(request.POST or None, incident=incident)
        if request.method == "POST" and form.is_valid():
            try:
                take_step(incident, form.cleaned_data)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, done % incident.title)
            return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "incident": incident,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/incidents/incident/workflow_step.html", context)

    def note_view(self, request, object_id):
        """Add an internal note. Notes are no content of the incident: any analyst or reviewer
        may write one on any incident, and no edit of the incident can lose one."""
        incident = get_object_or_404(Incident, pk=object_id)
        if request.method != "POST" or not request.user.has_perm("incidents.change_incident"):
            raise PermissionDenied
        form = NoteForm(request.POST)
        if form.is_valid():
            IncidentNote.objects.create(
                incident=incident, text=form.cleaned_data["text"], written_by=request.user
            )
            self.message_user(request, _("Your note is added."))
        else:
            self.message_user(request, _("An empty note is not added."), messages.WARNING)
        return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]) + "#notes")

    # --- actions on the selected incidents ---------------------------------------------------

    @admin.action(
        description=gettext_lazy("Submit selected incidents for review"), permissions=["change"]
    )
    def submit_for_review(self, request, queryset):
        self._apply_step(
            request,
            queryset,
            lambda incident: incident.submit_for_review(by=request.user),
            lambda count: ngettext(
                "%(count)d incident submitted for review.",
                "%(count)d incidents submitted for review.",
                count,
            ),
            _("Not submitted"),
        )

    @admin.action(description=gettext_lazy("Publish selected incidents"), permissions=["publish"])
    def publish(self, request, queryset):
        self._apply_step(
            request,
            queryset,
            lambda incident: incident.publish(by=request.user),
            lambda count: ngettext(
                "%(count)d incident published.", "%(count)d incidents published.", count
            ),
            _("Not published"),
        )

    @admin.action(
        description=gettext_lazy("Send selected incidents back to draft…"), permissions=["publish"]
    )
    def return_to_draft(self, request, queryset):
        # An intermediate page asks why (as Django's "Delete selected" asks to confirm); its
        # form posts the action and the selection again, with the reason.
        form = ReturnForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply_step(
                request,
                queryset,
                lambda incident: incident.return_to_draft(by=request.user, reason=reason),
                lambda count: ngettext(
                    "%(count)d incident sent back to draft.",
                    "%(count)d incidents sent back to draft.",
                    count,
                ),
                _("Not sent back"),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Send back to draft"),
            "incidents": queryset,
            "form": form,
            "opts": self.opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/incidents/incident/return_selected.html", context)

    def _apply_step(self, request, queryset, take_step, done, refused):
        """Take the step on every selected incident it is possible for; one message lists the
        others, each with why. `done(count)` is the message of those taken, a %(count)d in it."""
        taken, reasons = 0, []
        for incident in queryset:
            try:
                take_step(incident)
            except ValidationError as error:
                reasons.append(
                    _("“%(title)s” (%(why)s)")
                    % {"title": incident.title, "why": "; ".join(error.messages)}
                )
            else:
                taken += 1
        if taken:
            self.message_user(request, done(taken) % {"count": taken})
        if reasons:
            self.message_user(
                request,
                _("%(refused)s: %(reasons)s.")
                % {"refused": refused, "reasons": ", ".join(reasons)},
                messages.WARNING,
            )

    def _report_step(self, request, incident, take_step, refused=None):
        try:
            take_step(by=request.user)
        except ValidationError as error:
            text = "; ".join(error.messages)
            if refused:
                text = _("%(refused)s: %(reasons)s.") % {"refused": refused, "reasons": text}
            self.message_user(request, text, messages.ERROR)
