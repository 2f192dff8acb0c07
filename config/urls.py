from django.contrib import admin
from django.urls import include, path

from incidents import views as incident_views

admin.site.site_header = "incidentdb — analysts' workbench"
admin.site.site_title = "incidentdb admin"
admin.site.index_title = "Incidents, places, actors and sources"

urlpatterns = [
    path("", incident_views.HomeView.as_view(), name="home"),
    path("incidents/", include("incidents.urls")),
    path("admin/", admin.site.urls),
]
