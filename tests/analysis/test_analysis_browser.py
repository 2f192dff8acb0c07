"""In a real browser: a researcher opens the monthly series split by region, sees the chart
drawn with each region in its legend, and follows a month of the chart to its incidents.

See tests/browser.py for how the browser is run.
"""

import base64
import datetime
import re

from tests.browser import ARTIFACTS, BROWSER_TEST_MARKS, screenshot
from tests.factories import AdminAreaFactory, CasualtyFactory, IncidentFactory, LocationFactory

pytestmark = BROWSER_TEST_MARKS

REGIONS = ["Mopti", "Gao", "Tombouctou"]

# Reads a PNG back in the page (no imaging library needed here): the colours it holds and how
# many of its pixels are not white.
PIXELS = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Set();
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    colours.add([data[i], data[i + 1], data[i + 2]].join(","));
    if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) painted++;
  }
  return {colours: [...colours], painted: painted, pixels: data.length / 4};
}"""


def near(colours, hex_colour, tolerance=30):
    wanted = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return any(
        sum(abs(int(part) - want) for part, want in zip(colour.split(","), wanted, strict=True))
        < tolerance
        for colour in colours
    )


def test_monthly_series_split_by_region_is_drawn_with_its_legend(page, live_server):
    from playwright.sync_api import expect

    # Mopti leads (most incidents), then Gao, then Tombouctou, over March–June 2023.
    for rank, name in enumerate(REGIONS):
        place = LocationFactory(admin1=AdminAreaFactory(name=name, iso_code=f"ML-{rank + 5}"))
        for number in range(6 - 2 * rank):
            incident = IncidentFactory(
                start_date=datetime.date(2023, 3 + number % 4, 1 + 3 * number), location=place
            )
            CasualtyFactory(incident=incident, low=number, best=number + 2, high=number + 5)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    page.goto(live_server.url + "/analysis/?interval=month&split=admin1")

    chart = page.locator("svg#incidents-chart")
    expect(chart).to_be_visible()
    # A group whose period links a screen reader reaches (an image's content is out of reach).
    expect(chart).to_have_attribute("role", "group")
    expect(page.locator("#incidents-chart-title")).to_have_text(
        "Incidents per month, Mar 2023 – Jun 2023"
    )
    # The legend names each region, largest first.
    legend = chart.locator("text.legend-label")
    expect(legend).to_have_text(REGIONS)
    # Four months, one line per region, each region's killed band in the second chart.
    expect(chart.locator("polyline.line")).to_have_count(3)
    expect(page.locator("svg#killed-chart polygon.band")).to_have_count(3)
    # The table under the chart has the same regions as columns.
    expect(page.locator("#incidents-table thead th")).to_have_text(["Period", *REGIONS, "All"])
    expect(page.locator("#incidents-table tbody tr")).to_have_count(4)

    screenshot(page, "analysis-series-split-by-region")
    png = chart.screenshot(path=ARTIFACTS / "analysis-chart.png")
    # Drawn, not blank: a good share of the chart is painted, in the regions' colours
    # (Okabe–Ito blue, orange and bluish green).
    pixels = page.evaluate(PIXELS, base64.b64encode(png).decode())
    assert pixels["painted"] > pixels["pixels"] * 0.02
    for colour in ("#0072B2", "#E69F00", "#009E73"):
        assert near(pixels["colours"], colour), colour

    # Each month of the chart links to the list of its incidents.
    chart.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/incidents/\?date_from=2023-03-01&date_to=2023-03-31$"))
    expect(page.locator("table.incident-table tbody tr")).to_have_count(4)  # March
    assert page_errors == []


def test_on_a_phone_the_chart_scales_to_the_screen(page, live_server):
    from playwright.sync_api import expect

    IncidentFactory(start_date=datetime.date(2023, 1, 15))
    IncidentFactory(start_date=datetime.date(2023, 6, 15))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/analysis/?interval=month")
    chart = page.locator("svg#incidents-chart")
    expect(chart).to_be_visible()
    # The whole chart within the screen, drawn at its own proportions (its viewBox), and no
    # sideways scrolling, of the page or of the chart's box.
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    view_width, view_height = chart.evaluate(
        "svg => [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height]"
    )
    assert abs(box["height"] / box["width"] - view_height / view_width) < 0.01
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    figure = page.locator("figure.chart-figure").first
    assert figure.evaluate("figure => figure.scrollWidth <= figure.clientWidth")
    screenshot(page, "analysis-series-phone")


def test_changing_only_the_split_keeps_the_interval_and_a_short_address(page, live_server):
    from playwright.sync_api import expect

    for month in (1, 3, 6):
        place = LocationFactory(admin1=AdminAreaFactory(name="Gao", iso_code="ML-7"))
        IncidentFactory(start_date=datetime.date(2023, month, 15), location=place)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(live_server.url + "/analysis/")
    # The interval box shows the interval the chart was drawn with.
    expect(page.locator("#id_interval")).to_have_value("month")
    expect(page.locator("#incidents-chart-title")).to_have_text(
        "Incidents per month, Jan 2023 – Jun 2023"
    )
    page.select_option("#id_split", "admin1")
    page.locator(".panel-actions button[type=submit]").click()
    # Still monthly, now split, and the address holds what was chosen and nothing empty.
    expect(page.locator("#incidents-chart-title")).to_have_text(
        "Incidents per month, Jan 2023 – Jun 2023"
    )
    expect(page.locator("svg#incidents-chart text.legend-label")).to_have_text(["Gao"])
    assert (
        page.url
        == f"{live_server.url}/analysis/?interval=month&split=admin1&top=5&measure=incidents"
    )
    expect(page.locator("#id_interval")).to_have_value("month")
    # Narrowing by country from the panel lists that country's regions only, and its chip
    # removes it again.
    page.select_option("#id_country", "MLI")
    page.locator(".panel-actions button[type=submit]").click()
    chip = page.locator("a.chip", has_text="Country: Mali")
    expect(chip).to_be_visible()
    chip.click()
    expect(page.locator("a.chip")).to_have_count(0)
    assert "split=admin1" in page.url and "country" not in page.url
    screenshot(page, "analysis-series-controls")
    assert page_errors == []
