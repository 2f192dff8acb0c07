"""Admin uploads on background workers: with REDIS_URL set, an upload's dry run and its import
run on an RQ worker (here rq's SimpleWorker, in the test's own process and transaction, on a
queue of its own in the machine's Redis); meanwhile the page shows how far they are and reloads
itself; the run then links to the incidents it wrote, and its rejected rows download."""

import csv
import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from rq import Queue, SimpleWorker

from incidents import jobs
from incidents.importers import runs
from incidents.models import ImportRun, Incident
from tests.incidents.test_admin_import import ADD_URL, ged_upload
from tests.incidents.test_import_ucdp import ged_row


@pytest.fixture
def worker_queue(machine_redis, monkeypatch):
    """Jobs go to a queue of this test's own; `work(queue)` runs them."""
    queue = Queue(f"test-imports-{uuid.uuid4().hex}", connection=machine_redis)
    monkeypatch.setattr(jobs, "queue", lambda: queue)
    yield queue
    queue.delete(delete_jobs=True)


def work(queue):
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def upload(client, *rows, capture):
    with capture(execute=True):
        response = client.post(ADD_URL, {"format": "ucdp", "file": ged_upload(*rows)})
    return response.url


def confirm(client, url, capture):
    with capture(execute=True):
        return client.post(url, {"_confirm_import": "1"}, follow=True)


def test_the_dry_run_and_the_import_run_on_a_worker(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks
):
    url = upload(
        reviewer_client,
        ged_row(id="1"),
        ged_row(id="2"),
        capture=django_capture_on_commit_callbacks,
    )
    page = reviewer_client.get(url).content.decode()
    assert "Checking the file…" in page and "Waiting for a worker." in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'name="_confirm_import"' not in page
    assert worker_queue.count == 1

    work(worker_queue)
    page = reviewer_client.get(url).content.decode()
    assert "2 rows: 2 created, 0 updated" in page
    assert 'http-equiv="refresh"' not in page
    assert 'name="_confirm_import"' in page
    assert not Incident.objects.exists()

    page = confirm(reviewer_client, url, django_capture_on_commit_callbacks).content.decode()
    assert "The import has started" in page
    assert "Importing…" in page and 'http-equiv="refresh"' in page
    assert 'name="_confirm_import"' not in page

    work(worker_queue)
    run = ImportRun.objects.get()
    assert run.imported_at is not None and run.result["created"] == 2
    assert set(Incident.objects.public().values_list("import_run", flat=True)) == {run.pk}
    page = reviewer_client.get(url).content.decode()
    assert "2 incidents created or changed by this import" in page
    changelist = reverse("admin:incidents_incident_changelist")
    assert f'href="{changelist}?import_run={run.pk}"' in page
    listed = reviewer_client.get(changelist, {"import_run": run.pk})
    assert listed.context["cl"].result_count == 2
    assert (
        reviewer_client.get(changelist, {"import_run": run.pk + 1}).context["cl"].result_count == 0
    )


def test_the_page_shows_how_far_the_worker_is(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks
):
    url = upload(reviewer_client, ged_row(id="1"), capture=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    runs._Progress(run.pk).checking(3000)
    assert "3,000 rows checked" in reviewer_client.get(url).content.decode()
    runs._Progress(run.pk).writing(12000)
    assert "12,000 rows compared or written" in reviewer_client.get(url).content.decode()


def test_the_page_says_what_share_of_the_file_is_done(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks
):
    url = upload(reviewer_client, ged_row(id="1"), capture=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    progress = runs._Progress(run.pk, rows_in_file=150_000)
    progress.checking(76_000)
    assert "76,000 of about 150,000 rows checked (50%)" in reviewer_client.get(url).content.decode()
    progress.writing(149_999)
    page = reviewer_client.get(url).content.decode()
    assert "149,999 of about 150,000 rows compared or written (99%)" in page
    # More rows than lines counted (cells with line breaks): the rows alone.
    progress.writing(151_000)
    assert "151,000 rows compared or written" in reviewer_client.get(url).content.decode()


def test_the_rows_of_a_file_are_counted_for_its_progress():
    assert runs.rows_in_file(b"a,b\n1,2\n3,4\n") == 2
    assert runs.rows_in_file(b"a,b\n1,2\n3,4") == 2  # no line break at the end
    assert runs.rows_in_file(b"a,b\n") == 0
    assert runs.rows_in_file(b"PK\x03\x04 a workbook") is None


def test_a_worker_s_dry_run_tells_its_share_of_the_file(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks, monkeypatch
):
    told = []
    monkeypatch.setattr(runs._Progress, "_tell", lambda self, *step: told.append((*step, self)))
    rows = [ged_row(id=str(n)) for n in range(1, 6)]
    upload(reviewer_client, *rows, capture=django_capture_on_commit_callbacks)
    work(worker_queue)
    assert told and {progress.rows_in_file for *_, progress in told} == {5}
    assert told[0][:2] == ("checking", 5)  # every row, in one chunk


def test_a_second_click_on_confirm_queues_nothing_more(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks
):
    url = upload(reviewer_client, ged_row(id="1"), capture=django_capture_on_commit_callbacks)
    work(worker_queue)
    confirm(reviewer_client, url, django_capture_on_commit_callbacks)
    confirm(reviewer_client, url, django_capture_on_commit_callbacks)
    assert worker_queue.count == 1
    work(worker_queue)
    assert Incident.objects.count() == 1


def test_a_job_that_fails_says_so_on_the_page(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "import_file", broken)
    url = upload(reviewer_client, ged_row(id="1"), capture=django_capture_on_commit_callbacks)
    work(worker_queue)
    page = reviewer_client.get(url).content.decode()
    assert "The check stopped with an error (RuntimeError: disk full)" in page
    assert 'http-equiv="refresh"' not in page and 'name="_confirm_import"' not in page
    assert worker_queue.failed_job_registry.count == 1


def test_without_redis_the_dry_run_is_done_in_the_request(reviewer_client, settings):
    settings.REDIS_URL = ""
    response = reviewer_client.post(ADD_URL, {"format": "ucdp", "file": ged_upload(ged_row())})
    page = reviewer_client.get(response.url).content.decode()
    assert "1 row: 1 created" in page and 'http-equiv="refresh"' not in page


def test_every_rejected_row_downloads_with_its_reasons(reviewer_client):
    rows = [ged_row(id=str(n), best="x" if n % 2 else "12") for n in range(1, 8)]
    response = reviewer_client.post(
        ADD_URL, {"format": "ucdp", "file": ged_upload(*rows), "skip_invalid": "on"}
    )
    run = ImportRun.objects.get()
    page = reviewer_client.get(response.url).content.decode()
    rejects_url = reverse("admin:incidents_importrun_rejects", args=[run.pk])
    assert f'href="{rejects_url}"' in page
    answer = reviewer_client.get(rejects_url)
    assert answer["Content-Disposition"] == 'attachment; filename="ged.rejects.csv"'
    table = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [(row["row"], row["id"]) for row in table] == [
        ("2", "1"),
        ("4", "3"),
        ("6", "5"),
        ("8", "7"),
    ]
    assert all(row["reasons"] == "best: not a whole number" for row in table)


def test_a_workers_dry_run_keeps_every_warning_for_the_download(
    reviewer_client, worker_queue, django_capture_on_commit_callbacks
):
    swapped = ged_row(id="2", latitude="-1.6", longitude="14.1")
    url = upload(
        reviewer_client, ged_row(id="1"), swapped, capture=django_capture_on_commit_callbacks
    )
    work(worker_queue)
    run = ImportRun.objects.get()
    warnings_url = reverse("admin:incidents_importrun_warnings", args=[run.pk])
    assert f'href="{warnings_url}"' in reviewer_client.get(url).content.decode()
    answer = reviewer_client.get(warnings_url)
    [warned] = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert (warned["row"], warned["id"]) == ("3", "2")
    assert "look swapped" in warned["warnings"]
    assert Client().get(warnings_url).status_code == 302  # to the login page


def test_rejected_rows_are_only_for_those_signed_in(reviewer_client):
    reviewer_client.post(ADD_URL, {"format": "ucdp", "file": ged_upload(ged_row(best="x"))})
    rejects_url = reverse("admin:incidents_importrun_rejects", args=[ImportRun.objects.get().pk])
    assert reviewer_client.get(rejects_url).status_code == 200
    assert Client().get(rejects_url).status_code == 302  # to the login page
