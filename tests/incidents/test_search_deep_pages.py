"""A search with the list's other filters (place, event type, period, actor, actor type) counts
and facets exactly as the plain query over the incidents; any numbered page of a search, however
deep, shows the rows the plain order puts there, through month ends and ties on a day. On
PostgreSQL the filtered search is counted from its search entries, and a deep page of a search
ordered by date is read from the months its matches are counted by, not through every match
before it."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import querysets
from incidents.choices import ActorType, Status
from incidents.filters import IncidentFilterSet
from incidents.models import EventType, Incident
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    taxonomy,
)
from tests.incidents.test_list_keyset import row_ids

LIST_URL = reverse("incidents:incident_list")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search entries exist on PostgreSQL only"
)


@pytest.fixture
def ambushes(db):
    """Sixty published incidents reporting an ambush in Mali (at Boni and in the town of Mopti,
    region Mopti) and Niger, on days at the ends and starts of months (several on one day), of
    two event types, with soldiers or militiamen involved; a retracted and a draft ambush; and
    incidents without the word, some naming Mopti. {name: value}."""
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    niger = CountryFactory(iso3="NER", iso2="NE", name="Niger")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    tillaberi = AdminAreaFactory(country=niger, name="Tillabéri", iso_code="NE-6")
    places = [LocationFactory(admin1=mopti, name="Boni"), LocationFactory(admin1=tillaberi)]
    mopti_town = LocationFactory(admin1=mopti, name="Mopti")
    army = ActorFactory(name="Military Forces of Mali", actor_type=ActorType.STATE_FORCES)
    militia = ActorFactory(name="Dan Na Ambassagou", actor_type=ActorType.IDENTITY_MILITIA)
    # Month ends and starts, ties on a day: 30 Jan, 1 Feb, 28 Feb, 1 Mar, 31 Mar, 1 Apr (2023).
    days = [datetime.date(2023, month, day) for month, day in ((1, 30), (2, 1), (2, 28))]
    days += [datetime.date(2023, month, day) for month, day in ((3, 1), (3, 31), (4, 1))]

    def incident(number, title, **fields):
        made = IncidentFactory(
            title=title,
            location=mopti_town if number % 10 == 0 else places[number % 2],
            start_date=days[number % 6],
            event_type=taxonomy(EventType, ["battles", "riots"][number % 3 == 0]),
            sub_event_type=None,
            **fields,
        )
        IncidentActorFactory(incident=made, actor=[army, militia][number % 4 == 0])
        return made

    ambushes = [incident(n, f"Ambush {n}").pk for n in range(60)]
    incident(60, "Ambush 60", status=Status.RETRACTED)
    incident(61, "Ambush 61", status=Status.DRAFT)
    for number in range(62, 66):
        incident(number, f"Traders from Mopti {number}")  # in Niger for odd numbers
    for number in range(66, 70):
        incident(number, f"Market day {number}")
    return {"ids": ambushes, "army": army, "mopti": mopti, "niger": niger}


def filtered(query):
    return IncidentFilterSet.from_query(query).qs


def filters(ambushes):
    """Searches for the word with each filter the search entries answer, and several at once."""
    return [
        {"q": "ambush"},
        {"q": "ambush", "country": ["NER"]},
        {"q": "ambush", "admin1": [str(ambushes["mopti"].pk)]},
        {"q": "ambush", "event_type": ["riots"]},
        {"q": "ambush", "date_from": "2023-02-01", "date_to": "2023-03-30"},
        {"q": "ambush", "actor": [str(ambushes["army"].pk)]},
        {"q": "ambush", "actor_type": [str(ActorType.IDENTITY_MILITIA)]},
        {"q": "ambush", "country": ["MLI"], "actor_type": [str(ActorType.STATE_FORCES)]},
    ]


def test_a_search_with_other_filters_counts_and_pages_as_the_plain_query(ambushes, monkeypatch):
    monkeypatch.setattr(querysets, "RANK_WALK_ROWS", 4)  # deep pages from the fifth row
    for query in filters(ambushes):
        found = filtered(query)
        plain = found.filter(pk__gte=0)  # another filter: the incidents' own path
        if connection.vendor == "postgresql":
            assert found.search_entries is not None and plain.search_entries is None, query
        assert found.tally() == plain.tally(), query
        assert found.facet_counts() == plain.facet_counts(), query
        in_order = list(plain.values_list("pk", flat=True))
        assert len(in_order) == found.cached_count(), query
        for size in (1, 7):
            for bottom in range(0, len(in_order) + size, 2):
                page = found.page_ids(bottom, bottom + size)
                assert page == in_order[bottom : bottom + size], (query, bottom, size)


def test_the_filtered_counts_leave_out_retracted_and_unmatched_incidents(ambushes):
    assert filtered({"q": "ambush"}).cached_count() == 60
    assert filtered({"q": "ambush", "country": ["NER"]}).cached_count() == 30
    # The army is in every incident but each fourth; incidents 0, 4, …, 56 have the militia.
    assert filtered({"q": "ambush", "actor": [str(ambushes["army"].pk)]}).cached_count() == 45
    militia = {"q": "ambush", "actor_type": [str(ActorType.IDENTITY_MILITIA)]}
    assert set(filtered(militia).values_list("pk", flat=True)) == set(ambushes["ids"][::4])


@on_postgresql
@pytest.mark.parametrize(
    "query",
    [
        {"q": "ambush", "country": ["NER"]},
        {"q": "ambush", "event_type": ["riots"]},
        {"q": "ambush", "actor_type": [str(ActorType.IDENTITY_MILITIA)]},
    ],
)
def test_a_filtered_search_is_counted_from_its_search_entries(ambushes, query):
    found = filtered(query)
    with CaptureQueriesContext(connection) as queries:
        found.cached_count()
    read = " ".join(query["sql"] for query in queries.captured_queries)
    # The narrow entries, never the incident table (which a word's matches cover most of).
    assert "incidents_searchentry" in read
    assert '"incidents_incident"' not in read


@on_postgresql
def test_a_deep_page_of_a_search_is_read_from_its_months(ambushes, monkeypatch):
    monkeypatch.setattr(querysets, "RANK_WALK_ROWS", 4)
    found = filtered({"q": "ambush", "country": ["NER"]})
    in_order = list(found.filter(pk__gte=0).values_list("pk", flat=True))
    assert not found.reads_by_month(4) and found.reads_by_month(5)
    found.cached_count()  # the list counts first: the months come with the count
    with CaptureQueriesContext(connection) as queries:
        assert found.page_ids(21, 26) == in_order[21:26]
    # One query of the entries (and the data version the months are kept under), which skips
    # only rows of the month the page starts in (10 a month in Niger here: February's first),
    # not the 21 before the page.
    assert len(queries.captured_queries) <= 2
    (page_query,) = [
        query["sql"] for query in queries.captured_queries if "searchentry" in query["sql"]
    ]
    assert int(re.search(r"OFFSET (\d+)", page_query)[1]) == 1


def test_a_deep_numbered_page_of_the_list_shows_the_plain_orders_rows(
    client, ambushes, monkeypatch
):
    monkeypatch.setattr(querysets, "RANK_WALK_ROWS", 30)
    in_order = list(filtered({"q": "ambush"}).filter(pk__gte=0).values_list("pk", flat=True))
    for page in (1, 2, 3):
        response = client.get(LIST_URL, {"q": "ambush", "per_page": "25", "page": page})
        assert row_ids(response) == in_order[(page - 1) * 25 : page * 25]
    hidden = Incident.objects.exclude(status=Status.PUBLISHED).values_list("pk", flat=True)
    assert len(in_order) == 60 and not set(in_order) & set(hidden)


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Mopti"},  # the town first, then the rest of its region, then the others
        {"q": "Boni"},  # the place first, then the others
        {"q": "Mopti", "event_type": ["riots"]},
        {"q": "Mopti", "date_from": "2023-02-01", "date_to": "2023-03-30"},
        {"q": "Boni", "actor_type": [str(ActorType.STATE_FORCES)]},
    ],
)
def test_every_deep_page_of_a_search_ranked_by_place_is_the_plain_orders(
    ambushes, monkeypatch, query
):
    monkeypatch.setattr(querysets, "RANK_WALK_ROWS", 4)
    found = filtered(query)
    in_order = list(found.values_list("pk", flat=True))  # sorted by rank, then date
    assert len(in_order) == found.cached_count() > 5
    if connection.vendor == "postgresql":
        assert found.name_rank is not None and found.reads_by_month(5)
    for size in (1, 7):
        for bottom in range(0, len(in_order) + size, 2):
            page = found.page_ids(bottom, bottom + size)
            assert page == in_order[bottom : bottom + size], (query, bottom, size)


@on_postgresql
def test_a_ranked_search_with_another_filter_reads_even_its_first_page_from_its_months(ambushes):
    # Another filter stops the rank-by-rank walk, and sorting every match by rank read them all
    # for the first page (q=Gao&actor=3 at a million incidents: 60,000).
    found = filtered({"q": "Boni", "actor_type": [str(ActorType.STATE_FORCES)]})
    assert not found.walks_ranks(50) and found.reads_by_month(50)
    in_order = list(found.values_list("pk", flat=True))
    found.cached_count()
    assert found.page_ids(0, 50) == in_order[:50]


@on_postgresql
def test_a_public_search_reads_the_names_it_matches_once_for_many_pages(ambushes):
    def name_queries(query):
        with CaptureQueriesContext(connection) as queries:
            list(filtered(query).values_list("pk", flat=True)[:5])
        return [query["sql"] for query in queries.captured_queries if "UNACCENT" in query["sql"]]

    # The places, areas and actors a text names (the search's and its ranking's): read once,
    # then remembered as counts are, for every page and filter of the same text.
    assert len(name_queries({"q": "Mopti"})) == 2
    assert name_queries({"q": "Mopti"}) == name_queries({"q": "Mopti", "page": "2"}) == []
    assert len(name_queries({"q": "Boni"})) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Mopti"},  # a region named whole: its months from the count tables
        {"q": "Mopti", "country": ["MLI"]},  # every incident of the selection matches
        {"q": "ambush", "event_type": ["battles"]},
    ],
)
def test_every_deep_page_of_a_search_sorted_by_date_is_the_plain_orders(
    ambushes, monkeypatch, query
):
    monkeypatch.setattr(querysets, "RANK_WALK_ROWS", 4)
    found = filtered(query).order_by("-start_date", "-id")  # the list's sort=-date
    in_order = list(found.values_list("pk", flat=True))
    assert len(in_order) == found.cached_count() > 5
    if connection.vendor == "postgresql":
        assert found.reads_by_month(5)
    for bottom in range(0, len(in_order) + 7, 2):
        assert found.page_ids(bottom, bottom + 7) == in_order[bottom : bottom + 7], bottom
