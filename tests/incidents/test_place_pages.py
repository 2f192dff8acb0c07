"""A researcher opens a place — Mali, the Mopti region, the Djenné district, Kouakourou — and
sees its published incidents: totals, a yearly trend, the areas inside it, and the incidents."""

import datetime
import re

import pytest
from django.urls import reverse

from incidents import querysets
from incidents.choices import ActorRole, Status
from incidents.models import AdminArea
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
    save_incidents_in_bulk,
)
from tests.shared_rows import rows_per_module

HIDDEN_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED)


def record(place, date, killed=None, status=Status.PUBLISHED, title=None):
    """An incident at the place on the date; killed is (low, best, high) or None (unknown)."""
    incident = IncidentFactory(
        location=place,
        start_date=datetime.date.fromisoformat(date),
        status=status,
        **({"title": title} if title else {}),
    )
    if killed is not None:
        low, best, high = killed
        CasualtyFactory(incident=incident, low=low, best=best, high=high)
    return incident


def build_mali():
    """Mali with Mopti (districts Djenné and Bandiagara, a commune in Djenné) and Gao."""
    country = CountryFactory()
    mopti = AdminAreaFactory(country=country, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=country, name="Gao", iso_code="ML-7")
    djenne = AdminAreaFactory(
        country=country, level=AdminArea.Level.ADMIN2, parent=mopti, name="Djenné", iso_code=""
    )
    bandiagara = AdminAreaFactory(
        country=country,
        level=AdminArea.Level.ADMIN2,
        parent=mopti,
        name="Bandiagara",
        iso_code="",
    )
    dandougou = AdminAreaFactory(
        country=country,
        level=AdminArea.Level.ADMIN3,
        parent=djenne,
        name="Dandougou Fakala",
        iso_code="",
    )
    places = {
        "kouakourou": LocationFactory(name="Kouakourou", admin1=mopti, admin2=djenne),
        "djenne_town": LocationFactory(name="Djenné town", admin1=mopti, admin2=djenne),
        "sofara": LocationFactory(name="Sofara", admin1=mopti, admin2=djenne, admin3=dandougou),
        "bandiagara_town": LocationFactory(name="Bandiagara town", admin1=mopti, admin2=bandiagara),
        "sevare": LocationFactory(name="Sévaré", admin1=mopti),  # in no district
        "ansongo": LocationFactory(name="Ansongo", admin1=gao),
    }
    return {
        "country": country,
        "mopti": mopti,
        "gao": gao,
        "djenne": djenne,
        "bandiagara": bandiagara,
        "dandougou": dandougou,
        **places,
    }


# What the analysts recorded: (place, date, killed low/best/high or None, status).
RECORDS = [
    ("kouakourou", "2021-03-02", (12, 15, 20), Status.PUBLISHED),
    ("kouakourou", "2021-11-30", (3, 3, 3), Status.PUBLISHED),
    ("djenne_town", "2023-01-15", None, Status.PUBLISHED),  # toll unknown
    ("sofara", "2023-06-01", (1, 2, 4), Status.PUBLISHED),
    ("bandiagara_town", "2023-07-20", (30, 40, 60), Status.PUBLISHED),
    ("sevare", "2024-02-10", (0, 0, 0), Status.PUBLISHED),
    ("ansongo", "2022-05-05", (7, 7, 9), Status.PUBLISHED),
    # Never counted anywhere.
    ("kouakourou", "2022-04-04", (500, 900, 999), Status.DRAFT),
    ("bandiagara_town", "2020-01-01", (500, 900, 999), Status.IN_REVIEW),
    ("sevare", "2024-03-03", (500, 900, 999), Status.RETRACTED),
    ("ansongo", "2019-01-01", (500, 900, 999), Status.RETRACTED),
]


@pytest.fixture
def mali(db):
    return build_mali()


@rows_per_module
def recorded_rows():
    """The RECORDS in the places of build_mali; built once per module."""
    mali = build_mali()
    for place, date, killed, status in RECORDS:
        title = f"SECRET {status} report" if status != Status.PUBLISHED else None
        record(mali[place], date, killed, status, title=title)
    return mali


@pytest.fixture
def recorded(recorded_rows, db):
    """The places of recorded_rows, for a test that reads the rows (and may add its own)."""
    return recorded_rows


def expected_years(places):
    """An independent count of RECORDS: {year: (incidents, low, best, high)} over the published
    incidents at the places, every year from the first to the last."""
    published = [
        (int(date[:4]), killed)
        for place, date, killed, status in RECORDS
        if place in places and status == Status.PUBLISHED
    ]
    years = {}
    for year in range(min(y for y, _ in published), max(y for y, _ in published) + 1):
        rows = [killed for y, killed in published if y == year]
        known = [killed for killed in rows if killed is not None]
        years[year] = (
            len(rows),
            sum(k[0] for k in known),
            sum(k[1] for k in known),
            sum(k[2] for k in known),
        )
    return years


def trend_as_tuples(trend):
    return {
        year: (totals.incidents, totals.killed_low, totals.killed_best, totals.killed_high)
        for year, totals in trend["years"]
    }


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def area_url(area):
    return reverse("incidents:area_detail", args=[area.pk])


def place_url(place):
    return reverse("incidents:place_detail", args=[place.pk])


def country_url(country):
    return reverse("incidents:country_detail", args=[country.iso3])


MOPTI_PLACES = {"kouakourou", "djenne_town", "sofara", "bandiagara_town", "sevare"}


@pytest.mark.parametrize(
    ("subject", "places"),
    [
        ("mopti", MOPTI_PLACES),
        ("djenne", {"kouakourou", "djenne_town", "sofara"}),
        ("dandougou", {"sofara"}),
        ("country", MOPTI_PLACES | {"ansongo"}),
        ("kouakourou", {"kouakourou"}),
    ],
)
def test_totals_and_trend_count_the_published_incidents_of_the_place(
    client, recorded, subject, places
):
    target = recorded[subject]
    url = target.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    years = expected_years(places)
    trend = response.context["trend"]
    assert trend_as_tuples(trend) == years
    total = trend["total"]
    assert (total.incidents, total.killed_low, total.killed_best, total.killed_high) == tuple(
        sum(values[i] for values in years.values()) for i in range(4)
    )
    published_dates = sorted(
        date for place, date, _, status in RECORDS if place in places and status == "published"
    )
    assert (str(trend["first_date"]), str(trend["last_date"])) == (
        published_dates[0],
        published_dates[-1],
    )


def test_region_page_reads_as_the_numbers_say(client, recorded):
    html = client.get(area_url(recorded["mopti"])).content.decode()
    text = text_of(html)
    # 6 published incidents in Mopti; killed 15 + 3 + 2 + 40 + 0 = 60, low 46, high 87.
    assert "6 published incidents" in text
    assert "60 killed (best estimate)" in text
    assert "low–high 46–87" in text
    assert "1 incident with an unknown toll" in text
    assert "2 Mar 2021 – 10 Feb 2024" in text
    # The trend as charts with a text alternative, and as a table with the same numbers.
    for chart in ("yearly-incidents-chart", "yearly-killed-chart"):
        assert re.search(
            rf'<svg [^>]*class="chart" id="{chart}" role="img"[^>]*'
            rf'aria-labelledby="{chart}-title {chart}-desc"',
            html,
        )
        assert re.search(
            rf'<title id="{chart}-title">[^<]+</title><desc id="{chart}-desc">[^<]+</desc>', html
        )
    assert "<title>2023: 3 incidents, 42 (31–64) killed</title>" in html
    # A year without incidents is a zero.
    assert "<title>2022: 0 incidents, 0 killed</title>" in html
    table = re.search(r'<table class="trend-table">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert [text_of(row).split() for row in rows[1:]] == [
        ["2021", "2", "18", "15–23"],
        ["2022", "0", "0"],
        ["2023", "3", "42", "31–64"],
        ["2024", "1", "0"],
        ["Total", "6", "60", "46–87"],
    ]


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_places_of_unpublished_incidents_only_have_no_public_page(client, mali, status):
    # A place or district entered for a draft says what is being worked on; the country and
    # its ISO 3166-2 regions are reference data, shown without the hidden incident.
    record(mali["kouakourou"], "2023-09-15", (10, 20, 30), status, title="SECRET report")
    for target in ("djenne", "kouakourou"):
        response = client.get(mali[target].get_absolute_url())
        assert response.status_code == 404
        assert "SECRET" not in response.content.decode()
    for target in ("country", "mopti"):
        response = client.get(mali[target].get_absolute_url())
        html = response.content.decode()
        assert response.status_code == 200
        assert response.context["trend"]["total"].incidents == 0
        assert "SECRET" not in html
        assert "No published incident yet." in html


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_incidents_never_count_on_place_pages(client, mali, status):
    record(mali["kouakourou"], "2023-09-15", (10, 20, 30), status, title="SECRET report")
    record(mali["kouakourou"], "2023-09-16", (1, 1, 1), Status.PUBLISHED, title="Public report")
    for target in ("country", "mopti", "djenne", "kouakourou"):
        response = client.get(mali[target].get_absolute_url())
        html = response.content.decode()
        assert response.context["trend"]["total"].incidents == 1
        assert response.context["trend"]["total"].killed_best == 1
        assert "SECRET" not in html


def test_a_place_shows_its_hierarchy_as_linked_breadcrumbs(client, recorded):
    html = client.get(place_url(recorded["sofara"])).content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        country_url(recorded["country"]),
        area_url(recorded["mopti"]),
        area_url(recorded["djenne"]),
        area_url(recorded["dandougou"]),
        place_url(recorded["sofara"]),
    ]
    assert text_of(crumbs).split() == [
        "Mali", "›", "Mopti", "›", "Djenné", "›", "Dandougou", "Fakala", "›", "Sofara"
    ]  # fmt: skip


def test_a_district_shows_its_country_and_region_as_breadcrumbs(client, recorded):
    html = client.get(area_url(recorded["djenne"])).content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        country_url(recorded["country"]),
        area_url(recorded["mopti"]),
        area_url(recorded["djenne"]),
    ]
    assert "District (admin2)" in html


def test_a_region_lists_its_districts_and_the_places_outside_them(client, recorded):
    response = client.get(area_url(recorded["mopti"]))
    districts = [
        (row["name"], row["totals"].incidents, row["totals"].killed_best)
        for row in response.context["areas"]
    ]
    assert districts == [("Djenné", 4, 20), ("Bandiagara", 1, 40)]
    places = [(row["name"], row["totals"].incidents) for row in response.context["places"]]
    assert places == [("Sévaré", 1)]
    html = response.content.decode()
    assert f'href="{area_url(recorded["djenne"])}"' in html
    assert f'href="{place_url(recorded["sevare"])}"' in html
    assert "Places outside any district" in html


def test_a_country_lists_its_regions(client, recorded):
    response = client.get(country_url(recorded["country"]))
    regions = [(row["name"], row["totals"].incidents) for row in response.context["areas"]]
    assert regions == [("Mopti", 6), ("Gao", 1)]
    assert response.context["places"] == []
    assert "Regions" in response.content.decode()


def test_a_country_counts_its_places_without_a_region_apart_and_a_retraction_at_once(
    client, recorded
):
    # Its regions' numbers come from the count tables, the places without a region from their
    # incidents; a retraction leaves both, and the trend, at once.
    country = recorded["country"]
    nowhere = LocationFactory(name="Somewhere in Mali", admin1=None, country=country)
    record(nowhere, "2024-05-01", (2, 3, 4))
    retracted = record(nowhere, "2024-05-02", (1, 1, 1))
    response = client.get(country_url(country))
    regions = [(row["name"], row["totals"].incidents) for row in response.context["areas"]]
    assert regions == [("Mopti", 6), ("Gao", 1)]
    places = [(row["name"], row["totals"].incidents) for row in response.context["places"]]
    assert places == [("Somewhere in Mali", 2)]
    assert response.context["trend"]["total"].incidents == 9
    assert str(response.context["trend"]["last_date"]) == "2024-05-02"

    retracted.retract(by=UserFactory(username="reviewer", group="Reviewer"), reason="Duplicate")
    response = client.get(country_url(country))
    places = [(row["name"], row["totals"].incidents) for row in response.context["places"]]
    assert places == [("Somewhere in Mali", 1)]
    assert response.context["trend"]["total"].incidents == 8
    assert str(response.context["trend"]["last_date"]) == "2024-05-01"


def test_a_district_lists_its_communes_then_its_other_places(client, recorded):
    response = client.get(area_url(recorded["djenne"]))
    communes = [(row["name"], row["totals"].incidents) for row in response.context["areas"]]
    assert communes == [("Dandougou Fakala", 1)]
    places = [(row["name"], row["totals"].incidents) for row in response.context["places"]]
    assert places == [("Kouakourou", 2), ("Djenné town", 1)]


def test_a_commune_lists_its_places(client, recorded):
    response = client.get(area_url(recorded["dandougou"]))
    assert response.context["areas"] == []
    assert [row["name"] for row in response.context["places"]] == ["Sofara"]


def test_a_big_district_lists_its_fifty_busiest_places(client, mali):
    district = mali["bandiagara"]
    for number in range(51):
        record(LocationFactory(name=f"Hamlet {number:02}", admin2=district), "2023-01-01")
    busiest = LocationFactory(name="Zanga", admin2=district)
    record(busiest, "2023-01-02")
    record(busiest, "2023-01-03")
    html = client.get(area_url(district)).content.decode()
    assert "The 50 places with the most incidents." in html
    listed = re.search(r'id="places-heading".*?</table>', html, re.S).group(0)
    assert listed.count("<tr>") == 51  # the header and fifty places
    assert listed.index("Zanga") < listed.index("Hamlet 00")
    assert "Hamlet 49" not in listed  # ties in name order: 00–48 after Zanga


@pytest.mark.parametrize(
    ("subject", "query"),
    [
        ("country", "country=MLI"),
        ("mopti", "admin1={pk}"),
        ("djenne", "admin2={pk}"),
        ("kouakourou", "location={pk}"),
    ],
)
def test_place_pages_link_to_the_list_downloads_and_analysis_of_their_incidents(
    client, recorded, subject, query
):
    target = recorded[subject]
    query = query.format(pk=target.pk)
    html = client.get(target.get_absolute_url()).content.decode()
    assert f'href="{reverse("incidents:incident_list")}?{query}"' in html
    assert f'href="/incidents.csv?{query}"' in html
    assert f'href="/incidents.geojson?{query}"' in html
    # The list link shows exactly the page's incidents.
    listed = client.get(f"{reverse('incidents:incident_list')}?{query}")
    assert listed.context["table"].paginator.count == len(
        client.get(target.get_absolute_url()).context["table"].rows
    )


def test_place_page_links_compare_over_time_when_the_analysis_is_there(client, recorded):
    from django.urls import NoReverseMatch

    try:
        analysis_url = reverse("analysis:series")
    except NoReverseMatch:
        pytest.skip("the analysis app is not mounted")
    html = client.get(area_url(recorded["mopti"])).content.decode()
    assert f'href="{analysis_url}?admin1={recorded["mopti"].pk}"' in html


def test_a_commune_says_the_list_cannot_filter_by_it(client, recorded):
    html = client.get(area_url(recorded["dandougou"])).content.decode()
    assert "not yet by commune" in html
    assert "/incidents.csv?" not in html


def test_place_page_lists_its_incidents_fifty_a_page(client, mali):
    for day in range(1, 29):
        record(mali["kouakourou"], f"2023-02-{day:02}")
        record(mali["kouakourou"], f"2023-03-{day:02}")
    record(mali["ansongo"], "2023-03-01", title="Elsewhere")
    first = client.get(place_url(mali["kouakourou"]))
    assert len(first.context["table"].page.object_list) == 50
    assert first.context["table"].paginator.count == 56
    second = client.get(place_url(mali["kouakourou"]), {"page": 2})
    titles = [row.record.title for row in second.context["table"].page.object_list]
    assert len(titles) == 6 and "Elsewhere" not in titles


@pytest.mark.parametrize(
    "url",
    [
        reverse("incidents:place_detail", args=[999999]),
        reverse("incidents:area_detail", args=[999999]),
        reverse("incidents:country_detail", args=["XXX"]),
    ],
)
def test_unknown_place_gets_the_sites_not_found_page(client, recorded, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_country_code_is_read_in_any_case(client, recorded):
    assert client.get("/places/countries/mli/").status_code == 200


def test_list_rows_link_each_place_area_country_and_actor(client, recorded):
    incident = IncidentFactory(location=recorded["kouakourou"], title="Linked attack")
    jnim = ActorFactory(name="JNIM")
    fama = ActorFactory(name="Malian Armed Forces", actor_type=1)
    IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=incident, actor=fama, role=ActorRole.TARGET)
    html = client.get(reverse("incidents:incident_list")).content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*Linked attack(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    for url in [
        place_url(recorded["kouakourou"]),
        area_url(recorded["mopti"]),
        country_url(recorded["country"]),
        jnim.get_absolute_url(),
        fama.get_absolute_url(),
    ]:
        assert f'href="{url}"' in row, url


def test_incident_page_links_its_place_every_area_and_each_actor(client, recorded):
    incident = IncidentFactory(location=recorded["sofara"])
    jnim = ActorFactory(name="JNIM")
    IncidentActorFactory(incident=incident, actor=jnim)
    html = client.get(incident.get_absolute_url()).content.decode()
    for url in [
        place_url(recorded["sofara"]),
        area_url(recorded["dandougou"]),
        area_url(recorded["djenne"]),
        area_url(recorded["mopti"]),
        country_url(recorded["country"]),
        jnim.get_absolute_url(),
    ]:
        assert f'href="{url}"' in html, url


def test_home_page_links_the_places_of_the_latest_incidents(client, recorded):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{place_url(recorded["sevare"])}"' in html
    assert f'href="{area_url(recorded["mopti"])}"' in html


def test_an_areas_totals_follow_a_publication_at_once_however_big(
    client, mali, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(querysets, "COUNT_CACHE_MIN", 3)  # Mopti is big, Gao small
    for day in ("2023-01-01", "2023-01-02", "2023-01-03"):
        record(mali["kouakourou"], day)
    record(mali["ansongo"], "2023-01-01")
    assert client.get(area_url(mali["mopti"])).context["trend"]["total"].incidents == 3
    # Mopti's trend and districts are remembered (as a large count is): only the area, the
    # public data version and the table's rows, tactics and actors are read.
    with django_assert_max_num_queries(5):
        assert client.get(area_url(mali["mopti"])).context["trend"]["total"].incidents == 3
    assert client.get(area_url(mali["gao"])).context["trend"]["total"].incidents == 1
    newest = record(mali["kouakourou"], "2024-05-05")
    record(mali["ansongo"], "2024-05-05")
    # A publication moves the version on: nothing remembered before it is served.
    response = client.get(area_url(mali["mopti"]))
    assert response.context["trend"]["total"].incidents == 4
    assert response.context["areas"][0]["totals"].incidents == 4
    assert response.context["table"].page.object_list[0].record == newest
    assert client.get(area_url(mali["gao"])).context["trend"]["total"].incidents == 2


def incidents_for_budget(mali, count):
    actors = [ActorFactory(), ActorFactory(actor_type=7)]
    places = [mali["kouakourou"], mali["sofara"], mali["bandiagara_town"], mali["sevare"]]
    save_incidents_in_bulk(
        [
            IncidentFactory.build(
                location=places[number % 4], start_date=datetime.date(2015 + number % 9, 5, 1)
            )
            for number in range(count)
        ],
        roles=[(actors[0], ActorRole.PERPETRATOR), (actors[1], ActorRole.TARGET)],
        killed=lambda number: 2,
    )


@pytest.mark.parametrize("count", [5, 60])
@pytest.mark.parametrize(
    ("subject", "budget"),
    [
        # the place; the public data version; its trend (which also counts the table's
        # pages); the table's rows, their tactics, their actors
        ("kouakourou", 6),
        # + incidents per place and area below, the names of those areas and of the places
        ("mopti", 9),
        # a country's regions and trend from the count tables: its regions' rows and its places
        # without a region, its years and its first and last days
        ("country", 10),
    ],
)
def test_place_page_query_count_does_not_grow_with_incidents(
    client, mali, django_assert_max_num_queries, count, subject, budget
):
    incidents_for_budget(mali, count)
    url = mali[subject].get_absolute_url()
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(budget):
        assert client.get(url, {"page": 2 if count > 50 else 1, "sort": "-killed"}).status_code
