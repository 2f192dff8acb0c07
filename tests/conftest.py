"""Personas: the anonymous public (`client`), an analyst and a reviewer, each logged in.

Also the order the tests run in: within a module, the tests that read rows shared per module
(tests/shared_rows.py) run after the others; modules with transactional tests (a live server)
run after the plain modules, because a transactional test's flush empties the seeded rows that
plain tests read; browser tests run last (tests/browser.py).
"""

import os

import pytest
import redis
from django.test import override_settings
from django.utils import translation

from incidents.counts import finish_request
from tests import browser, shared_rows
from tests.browser import chromium, page  # noqa: F401 (fixtures)
from tests.factories import UserFactory


def pytest_sessionstart(session):
    browser.serve_one_request_at_a_time_on_sqlite()


def pytest_collection_modifyitems(items):
    modules = {}
    transactional_modules = set()
    for item in items:
        module = item.nodeid.split("::")[0]
        modules.setdefault(module, len(modules))
        if shared_rows.is_transactional(item):
            transactional_modules.add(module)

    def order(indexed):
        index, item = indexed
        module = item.nodeid.split("::")[0]
        return (
            item.get_closest_marker("browser") is not None,
            module in transactional_modules,
            modules[module],
            bool(shared_rows.NAMES & set(item.fixturenames)),
            index,
        )

    items[:] = [item for _, item in sorted(enumerate(items), key=order)]


@pytest.fixture(autouse=True)
def only_the_rows_a_test_asked_for(request):
    # The order above keeps these from happening; should it change, fail rather than let a test
    # pass or fail because of rows or a browser it did not ask for.
    unasked = shared_rows.ACTIVE - set(request.fixturenames)
    if unasked:
        pytest.fail(f"this test would see the shared rows of {', '.join(sorted(unasked))}")
    if shared_rows.ACTIVE and shared_rows.is_transactional(request.node):
        pytest.fail("a transactional test cannot run while rows shared per module exist")
    if browser.RUNNING and request.node.get_closest_marker("browser") is None:
        pytest.fail("this test would run beside the browser's event loop")


@pytest.fixture(autouse=True)
def no_request_under_way():
    # The public data version is read once per request (counts.data_version); the test client
    # ends a request only when its response is closed, which a test that reads part of a
    # streamed download, or that sees the view raise, never does. Start outside any request.
    finish_request()


@pytest.fixture(autouse=True)
def english_after_each_test():
    # A request to a French address leaves French active in the test's thread (the middleware
    # activates the language and nothing deactivates it): a later test would reverse() French
    # addresses (/fr/incidents/…), fetch French pages or write labels, dates and numbers in
    # French where it expects English ones. Every test starts in English because each one
    # before it ends so.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def reads_where_the_test_writes(request, settings):
    # `make test` configures a read replica that mirrors the test database. A replica is a
    # connection of its own, which does not see what a test writes inside its transaction, so
    # only the tests about replicas (marked `replicas`, committing their rows) route reads to
    # it; every other test reads the primary, where it wrote.
    if request.node.get_closest_marker("replicas") is None:
        settings.DATABASE_ROUTERS = []


@pytest.fixture(autouse=True)
def pages_rendered_unless_kept_on_purpose(request, settings):
    # A page served from the kept answers (config/page_cache.py) has no template context and
    # reads one query: the tests of what a view renders and of the queries it costs see the
    # view. The tests marked `page_cache` (the cache's own, the hidden and retracted
    # incidents', the languages') run with it, as production does.
    if request.node.get_closest_marker("page_cache") is None:
        settings.PAGE_CACHE = False


@pytest.fixture
def machine_redis(settings):
    """A connection to the machine's Redis (TEST_REDIS_URL, by default db 15), also made the
    site's REDIS_URL, for the tests of what runs on it (background jobs, the hot pages): the
    test is skipped without Redis, and fails in CI, where Redis must be there. Tests keep to
    keys and queues of their own."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not running at {url}")
        pytest.skip(f"no Redis at {url}")
    settings.REDIS_URL = url
    return connection


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    # PBKDF2 takes a quarter of a second or more per password by design; the tests set many
    # passwords and never test the hasher's strength. As Healthchecks does, tests hash with
    # MD5; production settings keep Django's default hashers.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # Tests do not run collectstatic, so the manifest storage used in production has no
    # manifest to read; serve static files by their plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", group="Analyst")


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", group="Reviewer")


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    # Counts and aggregates are cached (locmem in tests); one test's numbers must not leak
    # into the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
