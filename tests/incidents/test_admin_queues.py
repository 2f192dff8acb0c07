"""Each queue is one click from the admin's first page, with how many incidents it holds."""

import datetime
import re

from django.utils import timezone

from incidents.choices import Status
from tests.factories import IncidentFactory, UserFactory


def queues_on_the_index(client):
    html = client.get("/admin/").content.decode()
    module = re.search(r'<div class="module" id="queues">.*?</div>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a></th>\s*<td>(\d+)</td>', module)


def test_the_admin_index_lists_the_analysts_queues_with_counts(analyst_client, analyst):
    colleague = UserFactory(username="colleague", group="Analyst")
    IncidentFactory(status=Status.DRAFT, created_by=analyst)
    IncidentFactory(status=Status.DRAFT, created_by=colleague)
    IncidentFactory(
        status=Status.DRAFT,
        created_by=analyst,
        returned_at=timezone.now(),
        return_reason="Add a source",
    )
    IncidentFactory(status=Status.IN_REVIEW, created_by=colleague)
    IncidentFactory(status=Status.PUBLISHED, submitted_by=analyst)
    IncidentFactory(status=Status.PUBLISHED, created_by=colleague)
    assert queues_on_the_index(analyst_client) == [
        ("/admin/incidents/incident/?queue=my_drafts", "My drafts", "2"),
        ("/admin/incidents/incident/?queue=returned_to_me", "Returned to me", "1"),
        ("/admin/incidents/incident/?queue=waiting_for_review", "Waiting for review", "1"),
        ("/admin/incidents/incident/?queue=published_by_me", "Published by me", "1"),
    ]


def test_a_queue_link_lists_its_incidents(analyst_client, analyst):
    mine = IncidentFactory(status=Status.PUBLISHED, submitted_by=analyst, title="Mine")
    IncidentFactory(status=Status.PUBLISHED, title="Someone else's")
    response = analyst_client.get("/admin/incidents/incident/", {"queue": "published_by_me"})
    assert list(response.context["cl"].result_list) == [mine]


def test_incidents_without_a_source_are_one_filter_away(analyst_client):
    from tests.factories import CitationFactory

    bare = IncidentFactory(status=Status.DRAFT, title="No source yet")
    CitationFactory(incident=IncidentFactory(status=Status.DRAFT, title="Sourced"))
    response = analyst_client.get("/admin/incidents/incident/", {"cited": "no"})
    assert list(response.context["cl"].result_list) == [bare]


def test_the_incident_list_shows_short_cells_that_sort(analyst_client):
    IncidentFactory(title="Small", start_date=datetime.date(2024, 9, 17))
    response = analyst_client.get("/admin/incidents/incident/", {"o": "-5"})  # killed, largest
    html = response.content.decode()
    assert '<th class="field-date"><a href=' in html and ">2024-09-17</a>" in html
    assert re.search(r'<th scope="col" class="sortable column-killed sorted descending">', html)
