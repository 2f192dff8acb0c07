"""The search entries (models.SearchEntry, PostgreSQL only) stay in step with the incidents and
their actors through every write path: a new incident, an edit of its words, place, type or
date, a status change, a deletion, an actor added, moved or removed, an import row by row or in
bulk, a flush. A searched list counted from them says what the incidents themselves say, and a
retracted incident leaves the public search at once."""

import datetime

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from incidents.choices import ActorRole, Status
from incidents.importers import importing
from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from incidents.models import EventType, Incident, IncidentActor, SearchEntry
from incidents.querysets import SEARCH_CONFIGURATION
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    taxonomy,
)
from tests.incidents.test_import_bulk import acled_file, varied_rows


@pytest.fixture(autouse=True)
def on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite searches the incidents themselves: it has no search entries")


def out_of_step():
    """The incidents whose entry is missing, left over, or differs from what the incident and
    its actors hold now (the document computed again from the title and narrative)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH expected AS (
                SELECT i.id, i.status, i.start_date, i.event_type_id, i.location_id,
                    COALESCE((SELECT array_agg(DISTINCT r.actor_id ORDER BY r.actor_id)
                        FROM incidents_incidentactor r WHERE r.incident_id = i.id), '{}')
                        AS actor_ids,
                    to_tsvector(%s::regconfig,
                        COALESCE(i.title, '') || ' ' || COALESCE(i.narrative, '')) AS document
                FROM incidents_incident i
            )
            SELECT COALESCE(x.id, e.incident_id) FROM expected x
            FULL JOIN incidents_searchentry e ON e.incident_id = x.id
            WHERE x.id IS NULL OR e.incident_id IS NULL
                OR (x.status, x.start_date, x.event_type_id, x.location_id, x.document)
                    IS DISTINCT FROM
                    (e.status, e.start_date, e.event_type_id, e.location_id, e.document)
                OR x.actor_ids IS DISTINCT FROM
                    (SELECT COALESCE(array_agg(a ORDER BY a), '{}') FROM unnest(e.actor_ids) a)
            """,
            [SEARCH_CONFIGURATION],
        )
        return [row[0] for row in cursor.fetchall()]


def entry_has_word(incident, word):
    return SearchEntry.objects.filter(
        incident=incident, document=SearchQuery(word, config=SEARCH_CONFIGURATION)
    ).exists()


def publicly_found(text):
    """The ids the public search finds, and its count from the entries (tally)."""
    found = Incident.objects.public().search(text)
    assert found.search_entries is not None  # counted from the entries
    return set(found.values_list("pk", flat=True)), found.tally()["count"]


def test_a_new_incident_gets_an_entry_with_its_words_place_type_and_date():
    incident = IncidentFactory(
        title="Embuscade près de Ségou", narrative="Des hommes armés ont visé un convoi."
    )
    entry = SearchEntry.objects.get(incident=incident)
    assert (entry.status, entry.start_date, entry.location_id, entry.event_type_id) == (
        Status.PUBLISHED,
        incident.start_date,
        incident.location_id,
        "battles",
    )
    assert entry_has_word(incident, "segou") and entry_has_word(incident, "convoi")
    assert entry.actor_ids == []
    assert out_of_step() == []


def test_an_edit_of_the_title_or_narrative_changes_the_words_found():
    incident = IncidentFactory(title="Attack on a market", narrative="In Boni.")
    Incident.objects.filter(pk=incident.pk).update(narrative="In Douentza.")
    assert entry_has_word(incident, "douentza") and not entry_has_word(incident, "boni")
    incident.refresh_from_db()
    incident.title = "Ambush on a convoy"
    incident.save()
    assert entry_has_word(incident, "ambush") and not entry_has_word(incident, "market")
    assert out_of_step() == []


def test_an_edit_of_the_place_type_or_date_moves_the_entry():
    incident = IncidentFactory()
    gao = LocationFactory(name="Gao", admin1=AdminAreaFactory(name="Gao", iso_code="ML-7"))
    Incident.objects.filter(pk=incident.pk).update(
        location=gao,
        event_type=taxonomy(EventType, "riots"),
        sub_event_type=None,
        start_date=datetime.date(2021, 2, 3),
    )
    entry = SearchEntry.objects.get(incident=incident)
    assert (entry.location_id, entry.event_type_id, entry.start_date) == (
        gao.pk,
        "riots",
        datetime.date(2021, 2, 3),
    )
    assert out_of_step() == []


def test_an_actor_added_moved_or_removed_changes_the_entrys_actors():
    incident, other = IncidentFactory(), IncidentFactory()
    jnim, fama = ActorFactory(name="JNIM"), ActorFactory(name="FAMa")
    role = IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.TARGET_ASSOCIATE)
    IncidentActorFactory(incident=incident, actor=fama, role=ActorRole.TARGET)
    assert sorted(SearchEntry.objects.get(incident=incident).actor_ids) == sorted(
        [jnim.pk, fama.pk]
    )  # each actor once, whatever its roles
    IncidentActor.objects.filter(pk=role.pk).update(incident=other)
    assert SearchEntry.objects.get(incident=other).actor_ids == [jnim.pk]
    IncidentActor.objects.filter(incident=incident).delete()
    assert SearchEntry.objects.get(incident=incident).actor_ids == []
    assert out_of_step() == []


def test_a_deleted_incident_loses_its_entry():
    incident = IncidentFactory()
    IncidentActorFactory(incident=incident)
    incident.delete()
    assert not SearchEntry.objects.filter(incident_id=incident.pk).exists()
    assert out_of_step() == []


def test_a_retracted_incident_leaves_the_public_search_at_once(reviewer):
    kept = IncidentFactory(title="Ambush near Boni")
    retracted = IncidentFactory(title="Ambush near Boni, again")
    assert publicly_found("boni") == ({kept.pk, retracted.pk}, 2)
    retracted.retract(by=reviewer, reason="Reported twice.")
    assert SearchEntry.objects.get(incident=retracted).status == Status.RETRACTED
    assert publicly_found("boni") == ({kept.pk}, 1)
    retracted.reinstate(by=reviewer, reason="Two events after all.")
    assert publicly_found("boni") == ({kept.pk, retracted.pk}, 2)


def test_drafts_are_searched_by_analysts_but_not_by_the_public():
    draft = IncidentFactory(title="Attack on Hombori", status=Status.DRAFT)
    assert publicly_found("hombori") == (set(), 0)
    analysts = Incident.objects.all().matching_every_word("hombori")
    assert list(analysts) == [draft]
    assert sum(analysts.start_month_counts().values()) == 1


@pytest.mark.parametrize("bulk", [False, True], ids=["row by row", "bulk"])
def test_an_import_writes_every_entry_in_step(tmp_path, bulk):
    first = acled_file(tmp_path / "first.csv", varied_rows())
    second = acled_file(tmp_path / "second.csv", varied_rows(changed=True))
    import_file(first, AcledImporter(), bulk=bulk)
    import_file(second, AcledImporter(), bulk=bulk)  # updates, new actors and sources
    assert SearchEntry.objects.count() == Incident.objects.count() == 30
    assert SearchEntry.objects.exclude(actor_ids=[]).exists()
    assert out_of_step() == []


def test_a_bulk_import_that_creates_and_updates_writes_every_entry_in_step(tmp_path, monkeypatch):
    # The bulk path writes the entries of each chunk's incidents itself, the new ones and those
    # it updates (their roles written again), beside incidents it leaves unchanged.
    monkeypatch.setattr(importing, "CHUNK_SIZE", 7)
    import_file(acled_file(tmp_path / "first.csv", varied_rows()[:12]), AcledImporter())
    rows = varied_rows(changed=True)
    for row in rows[:12:3]:  # the rows changed: new words and a new actor too
        row.update(notes=row["notes"] + " Revised near Boni.", actor1="Katiba Serma")
    report = import_file(acled_file(tmp_path / "second.csv", rows), AcledImporter(), bulk=True)
    assert (report.created, report.updated, report.unchanged) == (18, 4, 8)
    assert SearchEntry.objects.count() == 30
    assert (
        SearchEntry.objects.filter(
            document=SearchQuery("Boni", config=SEARCH_CONFIGURATION)
        ).count()
        == 4
    )
    assert out_of_step() == []


def test_after_a_bulk_import_the_entries_are_kept_in_step_again(tmp_path):
    # The bulk path switches the entries' triggers off while its rows go in and writes the
    # entries itself: the triggers must be on again for the next write.
    import_file(acled_file(tmp_path / "first.csv", varied_rows()), AcledImporter(), bulk=True)
    later = IncidentFactory(title="Convoy ambushed near Boni")
    IncidentActorFactory(incident=later, actor=ActorFactory(name="Katiba Serma"))
    assert entry_has_word(later, "Boni")
    assert out_of_step() == []


def test_a_failed_bulk_import_leaves_the_entries_triggers_on(tmp_path):
    rows = varied_rows()
    rows[-1]["event_date"] = "not a date"
    import_file(acled_file(tmp_path / "bad.csv", rows), AcledImporter(), bulk=True)
    assert not Incident.objects.exists()
    IncidentFactory(title="Convoy ambushed near Boni")
    assert out_of_step() == []


def test_a_flush_empties_the_entries():
    IncidentFactory()
    with connection.cursor() as cursor:
        # As Django's flush does, outside the test's transaction (whose deferred foreign-key
        # checks would refuse a TRUNCATE).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE incidents_incident CASCADE")
    assert not SearchEntry.objects.exists()


@pytest.fixture
def searched():
    """Incidents found by their words, by their place's region, by an actor's alias and by an
    id, in several months, types and regions; drafts among them."""
    mopti = AdminAreaFactory(name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(name="Gao", iso_code="ML-7")
    jnim = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin")
    jnim.aliases.create(name="JNIM")
    for n in range(12):
        incident = IncidentFactory(
            title=["Ambush near Mopti", "Clash near Gao", "Attack on a convoy"][n % 3],
            location=LocationFactory(admin1=[mopti, gao][n % 2]),
            start_date=datetime.date(2022 + n % 2, n % 12 + 1, 10),
            event_type=taxonomy(EventType, ["battles", "riots"][n % 2]),
            sub_event_type=None,
            status=[Status.PUBLISHED, Status.DRAFT][n % 5 == 0],
            acled_event_id=f"MLI{n}",
        )
        if n % 4 == 0:
            IncidentActorFactory(incident=incident, actor=jnim)


@pytest.mark.parametrize("text", ["Mopti", "Gao", "JNIM", "convoy", '"near Gao"', "nothing"])
def test_a_public_search_counts_from_its_entries_what_the_incidents_say(searched, text):
    from_entries = Incident.objects.public().search(text)
    from_incidents = from_entries.filter(pk__gte=0)  # another filter: the incidents' path
    assert from_entries.search_entries is not None and from_incidents.search_entries is None
    assert from_entries.tally() == from_incidents.tally()
    assert from_entries.facet_counts() == from_incidents.facet_counts()


@pytest.mark.parametrize("text", ["Mopti", "JNIM", "2022", "2023-02", "MLI3", "gao 2022"])
def test_the_admin_search_counts_its_months_from_its_entries_as_from_the_incidents(searched, text):
    from_entries = Incident.objects.all().matching_every_word(text)
    from_incidents = from_entries.filter(pk__gte=0)
    assert from_entries.search_entries is not None and from_incidents.search_entries is None
    assert from_entries.start_month_counts() == from_incidents.start_month_counts()
    assert from_entries.start_month_counts()
