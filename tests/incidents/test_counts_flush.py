"""The count tables after a flush, as Django's transactional tests and `manage.py flush` empty
the database: on SQLite the tables are emptied one by one, the count tables perhaps before the
incidents, whose delete triggers must then leave nothing behind (a row of -1 incidents would
be counted by every later page)."""

import pytest
from django.core.management.color import no_style
from django.db import connection

from incidents.apps import empty_counts_of_an_empty_database
from incidents.models import Incident
from incidents.models.counts import PublicIncidentDay, PublicIncidentMonth, PublicIncidentYear
from tests.factories import IncidentFactory

COUNT_TABLES = (PublicIncidentDay, PublicIncidentMonth, PublicIncidentYear)


@pytest.mark.django_db(transaction=True)
def test_a_flush_that_empties_the_counts_before_the_incidents_leaves_none_behind():
    IncidentFactory.create_batch(2)
    assert all(table.objects.exists() for table in COUNT_TABLES)
    # A flush on SQLite empties the tables one by one in an order that changes from run to
    # run (a set's); here the count tables go first, then the incidents, their places still
    # there.
    first = [*(table._meta.db_table for table in COUNT_TABLES), Incident._meta.db_table]
    tables = connection.introspection.django_table_names(only_existing=True)
    order = [*first, *(table for table in tables if table not in first)]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), order))
    # What the flush command then sends (post_migrate), to the count tables' receiver only: the
    # whole signal would also recreate content types under the tests that follow.
    empty_counts_of_an_empty_database(sender=None, using="default")
    assert [table.objects.count() for table in COUNT_TABLES] == [0, 0, 0]
