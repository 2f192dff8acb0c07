"""Migration 0036 gives the small tables statistics on PostgreSQL, where autovacuum never
would: without them the planner sorted all of a country's incidents for its deadliest."""

import importlib

import pytest
from django.db import connection

from tests.factories import AdminAreaFactory, CountryFactory

migration = importlib.import_module("incidents.migrations.0036_analyse_small_tables")


def planner_rows(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_the_migration_gives_the_planner_the_number_of_countries_and_regions(db):
    names = [("MLI", "ML", "Mali"), ("BFA", "BF", "Burkina Faso"), ("NER", "NE", "Niger")]
    for iso3, iso2, name in names:
        country = CountryFactory(iso3=iso3, iso2=iso2, name=name)
        AdminAreaFactory(country=country, name=name, iso_code=f"{iso2}-1")
    before = planner_rows("incidents_country")
    assert before != 3

    with connection.schema_editor(atomic=False) as schema_editor:
        migration.analyse(None, schema_editor)

    assert planner_rows("incidents_country") == 3
    assert planner_rows("incidents_adminarea") >= 3
