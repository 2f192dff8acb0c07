from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

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
    # The read-only JSON API, its OpenAPI 3 description and readable docs (Swagger UI).
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/", include("incidents.api.urls")),
    # /analysis/… (compare over time, its downloads) and /api/analysis/…: the analysis app.
    path("", include("analysis.urls")),
    path("admin/", admin.site.urls),
]
