"""Corrections the public sees: a published incident's changed figures, date, place, type or
actors, on its page, in the API, on /corrections/ and its Atom feed; and a duplicate's address
pointing to the incident kept."""

import datetime
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from incidents import history
from incidents.choices import ActorRole, Status, VersionKind
from incidents.corrections import describe_changes
from incidents.models import Correction, Location
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

CORRECTIONS_URL = reverse("incidents:correction_list")
FEED_URL = reverse("incidents:correction_feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def edit(incident, by, reason="", **fields):
    """Change an incident's own fields as the admin form does: inside history.change()."""
    with history.change(incident, by=by, kind=VersionKind.EDITED, reason=reason):
        for name, value in fields.items():
            setattr(incident, name, value)
        incident.save()


def set_killed(casualty, best, by, reason=""):
    with history.change(casualty.incident, by=by, kind=VersionKind.EDITED, reason=reason):
        casualty.low = casualty.best = casualty.high = best
        casualty.save()


@pytest.fixture
def bamako(db):
    incident = IncidentFactory(
        status=Status.PUBLISHED,
        title="Attack on the gendarmerie school in Bamako",
        start_date=datetime.date(2024, 9, 16),
        location=LocationFactory(name="Bamako"),
    )
    CitationFactory(incident=incident)
    casualty = CasualtyFactory(incident=incident, best=12)
    return casualty


def test_a_corrected_toll_and_date_become_one_dated_public_note(client, reviewer, bamako):
    incident = bamako.incident
    with history.change(incident, by=reviewer, kind=VersionKind.EDITED, reason="AFP update"):
        bamako.low = bamako.best = bamako.high = 14
        bamako.save()
        incident.start_date = datetime.date(2024, 9, 17)
        incident.save()

    correction = Correction.objects.get()
    assert correction.summary == "killed 12 → 14; date 16 September 2024 → 17 September 2024"
    assert correction.reason == "AFP update"
    assert correction.version.kind == VersionKind.CORRECTED

    page = client.get(incident.get_absolute_url()).content.decode()
    day = correction.corrected_at.strftime("%-d %B %Y")
    assert f"{day}</time>: killed 12 → 14; date 16 September 2024 → 17 September 2024" in page
    assert "reason: AFP update" in page


def test_title_and_narrative_edits_are_no_correction(client, reviewer, bamako):
    edit(bamako.incident, reviewer, title="Attack in Bamako", narrative="Gunmen attacked…")
    assert not Correction.objects.exists()
    page = client.get(bamako.incident.get_absolute_url()).content.decode()
    assert "Attack in Bamako" in page and 'id="corrections"' not in page


def test_edits_before_publication_are_no_correction(reviewer, analyst):
    casualty = CasualtyFactory(incident=IncidentFactory(status=Status.DRAFT), best=3)
    set_killed(casualty, 5, analyst)
    assert not Correction.objects.exists()


def test_place_type_and_actors_changes_are_described(reviewer, bamako):
    incident = bamako.incident
    kati = LocationFactory(name="Kati")
    jnim = ActorFactory(name="JNIM")
    with history.change(incident, by=reviewer, kind=VersionKind.EDITED):
        incident.location = kati
        incident.save()
        IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
    assert Correction.objects.get().summary == (
        "place Bamako (Mopti) → Kati (Mopti); actor added: JNIM (perpetrator)"
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([], [(3, 5, 9)], ["killed unknown → 5 (3–9)"]),
        ([(5, 5, 5)], [], ["killed 5 → unknown"]),
        ([(5, 5, 5), (2, 2, 2)], [(7, 7, 7)], []),  # the same total from other rows
    ],
    ids=["a toll where there was none", "a toll withdrawn", "same total"],
)
def test_describe_changes_compares_the_totals_not_the_rows(before, after, expected):
    def state(rows):
        return {
            "casualties": [
                {"outcome": "killed", "group": "civilians", "low": low, "best": best, "high": high}
                for low, best, high in rows
            ]
        }

    assert describe_changes(state(before), state(after)) == expected


def test_the_api_detail_lists_the_corrections(client, reviewer, bamako):
    set_killed(bamako, 14, reviewer, reason="AFP update")
    detail = client.get(reverse("incidents_api:incident_detail", args=[bamako.incident_id]))
    [correction] = detail.json()["corrections"]
    assert (correction["summary"], correction["reason"]) == ("killed 12 → 14", "AFP update")


def test_corrections_page_lists_the_latest_with_links_and_a_feed(client, reviewer, bamako):
    set_killed(bamako, 14, reviewer, reason="AFP update")
    set_killed(bamako, 77, reviewer, reason="Government toll")
    page = client.get(CORRECTIONS_URL)
    html = page.content.decode()
    assert html.index("killed 14 → 77") < html.index("killed 12 → 14")
    assert f'href="{bamako.incident.get_absolute_url()}#correction-' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="{FEED_URL}"' in html

    feed = client.get(FEED_URL)
    assert feed["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(feed.content).findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        "Attack on the gendarmerie school in Bamako: killed 14 → 77",
        "Attack on the gendarmerie school in Bamako: killed 12 → 14",
    ]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.startswith(f"http://testserver{bamako.incident.get_absolute_url()}#correction-")


def test_corrections_page_is_paginated(client, reviewer, bamako, settings):
    for best in range(13, 13 + 51):
        set_killed(bamako, best, reviewer)
    first = client.get(CORRECTIONS_URL)
    assert len(first.context["page"].object_list) == 50
    assert "killed 62 → 63" in first.content.decode()
    second = client.get(CORRECTIONS_URL, {"page": 2})
    assert [c.summary for c in second.context["page"].object_list] == ["killed 12 → 13"]


def test_a_retracted_incidents_corrections_are_not_listed(client, reviewer, bamako):
    set_killed(bamako, 14, reviewer, reason="AFP update")
    bamako.incident.retract(by=reviewer, reason="Not in Mali")
    assert "killed 12 → 14" not in client.get(CORRECTIONS_URL).content.decode()
    assert b"killed 12" not in client.get(FEED_URL).content
    assert Location.objects.filter(name="Bamako").exists()


def test_a_duplicates_address_links_to_the_incident_kept(client, reviewer):
    kept = IncidentFactory(status=Status.PUBLISHED, title="Attack on Boulkessi")
    duplicate = IncidentFactory(status=Status.PUBLISHED)
    duplicate.retract_as_duplicate(by=reviewer, of=kept)

    page = client.get(duplicate.get_absolute_url())
    assert page.status_code == 410
    html = page.content.decode()
    assert f'<a href="{kept.get_absolute_url()}">' in html
    assert f"Duplicate of incident {kept.pk}, “Attack on Boulkessi”." in html

    answer = client.get(reverse("incidents_api:incident_detail", args=[duplicate.pk]))
    assert answer.status_code == 410
    assert answer.json()["duplicate_of"] == kept.pk
    assert answer.json()["duplicate_of_url"] == (
        "http://testserver" + reverse("incidents_api:incident_detail", args=[kept.pk])
    )


def test_a_plain_retraction_links_nowhere(client, reviewer):
    incident = IncidentFactory(status=Status.PUBLISHED)
    incident.retract(by=reviewer, reason="Not political violence")
    assert "is kept" not in client.get(incident.get_absolute_url()).content.decode()


@pytest.mark.parametrize("count", [2, 20])
def test_corrections_page_and_feed_queries_do_not_grow(
    client, reviewer, bamako, django_assert_max_num_queries, count
):
    for best in range(13, 13 + count):
        set_killed(bamako, best, reviewer)
    with django_assert_max_num_queries(2):  # count, page
        assert client.get(CORRECTIONS_URL).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(FEED_URL).status_code == 200


def test_an_open_high_is_written_as_on_the_incident_page():
    def state(best, high_open):
        row = {"outcome": "killed", "group": "unknown", "low": 70, "best": best, "high": 100}
        return {"casualties": [{**row, "high_open": high_open}]}

    assert describe_changes(state(77, True), state(80, True)) == [
        "killed 77 (70–100+) → 80 (70–100+)"
    ]
    assert describe_changes(state(77, True), state(77, False)) == [
        "killed 77 (70–100+) → 77 (70–100)"
    ]
