from django.urls import path

from . import views

app_name = "incidents_api"

urlpatterns = [
    path("", views.APIRoot.as_view(), name="root"),
    path("incidents/", views.IncidentList.as_view(), name="incident_list"),
    path("incidents/<int:pk>/", views.IncidentDetail.as_view(), name="incident_detail"),
    path("admin-areas/", views.AdminAreaList.as_view(), name="admin_area_list"),
    path("locations/", views.LocationList.as_view(), name="location_list"),
    path("actors/", views.ActorList.as_view(), name="actor_list"),
    path("event-types/", views.EventTypeList.as_view(), name="event_type_list"),
]
