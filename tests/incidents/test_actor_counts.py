"""The actor counts (models/actor_counts.py, kept by migration 0028's triggers, PostgreSQL only):
every write path leaves them equal to a count of the published incidents and their roles, and
the series split by actor, the comparison by actor and the actor page answer from them exactly
what the roles themselves give."""

import csv
from dataclasses import asdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analysis.comparisons import compare_periods
from analysis.series import build_series
from incidents import counts
from incidents.choices import ActorRole, Status
from incidents.filters import IncidentFilterSet
from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from incidents.merges import merge_actors
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    Location,
    PublicActorMonth,
    PublicActorSetMonth,
    PublicIncidentActors,
)
from tests.factories import ActorFactory, CountryFactory, IncidentActorFactory, UserFactory
from tests.incidents import test_counts
from tests.incidents.test_counts import API_SERIES, day, sahel  # noqa: F401 (a fixture)
from tests.incidents.test_import_acled import acled_row

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the actor counts are PostgreSQL's"
)

PERPETRATOR, TARGET = ActorRole.PERPETRATOR, ActorRole.TARGET


@pytest.fixture
def actors(sahel):  # noqa: F811 (the fixture imported above)
    """Roles on the sahel incidents: JNIM in most (once in two roles of one incident, once on
    both sides of another), the army in some, civilians as targets, one incident without any
    actor, and roles on the draft and the retraction, which never count."""
    jnim, army, civilians, isgs = (
        ActorFactory(name=name) for name in ("JNIM", "FAMa", "Civilians (Mali)", "ISGS")
    )
    incidents = sahel["incidents"]
    roles = [
        (0, jnim, PERPETRATOR),
        (0, jnim, ActorRole.PERPETRATOR_ASSOCIATE),
        (0, army, TARGET),
        (1, jnim, PERPETRATOR),
        (1, jnim, ActorRole.TARGET_ASSOCIATE),
        (2, jnim, PERPETRATOR),
        (2, civilians, TARGET),
        (3, army, PERPETRATOR),
        (4, isgs, PERPETRATOR),
        (4, civilians, TARGET),
        (5, jnim, PERPETRATOR),
        (6, army, PERPETRATOR),
        (6, jnim, TARGET),
        # incident 7 has no actor
        (8, isgs, PERPETRATOR),
    ]
    IncidentActor.objects.bulk_create(
        IncidentActor(incident=incidents[number], actor=actor, role=role)
        for number, actor, role in roles
    )
    for status in (Status.DRAFT, Status.RETRACTED):
        IncidentActorFactory(incident=Incident.objects.get(status=status), actor=jnim)
    return {**sahel, "jnim": jnim, "army": army, "civilians": civilians, "isgs": isgs}


def assert_actor_counts_exact():
    assert counts.actor_count_differences() == []
    published = Incident.objects.public().count()
    assert sum(PublicActorSetMonth.objects.values_list("incidents", flat=True)) == published
    pairs = IncidentActor.objects.filter(incident__status=Status.PUBLISHED)
    assert sum(PublicActorMonth.objects.values_list("incidents", flat=True)) == (
        pairs.values("incident", "actor").distinct().count()
    )


# --- every write path keeps the tables exact --------------------------------------------------


def add_a_role(actors):
    IncidentActorFactory(incident=actors["incidents"][7], actor=actors["army"], role=TARGET)


def add_a_second_role_of_the_same_actor(actors):
    IncidentActorFactory(
        incident=actors["incidents"][3], actor=actors["army"], role=ActorRole.TARGET_ASSOCIATE
    )


def remove_a_role(actors):
    IncidentActor.objects.filter(incident=actors["incidents"][2], actor=actors["jnim"]).delete()


def change_a_roles_side(actors):
    role = IncidentActor.objects.get(incident=actors["incidents"][5], actor=actors["jnim"])
    role.role = TARGET
    role.save()


def move_a_role_to_another_incident(actors):
    IncidentActor.objects.filter(incident=actors["incidents"][8]).update(
        incident=actors["incidents"][7]
    )


def merge_two_actors(actors):
    merge_actors(actors["jnim"], [actors["isgs"]], by=UserFactory(username="analyst"))
    assert not Actor.objects.filter(name="ISGS").exists()


def move_a_place_to_another_country(actors):
    Location.objects.filter(pk=actors["places"]["djibo"].pk).update(
        country=CountryFactory(iso3="NER", iso2="NE", name="Niger")
    )


def change_only_an_incidents_event_type(actors):
    # Neither its months, its country nor its roles: only its row by day, region and type.
    Incident.objects.filter(pk=actors["incidents"][2].pk).update(event_type_id="protests")


def delete_an_incident_with_its_roles(actors):
    Incident.objects.get(pk=actors["incidents"][0].pk).delete()


WRITES = [
    add_a_role,
    add_a_second_role_of_the_same_actor,
    remove_a_role,
    change_a_roles_side,
    move_a_role_to_another_incident,
    merge_two_actors,
    move_a_place_to_another_country,
    change_only_an_incidents_event_type,
    delete_an_incident_with_its_roles,
    # The incidents' own write paths (test_counts): edits, publication, retraction, bulk
    # inserts, queryset updates, casualty figures, deletes, places moved.
    test_counts.save_an_edit,
    test_counts.publish_a_draft,
    test_counts.retract,
    test_counts.import_in_bulk,
    test_counts.update_a_queryset,
    test_counts.code_a_casualty_figure,
    test_counts.delete,
    test_counts.move_a_place_to_another_region,
]


@on_postgresql
@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_every_write_path_leaves_the_actor_counts_equal_to_a_recount(actors, write):
    assert_actor_counts_exact()
    write(actors)
    assert_actor_counts_exact()


def acled_file(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@on_postgresql
@pytest.mark.parametrize("bulk", [False, True], ids=["row by row", "bulk"])
def test_an_import_and_its_reimport_leave_the_actor_counts_exact(db, tmp_path, bulk):
    rows = [
        acled_row(
            event_id_cnty=f"MLI{n}",
            event_date=f"2023-0{n % 3 + 1}-1{n % 9}",
            actor1=f"Armed group {n % 3}",
            assoc_actor_1="Militia A" if n % 2 else "",
            actor2="" if n % 4 == 0 else "Civilians (Mali)",
            assoc_actor_2="",
            inter2="0" if n % 4 == 0 else "7",
            fatalities=str(n),
        )
        for n in range(12)
    ]
    report = import_file(acled_file(tmp_path / "a.csv", rows), AcledImporter(), bulk=bulk)
    assert report.created == 12, report.rejected
    assert_actor_counts_exact()
    rows[0]["actor1"], rows[1]["assoc_actor_1"], rows[2]["fatalities"] = "Armed group 9", "", "40"
    import_file(acled_file(tmp_path / "b.csv", rows), AcledImporter(), bulk=bulk)
    assert_actor_counts_exact()


@on_postgresql
def test_the_bulk_import_switches_the_actor_count_triggers_on_again(db, tmp_path):
    rows = [acled_row(event_id_cnty=f"MLI{n}", actor1=f"Group {n}") for n in range(3)]
    import_file(acled_file(tmp_path / "a.csv", rows), AcledImporter(), bulk=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('incidentdb.derived_triggers', true)")
        assert cursor.fetchone()[0] == "on"
    IncidentActorFactory(incident=Incident.objects.first(), actor=ActorFactory(), role=TARGET)
    assert_actor_counts_exact()


def miscount_an_actors_month():
    PublicActorMonth.objects.filter(pk=PublicActorMonth.objects.first().pk).update(incidents=99)


def misplace_an_incidents_counted_row():
    PublicIncidentActors.objects.filter(pk=PublicIncidentActors.objects.first().pk).update(
        admin1_id=0
    )


@on_postgresql
@pytest.mark.parametrize("miscount", [miscount_an_actors_month, misplace_an_incidents_counted_row])
def test_the_rebuild_command_finds_and_mends_a_difference_in_the_actor_counts(actors, miscount):
    miscount()
    with pytest.raises(CommandError):
        call_command("rebuild_public_counts", "--check")
    call_command("rebuild_public_counts")
    call_command("rebuild_public_counts", "--check")
    assert_actor_counts_exact()


@on_postgresql
def test_a_truncation_of_the_incidents_empties_the_actor_counts(actors):
    with connection.cursor() as cursor:
        # As a flush does (the test's deferred foreign-key checks would forbid it).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE incidents_incident CASCADE")
    assert not PublicActorMonth.objects.exists()
    assert not PublicActorSetMonth.objects.exists()


def last_role_set_id_taken():
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM incidents_actorset_id_seq")
        return cursor.fetchone()[0]


@on_postgresql
def test_recounts_and_rebuilds_of_known_role_sets_take_no_new_set_ids(actors):
    # A split by actor indexes an array by set id (analysis/series.py): ids spent on sets
    # already known would stretch it with every write.
    taken = last_role_set_id_taken()
    test_counts.update_a_queryset(actors)
    call_command("rebuild_public_counts")
    assert last_role_set_id_taken() == taken
    assert_actor_counts_exact()


# --- the answers equal the roles' own ---------------------------------------------------------

SELECTIONS = [
    {},
    {"country": ["MLI"]},
    {"date_from": "2024-01-01", "date_to": "2024-12-31"},
    {"date_from": "2024-02-01"},
    {"date_to": "2023-12-31", "country": ["MLI"]},
    # Not answered by the actor counts: days, a region, an event type.
    {"date_from": "2024-01-02", "date_to": "2024-06-10"},
    {"admin1": ["{mopti}"]},
    {"event_type": ["battles"]},
]


@pytest.mark.parametrize("query", SELECTIONS)
@pytest.mark.parametrize("interval", ["week", "month", "quarter", "year"])
@pytest.mark.parametrize("measure", ["incidents", "killed"])
def test_series_split_by_actor_equal_the_roles_own(actors, query, interval, measure):
    counted, recounted = test_counts.selected(actors, query)
    dates = {
        "date_from": day(query["date_from"]) if "date_from" in query else None,
        "date_to": day(query["date_to"]) if "date_to" in query else None,
    }
    options = {"interval": interval, "split": "actor", "top": 2, "measure": measure, **dates}
    assert asdict(build_series(counted, **options)) == asdict(build_series(recounted, **options))


COMPARED = [
    ("2023-01-01", "2023-12-31", "2024-01-01", "2024-12-31"),
    ("2024-01-01", "2024-03-31", "2024-06-01", "2024-06-30"),
    # Not whole months: counted from the roles.
    ("2023-09-15", "2023-12-31", "2024-01-01", "2024-06-10"),
]


@pytest.mark.parametrize("query", SELECTIONS)
@pytest.mark.parametrize("periods", COMPARED)
@pytest.mark.parametrize("top", [None, 1, 2])
def test_comparisons_by_actor_equal_the_roles_own(actors, query, periods, top):
    counted, recounted = test_counts.selected(actors, query)
    periods = [day(text) for text in periods]
    assert asdict(compare_periods(counted, *periods, by="actor", top=top)) == asdict(
        compare_periods(recounted, *periods, by="actor", top=top)
    )


# Searches, alone or beside other filters: the text names JNIM (whose incidents are counted from
# the actor counts, and the other matches from the search entries), a word of narratives without
# JNIM, a region's name; "{mopti}"-style ids are filled in.
SEARCHES = [
    {"q": "JNIM"},
    {"q": "JNIM", "country": ["MLI"]},
    {"q": "JNIM", "date_from": "2024-01-01", "date_to": "2024-06-30"},
    # Not whole months, a region, an event type: JNIM's counted from its incidents' rows.
    {"q": "JNIM", "date_from": "2024-01-02", "date_to": "2024-06-10"},
    {"q": "JNIM", "admin1": ["{mopti}"], "event_type": ["battles"]},
    {"q": "ambush"},
    {"q": "Mopti"},
    # An actor filter beside: every match from the entries.
    {"q": "ambush", "actor": ["{army}"]},
]


def say_jnim_in_two_narratives(actors):
    """Two incidents without JNIM say "JNIM" and "ambush" in their narratives."""
    for number in (3, 7):
        Incident.objects.filter(pk=actors["incidents"][number].pk).update(
            narrative="An ambush blamed on JNIM by local sources."
        )


def searched(actors, query):
    """The incidents of a search (`query`: SEARCHES), and the same incidents chosen by id,
    which the series and comparisons count from their roles (say_jnim_in_two_narratives)."""
    say_jnim_in_two_narratives(actors)
    ids = {name: actors[name].pk for name in ("mopti", "army")}
    query = {
        name: [value.format(**ids) for value in values] if isinstance(values, list) else values
        for name, values in query.items()
    }
    found = IncidentFilterSet.from_query(query).qs
    assert (counts.searched_actors(found) is not None) == (connection.vendor == "postgresql")
    return found, Incident.objects.public().filter(pk__in=found.order_by().values("pk"))


@pytest.mark.parametrize("query", SEARCHES)
@pytest.mark.parametrize("interval", ["week", "month", "year"])
@pytest.mark.parametrize("measure", ["incidents", "killed"])
def test_a_searched_series_split_by_actor_equals_the_roles_own(actors, query, interval, measure):
    found, recounted = searched(actors, query)
    dates = {
        "date_from": day(query["date_from"]) if "date_from" in query else None,
        "date_to": day(query["date_to"]) if "date_to" in query else None,
    }
    options = {"interval": interval, "split": "actor", "top": 2, "measure": measure, **dates}
    series = build_series(found, **options)
    assert series.grand_total.incidents + series.unplaced.incidents > 0
    assert asdict(series) == asdict(build_series(recounted, **options))


@pytest.mark.parametrize("query", SEARCHES)
@pytest.mark.parametrize("periods", COMPARED)
@pytest.mark.parametrize("top", [None, 1, 2])
def test_a_searched_comparison_by_actor_equals_the_roles_own(actors, query, periods, top):
    found, recounted = searched(actors, query)
    periods = [day(text) for text in periods]
    assert asdict(compare_periods(found, *periods, by="actor", top=top)) == asdict(
        compare_periods(recounted, *periods, by="actor", top=top)
    )


@pytest.mark.parametrize("query", [{"q": "JNIM"}, {"q": "JNIM", "country": "MLI"}])
def test_a_searched_split_by_actor_counts_what_the_list_and_the_api_count(client, actors, query):
    # A reader goes from the split to the list: each line's incidents are the list's for the
    # same search and that actor, the total the list's for the search.
    say_jnim_in_two_narratives(actors)
    answer = client.get(API_SERIES, {**query, "interval": "year", "split": "actor"}).json()
    listed = client.get(test_counts.API_URL, query).json()["count"]
    assert answer["total"]["incidents"] + answer["unplaced"]["incidents"] == listed > 0
    for group in answer["groups"]:
        if group["key"] == "other":
            continue
        in_group = sum(period["incidents"] for period in group["periods"])
        in_group += group["unplaced"]["incidents"]
        with_actor = client.get(test_counts.API_URL, {**query, "actor": group["key"]}).json()
        assert in_group == with_actor["count"], group["label"]


@on_postgresql
def test_a_searched_split_or_comparison_by_actor_reads_no_role_and_drops_a_retraction_at_once(
    actors,
):
    # JNIM's incidents come from the actor counts and the rest of the matches from the
    # entries, not from the matches joined to their roles; the sums are remembered under the
    # public data version, so a retraction is in the next series at once.
    def jnim_in_split_and_comparison():
        found, _recounted = searched(actors, {"q": "JNIM"})
        series = build_series(found, interval="month", split="actor", top=7)
        in_series = {group.key: sum(t.incidents for t in group.totals) for group in series.groups}
        periods = [day(text) for text in ("2023-01-01", "2023-12-31", "2024-01-01", "2024-12-31")]
        comparison = compare_periods(found, *periods, by="actor", top=7)
        in_comparison = {row.key: row.a.incidents + row.b.incidents for row in comparison.rows}
        return in_series[actors["jnim"].pk], in_comparison[actors["jnim"].pk]

    with CaptureQueriesContext(connection) as first:
        # Incidents 0, 1, 2, 5, 6 are JNIM's (two began in 2023, three in 2024); 3 and 7 say
        # JNIM in their narratives.
        assert jnim_in_split_and_comparison() == (5, 5)
    assert not [q for q in first.captured_queries if "incidents_incidentactor" in q["sql"]]
    reviewer = test_counts.reviewer()
    actors["incidents"][2].retract(by=reviewer, reason="Wrong")
    assert jnim_in_split_and_comparison() == (4, 4)


def actor_page_numbers(public, actor):
    return (
        public.actor_yearly_totals(actor),
        public.actor_role_counts(actor),
        [(other.pk, other.shared) for other in public.co_actors(actor)],
    )


@pytest.mark.parametrize("name", ["jnim", "army", "civilians", "isgs"])
def test_an_actors_page_numbers_equal_the_roles_own(actors, name):
    actor = actors[name]
    public = Incident.objects.public()
    counted = actor_page_numbers(public, actor)
    recounted = public.with_count_selection(None)
    assert counted == (
        recounted.involving_actors([actor]).yearly_totals(),
        recounted.actor_role_counts(actor),
        [(other.pk, other.shared) for other in recounted.co_actors(actor)],
    )


def test_the_actor_page_numbers_count_each_incident_once_per_side(actors):
    (jnim_roles,) = Incident.objects.public().actor_role_counts(actors["jnim"])
    # Incidents 0, 1, 2, 5 as perpetrator (0 twice), 1 and 6 as target.
    assert (jnim_roles["first"], jnim_roles["second"], jnim_roles["incidents"]) == (4, 2, 5)
    co_actors = Incident.objects.public().co_actors(actors["jnim"])
    assert [(other.name, other.shared) for other in co_actors] == [
        ("FAMa", 2),
        ("Civilians (Mali)", 1),
    ]


def test_the_actor_indexs_numbers_equal_the_roles_own(actors):
    ids = [actors[name].pk for name in ("jnim", "army", "civilians", "isgs")]
    public = Incident.objects.public()
    counted = public.counts_by_actor(ids)
    assert counted == public.with_count_selection(None).counts_by_actor(ids)
    # Incidents 0, 1, 2, 5, 6 (JNIM's roles on the draft and the retraction never count).
    assert counted[actors["jnim"].pk] == 5


def test_the_actor_index_shows_an_actors_incidents_until_they_are_retracted(client, actors):
    def isgs_row():
        page = client.get(reverse("incidents:actor_index") + "?search=ISGS").content.decode()
        row = page[page.index(">ISGS</a></th>") :]
        return row[: row.index("</tr>")]

    assert isgs_row().endswith(">2</a></td>")
    actors["incidents"][4].retract(by=test_counts.reviewer(), reason="Wrong")
    assert isgs_row().endswith(">1</a></td>")


def test_only_postgresql_reads_the_actor_counts(actors):
    selection = counts.actor_selection(Incident.objects.public())
    assert (selection is not None) == (connection.vendor == "postgresql")


@on_postgresql
@pytest.mark.parametrize("interval, query", [("week", {}), ("month", {"admin1": ["{mopti}"]})])
def test_a_split_by_actor_of_weeks_or_regions_is_remembered_until_the_next_publication(
    actors, interval, query
):
    # The sums of a split the month tables do not hold are kept under the public data
    # version: a second visit reads no counted row, and a retraction is in the next at once.
    def actors_split():
        counted, _recounted = test_counts.selected(actors, query)
        series = build_series(counted, interval=interval, split="actor", top=7)
        return {group.key for group in series.groups}

    assert actors["jnim"].pk in actors_split()
    with CaptureQueriesContext(connection) as second:
        actors_split()
    assert not [q for q in second.captured_queries if "incidents_publicincidentactors" in q["sql"]]
    reviewer = test_counts.reviewer()
    for incident in Incident.objects.filter(incident_actors__actor=actors["jnim"]).distinct():
        if incident.status == Status.PUBLISHED:
            incident.retract(by=reviewer, reason="Wrong")
    assert actors["jnim"].pk not in actors_split()


@on_postgresql
def test_a_retraction_leaves_the_split_series_and_the_actor_page_at_once(client, actors):
    url = reverse("analysis:series") + "?interval=year&split=actor"
    assert "JNIM" in client.get(url).content.decode()
    reviewer = test_counts.reviewer()
    for incident in Incident.objects.filter(incident_actors__actor=actors["jnim"]).distinct():
        if incident.status == Status.PUBLISHED:
            incident.retract(by=reviewer, reason="Wrong")
    assert_actor_counts_exact()
    assert not PublicActorMonth.objects.filter(actor_id=actors["jnim"].pk).exists()
    trend = Incident.objects.public().actor_yearly_totals(actors["jnim"])
    assert trend["total"].incidents == 0 and trend["first_date"] is None


# Lists filtered by actor or actor type beside the count tables' filters: {name: values}, with
# "{jnim}"-style actor ids and region ids filled in; actor types are given to the actors first.
ACTOR_FILTERS = [
    {"actor": ["{jnim}"]},
    {"actor": ["{jnim}", "{isgs}"]},
    {"actor_type": ["1"]},
    {"actor_type": ["2", "7"]},
    {"actor": ["{jnim}"], "actor_type": ["1"]},
    {"actor": ["{civilians}"], "country": ["MLI"]},
    {"actor": ["{jnim}"], "date_from": "2024-01-01", "date_to": "2024-01-31"},
    {"actor": ["{jnim}"], "admin1": ["{mopti}"], "event_type": ["battles"]},
    {"actor_type": ["8"]},  # no incident
]


def actor_filtered(actors, query):
    """The list's incidents for `query` (ACTOR_FILTERS), and the same incidents without their
    ActorFilter (counted from the incidents themselves)."""
    Actor.objects.filter(pk=actors["jnim"].pk).update(actor_type=2)  # rebel group
    Actor.objects.filter(pk=actors["isgs"].pk).update(actor_type=2)
    Actor.objects.filter(pk=actors["army"].pk).update(actor_type=1)  # state forces
    Actor.objects.filter(pk=actors["civilians"].pk).update(actor_type=7)
    ids = {name: actors[name].pk for name in ("jnim", "isgs", "army", "civilians", "mopti")}
    query = {
        name: [value.format(**ids) for value in values] if isinstance(values, list) else values
        for name, values in query.items()
    }
    filtered = IncidentFilterSet.from_query(query).qs
    return filtered, filtered.with_actor_filter(None)


@pytest.mark.parametrize("query", ACTOR_FILTERS)
def test_a_list_filtered_by_actor_counts_its_incidents_once_with_their_facets(actors, query):
    filtered, recounted = actor_filtered(actors, query)
    # Counted from the actor counts' rows on PostgreSQL (tally()), from the incidents on SQLite.
    assert filtered.actor_filter is not None
    expected = len({incident.pk for incident in recounted.order_by()})
    assert filtered.cached_count() == recounted.cached_count() == expected
    assert filtered.facet_counts() == recounted.facet_counts()


@pytest.mark.parametrize(
    "query",
    [
        {"actor": ["{jnim}"], "q": "Mopti"},
        {"actor": ["{jnim}"], "sub_event_type": ["armed_clash"]},
        {"actor_type": ["2"], "killed_min": "1"},
    ],
)
def test_only_the_count_tables_filters_beside_the_actors_are_counted_from_their_rows(actors, query):
    filtered, _recounted = actor_filtered(actors, query)
    assert filtered.actor_filter is None
