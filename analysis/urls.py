"""The analysis pages (/analysis/…) and their downloads, namespace `analysis`, in English and
under /fr/; and their JSON API (/api/analysis/…), namespace `analysis_api`, without a language
prefix (config/urls.py)."""

from django.urls import path, re_path

from . import views

app_name = "analysis"

urlpatterns = [
    path("analysis/", views.series_page, name="series"),
    path("analysis/compare/", views.compare_page, name="compare"),
    path("analysis/places/", views.places_page, name="places"),
    # Download twins of the pages: /analysis/series.csv?<the page's query string>
    re_path(
        r"^analysis/(?P<view>series|compare|places)\.(?P<file_format>csv|json)$",
        views.download,
        name="download",
    ),
]

# The JSON API of the same three pages, /api/analysis/…, named analysis_api:series …: like the
# rest of the API it has no language in its address (config/urls.py).
api_urlpatterns = [
    path("api/analysis/series/", views.SeriesAPI.as_view(), name="series"),
    path("api/analysis/compare/", views.CompareAPI.as_view(), name="compare"),
    path("api/analysis/places/", views.PlacesAPI.as_view(), name="places"),
]
