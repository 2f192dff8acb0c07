"""The read-only JSON API: published incidents with the incident list's filters, and the lists
of places, areas, actors and event types whose ids those filters take.

Every view here only reads (GET, HEAD, OPTIONS); any other method is 405. What the public may
see is `Incident.objects.public()`, as on the pages.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..credits import credit
from ..filters import FILTER_PARAMETERS, IncidentFilterSet
from ..models import Actor, AdminArea, EventType, Incident, Location
from . import serializers
from .filters import ActorFilterSet, AdminAreaFilterSet, FilterBackend, LocationFilterSet
from .pagination import IncidentPagination, KeysetPagination
from .schema import BAD_PARAMETERS, INCIDENT_FILTER_PARAMETERS, INCIDENT_ID, LANGUAGE_RULE

# What /api/ lists: each endpoint's route and what it answers, in the order a script needs
# them (the reference lists give the ids the incident filters take).
API_INDEX = [
    (
        "incidents",
        "incidents_api:incident_list",
        (),
        _("Published incidents, with the list's filters."),
    ),
    ("admin_areas", "incidents_api:admin_area_list", (), _("Regions, districts and communes.")),
    ("locations", "incidents_api:location_list", (), _("Named places.")),
    (
        "actors",
        "incidents_api:actor_list",
        (),
        _("Armed groups, state forces, militias, civilians…"),
    ),
    ("event_types", "incidents_api:event_type_list", (), _("ACLED event and sub-event types.")),
    ("analysis_series", "analysis_api:series", (), _("Incidents and killed per period.")),
    ("analysis_compare", "analysis_api:compare", (), _("One period against another.")),
    ("analysis_places", "analysis_api:places", (), _("Places side by side over time.")),
    ("acled_events", "acled_api:acled_events", (), _("ACLED's read API, for ACLED's scripts.")),
    # Any GED version is answered with the current data.
    (
        "ucdp_events",
        "ucdp_api:ucdp_events",
        ("25.1",),
        _("UCDP's GED API, for UCDP's scripts."),
    ),
    ("schema", "api_schema", (), _("The OpenAPI 3 description of this API.")),
    ("docs", "api_docs", (), _("Readable documentation (Swagger UI).")),
    # The rule on languages, where a reader of the index finds it; its URL is the docs, which
    # state it too.
    ("languages", "api_docs", (), LANGUAGE_RULE),
]


@extend_schema(exclude=True)
class APIRoot(APIView):
    """The API's endpoints: their absolute URLs and what each answers. The documentation is at
    /api/docs/.

    Messages (errors, these descriptions) are in English unless the request's Accept-Language
    asks for French (`Accept-Language: fr`); names of fields and parameters, codes and values
    are the same in every language."""

    def get(self, request):
        return Response(
            {
                name: {
                    "url": request.build_absolute_uri(reverse(route, args=args)),
                    "description": description,
                }
                for name, route, args, description in API_INDEX
            }
        )


@extend_schema_view(
    get=extend_schema(
        summary="Published incidents, newest first",
        # Derived from the FilterSet by schema.py, which types the parameters drf-spectacular
        # would guess wrong.
        filters=False,
        parameters=INCIDENT_FILTER_PARAMETERS,
        responses={200: serializers.IncidentSerializer(many=True), 400: BAD_PARAMETERS},
    )
)
class IncidentList(generics.ListAPIView):
    """Published incidents, newest first or in the order `ordering` asks (`date`, `-date`,
    `killed`, `-killed`), filtered with the parameters of the incident list page (/incidents/):
    a bookmarked filter works here unchanged. Follow `next` for the following page; `count` is
    the size of the whole filtered set. The JSON download (/incidents.json) describes each
    incident with the same names and shapes, and adds its narrative, figures and sources."""

    queryset = Incident.objects.public().for_api()
    serializer_class = serializers.IncidentSerializer
    filter_backends = [FilterBackend]
    filterset_class = IncidentFilterSet
    pagination_class = IncidentPagination

    def filter_queryset(self, queryset):
        # Without a filter parameter IncidentFilterSet selects every public incident, and so
        # does the queryset itself (with the count tables' selection of all): building the
        # filter (twenty filters and their form fields, deep-copied) was a fifth of the CPU
        # of the first page.
        query = self.request.query_params
        if not any(name in query for name in FILTER_PARAMETERS):
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(
    get=extend_schema(
        summary="One published incident",
        parameters=[INCIDENT_ID],
        responses={
            200: serializers.IncidentDetailSerializer,
            404: OpenApiResponse(description="No such published incident."),
            410: OpenApiResponse(
                serializers.RetractionSerializer,
                description="The incident was retracted: when and why, not what.",
            ),
        },
    )
)
class IncidentDetail(generics.RetrieveAPIView):
    """One published incident with its narrative, its coded casualty figures by group and the
    source reports beside them, citations and related incidents."""

    queryset = Incident.objects.public().for_detail()
    serializer_class = serializers.IncidentDetailSerializer

    def retrieve(self, request, pk):
        incident = self.get_queryset().filter(pk=pk).first()
        if incident is None:
            # As on the page: a retracted incident keeps its address and says only when and
            # why it was withdrawn. Drafts and incidents in review do not exist here.
            retracted = (
                Incident.objects.retracted()
                .only("id", "retracted_at", "retraction_reason", "duplicate_of_id")
                .filter(pk=pk)
                .first()
            )
            if retracted is None:
                # Our message, which has a French translation (get_object_or_404's has none).
                raise NotFound(_("No such published incident."))
            answer = serializers.RetractionSerializer(retracted, context={"request": request})
            return Response(answer.data, status=status.HTTP_410_GONE)
        answer = self.get_serializer(incident).data
        return credit(Response(answer), {answer["source_dataset"]})


@extend_schema_view(
    get=extend_schema(
        summary="Regions, districts and communes",
        responses={200: serializers.AdminAreaSerializer(many=True), 400: BAD_PARAMETERS},
    )
)
class AdminAreaList(generics.ListAPIView):
    """Administrative areas, e.g. ?country=MLI&level=1 for Mali's regions, or ?parent=<id>
    for a region's districts. Their ids are what the incident filters admin1 and admin2 take."""

    queryset = AdminArea.objects.public().select_related("country")
    serializer_class = serializers.AdminAreaSerializer
    filter_backends = [FilterBackend]
    filterset_class = AdminAreaFilterSet
    pagination_class = None


@extend_schema_view(
    get=extend_schema(
        summary="Places",
        responses={200: serializers.LocationSerializer(many=True), 400: BAD_PARAMETERS},
    )
)
class LocationList(generics.ListAPIView):
    """Named places in name order. Their ids are what the incident filter location takes."""

    queryset = Location.objects.public().select_related("country", "admin1", "admin2", "admin3")
    serializer_class = serializers.LocationSerializer
    filter_backends = [FilterBackend]
    filterset_class = LocationFilterSet
    pagination_class = KeysetPagination


@extend_schema_view(
    get=extend_schema(
        summary="Actors",
        responses={200: serializers.ActorSerializer(many=True), 400: BAD_PARAMETERS},
    )
)
class ActorList(generics.ListAPIView):
    """Armed groups, state forces, militias, civilians… in name order, with their aliases.
    Their ids are what the incident filter actor takes."""

    queryset = Actor.objects.public().prefetch_related("aliases")
    serializer_class = serializers.ActorSerializer
    filter_backends = [FilterBackend]
    filterset_class = ActorFilterSet
    pagination_class = KeysetPagination


@extend_schema_view(get=extend_schema(summary="ACLED event types and their sub-event types"))
class EventTypeList(generics.ListAPIView):
    """The event taxonomy. Its codes are what the incident filters event_type and
    sub_event_type take."""

    queryset = EventType.objects.prefetch_related("sub_event_types")
    serializer_class = serializers.EventTypeSerializer
    pagination_class = None
