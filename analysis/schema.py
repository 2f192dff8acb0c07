"""How the OpenAPI description documents /api/analysis/: the incident filters (derived from
IncidentFilterSet in incidents/api/schema.py) plus each view's own parameters, and the answers'
shapes."""

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from incidents.api.schema import BAD_PARAMETERS, INCIDENT_FILTER_PARAMETERS, parameter

from .forms import MAX_PLACES, MAX_ROLLING, MAX_TOP
from .periods import Interval
from .series import Measure, Split

# In English whatever language the request that first imports this module was in (the enums' labels
# are written into the descriptions once): the API documentation is in English.
with translation.override("en"):
    INTERVAL = parameter(
        "interval",
        OpenApiTypes.STR,
        "Calendar periods in UTC (ISO weeks). Default `month`.",
        enum=Interval.choices,
    )
    ROLLING = parameter(
        "rolling",
        {"type": "integer", "minimum": 2, "maximum": MAX_ROLLING},
        "Add each period's trailing mean over this many periods (`rolling` in each period).",
    )
    TOP = {"type": "integer", "minimum": 1}

    SERIES_PARAMETERS = [
        INTERVAL,
        parameter(
            "split",
            OpenApiTypes.STR,
            "Split into the top groups plus “Other” (`groups`). With `actor`, an incident counts "
            "for each top actor taking part, and “Other” holds those with none of them.",
            enum=Split.choices,
        ),
        parameter("top", {**TOP, "maximum": MAX_TOP}, "How many groups before “Other”; default 5."),
        parameter(
            "measure",
            OpenApiTypes.STR,
            "What ranks the groups; default `incidents`.",
            enum=Measure.choices,
        ),
        ROLLING,
    ]

    COMPARE_PARAMETERS = [
        parameter(name, OpenApiTypes.DATE, description)
        for name, description in [
            ("a_from", "First day of period A (required)."),
            ("a_to", "Last day of period A (required)."),
            ("b_from", "First day of period B (required)."),
            ("b_to", "Last day of period B (required)."),
        ]
    ] + [
        parameter("by", OpenApiTypes.STR, "One row per …; default `admin1`.", enum=Split.choices),
        parameter("top", TOP, "Keep this many rows (most incidents in A and B) and sum the rest."),
    ]

    PLACES_PARAMETERS = [
        parameter(
            "place",
            OpenApiTypes.STR,
            f"Up to {MAX_PLACES} places: a region or district id (`12`, as `/places/areas/12/`), "
            "a country's ISO3 code (`MLI`) or `location:` and a place id (`location:345`).",
            many=True,
        ),
        INTERVAL,
        ROLLING,
    ]

TOTALS = {"incidents": 3, "killed": {"low": 30, "best": 37, "high": 45}, "unknown_toll": 0}

SERIES_EXAMPLE = OpenApiExample(
    "A monthly series split by region",
    value={
        "interval": "month",
        "from": "2023-07-01",
        "to": "2023-07-31",
        "rules": ["An incident counts once, in the period of its start date; …"],
        "periods": [
            {"start": "2023-07-01", "end": "2023-07-31", "label": "2023-07", "partial": False}
            | TOTALS
        ],
        "total": TOTALS,
        "unplaced": {**TOTALS, "incidents": 0},
        "began_before_range": {**TOTALS, "incidents": 0},
        "split": "admin1",
        "top": 5,
        "measure": "incidents",
        "groups": [
            {
                "key": 7,
                "label": "Mopti",
                "country": "Mali",
                "periods": [{"start": "2023-07-01", "end": "2023-07-31"} | TOTALS],
            }
        ],
    },
)

COMPARE_EXAMPLE = OpenApiExample(
    "Q3 2022 against Q3 2023 per region",
    value={
        "a": {"from": "2022-07-01", "to": "2022-09-30"},
        "b": {"from": "2023-07-01", "to": "2023-09-30"},
        "by": "admin1",
        "rows": [
            {
                "key": 7,
                "label": "Mopti",
                "country": "Mali",
                "a": TOTALS,
                "b": TOTALS | {"incidents": 6},
                "change": {"incidents": 3, "killed_best": 0},
                "pct_change": {"incidents": 100.0, "killed_best": 0.0},
            }
        ],
        "totals": {"key": "total", "label": "All incidents"},
    },
)


def schema(summary, parameters, example):
    return {
        "summary": summary,
        "filters": False,
        "parameters": [*INCIDENT_FILTER_PARAMETERS, *parameters],
        "responses": {
            200: OpenApiResponse(OpenApiTypes.OBJECT, examples=[example]),
            400: BAD_PARAMETERS,
        },
    }


SERIES_SCHEMA = schema("Incidents and killed per period", SERIES_PARAMETERS, SERIES_EXAMPLE)
COMPARE_SCHEMA = schema("Period against period", COMPARE_PARAMETERS, COMPARE_EXAMPLE)
PLACES_SCHEMA = schema("Places side by side over time", PLACES_PARAMETERS, SERIES_EXAMPLE)
