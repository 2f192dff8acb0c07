"""The admin site of the analysts' workbench: its titles, and the index's "Your queues"."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchSite(admin.AdminSite):
    site_header = _("incidentdb — analysts' workbench")
    site_title = _("incidentdb admin")
    index_title = _("Incidents, places, actors and sources")

    def index(self, request, extra_context=None):
        # Each queue one click from the first page an analyst sees, with how many it holds.
        from incidents.admin.workflow import queues_of

        queues = queues_of(request.user) if request.user.is_active else []
        return super().index(request, {**(extra_context or {}), "queues": queues})


class WorkbenchAdminConfig(AdminConfig):
    default_site = "config.admin.WorkbenchSite"
