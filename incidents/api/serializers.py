"""What the API says about incidents, places, actors and the event taxonomy.

The names follow the incident page and the JSON download; codes are ACLED's and UCDP's where
they have one, and the ids are those the incident filters take (admin1=…, actor=…).
Unknown figures are null, never 0.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    ViolenceType,
)
from ..credits import credits_json, source_dataset
from ..exports import (
    acled_geo_precision,
    acled_time_precision,
    address_template,
    area_json,
    estimate_json,
)
from ..models import (
    Actor,
    AdminArea,
    Casualty,
    Citation,
    Correction,
    EventType,
    Incident,
    IncidentActor,
    Location,
    SourceReport,
    SubEventType,
)
from ..querysets import CASUALTY_TOTAL_FIELDS, PERPETRATOR_ROLES, TARGET_ROLES
from ..taxonomy import derive_violence_type
from ..url_templates import url_template

# --- reference lists -------------------------------------------------------------------------


class SubEventTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubEventType
        fields = ["code", "name"]


class EventTypeSerializer(serializers.ModelSerializer):
    """An ACLED event type with its sub-event types."""

    sub_event_types = SubEventTypeSerializer(many=True, read_only=True)

    class Meta:
        model = EventType
        fields = ["code", "name", "sub_event_types"]


class CountrySerializer(serializers.Serializer):
    iso3 = serializers.CharField(help_text="ISO 3166-1 alpha-3 code.")
    name = serializers.CharField()


class IdNameSerializer(serializers.Serializer):
    """A place, by the id the incident filter location takes."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class AdminAreaSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso3", help_text="ISO 3166-1 alpha-3 code.")
    iso_code = serializers.CharField(help_text="ISO 3166-2 code where there is one, else empty.")
    parent = serializers.IntegerField(
        source="parent_id", allow_null=True, help_text="Id of the area one level up."
    )

    class Meta:
        model = AdminArea
        fields = ["id", "name", "level", "iso_code", "country", "parent"]


class AreaSerializer(serializers.Serializer):
    """An admin area of a place, by the id the incident filters take."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(
        source="iso_code", help_text="ISO 3166-2 code where there is one, else empty."
    )


class LocationSerializer(serializers.ModelSerializer):
    """A place; incidents and the JSON download (/incidents.json) describe theirs alike."""

    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    country = CountrySerializer()
    admin1 = AreaSerializer(allow_null=True, help_text="The region; null if unknown.")
    admin2 = AreaSerializer(allow_null=True, help_text="The district; null if unknown.")
    admin3 = AreaSerializer(allow_null=True, help_text="The commune; null if unknown.")

    class Meta:
        model = Location
        fields = ["id", "name", "latitude", "longitude", "country", "admin1", "admin2", "admin3"]


class ActorSerializer(serializers.ModelSerializer):
    actor_type = serializers.ChoiceField(
        choices=ActorType.choices,
        allow_null=True,
        help_text="ACLED inter code; null when no dataset gave one.",
    )
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Actor
        fields = ["id", "name", "actor_type", "aliases"]


# --- incidents -------------------------------------------------------------------------------


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class KilledSerializer(serializers.Serializer):
    """Killed, summed over the casualty rows; null when no row reports deaths (unknown)."""

    low = serializers.IntegerField(source="killed_low", allow_null=True)
    best = serializers.IntegerField(source="killed_best", allow_null=True)
    high = serializers.IntegerField(source="killed_high", allow_null=True)


class InjuredSerializer(serializers.Serializer):
    """Injured, summed over the casualty rows; null when no row reports injuries (unknown)."""

    low = serializers.IntegerField(source="injured_low", allow_null=True)
    best = serializers.IntegerField(source="injured_best", allow_null=True)
    high = serializers.IntegerField(source="injured_high", allow_null=True)


class IncidentActorSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="actor.id")
    name = serializers.CharField(source="actor.name")
    actor_type = serializers.ChoiceField(
        source="coded_type",
        choices=ActorType.choices,
        allow_null=True,
        help_text="ACLED inter code in this incident (ACLED codes it per event), else the "
        "actor's own; null for an actor of no known type.",
    )
    role = serializers.ChoiceField(choices=ActorRole.choices)

    class Meta:
        model = IncidentActor
        fields = ["id", "name", "actor_type", "role"]


@extend_schema_field(OpenApiTypes.URI)
class IncidentLinkField(serializers.ReadOnlyField):
    """An incident's absolute URL at a named route. The route is reversed once per response,
    not once per incident: reversing was a third of the time spent serializing a page."""

    def __init__(self, view_name, **kwargs):
        self.view_name = view_name
        self.template = None
        super().__init__(source="pk", **kwargs)

    def to_representation(self, pk):
        if self.template is None:
            self.template = address_template(self.view_name, self.context["request"])
        return self.template.format(pk)


class BlankAsNullField(serializers.CharField):
    """An identifier stored blank when there is none: null in the API."""

    def to_representation(self, value):
        return value or None


class IncidentListSerializer(serializers.ListSerializer):
    """A page of incidents as IncidentSerializer describes each, written directly from the
    rows incident_list_rows() reads (IncidentPagination hands them over).

    The same dicts, key for key and value for value (tests/incidents/test_api.py compares the
    answer with IncidentSerializer's own, byte for byte): going field by field, DRF called some
    fifty fields per incident, most of a page's time; and model instances for the incidents,
    their places, areas, types and actors were some five hundred objects a page.
    """

    def to_representation(self, data):
        request = self.context["request"]
        api_url = url_template("incidents_api:incident_detail", request=request)
        html_url = address_template("incidents:incident_detail", request)
        # DRF's DateTimeField's output, without its checks per value: ISO 8601 in the current
        # time zone, UTC written "Z" (a date's is its isoformat()).
        zone = timezone.get_current_timezone()

        def moment(value):
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        def code_name(code, name):
            return None if code is None else {"code": code, "name": name}

        items = []
        for row in data:
            location = row["location"]
            actors = row["actors"]
            violence_type = derive_violence_type(
                # From the actors' own types, as Incident.violence_type and the filter derive it.
                [own_type for role, *_rest, own_type in actors if role in PERPETRATOR_ROLES],
                [own_type for role, *_rest, own_type in actors if role in TARGET_ROLES],
            )
            items.append(
                {
                    "id": row["id"],
                    "url": api_url.format(row["id"]),
                    "html_url": html_url.format(row["id"]),
                    "title": row["title"],
                    "start_date": row["start_date"].isoformat(),
                    "end_date": row["end_date"].isoformat()
                    if row["end_date"] is not None
                    else None,
                    "date_precision": row["date_precision"],
                    "acled_time_precision": acled_time_precision(row["date_precision"]),
                    "event_type": code_name(row["event_type_id"], row["event_type__name"]),
                    "sub_event_type": code_name(
                        row["sub_event_type_id"], row["sub_event_type__name"]
                    ),
                    "location": {
                        "id": location["id"],
                        "name": location["name"],
                        "latitude": float(location["latitude"]),
                        "longitude": float(location["longitude"]),
                        "country": {
                            "iso3": location["country__iso3"],
                            "name": location["country__name"],
                        },
                        "admin1": area_json(location, "admin1"),
                        "admin2": area_json(location, "admin2"),
                        "admin3": area_json(location, "admin3"),
                    },
                    "geo_precision": row["geo_precision"],
                    "acled_geo_precision": acled_geo_precision(row["geo_precision"]),
                    "killed": estimate_json(row, "killed"),
                    "injured": estimate_json(row, "injured"),
                    "civilian_targeting": row["civilian_targeting"],
                    "type_of_violence": None if violence_type is None else int(violence_type),
                    "actors": [
                        {"id": pk, "name": name, "actor_type": actor_type, "role": role}
                        for role, pk, name, actor_type, _own_type in actors
                    ],
                    "tactics": row["tactics"],
                    "acled_event_id": row["acled_event_id"] or None,
                    "ucdp_id": row["ucdp_id"] or None,
                    "source_dataset": source_dataset(row),
                    "updated_at": moment(row["updated_at"]),
                }
            )
        return items


# What IncidentListSerializer writes of each incident, its place and its actors.
LIST_ROW_FIELDS = [
    "id",
    "title",
    "start_date",
    "end_date",
    "date_precision",
    "event_type_id",
    "event_type__name",
    "sub_event_type_id",
    "sub_event_type__name",
    "location_id",
    "geo_precision",
    *CASUALTY_TOTAL_FIELDS,
    "civilian_targeting",
    "acled_event_id",
    "ucdp_id",
    "gtd_event_id",  # for source_dataset
    "updated_at",
]


def incident_list_rows(incidents, limit):
    """The first `limit` incidents of a QuerySet, in its order, as IncidentListSerializer
    reads them: dicts of LIST_ROW_FIELDS with "location" (a dict of LIST_LOCATION_FIELDS),
    "tactics" (names, by name) and "actors" ((role, id, name, inter code in this incident, the
    actor's own inter code) in role, then entry order). Four queries: the incidents, then their
    places with their areas, their tactics and their actors (IncidentQuerySet.list_item_details).
    Places are not joined into the incidents' query: that made PostgreSQL spend 14 ms planning
    it at a million incidents."""
    rows = list(incidents.prefetch_related(None).values(*LIST_ROW_FIELDS)[:limit])
    if not rows:
        return rows
    places, tactics, actors = Incident.objects.list_item_details(
        [row["id"] for row in rows], {row["location_id"] for row in rows}
    )
    for row in rows:
        row["location"] = places[row["location_id"]]
        row["tactics"] = tactics.get(row["id"], [])
        row["actors"] = actors.get(row["id"], [])
    return rows


class IncidentSerializer(serializers.ModelSerializer):
    """One incident as the API lists it."""

    url = IncidentLinkField("incidents_api:incident_detail", help_text="This incident in the API.")
    html_url = IncidentLinkField("incidents:incident_detail", help_text="Its public page.")
    date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, help_text="How well the date is known (UCDP date_prec)."
    )
    acled_time_precision = serializers.IntegerField(
        min_value=1,
        max_value=3,
        read_only=True,
        help_text="The same on ACLED's scale: 1 day, 2 week, 3 month or longer.",
    )
    event_type = CodeNameSerializer()
    sub_event_type = CodeNameSerializer(allow_null=True)
    location = LocationSerializer()
    geo_precision = serializers.ChoiceField(
        choices=GeoPrecision.choices, help_text="How well the place is known (UCDP where_prec)."
    )
    acled_geo_precision = serializers.IntegerField(
        min_value=1,
        max_value=3,
        read_only=True,
        help_text="The same on ACLED's scale: 1 the place, 2 near it, 3 a larger area.",
    )
    killed = KilledSerializer(source="*")
    injured = InjuredSerializer(source="*")
    type_of_violence = serializers.ChoiceField(
        source="violence_type",
        choices=ViolenceType.choices,
        allow_null=True,
        read_only=True,
        help_text="UCDP type of violence, derived from the actors' types; null if none applies.",
    )
    actors = IncidentActorSerializer(source="incident_actors", many=True, read_only=True)
    tactics = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", help_text="The nature of the attack."
    )
    acled_event_id = BlankAsNullField(
        allow_null=True, read_only=True, help_text="ACLED event_id_cnty, if it came from ACLED."
    )
    ucdp_id = BlankAsNullField(
        allow_null=True, read_only=True, help_text="UCDP GED id, if it came from UCDP."
    )
    source_dataset = serializers.SerializerMethodField(
        help_text="Where it comes from: UCDP GED, ACLED or GTD (their terms apply: see the "
        "Link header) or incidentdb (entered here)."
    )
    updated_at = serializers.DateTimeField(help_text="When the incident was last corrected.")

    class Meta:
        model = Incident
        fields = [
            "id",
            "url",
            "html_url",
            "title",
            "start_date",
            "end_date",
            "date_precision",
            "acled_time_precision",
            "event_type",
            "sub_event_type",
            "location",
            "geo_precision",
            "acled_geo_precision",
            "killed",
            "injured",
            "civilian_targeting",
            "type_of_violence",
            "actors",
            "tactics",
            "acled_event_id",
            "ucdp_id",
            "source_dataset",
            "updated_at",
        ]
        list_serializer_class = IncidentListSerializer

    def get_source_dataset(self, incident) -> str:
        return source_dataset(vars(incident))


class SourceSerializer(serializers.Serializer):
    name = serializers.CharField()
    scale = serializers.ChoiceField(choices=SourceScale.choices, help_text="ACLED source_scale.")


class CasualtySerializer(serializers.ModelSerializer):
    """The coded figure of one group and outcome: what the totals count."""

    group = serializers.ChoiceField(choices=CasualtyGroup.choices)
    outcome = serializers.ChoiceField(choices=CasualtyOutcome.choices)
    high_open = serializers.BooleanField(help_text="A source says “at least” high: maybe more.")
    note = serializers.CharField(help_text="Why the coded figure differs from the reports.")

    class Meta:
        model = Casualty
        fields = ["group", "outcome", "low", "best", "high", "high_open", "note"]


class SourceReportSerializer(serializers.ModelSerializer):
    """What one source said, as it said it; reports are never added up."""

    group = serializers.ChoiceField(choices=CasualtyGroup.choices)
    outcome = serializers.ChoiceField(choices=CasualtyOutcome.choices)
    source = SourceSerializer(allow_null=True, help_text="Who said it, if known.")
    qualifier = serializers.ChoiceField(choices=ReportQualifier.choices)
    figure = serializers.IntegerField(
        allow_null=True, help_text="The number as reported (a range's lower end); null: none."
    )
    figure_high = serializers.IntegerField(allow_null=True, help_text="A range's upper end.")
    text = serializers.CharField(source="figure_text", help_text="“at least 70”, “20–30”…")

    class Meta:
        model = SourceReport
        fields = [
            "group",
            "outcome",
            "source",
            "qualifier",
            "figure",
            "figure_high",
            "text",
            "reported_on",
            "quote",
        ]


class CitationSerializer(serializers.ModelSerializer):
    source = SourceSerializer()
    url = serializers.CharField(help_text="The report's address; empty when there is none.")

    class Meta:
        model = Citation
        fields = ["source", "url", "title", "published_on", "excerpt"]


class RelatedIncidentSerializer(serializers.ModelSerializer):
    """Another day or site of the same attack (published ones only)."""

    url = IncidentLinkField("incidents_api:incident_detail")
    html_url = IncidentLinkField("incidents:incident_detail")
    location = IdNameSerializer()
    event_type = CodeNameSerializer()
    sub_event_type = CodeNameSerializer(allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "url",
            "html_url",
            "title",
            "start_date",
            "end_date",
            "location",
            "event_type",
            "sub_event_type",
        ]


class CorrectionSerializer(serializers.ModelSerializer):
    """A change to the incident's figures, date, place, type or actors after publication."""

    summary = serializers.CharField(help_text="What changed, e.g. “killed 12 → 14”.")
    reason = serializers.CharField(help_text="Why; may be empty.")

    class Meta:
        model = Correction
        fields = ["corrected_at", "summary", "reason"]


class IncidentDetailSerializer(IncidentSerializer):
    """One incident with everything its page shows."""

    casualties = CasualtySerializer(many=True, read_only=True)
    source_reports = SourceReportSerializer(many=True, read_only=True)
    citations = CitationSerializer(many=True, read_only=True)
    related = RelatedIncidentSerializer(source="public_related", many=True, read_only=True)
    corrections = CorrectionSerializer(many=True, read_only=True, help_text="Latest first.")
    gtd_event_id = BlankAsNullField(
        allow_null=True, read_only=True, help_text="GTD eventid, if it came from GTD."
    )
    dataset_fields = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text=(
            "What the dataset it was imported from says that no other field holds (UCDP's "
            "conflict and dyad, deaths by side, source_original; GTD's weapon and target), "
            "column by column as the dataset wrote it."
        ),
    )

    credits = serializers.SerializerMethodField(
        help_text="The dataset it comes from (its source_dataset) with its terms and the work "
        "its publisher asks to be cited, as the list's and the JSON download's `credits` give "
        "them; the Link header names the same terms."
    )

    class Meta(IncidentSerializer.Meta):
        list_serializer_class = serializers.ListSerializer
        fields = [
            *IncidentSerializer.Meta.fields[:4],
            "narrative",
            *IncidentSerializer.Meta.fields[4:],
            "gtd_event_id",
            "dataset_fields",
            "casualties",
            "source_reports",
            "citations",
            "related",
            "corrections",
            "credits",
        ]

    def get_credits(self, incident) -> list[dict]:
        return credits_json({source_dataset(vars(incident))})


class RetractionSerializer(serializers.Serializer):
    """What a retracted incident's address still says: when and why it was withdrawn."""

    retracted_at = serializers.DateTimeField()
    reason = serializers.CharField(source="retraction_reason")
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id",
        allow_null=True,
        help_text="Retracted as a duplicate: the id of the incident kept.",
    )
    duplicate_of_url = serializers.SerializerMethodField(
        help_text="The incident kept, in the API; null unless retracted as a duplicate."
    )

    def get_duplicate_of_url(self, incident) -> str | None:
        if incident.duplicate_of_id is None:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("incidents_api:incident_detail", args=[incident.duplicate_of_id])
        )
