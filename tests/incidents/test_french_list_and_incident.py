"""The incident list, the incident page and the home page in French at /fr/…, and the same pages
unchanged in English: headers, filter labels and messages, chips, dates at their precision and
figures written the French way."""

import datetime
import html as html_module
import re

import pytest
from django.utils import translation
from django.utils.formats import number_format

from incidents.choices import ActorRole, ActorType, CasualtyOutcome, DatePrecision, Status
from incidents.explorer import map_points_data
from incidents.formatting import format_count, format_date_at_precision, format_estimate
from incidents.models import Tactic
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

NBSP = "\u00a0"


def page_text(response):
    """The page's <main> as text: tags removed, entities decoded, spaces collapsed (the no-break
    spaces kept)."""
    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", main))
    return re.sub(r"[ \t\r\n]+", " ", text)


@pytest.fixture
def bamako(db):
    """The attack of 17 September 2024 in Bamako: a day, a four-digit toll, named actors."""
    incident = IncidentFactory(
        title="Attack on the gendarmerie school in Bamako",
        start_date=datetime.date(2024, 9, 17),
        date_precision=DatePrecision.DAY,
        location=LocationFactory(name="Bamako"),
    )
    incident.tactics.set(Tactic.objects.filter(name__in=["Coordinated", "Ambush"]))
    CasualtyFactory(incident=incident, group="security_forces", low=1200, best=1234, high=1500)
    CasualtyFactory(incident=incident, outcome=CasualtyOutcome.INJURED, best=255)
    IncidentActorFactory(
        incident=incident, actor=ActorFactory(name="JNIM"), role=ActorRole.PERPETRATOR
    )
    IncidentActorFactory(
        incident=incident,
        actor=ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES),
        role=ActorRole.TARGET,
    )
    CitationFactory(incident=incident, title="Attaque à Bamako", url="")
    return incident


# --- dates and figures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "precision", "english", "french"),
    [
        (datetime.date(2024, 9, 17), None, DatePrecision.DAY, "17 Sep 2024", "17 septembre 2024"),
        (
            datetime.date(2023, 9, 15),
            datetime.date(2023, 9, 17),
            DatePrecision.DAY,
            "15–17 Sep 2023",
            "15–17 septembre 2023",
        ),
        (
            datetime.date(2023, 12, 31),
            datetime.date(2024, 1, 2),
            DatePrecision.DAY,
            "31 Dec 2023 – 2 Jan 2024",
            "31 décembre 2023 – 2 janvier 2024",
        ),
        (
            datetime.date(2023, 9, 15),
            None,
            DatePrecision.DAYS,
            "c. 15 Sep 2023",
            "vers le 15 septembre 2023",
        ),
        (
            datetime.date(2024, 9, 16),
            None,
            DatePrecision.WEEK,
            "week of 16 Sep 2024",
            "semaine du 16 septembre 2024",
        ),
        (datetime.date(2024, 9, 1), None, DatePrecision.MONTH, "Sep 2024", "septembre 2024"),
        (
            datetime.date(2023, 8, 1),
            datetime.date(2023, 9, 30),
            DatePrecision.MONTH,
            "Aug 2023 – Sep 2023",
            "août 2023 – septembre 2023",
        ),
        (datetime.date(2023, 1, 1), None, DatePrecision.YEAR, "2023", "2023"),
    ],
)
def test_dates_read_at_their_precision_in_each_language(start, end, precision, english, french):
    with translation.override("en"):
        assert format_date_at_precision(start, end, precision) == english
    with translation.override("fr"):
        assert format_date_at_precision(start, end, precision) == french


@pytest.mark.parametrize(
    ("low", "best", "high", "english", "french"),
    [
        (15, 15, 15, "15", "15"),
        (12, 15, 20, "15 (12–20)", "15 (12–20)"),
        (1200, 1234, 1500, "1,234 (1,200–1,500)", f"1{NBSP}234 (1{NBSP}200–1{NBSP}500)"),
        (None, None, None, "—", "—"),
    ],
)
def test_estimates_group_thousands_the_languages_way(low, best, high, english, french):
    with translation.override("en"):
        assert format_estimate(low, best, high) == english
    with translation.override("fr"):
        assert format_estimate(low, best, high) == french


@pytest.mark.parametrize(
    ("number", "english", "french"),
    [
        (999, "999", "999"),
        (-999, "-999", "-999"),
        (1000, "1,000", f"1{NBSP}000"),
        (-1000, "-1,000", f"-1{NBSP}000"),
        (123456, "123,456", f"123{NBSP}456"),
        (1234567, "1,234,567", f"1{NBSP}234{NBSP}567"),
        (-98765432, "-98,765,432", f"-98{NBSP}765{NBSP}432"),
    ],
)
def test_counts_group_thousands_as_djangos_number_format(number, english, french):
    for language, expected in (("en", english), ("fr", french)):
        with translation.override(language):
            assert format_count(number) == expected
            assert format_count(number) == number_format(number, force_grouping=True)


def test_map_points_read_in_french(bamako):
    points = [
        {
            "location__latitude": 12.6,
            "location__longitude": -8.0,
            "event_type": "battles",
            "id": bamako.pk,
            "start_date": bamako.start_date,
            "end_date": None,
            "date_precision": DatePrecision.DAY,
            "killed_best": best,
            "title": bamako.title,
        }
        for best in (1234, 1, None)
    ]
    with translation.override("fr"):
        rows = map_points_data(points)["points"]
    assert [row[4] for row in rows] == ["17 septembre 2024"] * 3
    assert [row[5] for row in rows] == [f"1{NBSP}234 tués", "1 tué", "nombre de tués inconnu"]
    with translation.override("en"):
        rows = map_points_data(points)["points"]
    assert [row[5] for row in rows] == ["1,234 killed", "1 killed", "killed unknown"]


# --- the list -----------------------------------------------------------------------------


def test_french_list_reads_in_french(client, bamako):
    response = client.get("/fr/incidents/")
    assert response.status_code == 200
    text = page_text(response)
    for expected in [
        "1 incident",
        f"Télécharger{NBSP}:",
        f"Trier par{NBSP}:",
        "Appliquer les filtres",
        # The panel's labels and lists.
        "Type d'événement",
        "Sous-type d'événement",
        "Précision minimale de la date",
        "Cercle / département",
        "Tués (estimation retenue)",
        "Forces de l'État",
        # The table: headers and a row.
        "Nature de l'attaque",
        "Tués",
        "Blessés",
        "Acteurs",
        "17 septembre 2024",
        "Affrontement armé",
        "Batailles",
        "Attaque coordonnée, Embuscade",
        f"1{NBSP}234 (1{NBSP}200–1{NBSP}500)",
        "JNIM → Malian Armed Forces",
        "Décomptes par type d'événement, région et année",
    ]:
        assert expected in text, expected
    for english in ["Apply filters", "Event type", "Killed", "Battles", "Sep 2024", "1,234"]:
        assert english not in text, english
    # The map's tiles credit OpenStreetMap in French.
    assert "les contributeurs d’" in response.content.decode()


def test_english_list_is_unchanged(client, bamako):
    text = page_text(client.get("/incidents/"))
    for expected in [
        "1 incident",
        "Download:",
        "Apply filters",
        "Event type",
        "Nature of attack",
        "17 Sep 2024",
        "Armed clash",
        "Battles",
        "Ambush, Coordinated",
        "1,234 (1,200–1,500)",
    ]:
        assert expected in text, expected
    assert "Batailles" not in text and "Appliquer" not in text


def test_french_chips_name_the_filters_in_french(client, bamako):
    response = client.get(
        "/fr/incidents/",
        {"event_type": "battles", "killed_min": 10, "q": "Bamako", "civilian_targeting": "false"},
    )
    text = page_text(response)
    for expected in [
        f"Type d'événement{NBSP}: Batailles",
        "Tués ≥ 10",
        f"Recherche{NBSP}: «{NBSP}Bamako{NBSP}»",
        "Civils non visés",
        "Retirer le filtre",
        "Tout effacer",
    ]:
        assert expected in text, expected
    english = page_text(client.get("/incidents/", {"event_type": "battles", "q": "Bamako"}))
    assert "Event type: Battles" in english and "Search: “Bamako”" in english


@pytest.mark.parametrize(
    ("query", "french", "english"),
    [
        (
            {"radius_km": 10},
            "Indiquez near=LAT,LON avec radius_km.",
            "Give near=LAT,LON with radius_km.",
        ),
        (
            {"near": "16.27,-0.04"},
            "Indiquez radius_km (en kilomètres) avec near.",
            "Give radius_km (in kilometres) with near.",
        ),
        (
            {"date_from": "2024-02-01", "date_to": "2024-01-01"},
            "La fin de la période précède son début.",
            "The end of the period is before its start.",
        ),
        (
            {"killed_min": 9, "killed_max": 3},
            "Le maximum est inférieur au minimum.",
            "The maximum is below the minimum.",
        ),
        (
            {"near": "north of Gao", "radius_km": 10},
            "Indiquez un point sous la forme latitude,longitude",
            "Give a point as latitude,longitude",
        ),
    ],
)
def test_filter_messages_follow_the_pages_language(client, bamako, query, french, english):
    text = page_text(client.get("/fr/incidents/", query))
    assert french in text
    assert "Une valeur de filtre n'est pas comprise" in text
    assert english not in text
    assert english in page_text(client.get("/incidents/", query))


def test_french_list_reads_the_same_iso_dates_as_the_english_one(client, bamako):
    """The panel's date inputs send ISO dates in every language, so a shared link selects the
    same incidents on /fr/ as on the English page."""
    IncidentFactory(start_date=datetime.date(2024, 8, 1))
    query = {"date_from": "2024-09-01", "date_to": "2024-09-30"}
    french = page_text(client.get("/fr/incidents/", query))
    assert "1 incident " in french and "1 septembre 2024 – 30 septembre 2024" in french
    assert "1 incident " in page_text(client.get("/incidents/", query))


# --- the incident page --------------------------------------------------------------------


def test_french_incident_page_reads_in_french(client, bamako):
    response = client.get(f"/fr/incidents/{bamako.pk}/")
    assert response.status_code == 200
    text = page_text(response)
    for expected in [
        f"Incident {bamako.pk}",
        "17 septembre 2024",
        "Jour exact",
        "Batailles › Affrontement armé",
        "Nature de l'attaque",
        "Civils visés",
        "Coordonnées",
        "Victimes",
        "Chiffre codé",
        f"1{NBSP}234 (1{NBSP}200–1{NBSP}500)",
        "Forces de sécurité",
        f"Auteur{NBSP}: JNIM",
        f"Cible{NBSP}: Malian Armed Forces",
        "Forces de l'État",
        f"{NBSP}: «{NBSP}Attaque à Bamako{NBSP}»",
        "Citer cet incident",
        "dernière modification le",
    ]:
        assert expected in text, expected
    for english in ["Killed", "Casualties", "Sep 2024", "Cite this incident", "State forces"]:
        assert english not in text, english
    # Coordinates stay as a GPS writes them, and the map link works, in every language.
    bamako.location.refresh_from_db()
    latitude = f"{bamako.location.latitude}"
    assert f"{latitude}, " in text
    assert f"mlat={latitude}&" in response.content.decode()


def test_english_incident_page_is_unchanged(client, bamako):
    text = page_text(client.get(f"/incidents/{bamako.pk}/"))
    for expected in [
        "17 Sep 2024",
        "Battles › Armed clash",
        "Casualties",
        "1,234 (1,200–1,500)",
        "Perpetrator: JNIM",
        "“Attaque à Bamako”",
        "Cite this incident",
    ]:
        assert expected in text, expected


def test_french_week_precision_on_the_incident_page(client, db):
    incident = IncidentFactory(
        start_date=datetime.date(2024, 9, 16), date_precision=DatePrecision.WEEK
    )
    assert "semaine du 16 septembre 2024" in page_text(client.get(f"/fr/incidents/{incident.pk}/"))
    assert "week of 16 Sep 2024" in page_text(client.get(f"/incidents/{incident.pk}/"))


def test_french_retracted_incident_page(client, db):
    incident = IncidentFactory(status=Status.RETRACTED, retraction_reason="Doublon.")
    response = client.get(f"/fr/incidents/{incident.pk}/")
    assert response.status_code == 410
    text = page_text(response)
    assert f"L'incident {incident.pk} a été retiré" in text
    assert f"Motif{NBSP}: Doublon." in text
    assert "Parcourir les incidents publiés" in text


def test_french_home_page(client, bamako):
    text = page_text(client.get("/fr/"))
    for expected in [
        "Violence politique au Mali et au Sahel",
        "incidents publiés",
        "septembre 2024 – septembre 2024",
        "Derniers incidents",
        f"tués{NBSP}: 1{NBSP}234 (1{NBSP}200–1{NBSP}500)",
    ]:
        assert expected in text, expected
    page = client.get("/fr/").content.decode()
    assert f"À propos des données</a>{NBSP}: l'origine des incidents" in page
    english = page_text(client.get("/"))
    assert "Sep 2024 – Sep 2024" in english and "killed 1,234 (1,200–1,500)" in english
