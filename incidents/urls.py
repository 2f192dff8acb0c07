from django.urls import include, path, re_path

from . import feeds, views

# The public pages, named in the namespace "incidents" (incidents:incident_list …).
pages = [
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    # The list's map points, for the list's filter parameters (static/js/incident-map.js).
    path("incidents/map.json", views.incident_map_points, name="incident_map"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    # Places live in three tables, so each kind has its own address: a named place (Location),
    # an admin area of any level (its id is the one the admin1/admin2 filters take), a country
    # by its ISO 3166-1 alpha-3 code (the one the country filter takes).
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("places/areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("places/countries/<str:iso3>/", views.country_detail, name="country_detail"),
    path("actors/<int:pk>/", views.actor_detail, name="actor_detail"),
    # The indexes of actors and places, and what a researcher reads before using the data.
    path("actors/", views.actor_index, name="actor_index"),
    path("places/", views.place_index, name="place_index"),
    path("about/", views.about, name="about"),
    path("codebook/", views.codebook_page, name="codebook"),
    # What changed in published incidents after publication, and why; with its Atom feed.
    path("corrections/", views.correction_list, name="correction_list"),
    path("corrections/feed/", feeds.LatestCorrectionsFeed(), name="correction_feed"),
]

# The home page and the downloads are named outside the namespace ("home",
# "incident_download"), as they have been since they were first linked.
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("", include((pages, "incidents"))),
    # Download twins of the list: /incidents.csv?<the list's query string>
    re_path(
        r"^incidents\.(?P<file_format>csv|json|xlsx|geojson)$",
        views.incident_download,
        name="incident_download",
    ),
]
