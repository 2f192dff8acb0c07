from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incidents.compat.urls import acled_urlpatterns, ucdp_urlpatterns

from . import languages

# Addresses without a language: the JSON APIs, whose field names and values are the same in every
# language (their messages follow Accept-Language, config/languages.py), and the switcher.
urlpatterns = [
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
    # /language/fr/?next=/incidents/: the switcher on every page; remembers the choice.
    path("language/<str:language>/", languages.choose_language, name="choose_language"),
]

# Every page twice: in English at /incidents/…, in French at /fr/incidents/… (one address per
# language, so a shared link shows what its sender saw).
urlpatterns += i18n_patterns(
    # The home page, /incidents/…, /places/…, /actors/…: the public pages of the incidents app,
    # and the list's downloads /incidents.csv ….
    path("", include("incidents.urls")),
    # /analysis/… (compare over time, its downloads) and /api/analysis/…: the analysis app.
    path("", include("analysis.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
