"""The trends pages as a reader uses them: each control shows the value the page computed
with, the incident list's filter panel and chips, short addresses to share, and defaults that
answer each page's headline question."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from incidents.charts import CHAR_WIDTH, X_LABEL_GAP, Chart, Line
from tests.factories import (
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
)

SERIES = reverse("analysis:series")
COMPARE = reverse("analysis:compare")
PLACES = reverse("analysis:places")


def day(text):
    return datetime.date.fromisoformat(text)


@pytest.fixture
def mopti_and_gao(db):
    """Mopti: two incidents in July 2023 and one in September 2023; Gao: one in August 2022."""
    mopti = AdminAreaFactory(name="Mopti")
    gao = AdminAreaFactory(name="Gao", iso_code="ML-7")
    for date in ("2023-07-03", "2023-07-20", "2023-09-02"):
        IncidentFactory(start_date=day(date), location=LocationFactory(admin1=mopti))
    IncidentFactory(start_date=day("2022-08-10"), location=LocationFactory(admin1=gao))
    return {"mopti": mopti, "gao": gao}


@pytest.fixture
def two_savanes(db):
    """A region called Savanes in Togo and another in Côte d'Ivoire, an incident in each."""
    areas = {}
    for iso3, name, killed in (("TGO", "Togo", 3), ("CIV", "Côte d'Ivoire", 5)):
        country = CountryFactory(iso3=iso3, iso2=iso3[:2], name=name)
        area = AdminAreaFactory(name="Savanes", country=country, iso_code="")
        district = AdminAreaFactory(
            name=f"Tône {iso3}", country=country, level=2, parent=area, iso_code=""
        )
        place = LocationFactory(admin1=area, admin2=district, country=country)
        CasualtyFactory(
            incident=IncidentFactory(start_date=day("2023-08-01"), location=place), best=killed
        )
        areas[iso3] = area
    return areas


def selected_option(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


# --- controls --------------------------------------------------------------------------------


def test_each_control_shows_the_value_the_page_computed_with(client, mopti_and_gao):
    response = client.get(SERIES, {"split": "admin1"})
    html = response.content.decode()
    assert response.context["series"].interval == "month"
    # The interval box says Month (not its first choice, Week), so that pressing the button
    # again keeps the chart monthly; Top and Top by show their defaults too.
    assert selected_option(html, "interval") == ["month"]
    assert selected_option(html, "split") == ["admin1"]
    assert selected_option(html, "measure") == ["incidents"]
    assert re.search(r'<input type="number" name="top" value="5"', html)


def test_a_form_sent_with_empty_fields_is_sent_to_its_short_address(client, mopti_and_gao):
    # A browser without JavaScript sends every field of the form, empty ones included.
    query = "interval=&split=admin1&top=&measure=&rolling=&q=&country=MLI&date_from="
    response = client.get(f"{SERIES}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{SERIES}?split=admin1&country=MLI"
    pickers = f"place={mopti_and_gao['mopti'].pk}&place=&place=&place=&interval=year"
    response = client.get(f"{PLACES}?{pickers}")
    assert response["Location"] == f"{PLACES}?place={mopti_and_gao['mopti'].pk}&interval=year"
    # A short address is answered at once.
    assert client.get(f"{SERIES}?split=admin1&country=MLI").status_code == 200


@pytest.mark.parametrize("url", [SERIES, COMPARE, PLACES])
def test_every_analysis_page_has_the_lists_filter_panel_with_chips(client, mopti_and_gao, url):
    mopti = mopti_and_gao["mopti"]
    response = client.get(url, {"country": "MLI", "admin1": mopti.pk, "interval": "year"})
    html = response.content.decode()
    # The list's panel: one form holding the page's own options and the filters, whose region
    # list is narrowed by the country (data-country) and whose lists say how to choose several.
    assert '<form method="get" action="' + url + '" class="filter-form" id="filter-form"' in html
    assert f'<option value="{mopti.pk}" data-country="MLI" selected>Mopti</option>' in html
    assert 'id="id_admin1_hint"' in html
    assert "incident-filters.js" in html
    # Each filter is a chip that removes it and keeps the page's own options.
    chips = re.findall(r'<a class="chip" href="([^"]+)">.*?</span>(.*?)<span', html)
    labels = {label: link.replace("&amp;", "&") for link, label in chips}
    assert "Region: Mopti (Mali)" in labels
    assert "admin1" not in labels["Region: Mopti (Mali)"]
    assert "country=MLI" in labels["Region: Mopti (Mali)"]
    if url != COMPARE:
        assert "interval=year" in labels["Region: Mopti (Mali)"]
    clear_all = re.search(r'<a class="clear-all" href="([^"]+)"', html).group(1)
    assert "country" not in clear_all and "admin1" not in clear_all


def test_the_panel_keeps_empty_fields_out_of_the_url_with_a_static_script(client, db):
    html = client.get(SERIES).content.decode()
    # No inline script (the Content-Security-Policy forbids it): the panel's own file.
    assert "<script>" not in html
    assert re.search(r'<script src="/static/js/incident-filters\.js" defer></script>', html)


# --- defaults that answer the headline questions --------------------------------------------


def test_places_page_answers_gao_against_mopti_monthly_without_a_choice(client, mopti_and_gao):
    response = client.get(PLACES)
    series = response.context["series"]
    assert [group.label for group in series.groups] == ["Gao (Mali)", "Mopti (Mali)"]
    assert series.interval == "month"
    assert series.grand_total.incidents == 4
    html = response.content.decode()
    assert selected_option(html, "interval") == ["month"]


def test_compare_page_without_periods_compares_the_latest_quarter_with_a_year_before(
    client, mopti_and_gao
):
    response = client.get(COMPARE)
    comparison = response.context["comparison"]
    # The latest incident is of 2 September 2023: Q3 2023 against Q3 2022.
    assert (comparison.a_from, comparison.a_to) == (day("2022-07-01"), day("2022-09-30"))
    assert (comparison.b_from, comparison.b_to) == (day("2023-07-01"), day("2023-09-30"))
    html = response.content.decode()
    for name, value in (("a_from", "2022-07-01"), ("b_to", "2023-09-30")):
        assert re.search(rf'<input type="date" name="{name}" value="{value}"', html)
    assert "B is the quarter of the latest incident of the filter" in html
    assert [(row.label, row.a.incidents, row.b.incidents) for row in comparison.rows] == [
        ("Mopti", 0, 3),
        ("Gao", 1, 0),
    ]


def test_compare_page_without_any_incident_asks_for_the_periods(client, db):
    html = client.get(COMPARE).content.decode()
    assert "Give the first and last day of period A" in html


# --- names with their country ----------------------------------------------------------------


def test_regions_of_the_same_name_are_told_apart_by_their_country(client, two_savanes):
    series = client.get(SERIES, {"split": "admin1"}).context["series"]
    assert sorted(group.label for group in series.groups) == [
        "Savanes (Côte d'Ivoire)",
        "Savanes (Togo)",
    ]
    comparison_html = client.get(
        COMPARE,
        {
            "a_from": "2022-08-01",
            "a_to": "2022-08-31",
            "b_from": "2023-08-01",
            "b_to": "2023-08-31",
        },
    ).content.decode()
    table = re.search(r'<table class="analysis-table".*?</table>', comparison_html, re.S).group(0)
    assert "Savanes (Togo)" in table and "Savanes (Côte d&#x27;Ivoire)" in table
    # The places pickers name each area's country: a closed picker shows its option alone.
    places_html = client.get(PLACES, {"place": two_savanes["TGO"].pk}).content.decode()
    assert (
        f'<option value="{two_savanes["TGO"].pk}" selected>Savanes (Togo)</option>' in places_html
    )
    assert ">Tône TGO (Savanes, Togo)</option>" in places_html


@pytest.mark.parametrize(
    ("view", "params", "rows"),
    [
        (
            "series",
            {"split": "admin1", "interval": "year"},
            {("Savanes (Togo)", "Togo"), ("Savanes (Côte d'Ivoire)", "Côte d'Ivoire")},
        ),
        (
            "compare",
            {"a_from": "2022-01-01", "a_to": "2022-12-31"}
            | {"b_from": "2023-01-01", "b_to": "2023-12-31"},
            {("Savanes (Togo)", "Togo"), ("Savanes (Côte d'Ivoire)", "Côte d'Ivoire")},
        ),
        (
            "compare",
            {"a_from": "2022-01-01", "a_to": "2022-12-31"}
            | {"b_from": "2023-01-01", "b_to": "2023-12-31", "by": "event_type"},
            {("Battles", "")},
        ),
    ],
)
def test_every_analysis_csv_has_a_country_column(client, two_savanes, view, params, rows):
    response = client.get(reverse("analysis:download", args=[view, "csv"]), params)
    assert response.status_code == 200
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert "country" in lines[0]
    label = "group" if view == "series" else "label"
    named = {(line[label], line["country"]) for line in lines}
    assert rows <= named


def test_the_list_names_regions_with_their_country_in_facets_groups_and_chips(client, two_savanes):
    togo = two_savanes["TGO"]
    html = client.get(reverse("incidents:incident_list")).content.decode()
    # Facets: one line per Savanes, each with its country.
    facet = re.search(r"<h2>Region</h2>.*?</ul>", html, re.S).group(0)
    assert "Savanes (Togo)" in facet and "Savanes (Côte d&#x27;Ivoire)" in facet
    # Districts are grouped by region and country: two groups, not one "Savanes".
    assert '<optgroup label="Savanes (Togo)">' in html
    assert '<optgroup label="Savanes (Côte d&#x27;Ivoire)">' in html
    chip_html = client.get(reverse("incidents:incident_list"), {"admin1": togo.pk}).content
    assert "Region: Savanes (Togo)" in chip_html.decode()


# --- readable axes ---------------------------------------------------------------------------


@pytest.mark.parametrize("months", [12, 30, 13])
def test_x_axis_labels_never_run_into_each_other(months):
    starts = [
        day("2022-01-01").replace(year=2022 + m // 12, month=m % 12 + 1) for m in range(months)
    ]
    labels = [f"{start:%b %Y}" for start in starts]
    svg = Chart(
        title="Incidents",
        y_label="Incidents",
        x_label="Month",
        starts=starts,
        labels=labels,
        lines=[Line("Incidents", list(range(months)), "#0072B2")],
    ).render()
    ticks = re.findall(r'<text x="([0-9.]+)" y="[0-9.]+" text-anchor="middle">([^<]+)</text>', svg)
    assert len(ticks) >= 2
    # Centred labels: two neighbours are apart by half of each one's width and a gap, at
    # least (twelve "Sep 2023" side by side touched: a character is wider than CHAR_WIDTH).
    for (x1, text1), (x2, text2) in zip(ticks, ticks[1:], strict=False):
        half_widths = (len(text1) + len(text2)) * CHAR_WIDTH / 2
        assert float(x2) - float(x1) >= half_widths + X_LABEL_GAP, (text1, text2)
