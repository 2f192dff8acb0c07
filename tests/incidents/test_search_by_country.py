"""A public search that names a whole country or region ("Burkina Faso" names every place of the
country) counts and pages exactly as the plain query over the incidents would: on PostgreSQL
its country's incidents are counted from the count tables and only its other matches read
from the search entries, and its pages are read rank by rank; retracted incidents and drafts
are never counted, and incidents matched only by their words or an actor outside the country
are."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from incidents import querysets
from incidents.choices import Status
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
from tests.incidents.test_list_keyset import link, row_ids

LIST_URL = reverse("incidents:incident_list")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ranks and areas: the search entries' path"
)


@pytest.fixture
def sahel(db):
    """Forty published incidents in Burkina Faso (regions Sahel and Est), a retracted one and a
    draft there; in Mali, incidents matched by their words, by a place named after the country
    and by the country's army, and others not matched at all. {name: incident ids}."""
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    regions = [
        AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-12"),
        AdminAreaFactory(country=burkina, name="Est", iso_code="BF-08"),
    ]
    places = [LocationFactory(admin1=regions[n % 2]) for n in range(5)]
    mopti = AdminAreaFactory(name="Mopti", iso_code="ML-5")
    in_mali = LocationFactory(admin1=mopti, name="Boni")
    named_street = LocationFactory(admin1=mopti, name="Quartier Burkina Faso")
    army = ActorFactory(name="Military Forces of Burkina Faso")

    def incident(number, location, **fields):
        return IncidentFactory(
            title=fields.pop("title", f"Attack {number}"),
            location=location,
            # Ties on a day, across years: the newest first, then the highest id.
            start_date=datetime.date(2020 + number % 4, number % 12 + 1, 1 + number % 3),
            event_type=taxonomy(EventType, ["battles", "riots"][number % 2]),
            sub_event_type=None,
            **fields,
        )

    found = {
        "in the country": [incident(n, places[n % 5]).pk for n in range(40)],
        "hidden": [
            incident(40, places[0], status=Status.RETRACTED).pk,
            incident(41, places[1], status=Status.DRAFT).pk,
        ],
        "by words": [
            incident(42 + n, in_mali, title="Refugees from Burkina Faso arrive").pk
            for n in range(3)
        ],
        "by place": [incident(45, named_street).pk],
        "by actor": [],
        "not matched": [incident(46 + n, in_mali).pk for n in range(5)],
    }
    with_army = incident(51, in_mali)
    IncidentActorFactory(incident=with_army, actor=army)
    IncidentActorFactory(incident=Incident.objects.get(pk=found["in the country"][0]), actor=army)
    found["by actor"].append(with_army.pk)
    return found


def searched(text):
    return IncidentFilterSet.from_query({"q": text}).qs


@pytest.mark.parametrize("text", ["Burkina Faso", "faso", "Sahel", "Est", "Mopti", "Boni"])
def test_a_search_naming_a_country_or_region_counts_as_the_plain_query(sahel, text):
    found = searched(text)
    plain = found.filter(pk__gte=0)  # another filter: the incidents' own path
    if connection.vendor == "postgresql" and text != "Boni":
        assert found.search_areas is not None and plain.search_areas is None
    assert found.tally() == plain.tally()
    assert found.facet_counts() == plain.facet_counts()


def test_a_country_search_counts_matches_outside_it_and_never_retracted_ones(sahel):
    found = searched("Burkina Faso")
    expected = {
        *sahel["in the country"],
        *sahel["by words"],
        *sahel["by place"],
        *sahel["by actor"],
    }
    assert found.cached_count() == len(expected) == 45
    assert set(found.values_list("pk", flat=True)) == expected
    years = {row["value"]: row["count"] for row in found.facet_counts()["year"]}
    assert sum(years.values()) == 45


@pytest.mark.parametrize("text", ["Burkina Faso", "Sahel", "Est", "Mopti"])
def test_every_page_of_a_ranked_search_is_the_plain_orders(sahel, text):
    found = searched(text)
    if connection.vendor == "postgresql":
        assert found.name_rank is not None  # read rank by rank
    in_order = list(found.values_list("pk", flat=True))
    for size in (7, 25):
        for bottom in range(0, len(in_order) + size, 3):
            assert found.page_ids(bottom, bottom + size) == in_order[bottom : bottom + size]


@on_postgresql
def test_only_a_search_naming_areas_alone_and_near_its_top_is_read_rank_by_rank(sahel, monkeypatch):
    # Another filter can leave a rank sparse or empty, and a deep page makes the walk read
    # most of the date index: both are sorted instead (q=Mali&country=BFA at 1M: 460 ms
    # sorted, 1,600 walked).
    monkeypatch.setattr(querysets, "RANK_WALK_ROWS", 10)
    found = searched("Burkina Faso")
    battles = IncidentFilterSet.from_query({"q": "Burkina Faso", "event_type": ["battles"]}).qs
    assert found.walks_ranks(10) and not found.walks_ranks(11)
    assert battles.name_rank is not None and not battles.walks_ranks(10)
    # Within the country it names, every incident matches: walked as the search alone.
    in_country = IncidentFilterSet.from_query({"q": "Burkina Faso", "country": ["BFA"]}).qs
    assert in_country.walks_ranks(10) and not in_country.walks_ranks(11)
    in_order = list(found.values_list("pk", flat=True))
    for bottom in range(0, len(in_order) + 7, 3):  # walked, then sorted
        assert found.page_ids(bottom, bottom + 7) == in_order[bottom : bottom + 7]


def test_the_list_pages_of_a_country_search_show_its_incidents_in_rank_order(client, sahel):
    first = client.get(LIST_URL, {"q": "Burkina Faso", "per_page": "25"})
    following = link(first, "next")
    assert following == "?q=Burkina+Faso&per_page=25&page=2"
    second = client.get(LIST_URL + following)
    assert link(second, "next") is None
    shown = row_ids(first) + row_ids(second)
    # The country's incidents first, newest first; then the others matched, newest first.
    assert shown == list(searched("Burkina Faso").values_list("pk", flat=True))
    assert set(shown[:40]) == set(sahel["in the country"])
    assert not set(shown) & set(sahel["hidden"])


@pytest.mark.parametrize("sort", ["date", "-killed", "place"])
def test_a_country_search_sorted_otherwise_pages_in_that_order(client, sahel, sort):
    query = {"q": "Burkina Faso", "sort": sort, "per_page": "25"}
    first = client.get(LIST_URL, query)
    second = client.get(LIST_URL + link(first, "next"))
    everything = client.get(LIST_URL, {**query, "per_page": "100"})
    assert row_ids(first) + row_ids(second) == row_ids(everything)
    assert len(row_ids(everything)) == 45
    assert row_ids(everything) != list(searched("Burkina Faso").values_list("pk", flat=True))


def other_filters(sahel):
    """Searches naming an area with the list's other filters: within the area, outside it,
    both, by region, event type and period."""
    mali = Incident.objects.get(pk=sahel["not matched"][0]).location.country.iso3
    sahel_region = Incident.objects.get(pk=sahel["in the country"][0]).location.admin1_id
    return [
        {"q": "Burkina Faso", "country": ["BFA"]},
        {"q": "Burkina Faso", "country": [mali]},
        {"q": "Burkina Faso", "country": ["BFA", mali]},
        {"q": "Sahel", "admin1": [str(sahel_region)]},
        {"q": "Burkina Faso", "event_type": ["battles"]},
        {"q": "faso", "country": ["BFA"], "event_type": ["riots"]},
        {"q": "Burkina Faso", "date_from": "2021-02-02", "date_to": "2022-07-15"},
        {"q": "Burkina Faso", "country": [mali], "date_from": "2021-01-01"},
    ]


def test_a_search_naming_an_area_with_other_filters_counts_and_pages_as_the_plain_query(sahel):
    for query in other_filters(sahel):
        found = IncidentFilterSet.from_query(query).qs
        plain = found.filter(pk__gte=0)  # another filter: the incidents' own path
        if connection.vendor == "postgresql":
            assert found.search_areas is not None and plain.search_areas is None, query
        assert found.tally() == plain.tally(), query
        assert found.facet_counts() == plain.facet_counts(), query
        in_order = list(found.values_list("pk", flat=True))
        assert len(in_order) == found.cached_count(), query
        for bottom in range(0, len(in_order) + 7, 3):
            assert found.page_ids(bottom, bottom + 7) == in_order[bottom : bottom + 7], query


@on_postgresql
def test_a_search_within_the_country_it_names_is_counted_from_the_count_tables(
    sahel, django_assert_max_num_queries
):
    found = IncidentFilterSet.from_query({"q": "Burkina Faso", "country": ["BFA"]}).qs
    assert found.search_areas.hold_selection
    with django_assert_max_num_queries(3) as queries:
        assert found.cached_count() == 40
    # Neither the incidents nor their search entries are read: the count tables are.
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "incidents_publicincidentyear" in read
    assert "incidents_searchentry" not in read and "incidents_incident" not in read


@on_postgresql
@pytest.mark.parametrize(
    "query",
    [
        {"q": "Burkina Faso"},
        {"q": "Burkina Faso", "country": ["BFA"]},
        {"q": "Burkina Faso", "event_type": ["riots"]},
        {"q": "Burkina Faso", "date_from": "2021-01-01", "date_to": "2022-12-31"},
        {"q": "Burkina Faso", "date_from": "2021-02-02", "date_to": "2022-07-15"},
    ],
)
def test_a_country_search_reads_any_page_from_the_day_it_starts_on(sahel, query):
    # The country's incidents are its first rank, counted by day in the count tables, so a
    # page deep in them is read from its first day; the other matches follow.
    found = IncidentFilterSet.from_query(query).qs
    assert found._areas_ranked_first is not None and found.reads_own_pages(10**6)
    in_order = list(
        found.order_by(found.name_rank, "-start_date", "-id").values_list("pk", flat=True)
    )
    assert len(in_order) == found.cached_count()
    for size in (1, 7):
        for bottom in range(0, len(in_order) + size, 2):
            assert found.page_ids(bottom, bottom + size) == in_order[bottom : bottom + size]


@on_postgresql
def test_a_search_naming_a_place_exactly_is_not_read_by_day(sahel):
    # "Boni" names a place: its first rank is that place, which the count tables do not hold.
    assert searched("Boni")._areas_ranked_first is None
    assert searched("Sahel")._areas_ranked_first is not None


@on_postgresql
def test_a_search_naming_more_areas_than_it_names_exactly_ranks_the_exact_ones_first(sahel):
    # "Est" names the regions Est and Est-Central whole, and only Est exactly: Est's incidents
    # are read by day, Est-Central's rank with the other matches.
    est = Incident.objects.get(pk=sahel["in the country"][1]).location.admin1
    central = AdminAreaFactory(country=est.country, name="Est-Central", iso_code="BF-99")
    for number in range(3):
        IncidentFactory(
            location=LocationFactory(admin1=central),
            start_date=datetime.date(2021, 5, 1 + number),
            sub_event_type=None,
        )
    found = searched("Est")
    first = found._areas_ranked_first
    assert first.regions == (est.pk,) and set(found.search_areas.regions) == {est.pk, central.pk}
    in_order = list(
        found.order_by(found.name_rank, "-start_date", "-id").values_list("pk", flat=True)
    )
    assert len(in_order) == found.cached_count() == found.filter(pk__gte=0).count() == 19
    for bottom in range(0, len(in_order) + 5, 2):
        assert found.page_ids(bottom, bottom + 5) == in_order[bottom : bottom + 5]
