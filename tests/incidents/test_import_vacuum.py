"""An import that commits on its own (the command line, the admin's background job) vacuums the
tables it filled. Transactional, so in a module of its own: its flush would empty the rows
the plain tests of a module read (tests/conftest.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from tests.incidents.test_import_acled import acled_row
from tests.incidents.test_importing import acled_csv


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's VACUUM")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_committed_on_its_own_also_vacuums_its_tables(tmp_path):
    """As the command line and the background job import: the new rows' pages are marked
    all-visible at once, for index-only scans, instead of whenever autovacuum comes."""
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_csv(acled_row()))
    with CaptureQueriesContext(connection) as queries:
        import_file(path, AcledImporter())
    vacuums = [query["sql"] for query in queries if query["sql"].startswith("VACUUM")]
    assert len(vacuums) == 1
    assert vacuums[0].startswith(
        'VACUUM (ANALYZE, INDEX_CLEANUP OFF) "incidents_incident", "incidents_casualty"'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
            ["incidents_incident"],
        )
        assert cursor.fetchone() == (True,)
