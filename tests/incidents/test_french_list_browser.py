"""A Malian analyst explores /fr/incidents/ in French in a real browser: narrows the list with
the panel's controls (clicks, not a typed URL), reads the chips and the results in French, opens
an incident from the table and reads it in French, then drops a chip with one click.

The map's tiles are blocked, as on a machine without internet. See tests/browser.py for how the
browser is run.
"""

import datetime
import re

from incidents.choices import DatePrecision
from incidents.models import EventType, SubEventType
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import (
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
    taxonomy,
)

pytestmark = BROWSER_TEST_MARKS

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")
NBSP = "\u00a0"


def incident(title, date, place, killed, event_type="battles", sub_event_type="armed_clash"):
    made = IncidentFactory(
        title=title,
        start_date=datetime.date.fromisoformat(date),
        date_precision=DatePrecision.DAY,
        location=place,
        event_type=taxonomy(EventType, event_type),
        sub_event_type=taxonomy(SubEventType, sub_event_type),
    )
    CasualtyFactory(incident=made, best=killed)
    return made


def test_analyst_filters_the_french_list_and_reads_an_incident_in_french(page, live_server):
    from playwright.sync_api import expect

    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    sahel = AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13")
    kouakourou = LocationFactory(name="Kouakourou", admin1=mopti)
    sevare = LocationFactory(name="Sévaré", admin1=mopti, latitude="14.53", longitude="-4.10")
    ansongo = LocationFactory(name="Ansongo", admin1=gao, latitude="15.66", longitude="0.50")
    djibo = LocationFactory(name="Djibo", admin1=sahel, latitude="14.10", longitude="-1.63")
    ambush = incident("Ambush near Kouakourou", "2023-09-17", kouakourou, killed=1234)
    incident(
        "IED near Sévaré",
        "2023-08-02",
        sevare,
        killed=20,
        event_type="explosions_remote_violence",
        sub_event_type="remote_explosive_landmine_ied",
    )
    incident("Clash at Sévaré checkpoint", "2023-07-14", sevare, killed=3)
    incident("Clash near Ansongo", "2023-08-20", ansongo, killed=40)
    incident("Clash near Djibo", "2021-01-05", djibo, killed=12)

    problems = []
    page.route(TILES, lambda route: route.abort())
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.goto(live_server.url + "/fr/incidents/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#result-count")).to_have_text("5 incidents")
    expect(page.locator("#incident-map path.incident-marker")).to_have_count(5)
    expect(page.locator(".map-legend")).to_contain_text("Batailles")

    # The panel, in French: the country narrows the regions; a type and a toll by clicks.
    page.select_option("#id_country", label="Mali")
    expect(page.locator("#id_admin1 option:not([hidden])")).to_have_text(["Gao", "Mopti"])
    page.select_option("#id_admin1", label="Mopti")
    page.get_by_label("Batailles").check()
    page.get_by_label("Tués, au moins").fill("10")
    page.locator(".panel-actions").get_by_role("button", name="Appliquer les filtres").click()

    expect(page).to_have_url(re.compile(r"/fr/incidents/\?"))
    expect(page.locator("#result-count")).to_have_text("1 incident")
    chips = page.locator(".chips a.chip")
    expect(chips).to_have_text(
        [
            re.compile(f"Pays{NBSP}: Mali"),
            re.compile(f"Région{NBSP}: Mopti"),
            re.compile(f"Type d'événement{NBSP}: Batailles"),
            re.compile("Tués ≥ 10"),
        ]
    )
    table = page.locator("table.incident-table")
    expect(table.locator("thead")).to_contain_text("Nature de l'attaque")
    row = table.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("17 septembre 2023")
    expect(row).to_contain_text("Affrontement armé")
    expect(row).to_contain_text(f"1{NBSP}234")
    screenshot(page, "incident-list-french-filtered")

    # The map's popup speaks French too.
    page.locator("#incident-map path.incident-marker").first.click(force=True)
    expect(page.locator(".leaflet-popup-content")).to_contain_text(f"1{NBSP}234 tués")

    # Opening the incident from the table keeps the French.
    row.get_by_role("link", name="Ambush near Kouakourou").click()
    expect(page).to_have_url(re.compile(rf"/fr/incidents/{ambush.pk}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Tués")
    expect(facts).to_contain_text("17 septembre 2023")
    expect(facts).to_contain_text("Batailles › Affrontement armé")
    expect(page.get_by_role("heading", name="Victimes")).to_be_visible()
    expect(page.get_by_role("heading", name="Citer cet incident")).to_be_visible()
    screenshot(page, "incident-page-french")

    # Back on the list, one click on a chip drops its filter.
    page.go_back()
    chips.filter(has_text="Tués ≥ 10").click()
    expect(page.locator("#result-count")).to_have_text("2 incidents")
    page.get_by_role("link", name="Tout effacer").first.click()
    expect(page.locator("#result-count")).to_have_text("5 incidents")
    assert problems == []
