from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from config.page_cache import depends_on_the_day

from . import chips, codebook, counts, explorer, exports, filenames, filter_panel, keyset
from .api.filters import ActorFilterSet, LocationFilterSet
from .charts import yearly_charts
from .citation import dataset_citation, datasets_with_counts
from .corrections import public_corrections, with_summaries
from .credits import credit
from .filters import IncidentFilterSet, errors_answer
from .formatting import format_count
from .models import Actor, AdminArea, Country, Incident, Location
from .querystrings import with_query
from .roles import ROLE_NAMES
from .tables import PAGE_SIZES, FiftyPerPage, IncidentTable, ListPaginator
from .url_templates import url_template as url_template_for


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "summary": Incident.objects.public().summary(),
            "latest_incidents": Incident.objects.public().for_table()[:5],
            "coverage": counts.coverage(),
        }


class IncidentListView(SingleTableMixin, FilterView):
    """The researchers' list: the filter panel, the active filters as chips, the count, facets,
    a map and the table of the filtered public incidents, all stated by the query string.

    An invalid value leaves the list empty and its message beside its field (FilterView's
    strict mode); the facets and the map then cost no query.
    """

    table_class = IncidentTable
    filterset_class = IncidentFilterSet
    queryset = Incident.objects.public().for_table()
    table_pagination = {"paginator_class": ListPaginator}
    template_name = "incidents/incident_list.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except keyset.InvalidCursor:
            # A link edited by hand, or given out for another order: say so, never a 500.
            message = _(
                "This is not a page link the list gave out; start again from the first page."
            )
            return render(request, "400.html", {"message": message}, status=400)

    def get_filterset(self, filterset_class):
        return filterset_class.from_query(self.request.GET, self.get_queryset())

    def get_table_kwargs(self):
        return {
            **super().get_table_kwargs(),
            **table_order(self.filterset, self.request),
            **table_distance(self.filterset),
        }

    def get_table_pagination(self, table):
        # The filtered incidents' cached_count spares a million-row COUNT on every page view.
        return {
            **super().get_table_pagination(table),
            "count": self.object_list.cached_count(),
            "cursor": self.request.GET.get("cursor") or None,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The filter's own reading of the query (country codes in capitals), so that chips
        # and facet links name exactly the values the panel shows as chosen.
        path, query, form = self.request.path, self.filterset.data, self.filterset.form
        incidents, count = self.object_list, context["table"].paginator.count
        filter_panel.prepare_panel(form)
        facets = incidents.facet_counts() if count else None
        return {
            **context,
            "count": count,
            "chips": chips.filter_chips(path, query, form),
            "clear_url": chips.clear_url(path, query),
            **filter_panel.panel_context(form),
            "facets": explorer.facet_links(path, query, facets) if count else None,
            "map": explorer.incident_map(count, facets) if count else None,
            "ranked": "order_by" in table_order(self.filterset, self.request),
            "near": self.filterset.near_point,
            "page_sizes": PAGE_SIZES,
            "per_page": context["table"].paginator.per_page,
        }


def table_order(filterset, request):
    """The table's arguments for the order of a search: none asked (no `sort`), the incidents
    keep the search's ranking (exact names first) instead of the table's newest first."""
    if filterset.ranks_by_relevance and not request.GET.get("sort"):
        return {"order_by": ()}
    return {}


def table_distance(filterset):
    """The table's arguments for a filter by distance: a Distance column from `near`."""
    point = filterset.near_point
    return {"distance_from": point} if point else {}


def incident_map_points(request):
    """The list's map points as JSON (explorer.map_points_data), for the same filter
    parameters as the list; 400 with the errors when a value is invalid.

    Cacheable but always revalidated: the ETag is the answer's own digest, so a browser that
    has the points gets a 304 without the body, and one whose points hold an incident since
    retracted (or changed) gets the new ones.
    """
    filterset = IncidentFilterSet.from_query(request.GET)
    if not filterset.is_valid():
        return JsonResponse(errors_answer(filterset.form), status=400)
    points = filterset.qs.map_points(explorer.MAP_POINTS)
    response = JsonResponse(
        explorer.map_points_data(points), json_dumps_params={"separators": (",", ":")}
    )
    patch_cache_control(response, public=True, no_cache=True)
    set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def incident_detail(request, pk):
    incident = Incident.objects.public().for_detail().filter(pk=pk).first()
    if incident is None:
        # A retracted incident keeps its address but shows only when and why it was withdrawn.
        retracted = get_object_or_404(
            Incident.objects.retracted().only(
                "id", "status", "retracted_at", "retraction_reason", "duplicate_of_id"
            ),
            pk=pk,
        )
        return render(
            request, "incidents/incident_retracted.html", {"incident": retracted}, status=410
        )
    permalink = request.build_absolute_uri(incident.get_absolute_url())
    response = render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "permalink": permalink,
            # Stored in English; written again in the reader's language (corrections.py).
            "corrections": with_summaries(incident.corrections.all()),
        },
    )
    # The citation line says on which day the page was accessed.
    return depends_on_the_day(response)


CORRECTIONS_PER_PAGE = 50


def correction_list(request):
    """The latest corrections of published incidents, each linking to its incident."""
    page = Paginator(public_corrections(), CORRECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/correction_list.html",
        {"page": page, "corrections": with_summaries(page.object_list)},
    )


def incident_download(request, file_format):
    """The public incident list as a file: the same filters and order, every page."""
    filterset = IncidentFilterSet.from_query(request.GET)
    hxl, excel = request.GET.get("hxl", ""), request.GET.get("excel", "")
    other_errors = {}
    if hxl not in ("", "0", "1"):
        other_errors["hxl"] = [_("Use hxl=1 for an HXL hashtag row, or leave it out.")]
    if excel not in ("", "0", "1"):
        other_errors["excel"] = [_("Use excel=1 for a CSV that Excel opens, or leave it out.")]
    if not filterset.is_valid() or other_errors:
        return JsonResponse(errors_answer(filterset.form, messages=other_errors), status=400)
    # The list page's table orders the rows (its `sort` parameter, custom orderings and
    # default included); built without pagination, it holds every listed incident in order.
    table = IncidentTable(filterset.qs, **table_order(filterset, request))
    table = RequestConfig(request, paginate=False).configure(table)
    incidents = table.incidents
    stem = filenames.filtered_stem(filterset.form.cleaned_data)
    if file_format == "xlsx":
        # The About sheet says which filters chose the rows, as the list's chips say them.
        list_path = reverse("incidents:incident_list")
        try:
            return exports.xlsx_response(
                incidents,
                stem=stem,
                filters=[
                    chip.label
                    for chip in chips.filter_chips(list_path, request.GET, filterset.form)
                ],
                list_url=request.build_absolute_uri(with_query(list_path, request.GET)),
            )
        except exports.TooManyRows:
            message = _(
                "An XLSX file holds at most %(rows)s incidents: narrow the filter or download CSV."
            ) % {"rows": format_count(exports.XLSX_MAX_ROWS)}
            return JsonResponse(errors_answer(messages={"__all__": [message]}), status=400)
    # A streamed file's headers leave before its rows: the datasets its Link header credits are
    # looked for first (one query), among those the published incidents hold (remembered).
    datasets = filterset.qs.source_datasets(among=counts.published_datasets())
    if file_format == "csv":
        response = exports.csv_response(incidents, hxl=hxl == "1", excel=excel == "1", stem=stem)
        return credit(response, datasets)
    url_template = exports.incident_url_template(request)
    if file_format == "geojson":
        response = exports.geojson_response(incidents, url_template=url_template, stem=stem)
        return credit(response, datasets)
    response = exports.json_response(
        incidents,
        url_template=url_template,
        api_url_template=url_template_for("incidents_api:incident_detail", request=request),
        stem=stem,
    )
    return credit(response, datasets)


# --- place and actor pages -------------------------------------------------------------------
# A place (named place, admin area or country) or an actor: its public incidents, their totals
# and yearly trend, its subdivisions or the actors it meets, and its incidents as the list's
# table. The links to the list, the downloads and the analysis use the list's filter parameters.

PLACES_LISTED = 50
# The distances a place page offers "incidents near here" within.
NEARBY_RADII_KM = (10, 25, 50)


def place_detail(request, pk):
    place = get_object_or_404(
        Location.objects.public().select_related("country", "admin1", "admin2", "admin3"), pk=pk
    )
    incidents = Incident.objects.public().at_place(place)
    return render_incidents_page(
        request,
        "incidents/place_detail.html",
        incidents,
        {"location": pk},
        {"place": place, "nearby_radii": NEARBY_RADII_KM},
    )


def area_detail(request, pk):
    area = get_object_or_404(
        AdminArea.objects.public().select_related("country", "parent__parent"), pk=pk
    )
    incidents = Incident.objects.public().in_area(area)
    # The list filters by region (admin1) and district (admin2); communes have no parameter.
    filter_parameter = {1: "admin1", 2: "admin2"}.get(area.level)
    return render_incidents_page(
        request,
        "incidents/place_area.html",
        incidents,
        {filter_parameter: pk} if filter_parameter else None,
        {"area": area, **incidents.subdivision_totals(area.level, PLACES_LISTED)},
    )


def country_detail(request, iso3):
    country = get_object_or_404(Country.objects.public(), iso3=iso3.upper())
    incidents = Incident.objects.public().in_country(country)
    return render_incidents_page(
        request,
        "incidents/place_country.html",
        incidents,
        {"country": country.iso3},
        {"country": country, **incidents.subdivision_totals(0, PLACES_LISTED)},
    )


def actor_detail(request, pk):
    actor = get_object_or_404(Actor.objects.public().prefetch_related("aliases"), pk=pk)
    public = Incident.objects.public()
    return render_incidents_page(
        request,
        "incidents/actor_detail.html",
        public.involving_actors([actor]),
        {"actor": pk},
        {
            "actor": actor,
            "roles": public.actor_role_counts(actor),
            "co_actors": public.co_actors(actor),
        },
        trend=public.actor_yearly_totals(actor),
    )


def render_incidents_page(request, template_name, incidents, list_filter, context, trend=None):
    """A place or actor page: `context` plus the incidents' totals year by year (`trend`, see
    yearly_totals, unless given) and their charts, their table (the list's, fifty a page) and
    `list_query`, the list's query string for the same incidents (None when the list cannot
    filter by this subject)."""
    if trend is None:
        trend = incidents.yearly_totals()
    table = IncidentTable(incidents.for_table())
    # The trend has just counted the incidents: the paginator need not count them again.
    RequestConfig(
        request, paginate={"paginator_class": FiftyPerPage, "count": trend["total"].incidents}
    ).configure(table)
    return render(
        request,
        template_name,
        {
            **context,
            "trend": trend,
            "trend_charts": yearly_charts(trend["years"]) if trend["years"] else [],
            "table": table,
            "list_query": urlencode(list_filter) if list_filter else None,
            "places_listed": PLACES_LISTED,
        },
    )


# --- pages researchers look for: about, codebook, and the indexes of actors and places -------


def about(request):
    """What the database is and covers: its coverage by country from the count tables, the
    datasets its incidents come from and their licences, its last change and how to cite it."""
    public = Incident.objects.public()
    last_changed = public.last_changed()
    response = render(
        request,
        "incidents/about.html",
        {
            "coverage": counts.coverage(),
            "summary": public.summary(),
            "datasets": datasets_with_counts(
                public.dataset_counts(),
                {key: names.dataset_label for key, names in ROLE_NAMES.items()},
            ),
            "last_changed": last_changed,
            "citation": dataset_citation(
                request.build_absolute_uri("/"), last_changed, timezone.localdate()
            ),
        },
    )
    # The citation says on which day the page was accessed.
    return depends_on_the_day(response)


def codebook_page(request):
    """Every column, parameter and coded value, generated from the code (incidents/codebook.py)."""
    return render(request, "incidents/codebook.html", {"tables": codebook.code_tables()})


INDEX_PER_PAGE = 50


def actor_index(request):
    """Actors of published incidents in name order, searched by name or alias (?search=), each
    with its number of incidents: counted for the page's fifty only, so that the page costs the
    same at a million incidents."""
    return render_index(
        request,
        "incidents/actor_index.html",
        ActorFilterSet(request.GET, Actor.objects.public().order_by("name", "id")),
        Incident.objects.public().counts_by_actor,
    )


def place_index(request):
    """Countries with their counts (from the count tables), and the named places of published
    incidents in name order, searched by name (?search=) or narrowed to a country, each with
    its number of incidents (counted for the page's places only)."""
    places = Location.objects.public().select_related("country", "admin1").order_by("name", "id")
    return render_index(
        request,
        "incidents/place_index.html",
        LocationFilterSet(request.GET, places),
        Incident.objects.public().counts_by_place,
        {"coverage": counts.coverage()},
    )


def render_index(request, template_name, filterset, count_incidents, context=None):
    """An index page: the filterset's rows fifty a page, as `rows` of (row, its incidents from
    count_incidents(ids of the page)); a bad parameter shows its error and no rows."""
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else filterset.queryset.none(), INDEX_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    incidents = count_incidents([row.pk for row in page.object_list])
    rows = [(row, incidents.get(row.pk, 0)) for row in page.object_list]
    return render(
        request,
        template_name,
        {**(context or {}), "page": page, "rows": rows, "form": filterset.form, "valid": valid},
    )
