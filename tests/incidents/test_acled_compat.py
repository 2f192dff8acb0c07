"""The ACLED-compatible API answers as ACLED's does: rows with the values of /incidents.csv,
ACLED's filters and `_where` operators, its answer and error shapes, the actor, actor-type and
country lists, drafts and retractions never shown, and a 400 for whatever cannot be answered
exactly (PyPI's client against the live server: test_acled_client.py)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.acled import ACLED_COLUMNS
from incidents.choices import ActorRole, ActorType, Status
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

EVENTS_URL = reverse("acled_api:acled_events")
DELETED_URL = reverse("acled_api:acled_deleted")


def own_ids(events):
    return [int(event["event_id_cnty"].removeprefix("IDB")) for event in events]


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


@pytest.mark.parametrize(
    "disorder_type",
    [
        "Political violence",
        "Demonstrations",
        "Political violence; Demonstrations",
        "Strategic developments",
    ],
)
def test_the_disorder_type_filter_gives_the_rows_that_say_it(client, db, disorder_type):
    # Two sub-event types have a disorder type of their own, not their event type's.
    for event_type, sub_event_type in [
        ("battles", "armed_clash"),
        ("protests", "peaceful_protest"),
        ("protests", "excessive_force_against_protesters"),
        ("riots", "violent_demonstration"),
        ("riots", "mob_violence"),
        ("riots", None),
        ("strategic_developments", "arrests"),
    ]:
        IncidentFactory(event_type_id=event_type, sub_event_type_id=sub_event_type)
    rows = client.get(EVENTS_URL).json()["data"]
    saying_it = {row["event_id_cnty"] for row in rows if row["disorder_type"] == disorder_type}

    filtered = client.get(EVENTS_URL, {"disorder_type": disorder_type.upper()}).json()["data"]

    assert saying_it
    assert {row["event_id_cnty"] for row in filtered} == saying_it


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
        {"region": "1", "region_where": ">"},
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


def test_region_filter_takes_acleds_region_numbers_and_names(client, db):
    mali = IncidentFactory()  # the factories' country is Mali: Western Africa (1)
    chad = IncidentFactory(
        location=LocationFactory(
            admin1__country=CountryFactory(iso3="TCD", iso2="TD", name="Chad"),
            admin1__iso_code="TD-LC",
        )
    )

    def listed(params):
        response = client.get(EVENTS_URL, params)
        assert response.status_code == 200, response.content
        return set(own_ids(response.json()["data"]))

    assert listed({"region": "1"}) == {mali.pk}
    assert listed({"region": "2"}) == {chad.pk}
    assert listed({"region": "1|2"}) == {mali.pk, chad.pk}
    assert listed({"region": "Middle Africa"}) == {chad.pk}
    assert listed({"region": "africa", "region_where": "LIKE"}) == {mali.pk, chad.pk}
    assert listed({"region": "5"}) == set()
    assert listed({"region": "6"}) == set()  # a number ACLED does not use


def test_rows_carry_acleds_region_name(client, db):
    IncidentFactory()
    (row,) = client.get(EVENTS_URL, {"fields": "country|region"}).json()["data"]
    assert row == {"country": "Mali", "region": "Western Africa"}


def test_region_read_lists_the_regions_of_published_incidents(client, db):
    chad = LocationFactory(
        admin1__country=CountryFactory(iso3="TCD", iso2="TD", name="Chad"),
        admin1__iso_code="TD-LC",
    )
    niger = LocationFactory(
        admin1__country=CountryFactory(iso3="NER", iso2="NE", name="Niger"),
        admin1__iso_code="NE-6",
    )
    IncidentFactory(start_date=datetime.date(2022, 3, 4))
    IncidentFactory(location=niger, start_date=datetime.date(2024, 5, 6))
    IncidentFactory(location=chad, start_date=datetime.date(2023, 1, 1))
    IncidentFactory(location=chad, start_date=datetime.date(2019, 1, 1), status=Status.DRAFT)
    url = reverse("acled_api:acled_regions")

    response = client.get(url)

    assert response.status_code == 200, response.content
    assert response.json()["data"] == [
        {
            "region": 1,
            "region_name": "Western Africa",
            "first_event_date": "2022-03-04",
            "last_event_date": "2024-05-06",
            "event_count": 2,
        },
        {
            "region": 2,
            "region_name": "Middle Africa",
            "first_event_date": "2023-01-01",
            "last_event_date": "2023-01-01",
            "event_count": 1,
        },
    ]
    assert [row["region"] for row in client.get(url, {"region": "2"}).json()["data"]] == [2]
    named = client.get(url, {"region_name": "western", "region_name_where": "LIKE"}).json()
    assert [row["region"] for row in named["data"]] == [1]
    busy = client.get(url, {"event_count": "1", "event_count_where": ">"}).json()
    assert [row["region_name"] for row in busy["data"]] == ["Western Africa"]
    assert client.get(url, {"region": "2", "region_where": "LIKE"}).status_code == 400


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


def test_a_reinstated_incident_comes_back_to_a_mirror_syncing_by_timestamp(client, reviewer):
    incident = IncidentFactory()
    incident.retract(reviewer, "Two reports of one attack")
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Incident.objects.filter(pk=incident.pk).update(
        created_at=yesterday, updated_at=yesterday, published_at=yesterday, retracted_at=yesterday
    )
    # The mirror synced an hour ago, after the retraction, and deleted the incident.
    synced_at = int((timezone.now() - datetime.timedelta(hours=1)).timestamp())
    assert own_ids(client.get(EVENTS_URL, {"timestamp": synced_at}).json()["data"]) == []
    Incident.objects.get(pk=incident.pk).reinstate(reviewer, "They were two attacks")
    since = client.get(EVENTS_URL, {"timestamp": synced_at}).json()["data"]
    assert own_ids(since) == [incident.pk]


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
