"""Public answers kept whole under the public data version (config/page_cache.py): the second
visitor of a page gets the first one's bytes and headers without a view, and nobody ever gets
an answer the data has moved past, nor one meant for someone else."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Status
from incidents.counts import read_data_version
from incidents.models import Actor, Incident, Location
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.page_cache


@pytest.fixture
def incident(db):
    incident = IncidentFactory(title="Ambush at Boulkessi")
    IncidentActorFactory(incident=incident, actor=ActorFactory(name="Katiba Serma"))
    CasualtyFactory(incident=incident, best=7)
    return incident


def public_addresses(incident):
    """What the public reads about an incident, in both languages."""
    return [
        "/",
        "/incidents/",
        "/fr/incidents/",
        "/incidents/?date_from=2023-01-01",
        "/incidents/map.json",
        f"/incidents/{incident.pk}/",
        f"/fr/incidents/{incident.pk}/",
        "/api/incidents/",
        f"/api/incidents/{incident.pk}/",
        "/api/analysis/series/?interval=month",
        incident.location.get_absolute_url(),
        incident.location.admin1.get_absolute_url(),
        incident.incident_actors.get().actor.get_absolute_url(),
    ]


def headers_of(response):
    return sorted(response.items())


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_the_second_visitor_gets_the_first_ones_answer_without_a_view(
    client, incident, encoding, django_assert_max_num_queries
):
    for address in public_addresses(incident):
        first = client.get(address, HTTP_ACCEPT_ENCODING=encoding)
        assert first.status_code == 200, address
        # One query: the public data version the answer is kept under.
        with django_assert_max_num_queries(1):
            second = client.get(address, HTTP_ACCEPT_ENCODING=encoding)
        assert second.content == first.content, address
        assert headers_of(second) == headers_of(first), address
    assert first.get("Content-Encoding") == ("gzip" if encoding == "gzip" else None)


def test_a_hit_reads_the_cache_once(client, incident, monkeypatch):
    # What the address's answer varies by is remembered by the process that stored or first
    # read it: a hit is one round trip to Redis, not two (issue 16: the JSON page's hit).
    import config.page_cache

    reads = []

    class CountingCache:
        def get(self, key, *args):
            reads.append(key)
            return cache.get(key, *args)

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(config.page_cache, "cache", CountingCache())
    first = client.get("/api/incidents/", HTTP_ACCEPT_LANGUAGE="fr")
    reads.clear()
    second = client.get("/api/incidents/", HTTP_ACCEPT_LANGUAGE="fr")
    assert second.content == first.content
    assert len(reads) == 1 and ":vary:" not in reads[0]
    # The remembered Vary still keeps each language's answer apart, stored and served.
    series = "/api/analysis/series/?interval=month"
    for _ in range(2):
        for language in ("en", "fr"):
            answer = client.get(series, HTTP_ACCEPT_LANGUAGE=language)
            assert answer["Content-Language"] == language


def test_a_kept_answer_carries_every_header_a_rendered_one_does(client, incident):
    address = "/api/incidents/"
    client.get(address, HTTP_ACCEPT_ENCODING="gzip")
    kept = client.get(address, HTTP_ACCEPT_ENCODING="gzip")
    for header in (
        "Content-Security-Policy",
        "Content-Language",
        "Vary",
        "Link",
        "Content-Encoding",
        "X-Frame-Options",
        "X-Content-Type-Options",
    ):
        assert kept.has_header(header), header


def test_a_retraction_leaves_every_kept_answer_at_once(client, incident):
    addresses = [
        "/incidents/",
        "/fr/incidents/",
        "/incidents/map.json",
        f"/incidents/{incident.pk}/",
        "/api/incidents/",
        f"/api/incidents/{incident.pk}/",
        "/api/analysis/series/?interval=month",
    ]
    before = {address: client.get(address).content for address in addresses}
    assert b"Ambush at Boulkessi" in before["/incidents/"]

    incident.retract(by=UserFactory(username="reviewer", group="Reviewer"), reason="Wrong date")

    for address in addresses:
        assert client.get(address).content != before[address], address
    assert b"Ambush at Boulkessi" not in client.get("/incidents/").content
    assert client.get(f"/api/incidents/{incident.pk}/").status_code == 410
    assert client.get(f"/incidents/{incident.pk}/").status_code == 410


def test_a_publication_is_on_the_kept_list_at_once(client, incident):
    draft = IncidentFactory(title="Attack on Djibo", status=Status.DRAFT)
    assert b"Attack on Djibo" not in client.get("/incidents/").content
    # A bare UPDATE, as any write path: the database's trigger moves the version on.
    Incident.objects.filter(pk=draft.pk).update(
        status=Status.PUBLISHED, published_at=timezone.now()
    )
    assert b"Attack on Djibo" in client.get("/incidents/").content


@pytest.mark.parametrize(
    "change",
    [
        lambda incident: Actor.objects.filter(incidents=incident).update(name="Katiba Macina"),
        lambda incident: CitationFactory(incident=incident, title="Rapport de la MINUSMA"),
        lambda incident: incident.casualties.update(low=9, best=9, high=9),
        lambda incident: Location.objects.filter(incidents=incident).update(name="Boulkessi"),
    ],
    ids=["an actor renamed", "a citation added", "a toll revised", "a place renamed"],
)
def test_what_an_incident_page_shows_besides_the_incident_moves_it_on(client, incident, change):
    address = f"/incidents/{incident.pk}/"
    before = client.get(address).content
    change(incident)
    assert client.get(address).content != before


def test_work_on_a_draft_keeps_the_kept_answers(client, incident, django_assert_max_num_queries):
    draft = IncidentFactory(status=Status.DRAFT)
    source = SourceFactory()
    client.get("/incidents/")
    CasualtyFactory(incident=draft, best=3)
    CitationFactory(incident=draft, source=source)
    # A new name is on no public page until a published incident uses it.
    IncidentActorFactory(incident=draft, actor=ActorFactory(name="Ansarul Islam"))
    with django_assert_max_num_queries(1):
        client.get("/incidents/")


def test_a_release_renders_the_kept_pages_again(client, incident, django_assert_max_num_queries):
    """Each release runs `migrate`: pages kept by the code before it are not served by the new
    code, whose templates and links may differ."""
    client.get("/incidents/")
    with django_assert_max_num_queries(1):
        client.get("/incidents/")
    before = read_data_version()
    call_command("migrate", verbosity=0)
    assert read_data_version() != before
    with CaptureQueriesContext(connection) as queries:
        client.get("/incidents/")
    assert len(queries) > 1  # rendered again


def test_a_signed_in_analyst_is_never_served_nor_stored(
    client, analyst_client, incident, django_assert_max_num_queries
):
    address = f"/incidents/{incident.pk}/"
    signed_in = analyst_client.get(address)
    analyst_client.get(address)
    assert signed_in.status_code == 200
    # Nothing the analyst was answered was kept: the public's first visit renders.
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            client.get(address)


def test_a_french_visitor_is_sent_to_the_french_address_after_an_english_one_was_kept(
    client, incident
):
    assert client.get("/incidents/?date_from=2023-01-01").status_code == 200
    by_browser = client.get("/incidents/?date_from=2023-01-01", HTTP_ACCEPT_LANGUAGE="fr")
    assert by_browser.status_code == 302
    assert by_browser["Location"] == "/fr/incidents/?date_from=2023-01-01"
    client.cookies["django_language"] = "fr"
    assert client.get("/incidents/?date_from=2023-01-01").status_code == 302
    del client.cookies["django_language"]
    english = client.get("/incidents/?date_from=2023-01-01")
    assert english.status_code == 200
    assert english["Content-Language"] == "en"


def test_visitors_with_cookies_of_their_own_share_the_kept_answers(
    client, incident, django_assert_max_num_queries
):
    """Only the language cookie is in an answer's key: a CSRF token left by the browsable API
    or the admin's sign-in page, or a load balancer's cookie, must not give a visitor pages
    rendered for them alone."""
    addresses = ["/incidents/", f"/incidents/{incident.pk}/", "/api/incidents/"]
    first = [client.get(address) for address in addresses]
    client.cookies["csrftoken"] = "a-visitors-own-token"
    client.cookies["lb"] = "backend-2"
    for address, kept in zip(addresses, first, strict=True):
        with django_assert_max_num_queries(1):
            answer = client.get(address)
        assert answer.content == kept.content, address
    # The language cookie still chooses: French is sent to its own address.
    client.cookies["django_language"] = "fr"
    assert client.get("/incidents/")["Location"] == "/fr/incidents/"


def test_the_api_answers_each_language_its_own_messages(client, db):
    english = client.get("/api/incidents/?date_from=someday")
    french = client.get("/api/incidents/?date_from=someday", HTTP_ACCEPT_LANGUAGE="fr")
    assert english.status_code == french.status_code == 400
    ok_english = client.get("/api/analysis/series/?interval=month")
    ok_french = client.get("/api/analysis/series/?interval=month", HTTP_ACCEPT_LANGUAGE="fr")
    assert ok_english["Content-Language"] == "en"
    assert ok_french["Content-Language"] == "fr"


@pytest.mark.parametrize("address", ["/incidents.csv", "/incidents/999999/"])
def test_downloads_and_refusals_are_rendered_every_time(
    client, incident, address, django_assert_max_num_queries
):
    client.get(address)
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            response = client.get(address)
            if response.streaming:
                b"".join(response.streaming_content)


def test_a_browser_revalidating_the_map_points_gets_a_304(client, incident):
    first = client.get("/incidents/map.json")
    client.get("/incidents/map.json")
    again = client.get("/incidents/map.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_cache_can_be_turned_off(client, incident, settings, django_assert_max_num_queries):
    settings.PAGE_CACHE = False
    client.get(reverse("incidents:incident_list"))
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            client.get(reverse("incidents:incident_list"))


def test_a_page_kept_one_day_is_rendered_again_the_next(
    client, incident, monkeypatch, django_assert_max_num_queries
):
    # The citation line says on which day the page was accessed.
    address = f"/incidents/{incident.pk}/"
    assert b"(accessed " in client.get(address).content
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            client.get(address)


def test_a_page_asked_for_on_and_on_stays_kept_past_its_first_lifetime(
    client, incident, monkeypatch, django_assert_max_num_queries
):
    # Entries have a lifetime for memory only: one that visitors keep asking for must not
    # expire and send one of them to a render a day after it was kept (issue 16, point 2).
    import time

    import config.page_cache

    monkeypatch.setattr(config.page_cache, "KEEP_SECONDS", 1)
    monkeypatch.setattr(config.page_cache, "KEEP_SAMPLE", 1)  # every hit keeps its answer on
    address = "/incidents/"
    client.get(address)
    time.sleep(0.7)
    with django_assert_max_num_queries(1):
        client.get(address)
    time.sleep(0.7)
    # 1.4 s after it was kept, 0.7 s after the hit that kept it on.
    with django_assert_max_num_queries(1):
        client.get(address)


def test_a_page_nobody_asks_for_any_more_is_let_go(
    client, incident, monkeypatch, django_assert_max_num_queries
):
    import time

    import config.page_cache

    monkeypatch.setattr(config.page_cache, "KEEP_SECONDS", 1)
    client.get("/incidents/")
    time.sleep(1.2)
    with pytest.raises(pytest.fail.Exception):
        with django_assert_max_num_queries(1):
            client.get("/incidents/")
