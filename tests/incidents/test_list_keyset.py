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


@pytest.fixture
def ten_pages(db):
    """230 incidents on five days at three places, tolls known and unknown: ten pages of 25,
    the last of 5."""
    places = [LocationFactory(name=name) for name in ("Boni", "Ansongo", "Diafarabé")]

    def batch(numbers):
        return [
            IncidentFactory.build(
                title=f"Incident {number}",
                start_date=datetime.date(2024, 3, 1 + number % 5),
                location=places[number % 3],
                event_type_id="battles" if number % 2 else "explosions_remote_violence",
                sub_event_type_id="armed_clash" if number % 2 else None,
            )
            for number in numbers
        ]

    save_incidents_in_bulk(batch(range(0, 80)), killed=lambda number: number % 9)
    save_incidents_in_bulk(batch(range(80, 230)))  # tolls unknown


def numbered_links(response):
    """{page number: query string} of the page numbers the page links to (not its own)."""
    text = response.content.decode()
    pagination = re.search(r'<ul class="pagination">.*?</ul>', text, re.S).group(0)
    return {
        int(number): html.unescape(href)
        for href, number in re.findall(r'<a href="([^"]*)">(\d+)</a>', pagination)
    }


@pytest.mark.parametrize("sort", [None, "-killed", "place", "-event_type"])
def test_every_page_number_links_by_cursor_to_the_rows_of_that_page(client, ten_pages, sort):
    """Numbered links continue from the page shown (a few pages skipped) or read the last
    page from the end: the same rows as ?page=N, without the database walking the rows before
    a deep page."""
    query = {"per_page": "25", **({"sort": sort} if sort else {})}

    def numbered(number):
        return row_ids(client.get(LIST_URL, {**query, "page": str(number)}))

    expected = {number: numbered(number) for number in range(1, 11)}
    assert len(expected[10]) == 5
    fifth = client.get(LIST_URL, {**query, "page": "5"})
    links = numbered_links(fifth)
    assert set(links) == set(range(1, 11)) - {5}
    for number, href in links.items():
        if number > 1:
            assert "cursor=" in href and "page=" not in href.replace("per_page", ""), href
        page = client.get(LIST_URL + href)
        assert current_page(page) == number
        assert row_ids(page) == expected[number], number
    # From the last page, read from the end, the numbers lead back to the same rows.
    last = client.get(LIST_URL + links[10])
    assert link(last, "next") is None
    for number, href in numbered_links(last).items():
        assert row_ids(client.get(LIST_URL + href)) == expected[number], number


def test_the_last_page_from_the_end_costs_what_the_next_page_costs(client, ten_pages):
    first = client.get(LIST_URL, {"per_page": "25"})
    with CaptureQueriesContext(connection) as next_queries:
        client.get(LIST_URL + link(first, "next"))
    with CaptureQueriesContext(connection) as last_queries:
        last = client.get(LIST_URL + numbered_links(first)[10])
    assert len(last_queries) == len(next_queries)
    assert not any("OFFSET" in query["sql"] for query in last_queries.captured_queries)
    assert current_page(last) == 10 and len(row_ids(last)) == 5


@pytest.mark.parametrize(
    "fields",
    [
        {"o": "-date", "p": None, "r": False, "n": 3},  # the end, going forwards
        {"o": "-date", "p": None, "r": True, "n": 3, "s": 25},  # the end, skipping
        {"o": "-date", "p": ["2024-03-01", 1], "r": False, "n": 3, "s": -1},
        {"o": "-date", "p": ["2024-03-01", 1], "r": False, "n": 3, "s": 10**6},
        {"o": "-date", "p": ["2024-03-01", 1], "r": False, "n": 3, "s": "25"},
    ],
)
def test_a_cursor_with_a_skip_or_an_end_the_list_did_not_give_out_is_refused(
    client, ten_pages, fields
):
    raw = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()
    assert client.get(LIST_URL, {"cursor": raw}).status_code == 400


def offsets(queries):
    return [int(value) for query in queries for value in re.findall(r"OFFSET (\d+)", query["sql"])]


@pytest.mark.parametrize("sort", [None, *ORDERS])
def test_a_typed_page_number_past_the_middle_is_read_from_the_end(client, ten_pages, sort):
    """?page=N typed by hand gives the rows of page N in the list's order, through ties and
    unknown tolls; past the middle of the list the database skips only the rows after it."""
    query = {"per_page": "25", **({"sort": sort} if sort else {})}
    every_row = row_ids(client.get(LIST_URL, {**query, "per_page": "500"}))
    assert len(every_row) == 230
    for number in range(1, 11):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(LIST_URL, {**query, "page": str(number)})
        assert current_page(page) == number
        assert row_ids(page) == every_row[(number - 1) * 25 : number * 25], number
        rows_before, rows_after = (number - 1) * 25, max(230 - number * 25, 0)
        assert max(offsets(queries.captured_queries), default=0) == min(rows_before, rows_after)
    last = client.get(LIST_URL, {**query, "page": "10"})
    assert link(last, "next") is None and link(last, "previous") is not None


def test_the_list_sorted_by_type_goes_by_the_codes_the_incidents_hold(client, crowded):
    """Event type, then sub-event type (none after the others going up), as ACLED's codes
    sort, which are its English names' order; the ids come from the incident's own columns,
    which an index holds, not from the types' names in other tables."""
    with CaptureQueriesContext(connection) as queries:
        ascending = client.get(LIST_URL, {"sort": "event_type", "per_page": "100"})
    order = {pk: index for index, pk in enumerate(row_ids(ascending))}
    by_row = sorted(Incident.objects.filter(pk__in=order), key=lambda i: order[i.pk])
    kinds = [(incident.event_type_id, incident.sub_event_type_id or "~") for incident in by_row]
    assert kinds == sorted(kinds)
    assert {kind for kind, _sub in kinds} == {"battles", "explosions_remote_violence"}
    # The page's ids, in one query ordered by the incidents' own columns.
    by_code = re.compile(r'ORDER BY (U0|"incidents_incident")\."event_type_id" ASC')
    page_ids = [q["sql"] for q in queries.captured_queries if by_code.search(q["sql"])]
    assert len(page_ids) == 1
    assert "incidents_eventtype" not in by_code.split(page_ids[0])[-1]
