"""/acled-api/… and /ucdp-api/…: scripts written for ACLED's or UCDP's API, pointed here."""

from django.urls import path

from . import views

acled_urlpatterns = [
    path("acled/read", views.acled_events, name="acled_events"),
    path("deleted/read", views.acled_deleted, name="acled_deleted"),
    path("actor/read", views.acled_actors, name="acled_actors"),
    path("actortype/read", views.acled_actor_types, name="acled_actor_types"),
    path("country/read", views.acled_countries, name="acled_countries"),
    path("region/read", views.acled_regions, name="acled_regions"),
]

ucdp_urlpatterns = [
    path("gedevents/<str:version>", views.ucdp_events, name="ucdp_events"),
]
