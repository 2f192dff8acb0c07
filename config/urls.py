from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "incidentdb — analysts' workbench"
admin.site.site_title = "incidentdb admin"
admin.site.index_title = "Incidents, places, actors and sources"

urlpatterns = [
    # The home page, /incidents/…, /places/…, /actors/…: the public pages of the incidents app,
    # and the list's downloads /incidents.csv ….
    path("", include("incidents.urls")),
    # The read-only JSON API, its OpenAPI 3 description and readable docs (Swagger UI).
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/", include("incidents.api.urls")),
    # /analysis/… (compare over time, its downloads) and /api/analysis/…: the analysis app.
    path("", include("analysis.urls")),
    path("admin/", admin.site.urls),
]
