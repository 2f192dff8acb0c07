"""A researcher's script written for UCDP's GED API runs against /ucdp-api/gedevents/<version>:
UCDP's parameters, its paging envelope, and events under GED's field names with the JSON types
UCDP's API gives them."""

import csv
import datetime

import pytest
from django.urls import reverse

from incidents.choices import ActorRole, ActorType, Status
from incidents.importers.importing import import_file
from incidents.importers.ucdp import UcdpImporter
from tests.factories import (
    ActorFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

# One event as UCDP's API serves it (GED 25.1's JSON types): JNIM's attack on civilians in
# Nouna, Burkina Faso, October 2023 — a real GED event (shared/data's UCDP sample, CC BY 4.0).
UCDP_EVENT = {
    "id": 497710,
    "relid": "BEN-2023-3-15136-138",
    "year": 2023,
    "active_year": True,
    "code_status": "Clear",
    "type_of_violence": 3,
    "conflict_dset_id": "6716",
    "conflict_new_id": 13968,
    "conflict_name": "JNIM - Civilians",
    "dyad_dset_id": "6716",
    "dyad_new_id": 15136,
    "dyad_name": "JNIM - Civilians",
    "side_a_dset_id": "6716",
    "side_a_new_id": 6716,
    "side_a": "JNIM",
    "side_b_dset_id": "9999",
    "side_b_new_id": 1,
    "side_b": "Civilians",
    "number_of_sources": 1,
    "source_article": '"Crisis Watch ,2023-11-02,Burkina Faso OCTOBER 2023"',
    "source_office": "Crisis Watch",
    "source_date": "2023-11-02",
    "source_headline": "Burkina Faso OCTOBER 2023",
    "source_original": "",
    "where_prec": 1,
    "where_coordinates": "Nouna town",
    "where_description": "Nouna, Kossi province",
    "adm_1": "Boucle du Mouhoun region",
    "adm_2": "Kossi province",
    "latitude": 12.72939,
    "longitude": -3.86305,
    "geom_wkt": "POINT (-3.86305 12.72939)",
    "priogrid_gid": 147953,
    "country": "Burkina Faso",
    "country_id": 439,
    "region": "Africa",
    "event_clarity": 1,
    "date_prec": 1,
    "date_start": "2023-10-06T00:00:00.000Z",
    "date_end": "2023-10-06T00:00:00.000Z",
    "deaths_a": 0,
    "deaths_b": 0,
    "deaths_civilians": 4,
    "deaths_unknown": 0,
    "best": 4,
    "high": 12,
    "low": 4,
    "gwnoa": None,
    "gwnob": None,
}
# What we hold of an event and give back as GED has it (UCDP's own coding of an event imported
# from GED as the import kept it); the rest (active_year, region, the sides' GW codes) is null
# here, and adm_1 and adm_2 are spelled as our gazetteer names the areas ("Boucle du Mouhoun").
HELD = [
    "relid", "code_status", "conflict_dset_id", "conflict_new_id", "conflict_name",
    "dyad_dset_id", "dyad_new_id", "side_a_dset_id", "side_a_new_id", "side_b_dset_id",
    "side_b_new_id", "event_clarity",
    "year", "type_of_violence", "dyad_name", "side_a", "side_b", "number_of_sources",
    "source_office", "source_date", "source_headline", "where_prec", "where_coordinates",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country",
    "country_id", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low",
]  # fmt: skip

EVENTS_URL = reverse("ucdp_api:ucdp_events", args=["25.1"])


def import_ucdp_event(tmp_path, event):
    """The event through our UCDP importer, as `import_events --format ucdp` reads GED."""
    path = tmp_path / "ged.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, list(event))
        writer.writeheader()
        writer.writerow(
            {
                key: "" if value is None else str(value).replace("T00:00:00.000Z", "")
                for key, value in event.items()
            }
        )
    report = import_file(path, UcdpImporter())
    assert report.created == 1, report.rejected


def test_an_imported_ged_event_comes_back_with_geds_fields_values_and_types(client, db, tmp_path):
    import_ucdp_event(tmp_path, UCDP_EVENT)

    body = client.get(EVENTS_URL, {"Country": "439"}).json()

    assert body["TotalCount"] == 1 and body["TotalPages"] == 1
    assert body["PreviousPageUrl"] == "" and body["NextPageUrl"] == ""
    (event,) = body["Result"]
    assert set(event) == set(UCDP_EVENT) | {"ged_id"}
    assert event["ged_id"] == UCDP_EVENT["id"]
    for field in HELD:
        assert event[field] == UCDP_EVENT[field], field
    for field, value in event.items():
        if value is not None and UCDP_EVENT.get(field) is not None:
            assert type(value) is type(UCDP_EVENT[field]), field


@pytest.fixture
def events(db):
    """Three events: soldiers and JNIM in Mali 2023 (state-based), JNIM against civilians in
    Burkina Faso 2024 (one-sided), and a multi-day clash between two militias in Mali."""
    mali = LocationFactory(name="Kouakourou")
    burkina = LocationFactory(
        admin1__country=CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso"),
        admin1__name="Sahel",
        admin1__iso_code="BF-12",
        latitude=14.1,
        longitude=-1.6,
    )
    jnim = ActorFactory(name="JNIM")
    army = ActorFactory(name="FAMa", actor_type=ActorType.STATE_FORCES)
    civilians = ActorFactory(name="Civilians (Burkina Faso)", actor_type=ActorType.CIVILIANS)
    militia = ActorFactory(name="Dan Na Ambassagou", actor_type=ActorType.IDENTITY_MILITIA)
    state_based = IncidentFactory(location=mali, start_date=datetime.date(2023, 3, 1))
    one_sided = IncidentFactory(location=burkina, start_date=datetime.date(2024, 1, 5))
    non_state = IncidentFactory(
        location=mali, start_date=datetime.date(2023, 6, 1), end_date=datetime.date(2023, 6, 4)
    )
    IncidentFactory(location=mali, status=Status.DRAFT)
    IncidentFactory(location=mali, status=Status.RETRACTED)
    for incident, target in ((state_based, army), (one_sided, civilians), (non_state, militia)):
        IncidentActorFactory(incident=incident, actor=jnim)
        IncidentActorFactory(incident=incident, actor=target, role=ActorRole.TARGET)
    return {"state_based": state_based, "one_sided": one_sided, "non_state": non_state}


def names(events, body):
    by_id = {incident.pk: name for name, incident in events.items()}
    return [by_id[event["id"]] for event in body["Result"]]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["state_based", "non_state", "one_sided"]),
        ({"Country": "432"}, ["state_based", "non_state"]),
        ({"Country": "432,439"}, ["state_based", "non_state", "one_sided"]),
        ({"StartDate": "2023-06-01"}, ["non_state", "one_sided"]),
        ({"EndDate": "2023-06-03"}, ["state_based"]),
        ({"EndDate": "2023-06-04"}, ["state_based", "non_state"]),
        ({"TypeOfViolence": "3"}, ["one_sided"]),
        ({"TypeOfViolence": "1,2"}, ["state_based", "non_state"]),
        ({"Geography": "13 -2,15 -1"}, ["one_sided"]),
    ],
)
def test_ucdp_filters_match_and_exclude(client, events, params, expected):
    response = client.get(EVENTS_URL, params)
    assert response.status_code == 200, response.content
    assert names(events, response.json()) == expected


def test_pages_link_to_each_other_as_ucdps_do(client, events):
    first = client.get(EVENTS_URL, {"pagesize": 2}).json()
    assert first["TotalCount"] == 3 and first["TotalPages"] == 2
    assert first["PreviousPageUrl"] == ""
    second = client.get(first["NextPageUrl"]).json()
    assert "page=1" in first["NextPageUrl"] and second["NextPageUrl"] == ""
    assert names(events, first) + names(events, second) == ["state_based", "non_state", "one_sided"]
    assert client.get(second["PreviousPageUrl"]).json() == first


@pytest.mark.parametrize(
    "params",
    [
        {"pagesize": "1001"},
        {"pagesize": "0"},
        {"page": "-1"},
        {"Country": "Mali"},
        {"Country": "99999"},
        {"StartDate": "01/02/2023"},
        {"TypeOfViolence": "4"},
        {"Geography": "north"},
        {"Id": "5"},
    ],
)
def test_parameters_we_cannot_honour_answer_400(client, events, params):
    response = client.get(EVENTS_URL, params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_page_of_events_costs_a_fixed_number_of_queries(
    client, db, django_assert_max_num_queries
):
    for incident in IncidentFactory.create_batch(30):
        IncidentActorFactory(incident=incident)
    # The count, the page's ids, its rows, and their actors, citations, tactics, casualty
    # figures and source reports.
    with django_assert_max_num_queries(8):
        response = client.get(EVENTS_URL, {"pagesize": 1000})
    assert len(response.json()["Result"]) == 30
