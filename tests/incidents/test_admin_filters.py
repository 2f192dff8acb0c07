"""The incident list's filters an analyst types or picks into: a period, an actor, a region
grouped by country; sub-event types that follow the event type. Each with a matching and a
non-matching incident."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import IncidentActor
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
)

URL = "/admin/incidents/incident/"


def listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return {incident.title for incident in response.context["cl"].result_list}


@pytest.fixture
def season(db):
    """Three incidents: a day in August 2023, a multi-day one from 28 August to 2 September,
    and a day in September."""
    IncidentFactory(title="August", start_date=datetime.date(2023, 8, 10))
    IncidentFactory(
        title="Across",
        start_date=datetime.date(2023, 8, 28),
        end_date=datetime.date(2023, 9, 2),
    )
    IncidentFactory(title="September", start_date=datetime.date(2023, 9, 15))


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"date_from": "2023-09-01"}, {"Across", "September"}),
        ({"date_to": "2023-08-31"}, {"August", "Across"}),
        ({"date_from": "2023-09", "date_to": "2023-09"}, {"Across", "September"}),  # a month
        ({"date_from": "01/09/2023", "date_to": "10.09.2023"}, {"Across"}),  # day first
        ({"date_from": "2023", "date_to": "2023"}, {"August", "Across", "September"}),
        ({"date_from": "2024"}, set()),
    ],
)
def test_the_period_filter_finds_incidents_overlapping_it(analyst_client, season, params, titles):
    assert listed(analyst_client, **params) == titles


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"date_from": "09/17/2023"}, "A day (17/09/2024), a month (2023-09) or a year."),
        ({"date_from": "2023-09", "date_to": "2023-08"}, "The end of the period is before"),
    ],
)
def test_a_wrong_period_is_said_on_the_filter_and_filters_nothing(
    analyst_client, season, params, error
):
    response = analyst_client.get(URL, params)
    assert error in response.content.decode()
    assert len(response.context["cl"].result_list) == 3


def test_the_filter_forms_keep_the_other_parameters(analyst_client, season):
    html = analyst_client.get(URL, {"q": "Across", "status__exact": "published"}).content.decode()
    period = re.search(r'<details data-filter-title="period".*?</details>', html, re.S).group(0)
    assert '<input type="hidden" name="q" value="Across">' in period
    assert '<input type="hidden" name="status__exact" value="published">' in period


def test_the_actor_filter_finds_the_actors_incidents_in_any_role(analyst_client):
    jnim = ActorFactory(name="JNIM")
    for title, role in [("Perpetrator", "perpetrator"), ("Target", "target")]:
        IncidentActor.objects.create(incident=IncidentFactory(title=title), actor=jnim, role=role)
    IncidentActor.objects.create(
        incident=IncidentFactory(title="Other"), actor=ActorFactory(), role="perpetrator"
    )
    assert listed(analyst_client, actor=jnim.pk) == {"Perpetrator", "Target"}


def test_the_actor_box_shows_the_chosen_actor_and_searches_names_and_aliases(analyst_client):
    jnim = ActorFactory(name="JNIM")
    jnim.aliases.create(name="Jama'at Nusrat al-Islam wal-Muslimin")
    html = analyst_client.get(URL, {"actor": jnim.pk}).content.decode()
    assert f'<option value="{jnim.pk}" selected>JNIM</option>' in html
    # The box asks the admin's autocomplete, which finds the actor by an alias, accents aside.
    search = analyst_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "incidents",
            "model_name": "incident",
            "field_name": "actors",
            "term": "nusrat",
        },
    )
    assert [result["text"] for result in search.json()["results"]] == ["JNIM"]


@pytest.mark.parametrize("actor", ["abc", "999999", "-1"])
def test_an_actor_that_is_no_actor_filters_nothing(analyst_client, actor):
    IncidentFactory(title="Any")
    assert listed(analyst_client, actor=actor) == {"Any"}


@pytest.fixture
def two_countries(db):
    mali, niger = CountryFactory(), CountryFactory(iso3="NER", iso2="NE", name="Niger")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    AdminAreaFactory(country=mali, name="Ségou", iso_code="ML-4")
    tillaberi = AdminAreaFactory(country=niger, name="Tillabéri", iso_code="NE-6")
    IncidentFactory(location=LocationFactory(admin1=mopti), title="In Mopti")
    IncidentFactory(location=LocationFactory(admin1=tillaberi), title="In Tillabéri")
    return mali, mopti


def region_box(client, **params):
    html = client.get(URL, params).content.decode()
    return re.search(r'<select name="region".*?</select>', html, re.S).group(0)


def test_the_regions_are_grouped_by_country_in_a_searchable_box(analyst_client, two_countries):
    box = region_box(analyst_client)
    assert "data-searchable" in box
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', box, re.S)
    assert [
        (country, re.findall(r">([^<]+)</option>", options)) for country, options in groups
    ] == [
        ("Mali", ["Mopti", "Ségou"]),
        ("Niger", ["Tillabéri"]),
    ]


def test_the_region_filter_follows_the_chosen_country(analyst_client, two_countries):
    mali, mopti = two_countries
    box = region_box(analyst_client, location__country__id__exact=mali.pk)
    assert "Mopti" in box and "Tillabéri" not in box
    assert listed(analyst_client, region=mopti.pk) == {"In Mopti"}


def test_the_sub_event_types_follow_the_chosen_event_type(analyst_client):
    IncidentFactory(title="Clash", event_type_id="battles", sub_event_type_id="armed_clash")
    every = analyst_client.get(URL).content.decode()
    assert "Battles · Armed clash" in every and "Riots · Mob violence" in every
    battles = analyst_client.get(URL, {"event_type__code__exact": "battles"}).content.decode()
    assert "Armed clash" in battles and "Mob violence" not in battles
    assert listed(analyst_client, sub_event_type="armed_clash") == {"Clash"}
    assert listed(analyst_client, sub_event_type="mob_violence") == set()


def test_the_list_with_every_filter_is_one_page_of_queries(
    analyst_client, two_countries, django_assert_max_num_queries
):
    mali, mopti = two_countries
    jnim = ActorFactory(name="JNIM")
    params = {
        "date_from": "2020",
        "location__country__id__exact": mali.pk,
        "region": mopti.pk,
        "actor": jnim.pk,
        "event_type__code__exact": "battles",
        "sub_event_type": "armed_clash",
        "cited": "no",
        "status__exact": "published",
        "q": "Mopti",
    }
    with django_assert_max_num_queries(30):
        assert analyst_client.get(URL, params).status_code == 200


def test_the_incident_list_offers_no_counts_of_every_filter_choice(analyst_client, season):
    """Django's "Show counts" counted every filter choice over all the incidents in one query,
    which ran for minutes at a million; asked for by its address, it is not done either."""
    page = analyst_client.get(URL).content.decode()
    assert "_facets" not in page
    with CaptureQueriesContext(connection) as captured:
        asked = analyst_client.get(URL, {"_facets": "True"})
    assert asked.status_code == 200
    assert not any("FILTER (WHERE" in query["sql"] for query in captured.captured_queries)
