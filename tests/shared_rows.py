"""Rows built once for a test module and read by several of its tests.

    @rows_per_module
    def sahel_rows():
        ...  # create the rows with the factories; return what the tests need


    @pytest.fixture
    def sahel(sahel_rows, db):
        return sahel_rows

`sahel_rows` is a module-scoped fixture: the rows are created when the module's first test asks
for them, inside a transaction that is rolled back after the module's last test. Each test still
runs in its own savepoint (pytest-django's `db`), so whatever a test writes on top of the rows is
undone after it; the shared rows, and the objects the fixture returns, must not be changed.

A test that does not ask for the rows must not see them: tests/conftest.py runs the tests that
ask for them after the module's other tests, and fails any test that would see shared rows it
did not ask for, or that is transactional (its flush would delete them).
"""

import sys

import pytest
from django.db import transaction

# The names of the fixtures made by @rows_per_module, and of those whose rows exist right now.
NAMES = set()
ACTIVE = set()


def rows_per_module(build):
    """Make `build` (no arguments; creates rows, returns what the tests need) a module-scoped
    fixture of the same name whose rows are rolled back after the module."""
    name = build.__name__
    NAMES.add(name)

    def fixture(django_db_setup, django_db_blocker):
        atomic = transaction.atomic()
        with django_db_blocker.unblock():
            atomic.__enter__()
            try:
                rows = build()
            except BaseException:
                atomic.__exit__(*sys.exc_info())
                raise
        ACTIVE.add(name)
        try:
            yield rows
        finally:
            ACTIVE.discard(name)
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    fixture.__doc__ = build.__doc__
    return pytest.fixture(scope="module", name=name)(fixture)


def is_transactional(item):
    marker = item.get_closest_marker("django_db")
    return bool(
        (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or {"transactional_db", "live_server", "django_db_reset_sequences"} & set(item.fixturenames)
    )
