"""Who may change an incident and its rows."""


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
