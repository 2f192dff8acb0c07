"""No input answers with a server error: hostile values in every parameter of every public URL.

Hypothesis generates the values (with a fixed seed and a bounded number of examples, so a run
is repeatable); the parameters come from the code itself: the OpenAPI schema for the API, the
filter set and the analysis forms for the pages and downloads. A value may be refused (400) or
ignored, never answered with a 500.

HOSTILE_EXAMPLES=N raises the number of examples per test (e.g. for a longer hunt); with
HOSTILE_REPORT=1 the status counts are printed at the end of each test.
"""

import base64
import json
import os
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from analysis.forms import CompareForm, PlacesForm, SeriesForm
from incidents.choices import Status
from incidents.filters import IncidentFilterSet
from tests.factories import (
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
)

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "150"))

# Values that broke a parser somewhere once, or could: NUL bytes (PostgreSQL refuses them in
# text), digits that str.isdigit() accepts and int() does not, numbers beyond 64 bits, dates at
# the ends of the calendar, non-finite floats, markup and SQL-looking text, empty and huge.
CURATED = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "1\x00",
    "²",
    "١٢",
    "1,²",
    "-1",
    "0",
    "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "1e309",
    "nan",
    "inf",
    "-inf",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-02-30",
    "2024-W60",
    "2024-Q5",
    "0,0",
    "91,181",
    "nan,nan",
    "inf,-inf",
    "1e308,1e308",
    "'; DROP TABLE incidents_incident; --",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "x" * 5000,
    "MLI,NER,\x00",
    "\ud7ff",
    "\u202e",
]


def _cursor(payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


# Cursors that decode, but to something the API never wrote.
CURSORS = [
    _cursor([["2024-01-01", 1], False]),
    _cursor([[float("inf"), 1], False]),
    _cursor([["\x00", 2**70], True]),
    _cursor([[None, "1"], False]),
    _cursor({"a": 1}),
    _cursor([["9999-12-31", -1], False]),
    "not base64!",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]

hostile_values = st.one_of(
    st.sampled_from(CURATED + CURSORS),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.lists(st.integers(min_value=-5, max_value=2**66), max_size=4).map(
        lambda ids: ",".join(map(str, ids))
    ),
)

HTML_PAGES = ["/", "/incidents/", "/analysis/", "/analysis/compare/", "/analysis/places/"]
DOWNLOADS = [
    "/incidents.csv",
    "/incidents.json",
    "/incidents.geojson",
    "/incidents.xlsx",
    "/analysis/series.csv",
    "/analysis/compare.json",
    "/analysis/places.csv",
]
PAGE_PARAMETERS = sorted(
    {
        *IncidentFilterSet.base_filters,
        *SeriesForm.base_fields,
        *CompareForm.base_fields,
        *PlacesForm.base_fields,
        "sort",
        "page",
        "per_page",
        "format",
        "cursor",
        "ids",
    }
)


@pytest.fixture
def some_incidents(db):
    incidents = [IncidentFactory(status=Status.PUBLISHED) for _ in range(3)]
    for incident in incidents:
        CasualtyFactory(incident=incident)
        CitationFactory(incident=incident)
        IncidentActorFactory(incident=incident)
    return incidents


def _sweep_settings(function):
    return seed(int(os.environ.get("HOSTILE_SEED", "20261206")))(
        settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )(function)
    )


def _report(statuses):
    if os.environ.get("HOSTILE_REPORT"):
        print(f"\n{sum(statuses.values())} requests: {dict(sorted(statuses.items()))}")


def _api_operations(client):
    """(path template, [parameter names]) for every GET operation the API documents."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = []
    for path, methods in schema["paths"].items():
        if "get" in methods:
            names = [parameter["name"] for parameter in methods["get"].get("parameters", [])]
            operations.append((path, names))
    return operations


def _fill_path(template, ids, draw):
    """The path with each {parameter} replaced by an id or a hostile value."""
    parts = re.split(r"(\{[^}]+\})", template)
    return "".join(
        draw(st.one_of(st.sampled_from([str(pk) for pk in ids]), hostile_values)).replace("/", "_")
        if part.startswith("{")
        else part
        for part in parts
    )


def test_no_api_request_answers_a_server_error(client, some_incidents):
    operations = _api_operations(client)
    assert len(operations) >= 9  # incidents, detail, areas, places, actors, types, analysis
    ids = [incident.pk for incident in some_incidents]
    statuses = Counter()

    @_sweep_settings
    @given(data=st.data())
    def request_once(data):
        template, names = data.draw(st.sampled_from(operations))
        path = _fill_path(template, ids, data.draw)
        chosen = data.draw(st.lists(st.sampled_from([*names, "format", "cursor"]), max_size=4))
        query = {name: data.draw(hostile_values) for name in chosen}
        if data.draw(st.booleans()):
            query["format"] = "api"  # the browsable API renders the same answer as HTML
        response = client.get(path, query)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (path, query)

    request_once()
    _report(statuses)
    assert statuses[200] and statuses[400]  # the sweep reached both answers


def test_no_page_or_download_answers_a_server_error(client, some_incidents):
    urls = [
        *HTML_PAGES,
        *DOWNLOADS,
        *(f"/incidents/{incident.pk}/" for incident in some_incidents),
        *(f"/places/{incident.location_id}/" for incident in some_incidents),
        f"/places/areas/{some_incidents[0].location.admin1_id}/",
        f"/places/countries/{some_incidents[0].location.country.iso3}/",
    ]
    statuses = Counter()

    @_sweep_settings
    @given(data=st.data())
    def request_once(data):
        url = data.draw(st.sampled_from(urls))
        chosen = data.draw(st.lists(st.sampled_from(PAGE_PARAMETERS), min_size=1, max_size=4))
        query = {name: data.draw(hostile_values) for name in chosen}
        response = client.get(url, query)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (url, query)

    request_once()
    _report(statuses)
    assert statuses[200] and statuses[400]


@pytest.mark.parametrize(
    "path",
    [
        "/actors/99999999999999999999999/",
        "/incidents/99999999999999999999999/",
        "/api/incidents/99999999999999999999999/",
        "/places/areas/18446744073709551616/",
    ],
)
def test_hostile_paths_are_not_found_not_errors(client, some_incidents, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/incidents/%00/", "/places/countries/%00/", "/places/countries/MLI%00/"]
)
def test_a_null_character_in_a_path_is_a_bad_request(client, some_incidents, path):
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/incidents/", {"event_type": "\x00"}),
        ("/incidents/", {"q": "Gao\x00"}),
        ("/api/incidents/", {"cursor": "\x00"}),
        ("/incidents.csv", {"actor": "1\x00"}),
        ("/admin/incidents/incident/", {"q": "\x00"}),
    ],
)
def test_a_null_character_is_refused_with_a_message(client, some_incidents, url, query):
    response = client.get(url, query)
    assert response.status_code == 400
    if url.startswith("/api/") or url.endswith(".csv"):
        assert response.json() == {
            "errors": {name: ["Null characters are not allowed."] for name in query}
        }
    else:
        assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/analysis/",
        "/analysis/series.csv",
        "/api/analysis/series/",
        "/analysis/places/",
        "/api/analysis/places/",
        "/analysis/compare/",
        "/api/analysis/compare/",
        "/incidents/",
        "/api/incidents/",
    ],
)
@pytest.mark.parametrize("interval", ["day", "week", "month", "quarter", "year"])
@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "9999-12-25", "date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-03"},
        {
            "a_from": "9999-12-01",
            "a_to": "9999-12-31",
            "b_from": "0001-01-01",
            "b_to": "0001-01-31",
        },
    ],
)
def test_periods_at_the_ends_of_the_calendar(client, some_incidents, url, interval, dates):
    country = some_incidents[0].location.country.iso3
    response = client.get(url, {**dates, "interval": interval, "place": country})
    assert response.status_code in (200, 400)
    if response.status_code == 400 and url.startswith("/api/"):
        assert "errors" in response.json()
