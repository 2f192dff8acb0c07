from django.contrib import admin
from django.urls import include, path, re_path

from incidents import views as incident_views

admin.site.site_header = "incidentdb — analysts' workbench"
admin.site.site_title = "incidentdb admin"
admin.site.index_title = "Incidents, places, actors and sources"

urlpatterns = [
    path("", incident_views.HomeView.as_view(), name="home"),
    # /incidents/…, /places/…, /actors/…: the public pages of the incidents app.
    path("", include("incidents.urls")),
    # Download twins of the list: /incidents.csv?<the list's query string>
    re_path(
        r"^incidents\.(?P<file_format>csv|json|xlsx|geojson)$",
        incident_views.incident_download,
        name="incident_download",
    ),
    path("admin/", admin.site.urls),
]
