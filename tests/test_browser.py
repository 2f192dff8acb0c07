"""One story in a real browser: the public sorts the table by killed and opens the worst
incident; a reviewer then logs in to the admin and adds a casualty row through the inline
(a published incident is corrected by a reviewer: analysts see it read-only).

Runs Debian's Chromium (/usr/bin/chromium) through Playwright's sync API against
pytest-django's live_server. Skipped when Chromium or Playwright is missing, except in CI
(CI=true), where a missing browser is a failure.
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from incidents.choices import CasualtyGroup, CasualtyOutcome
from incidents.models import Casualty, Incident
from tests.factories import CasualtyFactory, IncidentFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows (transaction=True); serialized_rollback restores
    # the seeded taxonomy and groups that a transactional test's flush would otherwise lose.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _missing(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django
    # refuse ORM calls from it; the ORM use here is plain synchronous code, so allow it.
    # monkeypatch restores the variable (or its absence) after the test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(allow_orm_beside_playwright):
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.set_default_navigation_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()
            # While Playwright's loop runs, asgiref gives this thread a second set of database
            # connections (async-context storage). Close them now: once the loop stops they
            # are out of reach, and an open one stops PostgreSQL dropping the test database.
            connections.close_all()


def _screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


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
    # django-tables2 sorts an unsorted column ascending first; unknown counts stay last.
    expect(page).to_have_url(re.compile(r"[?&]sort=killed(&|$)"))
    expect(_killed_cells(page)).to_have_text(["3", "12", "41 (36–49)", "—"])

    expect(page.locator("table.incident-table thead th.asc")).to_have_text(re.compile("Killed"))
    killed_header.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-killed(&|$)"))
    expect(_killed_cells(page)).to_have_text(["41 (36–49)", "12", "3", "—"])
    expect(page.locator("table.incident-table thead th.desc")).to_have_text(re.compile("Killed"))
    first_row = page.locator("table.incident-table tbody tr").first
    expect(first_row.locator("td[data-label='Incident']")).to_have_text(worst.title)
    _screenshot(page, "incident-list-sorted-by-killed")

    first_row.get_by_role("link", name=worst.title, exact=True).click()
    expect(page).to_have_url(live_server.url + f"/incidents/{worst.pk}/")
    expect(page.locator("h1")).to_have_text(worst.title)
    killed_fact = page.locator("dl.facts dt:text-is('Killed') + dd")
    expect(killed_fact).to_contain_text("41 (36–49)")
    expect(page.locator("table.casualties tbody tr")).to_have_count(2)
    _screenshot(page, "incident-detail")
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
    # autocomplete.js ran: select2 dressed the source widgets.
    expect(inline.get_by_role("button", name="Add another Casualty")).to_be_visible()
    expect(inline.locator(".select2-container").first).to_be_attached()

    # The first empty extra form comes after the existing rows.
    index = int(page.input_value("#id_casualties-INITIAL_FORMS"))
    assert index == 2
    prefix = f"#id_casualties-{index}"
    page.select_option(f"{prefix}-group", CasualtyGroup.PEACEKEEPERS.value)
    page.select_option(f"{prefix}-outcome", CasualtyOutcome.KILLED.value)
    page.fill(f"{prefix}-best", "7")

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
