from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from . import exports
from .filters import IncidentFilterSet
from .models import Incident
from .tables import FiftyPerPage, IncidentTable


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
    table_pagination = {"paginator_class": FiftyPerPage}
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


def incident_download(request, file_format):
    """The public incident list as a file: the same filters and order, every page."""
    filterset = IncidentFilterSet(request.GET, queryset=Incident.objects.public())
    errors = form_errors(filterset.form) if not filterset.is_valid() else {}
    hxl = request.GET.get("hxl", "")
    if hxl not in ("", "0", "1"):
        errors["hxl"] = [_("Use hxl=1 for an HXL hashtag row, or leave it out.")]
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    # The list page's table orders the rows (its `sort` parameter, custom orderings and
    # default included); built without pagination, its data is every listed incident in order.
    table = RequestConfig(request, paginate=False).configure(IncidentTable(filterset.qs))
    incidents = table.data.data
    if file_format == "csv":
        return exports.csv_response(incidents, hxl=hxl == "1")
    if file_format == "xlsx":
        try:
            return exports.xlsx_response(incidents)
        except exports.TooManyRows:
            message = _(
                "An XLSX file holds at most %(rows)s incidents: narrow the filter or download CSV."
            ) % {"rows": f"{exports.XLSX_MAX_ROWS:,}"}
            return JsonResponse({"errors": {"__all__": [message]}}, status=400)
    url_template = exports.incident_url_template(request)
    if file_format == "geojson":
        return exports.geojson_response(incidents, url_template=url_template)
    return exports.json_response(incidents, url_template=url_template)


def form_errors(form):
    """A form's errors as {"field": ["message", …]}, for JSON answers."""
    return {
        field: [error["message"] for error in field_errors]
        for field, field_errors in form.errors.get_json_data().items()
    }
