"""Shared pieces of the browser tests: Debian's Chromium (/usr/bin/chromium) through
Playwright's sync API against pytest-django's live_server.

A browser test module sets `pytestmark = BROWSER_TEST_MARKS` and asks for the `page` fixture
(registered in tests/conftest.py): a fresh context of the session's one Chromium. Browser tests
run last in the session. Skipped when Chromium or Playwright is missing, except in CI (CI=true),
where a missing browser is a failure. Screenshots go to test-artifacts/.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread

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
RUNNING = False  # the session's Chromium (and Playwright's event loop) has started
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    # The live server needs committed rows (transaction=True); serialized_rollback restores
    # the seeded taxonomy and groups that a transactional test's flush would otherwise lose.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class OneRequestAtATime(WSGIServer):
    """The live server without its threads. On SQLite every request shares the test
    database's one in-memory connection, and two at once (the admin's autocomplete boxes
    asking together) could leave both waiting on it for ever, hanging the suite; served one
    after the other they cannot. Its answers close their connections (Django does so for a
    server without threads), so the browser queues nothing behind a kept-alive one."""

    def __init__(self, *args, connections_override=None, **kwargs):
        # LiveServerThread.run() installs the shared connections in the thread serving here.
        super().__init__(*args, **kwargs)


def serve_one_request_at_a_time_on_sqlite():
    """Called at the start of the session (tests/conftest.py), before the live server starts."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        LiveServerThread.server_class = OneRequestAtATime


def missing(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium(live_server):
    """One Chromium for the whole session: starting Playwright and the browser costs a second or
    two, and each test gets a fresh context (its own cookies and storage) from `page`.

    It asks for the live server so that it closes first: closing the browser closes its kept-
    alive connections, and a server thread that ends one after the live server has stopped
    fails on a database connection it may no longer share.

    Playwright's sync API keeps an asyncio loop running in this thread from here to the end of
    the session, which makes Django refuse ORM calls from it: the ORM use here is plain
    synchronous code, so it is allowed while the browser runs. Nothing else may run then:
    browser tests run last (tests/conftest.py)."""
    global RUNNING
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")

    expect.set_options(timeout=TIMEOUT_MS)
    allowed_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    RUNNING = True
    # While Playwright's loop runs, asgiref gives this thread a second set of database
    # connections (async-context storage). After each browser test's flush they must restore
    # the seeded rows (serialized_rollback) as the first set would: give them its copy.
    for alias, connection in sync_connections.items():
        if hasattr(connection, "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = connection._test_serialized_contents
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        # Close the second set of connections now: once the loop stops they are out of reach,
        # and an open one stops PostgreSQL dropping the test database.
        connections.close_all()
        playwright.stop()
        RUNNING = False
        if allowed_before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allowed_before


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        yield page
    finally:
        context.close()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
