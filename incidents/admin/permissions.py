"""Who may change an incident and its rows, and what a changelist action may be given."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _


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


class CheckedActionsMixin:
    """A changelist action posted with selected ids that are not ids (a hand-made or stale
    form) is refused with a message instead of failing inside the action's query."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        pk_field = self.model._meta.pk
        for value in selected:
            try:
                pk = pk_field.to_python(value)
            except ValidationError:
                pk = None
            if pk is None or (isinstance(pk, int) and not -(2**63) <= pk < 2**63):
                self.message_user(
                    request, _("“%s” is not an id of this list.") % value, messages.ERROR
                )
                return redirect(request.get_full_path())
        return super().response_action(request, queryset)
