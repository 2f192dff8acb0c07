"""The analysis pages (/analysis/…), their downloads and their JSON API (/api/analysis/…).

Included at the site root so that the pages and the API share the namespace `analysis`.
"""

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
    path("api/analysis/series/", views.SeriesAPI.as_view(), name="api_series"),
    path("api/analysis/compare/", views.CompareAPI.as_view(), name="api_compare"),
    path("api/analysis/places/", views.PlacesAPI.as_view(), name="api_places"),
]
