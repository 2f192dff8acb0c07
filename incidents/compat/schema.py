"""The ACLED- and UCDP-compatible endpoints in the OpenAPI description, so that /api/docs/ lists
them beside our own API. They are plain Django views (they answer in ACLED's and UCDP's shapes,
not DRF's), so drf-spectacular cannot see them: this postprocessing hook adds their paths."""

from ..acled import ACLED_COLUMNS
from ..api.schema import add_language_rule
from .acled_api import EVENT_COLUMNS, MAX_LIMIT
from .ucdp_api import MAX_PAGE_SIZE

ACLED_TAG = "ACLED-compatible (/acled-api/)"
UCDP_TAG = "UCDP-compatible (/ucdp-api/)"


def query(name, description, schema=None):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


ACLED_COMMON = [
    query(
        "key",
        "ACLED's legacy access key. Accepted so that ACLED scripts run unchanged; our data are "
        "public, so it is neither needed, checked nor stored.",
    ),
    query("email", "The e-mail ACLED's legacy key goes with: likewise accepted and ignored."),
    query(
        "limit",
        f"Rows a page, 1–{MAX_LIMIT} (default {MAX_LIMIT}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    ),
    query("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
    query("_format", "json (default) or csv.", {"type": "string", "enum": ["json", "csv"]}),
    query("fields", "The columns to answer, separated by '|', e.g. event_id_cnty|event_date."),
]
ACLED_ERROR = {
    "description": "A parameter that cannot be answered exactly: "
    '{"status": 400, "success": false, "error": [{"status": 400, "message": "…"}]}.'
}
ACLED_OK = {
    "description": '{"status": 200, "success": true, "count": <rows in data>, "messages": [], '
    '"data": [rows]} (or CSV with _format=csv).',
    "content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {}},
}


def acled_operation(summary, description, parameters=()):
    return {
        "get": {
            "operationId": "acled_" + summary.lower().replace(" ", "_").replace("/", "_"),
            "summary": summary,
            "description": description,
            "tags": [ACLED_TAG],
            "parameters": [*parameters, *ACLED_COMMON],
            "responses": {"200": ACLED_OK, "400": ACLED_ERROR},
        }
    }


def acled_event_filters():
    filters = []
    for name in EVENT_COLUMNS:
        operators = ", ".join(sorted(EVENT_COLUMNS[name].operators - {">="}))
        filters.append(
            query(name, f"ACLED's {name} column. Operators ({name}_where): {operators}.")
        )
        filters.append(query(f"{name}_where", f"Operator for {name}: {operators}."))
    return filters


def summary_filters(*names):
    filters = [query(name, f"{name}: = (default, '|' for any of) or LIKE.") for name in names]
    for name in ("first_event_date", "last_event_date", "event_count"):
        filters.append(query(name, f"{name}, with {name}_where =, >, < or BETWEEN (a|b)."))
    return filters


def compat_paths():
    return {
        "/acled-api/acled/read": acled_operation(
            "ACLED events",
            "Published incidents as ACLED's API answers acled/read: rows with ACLED's "
            f"columns ({', '.join(ACLED_COLUMNS)}) and the values /incidents.csv holds, newest "
            "first. Point an ACLED script's host (ACLED_API_HOST) at https://<this site>"
            "/acled-api. Filters: a column and its `_where` operator (=, LIKE, >, <, BETWEEN "
            "with a|b; '|' for any of). `timestamp` (unix seconds, default operator >=) "
            "returns incidents changed or published since. `region` takes ACLED's region "
            "number (1 Western Africa, 2 Middle Africa, 5 Northern Africa…) or its name. "
            "Columns made of several rows (actors, sources, tags, interaction) cannot be "
            "filtered and answer 400.",
            acled_event_filters(),
        ),
        "/acled-api/deleted/read": acled_operation(
            "ACLED deleted events",
            "Retracted incidents: event_id_cnty and deleted_timestamp (unix seconds of the "
            "retraction), oldest first, so that a mirror following `timestamp` also removes "
            "what was withdrawn.",
            [
                query("event_id_cnty", "Event ids, '|' for any of."),
                query("deleted_timestamp", "Unix seconds; default operator >=."),
                query("deleted_timestamp_where", "=, >, < or BETWEEN."),
            ],
        ),
        "/acled-api/actor/read": acled_operation(
            "ACLED actors",
            "Actors of published incidents: actor_name, first_event_date, last_event_date, "
            "event_count.",
            summary_filters("actor_name"),
        ),
        "/acled-api/actortype/read": acled_operation(
            "ACLED actor types",
            "ACLED's actor types (inter codes 1–8) of published incidents' actors.",
            summary_filters("actor_type_id", "actor_type_name"),
        ),
        "/acled-api/country/read": acled_operation(
            "ACLED countries",
            "Countries of published incidents: country, iso (ISO 3166-1 numeric), iso3, "
            "first_event_date, last_event_date, event_count.",
            summary_filters("country", "iso", "iso3"),
        ),
        "/acled-api/region/read": acled_operation(
            "ACLED regions",
            "ACLED's world regions of published incidents: region (ACLED's number), "
            "region_name, first_event_date, last_event_date, event_count. Each country is in "
            "the region ACLED files it under.",
            summary_filters("region", "region_name"),
        ),
        "/ucdp-api/gedevents/{version}": {
            "get": {
                "operationId": "ucdp_gedevents",
                "summary": "UCDP GED events",
                "description": "Published incidents as UCDP's GED API answers gedevents: "
                '{"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result"}, '
                "each result under GED's field names (`id` is our incident id; `ged_id` is "
                "GED's id for an event imported from GED; UCDP's own conflict and dyad coding "
                "is null). Point a UCDP script's base URL at https://<this site>/ucdp-api. "
                "Oldest first. Any version answers our current data.",
                "tags": [UCDP_TAG],
                "parameters": [
                    {
                        "name": "version",
                        "in": "path",
                        "required": True,
                        "description": "GED version, e.g. 25.1 (any is accepted).",
                        "schema": {"type": "string"},
                    },
                    query(
                        "pagesize",
                        f"1–{MAX_PAGE_SIZE} (default 100).",
                        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                    ),
                    query("page", "From 0.", {"type": "integer", "minimum": 0}),
                    query("Country", "Gleditsch–Ward codes, comma-separated (Mali 432)."),
                    query("StartDate", "yyyy-mm-dd: events starting on or after it."),
                    query("EndDate", "yyyy-mm-dd: events ending on or before it."),
                    query("TypeOfViolence", "1 state-based, 2 non-state, 3 one-sided; commas."),
                    query("Geography", "Two corners 'lat lon,lat lon' of a box."),
                ],
                "responses": {
                    "200": {
                        "description": "One page.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": {"description": 'A parameter we cannot honour: {"error": "…"}.'},
                },
            }
        },
    }


def add_compat_paths(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): the
    compatible APIs' paths, and the rule on languages they follow with ours, at the end of the
    description (api.schema.add_language_rule)."""
    result.setdefault("paths", {}).update(compat_paths())
    return add_language_rule(result, generator, request, public)
