from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incidents.compat.urls import acled_urlpatterns, ucdp_urlpatterns

urlpatterns = [
    # The home page, /incidents/…, /places/…, /actors/…: the public pages of the incidents app,
    # and the list's downloads /incidents.csv ….
    path("", include("incidents.urls")),
    # The read-only JSON API, its OpenAPI 3 description and readable docs (Swagger UI).
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as /api/docs/?script instead of inline,
    # so the docs keep the strict Content-Security-Policy (templates/api/docs.html).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="api/docs.html"),
        name="api_docs",
    ),
    path("api/", include("incidents.api.urls")),
    # ACLED's and UCDP's read APIs, so their users' scripts run with the host changed
    # (incidents/compat/): https://<site>/acled-api/acled/read, …/ucdp-api/gedevents/<version>.
    path("acled-api/", include((acled_urlpatterns, "acled_api"))),
    path("ucdp-api/", include((ucdp_urlpatterns, "ucdp_api"))),
    # /analysis/… (compare over time, its downloads) and /api/analysis/…: the analysis app.
    path("", include("analysis.urls")),
    path("admin/", admin.site.urls),
]
