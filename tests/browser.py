"""Shared pieces of the browser tests: Debian's Chromium (/usr/bin/chromium) through
Playwright's sync API against pytest-django's live_server.

A browser test module sets `pytestmark = BROWSER_TEST_MARKS` and asks for the `page` fixture
(registered in tests/conftest.py). Skipped when Chromium or Playwright is missing, except in CI
(CI=true), where a missing browser is a failure. Screenshots go to test-artifacts/.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

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

BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    # The live server needs committed rows (transaction=True); serialized_rollback restores
    # the seeded taxonomy and groups that a transactional test's flush would otherwise lose.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def missing(reason):
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
        missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")

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


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
