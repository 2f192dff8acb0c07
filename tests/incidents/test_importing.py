"""What every import does whatever its format: one import writing at a time, and fresh
planner statistics once it has written."""

import csv
import io

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.acled import ACLED_COLUMNS
from incidents.importers.acled import AcledImporter
from incidents.importers.importing import IMPORT_LOCK_KEY, ImportBusy, import_file
from incidents.models import ImportRun, Incident
from tests.incidents.test_import_acled import acled_row

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's advisory lock; SQLite lets one writer in at a time by itself",
)
BUSY = "Another import is running; try again when it has finished."


def acled_csv(*rows):
    text = io.StringIO()
    writer = csv.DictWriter(text, ACLED_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode()


@pytest.fixture
def another_import():
    """A second connection holding the imports' lock, as an import in another process does."""
    holder = psycopg2.connect(**connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])
        yield
    finally:
        holder.close()


@on_postgresql
def test_an_import_stops_while_another_is_running_and_writes_nothing(db, tmp_path, another_import):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_csv(acled_row()))
    with pytest.raises(ImportBusy, match=BUSY):
        import_file(path, AcledImporter())
    with pytest.raises(CommandError) as stopped:
        call_command("import_events", path, "--format", "acled")
    assert str(stopped.value) == f"{path}: {BUSY}"  # one line, exit status 1
    assert stopped.value.returncode == 1
    assert Incident.objects.count() == 0
    # A dry run writes nothing, so it goes on.
    assert import_file(path, AcledImporter(), dry_run=True).created == 1


@on_postgresql
def test_admin_import_shows_that_another_is_running(analyst_client, another_import):
    upload = SimpleUploadedFile("acled.csv", acled_csv(acled_row()), content_type="text/csv")
    response = analyst_client.post(
        reverse("admin:incidents_importrun_add"), {"format": "acled", "file": upload}
    )
    page = analyst_client.post(response.url, {"_confirm_import": "1"}, follow=True)
    assert BUSY in page.content.decode()
    run = ImportRun.objects.get()
    assert run.imported_at is None  # to be confirmed again once the other import is done
    assert Incident.objects.count() == 0


def analyze_queries(queries):
    return [query["sql"] for query in queries if query["sql"].startswith("ANALYZE")]


def test_a_written_import_analyzes_its_tables_after_the_commit(
    db, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_csv(acled_row()))
    with (
        CaptureQueriesContext(connection) as during,
        django_capture_on_commit_callbacks() as after_commit,
    ):
        import_file(path, AcledImporter())
    assert analyze_queries(during) == []  # not inside the import's transaction
    with CaptureQueriesContext(connection) as after:
        for callback in after_commit:
            callback()
    if connection.vendor == "postgresql":
        assert analyze_queries(after) == [
            'ANALYZE "incidents_incident", '
            '"incidents_casualty", "incidents_sourcereport", "incidents_incidentactor", '
            '"incidents_citation", '
            '"incidents_incident_tactics", "incidents_location", "incidents_actor"'
        ]
    else:  # SQLite is left without statistics (see importing._analyze_written_tables)
        assert analyze_queries(after) == []


def test_a_dry_run_or_an_unchanged_reimport_analyzes_nothing(
    db, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_csv(acled_row()))
    with django_capture_on_commit_callbacks() as dry:
        import_file(path, AcledImporter(), dry_run=True)
    import_file(path, AcledImporter())
    with django_capture_on_commit_callbacks() as again:
        assert import_file(path, AcledImporter()).unchanged == 1
    assert (dry, again) == ([], [])
