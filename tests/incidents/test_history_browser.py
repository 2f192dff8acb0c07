"""Two analyst stories in a real browser: two people editing one draft (the second save is
refused and shows the first one's change), and a revert from the history page that restores
a title and a coded casualty figure together.

See tests/browser.py for how the browser is run.
"""

import re

from incidents.choices import Status
from incidents.models import Incident
from tests.browser import BROWSER_TEST_MARKS, TIMEOUT_MS, screenshot
from tests.factories import CasualtyFactory, IncidentFactory, UserFactory

pytestmark = BROWSER_TEST_MARKS


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")


def test_second_of_two_analysts_editing_one_draft_sees_the_first_change(
    page, chromium, live_server
):
    from playwright.sync_api import expect

    incident = IncidentFactory(status=Status.DRAFT, title="Attack on the gendarmerie school")
    UserFactory(username="awa", group="Analyst")
    UserFactory(username="boubacar", group="Analyst")
    change_url = live_server.url + f"/admin/incidents/incident/{incident.pk}/change/"

    other = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page_b = other.new_page()
        page_b.set_default_timeout(TIMEOUT_MS)
        log_in(page, live_server, "awa")
        log_in(page_b, live_server, "boubacar")
        page.goto(change_url)
        page_b.goto(change_url)  # both opened the same version

        page.fill("#id_title", "Attack on the gendarmerie school, Faladié")
        page.locator("input[name='_continue']").click()
        expect(page.locator("ul.messagelist li.success")).to_be_visible()

        page_b.fill("#id_narrative", "Gunmen attacked at dawn.")
        page_b.locator("input[name='_continue']").click()
        conflict = page_b.locator("#edit-conflict")
        expect(conflict).to_contain_text("Someone else changed this incident")
        expect(conflict).to_contain_text("awa")
        expect(conflict).to_contain_text("Attack on the gendarmerie school, Faladié")
        expect(page_b.locator("#id_narrative")).to_have_value("Gunmen attacked at dawn.")
        screenshot(page_b, "history-edit-conflict")
        incident.refresh_from_db()
        assert (incident.title, incident.narrative) == (
            "Attack on the gendarmerie school, Faladié",
            "",
        )

        # B takes A's title and saves again: both changes are kept.
        page_b.fill("#id_title", "Attack on the gendarmerie school, Faladié")
        page_b.locator("input[name='_continue']").click()
        expect(page_b.locator("ul.messagelist li.success")).to_be_visible()
        incident.refresh_from_db()
        assert (incident.title, incident.narrative) == (
            "Attack on the gendarmerie school, Faladié",
            "Gunmen attacked at dawn.",
        )
    finally:
        other.close()


def test_revert_from_the_history_page_restores_title_and_casualty_figure(page, live_server):
    from playwright.sync_api import expect

    incident = CasualtyFactory(
        best=12, incident=IncidentFactory(status=Status.DRAFT, title="Ambush near Boni")
    ).incident
    UserFactory(username="awa", group="Analyst")
    log_in(page, live_server, "awa")
    change_url = live_server.url + f"/admin/incidents/incident/{incident.pk}/change/"

    # Change the title and the coded figure in one save.
    page.goto(change_url)
    page.fill("#id_title", "Ambush near Boni (wrong)")
    page.fill("#id_casualties-0-best", "40")
    page.fill("#id_casualties-0-low", "40")
    page.fill("#id_casualties-0-high", "40")
    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    incident.refresh_from_db()
    assert (incident.title, incident.killed_best) == ("Ambush near Boni (wrong)", 40)

    page.get_by_role("link", name="History").click()
    versions = page.locator("#versions tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("Title, Coded figure: civilians killed")
    screenshot(page, "history-page")

    # Compare the two versions picked on the history page.
    page.get_by_label("Compare version 1").check()
    page.get_by_label("Compare version 2").check()
    page.get_by_role("button", name="Compare the two ticked versions").click()
    changes = page.locator("table.version-changes tbody")
    expect(changes).to_contain_text("Ambush near Boni (wrong)")
    expect(changes.locator("tr", has_text="Coded figure: civilians killed")).to_contain_text("40")
    screenshot(page, "history-compare")
    page.go_back()

    # Version 1's own page shows its figure, not today's.
    page.locator("#version-1").get_by_role("link", name="1", exact=True).click()
    expect(page.locator("#version-fields")).to_contain_text("civilians killed: 12")
    screenshot(page, "history-version")
    page.go_back()
    page.locator("#version-1").get_by_role("link", name="Revert to this…").click()
    expect(page.locator("table.version-changes")).to_contain_text("Ambush near Boni (wrong)")
    page.fill("#id_reason", "The toll of 40 was another attack's")
    page.get_by_role("button", name="Revert").click()
    expect(page).to_have_url(re.compile(rf"/admin/incidents/incident/{incident.pk}/change/$"))
    expect(page.locator("ul.messagelist li.success")).to_contain_text("Reverted to version 1")
    expect(page.locator("#id_title")).to_have_value("Ambush near Boni")
    expect(page.locator("#id_casualties-0-best")).to_have_value("12")

    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.title, incident.killed_best, incident.status) == (
        "Ambush near Boni",
        12,
        Status.DRAFT,
    )
    page.get_by_role("link", name="History").click()
    expect(versions.first).to_contain_text("Reverted")
    expect(versions.first).to_contain_text("The toll of 40 was another attack's")
    screenshot(page, "history-after-revert")
