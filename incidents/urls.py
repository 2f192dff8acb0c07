from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    # Places live in three tables, so each kind has its own address: a named place (Location),
    # an admin area of any level (its id is the one the admin1/admin2 filters take), a country
    # by its ISO 3166-1 alpha-3 code (the one the country filter takes).
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("places/areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("places/countries/<str:iso3>/", views.country_detail, name="country_detail"),
    path("actors/<int:pk>/", views.actor_detail, name="actor_detail"),
]
