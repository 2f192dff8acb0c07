"""How the OpenAPI description documents the incident filters and the 400 answer.

django-filter and drf-spectacular find IncidentFilterSet's parameters by themselves, but they
describe them by their short form labels ("From", "Near (lat,lon)") and guess some types wrong
(`near` as an integer, an empty choice inside integer enums). Researchers script against these
names, so each is documented here with its type, bounds and meaning. The parameters themselves
stay defined once, in incidents/filters.py; a test checks that both name the same ones.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from ..choices import ActorType, DatePrecision, GeoPrecision, ViolenceType
from ..filters import MAX_RADIUS_KM

ANY_OF = "Repeat the parameter for any of several (`{name}=…&{name}=…`)."


def choices_text(choices):
    return "\n".join(f"* `{value}` - {label}" for value, label in choices)


def parameter(name, schema, description, *, many=False, enum=None):
    if many:
        description = f"{description} {ANY_OF.format(name=name)}"
    if enum is not None:
        description = f"{description}\n\n{choices_text(enum)}"
    return OpenApiParameter(
        name,
        type=schema,
        location=OpenApiParameter.QUERY,
        description=description,
        many=many or None,
        explode=True if many else None,
        style="form" if many else None,
        enum=[value for value, _label in enum] if enum is not None else None,
    )


COUNT = {"type": "integer", "minimum": 0}

INCIDENT_FILTER_PARAMETERS = [
    parameter(
        "date_from",
        OpenApiTypes.DATE,
        "Incidents that had not ended before this date (YYYY-MM-DD). An incident lasting "
        "several days matches every period it overlaps.",
    ),
    parameter(
        "date_to",
        OpenApiTypes.DATE,
        "Incidents that started on or before this date (YYYY-MM-DD).",
    ),
    parameter(
        "date_precision_max",
        OpenApiTypes.INT,
        "Leave out incidents whose date is known less precisely than this (UCDP date_prec).",
        enum=DatePrecision.choices,
    ),
    parameter(
        "country",
        OpenApiTypes.STR,
        "ISO 3166-1 alpha-3 code of the country, e.g. `MLI`.",
        many=True,
    ),
    parameter(
        "admin1",
        OpenApiTypes.INT,
        "Id of a region, as `/api/admin-areas/?level=1` lists them.",
        many=True,
    ),
    parameter(
        "admin2",
        OpenApiTypes.INT,
        "Id of a district, as `/api/admin-areas/?level=2` lists them.",
        many=True,
    ),
    parameter(
        "location",
        OpenApiTypes.INT,
        "Id of a place, as `/api/locations/` lists them.",
        many=True,
    ),
    parameter(
        "near",
        {"type": "string", "example": "16.27,-0.04"},
        "A point as `LAT,LON` in decimal degrees, e.g. `16.27,-0.04` (Gao). With `radius_km`: "
        "incidents at places within that distance on the globe (great circle, not a square).",
    ),
    parameter(
        "radius_km",
        {"type": "number", "minimum": 0.1, "maximum": MAX_RADIUS_KM},
        "Kilometres around `near`; give both or neither.",
    ),
    parameter(
        "geo_precision_max",
        OpenApiTypes.INT,
        "Leave out incidents whose place is known less precisely than this (UCDP where_prec).",
        enum=GeoPrecision.choices,
    ),
    parameter(
        "event_type",
        OpenApiTypes.STR,
        "Code of an ACLED event type, e.g. `battles`, as `/api/event-types/` lists them.",
        many=True,
    ),
    parameter(
        "sub_event_type",
        OpenApiTypes.STR,
        "Code of an ACLED sub-event type, e.g. `suicide_bomb`, as `/api/event-types/` lists them.",
        many=True,
    ),
    parameter(
        "type_of_violence",
        OpenApiTypes.INT,
        "UCDP type of violence, derived from the actors' types.",
        many=True,
        enum=ViolenceType.choices,
    ),
    parameter(
        "civilian_targeting",
        OpenApiTypes.BOOL,
        "`true`: incidents whose main target was civilians; `false`: the others.",
    ),
    parameter(
        "actor",
        OpenApiTypes.INT,
        "Id of an actor taking part in any role, as `/api/actors/` lists them.",
        many=True,
    ),
    parameter(
        "actor_type",
        OpenApiTypes.INT,
        "ACLED inter code of an actor taking part in any role.",
        many=True,
        enum=ActorType.choices,
    ),
    parameter(
        "killed_min",
        COUNT,
        "At least this many killed (best estimate). An incident whose toll is unknown matches "
        "neither `killed_min` nor `killed_max`.",
    ),
    parameter("killed_max", COUNT, "At most this many killed (best estimate)."),
    parameter(
        "q",
        {"type": "string", "maxLength": 200},
        "Words in the title or narrative, or part of the name of the place, its region, "
        "district or country, or of an actor or one of its aliases.",
    ),
]

INCIDENT_ID = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    location=OpenApiParameter.PATH,
    description="The incident's id, as in its page's address /incidents/<id>/.",
)

BAD_PARAMETERS = OpenApiResponse(
    inline_serializer(
        "Errors",
        {
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text='Messages by parameter: {"date_from": ["Enter a valid date."]}.',
            )
        },
    ),
    description="A parameter has a bad value: the messages say which and why.",
)
