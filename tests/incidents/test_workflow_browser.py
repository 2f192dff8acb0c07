"""The review loop in a real browser: a reviewer sends a submitted incident back to draft with a
reason; its analyst logs in, finds it under "Returned to me" and reads the reason on it.

See tests/browser.py for how the browser is run.
"""

import re

from incidents.choices import Status, VersionKind
from incidents.models import Incident
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import CasualtyFactory, CitationFactory, IncidentFactory, UserFactory

pytestmark = BROWSER_TEST_MARKS

REASON = "Only one source gives 12 killed; add the MINUSMA report before publishing."


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Log in").click()
    from playwright.sync_api import expect

    expect(page.locator("#user-tools")).to_contain_text(username)


def test_a_returned_draft_shows_its_reason_to_the_analyst(page, live_server):
    from playwright.sync_api import expect

    analyst = UserFactory(username="ousmane", group="Analyst")  # password "password"
    UserFactory(username="amina", group="Reviewer")
    incident = IncidentFactory(
        status=Status.DRAFT, title="Ambush near Boulkessi", created_by=analyst
    )
    CasualtyFactory(incident=incident, best=12)
    CitationFactory(incident=incident)
    IncidentFactory(status=Status.DRAFT, title="Another analyst's draft")
    incident.submit_for_review(by=analyst)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # --- the reviewer: open the incident, "Back to draft…", give the reason ----------------
    log_in(page, live_server, "amina")
    page.goto(live_server.url + "/admin/incidents/incident/?queue=waiting_for_review")
    page.get_by_role("link", name="Ambush near Boulkessi").click()
    page.get_by_role("link", name="Back to draft…").click()
    expect(page.locator("h1")).to_have_text("Send back to draft")
    expect(page.locator("#id_reason")).to_have_attribute("required", "")  # no step without
    page.fill("#id_reason", REASON)
    screenshot(page, "workflow-back-to-draft-reason")
    page.get_by_role("button", name="Send back to draft").click()
    expect(page.locator("ul.messagelist li")).to_contain_text("is back in draft")
    page.locator("#logout-form button").click()

    # --- the analyst: "Returned to me", the incident, the reason ---------------------------
    log_in(page, live_server, "ousmane")
    page.goto(live_server.url + "/admin/incidents/incident/")
    page.locator("#changelist-filter").get_by_role("link", name="Returned to me").click()
    expect(page).to_have_url(re.compile(r"[?&]queue=returned_to_me"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ambush near Boulkessi")
    screenshot(page, "workflow-returned-to-me")
    rows.get_by_role("link", name="Ambush near Boulkessi").click()
    note = page.locator(".return-note")
    expect(note).to_contain_text("Sent back to draft by amina")
    expect(note).to_contain_text(REASON)
    screenshot(page, "workflow-returned-draft")

    # The analyst answers in an internal note.
    page.fill("#id_text", "Added the MINUSMA report.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes .incident-note").first).to_contain_text("Added the MINUSMA report.")
    expect(page.locator("#notes .incident-note").first).to_contain_text("ousmane")
    assert page_errors == []

    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.status, incident.return_reason) == (Status.DRAFT, REASON)
    assert incident.versions.latest().kind == VersionKind.RETURNED
