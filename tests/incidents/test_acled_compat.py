"""A researcher's script written for ACLED's API runs unchanged against /acled-api/: PyPI's
`acled` client, pointed at the live server with legacy key/email, gets the incidents our own
API gives for the same filter, page by page; a mirror follows retractions through deleted/read
and corrections through `timestamp`; what we cannot answer exactly is a 400, never a wrong
list."""

import csv
import datetime
import io

import pytest
from acled import AcledClient
from acled.clients.base_http_client import BaseHttpClient
from acled.exceptions import ClientError
from django.urls import reverse
from django.utils import timezone

from incidents.acled import ACLED_COLUMNS
from incidents.choices import ActorRole, ActorType, Status
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
)

EVENTS_URL = reverse("acled_api:acled_events")
DELETED_URL = reverse("acled_api:acled_deleted")


@pytest.fixture
def acled(live_server, monkeypatch):
    """The acled package as a researcher sets it up, with ACLED_API_HOST at our site. The
    package reads ACLED_API_HOST once, when it is imported; the live server's port is known only
    now, so the test sets what that variable sets."""
    monkeypatch.setattr(BaseHttpClient, "BASE_URL", f"{live_server.url}/acled-api")
    monkeypatch.setattr(BaseHttpClient, "MAX_RETRIES", 0)
    with pytest.warns(DeprecationWarning):  # the package warns that key/email are legacy
        client = AcledClient(api_key="researcher-key", email="researcher@example.org")
    yield client
    client.close()


def sahel():
    """Mali and Burkina Faso incidents across 2022–2024, a draft and a retracted one."""
    mali = LocationFactory(admin1__country=CountryFactory(iso3="MLI", name="Mali"))
    burkina = LocationFactory(
        admin1__country=CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso"),
        admin1__name="Sahel",
        admin1__iso_code="BF-12",
    )
    incidents = []
    for number in range(12):
        incidents.append(
            IncidentFactory(
                location=mali,
                start_date=datetime.date(2022, 11, 1) + datetime.timedelta(40 * number),
            )
        )
    IncidentFactory(location=burkina, start_date=datetime.date(2023, 5, 5))
    IncidentFactory(location=mali, start_date=datetime.date(2023, 6, 6), status=Status.DRAFT)
    IncidentFactory(location=mali, start_date=datetime.date(2023, 7, 7), status=Status.RETRACTED)
    return incidents


def our_api_ids(client, params):
    """Every id our own API lists for the filter, following its pages."""
    ids = []
    response = client.get(reverse("incidents_api:incident_list"), params)
    while True:
        assert response.status_code == 200, response.content
        ids += [item["id"] for item in response.json()["results"]]
        if response.json()["next"] is None:
            return ids
        response = client.get(response.json()["next"])


# The live server needs committed rows; serialized_rollback restores the seeded taxonomy that
# a transactional test's flush would otherwise lose (as tests/browser.py does).
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def own_ids(events):
    return [int(event["event_id_cnty"].removeprefix("IDB")) for event in events]


@LIVE
def test_acled_client_pages_through_a_country_and_date_range_as_our_api_lists_it(acled, client):
    sahel()
    expected = our_api_ids(
        client, {"country": "MLI", "date_from": "2023-01-01", "date_to": "2023-12-31"}
    )
    assert len(expected) == 9

    pages = [
        acled.get_data(
            country="Mali",
            event_date="2023-01-01|2023-12-31",
            limit=4,
            page=page,
            fields="event_id_cnty|event_date|country|fatalities",
            query_params={"event_date_where": "BETWEEN"},
        )
        for page in (1, 2, 3, 4)
    ]

    assert [len(page) for page in pages] == [4, 4, 1, 0]
    events = [event for page in pages for event in page]
    assert own_ids(events) == expected
    assert {tuple(event) for event in events} == {
        ("event_id_cnty", "event_date", "country", "fatalities")
    }
    assert all(event["country"] == "Mali" for event in events)
    assert all(
        datetime.date(2023, 1, 1) <= event["event_date"] <= datetime.date(2023, 12, 31)
        for event in events
    )


@LIVE
def test_deleted_read_lists_a_retracted_incident_with_when_it_was_withdrawn(acled):
    analyst = UserFactory(is_superuser=True)
    kept, withdrawn = IncidentFactory(), IncidentFactory(acled_event_id="MLI12345")
    before = int(timezone.now().timestamp())
    withdrawn.retract(by=analyst, reason="Reported twice.")

    deleted = acled._deleted_client.get_data(deleted_timestamp=before)

    assert deleted == [
        {
            "event_id_cnty": "MLI12345",
            "deleted_timestamp": int(
                Incident.objects.get(pk=withdrawn.pk).retracted_at.timestamp()
            ),
        }
    ]
    assert acled._deleted_client.get_data(deleted_timestamp=before + 3600) == []
    assert own_ids(acled.get_data()) == [kept.pk]


@LIVE
def test_a_timestamp_sync_picks_up_a_correction_and_a_newly_published_incident(acled):
    analyst = UserFactory(is_superuser=True)
    corrected, untouched = IncidentFactory(), IncidentFactory()
    drafted = IncidentFactory(status=Status.IN_REVIEW, published_at=None, toll_unknown=True)
    CitationFactory(incident=drafted)
    old = timezone.now() - datetime.timedelta(days=30)
    Incident.objects.update(updated_at=old, published_at=old)
    last_sync = int(timezone.now().timestamp())

    corrected.mark_changed(by=analyst)
    Incident.objects.get(pk=drafted.pk).publish(by=analyst)

    changed = acled.get_data(timestamp=last_sync)
    assert sorted(own_ids(changed)) == sorted([corrected.pk, drafted.pk])
    assert untouched.pk not in own_ids(acled.get_data(timestamp=last_sync))
    (row,) = [event for event in changed if own_ids([event]) == [corrected.pk]]
    assert row["timestamp"] >= datetime.datetime.fromtimestamp(last_sync, tz=datetime.UTC)


@LIVE
def test_the_client_gets_a_client_error_for_a_filter_we_cannot_answer(acled):
    IncidentFactory()
    with pytest.raises(ClientError):
        acled.get_data(actor1="JNIM")


def cells(value):
    return "" if value is None else str(value)


def test_rows_hold_the_values_of_the_csv_export(client, db):
    incident = IncidentFactory(narrative="Ambush on the road to Djibo.", acled_event_id="MLI9")
    IncidentActorFactory(incident=incident, actor=ActorFactory(name="JNIM"))
    IncidentActorFactory(
        incident=incident,
        actor=ActorFactory(name="Military Forces of Mali", actor_type=ActorType.STATE_FORCES),
        role=ActorRole.TARGET,
    )

    (row,) = client.get(EVENTS_URL).json()["data"]
    (exported,) = csv.DictReader(io.StringIO(client.get("/incidents.csv").getvalue().decode()))

    assert list(row) == ACLED_COLUMNS
    for column in ACLED_COLUMNS:
        if column in ("latitude", "longitude"):
            assert row[column] == float(exported[column])
        else:
            assert cells(row[column]) == exported[column], column
    assert row["actor1"] == "JNIM" and row["inter2"] == ActorType.STATE_FORCES


def test_answer_has_acleds_shape_and_csv_on_request(client, db):
    IncidentFactory.create_batch(3)
    body = client.get(EVENTS_URL, {"limit": 2, "key": "k", "email": "e@example.org"}).json()
    assert body["status"] == 200 and body["success"] is True
    assert body["count"] == 2 == len(body["data"])

    response = client.get(EVENTS_URL, {"_format": "csv", "fields": "event_id_cnty|year"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "event_id_cnty,year" and len(lines) == 4


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"fatalities": "10", "fatalities_where": ">"}, {"many"}),
        ({"fatalities": "10", "fatalities_where": "<"}, {"few"}),
        ({"fatalities": "3|12"}, {"few", "many"}),
        ({"fatalities": "4|12", "fatalities_where": "BETWEEN"}, {"many"}),
        ({"location": "kouak", "location_where": "LIKE"}, {"many"}),
        ({"location": "KOUAKOUROU"}, {"many"}),
        ({"event_type": "Battles|Riots"}, {"many"}),
        ({"iso": "466"}, {"many", "few"}),
        ({"iso": "854"}, set()),
        ({"year": "2024"}, {"few"}),
        ({"event_date": "2023-09-15", "event_date_where": ">"}, {"few"}),
        ({"notes": "ambush"}, {"many"}),
        ({"time_precision": "3"}, {"few"}),
        ({"geo_precision": "1"}, {"many"}),
        ({"disorder_type": "Political violence"}, {"many", "few"}),
        ({"civilian_targeting": "Civilian targeting"}, {"few"}),
        ({"event_id_cnty": "MLI77"}, {"many"}),
    ],
)
def test_acled_filters_match_and_exclude(client, db, params, expected):
    from incidents.choices import DatePrecision, GeoPrecision
    from tests.factories import CasualtyFactory

    many = IncidentFactory(
        title="many",
        narrative="An AMBUSH.",
        acled_event_id="MLI77",
        location=LocationFactory(name="Kouakourou"),
    )
    CasualtyFactory(incident=many, best=12)
    many.refresh_casualty_totals()
    few = IncidentFactory(
        title="few",
        start_date=datetime.date(2024, 2, 1),
        date_precision=DatePrecision.MONTH,
        geo_precision=GeoPrecision.ADMIN1,
        civilian_targeting=True,
        event_type_id="violence_against_civilians",
        sub_event_type_id="attack",
    )
    CasualtyFactory(incident=few, best=3)
    few.refresh_casualty_totals()
    titles = {pk: title for pk, title in Incident.objects.values_list("pk", "title")}

    response = client.get(EVENTS_URL, params)

    assert response.status_code == 200, response.content
    assert {titles[pk] for pk in own_ids_or_acled(response.json()["data"])} == expected


def own_ids_or_acled(events):
    ids = []
    for event in events:
        code = event["event_id_cnty"]
        ids.append(
            Incident.objects.get(acled_event_id=code).pk
            if not code.startswith("IDB")
            else int(code[3:])
        )
    return ids


@pytest.mark.parametrize(
    "params",
    [
        {"actor1": "JNIM"},
        {"region": "1"},
        {"interaction": "12"},
        {"source": "AFP"},
        {"export_type": "monadic"},
        {"country": "Mali", "country_where": ">"},
        {"country": "Mali", "country_where": "NOT"},
        {"country_where": "LIKE"},
        {"fatalities": "many"},
        {"event_date": "2023-01-01", "event_date_where": "BETWEEN"},
        {"limit": "0"},
        {"limit": "5001"},
        {"page": "0"},
        {"_format": "xml"},
        {"fields": "country|nonsense"},
        {"colour": "red"},
        {"time_precision": "1", "time_precision_where": ">"},
    ],
)
def test_parameters_we_cannot_honour_answer_400_acled_style(client, db, params):
    IncidentFactory()
    response = client.get(EVENTS_URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["status"] == 400
    assert body["error"][0]["message"]


def test_region_read_says_regions_are_not_recorded(client, db):
    response = client.get(reverse("acled_api:acled_regions"))
    assert response.status_code == 400
    assert "region" in response.json()["error"][0]["message"]


def test_drafts_and_retractions_never_appear(client, db):
    published = IncidentFactory()
    IncidentFactory(status=Status.DRAFT)
    IncidentFactory(status=Status.IN_REVIEW)
    retracted = IncidentFactory(status=Status.RETRACTED)
    assert own_ids(client.get(EVENTS_URL).json()["data"]) == [published.pk]
    deleted = client.get(DELETED_URL).json()["data"]
    assert [row["event_id_cnty"] for row in deleted] == [f"IDB{retracted.pk}"]
    actors = client.get(reverse("acled_api:acled_countries")).json()["data"]
    assert [row["event_count"] for row in actors] == [1]


def test_actor_actortype_and_country_lists_count_published_incidents(client, db):
    jnim = ActorFactory(name="JNIM")
    army = ActorFactory(name="Military Forces of Mali", actor_type=ActorType.STATE_FORCES)
    first = IncidentFactory(start_date=datetime.date(2023, 1, 2))
    second = IncidentFactory(start_date=datetime.date(2023, 8, 9))
    hidden = IncidentFactory(status=Status.DRAFT, start_date=datetime.date(2020, 1, 1))
    for incident in (first, second, hidden):
        IncidentActorFactory(incident=incident, actor=jnim)
    IncidentActorFactory(incident=second, actor=army, role=ActorRole.TARGET)

    actors = client.get(reverse("acled_api:acled_actors"), {"actor_name": "jnim"}).json()
    assert actors["data"] == [
        {
            "actor_name": "JNIM",
            "first_event_date": "2023-01-02",
            "last_event_date": "2023-08-09",
            "event_count": 2,
        }
    ]
    busy = client.get(
        reverse("acled_api:acled_actors"), {"event_count": "1", "event_count_where": ">"}
    ).json()
    assert [row["actor_name"] for row in busy["data"]] == ["JNIM"]

    types = client.get(reverse("acled_api:acled_actor_types")).json()["data"]
    assert [
        (row["actor_type_id"], row["actor_type_name"], row["event_count"]) for row in types
    ] == [
        (1, "State forces", 1),
        (2, "Rebel group", 2),
    ]
    countries = client.get(reverse("acled_api:acled_countries"), {"iso": "466"}).json()["data"]
    assert countries == [
        {
            "country": "Mali",
            "iso": 466,
            "iso3": "MLI",
            "first_event_date": "2023-01-02",
            "last_event_date": "2023-08-09",
            "event_count": 2,
        }
    ]


def test_a_page_of_events_costs_a_fixed_number_of_queries(
    client, db, django_assert_max_num_queries
):
    for incident in IncidentFactory.create_batch(30):
        IncidentActorFactory(incident=incident)
    # The page's ids, its rows, and their actors, citations and tactics.
    with django_assert_max_num_queries(5):
        response = client.get(EVENTS_URL, {"timestamp": "0"})
    assert response.json()["count"] == 30


def test_api_docs_describe_the_acled_and_ucdp_endpoints(client, db):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    for path in (
        "/acled-api/acled/read",
        "/acled-api/deleted/read",
        "/acled-api/actor/read",
        "/acled-api/actortype/read",
        "/acled-api/country/read",
        "/acled-api/region/read",
        "/ucdp-api/gedevents/{version}",
    ):
        assert path in schema["paths"], path
    acled_read = schema["paths"]["/acled-api/acled/read"]["get"]
    parameters = {parameter["name"] for parameter in acled_read["parameters"]}
    assert {"country", "event_date_where", "timestamp", "key", "email", "fields"} <= parameters
    assert (
        "public" in next(p for p in acled_read["parameters"] if p["name"] == "key")["description"]
    )
