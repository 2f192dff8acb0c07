"""The count tables through a flush on SQLite (`manage.py flush`, and Django's transactional
tests between tests), which empties the tables one by one in an order that changes from run to
run: the incidents' delete triggers may then run after the count tables or the places are gone.
Nothing may be left behind (a row of -1 incidents, or counts of incidents that no longer
exist, would be counted by every later page). PostgreSQL's flush truncates every table in one
statement, which fires no delete trigger."""

import pytest
from django.db import connection

from incidents.apps import empty_counts_of_an_empty_database
from incidents.models import Incident, Location
from incidents.models.counts import PublicIncidentDay, PublicIncidentMonth, PublicIncidentYear
from tests.factories import IncidentFactory

COUNT_TABLES = (PublicIncidentDay, PublicIncidentMonth, PublicIncidentYear)


@pytest.fixture
def on_sqlite(db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's flush truncates the tables together, firing no delete trigger")


def empty(*models):
    # As a flush does: DELETE without the ORM's cascade (SQLite checks the foreign keys at
    # commit, and the test's transaction is rolled back).
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def counts():
    return [table.objects.count() for table in COUNT_TABLES]


def test_incidents_deleted_after_the_count_tables_leave_no_negative_row(on_sqlite):
    IncidentFactory.create_batch(2)
    assert all(counts())
    empty(*COUNT_TABLES, Incident)
    assert counts() == [0, 0, 0]


def test_counts_left_by_incidents_deleted_after_their_places_go_once_flush_is_done(on_sqlite):
    IncidentFactory.create_batch(2)
    empty(Location, Incident)
    assert all(counts())  # the triggers could not find the places
    # What flush sends when it is done (post_migrate), to the count tables' receiver.
    empty_counts_of_an_empty_database(sender=None, using="default")
    assert counts() == [0, 0, 0]
