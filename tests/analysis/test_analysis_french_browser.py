"""In a real browser, in French: an analyst in Bamako opens the trends page at /fr/analysis/,
switches to quarters split by region with the panel's controls, and reads the chart and its
table in French (T1 2023, 1 234 tués); on a phone the page does not scroll sideways.

See tests/browser.py for how the browser is run.
"""

import datetime

from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import AdminAreaFactory, CasualtyFactory, IncidentFactory, LocationFactory

pytestmark = BROWSER_TEST_MARKS

NBSP = "\u00a0"


def mopti_and_gao():
    """Mopti: four incidents from January to May 2023, one of them killing 1,234; Gao: two."""
    mopti = LocationFactory(admin1=AdminAreaFactory(name="Mopti", iso_code="ML-5"))
    gao = LocationFactory(admin1=AdminAreaFactory(name="Gao", iso_code="ML-7"))
    for month in (1, 2, 4, 5):
        IncidentFactory(start_date=datetime.date(2023, month, 10), location=mopti)
    massacre = IncidentFactory(start_date=datetime.date(2023, 5, 20), location=mopti)
    CasualtyFactory(incident=massacre, low=1200, best=1234, high=1300)
    for month in (3, 6):
        IncidentFactory(start_date=datetime.date(2023, month, 15), location=gao)


def test_an_analyst_reads_the_quarterly_trend_per_region_in_french(page, live_server):
    from playwright.sync_api import expect

    mopti_and_gao()
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(live_server.url + "/fr/analysis/")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Évolution des incidents")
    expect(page.locator("#incidents-chart-title")).to_have_text(
        "Incidents par mois, janvier 2023 – juin 2023"
    )
    # The controls, in French: quarters, split by region.
    expect(page.locator("label[for=id_interval]")).to_have_text("Intervalle")
    expect(page.locator("label[for=id_split]")).to_have_text("Ventiler par")
    page.select_option("#id_interval", label="Trimestre")
    page.select_option("#id_split", label="Région")
    page.locator(".panel-actions button[type=submit]").click()

    title = page.locator("#incidents-chart-title")
    expect(title).to_have_text("Incidents par trimestre, T1 2023 – T2 2023")
    assert page.url.startswith(f"{live_server.url}/fr/analysis/?interval=quarter&split=admin1")
    chart = page.locator("svg#incidents-chart")
    expect(chart.locator("text.legend-label")).to_have_text(["Mopti", "Gao"])
    axis = chart.locator("text[text-anchor=middle]")
    expect(axis.filter(has_text="T1 2023")).to_have_count(1)
    expect(axis.filter(has_text="T2 2023")).to_have_count(1)
    expect(chart).to_contain_text("Trimestre (UTC)")
    # The tables under the charts: French headers, periods and numbers.
    expect(page.locator("#incidents-table caption")).to_have_text("Incidents par trimestre")
    expect(page.locator("#incidents-table thead th")).to_have_text(
        ["Période", "Mopti", "Gao", "Tous"]
    )
    expect(page.locator("#incidents-table tbody th")).to_have_text(["T1 2023", "T2 2023"])
    expect(page.locator("#killed-table tbody tr").nth(1)).to_contain_text(
        f"1{NBSP}234 (1{NBSP}200–1{NBSP}300)"
    )
    expect(page.locator(".rules h2")).to_have_text("Comment les chiffres sont comptés")
    screenshot(page, "analysis-series-french")
    assert page_errors == []


def test_on_a_phone_the_french_trends_page_does_not_scroll_sideways(page, live_server):
    from playwright.sync_api import expect

    mopti_and_gao()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/fr/analysis/?interval=week&split=admin1&rolling=4")
    expect(page.locator("#incidents-chart-title")).to_contain_text("Incidents par semaine")
    expect(page.locator("svg#incidents-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for figure in page.locator("figure.chart-figure").all():
        assert figure.evaluate("figure => figure.scrollWidth <= figure.clientWidth")
    screenshot(page, "analysis-series-french-phone")
