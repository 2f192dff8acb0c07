"""Every kind of public page in a real browser: on a phone (390 px wide) none scrolls sideways
(a wide table scrolls in its own box, charts scale), and axe-core finds no serious or critical
accessibility violation.

The pages are a table (PAGES): a new kind of public page is one more row. Rows whose address
this checkout does not serve yet (pages another branch adds) are left out, not failed.

See tests/browser.py for how the browser is run.
"""

import datetime
import json
from pathlib import Path

from django.core.management import call_command
from django.urls import Resolver404, resolve

from incidents.choices import ActorRole
from incidents.models import AdminArea, Incident, Location
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

PHONE = {"width": 390, "height": 844}
# axe-core, the accessibility rules engine (MPL-2.0), vendored for the tests only: the public
# pages never load it.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SERIOUS = ("serious", "critical")

# (what the page is, its address from the rows public_site() made). Add a row per new kind of
# public page.
PAGES = [
    ("home", lambda site: "/"),
    ("incident list", lambda site: "/incidents/"),
    ("incident list, filtered", lambda site: f"/incidents/?country=MLI&admin1={site['mopti']}"),
    ("incident", lambda site: f"/incidents/{site['incident']}/"),
    ("place", lambda site: f"/places/{site['place']}/"),
    ("region", lambda site: f"/places/areas/{site['mopti']}/"),
    ("country", lambda site: "/places/countries/MLI/"),
    ("actor", lambda site: f"/actors/{site['actor']}/"),
    ("trends", lambda site: "/analysis/?split=admin1"),
    ("period against period", lambda site: "/analysis/compare/"),
    ("places side by side", lambda site: "/analysis/places/"),
    ("corrections", lambda site: "/corrections/"),
    ("about", lambda site: "/about/"),
    ("codebook", lambda site: "/codebook/"),
    ("actors", lambda site: "/actors/"),
    ("places", lambda site: "/places/"),
]
# The pages axe-core checks (issue 13): home, list, incident, place, actor, trends, about.
AXE_PAGES = [
    "home",
    "incident list",
    "incident",
    "place",
    "actor",
    "trends",
    "period against period",
    "places side by side",
    "about",
]


def public_site():
    """The demo (Mali, Gao, Mopti, Kouakourou, Bamako, with their sources' reports) plus what
    makes pages wide: an actor in several incidents, long names, and two regions called Savanes
    in two countries. {name: id} of what PAGES link to."""
    call_command("load_demo")
    jnim = ActorFactory(name="Jama'at Nasr al-Islam wal Muslimin (JNIM)")
    fama = ActorFactory(name="Forces Armées Maliennes (FAMa)")
    for incident in Incident.objects.all():
        IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
        IncidentActorFactory(incident=incident, actor=fama, role=ActorRole.TARGET)
    for iso3, country in (("TGO", "Togo"), ("CIV", "Côte d'Ivoire")):
        savanes = AdminAreaFactory(
            name="Savanes",
            country=CountryFactory(iso3=iso3, iso2=iso3[:2], name=country),
            iso_code="",
        )
        place = LocationFactory(name="Boucle du Mouhoun-Kouakourou-Centre-Nord", admin1=savanes)
        incident = IncidentFactory(location=place, start_date=datetime.date(2024, 3, 2))
        CasualtyFactory(incident=incident, best=4)
    mopti = AdminArea.objects.get(name="Mopti", level=AdminArea.Level.ADMIN1)
    kouakourou = Location.objects.get(name="Kouakourou")
    return {
        "mopti": mopti.pk,
        "place": kouakourou.pk,
        "incident": Incident.objects.filter(location=kouakourou).get().pk,
        "actor": jnim.pk,
    }


def served(path):
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def pages_of(site, names=None):
    return [
        (name, address(site))
        for name, address in PAGES
        if (names is None or name in names) and served(address(site))
    ]


def pages_wider_than_a_phone(chromium, live_server, pages, language="en"):
    """{page: its width} of the pages [(name, path)] wider than the phone, each checked to be
    in `language`."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        wide = {}
        for name, path in pages:
            response = page.goto(live_server.url + path)
            assert response.status == 200, (name, path, response.status)
            assert page.locator("html").get_attribute("lang") == language, (name, path)
            # Scrolled to the end: pages may draw late (the map, the folded panel).
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[f"{name} ({path})"] = width
                screenshot(page, f"phone-too-wide-{language}-{name.replace(' ', '-')}")
        return wide
    finally:
        context.close()


def test_no_public_page_scrolls_sideways_on_a_phone(chromium, live_server):
    site = public_site()
    wide = pages_wider_than_a_phone(chromium, live_server, pages_of(site))
    assert wide == {}, f"pages wider than the phone's {PHONE['width']} px: {wide}"


def test_no_public_page_scrolls_sideways_on_a_phone_in_french(chromium, live_server):
    """French runs about a fifth longer than English: headings, table headers, chart legends
    and the totals' dates ("10 février 2024") must still fit."""
    site = public_site()
    french = [(name, f"/fr{path}") for name, path in pages_of(site)]
    wide = pages_wider_than_a_phone(chromium, live_server, french, language="fr")
    assert wide == {}, f"French pages wider than the phone's {PHONE['width']} px: {wide}"


def test_a_french_reader_goes_from_the_places_to_a_region_and_its_trend(page, live_server):
    """On a phone in French: the places index, Mali, the Mopti region; its totals, its
    dates, its chart's legend and the table beside it read in French."""
    public_site()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/fr/places/")
    assert page.locator("h1").inner_text() == "Lieux"
    page.get_by_role("link", name="Mali").first.click()
    assert page.locator(".lede").inner_text().startswith("Pays")
    page.get_by_role("link", name="Mopti").first.click()
    page.wait_for_url("**/fr/places/areas/*/")
    stats = page.locator(".subject-stats").inner_text()
    assert "incidents publiés" in stats and "tués (estimation retenue)" in stats
    assert any(month in stats for month in ("janvier", "février", "mars", "septembre"))
    assert page.locator("#trend-heading").inner_text() == "Année par année"
    legend = page.locator("#yearly-killed-chart .legend-label").all_text_contents()
    assert legend == ["Tués, estimation retenue", "Estimations basse–haute"]
    headers = page.locator(".trend-table thead th").all_inner_texts()
    assert headers == ["Année", "Incidents", "Tués", "Fourchette"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_the_comparison_table_scrolls_in_its_box_on_a_phone_and_fits_a_laptop(
    chromium, live_server
):
    public_site()
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/analysis/compare/")
        box = page.locator(".table-scroll:has(#comparison-table)")
        # The table is wider than the phone, its box is not, and the box scrolls to its end.
        sizes = box.evaluate("box => [box.scrollWidth, box.clientWidth]")
        assert sizes[0] > sizes[1] and sizes[1] <= PHONE["width"]
        box.evaluate("box => box.scrollTo(box.scrollWidth, 0)")
        last_header = page.locator("#comparison-table thead th").last
        assert last_header.is_visible()
        assert last_header.bounding_box()["x"] < PHONE["width"]
        # Charts are drawn at the phone's width.
        chart = page.locator("svg.chart").first.bounding_box()
        assert chart["width"] <= PHONE["width"]
        # On a laptop (1366 px) the whole table shows beside the panel, without scrolling.
        page.set_viewport_size({"width": 1366, "height": 768})
        sizes = box.evaluate("box => [box.scrollWidth, box.clientWidth]")
        assert sizes[0] <= sizes[1]
    finally:
        context.close()


def axe_violations(page):
    """axe-core's serious and critical violations on the page: [{id, help, nodes}]. The script
    is evaluated through the DevTools protocol, which the Content-Security-Policy (no inline
    script) does not govern."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (serious) => {
          const results = await axe.run(document, {resultTypes: ["violations"]});
          return results.violations
            .filter((violation) => serious.includes(violation.impact))
            .map((violation) => ({
              id: violation.id,
              help: violation.help,
              nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
            }));
        }""",
        list(SERIOUS),
    )


def test_axe_finds_no_serious_accessibility_violation(page, live_server):
    site = public_site()
    found = {}
    checked = []
    for name, path in pages_of(site, AXE_PAGES):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        checked.append(name)
        if violations:
            found[f"{name} ({path})"] = violations
    assert {"home", "incident list", "incident", "place", "actor", "trends"} <= set(checked)
    assert found == {}, json.dumps(found, indent=1)


def test_the_skip_link_takes_the_keyboard_past_the_filter_panel(page, live_server):
    public_site()
    page.goto(live_server.url + "/incidents/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()  # shown once it has the focus
    page.keyboard.press("Enter")
    # The next Tab lands in the results (the first chip, facet or table link), not the panel.
    page.keyboard.press("Tab")
    inside = page.evaluate(
        "() => document.getElementById('results').contains(document.activeElement)"
    )
    assert inside
