"""An analyst enters the 17 September 2024 attack in Bamako, whose toll differs by source (AFP
exactly 77 killed, Le Monde "more than 70", other reports "over 100"), as three source reports
in the admin; a reviewer publishes it; the public page shows the coded figure 77 (70–100+) with
the three reports beneath it, never their sum. See tests/browser.py for how the browser runs.
"""

import re

from incidents.models import Incident
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import LocationFactory, SourceFactory, UserFactory

pytestmark = BROWSER_TEST_MARKS


def log_in(page, live_server, username):
    from playwright.sync_api import expect

    page.context.clear_cookies()  # whoever was logged in is no longer
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(username)


def choose(page, select_id, text):
    """Pick `text` in a select2 autocomplete (the admin's autocomplete_fields)."""
    page.locator(f"[aria-labelledby='select2-{select_id}-container']").click()
    page.locator(".select2-search__field").last.fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_bamako_three_differing_reports_give_a_coded_range_never_a_sum(page, live_server):
    from playwright.sync_api import expect

    LocationFactory(name="Bamako")
    for name in ["AFP", "Le Monde", "Other reports"]:
        SourceFactory(name=name)
    UserFactory(username="awa", group="Analyst")  # password "password"
    UserFactory(username="amina", group="Reviewer")
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # --- the analyst enters the attack with one report per source -----------------------
    log_in(page, live_server, "awa")
    page.goto(live_server.url + "/admin/incidents/incident/add/")
    page.fill("#id_start_date", "2024-09-17")
    page.select_option("#id_date_precision", "1")
    choose(page, "id_location", "Bamako")
    page.select_option("#id_geo_precision", "1")
    page.select_option("#id_event_type", "battles")
    page.select_option("#id_sub_event_type", "armed_clash")
    page.fill("#id_title", "Attack on the gendarmerie school and military airport in Bamako")

    reports = page.locator("#source_reports-group")
    for _ in range(2):
        reports.get_by_role("button", name="Add another source report").click()
    said = [("AFP", "exact", "77"), ("Le Monde", "at_least", "70")]
    said += [("Other reports", "at_least", "100")]
    for index, (source, qualifier, figure) in enumerate(said):
        prefix = f"id_source_reports-{index}"
        page.select_option(f"#{prefix}-group", "civilians")
        page.select_option(f"#{prefix}-outcome", "killed")
        choose(page, f"{prefix}-source", source)
        page.select_option(f"#{prefix}-qualifier", qualifier)
        page.fill(f"#{prefix}-figure", figure)
        page.fill(f"#{prefix}-reported_on", "2024-09-18")
    # No coded figure typed: the reports propose it.
    choose(page, "id_citations-0-source", "AFP")
    page.fill("#id_citations-0-url", "https://example.org/afp-bamako")
    screenshot(page, "bamako-reports-entered")

    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist")).to_contain_text(
        "Killed (civilians) coded 70 / 77 / 100+ from 3 reports."
    )
    # The change form shows the coded figure beside what the reports propose.
    coded = page.locator("#casualties-group")
    expect(coded.locator("#id_casualties-0-low")).to_have_value("70")
    expect(coded.locator("#id_casualties-0-best")).to_have_value("77")
    expect(coded.locator("#id_casualties-0-high")).to_have_value("100")
    expect(coded.locator("#id_casualties-0-high_open")).to_be_checked()
    expect(coded).to_contain_text("70 / 77 / 100+ from 3 reports")
    screenshot(page, "bamako-coded")

    # Coding the three reports' sum is refused: the sources reported 70–100+.
    page.fill("#id_casualties-0-low", "247")
    page.fill("#id_casualties-0-best", "247")
    page.fill("#id_casualties-0-high", "247")
    page.locator("input[name='_continue']").click()
    expect(page.locator("#casualties-group .errorlist")).to_contain_text(
        "The sources reported 70–100+ for Killed (civilians)"
    )
    screenshot(page, "bamako-sum-refused")
    page.locator("input[name='_submit_for_review']").click()  # the form as it was refused
    expect(page.locator("#casualties-group .errorlist")).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (70, 77, 100)

    page.fill("#id_casualties-0-low", "70")
    page.fill("#id_casualties-0-best", "77")
    page.fill("#id_casualties-0-high", "100")
    page.locator("input[name='_submit_for_review']").click()
    expect(page.locator("ul.messagelist")).to_contain_text("changed successfully")

    # --- a reviewer publishes it -----------------------------------------------------------
    log_in(page, live_server, "amina")
    page.goto(live_server.url + f"/admin/incidents/incident/{incident.pk}/change/")
    page.locator("input[name='_publish']").click()
    expect(page.locator("ul.messagelist")).to_contain_text("changed successfully")
    incident.refresh_from_db()
    assert incident.status == "published", page.locator("ul.messagelist").all_inner_texts()

    # --- the public page -------------------------------------------------------------------
    page.goto(live_server.url + incident.get_absolute_url())
    killed = page.locator("dl.facts dt:text-is('Killed') + dd")
    expect(killed).to_contain_text("77 (70–100+)")
    expect(page.locator("table.casualties td.coded")).to_have_text(["77 (70–100+)"])
    expect(page.locator("li.report")).to_have_text(
        [
            re.compile(r"^AFP: 77 \(18 Sep 2024\)$"),
            re.compile(r"^Le Monde: at least 70 \(18 Sep 2024\)$"),
            re.compile(r"^Other reports: at least 100 \(18 Sep 2024\)$"),
        ]
    )
    assert "247" not in killed.inner_text() + page.locator("section.figures").inner_text()
    screenshot(page, "bamako-public")
    assert page_errors == []
