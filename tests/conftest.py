"""Personas: the anonymous public (`client`), an analyst and a reviewer, each logged in."""

import pytest

from tests.browser import allow_orm_beside_playwright, page  # noqa: F401 (fixtures)
from tests.factories import UserFactory


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
