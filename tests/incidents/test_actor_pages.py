"""A researcher opens an actor — JNIM — and sees its published incidents: totals, how often it
was perpetrator or target, a yearly trend, the actors it meets most, and the incidents."""

import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse

from incidents import querysets
from incidents.choices import ActorRole, ActorType, Status
from incidents.models import ActorAlias, IncidentActor
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    save_incidents_in_bulk,
)

P, PA, T, TA = (
    ActorRole.PERPETRATOR,
    ActorRole.PERPETRATOR_ASSOCIATE,
    ActorRole.TARGET,
    ActorRole.TARGET_ASSOCIATE,
)


@pytest.fixture
def actors(db):
    jnim = ActorFactory(
        name="Jama'at Nasr al-Islam wal Muslimin",
        actor_type=ActorType.REBEL_GROUP,
        description="Al-Qaeda's Sahel branch, formed in 2017.",
    )
    ActorAlias.objects.create(actor=jnim, name="JNIM")
    ActorAlias.objects.create(actor=jnim, name="GSIM")
    return {
        "jnim": jnim,
        "fama": ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES),
        "civilians": ActorFactory(name="Civilians (Mali)", actor_type=ActorType.CIVILIANS),
        "dozo": ActorFactory(name="Dozo militia", actor_type=ActorType.IDENTITY_MILITIA),
        "wagner": ActorFactory(name="Wagner Group", actor_type=ActorType.EXTERNAL_OTHER),
    }


# What the analysts recorded: (date, killed low/best/high or None, status, {actor: roles}).
RECORDS = [
    ("2021-04-01", (10, 12, 15), Status.PUBLISHED, {"jnim": [P], "fama": [T]}),
    ("2021-09-09", None, Status.PUBLISHED, {"jnim": [P], "civilians": [T]}),
    ("2023-02-02", (3, 3, 3), Status.PUBLISHED, {"fama": [P], "wagner": [PA], "jnim": [T]}),
    ("2023-05-05", (20, 25, 40), Status.PUBLISHED, {"jnim": [P], "fama": [T], "wagner": [TA]}),
    # On both sides of one incident (e.g. infighting between two of its units).
    ("2023-08-08", (1, 1, 2), Status.PUBLISHED, {"jnim": [P, T]}),
    ("2022-01-01", (4, 4, 4), Status.PUBLISHED, {"dozo": [P], "civilians": [T]}),  # not JNIM
    # Never counted anywhere.
    ("2022-06-06", (100, 200, 300), Status.DRAFT, {"jnim": [P], "dozo": [T]}),
    ("2020-06-06", (100, 200, 300), Status.IN_REVIEW, {"jnim": [P], "dozo": [T]}),
    ("2024-06-06", (100, 200, 300), Status.RETRACTED, {"jnim": [T], "dozo": [P]}),
]


@pytest.fixture
def recorded(actors):
    place = LocationFactory(name="Boni")
    for date, killed, status, roles in RECORDS:
        title = f"SECRET {status} report" if status != Status.PUBLISHED else f"Attack on {date}"
        incident = IncidentFactory(
            location=place,
            start_date=datetime.date.fromisoformat(date),
            status=status,
            title=title,
        )
        if killed is not None:
            low, best, high = killed
            CasualtyFactory(incident=incident, low=low, best=best, high=high)
        for name, actor_roles in roles.items():
            for role in actor_roles:
                IncidentActorFactory(incident=incident, actor=actors[name], role=role)
    return actors


def published_with(name):
    return [
        (date, killed, roles)
        for date, killed, status, roles in RECORDS
        if status == Status.PUBLISHED and name in roles
    ]


def actor_url(actor):
    return reverse("incidents:actor_detail", args=[actor.pk])


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_actor_totals_and_trend_count_its_published_incidents(client, recorded):
    response = client.get(actor_url(recorded["jnim"]))
    assert response.status_code == 200
    # An independent count: JNIM's published incidents, year by year from the first to the last.
    mine = published_with("jnim")
    first, last = int(mine[0][0][:4]), int(mine[-1][0][:4])
    expected = {}
    for year in range(first, last + 1):
        rows = [killed for date, killed, _ in mine if int(date[:4]) == year]
        known = [killed for killed in rows if killed]
        expected[year] = (len(rows), *(sum(k[i] for k in known) for i in range(3)))
    trend = response.context["trend"]
    assert {
        year: (t.incidents, t.killed_low, t.killed_best, t.killed_high)
        for year, t in trend["years"]
    } == expected
    assert expected[2022] == (0, 0, 0, 0)
    assert (trend["total"].incidents, trend["total"].killed_best) == (5, 41)
    assert (str(trend["first_date"]), str(trend["last_date"])) == ("2021-04-01", "2023-08-08")
    assert trend["total"].unknown_toll == 1


def test_actor_trend_starts_and_ends_on_its_own_first_and_last_days(client, actors):
    """The trend's first and last days are the actor's, within its first and last months,
    where other incidents (another actor's, an unpublished one of its own) come before and
    after them."""
    place = LocationFactory(name="Boni")
    days = {
        "2021-04-01": ("dozo", Status.PUBLISHED),
        "2021-04-03": ("jnim", Status.PUBLISHED),
        "2021-04-20": ("jnim", Status.PUBLISHED),
        "2023-08-02": ("jnim", Status.PUBLISHED),
        "2023-08-08": ("jnim", Status.PUBLISHED),
        "2023-08-20": ("jnim", Status.DRAFT),
        "2023-08-30": ("dozo", Status.PUBLISHED),
    }
    for day, (name, status) in days.items():
        incident = IncidentFactory(
            location=place, start_date=datetime.date.fromisoformat(day), status=status
        )
        IncidentActorFactory(incident=incident, actor=actors[name], role=P)
    trend = client.get(actor_url(actors["jnim"])).context["trend"]
    assert (str(trend["first_date"]), str(trend["last_date"])) == ("2021-04-03", "2023-08-08")


def role_counts(response):
    """{dataset: (incidents, first side, second side)} of an actor page."""
    return {
        row["names"].dataset: (row["incidents"], row["first"], row["second"])
        for row in response.context["roles"]
    }


def test_actor_counts_incidents_as_perpetrator_and_as_target(client, recorded):
    mine = published_with("jnim")
    assert role_counts(client.get(actor_url(recorded["jnim"]))) == {
        "entered": (
            len(mine),
            sum(1 for *_, r in mine if set(r["jnim"]) & {P, PA}),
            sum(1 for *_, r in mine if set(r["jnim"]) & {T, TA}),
        )
    }
    # The infighting counts on both sides, and once among the incidents.
    assert role_counts(client.get(actor_url(recorded["jnim"]))) == {"entered": (5, 4, 2)}
    # Associated roles count too.
    assert role_counts(client.get(actor_url(recorded["wagner"]))) == {"entered": (2, 1, 1)}


def test_actor_roles_read_as_each_dataset_gave_them(client, actors):
    jnim, fama = actors["jnim"], actors["fama"]
    # UCDP's side B is JNIM against the army: a party to the dyad, not anyone's target.
    for number in range(3):
        ucdp = IncidentFactory(ucdp_id=f"50{number}")
        IncidentActorFactory(incident=ucdp, actor=fama, role=P)
        IncidentActorFactory(incident=ucdp, actor=jnim, role=T)
    acled = IncidentFactory(acled_event_id="MLI1", ucdp_id="777")  # ACLED's, naming UCDP's id
    IncidentActorFactory(incident=acled, actor=jnim, role=P)
    entered = IncidentFactory()
    IncidentActorFactory(incident=entered, actor=jnim, role=P)
    response = client.get(actor_url(jnim))
    assert response.context["trend"]["total"].incidents == 5  # the headline counts incidents
    assert role_counts(response) == {"acled": (1, 1, 0), "ucdp": (3, 0, 3), "entered": (1, 1, 0)}
    text = text_of(response.content.decode())
    assert "UCDP GED events 3 Side A: 0 · Side B: 3" in text
    assert "ACLED events 1 Actor 1: 1 · Actor 2: 0" in text
    assert "as target" not in text
    # The UCDP event's own page names the sides as UCDP does.
    incident_text = text_of(client.get(ucdp.get_absolute_url()).content.decode())
    assert "Side A: Malian Armed Forces" in incident_text
    assert "Side B: Jama" in incident_text
    assert "Target:" not in incident_text


def test_actor_page_names_its_type_and_aliases(client, recorded):
    html = client.get(actor_url(recorded["jnim"])).content.decode()
    text = text_of(html)
    assert "Jama&#x27;at Nasr al-Islam wal Muslimin" in html
    assert "Rebel group" in text
    assert "ACLED inter code 2" in text
    assert "Also reported as: GSIM JNIM" in text
    assert "Al-Qaeda" in text
    assert "5 published incidents" in text
    assert "Incidents entered here or from the GTD 5 Perpetrator: 4 · Target: 2" in text


def test_actor_page_lists_the_actors_most_often_in_the_same_incidents(client, recorded):
    response = client.get(actor_url(recorded["jnim"]))
    met = [(actor.name, actor.shared) for actor in response.context["co_actors"]]
    # An independent count over JNIM's published incidents (the draft with the Dozo is not one).
    shared = {}
    for *_, roles in published_with("jnim"):
        for name in set(roles) - {"jnim"}:
            shared[recorded[name].name] = shared.get(recorded[name].name, 0) + 1
    assert met == sorted(shared.items(), key=lambda item: (-item[1], item[0]))
    assert met == [("Malian Armed Forces", 3), ("Wagner Group", 2), ("Civilians (Mali)", 1)]
    html = response.content.decode()
    assert f'href="{actor_url(recorded["fama"])}"' in html


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED])
def test_unpublished_incidents_never_count_on_actor_pages(client, actors, status):
    incident = IncidentFactory(status=status, title="SECRET report")
    CasualtyFactory(incident=incident, best=50)
    IncidentActorFactory(incident=incident, actor=actors["jnim"], role=P)
    IncidentActorFactory(incident=incident, actor=actors["fama"], role=T)
    public = IncidentFactory(status=Status.PUBLISHED, title="Public report")
    IncidentActorFactory(incident=public, actor=actors["jnim"], role=P)
    response = client.get(actor_url(actors["jnim"]))
    assert response.context["trend"]["total"].incidents == 1
    assert role_counts(response) == {"entered": (1, 1, 0)}
    assert response.context["co_actors"] == []  # FAMa met JNIM only in the hidden incident
    assert "SECRET" not in response.content.decode()
    assert len(response.context["table"].rows) == 1
    # An actor of hidden incidents only has no public page: it says what is being worked on.
    hidden_only = client.get(actor_url(actors["fama"]))
    assert hidden_only.status_code == 404
    assert "SECRET" not in hidden_only.content.decode()


def test_actor_page_links_to_the_list_downloads_and_analysis(client, recorded):
    jnim = recorded["jnim"]
    html = client.get(actor_url(jnim)).content.decode()
    assert f'href="{reverse("incidents:incident_list")}?actor={jnim.pk}"' in html
    assert f'href="/incidents.csv?actor={jnim.pk}"' in html
    assert f'href="/incidents.json?actor={jnim.pk}"' in html
    listed = client.get(reverse("incidents:incident_list"), {"actor": jnim.pk})
    assert listed.context["table"].paginator.count == 5


def test_actor_page_lists_its_incidents_in_the_incident_table(client, recorded):
    response = client.get(actor_url(recorded["jnim"]))
    titles = [row.record.title for row in response.context["table"].page.object_list]
    assert titles == [f"Attack on {date}" for date, *_ in reversed(published_with("jnim"))]


def test_unknown_actor_gets_the_sites_not_found_page(client, db):
    response = client.get(reverse("incidents:actor_detail", args=[999999]))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_list_and_incident_page_link_each_actor(client, recorded):
    incident = IncidentFactory(title="Linked attack", start_date=datetime.date(2024, 1, 1))
    IncidentActorFactory(incident=incident, actor=recorded["jnim"], role=P)
    IncidentActorFactory(incident=incident, actor=recorded["civilians"], role=T)
    for url in (reverse("incidents:incident_list"), incident.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f'href="{actor_url(recorded["jnim"])}"' in html
        assert f'href="{actor_url(recorded["civilians"])}"' in html


def test_an_actors_numbers_follow_a_publication_at_once_however_big(client, recorded, monkeypatch):
    monkeypatch.setattr(querysets, "COUNT_CACHE_MIN", 5)  # JNIM is big, the Dozo small
    jnim, dozo = recorded["jnim"], recorded["dozo"]
    before = client.get(actor_url(jnim)).context
    assert before["trend"]["total"].incidents == 5
    assert client.get(actor_url(dozo)).context["trend"]["total"].incidents == 1
    incident = IncidentFactory(title="Newest", start_date=datetime.date(2024, 5, 5))
    IncidentActorFactory(incident=incident, actor=jnim, role=P)
    IncidentActorFactory(incident=incident, actor=dozo, role=T)
    after = client.get(actor_url(jnim)).context
    assert after["trend"]["total"].incidents == 6
    assert after["roles"][0]["first"] == before["roles"][0]["first"] + 1
    shared = {a.name: a.shared for a in after["co_actors"]}
    assert (
        shared[dozo.name] == {a.name: a.shared for a in before["co_actors"]}.get(dozo.name, 0) + 1
    )
    assert after["table"].page.object_list[0].record.title == "Newest"
    assert client.get(actor_url(dozo)).context["trend"]["total"].incidents == 2


@pytest.mark.parametrize("count", [5, 60])
def test_actor_page_query_count_does_not_grow_with_incidents(
    client, actors, django_assert_max_num_queries, count
):
    place = LocationFactory()
    incidents = save_incidents_in_bulk(
        [
            IncidentFactory.build(location=place, start_date=datetime.date(2015 + number % 9, 1, 1))
            for number in range(count)
        ],
        roles=[(actors["jnim"], P)],
        killed=lambda number: 5,
    )
    others = [actors[name] for name in ("fama", "civilians", "dozo", "wagner")]
    IncidentActor.objects.bulk_create(
        IncidentActor(incident=incident, actor=others[number % 4], role=T)
        for number, incident in enumerate(incidents)
    )
    # actor, its aliases; the public data version; roles; actors met; trend (which also
    # counts the table's pages); the table's rows, their tactics, their actors. PostgreSQL
    # reads roles and actors met from the actor counts (the sets that hold the actor, their
    # counts), then the actors met by name, and the trend's first and last days.
    with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 9):
        assert client.get(actor_url(actors["jnim"])).status_code == 200
    with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 9):
        page = 2 if count > 50 else 1
        assert client.get(actor_url(actors["jnim"]), {"page": page}).status_code == 200
