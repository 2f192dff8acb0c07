"""The analysis pages in French at /fr/analysis/…: controls, headings, periods (T3 2023,
juillet 2023, S27 2023), dates and numbers (1 234) the French way, form errors in French; the
English pages unchanged; the downloads' columns and machine values the same in both."""

import csv
import io
import re

import pytest
from django.utils import translation

from analysis.periods import period_key, period_label
from tests.factories import AdminAreaFactory, CasualtyFactory, IncidentFactory, LocationFactory

from .test_pages import day

NBSP = "\u00a0"
Q3 = "a_from=2022-07-01&a_to=2022-09-30&b_from=2023-07-01&b_to=2023-09-30"


@pytest.fixture
def mopti_and_gao(db):
    """Mopti: an ambush in July 2023 that killed 1,234 (1,200–1,300) and one more incident in
    September; Gao: one incident in August 2022 (4 killed) and one in July 2023."""
    mopti = AdminAreaFactory(name="Mopti")
    gao = AdminAreaFactory(name="Gao", iso_code="ML-7")
    boni = LocationFactory(name="Boni", admin1=mopti)
    ansongo = LocationFactory(name="Ansongo", admin1=gao)
    ambush = IncidentFactory(start_date=day("2023-07-03"), location=boni)
    CasualtyFactory(incident=ambush, low=1200, best=1234, high=1300)
    IncidentFactory(start_date=day("2023-09-02"), location=boni)
    CasualtyFactory(
        incident=IncidentFactory(start_date=day("2022-08-10"), location=ansongo), best=4
    )
    IncidentFactory(start_date=day("2023-07-09"), location=ansongo)
    return {"mopti": mopti, "gao": gao}


def text_of(html):
    """The page's text, its spaces and line breaks collapsed (its no-break spaces kept)."""
    text = re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))
    return text.replace("&#x27;", "'")


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def table_text(html, table_id):
    return text_of(re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0))


def x_axis_labels(html):
    return re.findall(r'<text x="[0-9.]+" y="[0-9.]+" text-anchor="middle">([^<]+)</text>', html)


@pytest.mark.parametrize(
    ("interval", "start", "french", "key"),
    [
        ("week", "2020-12-28", "S53 2020", "2020-W53"),
        ("week", "2021-01-04", "S01 2021", "2021-W01"),
        ("month", "2024-02-01", "février 2024", "2024-02"),
        ("month", "2023-08-01", "août 2023", "2023-08"),
        ("quarter", "2023-07-01", "T3 2023", "2023-Q3"),
        ("year", "2023-01-01", "2023", "2023"),
    ],
)
def test_a_period_reads_the_french_way_and_keeps_its_machine_name(interval, start, french, key):
    with translation.override("fr"):
        assert period_label(day(start), interval) == french
        assert period_key(day(start), interval) == key


# --- the series page -------------------------------------------------------------------------


def test_the_french_series_page_has_french_controls_and_headings(client, mopti_and_gao):
    html = page(client, "/fr/analysis/?interval=quarter&date_from=2022-07-01")
    text = text_of(html)
    assert '<html lang="fr"' in html
    for french in (
        "Évolution des incidents",
        "Intervalle",
        "Ventiler par",
        "Moyenne mobile sur",
        "Comment les chiffres sont comptés",
        "Télécharger ces chiffres" + NBSP + ":",
    ):
        assert french in text, french
    assert '<option value="quarter" selected>Trimestre</option>' in html
    for english in ("Incidents over time", "Split by", "How the numbers are counted", "Top by"):
        assert english not in text, english


def test_the_french_series_names_quarters_t3_2023_with_french_numbers(client, mopti_and_gao):
    html = page(client, "/fr/analysis/?interval=quarter&date_from=2022-07-01")
    table = table_text(html, "series-table")
    # Q3 2023: three incidents, 1,234 killed (1,200–1,300), two tolls unknown.
    assert f"T3 2023 3 1{NBSP}234 1{NBSP}200–1{NBSP}300 2" in table
    assert "T3 2022 1 4 4–4 0" in table
    assert "Incidents par trimestre, T3 2022 – T3 2023" in html
    assert "Trimestre (UTC)" in html
    assert "T3 2023" in x_axis_labels(html)
    # The hover text of a period says its name the French way, with a no-break space before
    # its colon; the count above the charts says the whole range.
    assert f"<title>T3 2023{NBSP}: " in html
    assert f"4 incidents (T3 2022 – T3 2023), tués{NBSP}: 1{NBSP}238" in text_of(html)


def test_the_english_series_page_is_unchanged(client, mopti_and_gao):
    html = page(client, "/analysis/?interval=quarter&date_from=2022-07-01")
    assert '<html lang="en"' in html
    assert "2023 Q3 3 1,234 1,200–1,300 2" in table_text(html, "series-table")
    assert "Incidents per quarter, 2022 Q3 – 2023 Q3" in html
    assert "Split by" in html
    assert "T3 2023" not in html


@pytest.mark.parametrize(
    ("interval", "french", "english"),
    [
        ("month", "juillet 2023", "Jul 2023"),
        ("week", "S27 2023", "2023-W27"),
        ("year", "2023", "2023"),
    ],
)
def test_french_periods_read_the_french_way(client, mopti_and_gao, interval, french, english):
    query = f"?interval={interval}&date_from=2023-07-01&date_to=2023-09-30"
    assert french in table_text(page(client, f"/fr/analysis/{query}"), "series-table")
    assert english in table_text(page(client, f"/analysis/{query}"), "series-table")


def test_a_french_rolling_average_says_its_window_after_the_number(client, mopti_and_gao):
    html = page(client, "/fr/analysis/?interval=month&rolling=3&date_from=2023-01-01")
    assert "Moyenne mobile sur 3 mois" in html
    assert "Incidents, moy. sur 3 mois" in html
    assert "-month" not in html


def test_a_french_split_names_other_and_the_periods_table(client, mopti_and_gao):
    html = page(client, "/fr/analysis/?split=admin1&top=1&date_from=2023-07-01")
    text = text_of(html)
    assert "Incidents par mois" in text
    assert "Autres" in table_text(html, "incidents-table")
    assert "Tous" in table_text(html, "incidents-table")
    assert '<option value="admin1" selected>Région</option>' in html


# --- the compare and places pages ------------------------------------------------------------


def test_the_french_compare_page(client, mopti_and_gao):
    html = page(client, f"/fr/analysis/compare/?{Q3}")
    text = text_of(html)
    for french in ("Comparer deux périodes", "Début de A", "Fin de B", "Variation en %", "Par"):
        assert french in text, french
    # The periods as French dates, and the change of Mopti's killed: 0 → 1,234, "nouveau".
    assert "Période A (1 juillet 2022 – 30 septembre 2022) face à la période B" in text
    table = table_text(html, "comparison-table")
    assert f"Mopti 0 2 +2 nouveau 0 1{NBSP}234 1{NBSP}200–1{NBSP}300 +1{NBSP}234 nouveau" in table
    # Gao: one incident in each; 4 killed in A, none known in B.
    assert f"Gao 1 1 0 0{NBSP}% 4 — −4 −100,0{NBSP}%" in table
    assert f"Tous les incidents 1 3 +2 +200,0{NBSP}%" in table
    assert "Incidents par région, A face à B" in html
    assert "Period against period" not in text


def test_the_english_compare_page_is_unchanged(client, mopti_and_gao):
    html = page(client, f"/analysis/compare/?{Q3}")
    assert "Period A (1 Jul 2022 – 30 Sep 2022) against period B" in text_of(html)
    table = table_text(html, "comparison-table")
    assert "Mopti 0 2 +2 new 0 1,234 1,200–1,300 +1,234 new" in table
    assert f"All incidents 1 3 +2 +200.0{NBSP}%" in table


def test_the_french_places_page(client, mopti_and_gao):
    mopti, gao = mopti_and_gao["mopti"], mopti_and_gao["gao"]
    html = page(client, f"/fr/analysis/places/?place={mopti.pk}&place={gao.pk}&interval=quarter")
    text = text_of(html)
    for french in ("Lieux côte à côte", "Lieu 1", "Lieu 4", "Intervalle", "Pays"):
        assert french in text, french
    assert "T3 2023" in table_text(html, "incidents-table")
    assert f"1{NBSP}234 (1{NBSP}200–1{NBSP}300)" in table_text(html, "killed-table")
    assert "Places side by side" not in text


# --- errors and downloads --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    # Django's own messages (its French catalogue) and the analysis app's.
    [
        ("/fr/analysis/?interval=fortnight", "Sélectionnez un choix valide"),
        ("/fr/analysis/?top=99", "inférieure ou égale à 7"),
        (
            "/fr/analysis/compare/?a_from=2023-09-30&a_to=2023-07-01&b_from=2023-01-01"
            "&b_to=2023-02-01",
            "La fin de la période précède son début.",
        ),
        ("/fr/analysis/places/?place=nowhere!", "n'est pas un identifiant de lieu"),
        ("/fr/analysis/places/?place=999999", "Aucun lieu n'a l'identifiant"),
        (
            "/fr/analysis/?interval=week&date_from=1900-01-01&date_to=2023-01-01",
            f"plus qu'un graphique ne peut en montrer (2{NBSP}500 au plus)",
        ),
    ],
)
def test_french_form_errors(client, db, url, message):
    html = page(client, url)
    assert message in text_of(html)
    assert "Une valeur n'est pas comprise" in text_of(html)


def test_the_downloads_keep_their_columns_and_machine_values_in_french(client, mopti_and_gao):
    query = "?interval=quarter&date_from=2022-07-01"
    english = client.get(f"/analysis/series.csv{query}").content.decode()
    french = client.get(f"/fr/analysis/series.csv{query}").content.decode()
    english_rows, french_rows = (
        list(csv.reader(io.StringIO(english))),
        list(csv.reader(io.StringIO(french))),
    )
    assert french_rows[0] == english_rows[0]
    assert [row[:5] + row[7:] for row in french_rows] == [row[:5] + row[7:] for row in english_rows]
    assert "2023-Q3" in french
    data = client.get(f"/fr/analysis/series.json{query}").json()
    assert [period["label"] for period in data["periods"]][-1] == "2023-Q3"
    assert data["periods"][-1]["killed"]["best"] == 1234


def test_the_api_answers_in_french_only_when_asked(client, mopti_and_gao):
    url = "/api/analysis/series/?interval=quarter"
    english = client.get(url).json()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert english["rules"][0].startswith("Periods are calendar periods in UTC")
    assert french["rules"][0].startswith("Les périodes sont des périodes calendaires")
    assert [p["label"] for p in french["periods"]] == [p["label"] for p in english["periods"]]
    bad = client.get("/api/analysis/series/?interval=fortnight").json()
    assert "Select a valid choice" in bad["errors"]["interval"][0]
    bad = client.get("/api/analysis/series/?interval=fortnight", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Sélectionnez un choix valide" in bad.json()["errors"]["interval"][0]
    # The API has one address: the French page links to it, not to a /fr/ twin.
    assert "/fr/api/" not in page(client, "/fr/analysis/?interval=quarter")
    assert client.get("/fr/api/analysis/series/").status_code == 404


def test_a_french_split_by_event_type_names_the_types_in_french(client, mopti_and_gao):
    html = page(client, "/fr/analysis/?split=event_type&date_from=2023-07-01")
    legend = re.findall(r'<text class="legend-label"[^>]*>([^<]+)</text>', html)
    assert legend == ["Batailles", "Batailles"]  # the incidents chart's, the killed chart's
    assert "Batailles" in table_text(html, "incidents-table")
    assert "Battles" not in text_of(html).split("Résultats", 1)[1]
    english = page(client, "/analysis/?split=event_type&date_from=2023-07-01")
    assert re.findall(r'<text class="legend-label"[^>]*>([^<]+)</text>', english)[0] == "Battles"
