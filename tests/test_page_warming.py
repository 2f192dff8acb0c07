"""The most-asked public addresses rendered again after the public data version moves
(config/page_warming.py): a visitor who comes back after a publication or a retraction finds
the page already kept under the new version, showing the change, in their own language and
encoding; and the day is in a kept answer's key only when the answer says what day it is.

The hot addresses are counted in the machine's Redis (TEST_REDIS_URL, by default db 15, under
keys of the test's own); the answers stay in the tests' local-memory cache; the job runs at
once, in the test's process and transaction, where a worker would run it."""

import datetime
import gzip
import io
import random
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from config import page_warming
from incidents import jobs
from incidents.choices import Status
from incidents.models import Incident
from tests.factories import (
    CasualtyFactory,
    CitationFactory,
    IncidentFactory,
    UserFactory,
)
from tests.incidents.test_import_ucdp import ged_row, write_csv

pytestmark = pytest.mark.page_cache


@pytest.fixture
def jobs_run(machine_redis, monkeypatch):
    """The jobs asked for, each run at once; the hot addresses counted in Redis."""
    # Every hit counted, so that the rankings the tests read are exact.
    monkeypatch.setattr(page_warming, "HIT_SAMPLE", 1)
    prefix = f"test-{uuid.uuid4().hex}"
    monkeypatch.setattr(page_warming, "hot_key", lambda day: f"{prefix}:{day.isoformat()}")
    run = []

    def run_now(function, *args):
        run.append(function(*args))

    monkeypatch.setattr(jobs, "run_later", run_now)
    render = page_warming.render

    def render_in_the_tests_transaction(*args):
        # The job asks Django's WSGI handler for each page, whose request signals close a
        # database connection left inside a transaction, as the test's is: the test client
        # keeps it by disconnecting them for its requests, and so does this.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return render(*args)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    monkeypatch.setattr(page_warming, "render", render_in_the_tests_transaction)
    yield run
    for key in machine_redis.scan_iter(f"{prefix}:*"):
        machine_redis.delete(key)


@pytest.fixture
def incident(db):
    incident = IncidentFactory(title="Ambush at Boulkessi")
    CasualtyFactory(incident=incident, best=7)
    return incident


def publish_a_draft(title):
    draft = IncidentFactory(title=title, status=Status.DRAFT)
    # A bare UPDATE, as any write path: the database's trigger moves the version on.
    Incident.objects.filter(pk=draft.pk).update(
        status=Status.PUBLISHED, published_at=timezone.now()
    )
    return draft


def run_the_job(jobs_run):
    """What the worker does when its turn comes: the job, for the version current now."""
    jobs_run.append(page_warming.warm_hot_pages())
    return jobs_run[-1]


def test_after_a_publication_and_the_job_the_hot_list_is_kept_with_the_new_incident(
    client, incident, jobs_run, django_assert_max_num_queries
):
    client.get("/incidents/")
    client.get("/incidents/")
    publish_a_draft("Attack on Djibo")

    assert run_the_job(jobs_run)["rendered"] == 1

    # One query, the version: the answer was kept by the job, the view does not run.
    with django_assert_max_num_queries(1):
        response = client.get("/incidents/")
    assert b"Attack on Djibo" in response.content


def test_after_a_retraction_and_the_job_no_rerendered_page_shows_the_incident(
    client, incident, jobs_run, django_assert_max_num_queries
):
    # What shows the incident on each address: its title, or its 7 killed in the series.
    shown = {
        "/incidents/": b"Ambush at Boulkessi",
        "/fr/incidents/": b"Ambush at Boulkessi",
        "/incidents/map.json": b"Ambush at Boulkessi",
        "/api/incidents/": b"Ambush at Boulkessi",
        "/api/analysis/series/?interval=month": b'"best":7',
    }
    for address, incident_shown in shown.items():
        assert incident_shown in client.get(address).content, address
    client.get(f"/incidents/{incident.pk}/")
    client.get(f"/api/incidents/{incident.pk}/")

    incident.retract(by=UserFactory(username="reviewer", group="Reviewer"), reason="Wrong date")
    assert run_the_job(jobs_run)["rendered"] == len(shown) + 2

    for address, incident_shown in shown.items():
        with django_assert_max_num_queries(1):
            response = client.get(address)
        assert response.status_code == 200, address
        assert incident_shown not in response.content, address
    # Its page and its API detail answer 410, which is never kept: rendered for each visitor.
    assert client.get(f"/incidents/{incident.pk}/").status_code == 410
    assert client.get(f"/api/incidents/{incident.pk}/").status_code == 410


def test_a_french_and_a_gzip_address_are_rerendered_with_their_own_headers(
    client, incident, jobs_run, django_assert_max_num_queries
):
    french = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9", "HTTP_ACCEPT_ENCODING": "gzip"}
    client.get("/fr/incidents/", **french)
    client.get("/api/incidents/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    publish_a_draft("Attack on Djibo")
    run_the_job(jobs_run)

    with django_assert_max_num_queries(1):
        kept_french = client.get("/fr/incidents/", **french)
    with django_assert_max_num_queries(1):
        kept_gzip = client.get("/api/incidents/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert kept_french["Content-Language"] == "fr"
    assert kept_french["Content-Encoding"] == "gzip"
    assert b"Attack on Djibo" in gzip.decompress(kept_french.content)
    assert kept_gzip["Content-Encoding"] == "gzip"
    assert b"Attack on Djibo" in gzip.decompress(kept_gzip.content)
    # A visitor with other headers has no answer kept yet: it is rendered for them.
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            client.get("/api/incidents/", HTTP_ACCEPT_ENCODING="identity")


def test_a_language_cookie_is_rerendered_and_a_visitors_own_cookies_are_left_out(
    client, incident, jobs_run, django_assert_max_num_queries
):
    # The English pages vary by Cookie: a French language cookie would be sent to /fr/.
    client.cookies["django_language"] = "en"
    client.get("/incidents/")
    client.cookies["csrftoken"] = "a-visitors-own-token"
    client.get("/incidents/")
    # Counted as the language cookie alone, the part of the cookies the answer's key holds.
    assert [headers.get("HTTP_COOKIE") for _, _, headers in page_warming.hottest(5)] == [
        "django_language=en"
    ]
    publish_a_draft("Attack on Djibo")
    run_the_job(jobs_run)
    with django_assert_max_num_queries(1):
        response = client.get("/incidents/")
    assert b"Attack on Djibo" in response.content


@pytest.mark.parametrize(
    ("address", "headers"),
    [
        ("/incidents/?date_from=2023-01-01", {"HTTP_ACCEPT_ENCODING": "identity"}),
        ("/fr/incidents/", {"HTTP_ACCEPT_LANGUAGE": "fr"}),
        ("/api/incidents/", {"HTTP_ACCEPT_ENCODING": "gzip"}),
    ],
)
def test_the_job_keeps_what_a_visitors_miss_keeps(
    client, incident, jobs_run, monkeypatch, address, headers
):
    kept = []
    set_many = cache.set_many

    def keep(entries, timeout):
        kept.extend([{key: v for key, v in entries.items() if key.startswith("page:v")}])
        return set_many(entries, timeout)

    monkeypatch.setattr(cache, "set_many", keep)
    client.get(address, **headers)
    cache.clear()  # the visitor's answer forgotten; the address stays hot
    run_the_job(jobs_run)

    by_visitor, by_job = [entries for entries in kept if entries]
    assert by_visitor.keys() == by_job.keys()
    for key, visitors in by_visitor.items():
        jobs = by_job[key]
        if isinstance(visitors, tuple) and len(visitors) == 3:  # (status, headers, body)
            visitors, jobs = answer_compared(visitors), answer_compared(jobs)
        assert jobs == visitors, key


def answer_compared(answer):
    # Django's GZipMiddleware pads each compression with random bytes (against BREACH), so
    # two compressions of one page differ in their bytes and length, not in what they hold.
    status, headers, body = answer
    if ("Content-Encoding", "gzip") in headers:
        headers = [(name, value) for name, value in headers if name != "Content-Length"]
        body = gzip.decompress(body)
    return status, headers, body


def test_the_first_request_under_a_new_version_asks_for_one_job(
    client, incident, jobs_run, django_capture_on_commit_callbacks
):
    # The job is asked for once the request's transaction commits (at once outside tests).
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/incidents/")
        client.get("/api/incidents/")
    assert len(jobs_run) == 1
    publish_a_draft("Attack on Djibo")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/incidents/")
        client.get("/api/incidents/")
        client.get("/incidents/")
    assert len(jobs_run) == 2
    assert jobs_run[-1]["rendered"] == 2


def test_a_burst_of_versions_queues_one_job_that_renders_the_latest(
    client, incident, jobs_run, monkeypatch, django_capture_on_commit_callbacks
):
    client.get("/incidents/")
    queued = []
    monkeypatch.setattr(jobs, "run_later", lambda function, *args: queued.append(function))
    for title in ["Attack on Djibo", "Attack on Dori", "Attack on Arbinda"]:
        with django_capture_on_commit_callbacks(execute=True):
            publish_a_draft(title)
            page_warming.request_warming()  # as a write or a visitor meeting the version would
    # The job queued first reads the version when it starts: no second one is queued.
    assert len(queued) == 1

    run_the_job(jobs_run)
    assert b"Attack on Arbinda" in client.get("/incidents/").content


def test_the_job_stops_when_the_version_moves_under_it(client, incident, jobs_run, monkeypatch):
    client.get("/incidents/")
    client.get("/api/incidents/")
    publish_a_draft("Attack on Djibo")
    render = page_warming.render

    def render_then_publish(*args):
        render(*args)
        publish_a_draft("Attack on Dori")

    monkeypatch.setattr(page_warming, "render", render_then_publish)
    assert run_the_job(jobs_run)["rendered"] == 1


def test_a_publication_in_the_admin_asks_for_the_job_before_any_visitor(
    reviewer_client, jobs_run, django_capture_on_commit_callbacks
):
    from django.test import Client

    visitor = Client()
    visitor.get("/incidents/")
    draft = IncidentFactory(title="Attack on Djibo", status=Status.IN_REVIEW)
    CitationFactory(incident=draft)
    CasualtyFactory(incident=draft, best=3)
    before = len(jobs_run)

    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            reverse("admin:incidents_incident_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )

    assert len(jobs_run) == before + 1
    assert jobs_run[-1]["rendered"] == 1


def test_an_import_on_the_command_line_asks_for_the_job_at_its_end(
    client,
    incident,
    jobs_run,
    tmp_path,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client.get("/incidents/")
    path = write_csv(tmp_path / "ged.csv", [ged_row()])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_events", path, "--format", "ucdp", stdout=io.StringIO())

    assert jobs_run[-1]["rendered"] == 1
    with django_assert_max_num_queries(1):
        response = client.get("/incidents/")
    assert b"Gaskind" in response.content


def test_without_redis_nothing_is_counted_nor_asked_for(
    client, incident, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = ""
    asked = []
    monkeypatch.setattr(jobs, "run_later", lambda function, *args: asked.append(function))
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/incidents/")
        publish_a_draft("Attack on Djibo")
        client.get("/incidents/")
    assert asked == []
    assert page_warming.hottest(10) == []


def test_the_hottest_come_first_and_yesterdays_visits_count_half(
    client, incident, jobs_run, monkeypatch
):
    today = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: today - datetime.timedelta(days=1))
    for _ in range(6):
        client.get("/api/incidents/")
    monkeypatch.setattr(timezone, "now", lambda: today)
    for _ in range(4):
        client.get("/incidents/")
    client.get("/incidents/map.json")
    assert [address for _method, address, _headers in page_warming.hottest(3)] == [
        "http://testserver/incidents/",  # 4 today
        "http://testserver/api/incidents/",  # 6 yesterday: 3
        "http://testserver/incidents/map.json",
    ]


def test_hits_are_counted_one_in_ten_as_ten_visits(client, incident, jobs_run, monkeypatch):
    monkeypatch.setattr(page_warming, "HIT_SAMPLE", 10)
    random.seed(16)
    for _ in range(501):  # a miss, kept, then 500 hits
        client.get("/api/incidents/")
    (_address, score), *_ = page_warming.hot_set().zrevrange(
        page_warming.hot_key(timezone.now().date()), 0, 0, withscores=True
    )
    # The miss counts 1; about one hit in ten counts 10 (50 expected, 4.5 deviations apart).
    assert (score - 1) % 10 == 0
    assert 200 <= score - 1 <= 800


# --- the day -----------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["/incidents/", "/api/incidents/", "/incidents/map.json"])
def test_an_answer_that_does_not_say_the_day_is_kept_across_midnight(
    client, incident, monkeypatch, address, django_assert_max_num_queries
):
    client.get(address)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    with django_assert_max_num_queries(1):
        client.get(address)


@pytest.mark.parametrize("address", ["incident", "/about/"])
def test_an_answer_that_says_the_day_is_rendered_again_the_next_day(
    client, incident, monkeypatch, address, django_assert_max_num_queries
):
    address = f"/incidents/{incident.pk}/" if address == "incident" else address
    client.get(address)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            client.get(address)
