"""Search and places: `q` puts exact names first (Gao before Bangao), a place page links to the
incidents within 10, 25 and 50 km of it, `near=` takes a place id, and a list filtered by
distance shows each incident's distance and hands the map its circle."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.choices import ActorRole, Status
from incidents.models.places import distance_km
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

LIST_URL = reverse("incidents:incident_list")


def row_titles(response):
    return [row.record.title for row in response.context["table"].page.object_list]


@pytest.fixture
def gao_and_others(db):
    """Gao town (in Gao region), and places whose names only contain "gao", with newer
    incidents than Gao's, so that newest first would list them before it."""
    mali = CountryFactory()
    gao_region = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")

    def place(name, region, latitude, longitude):
        return LocationFactory(
            name=name, admin1=region, latitude=Decimal(latitude), longitude=Decimal(longitude)
        )

    places = {
        "Gao": place("Gao", gao_region, "16.27000", "-0.04000"),
        "Ansongo": place("Ansongo", gao_region, "15.66000", "0.50000"),
        "Bangao": place("Bangao", mopti, "14.50000", "-4.00000"),
        "Pobé Mengao": place("Pobé Mengao", mopti, "14.10000", "-1.70000"),
    }
    for number, (name, location) in enumerate(
        [("Gao", places["Gao"]), ("Ansongo", places["Ansongo"]), ("Bangao", places["Bangao"])]
        + [("Pobé Mengao", places["Pobé Mengao"])]
    ):
        # Gao's is the oldest.
        IncidentFactory(
            title=f"at {name}",
            location=location,
            start_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=30 * number),
        )
    IncidentFactory(title="draft at Gao", location=places["Gao"], status=Status.DRAFT)
    return places


def test_search_lists_a_place_named_exactly_first(client, gao_and_others):
    response = client.get(LIST_URL, {"q": "gao"})
    # Gao town, then its region's other places, then names that only contain the text;
    # newest first within each.
    assert row_titles(response) == ["at Gao", "at Ansongo", "at Pobé Mengao", "at Bangao"]
    assert "come first" in response.content.decode()


def test_search_ranking_ignores_case_and_accents(client, gao_and_others):
    assert row_titles(client.get(LIST_URL, {"q": "POBE MENGAO"}))[0] == "at Pobé Mengao"


def test_a_sort_overrides_the_search_ranking(client, gao_and_others):
    response = client.get(LIST_URL, {"q": "gao", "sort": "-date"})
    assert row_titles(response) == ["at Pobé Mengao", "at Bangao", "at Ansongo", "at Gao"]
    assert "come first" not in response.content.decode()


def test_search_ranks_an_actor_named_exactly_before_partial_matches(client, db):
    jnim = ActorFactory(name="JNIM")
    other = ActorFactory(name="JNIM splinter faction")
    exact = IncidentFactory(title="by JNIM", start_date=datetime.date(2020, 1, 1))
    IncidentActorFactory(incident=exact, actor=jnim, role=ActorRole.PERPETRATOR)
    partial = IncidentFactory(title="by the splinter", start_date=datetime.date(2024, 1, 1))
    IncidentActorFactory(incident=partial, actor=other, role=ActorRole.PERPETRATOR)
    assert row_titles(client.get(LIST_URL, {"q": "jnim"})) == ["by JNIM", "by the splinter"]


def test_the_download_of_a_search_keeps_its_ranking(client, gao_and_others):
    response = client.get(reverse("incident_download", args=["csv"]), {"q": "gao"})
    rows = csv.DictReader(io.StringIO(b"".join(response).decode()))
    assert [row["location"] for row in rows] == ["Gao", "Ansongo", "Pobé Mengao", "Bangao"]


def test_place_page_links_to_incidents_within_10_25_and_50_km(client, gao_and_others):
    gao = gao_and_others["Gao"]
    html = client.get(reverse("incidents:place_detail", args=[gao.pk])).content.decode()
    for radius in (10, 25, 50):
        assert f'href="/incidents/?near={gao.pk}&amp;radius_km={radius}"' in html


def test_near_takes_a_place_id(client, gao_and_others):
    gao = gao_and_others["Gao"]
    # Ansongo is 86 km from Gao.
    by_id = client.get(LIST_URL, {"near": gao.pk, "radius_km": 100})
    by_point = client.get(LIST_URL, {"near": "16.27,-0.04", "radius_km": 100})
    assert sorted(row_titles(by_id)) == sorted(row_titles(by_point)) == ["at Ansongo", "at Gao"]
    assert row_titles(client.get(LIST_URL, {"near": gao.pk, "radius_km": 10})) == ["at Gao"]
    # The chip names the place.
    assert (
        "Within 10 km of Gao"
        in client.get(LIST_URL, {"near": gao.pk, "radius_km": 10}).content.decode()
    )


@pytest.mark.parametrize("near", ["999999", "99999999999999999999999"])
def test_near_an_unknown_place_is_an_error(client, gao_and_others, near):
    response = client.get(LIST_URL, {"near": near, "radius_km": 10})
    assert response.context["filter"].form.errors["near"] == [
        f"No published place has the id {near}."
    ]
    api = client.get(reverse("incidents_api:incident_list"), {"near": near, "radius_km": 10})
    assert api.status_code == 400


def test_near_a_place_of_drafts_only_is_an_error(client, db):
    hidden = IncidentFactory(status=Status.DRAFT).location
    response = client.get(LIST_URL, {"near": hidden.pk, "radius_km": 10})
    assert "near" in response.context["filter"].form.errors


def test_list_near_a_point_shows_each_incidents_distance(client, gao_and_others):
    gao, ansongo = gao_and_others["Gao"], gao_and_others["Ansongo"]
    html = client.get(LIST_URL, {"near": gao.pk, "radius_km": 100}).content.decode()
    assert "Distance (km)" in html
    expected = distance_km(gao.latitude, gao.longitude, ansongo.latitude, ansongo.longitude)
    assert f'<td data-label="Distance (km)" class="number">{expected:.1f}</td>' in html
    assert '<td data-label="Distance (km)" class="number">0.0</td>' in html
    # The map is told the circle to draw.
    assert 'data-near="16.27,-0.04" data-radius-km="100.0"' in html


def test_list_without_near_has_no_distance_column(client, gao_and_others):
    html = client.get(LIST_URL).content.decode()
    assert "Distance (km)" not in html and "data-near" not in html


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((16.27, -0.04), (16.27, -0.04), 0),
        ((0, 0), (0, 1), 111.2),  # a degree of longitude at the equator
        ((16.27, -0.04), (14.10, -1.63), 295.5),  # Gao to Djibo
    ],
)
def test_distance_is_the_great_circle_distance(a, b, km):
    assert distance_km(*a, *b) == pytest.approx(km, abs=0.1)


@pytest.mark.parametrize("near", ["²", "١٢"])
def test_near_with_digits_that_are_not_ascii_is_a_plain_error(client, gao_and_others, near):
    response = client.get(LIST_URL, {"near": near, "radius_km": 10})
    assert response.status_code == 200
    assert "near" in response.context["filter"].form.errors


def test_a_searched_page_reads_its_rows_by_id_without_searching_again(client, gao_and_others):
    # The page's ids are found under the search; its rows are then read by those ids alone.
    # At a million incidents, searching a second time in the rows' query built the set of
    # incidents with the word again (3 of the 3.2 s of /incidents/?q=JNIM).
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, {"q": "Bangao", "sort": "-start_date"})
    assert response.status_code == 200
    rows_query = [q["sql"] for q in queries.captured_queries if '"title" AS "title"' in q["sql"]]
    assert len(rows_query) == 1
    # The search's SQL appears in the rows' query as often as in the query that counts the
    # searched incidents, which applies it once.
    count_query = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert rows_query[0].lower().count("bangao") == count_query[0].lower().count("bangao")
    assert row_titles(response) == ["at Bangao"]
