from django.shortcuts import get_object_or_404, render
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .filters import IncidentFilterSet
from .models import Incident
from .tables import IncidentTable


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "summary": Incident.objects.public().summary(),
            "latest_incidents": Incident.objects.public().for_table()[:5],
        }


class IncidentListView(SingleTableMixin, FilterView):
    table_class = IncidentTable
    filterset_class = IncidentFilterSet
    queryset = Incident.objects.public().for_table()
    table_pagination = {"per_page": 50}
    template_name = "incidents/incident_list.html"


def incident_detail(request, pk):
    incident = Incident.objects.public().for_detail().filter(pk=pk).first()
    if incident is None:
        # A retracted incident keeps its address but shows only when and why it was withdrawn.
        retracted = get_object_or_404(
            Incident.objects.retracted().only("id", "status", "retracted_at", "retraction_reason"),
            pk=pk,
        )
        return render(
            request, "incidents/incident_retracted.html", {"incident": retracted}, status=410
        )
    permalink = request.build_absolute_uri(incident.get_absolute_url())
    return render(
        request, "incidents/incident_detail.html", {"incident": incident, "permalink": permalink}
    )
