"""The incident list sorted by killed and by title, its count and its "No source cited": the
right incidents in the right order and the right number, whatever serves them at a million
(incident_killed_idx, incident_title_idx and their descending twins, the count tables,
models.UncitedIncident)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.choices import Status
from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from incidents.models import Citation, Incident, UncitedIncident
from tests.factories import CasualtyFactory, CitationFactory, IncidentFactory
from tests.incidents.test_import_acled import acled_row
from tests.incidents.test_import_bulk import acled_file

URL = "/admin/incidents/incident/"
KILLED, TITLE = 5, 2  # the columns' numbers in the `o` parameter (list_display)


def listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [incident.title for incident in response.context["cl"].result_list]


@pytest.fixture
def tolls(db):
    """Incidents of every status, in this order of entry: three with 3 killed (two on the same
    day), one with 10, one with none, one whose toll is unknown (no killed figure)."""
    retracted = {"retracted_at": "2024-01-01T00:00Z", "retraction_reason": "Duplicate"}
    for title, status, day, killed in [
        ("Three, older", Status.PUBLISHED, 10, 3),
        ("Ten", Status.DRAFT, 12, 10),
        ("Unknown", Status.IN_REVIEW, 11, None),
        ("Three, newer", Status.RETRACTED, 14, 3),
        ("None", Status.PUBLISHED, 13, 0),
        ("Three, same day, entered later", Status.PUBLISHED, 10, 3),
    ]:
        incident = IncidentFactory(
            title=title,
            status=status,
            start_date=datetime.date(2023, 9, day),
            **(retracted if status == Status.RETRACTED else {}),
        )
        if killed is not None:
            CasualtyFactory(incident=incident, best=killed)


# Equal tolls newest first whichever way the column goes, as in the unsorted list; on the
# same day, the one entered later first.
THREES = ["Three, newer", "Three, same day, entered later", "Three, older"]


@pytest.mark.parametrize(
    ("order", "titles"),
    [
        # An unknown toll comes first from the largest (PostgreSQL's NULLS FIRST), last from
        # the smallest.
        (f"-{KILLED}", ["Unknown", "Ten", *THREES, "None"]),
        (f"{KILLED}", ["None", *THREES, "Ten", "Unknown"]),
    ],
)
def test_the_list_sorted_by_killed_lists_every_status_ties_newest_first(
    analyst_client, tolls, order, titles
):
    if connection.vendor == "sqlite":
        # SQLite puts NULL first in ascending order, last in descending.
        titles = [title for title in titles if title != "Unknown"]
        titles = [*titles, "Unknown"] if order.startswith("-") else ["Unknown", *titles]
    assert listed(analyst_client, o=order) == titles
    # Clicked from the unsorted list, the column's link keeps the date as the second key
    # (Django's): the same order.
    assert listed(analyst_client, o=f"{order}.-1") == titles


def test_the_list_sorted_by_title_lists_the_same_titles_newest_first(analyst_client, db):
    for title, status, day in [
        ("Peaceful protest in Bamako", Status.DRAFT, 20),
        ("Armed clash in Mopti", Status.PUBLISHED, 1),
        ("Peaceful protest in Bamako", Status.PUBLISHED, 2),
        ("Zone of attacks", Status.IN_REVIEW, 3),
    ]:
        IncidentFactory(title=title, status=status, start_date=datetime.date(2023, 9, day))

    def sorted_by_title(order):
        response = analyst_client.get(URL, {"o": order})
        return [(i.title, i.start_date.day) for i in response.context["cl"].result_list]

    bamako = [("Peaceful protest in Bamako", 20), ("Peaceful protest in Bamako", 2)]
    ascending = [("Armed clash in Mopti", 1), *bamako, ("Zone of attacks", 3)]
    descending = [("Zone of attacks", 3), *bamako, ("Armed clash in Mopti", 1)]
    assert sorted_by_title(TITLE) == sorted_by_title(f"{TITLE}.-1") == ascending
    assert sorted_by_title(f"-{TITLE}") == sorted_by_title(f"-{TITLE}.-1") == descending


EVENT_TYPE, STATUS = 4, 6


def test_the_list_sorted_by_event_type_or_status_goes_by_them_ties_newest_first(analyst_client, db):
    for title, event_type, status, day in [
        ("Riot, draft", "riots", Status.DRAFT, 3),
        ("Battle, older", "battles", Status.PUBLISHED, 1),
        ("Protest", "protests", Status.IN_REVIEW, 2),
        ("Battle, newer", "battles", Status.DRAFT, 5),
        ("Violence, published", "violence_against_civilians", Status.PUBLISHED, 4),
    ]:
        IncidentFactory(
            title=title,
            event_type_id=event_type,
            sub_event_type_id=None,
            status=status,
            start_date=datetime.date(2023, 9, day),
        )

    by_type = ["Battle, newer", "Battle, older", "Protest", "Riot, draft", "Violence, published"]
    assert listed(analyst_client, o=EVENT_TYPE) == by_type
    assert listed(analyst_client, o=f"{EVENT_TYPE}.-1") == by_type
    by_type_down = ["Violence, published", "Riot, draft", "Protest", *by_type[:2]]
    assert listed(analyst_client, o=f"-{EVENT_TYPE}") == by_type_down
    with CaptureQueriesContext(connection) as queries:
        html = analyst_client.get(URL, {"o": f"-{EVENT_TYPE}"}).content.decode()
    assert re.search(r'class="sortable column-event_type sorted descending"', html)
    # By the code in the incident's row, which an index holds, not by the event type's name
    # in another table, which made the database sort every incident.
    orders = [re.search(r"ORDER BY (.*?)(?: LIMIT|$)", query["sql"]) for query in queries]
    page_order = next(order.group(1) for order in orders if order and "start_date" in order[1])
    assert page_order.startswith('"incidents_incident"."event_type_id" DESC'), page_order

    # Status by its stored value: draft, in review, published; ties newest first.
    by_status = ["Battle, newer", "Riot, draft", "Protest", "Violence, published", "Battle, older"]
    assert listed(analyst_client, o=STATUS) == by_status
    by_status_down = ["Violence, published", "Battle, older", "Protest", *by_status[:2]]
    assert listed(analyst_client, o=f"-{STATUS}") == listed(analyst_client, o=f"-{STATUS}.-1")
    assert listed(analyst_client, o=f"-{STATUS}") == by_status_down


def test_the_list_is_sorted_by_one_column_at_a_time(analyst_client, tolls):
    """A click on a second column sorts by that one, as the header then says: no index holds
    every sequence of columns, and a status followed by another column sorted a million rows."""
    by_killed = listed(analyst_client, o=f"-{KILLED}")
    assert listed(analyst_client, o=f"-{KILLED}.{TITLE}") == by_killed
    html = analyst_client.get(URL, {"o": f"-{KILLED}.{TITLE}"}).content.decode()
    assert re.search(r'class="sortable column-killed sorted descending"', html)
    assert not re.search(r'class="sortable column-title sorted', html)
    # The title's header sorts by the title alone.
    title_link = re.search(
        r'<th scope="col" class="sortable column-title">.*?<a href="\?o=([^"&]*)', html, re.S
    )
    assert listed(analyst_client, o=title_link.group(1)) == listed(analyst_client, o=TITLE)


def test_the_whole_list_counts_incidents_of_every_status(analyst_client, tolls):
    response = analyst_client.get(URL)
    assert response.context["cl"].result_count == 6
    assert re.search(r"6\s+incidents", response.content.decode())
    assert Incident.objects.count_of_every_status() == 6
    # A filtered list is counted from its incidents.
    drafts = analyst_client.get(URL, {"status__exact": "draft"})
    assert drafts.context["cl"].result_count == 1


def test_the_published_incidents_are_counted_by_month_as_from_the_incidents(analyst_client, tolls):
    IncidentFactory(title="Older", status=Status.PUBLISHED, start_date=datetime.date(2021, 2, 3))
    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(URL, {"status__exact": "published"})
    # From the count tables: no pass over the incidents to count them.
    assert not [q for q in queries if "GROUP BY" in q["sql"] and "incidents_incident" in q["sql"]]
    published = Incident.objects.filter(status=Status.PUBLISHED)
    assert response.context["cl"].result_count == published.count() == 4
    months = response.context["cl"].paginator.months
    assert months == published.start_month_counts()
    assert months == {datetime.date(2021, 2, 1): 1, datetime.date(2023, 9, 1): 3}
    assert listed(analyst_client, status__exact="published")[-1] == "Older"
    # The date hierarchy offers the years of the published incidents only.
    html = response.content.decode()
    assert "start_date__year=2021" in html and "start_date__year=2023" in html


def cited(client, answer):
    return set(listed(client, cited=answer))


def test_no_source_cited_follows_the_citations_as_they_are_added_moved_and_deleted(
    analyst_client, db
):
    bare = IncidentFactory(title="Bare", status=Status.DRAFT)
    once = CitationFactory(incident=IncidentFactory(title="Once")).incident
    twice = IncidentFactory(title="Twice")
    CitationFactory.create_batch(2, incident=twice)
    assert cited(analyst_client, "no") == {"Bare"}
    assert cited(analyst_client, "yes") == {"Once", "Twice"}

    CitationFactory(incident=bare)
    assert cited(analyst_client, "no") == set()
    once.citations.all().delete()
    assert cited(analyst_client, "no") == {"Once"}
    # Moved (as a merge moves them): the incident left with none is uncited, the other not.
    Citation.objects.filter(incident=bare).update(incident=once)
    assert cited(analyst_client, "no") == {"Bare"}
    Citation.objects.filter(incident=twice).first().delete()
    assert cited(analyst_client, "no") == {"Bare"}
    bare.delete()
    assert cited(analyst_client, "no") == set()
    assert cited(analyst_client, "yes") == {"Once", "Twice"}
    IncidentFactory(title="New")
    assert cited(analyst_client, "no") == {"New"}


def test_truncated_citations_or_incidents_leave_the_uncited_incidents_right(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite finds uncited incidents among the citations: there is no table")
    CitationFactory()
    IncidentFactory()
    # As a flush does, which fires no DELETE trigger (once the rows' deferred foreign keys are
    # checked: PostgreSQL truncates no table with checks pending).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {Citation._meta.db_table}")
    assert Incident.objects.citing_no_source().count() == 2
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Incident._meta.db_table} CASCADE")
    assert not UncitedIncident.objects.exists()


def test_no_source_cited_is_counted_with_its_months(
    analyst_client, db, django_assert_max_num_queries
):
    IncidentFactory.create_batch(3, status=Status.DRAFT)
    CitationFactory.create_batch(2)
    # session, user, permissions ×2, the filters' choices (country, region, event type,
    # sub-event type, import), the months (the count and the date hierarchy), the rows, and
    # the days of the one month they are in (Django's date hierarchy opens it).
    with django_assert_max_num_queries(12):
        response = analyst_client.get(URL, {"cited": "no"})
    assert response.context["cl"].result_count == 3


def test_an_import_lists_its_rows_without_a_source_as_citing_none(analyst_client, tmp_path):
    rows = [
        acled_row(event_id_cnty="MLI1", source="Studio Tamani", notes="Sourced."),
        acled_row(event_id_cnty="MLI2", source="", notes="Unsourced."),
    ]
    # On PostgreSQL the bulk path too, whose triggers are off while its rows go in.
    bulk = {"bulk": True} if connection.vendor == "postgresql" else {}
    report = import_file(acled_file(tmp_path / "a.csv", rows), AcledImporter(), **bulk)
    assert report.created == 2 and not report.rejected
    unsourced = Incident.objects.get(acled_event_id="MLI2")
    response = analyst_client.get(URL, {"cited": "no"})
    assert list(response.context["cl"].result_list) == [unsourced]
    if connection.vendor == "postgresql":
        # And a row-by-row import of the next rows, whose triggers fire.
        later = [acled_row(event_id_cnty="MLI3", source="", notes="Unsourced too.")]
        import_file(acled_file(tmp_path / "b.csv", later), AcledImporter(), bulk=False)
        assert {i.acled_event_id for i in Incident.objects.citing_no_source()} == {"MLI2", "MLI3"}
