"""With the strict Content-Security-Policy on, as in production, a reader goes through the
explorer, the map, an incident, the analysis pages and the API docs, and an analyst through
the incident form in the admin; Chromium must report no policy violation and no script error.

A violation shows up twice: as a console message ("… violates the following Content Security
Policy directive …") and as a `securitypolicyviolation` event, which the page reports to the
test. The map's tiles are blocked, as on a machine without internet. See tests/browser.py for
how the browser is run.
"""

import datetime
import re

from incidents.choices import Status
from incidents.models import IncidentNote
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = BROWSER_TEST_MARKS

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} at ` +
      `${event.sourceFile}:${event.lineNumber} (${event.sample})`
  );
}, true);
"""


def watch(page):
    """The policy violations and script errors of every page this `page` opens."""
    problems = []
    page.expose_function("reportViolation", lambda text: problems.append(f"violation: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.route(TILES, lambda route: route.abort())
    return problems


def build_world():
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    sevare = LocationFactory(
        name="Sévaré", admin1=mopti, country=mali, latitude="14.53", longitude="-4.10"
    )
    ansongo = LocationFactory(
        name="Ansongo", admin1=gao, country=mali, latitude="15.66", longitude="0.50"
    )
    actor = ActorFactory(name="JNIM")
    SourceFactory(name="AFP")
    incidents = []
    for number, (place, month) in enumerate([(sevare, 7), (sevare, 8), (ansongo, 9)]):
        incident = IncidentFactory(
            title=f"Attack {number + 1}",
            location=place,
            start_date=datetime.date(2023, month, 10),
        )
        CasualtyFactory(incident=incident, low=2, best=3 + number, high=9)
        IncidentActorFactory(incident=incident, actor=actor)
        CitationFactory(incident=incident)
        incidents.append(incident)
    analyst = UserFactory(username="awa", group="Analyst")  # password "password"
    reviewer = UserFactory(username="amina", group="Reviewer")
    returned = IncidentFactory(
        title="Sent back",
        location=sevare,
        status=Status.DRAFT,
        created_by=analyst,
        return_reason="Check the date.\nAnd the place.",
        returned_by=reviewer,
        returned_at=datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC),
    )
    IncidentNote.objects.create(incident=returned, text="Seen in two sources", written_by=reviewer)
    return incidents, returned, sevare, actor


def test_the_whole_site_works_under_the_policy(page, live_server):
    from playwright.sync_api import expect

    incidents, returned, sevare, actor = build_world()
    problems = watch(page)
    url = live_server.url

    # The watch works: a style attribute added by a script is refused and reported.
    page.goto(url + "/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color: red\">x</b>')")
    page.wait_for_timeout(300)  # the report reaches the test through the page's binding
    assert any("style-src" in problem for problem in problems), problems
    problems.clear()

    # --- a reader -----------------------------------------------------------------------
    page.goto(url + "/")
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "csp-home")

    page.goto(url + "/incidents/")
    expect(page.locator("#result-count")).to_have_text("3 incidents")
    expect(page.locator("#incident-map path.incident-marker")).to_have_count(3)
    expect(page.locator("#incident-map.offline")).to_be_attached()
    page.select_option("#id_country", label="Mali")
    page.select_option("#id_admin1", label="Mopti")
    page.locator(".panel-actions").get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("2 incidents")
    chips = page.locator(".chips a.chip")
    expect(chips).to_have_text([re.compile("Country: Mali"), re.compile("Region: Mopti")])
    expect(page.locator("#incident-map path.incident-marker")).to_have_count(2)
    screenshot(page, "csp-incident-list")
    chips.filter(has_text="Region: Mopti").click()
    expect(page.locator("#result-count")).to_have_text("3 incidents")
    expect(chips).to_have_text([re.compile("Country: Mali")])

    page.locator("#incident-map path.incident-marker").first.click(force=True)
    expect(page.locator(".leaflet-popup-content a")).to_be_visible()
    page.get_by_role("link", name="Attack 1", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Attack 1")
    screenshot(page, "csp-incident")

    page.goto(url + "/analysis/?interval=month")
    expect(page.locator("svg#incidents-chart rect.bar")).to_have_count(3)  # July–September
    page.select_option("select[name='split']", "admin1")
    page.locator(".panel-actions").get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]split=admin1(&|$)"))
    expect(page.locator("svg#incidents-chart text.legend-label")).to_have_text(["Mopti", "Gao"])
    screenshot(page, "csp-analysis")

    for name, path in [
        ("places", "/analysis/places/?place=MLI"),
        (
            "compare",
            "/analysis/compare/?a_from=2023-07-01&a_to=2023-07-31&b_from=2023-08-01&b_to=2023-09-30",
        ),
    ]:
        page.goto(url + path)
        expect(page.locator("svg.chart").first).to_be_visible()
        screenshot(page, f"csp-analysis-{name}")
    for path in [f"/places/{sevare.pk}/", f"/actors/{actor.pk}/"]:
        page.goto(url + path)
        expect(page.locator("h1")).to_be_visible()

    page.goto(url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("incidentdb API")
    operation = page.locator(".opblock-summary").first
    operation.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    screenshot(page, "csp-api-docs")

    # --- an analyst in the admin ----------------------------------------------------------
    page.goto(url + "/admin/login/")
    page.fill("#id_username", "awa")
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("awa")

    page.goto(url + f"/admin/incidents/incident/{returned.pk}/change/")
    expect(page.locator(".return-note")).to_contain_text("Check the date.")
    expect(page.locator("#notes .incident-note")).to_contain_text("Seen in two sources")
    # inlines.js: "Add another" adds a row; autocomplete.js: select2 finds a place.
    casualties = page.locator("#casualties-group")
    rows = casualties.locator("tr.form-row:not(.empty-form)")
    before = rows.count()
    casualties.get_by_role("button", name="Add another coded figure").click()
    expect(rows).to_have_count(before + 1)
    page.locator("[aria-labelledby='select2-id_location-container']").click()
    page.locator(".select2-search__field").last.fill("Ansongo")
    page.locator(".select2-results__option", has_text="Ansongo").first.click()
    expect(page.locator("#select2-id_location-container")).to_contain_text("Ansongo")
    screenshot(page, "csp-admin-change-form")

    assert problems == []
