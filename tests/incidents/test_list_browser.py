"""A researcher explores /incidents/ in a real browser: narrows it to Mopti between July and
September 2023 through the filter panel, sees the count and the map's markers follow, then
removes a chip with one click and sees them widen again. A second story finds an actor through
the panel's search.

The map's tiles are blocked, as on a machine without internet: the points and the country
outlines must show all the same. See tests/browser.py for how the browser is run.
"""

import datetime
import re

from incidents import filter_panel
from incidents.models import AdminArea
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

pytestmark = BROWSER_TEST_MARKS

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


def incident(title, date, place, killed=5):
    made = IncidentFactory(
        title=title, start_date=datetime.date.fromisoformat(date), location=place
    )
    CasualtyFactory(incident=made, best=killed)
    return made


def open_list(page, url):
    """Open the list offline, and collect the page's script errors and failed static files."""
    problems = []
    page.route(TILES, lambda route: route.abort())
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    page.goto(url)
    return problems


def expect_listed(page, count, markers):
    from playwright.sync_api import expect

    noun = "incident" if count == 1 else "incidents"
    expect(page.locator("#result-count")).to_have_text(f"{count} {noun}")
    expect(page.locator("#incident-map")).to_have_attribute("data-markers", str(markers))
    expect(page.locator("#incident-map path.incident-marker")).to_have_count(markers)


def test_researcher_filters_by_region_and_dates_then_removes_a_chip(page, live_server):
    from playwright.sync_api import expect

    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    sahel = AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13")
    djenne = AdminArea.objects.create(
        country=mali, level=AdminArea.Level.ADMIN2, parent=mopti, name="Djenné"
    )
    kouakourou = LocationFactory(name="Kouakourou", admin1=mopti, admin2=djenne)
    sevare = LocationFactory(name="Sévaré", admin1=mopti, latitude="14.53", longitude="-4.10")
    ansongo = LocationFactory(name="Ansongo", admin1=gao, latitude="15.66", longitude="0.50")
    djibo = LocationFactory(name="Djibo", admin1=sahel, latitude="14.10", longitude="-1.63")
    incident("Ambush near Kouakourou", "2023-09-01", kouakourou, killed=15)
    incident("Attack on Sévaré checkpoint", "2023-07-14", sevare)
    incident("IED near Sévaré", "2023-08-02", sevare)
    incident("Raid near Kouakourou", "2022-03-10", kouakourou)
    incident("Suicide bombing in Ansongo", "2023-08-20", ansongo, killed=40)
    incident("Clash near Djibo", "2021-01-05", djibo)

    problems = open_list(page, live_server.url + "/incidents/")
    expect_listed(page, 6, 6)
    # Offline, the country outlines are drawn and filled in as land.
    expect(page.locator("#incident-map.offline")).to_be_attached()
    expect(page.locator(".leaflet-outlines-pane path")).to_have_count(35)

    # Choosing Mali narrows the regions to Mali's, without asking the server.
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.select_option("#id_country", label="Mali")
    visible_regions = page.locator("#id_admin1 option:not([hidden])")
    expect(visible_regions).to_have_text(["Gao", "Mopti"])
    page.select_option("#id_admin1", label="Mopti")
    expect(page.locator("#id_admin2 option:not([hidden])")).to_have_text(["Djenné"])
    page.fill("#id_date_from", "2023-07-01")
    page.fill("#id_date_to", "2023-09-30")
    assert requests == []
    page.locator(".panel-actions").get_by_role("button", name="Apply filters").click()

    # Empty fields stay out of the URL.
    expect(page).to_have_url(
        re.compile(
            rf"/incidents/\?date_from=2023-07-01&date_to=2023-09-30&country=MLI&admin1={mopti.pk}$"
        )
    )
    expect_listed(page, 3, 3)
    chips = page.locator(".chips a.chip")
    expect(chips).to_have_text(
        [
            re.compile("1 Jul 2023 – 30 Sep 2023"),
            re.compile("Country: Mali"),
            re.compile("Region: Mopti"),
        ]
    )
    expect(page.locator(".facet li.chosen")).to_have_text([re.compile(r"Mopti\s+3")])
    screenshot(page, "incident-list-filtered")

    # The popup of a point names the incident and links to it.
    page.locator("#incident-map path.incident-marker").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("killed")
    expect(popup.locator("a")).to_have_attribute("href", re.compile(r"^/incidents/\d+/$"))

    # One click on the dates chip drops the period: every Mopti incident again.
    chips.filter(has_text="1 Jul 2023 – 30 Sep 2023").click()
    expect(page).to_have_url(re.compile(rf"/incidents/\?country=MLI&admin1={mopti.pk}$"))
    expect_listed(page, 4, 4)
    chips.filter(has_text="Region: Mopti").click()
    expect_listed(page, 5, 5)  # all of Mali
    page.get_by_role("link", name="Clear all").first.click()
    expect_listed(page, 6, 6)

    # A region the URL chose outside its country stays chosen until the reader unchooses it.
    page.goto(live_server.url + f"/incidents/?country=BFA&admin1={mopti.pk}")
    expect(page.locator("#id_admin1 option:not([hidden])")).to_have_text(["Sahel", "Mopti"])
    expect(page.locator("#id_admin1 option:checked")).to_have_text(["Mopti"])
    assert problems == []


def test_researcher_finds_an_actor_through_the_panel_search(page, live_server, monkeypatch):
    from playwright.sync_api import expect

    # The actor API is built apart from this page; the browser gets its answers from the test.
    monkeypatch.setattr(filter_panel, "actor_search_url", lambda: "/api/actors/")

    jnim = ActorFactory(name="JNIM")
    IncidentActorFactory(
        incident=incident("Ambush near Kouakourou", "2023-09-01", LocationFactory()), actor=jnim
    )
    incident("Unattributed attack", "2023-08-01", LocationFactory())

    searches = []

    def actor_api(route):
        searches.append(route.request.url)
        results = [{"id": jnim.pk, "name": "JNIM", "actor_type": 2, "aliases": ["GSIM"]}]
        route.fulfill(json={"count": 1, "next": None, "previous": None, "results": results})

    page.route(re.compile(r"/api/actors/\?search="), actor_api)
    problems = open_list(page, live_server.url + "/incidents/")
    expect_listed(page, 2, 2)
    expect(page.locator(".no-actor-search")).to_be_hidden()
    page.fill("#actor-search-input", "jni")
    page.locator(".actor-results").get_by_role("button", name=re.compile(r"^JNIM\s+GSIM$")).click()
    assert searches and searches[-1].endswith("/api/actors/?search=jni")
    expect(page.locator('.picked-actors input[name="actor"]')).to_be_checked()
    page.locator(".panel-actions").get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(rf"\?actor={jnim.pk}$"))
    expect_listed(page, 1, 1)
    expect(page.locator(".chips a.chip")).to_have_text([re.compile("Actor: JNIM")])

    # Should the API fail, the search box gives way to a note; the chosen actor stays.
    page.unroute(re.compile(r"/api/actors/\?search="))
    page.route(
        re.compile(r"/api/actors/\?search="), lambda route: route.fulfill(status=404, body="{}")
    )
    page.fill("#actor-search-input", "fama")
    expect(page.locator(".actor-search")).to_be_hidden()
    expect(page.locator(".no-actor-search")).to_contain_text("unavailable")
    expect(page.locator('.picked-actors input[name="actor"]')).to_be_checked()
    assert problems == []


def test_the_map_fetches_its_points_for_the_filter_and_names_only_the_types_it_shows(
    page, live_server, monkeypatch
):
    from playwright.sync_api import expect

    from incidents import explorer

    # Two points on the map, of three incidents: the oldest, the only protest, is left out.
    monkeypatch.setattr(explorer, "MAP_POINTS", 2)
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    sevare = LocationFactory(name="Sévaré", admin1=mopti, latitude="14.53", longitude="-4.10")
    incident("Ambush near Sévaré", "2023-09-01", sevare, killed=15)
    incident("IED near Sévaré", "2023-08-02", sevare)
    protest = incident("March in Sévaré", "2023-01-10", sevare)
    protest.event_type_id, protest.sub_event_type_id = "protests", "peaceful_protest"
    protest.save()

    points_requests = []
    page.on(
        "request",
        lambda request: points_requests.append(request.url) if "map.json" in request.url else None,
    )
    problems = open_list(page, live_server.url + f"/incidents/?admin1={mopti.pk}&sort=-killed")
    expect_listed(page, 3, 2)
    # The points come from their own address, for the list's filter (not its sort).
    assert [url.split("?", 1)[1] for url in points_requests] == [f"admin1={mopti.pk}"]
    expect(page.locator(".map-note")).to_have_text("Showing the 2 most recent of 3 incidents.")
    # The facets name the protest; the map's legend only what it draws.
    expect(page.locator(".map-legend li:not([hidden])")).to_have_text(["Battles"])
    expect(page.locator(".map-legend li")).to_have_count(2)
    expect(page.locator(".map-legend li", has_text="Protests")).to_be_hidden()

    page.locator("#incident-map path.incident-marker").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(re.compile(r"^(Ambush|IED) near Sévaré.* · 1?5 killed$"))
    expect(popup.locator("a")).to_have_attribute("href", re.compile(r"^/incidents/\d+/$"))
    assert problems == []


def test_incidents_near_a_place_from_its_page_show_distance_and_the_circle(page, live_server):
    """From Gao's page, "within 50 km" opens the list of the incidents around it: the chip
    names Gao, the table gives each incident's distance, and the map draws the 50 km circle
    around the points."""
    from playwright.sync_api import expect

    region = AdminAreaFactory(name="Gao", iso_code="ML-7")
    gao = LocationFactory(name="Gao", admin1=region, latitude="16.27000", longitude="-0.04000")
    near = LocationFactory(name="Berra", admin1=region, latitude="16.45000", longitude="-0.10000")
    far = LocationFactory(name="Ansongo", admin1=region, latitude="15.66000", longitude="0.50000")
    incident("Attack in Gao", "2023-07-01", gao)
    incident("Ambush near Berra", "2023-08-01", near)
    incident("Raid on Ansongo", "2023-09-01", far)

    problems = open_list(page, f"{live_server.url}/places/{gao.pk}/")
    page.get_by_role("link", name="within 50 km").click()
    expect_listed(page, 2, 2)
    expect(page.locator(".chips")).to_contain_text("Within 50 km of Gao")
    expect(page.locator('td[data-label="Distance (km)"]')).to_have_text(["21.0", "0.0"])
    expect(page.locator("#incident-map path.search-circle")).to_have_count(1)
    # The view takes in the whole circle: its drawn box is inside the map's.
    circle = page.locator("#incident-map path.search-circle").bounding_box()
    frame = page.locator("#incident-map").bounding_box()
    assert (
        frame["x"] <= circle["x"] and circle["x"] + circle["width"] <= frame["x"] + frame["width"]
    )
    assert (
        frame["y"] <= circle["y"] and circle["y"] + circle["height"] <= frame["y"] + frame["height"]
    )
    screenshot(page, "list-near-a-place")
    assert problems == []
