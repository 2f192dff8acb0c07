"""One story in a real browser: the public sorts the table by killed and opens the worst
incident; a reviewer then logs in to the admin and adds a casualty row through the inline
(a published incident is corrected by a reviewer: analysts see it read-only).

See tests/browser.py for how the browser is run.
"""

import re

from incidents.choices import CasualtyGroup, CasualtyOutcome
from incidents.models import Casualty, Incident
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import CasualtyFactory, IncidentFactory, UserFactory

pytestmark = BROWSER_TEST_MARKS


def _killed_cells(page):
    return page.locator("table.incident-table tbody td[data-label='Killed']")


def test_public_sorts_by_killed_and_a_reviewer_adds_a_casualty(page, live_server):
    from playwright.sync_api import expect

    # Four published incidents: killed 3, 41 (two casualty rows, with a range), 12 and unknown.
    few = CasualtyFactory(best=3).incident
    worst = IncidentFactory(title="Coordinated ambush near Kouakourou")
    CasualtyFactory(incident=worst, group=CasualtyGroup.CIVILIANS, low=25, best=30, high=38)
    CasualtyFactory(incident=worst, group=CasualtyGroup.SECURITY_FORCES, best=11)
    CasualtyFactory(best=12)
    IncidentFactory(title="Attack with no reported casualties")
    worst.refresh_from_db()
    assert (worst.killed_low, worst.killed_best, worst.killed_high) == (36, 41, 49)
    UserFactory(username="amina", group="Reviewer")  # password "password"

    # Static files the admin needs (CSS, jQuery, inlines.js, select2) must all load.
    failed_static = []
    page.on(
        "response",
        lambda response: (
            failed_static.append(f"{response.status} {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # --- the public: sort the table by killed, open the worst incident ---------------------
    page.goto(live_server.url + "/incidents/")
    expect(page.locator("h1")).to_have_text("Incidents")
    expect(page.locator("table.incident-table tbody tr")).to_have_count(4)

    # The sorted column's link may be named "Killed ▲" / "Killed ▼" (site.css ::after arrow).
    killed_header = page.locator("table.incident-table thead th").get_by_role(
        "link", name=re.compile(r"^Killed( [▲▼])?$")
    )
    killed_header.click()
    # The first click puts the deadliest first; unknown counts stay last both ways.
    expect(page).to_have_url(re.compile(r"[?&]sort=-killed(&|$)"))
    expect(_killed_cells(page)).to_have_text(["41 (36–49)", "12", "3", "—"])
    expect(page.locator("table.incident-table thead th.desc")).to_have_text(re.compile("Killed"))

    killed_header.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=killed(&|$)"))
    expect(_killed_cells(page)).to_have_text(["3", "12", "41 (36–49)", "—"])
    expect(page.locator("table.incident-table thead th.asc")).to_have_text(re.compile("Killed"))
    killed_header.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-killed(&|$)"))
    first_row = page.locator("table.incident-table tbody tr").first
    expect(first_row.locator("td[data-label='Incident']")).to_have_text(worst.title)
    screenshot(page, "incident-list-sorted-by-killed")

    first_row.get_by_role("link", name=worst.title, exact=True).click()
    expect(page).to_have_url(live_server.url + f"/incidents/{worst.pk}/")
    expect(page.locator("h1")).to_have_text(worst.title)
    killed_fact = page.locator("dl.facts dt:text-is('Killed') + dd")
    expect(killed_fact).to_contain_text("41 (36–49)")
    expect(page.locator("table.casualties tbody tr")).to_have_count(2)
    screenshot(page, "incident-detail")
    assert few.title not in page.content()

    # --- a reviewer: log in, add a casualty row to the incident through the admin ---------
    page.goto(live_server.url + "/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", "amina")
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.locator("#user-tools")).to_contain_text("amina")

    page.goto(live_server.url + f"/admin/incidents/incident/{worst.pk}/change/")
    inline = page.locator("#casualties-group")
    expect(inline).to_be_visible()
    # inlines.js (and so jQuery) ran: it adds this link (role="button" since Django 5.1);
    # autocomplete.js ran: select2 dressed the source reports' source widgets.
    expect(inline.get_by_role("button", name="Add another coded figure")).to_be_visible()
    reports = page.locator("#source_reports-group")
    expect(reports.locator(".select2-container").first).to_be_attached()

    # The first empty extra form comes after the existing rows.
    index = int(page.input_value("#id_casualties-INITIAL_FORMS"))
    assert index == 2
    prefix = f"#id_casualties-{index}"
    page.select_option(f"{prefix}-group", CasualtyGroup.PEACEKEEPERS.value)
    page.select_option(f"{prefix}-outcome", CasualtyOutcome.KILLED.value)
    page.fill(f"{prefix}-best", "7")
    # The incident is published: the change needs a reason, the public correction note.
    page.fill("#id_change_reason", "MINUSMA gives the peacekeepers' toll")

    page.locator("input[name='_save']").click()
    expect(page).to_have_url(re.compile(r"/admin/incidents/incident/(\?.*)?$"))
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was changed successfully")

    assert failed_static == []
    assert page_errors == []

    worst.refresh_from_db()
    assert (worst.killed_low, worst.killed_best, worst.killed_high) == (43, 48, 56)
    added = Casualty.objects.get(incident=worst, group=CasualtyGroup.PEACEKEEPERS)
    assert (added.outcome, added.low, added.best, added.high) == ("killed", 7, 7, 7)
    assert Casualty.objects.filter(incident=worst).count() == 3
    assert Incident.objects.get(pk=worst.pk).updated_by.username == "amina"
