"""The read-only JSON API: published incidents with the incident list's filters, and the lists
of places, areas, actors and event types whose ids those filters take.

Every view here only reads (GET, HEAD, OPTIONS); any other method is 405. What the public may
see is `Incident.objects.public()`, as on the pages.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response

from ..filters import IncidentFilterSet
from ..models import Actor, AdminArea, EventType, Incident, Location
from . import serializers
from .filters import ActorFilterSet, AdminAreaFilterSet, FilterBackend, LocationFilterSet
from .pagination import IncidentPagination, KeysetPagination
from .schema import BAD_PARAMETERS, INCIDENT_FILTER_PARAMETERS, INCIDENT_ID


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
    """Published incidents, newest first, filtered with the parameters of the incident list
    page (/incidents/): a bookmarked filter works here unchanged. Follow `next` for the
    following page; `count` is the size of the whole filtered set."""

    queryset = Incident.objects.public().for_api()
    serializer_class = serializers.IncidentSerializer
    filter_backends = [FilterBackend]
    filterset_class = IncidentFilterSet
    pagination_class = IncidentPagination


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
            retracted = get_object_or_404(
                Incident.objects.retracted().only(
                    "id", "retracted_at", "retraction_reason", "duplicate_of_id"
                ),
                pk=pk,
            )
            answer = serializers.RetractionSerializer(retracted, context={"request": request})
            return Response(answer.data, status=status.HTTP_410_GONE)
        return Response(self.get_serializer(incident).data)


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

    queryset = Location.objects.public().select_related("country", "admin1", "admin2")
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
