"""What a researcher sees at /analysis/, /analysis/compare/ and /analysis/places/, what the
downloads and /api/analysis/ answer, and that bad input gets messages, never a 500."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse

from incidents.choices import ActorRole, DatePrecision, Status
from incidents.models import AdminArea, IncidentActor
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    save_incidents_in_bulk,
    save_places_in_bulk,
)

SERIES = reverse("analysis:series")
COMPARE = reverse("analysis:compare")
PLACES = reverse("analysis:places")
API_SERIES = reverse("analysis_api:series")
API_COMPARE = reverse("analysis_api:compare")
Q3 = "a_from=2022-07-01&a_to=2022-09-30&b_from=2023-07-01&b_to=2023-09-30"


def day(text):
    return datetime.date.fromisoformat(text)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def mopti_and_gao(db):
    """Mopti: two incidents in July 2023 (15 and 3 killed) and one in September; Gao: one in
    August 2022 and one in July 2023 with an unknown toll."""
    mopti = LocationFactory(name="Boni", admin1=AdminAreaFactory(name="Mopti"))
    gao = LocationFactory(name="Ansongo", admin1=AdminAreaFactory(name="Gao", iso_code="ML-7"))
    ambush = IncidentFactory(title="Ambush near Boni", start_date=day("2023-07-03"), location=mopti)
    CasualtyFactory(incident=ambush, low=12, best=15, high=20)
    CasualtyFactory(incident=IncidentFactory(start_date=day("2023-07-20"), location=mopti), best=3)
    IncidentFactory(start_date=day("2023-09-02"), location=mopti)
    CasualtyFactory(incident=IncidentFactory(start_date=day("2022-08-10"), location=gao), best=4)
    IncidentFactory(start_date=day("2023-07-09"), location=gao)
    return {"mopti": mopti.admin1, "gao": gao.admin1}


# --- the series page -----------------------------------------------------------------------


def test_series_draws_charts_with_a_table_of_the_same_numbers(client, mopti_and_gao):
    response = client.get(SERIES, {"interval": "month", "date_from": "2023-07-01"})
    assert response.status_code == 200
    html = response.content.decode()
    # Groups, not images: each period of a chart is a link a screen reader can reach.
    assert html.count('class="chart" id="incidents-chart" role="group"') == 1
    assert html.count('class="chart" id="killed-chart" role="group"') == 1
    assert "Incidents per month, Jul 2023 – Sep 2023" in html
    assert "People killed per month" in html
    for label in ("Incidents (count)", "People killed (best; band: low–high)", "Month (UTC)"):
        assert label in html
    table = text_of(re.search(r'<table class="analysis-table".*?</table>', html, re.S).group(0))
    # Jul 2023: 3 incidents, 18 killed (15–23 as low–high), 1 toll unknown; Aug: none.
    assert "Jul 2023 3 18 15–23 1" in table
    assert "Aug 2023 0 0 0–0 0" in table
    assert "Sep 2023 1 0 0–0 1" in table
    assert "Total 4 18 15–23 2" in table


def test_series_page_states_how_the_numbers_are_counted(client, mopti_and_gao):
    html = client.get(SERIES).content.decode()
    for rule in (
        "calendar periods in UTC",
        "ISO weeks",
        "in the period of its start date",
        "never count",
        "toll is unknown",
    ):
        assert rule in html


def test_each_period_links_to_the_incident_list_of_that_period_and_filter(client, mopti_and_gao):
    mopti = mopti_and_gao["mopti"]
    html = client.get(SERIES, {"admin1": mopti.pk, "interval": "month"}).content.decode()
    link = f"/incidents/?admin1={mopti.pk}&amp;date_from=2023-07-01&amp;date_to=2023-07-31"
    assert f'<a href="{link}"><rect class="period-link"' in html
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.context["table"].paginator.count == 2


def test_split_lists_each_region_in_the_legend_and_the_table(client, mopti_and_gao):
    html = client.get(SERIES, {"split": "admin1"}).content.decode()
    legend = re.findall(r'<text class="legend-label"[^>]*>([^<]+)</text>', html)
    assert legend[:2] == ["Mopti", "Gao"]
    gao = mopti_and_gao["gao"]
    # A region's cell links to the list of that region and month.
    assert f"/incidents/?admin1={gao.pk}&amp;date_from=2023-07-01&amp;date_to=2023-07-31" in html


def test_a_weekly_series_says_how_many_incidents_it_could_not_place(client, db):
    IncidentFactory(start_date=day("2023-07-01"), date_precision=DatePrecision.MONTH)
    IncidentFactory(start_date=day("2023-07-12"))
    html = text_of(client.get(SERIES, {"interval": "week"}).content.decode())
    assert "1 more incident is known only to the month or year" in html
    assert "Not placed: date known only to the month or year 1" in html


def test_rolling_average_adds_a_dashed_line_and_columns(client, mopti_and_gao):
    html = client.get(SERIES, {"rolling": "3", "date_from": "2023-01-01"}).content.decode()
    assert "3-month rolling average" in html
    assert 'stroke-dasharray="6 4"' in html
    assert "Incidents, 3-month avg." in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"interval": "fortnight"}, "interval", "Select a valid choice"),
        ({"top": "99"}, "top", "less than or equal to 7"),
        ({"rolling": "1"}, "rolling", "greater than or equal to 2"),
        ({"date_from": "yesterday"}, "date_from", "Enter the date as YYYY-MM-DD"),
        ({"admin1": "999999"}, "admin1", "Select a valid choice"),
        (
            {"interval": "week", "date_from": "1900-01-01", "date_to": "2024-01-01"},
            "interval",
            "at most 2,500",
        ),
    ],
)
def test_bad_values_come_back_beside_their_field(client, mopti_and_gao, params, field, message):
    response = client.get(SERIES, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="chart"' not in html
    field_html = re.search(
        rf'<div class="field has-error">\s*<label for="id_{field}".*?</div>', html, re.S
    ).group(0)
    assert message in field_html


# --- the comparison page ----------------------------------------------------------------------


def test_comparison_shows_each_region_with_change_and_a_totals_row(client, mopti_and_gao):
    response = client.get(f"{COMPARE}?{Q3}&by=admin1")
    html = text_of(response.content.decode())
    # Mopti: none in Q3 2022, three in Q3 2023 (18 killed): new. Gao: one each. A killed
    # figure has its low–high range beneath it.
    assert "Mopti 0 3 +3 new 0 18 15–23 +18 new" in html
    assert "Gao 1 1 0 0 % 4 — −4 −100.0 %" in html
    assert "All incidents 1 4 +3 +300.0 % 4 18 15–23 +14 +350.0 %" in html


def test_comparison_without_periods_asks_for_them(client, db):
    html = client.get(COMPARE).content.decode()
    assert "Give the first and last day of period A" in html
    assert "has-error" not in html


def test_comparison_with_a_reversed_period_says_so(client, db):
    html = client.get(COMPARE, {"a_from": "2023-09-30", "a_to": "2023-07-01"}).content.decode()
    assert "The end of the period is before its start." in html
    assert "This field is required." in html  # b_from, b_to


# --- the places page ---------------------------------------------------------------------------


def test_places_side_by_side(client, mopti_and_gao):
    mopti, gao = mopti_and_gao["mopti"], mopti_and_gao["gao"]
    response = client.get(PLACES, {"place": [mopti.pk, gao.pk, "MLI"], "interval": "year"})
    html = response.content.decode()
    legend = re.findall(r'<text class="legend-label"[^>]*>([^<]+)</text>', html)
    assert legend[:3] == ["Mopti (Mali)", "Gao (Mali)", "Mali"]
    table = text_of(
        re.search(
            r'<table class="analysis-table" id="incidents-table".*?</table>', html, re.S
        ).group(0)
    )
    assert "2022 0 1 1 1" in table
    assert "2023 3 1 4 4" in table  # Mali holds both regions; All counts each incident once


@pytest.mark.parametrize(
    ("places", "message"),
    [
        (["nowhere"], "is not a place id"),
        (["999999"], "There is no place with the id"),
        (["XXX"], "There is no place with the id"),
        (["1", "2", "3", "4", "5"], "Compare at most 4 places"),
    ],
)
def test_a_bad_place_is_named_beside_the_pickers(client, mopti_and_gao, places, message):
    response = client.get(PLACES, {"place": places})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_commune_cannot_be_compared(client, db):
    mopti = AdminAreaFactory()
    djenne = AdminAreaFactory(
        name="Djenné", level=AdminArea.Level.ADMIN2, parent=mopti, iso_code=""
    )
    commune = AdminAreaFactory(
        name="Kouakourou", level=AdminArea.Level.ADMIN3, parent=djenne, iso_code=""
    )
    place = LocationFactory(name="Kouakourou", admin3=commune)
    IncidentFactory(location=place, status=Status.PUBLISHED)
    html = client.get(PLACES, {"place": commune.pk}).content.decode()
    assert "is a commune (admin3)" in html


def test_places_page_without_a_place_answers_its_headline_gao_against_mopti(client, mopti_and_gao):
    mopti, gao = mopti_and_gao["mopti"], mopti_and_gao["gao"]
    response = client.get(PLACES)
    html = response.content.decode()
    assert "has-error" not in html
    # The pickers show the places the chart compares, monthly.
    assert f'<option value="{gao.pk}" selected>Gao</option>' in html
    assert f'<option value="{mopti.pk}" selected>Mopti</option>' in html
    assert '<option value="month" selected>Month</option>' in html
    assert [group.label for group in response.context["series"].groups] == [
        "Gao (Mali)",
        "Mopti (Mali)",
    ]
    assert response.context["series"].grand_total.incidents == 5


def test_places_page_without_gao_or_mopti_offers_the_choice(client, db):
    IncidentFactory(location=LocationFactory(admin1=AdminAreaFactory(name="Kidal")))
    html = client.get(PLACES).content.decode()
    assert "Choose up to four places" in html
    assert "has-error" not in html
    assert html.count('<select name="place"') == 4
    assert '<option value="MLI">Mali</option>' in html


def test_a_single_place_is_kept_in_the_pickers(client, mopti_and_gao):
    boni = mopti_and_gao["mopti"]
    location = LocationFactory(name="Boulkessi", admin1=boni)
    IncidentFactory(start_date=day("2023-07-01"), location=location)
    html = client.get(PLACES, {"place": f"location:{location.pk}"}).content.decode()
    assert f'<option value="location:{location.pk}" selected>Boulkessi (Mopti)</option>' in html


# --- downloads and the API ----------------------------------------------------------------------


def test_series_csv_has_a_row_per_period_and_group(client, mopti_and_gao):
    response = client.get(reverse("analysis:download", args=["series", "csv"]), {"split": "admin1"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    july = {row["group"]: row for row in rows if row["period"] == "2023-07"}
    assert july["All incidents"]["incidents"] == "3"
    assert (
        july["Mopti"]["killed_low"],
        july["Mopti"]["killed_best"],
        july["Mopti"]["killed_high"],
    ) == ("15", "18", "23")
    assert july["Gao"]["incidents_toll_unknown"] == "1"


def test_series_api_answers_the_documented_shape(client, mopti_and_gao):
    data = client.get(
        API_SERIES, {"interval": "month", "date_from": "2023-07-01", "date_to": "2023-08-31"}
    ).json()
    assert data["interval"] == "month"
    assert data["periods"][0] == {
        "start": "2023-07-01",
        "end": "2023-07-31",
        "label": "2023-07",
        "partial": False,
        "incidents": 3,
        "killed": {"low": 15, "best": 18, "high": 23},
        "unknown_toll": 1,
    }
    assert data["periods"][1]["incidents"] == 0
    assert "groups" not in data
    assert any("start date" in rule for rule in data["rules"])


def test_series_api_with_split_has_groups(client, mopti_and_gao):
    data = client.get(API_SERIES, {"split": "admin1", "interval": "year"}).json()
    groups = {group["label"]: group for group in data["groups"]}
    assert groups["Mopti"]["key"] == mopti_and_gao["mopti"].pk
    assert [p["incidents"] for p in groups["Gao"]["periods"]] == [1, 1]


def test_compare_api_answers_rows_with_change_and_totals(client, mopti_and_gao):
    data = client.get(f"{API_COMPARE}?{Q3}").json()
    mopti = next(row for row in data["rows"] if row["label"] == "Mopti")
    assert mopti["a"]["incidents"] == 0
    assert mopti["b"]["killed"] == {"low": 15, "best": 18, "high": 23}
    assert mopti["change"] == {"incidents": 3, "killed_best": 18}
    assert mopti["pct_change"] == {"incidents": "new", "killed_best": "new"}
    assert data["totals"]["pct_change"]["incidents"] == 300.0


def test_compare_json_download_is_the_api_answer_as_a_file(client, mopti_and_gao):
    response = client.get(f"{reverse('analysis:download', args=['compare', 'json'])}?{Q3}")
    assert "attachment;" in response["Content-Disposition"]
    assert json.loads(response.content)["rows"] == client.get(f"{API_COMPARE}?{Q3}").json()["rows"]


@pytest.mark.parametrize(
    ("url", "params", "errors"),
    [
        (
            API_SERIES,
            {"interval": "day"},
            {"interval": ["Select a valid choice. day is not one of the available choices."]},
        ),
        (API_SERIES, {"top": "0", "killed_min": "x"}, None),
        (API_COMPARE, {"a_from": "2023-01-01"}, None),
        (reverse("analysis_api:places"), {}, {"place": ["Choose at least one place."]}),
        (reverse("analysis:download", args=["series", "csv"]), {"rolling": "99"}, None),
    ],
)
def test_bad_parameters_are_answered_400_with_the_errors(client, db, url, params, errors):
    response = client.get(url, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errors"}
    if errors is not None:
        assert body["errors"] == errors
    else:
        assert body["errors"] and all(
            isinstance(messages, list) for messages in body["errors"].values()
        )


def test_the_api_is_described_in_the_openapi_schema(client, db):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    for path in ("/api/analysis/series/", "/api/analysis/compare/", "/api/analysis/places/"):
        parameters = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"date_from", "admin1", "actor", "q"} <= parameters
    assert {"interval", "split", "top", "rolling"} <= {
        p["name"] for p in schema["paths"]["/api/analysis/series/"]["get"]["parameters"]
    }


# --- the public never sees unpublished incidents ---------------------------------------------


@pytest.fixture
def hidden_incidents(db):
    """A draft, one in review and a retracted one, each with 777 killed, in Mopti, Q3 2023."""
    actor = ActorFactory(name="Hidden actor")
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED):
        incident = IncidentFactory(start_date=day("2023-07-05"), status=status)
        CasualtyFactory(incident=incident, best=777)
        IncidentActorFactory(incident=incident, actor=actor)
    return actor


@pytest.mark.parametrize(
    "url",
    [
        f"{SERIES}?split=actor",
        f"{SERIES}?interval=week&split=admin1",
        f"{COMPARE}?{Q3}&by=actor",
        f"{PLACES}?place=MLI",
        f"{API_SERIES}?split=actor",
        f"{API_COMPARE}?{Q3}&by=actor",
        f"{reverse('analysis:download', args=['series', 'csv'])}?split=actor",
        f"{reverse('analysis:download', args=['compare', 'csv'])}?{Q3}&by=actor",
    ],
)
def test_unpublished_incidents_never_count_anywhere(client, hidden_incidents, url):
    IncidentFactory(start_date=day("2023-07-06"))  # one published incident, toll unknown
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "777" not in body
    assert "Hidden actor" not in body


# --- state in the URL, navigation ---------------------------------------------------------------


def test_every_view_keeps_the_filter_in_its_links(client, mopti_and_gao):
    mopti = mopti_and_gao["mopti"]
    html = client.get(SERIES, {"admin1": mopti.pk, "split": "event_type"}).content.decode()
    assert f'href="{COMPARE}?admin1={mopti.pk}"' in html
    assert f'href="{PLACES}?admin1={mopti.pk}"' in html
    assert f'href="/incidents/?admin1={mopti.pk}"' in html
    assert f"/analysis/series.csv?admin1={mopti.pk}&amp;split=event_type" in html


def test_site_navigation_links_to_the_analysis(client, db):
    assert f'href="{SERIES}"' in client.get("/").content.decode()


# --- query budgets --------------------------------------------------------------------------------


@pytest.fixture
def many_incidents(db):
    def make(count):
        regions = [AdminAreaFactory(name=f"Region {n}", iso_code=f"ML-{n}") for n in range(3)]
        actors = [ActorFactory() for _ in range(3)]
        CountryFactory()
        places = save_places_in_bulk(
            [LocationFactory.build(admin1=regions[number % 3]) for number in range(count)]
        )
        incidents = save_incidents_in_bulk(
            [
                IncidentFactory.build(
                    start_date=day("2022-01-01") + datetime.timedelta(days=number * 11),
                    location=place,
                )
                for number, place in enumerate(places)
            ],
            killed=lambda number: number,
        )
        IncidentActor.objects.bulk_create(
            IncidentActor(incident=incident, actor=actors[number % 3], role=ActorRole.PERPETRATOR)
            for number, incident in enumerate(incidents)
        )
        return regions

    return make


BUDGETS = [
    (f"{SERIES}?interval=month", 10),
    (f"{SERIES}?interval=week&split=admin1&rolling=4", 11),
    (f"{SERIES}?split=actor", 13),
    (f"{COMPARE}?{Q3}&by=admin1", 11),
    (f"{COMPARE}?{Q3}&by=actor&top=2", 13),
    # A search split or compared by actor: its matches' rows, read once (PostgreSQL: the
    # searched actor's from the actor counts, the others from the search entries).
    (f"{SERIES}?split=actor&q=Region", 13),
    (f"{COMPARE}?{Q3}&by=actor&top=2&q=Region", 13),
    (f"{PLACES}?place=MLI&interval=quarter", 13),
    # The API and the downloads also credit the datasets of the published incidents: the
    # public data version (when nothing else read it) and, once per version, the datasets.
    (f"{API_SERIES}?split=admin1", 4),
    (f"{API_SERIES}?split=actor", 6),
    (f"{API_COMPARE}?{Q3}&by=event_type", 4),
    (f"{reverse('analysis:download', args=['series', 'csv'])}?split=country", 4),
]


@pytest.mark.parametrize(("url", "budget"), BUDGETS)
@pytest.mark.parametrize("count", [6, 60])
def test_query_count_does_not_grow_with_incidents(
    client, many_incidents, django_assert_max_num_queries, url, budget, count
):
    many_incidents(count)
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_a_region_added_a_moment_ago_is_accepted_though_the_lists_are_cached(client, mopti_and_gao):
    client.get(SERIES)  # the filter's option lists are now cached
    kidal = AdminAreaFactory(name="Kidal", iso_code="ML-8")
    IncidentFactory(start_date=day("2023-07-04"), location=LocationFactory(admin1=kidal))
    response = client.get(SERIES, {"admin1": kidal.pk})
    assert "has-error" not in response.content.decode()
    assert response.context["series"].grand_total.incidents == 1


def test_an_empty_selection_says_so(client, db):
    html = client.get(SERIES, {"event_type": "riots"}).content.decode()
    assert "No published incident matches these filters." in html
    assert 'class="chart"' not in html


def test_names_are_escaped_in_charts_and_tables(client, db):
    odd = AdminAreaFactory(name='<b>Ségou & "Mopti"</b>', iso_code="ML-4")
    IncidentFactory(start_date=day("2023-07-04"), location=LocationFactory(admin1=odd))
    html = client.get(SERIES, {"split": "admin1"}).content.decode()
    assert "<b>Ségou" not in html
    assert "&lt;b&gt;Ségou &amp; &quot;Mopti&quot;&lt;/b&gt;" in html


def test_comparison_chart_escapes_names_and_cuts_long_ones_short(client, db):
    odd = AdminAreaFactory(name='<b>Ségou & "Mopti"</b> and its long tail', iso_code="ML-4")
    IncidentFactory(start_date=day("2023-07-04"), location=LocationFactory(admin1=odd))
    html = client.get(f"{COMPARE}?{Q3}&by=admin1").content.decode()
    chart = html[html.index('id="comparison-incidents-chart"') : html.index("</svg>")]
    assert "<b>Ségou" not in html
    whole = "&lt;b&gt;Ségou &amp; &quot;Mopti&quot;&lt;/b&gt; and its long tail"
    # Cut short on the chart, whole on hover and in the table.
    assert (
        f"<title>{whole}</title>&lt;b&gt;Ségou &amp; &quot;Mopti&quot;&lt;/b&gt; and…</text>"
        in chart
    )
    assert f'<th scope="row">{whole}</th>' in html
