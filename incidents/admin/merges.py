"""Merging in the admin: two incidents that report one event, sources that are one publisher,
actors that are one group. Each is an action on the selected rows that opens a confirmation
page showing what will move; incidents/merges.py does the merge."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..history import StaleVersion
from ..merges import merge_actors, merge_incidents, merge_sources, plan_incident_merge, quoted
from ..models import Incident


class IncidentMergeForm(forms.Form):
    kept = forms.IntegerField(widget=forms.HiddenInput)
    duplicate = forms.IntegerField(widget=forms.HiddenInput)
    kept_version = forms.IntegerField(widget=forms.HiddenInput)
    duplicate_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=gettext_lazy(
            "Added to both histories and to the public note at the duplicate's address, after "
            "the sentence naming the incident kept."
        ),
    )


class MergeActionMixin:
    """Offers the "merge_selected" action to reviewers only: a merge retracts or deletes."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm("incidents.publish_incident"):
            actions["merge_selected"] = self.get_action("merge_selected")
        return actions


class IncidentMergeMixin(MergeActionMixin):
    """IncidentAdmin's "Merge two selected incidents…" action and its confirmation page."""

    def get_urls(self):
        merge = path(
            "merge/",
            self.admin_site.admin_view(self.merge_view),
            name="incidents_incident_merge",
        )
        return [merge, *super().get_urls()]

    @admin.action(description=gettext_lazy("Merge two selected incidents (one event)…"))
    def merge_selected(self, request, queryset):
        incidents = list(queryset.order_by("pk")[:3])
        if len(incidents) != 2:
            self.message_user(
                request, _("Select exactly two incidents to merge."), messages.WARNING
            )
            return None
        # The one entered first is kept unless the reviewer swaps them on the next page.
        kept, duplicate = incidents
        url = reverse("admin:incidents_incident_merge")
        return redirect(f"{url}?{urlencode({'kept': kept.pk, 'duplicate': duplicate.pk})}")

    def merge_view(self, request):
        """GET: what merging ?duplicate= into ?kept= moves, with a link to swap them. POST:
        the merge, refused when either incident changed since the page was shown."""
        if not request.user.has_perm("incidents.publish_incident"):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        kept = get_object_or_404(Incident, pk=_number(data.get("kept")))
        duplicate = get_object_or_404(Incident, pk=_number(data.get("duplicate")))
        form = IncidentMergeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            fields = form.cleaned_data
            try:
                merge_incidents(
                    kept,
                    duplicate,
                    by=request.user,
                    reason=fields["reason"],
                    versions=(fields["kept_version"], fields["duplicate_version"]),
                )
            except StaleVersion:
                self.message_user(
                    request,
                    _("One of the incidents changed since this page was shown: check again."),
                    messages.WARNING,
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("“%(duplicate)s” is merged into “%(kept)s” and retracted as its duplicate.")
                    % {"duplicate": duplicate.title, "kept": kept.title},
                )
                return redirect(reverse("admin:incidents_incident_change", args=[kept.pk]))
            kept.refresh_from_db()
            duplicate.refresh_from_db()
        plan = plan_incident_merge(kept, duplicate)
        form = IncidentMergeForm(
            initial={
                "kept": kept.pk,
                "duplicate": duplicate.pk,
                "kept_version": kept.version,
                "duplicate_version": duplicate.version,
                "reason": form["reason"].value() or "",
            }
        )
        swap = urlencode({"kept": duplicate.pk, "duplicate": kept.pk})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge two incidents"),
            "opts": self.opts,
            "plan": plan,
            "form": form,
            "sides": [
                (_("Kept"), _incident_summary(kept)),
                (_("Retracted as its duplicate"), _incident_summary(duplicate)),
            ],
            "swap_url": f"{reverse('admin:incidents_incident_merge')}?{swap}",
        }
        return TemplateResponse(request, "admin/incidents/incident/merge.html", context)


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _incident_summary(incident):
    """The incident as the confirmation page shows it, its coded figures included (each side's
    own: the merge never adds them up)."""
    return {
        "incident": incident,
        "casualties": list(incident.casualties.all()),
        "citations": incident.citations.count(),
        "reports": incident.source_reports.count(),
        "roles": list(incident.incident_actors.select_related("actor")),
    }


class ReferenceMergeMixin(MergeActionMixin):
    """A "Merge selected …" action for a reference model (sources, actors): a page lists the
    selected rows with what points to each, the reviewer chooses the one kept, and merge()
    (incidents/merges.py) moves everything to it. Subclasses set merge and usage."""

    merge = None  # merge_sources or merge_actors, as a staticmethod
    # [(the related name counted, its label)]: what the confirmation page shows of each row.
    usage = []

    @admin.action(description=gettext_lazy("Merge selected %(verbose_name_plural)s…"))
    def merge_selected(self, request, queryset):
        if not request.user.has_perm("incidents.publish_incident"):
            raise PermissionDenied
        counts = {
            f"{relation}_count": Count(relation, distinct=True) for relation, _label in self.usage
        }
        rows = list(queryset.annotate(**counts).order_by("pk"))
        if len(rows) < 2:
            self.message_user(request, _("Select at least two to merge."), messages.WARNING)
            return None
        kept_id = _number(request.POST.get("kept"))
        kept = next((row for row in rows if row.pk == kept_id), None)
        if kept is not None:
            others = [row for row in rows if row.pk != kept.pk]
            touched = self.merge(kept, others, by=request.user)
            names = ", ".join(quoted(row) for row in others)
            self.log_change(request, kept, _("Merged %(names)s into it.") % {"names": names})
            self.message_user(
                request,
                ngettext(
                    "%(others)s merged into “%(kept)s”; %(count)d incident records it.",
                    "%(others)s merged into “%(kept)s”; %(count)d incidents record it.",
                    touched,
                )
                % {"others": names, "kept": kept, "count": touched},
            )
            return None

        def used(row):
            return [(label, getattr(row, f"{relation}_count")) for relation, label in self.usage]

        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge %(name)s") % {"name": self.opts.verbose_name_plural},
            "opts": self.opts,
            "rows": [(row, used(row)) for row in rows],
            # The most used is offered as the one kept.
            "suggested": max(rows, key=lambda row: sum(count for _label, count in used(row))),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/incidents/merge_selected.html", context)


class SourceMerge(ReferenceMergeMixin):
    merge = staticmethod(merge_sources)
    usage = [("citations", gettext_lazy("citations")), ("reports", gettext_lazy("source reports"))]


class ActorMerge(ReferenceMergeMixin):
    merge = staticmethod(merge_actors)
    usage = [
        ("incident_roles", gettext_lazy("roles in incidents")),
        ("aliases", gettext_lazy("aliases")),
    ]
