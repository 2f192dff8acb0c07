"""The list's "next" and "previous" links continue from the page's last and first rows (a
cursor, incidents/keyset.py), in every order the table offers, through ties and unknown tolls;
numbered pages still work; a cursor the list did not give out is refused with a message."""

import base64
import datetime
import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from tests.factories import (
    AdminAreaFactory,
    IncidentFactory,
    LocationFactory,
    save_incidents_in_bulk,
)

LIST_URL = reverse("incidents:incident_list")
ORDERS = ["-date", "date", "-killed", "killed", "place", "-place", "event_type", "-event_type"]


@pytest.fixture
def crowded(db):
    """Sixty incidents on three days, at four places two of which share a name, of two event
    types with and without a sub-event type, half with an unknown toll and many with the same
    one: every order the table offers has ties, and killed has NULLs."""
    mopti = AdminAreaFactory(name="Mopti", iso_code="ML-5")
    places = [
        LocationFactory(name="Boni", admin1=mopti),
        LocationFactory(name="Boni", admin1=mopti),
        LocationFactory(name="Ansongo"),
        LocationFactory(name="Diafarabé"),
    ]
    days = [datetime.date(2024, 3, day) for day in (1, 2, 3)]

    def batch(numbers, **fields):
        return [
            IncidentFactory.build(
                title=f"Incident {number}",
                start_date=days[number % 3],
                location=places[number % 4],
                **fields,
            )
            for number in numbers
        ]

    explosions = {
        "event_type_id": "explosions_remote_violence",
        "sub_event_type_id": None,
    }
    save_incidents_in_bulk(batch(range(0, 20)), killed=lambda number: number % 4)
    save_incidents_in_bulk(batch(range(20, 30), **explosions), killed=lambda number: 7)
    save_incidents_in_bulk(batch(range(30, 45)))  # tolls unknown
    save_incidents_in_bulk(batch(range(45, 60), **explosions))  # tolls unknown
    return places, mopti


def row_ids(response):
    text = response.content.decode()
    return [
        int(pk) for pk in re.findall(r'<td data-label="Incident"><a href="/incidents/(\d+)/"', text)
    ]


def link(response, kind):
    """The query string of the page's "next" or "previous" link, or None."""
    found = re.search(rf'<li class="{kind}">\s*<a href="([^"]*)">', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def current_page(response):
    found = re.search(r'<a href="[^"]*" aria-current="page">(\d+)</a>', response.content.decode())
    return int(found.group(1))


def every_row_in_order(client, query):
    response = client.get(LIST_URL, {**query, "per_page": "100"})
    return row_ids(response)


@pytest.mark.parametrize("sort", [None, *ORDERS])
def test_next_then_previous_walk_every_incident_once_in_the_list_order(client, crowded, sort):
    query = {"per_page": "25", **({"sort": sort} if sort else {})}
    expected = every_row_in_order(client, {"sort": sort} if sort else {})
    assert len(expected) == 60

    pages = [client.get(LIST_URL, query)]
    while (following := link(pages[-1], "next")) is not None:
        assert "cursor=" in following and "page=" not in following.replace("per_page", "")
        pages.append(client.get(LIST_URL + following))
    assert [current_page(page) for page in pages] == [1, 2, 3]
    assert [pk for page in pages for pk in row_ids(page)] == expected

    # Back from the last page: the same pages, the first one by its plain address.
    back = [pages[-1]]
    while (previous := link(back[-1], "previous")) is not None:
        back.append(client.get(LIST_URL + previous))
    assert [row_ids(page) for page in reversed(back)] == [row_ids(page) for page in pages]
    assert "cursor" not in previous_link_of(pages[1])


def previous_link_of(response):
    return link(response, "previous")


def test_a_cursor_page_shows_the_count_chips_facets_and_keeps_the_filter(client, crowded):
    query = {"event_type": "battles", "sort": "-killed", "per_page": "25"}
    first = client.get(LIST_URL, query)
    second = client.get(LIST_URL + link(first, "next"))
    text = second.content.decode()
    assert second.status_code == 200
    assert 'id="result-count">35 incidents<' in text
    assert 'class="chip"' in text and "Event type: Battles" in text
    assert 'class="facets"' in text
    assert current_page(second) == 2
    assert len(row_ids(second)) == 10
    assert link(second, "next") is None
    # Only its next and previous links hold a cursor: other filters, sorts and page sizes
    # start again from the first page.
    for href in re.findall(r'href="([^"]*)"', text):
        href = html.unescape(href)
        if "cursor=" in href:
            assert href.startswith("?event_type=battles&sort=-killed&per_page=25&cursor="), href
    assert row_ids(first) + row_ids(second) == every_row_in_order(client, query)


def test_next_from_a_numbered_page_continues_where_it_ends(client, crowded):
    second = client.get(LIST_URL, {"per_page": "25", "page": "2"})
    assert current_page(second) == 2
    third = client.get(LIST_URL + link(second, "next"))
    assert row_ids(third) == row_ids(client.get(LIST_URL, {"per_page": "25", "page": "3"}))
    assert current_page(third) == 3
    # Page numbers stay plain numbered links.
    assert 'href="?per_page=25&amp;page=1"' in third.content.decode()


def test_a_retraction_between_two_pages_skips_nothing(client, crowded, reviewer):
    first = client.get(LIST_URL, {"per_page": "25"})
    following = link(first, "next")
    # The last row of the first page, where the cursor stands, is withdrawn meanwhile.
    Incident.objects.get(pk=row_ids(first)[-1]).retract(by=reviewer, reason="A duplicate")
    second = client.get(LIST_URL + following)
    expected = every_row_in_order(client, {})
    assert row_ids(second) == expected[24:49]


def cursor(payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        "not-a-cursor",
        "€",
        cursor({"o": "-date", "p": ["2024-03-01"], "r": False, "n": 2}),  # a column short
        cursor({"o": "-date", "p": ["2024-03-01", 2**70], "r": False, "n": 2}),
        cursor({"o": "-date", "p": ["2024-13-01", 5], "r": False, "n": 2}),
        cursor({"o": "-date", "p": ["2024-03-01", "5"], "r": False, "n": 2}),
        cursor({"o": "-date", "p": ["2024-03-01", 5], "r": "no", "n": 2}),
        cursor({"o": "-date", "p": ["2024-03-01", 5], "r": False, "n": 0}),
        cursor({"o": "-date", "p": [None, 5], "r": False, "n": 2}),
        cursor({"o": "place", "p": ["Bo\x00ni", 1, 5], "r": False, "n": 2}),
        # Given out for another order than the one asked.
        cursor({"o": "-killed", "p": [3, 5], "r": False, "n": 2}),
        cursor([1, 2]),
    ],
)
def test_a_cursor_the_list_did_not_give_out_is_refused_with_a_message(client, crowded, value):
    response = client.get(LIST_URL, {"cursor": value})
    assert response.status_code == 400
    assert "not a page link the list gave out" in response.content.decode()


def test_a_cursor_of_a_search_in_relevance_order_is_refused(client, crowded):
    value = cursor({"o": "-date", "p": ["2024-03-01", 5], "r": False, "n": 2})
    assert client.get(LIST_URL, {"q": "Boni", "cursor": value}).status_code == 400
    # A search keeps its numbered links.
    response = client.get(LIST_URL, {"q": "Incident", "per_page": "25"})
    assert link(response, "next") == "?q=Incident&per_page=25&page=2"


def test_a_cursor_page_reads_its_ids_then_the_same_queries_as_a_numbered_page(client, crowded):
    first = client.get(LIST_URL, {"per_page": "25"})
    client.get(LIST_URL, {"per_page": "25", "page": "2"})  # the counts and lists remembered
    with CaptureQueriesContext(connection) as numbered:
        client.get(LIST_URL, {"per_page": "25", "page": "2"})
    with CaptureQueriesContext(connection) as keyed:
        response = client.get(LIST_URL + link(first, "next"))
    assert response.status_code == 200
    assert len(keyed) == len(numbered) + 1


def test_a_place_page_keeps_numbered_next_and_previous_links(client, db):
    place = LocationFactory(name="Boni")
    save_incidents_in_bulk(IncidentFactory.build_batch(120, location=place))
    url = reverse("incidents:place_detail", args=[place.pk])
    response = client.get(url, {"page": "2"})
    assert link(response, "next") == "?page=3"
    assert link(response, "previous") == "?page=1"
