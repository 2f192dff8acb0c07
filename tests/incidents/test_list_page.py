"""A researcher explores /incidents/: the filter panel, the active filters as chips, the count,
the facets and the map, all stated by the query string.

The filters' own behaviour (which incidents each parameter selects, every kind of bad value) is
tested in test_filters.py; this module tests what the page makes of them. Runs on SQLite and
PostgreSQL.
"""

import datetime
import json
import re
from collections import Counter
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils.html import escape

from incidents import explorer, filter_panel, querysets
from incidents.choices import ActorRole, Status
from incidents.filters import FILTER_PARAMETERS, IncidentFilterSet
from incidents.models import AdminArea, Incident, Tactic
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    save_incidents_in_bulk,
)
from tests.shared_rows import rows_per_module

# How a date parameter that is not YYYY-MM-DD is refused (incidents/filters.iso_date).
DATE_REFUSED = "Enter the date as YYYY-MM-DD, for example 2023-10-05."


LIST_URL = reverse("incidents:incident_list")


def day(text):
    return datetime.date.fromisoformat(text)


def build_sahel():
    """Two countries, three regions, four districts and a place in each district."""
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    sahel_region = AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13")

    def district(name, region):
        return AdminArea.objects.create(
            country=region.country, level=AdminArea.Level.ADMIN2, parent=region, name=name
        )

    djenne = district("Djenné", mopti)
    bandiagara = district("Bandiagara", mopti)
    ansongo = district("Ansongo", gao)
    soum = district("Soum", sahel_region)
    return SimpleNamespace(
        mali=mali,
        burkina=burkina,
        mopti=mopti,
        gao=gao,
        sahel=sahel_region,
        djenne=djenne,
        bandiagara=bandiagara,
        ansongo=ansongo,
        soum=soum,
        kouakourou=LocationFactory(name="Kouakourou", admin2=djenne, admin1=None, country=mali),
        bandiagara_town=LocationFactory(
            name="Bandiagara", admin2=bandiagara, admin1=None, country=mali
        ),
        ansongo_town=LocationFactory(
            name="Ansongo",
            admin2=ansongo,
            admin1=None,
            country=mali,
            latitude="15.66",
            longitude="0.50",
        ),
        djibo=LocationFactory(
            name="Djibo",
            admin2=soum,
            admin1=None,
            country=burkina,
            latitude="14.10",
            longitude="-1.63",
        ),
    )


@pytest.fixture
def sahel(db):
    return build_sahel()


@rows_per_module
def season_rows():
    """Nine published incidents of 2022–2023 in three regions, of three types, and three
    unpublished ones (a draft, one in review, a retraction) that must never count; in the places
    of build_sahel, built once per module."""
    sahel = build_sahel()
    jnim = ActorFactory(name="JNIM")
    specs = [
        # (title, date, place, event type, killed)
        ("Ambush near Kouakourou", "2023-09-01", sahel.kouakourou, "battles", 15),
        ("Attack on Bandiagara market", "2023-08-12", sahel.bandiagara_town, "vac", 12),
        ("IED on the Bandiagara road", "2023-07-03", sahel.bandiagara_town, "erv", 3),
        ("Clash in Djenné cercle", "2022-10-05", sahel.kouakourou, "battles", None),
        ("Suicide bombing in Ansongo", "2023-05-20", sahel.ansongo_town, "erv", 40),
        ("Raid on Ansongo", "2022-03-14", sahel.ansongo_town, "battles", 7),
        ("Djibo blockade clash", "2023-07-30", sahel.djibo, "battles", 22),
        ("Villagers killed near Djibo", "2023-02-02", sahel.djibo, "vac", 31),
        ("Djibo convoy ambush", "2022-12-31", sahel.djibo, "battles", 9),
    ]
    types = {
        "battles": ("battles", "armed_clash"),
        "vac": ("violence_against_civilians", "attack"),
        "erv": ("explosions_remote_violence", "remote_explosive_landmine_ied"),
    }
    incidents = {}
    for title, date, place, kind, killed in specs:
        event_type, sub_event_type = types[kind]
        incident = IncidentFactory(
            title=title,
            start_date=day(date),
            location=place,
            event_type_id=event_type,
            sub_event_type_id=sub_event_type,
        )
        if killed is not None:
            CasualtyFactory(incident=incident, best=killed)
        incidents[title] = incident
    IncidentActorFactory(
        incident=incidents["Ambush near Kouakourou"], actor=jnim, role=ActorRole.PERPETRATOR
    )
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED):
        hidden = IncidentFactory(
            title=f"SECRET {status}",
            start_date=day("2019-06-01"),
            location=sahel.kouakourou,
            event_type_id="protests",
            sub_event_type_id="peaceful_protest",
            status=status,
        )
        CasualtyFactory(incident=hidden, best=99)
    return SimpleNamespace(incidents=incidents, jnim=jnim, **vars(sahel))


@pytest.fixture
def season(season_rows, db):
    """The rows of season_rows, for a test that reads them (and may add its own)."""
    return season_rows


def html_of(response):
    assert response.status_code == 200
    return response.content.decode()


def options(html, select_id):
    """[(value, label, {data- attributes}, selected)] of a select's options."""
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    found = []
    for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", select, re.S):
        value = re.search(r'value="([^"]*)"', attrs).group(1)
        data = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', attrs))
        found.append((value, label.strip(), data, " selected" in attrs))
    return found


def option_labels(html, select_id):
    return [label for _value, label, _data, _selected in options(html, select_id)]


def query_of(url):
    """A URL's parameters, as a sorted list of pairs."""
    return sorted(parse_qsl(urlsplit(url).query))


def chips(response):
    return {chip.label: chip for chip in response.context["chips"]}


def published_count(**conditions):
    """An independent count: the published incidents among those the test made."""
    return Incident.objects.filter(status=Status.PUBLISHED, **conditions).count()


# --- the filter panel ------------------------------------------------------------------------


def test_panel_offers_every_parameter_of_the_filterset(client, season):
    html = html_of(client.get(LIST_URL))
    # Actors and places are offered through search: their inputs appear once one is chosen.
    for parameter in FILTER_PARAMETERS:
        if parameter not in ("actor", "location"):
            assert f'name="{parameter}"' in html, parameter
    # The actor search asks the JSON API when it is installed.
    search_url = filter_panel.actor_search_url()
    assert ('data-actor-search="/api/actors/"' in html) == (search_url == "/api/actors/")
    assert 'type="date"' in html
    assert 'type="checkbox" name="event_type" value="battles"' in html


def test_panel_lists_every_region_and_district_with_its_parents_when_none_is_chosen(client, season):
    html = html_of(client.get(LIST_URL))
    regions = {label: data for _value, label, data, _selected in options(html, "id_admin1")}
    assert regions == {
        "Sahel": {"data-country": "BFA"},
        "Gao": {"data-country": "MLI"},
        "Mopti": {"data-country": "MLI"},
    }
    districts = {label: data for _value, label, data, _selected in options(html, "id_admin2")}
    assert districts["Djenné"] == {"data-country": "MLI", "data-region": str(season.mopti.pk)}
    assert set(districts) == {"Soum", "Ansongo", "Bandiagara", "Djenné"}
    # The regions are grouped by country, the districts by region, with its country where
    # several countries are listed (two countries may have regions of the same name).
    assert '<optgroup label="Burkina Faso">' in html
    assert '<optgroup label="Mopti (Mali)">' in html


def test_choosing_a_country_lists_only_its_regions_and_districts(client, season):
    html = html_of(client.get(LIST_URL, {"country": "BFA"}))
    assert option_labels(html, "id_admin1") == ["Sahel"]
    assert option_labels(html, "id_admin2") == ["Soum"]
    assert 'data-listed-parents="BFA"' in html


def test_choosing_a_region_lists_only_its_districts(client, season):
    html = html_of(client.get(LIST_URL, {"country": "MLI", "admin1": season.mopti.pk}))
    assert option_labels(html, "id_admin1") == ["Gao", "Mopti"]
    assert option_labels(html, "id_admin2") == ["Bandiagara", "Djenné"]
    chosen = [label for _v, label, _d, selected in options(html, "id_admin1") if selected]
    assert chosen == ["Mopti"]


def test_a_chosen_region_outside_the_chosen_country_stays_listed_to_be_unchosen(client, season):
    html = html_of(client.get(LIST_URL, {"country": "BFA", "admin1": season.mopti.pk}))
    assert [(label, selected) for _v, label, _d, selected in options(html, "id_admin1")] == [
        ("Sahel", False),
        ("Mopti", True),
    ]


def test_choosing_an_event_type_lists_only_its_sub_event_types(client, season):
    html = html_of(client.get(LIST_URL, {"event_type": "battles"}))
    assert option_labels(html, "id_sub_event_type") == [
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ]
    everything = html_of(client.get(LIST_URL))
    sub_types = options(everything, "id_sub_event_type")
    assert len(sub_types) == 25
    assert ("armed_clash", "Armed clash", {"data-event-type": "battles"}, False) in sub_types


def test_an_actor_in_the_url_is_a_checked_box_with_its_name(client, season):
    html = html_of(client.get(LIST_URL, {"actor": season.jnim.pk}))
    assert re.search(
        rf'<input type="checkbox" name="actor" value="{season.jnim.pk}" checked> JNIM', html
    )


# --- chips -----------------------------------------------------------------------------------


def test_each_active_filter_is_a_chip_with_a_human_label(client, season):
    response = client.get(
        LIST_URL,
        {
            "date_from": "2023-07-01",
            "date_to": "2023-09-30",
            "country": "MLI",
            "admin1": [season.mopti.pk, season.gao.pk],
            "event_type": "battles",
            "killed_min": "10",
            "killed_max": "50",
            "near": "16.27,-0.04",
            "radius_km": "50",
            "civilian_targeting": "false",
            "actor": season.jnim.pk,
            "geo_precision_max": "3",
            "q": "ambush",
        },
    )
    assert list(chips(response)) == [
        "1 Jul 2023 – 30 Sep 2023",
        "Country: Mali",
        "Region: Mopti (Mali)",
        "Region: Gao (Mali)",
        "Within 50 km of 16.27,-0.04",
        "Place known at least to: District (admin2) only",
        "Event type: Battles",
        "Civilians not targeted",
        "Actor: JNIM",
        "Killed ≥ 10",
        "Killed ≤ 50",
        "Search: “ambush”",
    ]
    html = html_of(response)
    for label, chip in chips(response).items():
        assert f'href="{escape(chip.remove_url)}"' in html
        assert escape(label) in html


@pytest.mark.parametrize(
    ("chip", "left"),
    [
        # A multi-valued parameter loses only that value.
        ("Region: Mopti (Mali)", [("admin1", "gao"), ("killed_min", "10"), ("sort", "-killed")]),
        # The date range is one chip, and goes as a whole.
        ("Killed ≥ 10", [("admin1", "gao"), ("admin1", "mopti"), ("sort", "-killed")]),
    ],
)
def test_a_chip_links_to_the_same_list_without_that_one_value(client, season, chip, left):
    ids = {"mopti": str(season.mopti.pk), "gao": str(season.gao.pk)}
    response = client.get(
        LIST_URL,
        {
            "admin1": [season.mopti.pk, season.gao.pk],
            "killed_min": "10",
            "sort": "-killed",
            "page": "1",
        },
    )
    url = chips(response)[chip].remove_url
    assert url.startswith(LIST_URL + "?")
    expected = sorted((name, ids.get(value, value)) for name, value in left)
    assert query_of(url) == expected  # the sort is kept, the page starts again


def test_a_date_range_chip_removes_both_dates_and_a_radius_chip_both_parts(client, season):
    response = client.get(
        LIST_URL,
        {
            "date_from": "2023-07-01",
            "date_to": "2023-09-30",
            "near": "16.27,-0.04",
            "radius_km": 50,
        },
    )
    labels = chips(response)
    assert query_of(labels["1 Jul 2023 – 30 Sep 2023"].remove_url) == [
        ("near", "16.27,-0.04"),
        ("radius_km", "50"),
    ]
    assert query_of(labels["Within 50 km of 16.27,-0.04"].remove_url) == [
        ("date_from", "2023-07-01"),
        ("date_to", "2023-09-30"),
    ]


def test_removing_a_chip_widens_the_list(client, season):
    narrow = client.get(LIST_URL, {"admin1": season.mopti.pk, "event_type": "battles"})
    assert narrow.context["count"] == 2  # Ambush near Kouakourou, Clash in Djenné cercle
    wider = client.get(chips(narrow)["Event type: Battles"].remove_url)
    assert wider.context["count"] == published_count(location__admin2__parent=season.mopti)
    assert list(chips(wider)) == ["Region: Mopti (Mali)"]
    assert client.get(chips(wider)["Region: Mopti (Mali)"].remove_url).context["count"] == 9


def test_clear_all_keeps_only_the_sort(client, season):
    response = client.get(LIST_URL, {"admin1": season.mopti.pk, "sort": "-killed", "page": 1})
    assert response.context["clear_url"] == LIST_URL + "?sort=-killed"
    assert client.get(LIST_URL, {"q": "ambush"}).context["clear_url"] == LIST_URL


def test_empty_parameters_of_a_submitted_form_are_no_chips(client, season):
    response = client.get(LIST_URL, {"q": "", "date_from": "", "admin1": season.gao.pk})
    assert list(chips(response)) == ["Region: Gao (Mali)"]
    assert chips(response)["Region: Gao (Mali)"].remove_url == LIST_URL


def test_an_actor_chip_names_the_actor_without_the_actor_api(client, season):
    response = client.get(LIST_URL, {"actor": season.jnim.pk})
    assert list(chips(response)) == ["Actor: JNIM"]
    assert response.context["count"] == 1


# --- bad values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2023-13-45"}, "date_from", DATE_REFUSED),
        ({"radius_km": "50"}, "radius_km", "Give near=LAT,LON with radius_km."),
        ({"killed_min": "-1"}, "killed_min", "Ensure this value is greater than or equal to 0."),
        ({"killed_min": "many"}, "killed_min", "Enter a whole number."),
        ({"admin1": "999999"}, "admin1", "is not one of the available choices."),
        ({"country": "XXX"}, "country", "XXX is not one of the available choices."),
        ({"actor": "424242"}, "actor", "424242 is not one of the available choices."),
        ({"near": "Gao", "radius_km": "50"}, "near", "Give a point as latitude,longitude"),
    ],
)
def test_a_bad_value_is_shown_beside_its_field_and_as_a_marked_chip(
    client, season, params, field, message
):
    response = client.get(LIST_URL, params)
    html = html_of(response)
    assert field in response.context["filter"].form.errors
    # The message sits in the field's own block, which is marked as in error.
    widget = html.index(f'name="{field}"')
    block = html[html.rfind('class="field', 0, widget) : html.find('class="field', widget)]
    assert "has-error" in block.split(">")[0]
    assert escape(message) in block
    assert [chip.invalid for chip in response.context["chips"]] == [True]
    # Nothing is listed, counted or mapped until the value is corrected.
    assert response.context["count"] == 0
    assert response.context["facets"] is None and response.context["map"] is None


def test_a_bad_value_costs_no_facet_or_map_query(client, season, django_assert_max_num_queries):
    # The public data version, then the panel's country, region, district, event type and
    # sub-event type choices, which are remembered under it.
    with django_assert_max_num_queries(6):
        assert client.get(LIST_URL, {"killed_min": "-1"}).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(LIST_URL, {"killed_min": "-2"}).status_code == 200


def test_the_panel_lists_a_district_once_an_incident_there_is_published(client, sahel):
    """The panel's lists are remembered, but never past a publication."""
    district = AdminArea.objects.create(
        country=sahel.mali, level=AdminArea.Level.ADMIN2, parent=sahel.gao, name="Bourem"
    )
    place = LocationFactory(name="Bamba", admin2=district, admin1=None, country=sahel.mali)
    assert "Bourem" not in client.get(LIST_URL).content.decode()
    IncidentFactory(location=place)
    assert "Bourem" in client.get(LIST_URL).content.decode()


# --- count and facets ------------------------------------------------------------------------


def test_the_count_reads_as_a_number_of_incidents(client, season):
    assert "9 incidents" in html_of(client.get(LIST_URL))
    assert "1 incident<" in html_of(client.get(LIST_URL, {"actor": season.jnim.pk}))


def facet(response, title):
    return {
        value.label: value
        for value in next(f for f in response.context["facets"] if f.title == title).values
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"country": "MLI"},
        {"date_from": "2023-01-01", "date_to": "2023-12-31"},
        {"event_type": ["battles", "explosions_remote_violence"], "killed_min": "5"},
    ],
    ids=["everything", "Mali", "2023", "battles-or-explosions-5-killed"],
)
def test_facets_count_the_filtered_incidents_by_type_region_and_year(client, season, params):
    response = client.get(LIST_URL, params)
    listed = list(
        response.context["filter"].qs.select_related(
            "location__admin2__parent", "location__admin1__country"
        )
    )
    assert len(listed) == response.context["count"]
    # Counted again here, from the listed incidents themselves; regions of several countries
    # are named with their country.
    by_type = Counter(incident.event_type.name for incident in listed)
    regions = {incident.location.admin1 for incident in listed}
    several_countries = len({region.country_id for region in regions}) > 1
    by_region = Counter(
        region.name_with_country if several_countries else region.name
        for region in (incident.location.admin1 for incident in listed)
    )
    by_year = Counter(str(incident.start_date.year) for incident in listed)
    assert {label: value.count for label, value in facet(response, "Event type").items()} == by_type
    assert {label: value.count for label, value in facet(response, "Region").items()} == by_region
    assert {label: value.count for label, value in facet(response, "Year").items()} == by_year
    # Most numerous first; years newest first.
    counts = [value.count for value in facet(response, "Event type").values()]
    assert counts == sorted(counts, reverse=True)
    assert list(facet(response, "Year")) == sorted(by_year, reverse=True)


def test_a_facet_link_adds_its_value_to_the_current_filter(client, season):
    response = client.get(LIST_URL, {"country": "MLI", "sort": "-killed"})
    mopti = facet(response, "Region")["Mopti"]
    assert query_of(mopti.url) == sorted(
        [("country", "MLI"), ("admin1", str(season.mopti.pk)), ("sort", "-killed")]
    )
    followed = client.get(mopti.url)
    assert followed.context["count"] == mopti.count == 4
    battles = facet(followed, "Event type")["Battles"]
    assert client.get(battles.url).context["count"] == battles.count == 2
    # Once chosen, a value is shown as chosen rather than offered again.
    assert facet(followed, "Region")["Mopti"].chosen


def test_a_year_facet_link_sets_the_dates_to_that_year(client, season):
    response = client.get(LIST_URL, {"date_from": "2022-06-01", "admin1": season.gao.pk})
    year = facet(response, "Year")["2023"]
    assert query_of(year.url) == sorted(
        [("admin1", str(season.gao.pk)), ("date_from", "2023-01-01"), ("date_to", "2023-12-31")]
    )
    assert client.get(year.url).context["count"] == year.count == 1


def test_facets_and_map_never_count_drafts_or_retractions(client, season):
    response = client.get(LIST_URL)
    html = html_of(response)
    assert "Protests" not in facet(response, "Event type")
    assert "2019" not in facet(response, "Year")
    assert sum(value.count for value in facet(response, "Region").values()) == 9
    points = map_data(response)["points"]
    assert len(points) == 9
    assert "SECRET" not in html
    assert "SECRET" not in json.dumps(points)


def test_facets_of_a_selection_the_count_tables_hold_are_five_queries_then_remembered(
    season, django_assert_num_queries
):
    for query in ({}, {"country": ["MLI"], "event_type": ["battles"], "date_from": "2023-01-01"}):
        incidents = IncidentFilterSet.from_query(query).qs
        assert incidents.count_selection is not None  # the filter's values are checked
        # the data version; the counts by event type, region and year, the event types' names,
        # the regions' names
        with django_assert_num_queries(1 + 5):
            first = incidents.facet_counts()
        with django_assert_num_queries(1):
            assert incidents.facet_counts() == first
    # A publication moves the version on: the remembered facets are not served after it.
    IncidentFactory(location=season.djibo, start_date=day("2024-01-01"))
    everything = IncidentFilterSet.from_query({}).qs.facet_counts()
    assert sum(row["count"] for row in everything["event_type"]) == 9 + 1


def test_other_facets_and_their_count_are_one_query_beside_the_data_version(
    season, django_assert_num_queries
):
    incidents = Incident.objects.public().filter(location__country__iso3="MLI", killed_best__gte=5)
    # the data version (read by each remembered answer outside a request: twice here), the
    # count and the three facets, then the regions' names (with their countries)
    with django_assert_num_queries(2 + 1 + 1):
        facets = incidents.facet_counts()
    # The count came with the facets: the same queryset asks only for the data version.
    with django_assert_num_queries(1):
        count = incidents.cached_count()
    assert count == incidents.count() == sum(row["count"] for row in facets["year"]) > 0


def test_large_facets_are_remembered_under_the_data_version(
    season, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(querysets, "COUNT_CACHE_MIN", 5)
    large = Incident.objects.public().exclude(title="")
    first = large.facet_counts()
    # The version (it has not moved), and the regions' names by id.
    with django_assert_num_queries(1 + 1):
        assert large.facet_counts() == first
    # A small selection is counted afresh each time.
    for _ in range(2):
        small = Incident.objects.public().filter(location__country__iso3="BFA").exclude(title="")
        # the version (twice outside a request), the count and facets, the regions' names
        with django_assert_num_queries(2 + 1 + 1):
            small.facet_counts()
    # A publication moves the version on: the remembered facets are not served after it.
    IncidentFactory(location=season.djibo, start_date=day("2024-01-01"))
    assert sum(row["count"] for row in large.facet_counts()["event_type"]) == 9 + 1


@pytest.mark.parametrize("query", [{}, {"q": "a"}], ids=["counted", "remembered"])
def test_a_publication_counts_at_once_however_large_the_count(client, season, monkeypatch, query):
    monkeypatch.setattr(querysets, "COUNT_CACHE_MIN", 5)
    before = client.get(LIST_URL, query).context["count"]
    newest = IncidentFactory(
        title="A new attack", location=season.djibo, start_date=day("2024-01-01")
    )
    response = client.get(LIST_URL, query)
    assert response.context["count"] == before + 1
    assert response.context["table"].page.object_list[0].record == newest


# --- the map ---------------------------------------------------------------------------------


MAP_URL = reverse("incidents:incident_map")


def map_data(response):
    """The points of the map on a list page, from the address the page gives the map."""
    points_url = re.search(r'data-points="([^"]+)"', html_of(response)).group(1)
    answer = response.client.get(unescape(points_url))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    return answer.json()


def test_the_map_has_a_point_per_incident_coloured_by_type_and_a_legend(client, season):
    response = client.get(LIST_URL, {"country": "BFA"})
    data = map_data(response)
    ambush = season.incidents["Djibo blockade clash"]
    assert data["points"][0] == [
        14.1,
        -1.63,
        "battles",
        ambush.pk,
        "30 Jul 2023",
        "22 killed",
        "Djibo blockade clash",
    ]
    assert len(data["points"]) == 3
    assert data["incidentUrl"].replace("{id}", str(ambush.pk)) == ambush.get_absolute_url()
    assert data["colours"]["battles"] == "#D55E00"
    html = html_of(response)
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert f'data-attribution="{escape(explorer.TILE_ATTRIBUTION)}"' in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html
    assert "vendor/world-atlas-2.0.2/north-africa-sahel-countries-50m.json" in html
    legend = re.search(r'<ul class="map-legend".*?</ul>', html, re.S).group(0)
    assert re.findall(r"</svg>([^<]+)</li>", legend) == ["Battles", "Violence against civilians"]
    assert '<circle fill="#D55E00"/>' in legend  # an SVG fill, not a style="…" the CSP refuses
    assert "most recent of" not in html


def test_the_map_shows_the_most_recent_incidents_and_says_when_it_is_capped(
    client, season, monkeypatch
):
    monkeypatch.setattr(explorer, "MAP_POINTS", 4)
    response = client.get(LIST_URL)
    titles = [point[6] for point in map_data(response)["points"]]
    assert titles == [
        "Ambush near Kouakourou",
        "Attack on Bandiagara market",
        "Djibo blockade clash",
        "IED on the Bandiagara road",
    ]
    assert "Showing the 4 most recent of 9 incidents." in html_of(response)


def test_the_page_names_its_map_points_by_address_and_never_inlines_them(client, season):
    response = client.get(
        LIST_URL, {"country": "BFA", "date_from": "2023-01-01", "sort": "-killed", "page": "1"}
    )
    html = html_of(response)
    assert (
        "incident-map-data" not in html
        and "Djibo blockade clash" not in html.split('<table class="incident-table"')[0]
    )
    points_url = unescape(re.search(r'data-points="([^"]+)"', html).group(1))
    # The same filter as the list, without the table's own sort and page.
    assert urlsplit(points_url).path == MAP_URL
    assert query_of(points_url) == [("country", "BFA"), ("date_from", "2023-01-01")]
    titles = [point[6] for point in client.get(points_url).json()["points"]]
    assert titles == ["Djibo blockade clash", "Villagers killed near Djibo"]


def test_map_points_are_revalidated_and_a_retraction_changes_them(client, season, reviewer):
    first = client.get(MAP_URL, {"country": "BFA"})
    assert first.status_code == 200
    assert set(first["Cache-Control"].split(", ")) == {"public", "no-cache"}
    etag = first["ETag"]
    # A browser that has these points is told so, without them.
    again = client.get(MAP_URL, {"country": "BFA"}, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""

    ambush = season.incidents["Djibo blockade clash"]
    Incident.objects.get(pk=ambush.pk).retract(by=reviewer, reason="Reported twice")
    after = client.get(MAP_URL, {"country": "BFA"}, headers={"if-none-match": etag})
    assert after.status_code == 200 and after["ETag"] != etag
    assert ambush.pk not in [point[3] for point in after.json()["points"]]
    assert len(after.json()["points"]) == 2


def test_map_points_refuse_a_bad_value_with_its_message(client, season):
    response = client.get(MAP_URL, {"killed_min": "-1"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["killed_min"]


def test_a_full_map_is_remembered_for_a_minute_and_a_partial_one_never(
    season, django_assert_num_queries
):
    # One query for the public data version (under which the map is remembered), one for it.
    incidents = Incident.objects.public()
    with django_assert_num_queries(2):
        full = incidents.map_points(4)
    with django_assert_num_queries(1):
        assert incidents.map_points(4) == full
    for _ in range(2):
        with django_assert_num_queries(2):
            assert len(incidents.map_points(50)) == 9


def test_an_empty_result_has_no_map_and_no_facets(client, season):
    response = client.get(LIST_URL, {"q": "nothing like this"})
    assert response.context["count"] == 0
    assert response.context["map"] is None and response.context["facets"] is None
    assert "leaflet.js" not in html_of(response)


def test_static_files_the_page_names_exist(client, season):
    from django.contrib.staticfiles import finders

    html = html_of(client.get(LIST_URL))
    for path in re.findall(r'(?:src|href|data-boundaries)="/static/([^"]+)"', html):
        assert finders.find(path), path
    for vendored in ["vendor/leaflet-1.9.4/LICENSE", "vendor/world-atlas-2.0.2/LICENSE"]:
        assert finders.find(vendored)


# --- query budgets ---------------------------------------------------------------------------


def incidents_for_budget(count, sahel):
    actors = [ActorFactory(), ActorFactory(actor_type=7)]
    tactics = list(Tactic.objects.all()[:2])
    places = [sahel.kouakourou, sahel.ansongo_town, sahel.djibo]
    save_incidents_in_bulk(
        [
            IncidentFactory.build(
                location=places[number % 3],
                start_date=day("2023-01-01") + datetime.timedelta(number),
            )
            for number in range(count)
        ],
        tactics=tactics,
        roles=[(actors[0], ActorRole.PERPETRATOR), (actors[1], ActorRole.TARGET)],
        killed=lambda number: number,
    )


# The list page: the count (one query, from the count tables); the facets (five: the counts by
# event type, region and year, then the event types' and regions' names); page rows, their
# tactics, their actors; the public data version; the panel's country, region, district, event
# type and sub-event type choices. The map's points are read by their own address (MAP_URL),
# not by the page.
LIST_QUERIES = 15
# Once the facets and the panel's lists are remembered (under the data version): the count,
# the data version, the page's rows, their tactics and their actors.
LIST_QUERIES_REMEMBERED = 5


@pytest.mark.parametrize("count", [5, 60])
@pytest.mark.parametrize(
    ("params", "validating"),
    [
        ({}, 0),
        ({"sort": "-killed", "page": "1"}, 0),
        # one query to check each model parameter's values
        (
            {
                "country": "MLI",
                "admin1": "{mopti}",
                "event_type": "battles",
                "date_from": "2023-01-01",
            },
            3,
        ),
        (
            {
                "country": "MLI",
                "admin1": "{mopti}",
                "event_type": "battles",
                "date_from": "2023-01-01",
                "killed_min": "1",
            },
            # killed_min: the count and facets come from the incidents, in as many queries,
            # and the regions' names after their GROUP BY
            3 + 1,
        ),
    ],
    ids=["plain", "sorted", "counted", "uncounted"],
)
def test_list_query_count_does_not_grow_with_incidents(
    client, sahel, django_assert_max_num_queries, count, params, validating
):
    incidents_for_budget(count, sahel)
    params = {key: value.format(mopti=sahel.mopti.pk) for key, value in params.items()}
    with django_assert_max_num_queries(LIST_QUERIES + validating):
        assert client.get(LIST_URL, params).status_code == 200


@pytest.mark.parametrize("params", [{}, {"page": "2"}, {"sort": "place"}])
def test_a_list_seen_again_reads_only_its_count_and_rows(
    client, sahel, django_assert_num_queries, params
):
    incidents_for_budget(60, sahel)
    first = client.get(LIST_URL, params).content
    with django_assert_num_queries(LIST_QUERIES_REMEMBERED):
        assert client.get(LIST_URL, params).content == first


@pytest.mark.parametrize("count", [5, 60])
def test_the_map_points_address_reads_them_in_one_query(
    client, sahel, django_assert_num_queries, count
):
    incidents_for_budget(count, sahel)
    # The points, beside the public data version they are remembered under.
    with django_assert_num_queries(1 + 1):
        assert len(client.get(MAP_URL).json()["points"]) == count
    # One more to check each model parameter's values.
    with django_assert_num_queries(2 + 1):
        assert client.get(MAP_URL, {"admin1": sahel.mopti.pk}).status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_map_points_are_one_query(sahel, django_assert_num_queries, count):
    incidents_for_budget(count, sahel)
    # ... beside the public data version's
    with django_assert_num_queries(1 + 1):
        assert len(Incident.objects.public().map_points(50)) == min(count, 50)


def test_list_links_its_filter_to_the_trends_and_the_api(client, db):
    mali = CountryFactory(iso3="MLI")
    IncidentFactory(location=LocationFactory(country=mali), status=Status.PUBLISHED)
    response = client.get(LIST_URL, {"country": "MLI", "sort": "-killed", "page": "1"})

    html = response.content.decode()
    # The same filter, without the table's own sort and page.
    assert 'href="/analysis/?country=MLI"' in html
    assert 'href="/api/incidents/?country=MLI"' in html


def test_a_country_code_in_lower_case_is_the_country_everywhere_on_the_page(client, db):
    mali = CountryFactory(iso3="MLI", name="Mali")
    IncidentFactory(location=LocationFactory(country=mali), status=Status.PUBLISHED)

    html = client.get(LIST_URL, {"country": "mli"}).content.decode()

    assert ">Country: Mali<" in html
    assert re.search(r'<option value="MLI"[^>]*selected', html)
