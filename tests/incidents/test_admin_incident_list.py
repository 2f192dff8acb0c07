"""The incident list sorted by killed and by title, and its count: the right incidents in the
right order and the right number, whatever serves them at a million (incident_killed_idx and
incident_title_idx, the count tables)."""

import re

import pytest
from django.db import connection

from incidents.choices import Status
from incidents.models import Incident
from tests.factories import CasualtyFactory, IncidentFactory

URL = "/admin/incidents/incident/"
KILLED, TITLE = 5, 2  # the columns' numbers in the `o` parameter (list_display)


def listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [incident.title for incident in response.context["cl"].result_list]


@pytest.fixture
def tolls(db):
    """Incidents of every status, in this order of creation: two with 3 killed, one with 10,
    one with none, one whose toll is unknown (no killed figure)."""
    for title, status, killed in [
        ("Three, first", Status.PUBLISHED, 3),
        ("Ten", Status.DRAFT, 10),
        ("Unknown", Status.IN_REVIEW, None),
        ("Three, second", Status.RETRACTED, 3),
        ("None", Status.PUBLISHED, 0),
    ]:
        extra = {"retracted_at": "2024-01-01T00:00Z", "retraction_reason": "Duplicate"}
        incident = IncidentFactory(
            title=title, status=status, **(extra if status == Status.RETRACTED else {})
        )
        if killed is not None:
            CasualtyFactory(incident=incident, best=killed)


@pytest.mark.parametrize(
    ("order", "titles"),
    [
        # An unknown toll comes first from the largest (PostgreSQL's NULLS FIRST of DESC, and
        # SQLite's), last from the smallest; equal tolls in the order of entry, from the same
        # end as the column: newest first from the largest, oldest first from the smallest.
        (f"-{KILLED}", ["Unknown", "Ten", "Three, second", "Three, first", "None"]),
        (f"{KILLED}", ["None", "Three, first", "Three, second", "Ten", "Unknown"]),
    ],
)
def test_the_list_sorted_by_killed_lists_every_status_in_order(
    analyst_client, tolls, order, titles
):
    if connection.vendor == "sqlite":
        # SQLite puts NULL first in ascending order, last in descending.
        titles = [title for title in titles if title != "Unknown"]
        titles = ["Unknown", *titles] if not order.startswith("-") else [*titles, "Unknown"]
    assert listed(analyst_client, o=order) == titles


def test_the_list_sorted_by_title_breaks_ties_by_entry_from_the_same_end(analyst_client, db):
    first = IncidentFactory(title="Peaceful protest in Bamako", status=Status.DRAFT)
    IncidentFactory(title="Armed clash in Mopti")
    second = IncidentFactory(title="Peaceful protest in Bamako")
    IncidentFactory(title="Zone of attacks", status=Status.IN_REVIEW)
    ascending = analyst_client.get(URL, {"o": TITLE}).context["cl"].result_list
    assert [incident.title for incident in ascending] == [
        "Armed clash in Mopti",
        "Peaceful protest in Bamako",
        "Peaceful protest in Bamako",
        "Zone of attacks",
    ]
    assert [ascending[1], ascending[2]] == [first, second]
    descending = analyst_client.get(URL, {"o": f"-{TITLE}"}).context["cl"].result_list
    assert list(descending) == list(reversed(ascending))


def test_the_sorted_list_marks_its_column_and_keeps_django_s_other_orders(analyst_client, tolls):
    # A second column after the first: Django's own order, with id as the last tie-break.
    html = analyst_client.get(URL, {"o": f"-{KILLED}.{TITLE}"}).content.decode()
    assert re.search(r'class="sortable column-killed sorted descending"', html)
    by_killed_then_title = listed(analyst_client, o=f"{KILLED}.{TITLE}")
    assert by_killed_then_title.index("Three, first") < by_killed_then_title.index("Ten")


def test_the_whole_list_counts_incidents_of_every_status(analyst_client, tolls):
    response = analyst_client.get(URL)
    assert response.context["cl"].result_count == 5
    assert re.search(r"5\s+incidents", response.content.decode())
    assert Incident.objects.count_of_every_status() == 5
    # A filtered list is counted from its incidents.
    drafts = analyst_client.get(URL, {"status__exact": "draft"})
    assert drafts.context["cl"].result_count == 1
