"""A researcher scripts against the read-only JSON API: published incidents with the incident
list's filter parameters, cursor pages that neither skip nor repeat, 400s that say what is
wrong, the lists of places, areas, actors and event types whose ids the filters take, and an
OpenAPI description that validates."""

import base64
import datetime
import json
import re
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from incidents.api.serializers import IncidentSerializer
from incidents.choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    Status,
)
from incidents.credits import credits_json, source_dataset
from incidents.filters import FILTER_PARAMETERS
from incidents.models import ActorAlias, AdminArea, Correction, Incident, IncidentVersion, Tactic
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    SourceReportFactory,
    save_incidents_in_bulk,
    save_places_in_bulk,
)
from tests.shared_rows import rows_per_module

INCIDENTS_URL = reverse("incidents_api:incident_list")
ADMIN_AREAS_URL = reverse("incidents_api:admin_area_list")
LOCATIONS_URL = reverse("incidents_api:location_list")
ACTORS_URL = reverse("incidents_api:actor_list")
EVENT_TYPES_URL = reverse("incidents_api:event_type_list")
LIST_URLS = [INCIDENTS_URL, ADMIN_AREAS_URL, LOCATIONS_URL, ACTORS_URL, EVENT_TYPES_URL]


def detail_url(incident):
    return reverse("incidents_api:incident_detail", args=[incident.pk])


def result_ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def walk(client, url, params=None):
    """Every page from `url` on, following `next`: the list of pages' results."""
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body["results"])
        if body["next"] is None:
            return pages
        response = client.get(body["next"])


@pytest.fixture
def world(db):
    """Two incidents that differ in everything a filter can ask about: an ambush of soldiers
    near Kouakourou (Mopti, Mali) in September 2023 and a suicide bombing of civilians in Djibo
    (Sahel, Burkina Faso) in March 2022, known only to the month and to the region."""
    mopti = AdminAreaFactory()
    djenne = AdminAreaFactory(
        level=AdminArea.Level.ADMIN2, parent=mopti, name="Djenné", iso_code=""
    )
    kouakourou = LocationFactory(name="Kouakourou", admin1=mopti, admin2=djenne)
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    sahel = AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13")
    soum = AdminAreaFactory(
        country=burkina, level=AdminArea.Level.ADMIN2, parent=sahel, name="Soum", iso_code=""
    )
    djibo = LocationFactory(
        name="Djibo",
        latitude=Decimal("14.10200"),
        longitude=Decimal("-1.63000"),
        admin1=sahel,
        admin2=soum,
    )
    jnim = ActorFactory(name="Jama'at Nasr al-Islam wal Muslimin")
    ActorAlias.objects.create(actor=jnim, name="JNIM")
    fama = ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES)
    isgs = ActorFactory(name="Islamic State Sahel Province")
    civilians = ActorFactory(name="Civilians (Burkina Faso)", actor_type=ActorType.CIVILIANS)

    ambush = IncidentFactory(
        title="Coordinated ambush near Kouakourou",
        narrative="Gunmen ambushed a convoy on the road to Djenné.",
        start_date=datetime.date(2023, 9, 15),
        location=kouakourou,
        acled_event_id="MLI31234",
    )
    ambush.tactics.set(Tactic.objects.filter(name__in=["Coordinated", "Ambush"]))
    IncidentActorFactory(incident=ambush, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=ambush, actor=fama, role=ActorRole.TARGET)
    CasualtyFactory(incident=ambush, group=CasualtyGroup.SECURITY_FORCES, low=12, best=15, high=20)
    CasualtyFactory(incident=ambush, outcome=CasualtyOutcome.INJURED, best=4)

    bombing = IncidentFactory(
        title="Suicide bombing at the market",
        start_date=datetime.date(2022, 3, 1),
        date_precision=DatePrecision.MONTH,
        location=djibo,
        geo_precision=GeoPrecision.ADMIN1,
        event_type_id="explosions_remote_violence",
        sub_event_type_id="suicide_bomb",
        civilian_targeting=True,
        ucdp_id="412345",
    )
    IncidentActorFactory(incident=bombing, actor=isgs, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=bombing, actor=civilians, role=ActorRole.TARGET)
    CasualtyFactory(incident=bombing, best=3)

    return SimpleNamespace(**locals())


def test_incident_list_describes_an_incident_as_its_page_does(client, world):
    response = client.get(INCIDENTS_URL, {"country": "MLI"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None and body["previous"] is None
    (item,) = body["results"]
    ambush = world.ambush
    assert item == {
        "id": ambush.pk,
        "url": f"http://testserver/api/incidents/{ambush.pk}/",
        "html_url": f"http://testserver/incidents/{ambush.pk}/",
        "title": "Coordinated ambush near Kouakourou",
        "start_date": "2023-09-15",
        "end_date": None,
        "date_precision": DatePrecision.DAY,
        "acled_time_precision": 1,
        "event_type": {"code": "battles", "name": "Battles"},
        "sub_event_type": {"code": "armed_clash", "name": "Armed clash"},
        "location": {
            "id": world.kouakourou.pk,
            "name": "Kouakourou",
            "latitude": 14.4843,
            "longitude": -4.1828,
            "country": {"iso3": "MLI", "name": "Mali"},
            "admin1": {"id": world.mopti.pk, "name": "Mopti", "code": world.mopti.iso_code},
            "admin2": {"id": world.djenne.pk, "name": "Djenné", "code": world.djenne.iso_code},
            "admin3": None,
        },
        "geo_precision": GeoPrecision.EXACT,
        "acled_geo_precision": 1,
        "killed": {"low": 12, "best": 15, "high": 20},
        "injured": {"low": 4, "best": 4, "high": 4},
        "civilian_targeting": False,
        "type_of_violence": 1,
        "actors": [
            {
                "id": world.jnim.pk,
                "name": "Jama'at Nasr al-Islam wal Muslimin",
                "actor_type": ActorType.REBEL_GROUP,
                "role": "perpetrator",
            },
            {
                "id": world.fama.pk,
                "name": "Malian Armed Forces",
                "actor_type": ActorType.STATE_FORCES,
                "role": "target",
            },
        ],
        "tactics": ["Ambush", "Coordinated"],
        "acled_event_id": "MLI31234",
        "ucdp_id": None,
        "source_dataset": "ACLED",
        "updated_at": ambush.updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_incident_pages_say_byte_for_byte_what_the_serializer_says_field_by_field(
    client, world, rf
):
    # Incidents that leave out what they can: no region or district, no sub-event type, no
    # actor, tactic or figure, an end date and a time of correction that is not on the hour.
    bare_place = LocationFactory(name="Somewhere", admin1=None, admin2=None, country=world.burkina)
    IncidentFactory(
        title="Clash with \u00e9t\u00e9 & <tags>",
        start_date=datetime.date(2024, 2, 29),
        end_date=datetime.date(2024, 3, 2),
        location=bare_place,
        sub_event_type=None,
        updated_at=datetime.datetime(2024, 3, 3, 10, 11, 12, 345678, tzinfo=datetime.UTC),
    )
    IncidentActorFactory(
        incident=world.bombing,
        actor=ActorFactory(name="Ally"),
        role=ActorRole.PERPETRATOR_ASSOCIATE,
    )
    response = client.get(INCIDENTS_URL)
    assert response.status_code == 200
    incidents = list(Incident.objects.public().for_api().order_by("-start_date", "-id"))
    assert len(incidents) == 3

    request = APIView().initialize_request(rf.get(INCIDENTS_URL))
    one_by_one = IncidentSerializer(context={"request": request})
    expected = {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [one_by_one.to_representation(incident) for incident in incidents],
        "credits": credits_json({source_dataset(vars(incident)) for incident in incidents}),
    }
    assert response.content == JSONRenderer().render(expected)


@pytest.mark.parametrize(
    "query",
    [
        {},  # no filter parameter: every public incident without building the filter
        {"q": ""},  # a filter parameter, empty: the filter, which selects them all too
        {"ordering": "killed"},
        {"country": "MLI", "ordering": "date"},
    ],
)
def test_every_page_says_byte_for_byte_what_the_serializer_says_of_each_incident(
    client, world, rf, query
):
    # A place with a district and a commune, near the equator and the prime meridian (the
    # smallest coordinates a float can write with an exponent), a tactic, and an incident in
    # draft, which no page may show.
    commune = AdminAreaFactory(
        level=AdminArea.Level.ADMIN3, parent=world.djenne, name="Kouakourou", iso_code=""
    )
    near_zero = LocationFactory(
        name="Near zero",
        latitude=Decimal("0.000010"),
        longitude=Decimal("-0.000005"),
        admin1=world.mopti,
        admin2=world.djenne,
        admin3=commune,
    )
    tagged = IncidentFactory(location=near_zero, start_date=datetime.date(2023, 9, 15))
    tagged.tactics.set(Tactic.objects.filter(name="IED"))
    IncidentFactory(status=Status.DRAFT, location=near_zero)
    request = APIView().initialize_request(rf.get(INCIDENTS_URL))
    one_by_one = IncidentSerializer(context={"request": request})
    public = {incident.pk: incident for incident in Incident.objects.public().for_api()}

    seen, url, params = [], INCIDENTS_URL, {**query, "page_size": 1}
    while url:
        answer = client.get(url, params).json()
        params = None  # the next link carries them
        for item in answer["results"]:
            expected = one_by_one.to_representation(public[item["id"]])
            assert JSONRenderer().render(item) == JSONRenderer().render(expected)
            seen.append(item["id"])
        url = answer["next"]
    wanted = Incident.objects.public()
    if "country" in query:
        wanted = wanted.filter(location__country__iso3=query["country"])
    assert sorted(seen) == sorted(wanted.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == answer["count"]


def test_incident_list_says_unknown_as_null_not_zero(client, world):
    (item,) = client.get(INCIDENTS_URL, {"country": "BFA"}).json()["results"]
    assert item["injured"] == {"low": None, "best": None, "high": None}
    assert item["killed"] == {"low": 3, "best": 3, "high": 3}
    assert item["location"]["admin2"] == {
        "id": world.soum.pk,
        "name": "Soum",
        "code": world.soum.iso_code,
    }
    assert (item["date_precision"], item["acled_time_precision"]) == (DatePrecision.MONTH, 3)
    assert (item["geo_precision"], item["acled_geo_precision"]) == (GeoPrecision.ADMIN1, 3)
    assert (item["type_of_violence"], item["acled_event_id"], item["ucdp_id"]) == (
        3,
        None,
        "412345",
    )


def test_incident_list_is_newest_first_with_the_count(client, world):
    response = client.get(INCIDENTS_URL)
    assert result_ids(response) == [world.ambush.pk, world.bombing.pk]
    assert response.json()["count"] == 2


# Each filter parameter, with the one of the two incidents it selects. The query strings take
# ids from the world fixture.
FILTER_CASES = [
    ("date_from=2023-01-01", "ambush"),
    ("date_to=2022-12-31", "bombing"),
    ("date_precision_max=1", "ambush"),
    ("country=MLI", "ambush"),
    ("admin1={w.sahel.pk}", "bombing"),
    ("admin2={w.djenne.pk}", "ambush"),
    ("location={w.djibo.pk}", "bombing"),
    ("near=14.48,-4.18&radius_km=50", "ambush"),
    ("geo_precision_max=2", "ambush"),
    ("event_type=explosions_remote_violence", "bombing"),
    ("sub_event_type=armed_clash", "ambush"),
    ("type_of_violence=3", "bombing"),
    ("civilian_targeting=true", "bombing"),
    ("actor={w.jnim.pk}", "ambush"),
    ("actor_type=1", "ambush"),
    ("killed_min=10", "ambush"),
    ("killed_max=5", "bombing"),
    ("q=Djibo", "bombing"),
    # Several values of one parameter: any of them; several parameters: all of them.
    ("admin1={w.sahel.pk}&admin1={w.mopti.pk}&killed_max=5", "bombing"),
]


@pytest.mark.parametrize(("query", "selected"), FILTER_CASES, ids=[q for q, _ in FILTER_CASES])
def test_each_filter_parameter_reaches_the_api(client, world, query, selected):
    response = client.get(f"{INCIDENTS_URL}?{query.format(w=world)}")
    assert result_ids(response) == [getattr(world, selected).pk]
    assert response.json()["count"] == 1


def test_the_filter_cases_cover_every_parameter():
    tried = {name for query, _ in FILTER_CASES for name, _value in parse_qsl(query)}
    assert tried == set(FILTER_PARAMETERS)


def test_a_filter_that_matches_nothing_is_an_empty_page(client, world):
    body = client.get(INCIDENTS_URL, {"killed_min": 1000}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": [], "credits": []}


def test_a_list_that_matches_nothing_reads_no_page_of_incidents(client, world):
    # Filters that contradict each other (a country and a region of another): counted as none,
    # the page is not looked for, which walked the whole date index of a million incidents.
    mali, sahel = world.mopti.country, world.sahel  # Sahel: a region of Burkina Faso

    def page_reads(query):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(INCIDENTS_URL, query).json()
        page_of_fifty = "LIMIT 51"  # the page's rows and one more, to know if one follows
        return body, [q["sql"] for q in queries if q["sql"].endswith(page_of_fifty)]

    body, reads = page_reads({"country": mali.iso3, "admin1": sahel.pk})
    assert body == {"count": 0, "next": None, "previous": None, "results": [], "credits": []}
    assert reads == []
    # With a match, the page is read (the query looked for above is the page's).
    body, reads = page_reads({"country": mali.iso3})
    assert body["count"] == 1 and len(reads) == 1


@pytest.fixture
def unpublished(world):
    """Incidents the public must never see, each matching every filter the ambush does."""

    def copy_of_ambush(**kwargs):
        incident = IncidentFactory(
            title="Secret copy of the ambush",
            start_date=world.ambush.start_date,
            location=world.kouakourou,
            **kwargs,
        )
        IncidentActorFactory(incident=incident, actor=world.jnim, role=ActorRole.PERPETRATOR)
        CasualtyFactory(incident=incident, best=99)
        world.ambush.related.add(incident)
        return incident

    return SimpleNamespace(
        draft=copy_of_ambush(status=Status.DRAFT),
        in_review=copy_of_ambush(status=Status.IN_REVIEW),
        retracted=copy_of_ambush(status=Status.RETRACTED, retraction_reason="Duplicate report"),
    )


def test_no_endpoint_shows_drafts_reviews_or_retractions(client, world, unpublished):
    hidden = {unpublished.draft.pk, unpublished.in_review.pk, unpublished.retracted.pk}
    for params, published in [
        ({}, 2),
        ({"actor": world.jnim.pk}, 1),
        ({"killed_min": 90}, 0),
        ({"q": "Secret"}, 0),
        ({"page_size": 1}, 2),
    ]:
        body = client.get(INCIDENTS_URL, params).json()
        assert body["count"] == published
        assert not hidden & {item["id"] for item in body["results"]}
    for url in [*LIST_URLS, detail_url(world.ambush), reverse("api_schema")]:
        assert b"Secret" not in client.get(url).content
    assert client.get(detail_url(world.ambush)).json()["related"] == []


@pytest.mark.parametrize("state", ["draft", "in_review"])
def test_unpublished_incident_is_not_found(client, unpublished, state):
    response = client.get(detail_url(getattr(unpublished, state)))
    assert response.status_code == 404
    assert b"Secret" not in response.content


def test_retracted_incident_says_when_and_why_only(client, unpublished):
    response = client.get(detail_url(unpublished.retracted))
    assert response.status_code == 410
    assert response.json() == {
        "retracted_at": unpublished.retracted.retracted_at.isoformat().replace("+00:00", "Z"),
        "reason": "Duplicate report",
        "duplicate_of": None,
        "duplicate_of_url": None,
    }


def test_detail_adds_narrative_casualties_sources_and_related(client, world):
    world.ambush.related.add(world.bombing)
    radio = SourceFactory(name="Studio Tamani", scale="national")
    CitationFactory(
        incident=world.ambush,
        source=radio,
        url="https://example.org/kouakourou",
        title="Embuscade près de Kouakourou",
        published_on=datetime.date(2023, 9, 16),
    )
    SourceReportFactory(
        incident=world.ambush,
        group=CasualtyGroup.SECURITY_FORCES,
        source=radio,
        qualifier=ReportQualifier.RANGE,
        figure=12,
        figure_high=20,
        reported_on=datetime.date(2023, 9, 16),
        quote="entre 12 et 20 soldats tués",
    )
    SourceReportFactory(
        incident=world.ambush,
        group=CasualtyGroup.SECURITY_FORCES,
        source=None,
        qualifier=ReportQualifier.AT_LEAST,
        figure=15,
    )

    response = client.get(detail_url(world.ambush))
    assert response.status_code == 200
    item = response.json()
    listed = client.get(INCIDENTS_URL, {"country": "MLI"}).json()["results"][0]
    assert {key: value for key, value in item.items() if key in listed} == listed
    assert item["narrative"] == "Gunmen ambushed a convoy on the road to Djenné."
    assert item["casualties"] == [
        {
            "group": "civilians",
            "outcome": "injured",
            "low": 4,
            "best": 4,
            "high": 4,
            "high_open": False,
            "note": "",
        },
        {
            "group": "security_forces",
            "outcome": "killed",
            "low": 12,
            "best": 15,
            "high": 20,
            "high_open": False,
            "note": "",
        },
    ]
    # What each source said, as it said it, beside the coded figure (never added to it).
    assert item["source_reports"] == [
        {
            "group": "security_forces",
            "outcome": "killed",
            "source": {"name": "Studio Tamani", "scale": "national"},
            "qualifier": "range",
            "figure": 12,
            "figure_high": 20,
            "text": "12–20",
            "reported_on": "2023-09-16",
            "quote": "entre 12 et 20 soldats tués",
        },
        {
            "group": "security_forces",
            "outcome": "killed",
            "source": None,
            "qualifier": "at_least",
            "figure": 15,
            "figure_high": None,
            "text": "at least 15",
            "reported_on": None,
            "quote": "",
        },
    ]
    assert item["citations"] == [
        {
            "source": {"name": "Studio Tamani", "scale": "national"},
            "url": "https://example.org/kouakourou",
            "title": "Embuscade près de Kouakourou",
            "published_on": "2023-09-16",
            "excerpt": "",
        }
    ]
    assert item["related"] == [
        {
            "id": world.bombing.pk,
            "url": f"http://testserver/api/incidents/{world.bombing.pk}/",
            "html_url": f"http://testserver/incidents/{world.bombing.pk}/",
            "title": "Suicide bombing at the market",
            "start_date": "2022-03-01",
            "end_date": None,
            "location": {"id": world.djibo.pk, "name": "Djibo"},
            "event_type": {
                "code": "explosions_remote_violence",
                "name": "Explosions/Remote violence",
            },
            "sub_event_type": {"code": "suicide_bomb", "name": "Suicide bomb"},
        }
    ]


def test_unknown_incident_is_not_found(client, db):
    assert client.get("/api/incidents/999999/").status_code == 404


# --- pages ---------------------------------------------------------------------------------


@rows_per_module
def crowded_days_rows():
    """45 incidents on each of three days: far more sharing a date than fit on a page; their
    ids, newest first. Built once per module."""
    location = LocationFactory()
    for day in (1, 2, 3):
        IncidentFactory.create_batch(45, start_date=datetime.date(2024, 1, day), location=location)
    return tuple(Incident.objects.order_by("-start_date", "-id").values_list("id", flat=True))


@pytest.fixture
def crowded_days(crowded_days_rows, db):
    """The ids of crowded_days_rows, as a list, for a test that reads the rows (and may add
    its own)."""
    return list(crowded_days_rows)


def test_pages_follow_each_other_without_gap_or_repeat(client, crowded_days):
    pages = walk(client, INCIDENTS_URL, {"page_size": 7})
    assert [len(page) for page in pages] == [7] * 19 + [2]
    assert [item["id"] for page in pages for item in page] == crowded_days


def test_previous_links_walk_back_over_the_same_pages(client, crowded_days):
    forward = walk(client, INCIDENTS_URL, {"page_size": 10})
    body = client.get(INCIDENTS_URL, {"page_size": 10}).json()
    while body["next"]:
        body = client.get(body["next"]).json()
    backward = [body["results"]]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        backward.append(body["results"])
    assert backward[::-1] == forward
    assert body["previous"] is None  # back on the first page


def test_pages_stay_stable_while_incidents_are_published(client, crowded_days):
    first = client.get(INCIDENTS_URL, {"page_size": 20}).json()
    # Published meanwhile: one newer than everything, one among the already-listed rows.
    IncidentFactory(start_date=datetime.date(2024, 6, 1))
    IncidentFactory(start_date=datetime.date(2024, 1, 3))
    rest = walk(client, first["next"])
    listed = [item["id"] for page in [first["results"], *rest] for item in page]
    assert listed == crowded_days


@pytest.fixture
def tolls(db):
    """Twelve incidents whose killed repeat (3, 3, 0, 7…) and four whose toll is unknown; their
    ids by killed descending, unknown last, ties newest id first."""
    location = LocationFactory()
    figures = [3, 3, 0, 7, None, 12, 3, None, 0, 7, None, 5, None, 12, 1, 3]
    incidents = [IncidentFactory(location=location) for _ in figures]
    for incident, killed in zip(incidents, figures, strict=True):
        if killed is not None:
            CasualtyFactory(incident=incident, best=killed, low=killed, high=killed)
    known = sorted(
        (
            (killed, incident.pk)
            for incident, killed in zip(incidents, figures, strict=True)
            if killed is not None
        ),
        reverse=True,
    )
    unknown = sorted(
        (
            incident.pk
            for incident, killed in zip(incidents, figures, strict=True)
            if killed is None
        ),
        reverse=True,
    )
    return [pk for _killed, pk in known] + unknown, unknown


@pytest.mark.parametrize("page_size", [1, 3, 5, 16])
def test_ordering_by_killed_pages_the_deadliest_first_with_unknown_tolls_last(
    client, tolls, page_size
):
    deadliest_first, unknown = tolls
    pages = walk(client, INCIDENTS_URL, {"ordering": "-killed", "page_size": page_size})
    assert [item["id"] for page in pages for item in page] == deadliest_first
    least_first = walk(client, INCIDENTS_URL, {"ordering": "killed", "page_size": page_size})
    ids = [item["id"] for page in least_first for item in page]
    known = [item["killed"]["best"] for page in least_first for item in page][: -len(unknown)]
    assert known == sorted(known)
    assert sorted(ids[-len(unknown) :]) == sorted(unknown)  # unknown last both ways
    assert sorted(ids) == sorted(deadliest_first)


def test_ordering_by_killed_walks_back_over_the_same_pages(client, tolls):
    forward = walk(client, INCIDENTS_URL, {"ordering": "-killed", "page_size": 3})
    body = client.get(INCIDENTS_URL, {"ordering": "-killed", "page_size": 3}).json()
    while body["next"]:
        body = client.get(body["next"]).json()
    backward = [body["results"]]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        backward.append(body["results"])
    assert backward[::-1] == forward


def test_ordering_by_date_oldest_first(client, crowded_days):
    pages = walk(client, INCIDENTS_URL, {"ordering": "date", "page_size": 20})
    oldest_first = sorted(crowded_days, key=lambda pk: (crowded_days.index(pk) // 45 * -1, pk))
    assert [item["id"] for page in pages for item in page] == oldest_first
    newest_first = walk(client, INCIDENTS_URL, {"ordering": "-date", "page_size": 20})
    assert [item["id"] for page in newest_first for item in page] == crowded_days


@pytest.mark.parametrize("ordering", ["fatalities", "-title", "killed,date", ""])
def test_unknown_ordering_is_400_with_the_choices(client, db, ordering):
    response = client.get(INCIDENTS_URL, {"ordering": ordering})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"ordering": ["Give ordering as one of `-date`, `date`, `-killed`, `killed`."]}
    }


def test_a_cursor_continues_only_the_order_it_was_given_in(client, tolls):
    next_link = client.get(INCIDENTS_URL, {"ordering": "-killed", "page_size": 2}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]
    response = client.get(INCIDENTS_URL, {"ordering": "date", "page_size": 2, "cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_api_root_lists_the_endpoints(client, db):
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    index = response.json()
    assert index["incidents"]["url"] == "http://testserver/api/incidents/"
    assert index["docs"]["url"] == "http://testserver/api/docs/"
    for name in ("admin_areas", "locations", "actors", "event_types", "schema", "ucdp_events"):
        assert client.get(index[name]["url"]).status_code == 200, name
    assert all(entry["description"] for entry in index.values())


def test_pages_hold_more_incidents_on_one_day_than_an_offset_cursor_could(client, db):
    # DRF's CursorPagination steps over rows sharing a date with an offset capped at 1,000;
    # UCDP puts its year-precision events on 1 January, so a day can hold many more.
    location = LocationFactory()
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            title=f"Incident {n}",
            start_date=datetime.date(2020, 1, 1),
            date_precision=DatePrecision.YEAR,
            location=location,
            event_type_id="battles",
            status=Status.PUBLISHED,
            published_at=now,
        )
        for n in range(1_050)
    )
    pages = walk(client, INCIDENTS_URL, {"page_size": 500, "date_to": "2020-12-31"})
    ids = [item["id"] for page in pages for item in page]
    assert [len(page) for page in pages] == [500, 500, 50]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 1_050


def test_page_size_defaults_to_fifty(client, db):
    IncidentFactory.create_batch(51, location=LocationFactory())
    body = client.get(INCIDENTS_URL).json()
    assert (len(body["results"]), body["count"]) == (50, 51)
    assert "page_size" not in body["next"]
    assert len(client.get(body["next"]).json()["results"]) == 1


def test_next_link_keeps_the_filters(client, world):
    IncidentFactory.create_batch(3, location=world.kouakourou)
    body = client.get(INCIDENTS_URL, {"country": "MLI", "page_size": 2}).json()
    assert body["count"] == 4
    assert "country=MLI" in body["next"] and "page_size=2" in body["next"]
    assert [len(page) for page in walk(client, body["next"])] == [2]


# --- bad values ----------------------------------------------------------------------------


def cursor(payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


BAD_INCIDENT_QUERIES = [
    ({"date_from": "2023-13-45"}, "date_from"),
    ({"date_from": "2023-09-30", "date_to": "2023-09-01"}, "date_to"),
    ({"radius_km": "50"}, "radius_km"),
    ({"near": "16.27,-0.04"}, "near"),
    ({"near": "Gao", "radius_km": "50"}, "near"),
    ({"near": "16.27,-0.04", "radius_km": "-5"}, "radius_km"),
    ({"killed_min": "-1"}, "killed_min"),
    ({"killed_min": "ten"}, "killed_min"),
    ({"killed_max": "1.5"}, "killed_max"),
    ({"admin1": "999999"}, "admin1"),
    ({"admin1": "Mopti"}, "admin1"),
    ({"country": "XXX"}, "country"),
    ({"actor": "abc"}, "actor"),
    ({"event_type": "picnic"}, "event_type"),
    ({"type_of_violence": "9"}, "type_of_violence"),
    ({"civilian_targeting": "maybe"}, "civilian_targeting"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": cursor({"p": ["2023-13-45", 1], "r": False})}, "cursor"),
    ({"cursor": cursor({"p": ["2023-01-01"], "r": False})}, "cursor"),
    ({"cursor": cursor({"p": ["2023-01-01", "x"], "r": "yes"})}, "cursor"),
    ({"cursor": cursor(["2023-01-01", 1])}, "cursor"),
    ({"cursor": cursor({"p": ["2023-01-01", 2**70], "r": False})}, "cursor"),
    ({"admin1": str(2**70)}, "admin1"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "501"}, "page_size"),
    ({"page_size": "all"}, "page_size"),
]


@pytest.mark.parametrize(("params", "field"), BAD_INCIDENT_QUERIES)
def test_bad_incident_parameters_are_400_with_json_errors(client, world, params, field):
    response = client.get(INCIDENTS_URL, params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    assert all(isinstance(message, str) and message for message in errors[field])


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (ADMIN_AREAS_URL, {"country": "XXX"}, "country"),
        (ADMIN_AREAS_URL, {"level": "4"}, "level"),
        (ADMIN_AREAS_URL, {"parent": "abc"}, "parent"),
        (ADMIN_AREAS_URL, {"parent": str(2**70)}, "parent"),
        (LOCATIONS_URL, {"admin2": str(2**70)}, "admin2"),
        (LOCATIONS_URL, {"admin1": "999999"}, "admin1"),
        (LOCATIONS_URL, {"cursor": "%%%"}, "cursor"),
        (ACTORS_URL, {"actor_type": "99"}, "actor_type"),
        (ACTORS_URL, {"page_size": "-1"}, "page_size"),
    ],
)
def test_bad_reference_list_parameters_are_400_with_json_errors(client, world, url, params, field):
    response = client.get(url, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_bad_values_are_reported_together(client, world):
    response = client.get(INCIDENTS_URL, {"date_from": "2023-13-45", "killed_min": "-1"})
    assert set(response.json()["errors"]) == {"date_from", "killed_min"}


# --- read-only -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("persona", ["client", "analyst_client"])
def test_nobody_can_write_through_the_api(request, world, method, persona):
    http = request.getfixturevalue(persona)
    for url in [*LIST_URLS, detail_url(world.ambush)]:
        response = getattr(http, method)(url, {"title": "Changed"}, content_type="application/json")
        assert response.status_code == 405, url
    world.ambush.refresh_from_db()
    assert world.ambush.title == "Coordinated ambush near Kouakourou"


def test_every_endpoint_answers_get_head_and_options(client, world):
    for url in [*LIST_URLS, detail_url(world.ambush)]:
        assert client.get(url).status_code == 200, url
        assert client.head(url).status_code == 200, url
        options = client.options(url)
        assert options.status_code == 200, url
        assert set(options["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


# --- the lists whose ids the filters take --------------------------------------------------


def test_admin_areas_by_country_and_level(client, world):
    response = client.get(ADMIN_AREAS_URL, {"country": "MLI", "level": 1})
    assert response.json() == [
        {
            "id": world.mopti.pk,
            "name": "Mopti",
            "level": 1,
            "iso_code": "ML-5",
            "country": "MLI",
            "parent": None,
        }
    ]
    districts = client.get(ADMIN_AREAS_URL, {"parent": world.sahel.pk}).json()
    assert [(area["name"], area["parent"]) for area in districts] == [("Soum", world.sahel.pk)]


def test_admin_area_ids_are_what_the_incident_filters_take(client, world):
    (sahel,) = client.get(ADMIN_AREAS_URL, {"country": "BFA", "level": 1}).json()
    assert result_ids(client.get(INCIDENTS_URL, {"admin1": sahel["id"]})) == [world.bombing.pk]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["Djibo", "Kouakourou"]),
        ({"country": "BFA"}, ["Djibo"]),
        ({"admin1": "{w.mopti.pk}"}, ["Kouakourou"]),
        ({"admin2": "{w.soum.pk}"}, ["Djibo"]),
        ({"search": "kouak"}, ["Kouakourou"]),
        ({"search": "Gao"}, []),
    ],
)
def test_locations_filter_by_area_and_name(client, world, params, names):
    params = {key: value.format(w=world) for key, value in params.items()}
    body = client.get(LOCATIONS_URL, params).json()
    assert [place["name"] for place in body["results"]] == names
    assert body["count"] == len(names)


def test_location_describes_its_place_in_the_hierarchy(client, world):
    (djibo,) = client.get(LOCATIONS_URL, {"search": "Djibo"}).json()["results"]
    assert djibo == {
        "id": world.djibo.pk,
        "name": "Djibo",
        "latitude": 14.102,
        "longitude": -1.63,
        "country": {"iso3": "BFA", "name": "Burkina Faso"},
        "admin1": {"id": world.sahel.pk, "name": "Sahel", "code": world.sahel.iso_code},
        "admin2": {"id": world.soum.pk, "name": "Soum", "code": world.soum.iso_code},
        "admin3": None,
    }


def test_locations_come_in_pages_by_name(client, db):
    for name in ["Gao", "Ansongo", "Boni", "Djenné", "Ménaka"]:
        IncidentFactory(location=LocationFactory(name=name), status=Status.PUBLISHED)
    LocationFactory(name="Aguelhok")  # no published incident: not public
    pages = walk(client, LOCATIONS_URL, {"page_size": 2})
    assert [[place["name"] for place in page] for page in pages] == [
        ["Ansongo", "Boni"],
        ["Djenné", "Gao"],
        ["Ménaka"],
    ]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"search": "jnim"}, ["Jama'at Nasr al-Islam wal Muslimin"]),
        ({"search": "nasr"}, ["Jama'at Nasr al-Islam wal Muslimin"]),
        ({"actor_type": "1"}, ["Malian Armed Forces"]),
        ({"actor_type": ["1", "7"]}, ["Civilians (Burkina Faso)", "Malian Armed Forces"]),
    ],
)
def test_actors_by_name_alias_and_type(client, world, params, names):
    body = client.get(ACTORS_URL, params).json()
    assert [actor["name"] for actor in body["results"]] == names


def test_actor_lists_its_aliases(client, world):
    (jnim,) = client.get(ACTORS_URL, {"search": "JNIM"}).json()["results"]
    assert jnim == {
        "id": world.jnim.pk,
        "name": "Jama'at Nasr al-Islam wal Muslimin",
        "actor_type": ActorType.REBEL_GROUP,
        "aliases": ["JNIM"],
    }
    assert result_ids(client.get(INCIDENTS_URL, {"actor": jnim["id"]})) == [world.ambush.pk]


def test_event_types_list_their_sub_event_types(client, db):
    event_types = client.get(EVENT_TYPES_URL).json()
    assert len(event_types) == 6
    battles = next(item for item in event_types if item["code"] == "battles")
    assert battles == {
        "code": "battles",
        "name": "Battles",
        "sub_event_types": [
            {"code": "armed_clash", "name": "Armed clash"},
            {"code": "government_regains_territory", "name": "Government regains territory"},
            {
                "code": "non_state_actor_overtakes_territory",
                "name": "Non-state actor overtakes territory",
            },
        ],
    }


# --- query budgets -------------------------------------------------------------------------


def incidents_for_budget(count):
    area = AdminAreaFactory()
    district = AdminAreaFactory(
        level=AdminArea.Level.ADMIN2, parent=area, name="Djenné", iso_code=""
    )
    actors = [ActorFactory(), ActorFactory(actor_type=ActorType.CIVILIANS)]
    tactics = list(Tactic.objects.all()[:2])
    places = save_places_in_bulk(LocationFactory.build_batch(count, admin1=area, admin2=district))
    incidents = save_incidents_in_bulk(
        [IncidentFactory.build(location=place) for place in places],
        tactics=tactics,
        roles=[(actors[0], ActorRole.PERPETRATOR), (actors[1], ActorRole.TARGET)],
        killed=lambda number: 5,
        source=SourceFactory(),
    )
    return SimpleNamespace(incidents=incidents, area=area, actor=actors[0])


@pytest.mark.parametrize("count", [5, 60])
def test_incident_page_queries_do_not_grow_with_incidents(
    client, db, django_assert_max_num_queries, count
):
    rows = incidents_for_budget(count)
    # count, page, places with their areas, tactics, actors
    with django_assert_max_num_queries(5):
        first = client.get(INCIDENTS_URL).json()
    with django_assert_max_num_queries(5):
        client.get(INCIDENTS_URL, {"page_size": 500})
    if first["next"]:
        with django_assert_max_num_queries(5):
            client.get(first["next"])
    # ... and one to check each id-valued parameter, and the public data version under which
    # a count the count tables cannot answer (an actor's) is remembered
    with django_assert_max_num_queries(8):
        client.get(INCIDENTS_URL, {"admin1": rows.area.pk, "actor": rows.actor.pk})
    # A region and a year, which the count tables count: one more to check the region's id
    with django_assert_max_num_queries(6):
        client.get(
            INCIDENTS_URL,
            {"admin1": rows.area.pk, "date_from": "2024-01-01", "date_to": "2024-12-31"},
        )


@pytest.mark.parametrize("count", [5, 60])
def test_detail_queries_do_not_grow_with_related_incidents(
    client, db, django_assert_max_num_queries, count
):
    incidents = incidents_for_budget(count).incidents
    incidents[0].related.set(incidents[1:])
    for number in range(count // 5):
        Correction.objects.create(
            incident=incidents[0],
            version=IncidentVersion.objects.create(
                incident=incidents[0], number=number + 2, kind="corrected", status="published",
                snapshot={},
            ),
            summary=f"killed {number} → {number + 1}",
        )  # fmt: skip
    # incident, tactics, actors, casualties, source reports, citations, corrections, related
    with django_assert_max_num_queries(8):
        response = client.get(detail_url(incidents[0]))
    assert len(response.json()["related"]) == count - 1


def test_reference_lists_take_few_queries(client, world, django_assert_max_num_queries):
    for url, budget in [
        (ADMIN_AREAS_URL, 1),
        (LOCATIONS_URL, 2),  # count, page
        (ACTORS_URL, 3),  # count, page, aliases
        (EVENT_TYPES_URL, 2),  # event types, sub-event types
    ]:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


# --- the OpenAPI description and its docs --------------------------------------------------


def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_schema_documents_exactly_the_incident_filters(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    parameters = schema.json()["paths"]["/api/incidents/"]["get"]["parameters"]
    documented = {parameter["name"]: parameter for parameter in parameters}
    assert set(documented) == {*FILTER_PARAMETERS, "cursor", "page_size", "ordering"}
    assert documented["ordering"]["schema"]["enum"] == ["-date", "date", "-killed", "killed"]
    assert documented["near"]["schema"]["type"] == "string"
    assert documented["admin1"]["schema"] == {"type": "array", "items": {"type": "integer"}}
    assert documented["admin1"]["explode"] is True
    assert documented["radius_km"]["schema"]["type"] == "number"
    for name in FILTER_PARAMETERS:
        assert documented[name]["description"], name
        assert documented[name]["schema"]["type"], name


def test_api_docs_use_only_local_assets(client, db):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in asset for asset in assets)
    # Swagger UI's start-up script is the page's own /api/docs/?script (a file, for the CSP).
    assert all(asset.startswith(("/static/", "/api/docs/?")) for asset in assets), assets
    assert "//" not in " ".join(re.findall(r"url\(([^)]*)\)", html))


def test_site_footer_links_to_the_api_docs(client, db):
    assert f'href="{reverse("api_docs")}"' in client.get(reverse("home")).content.decode()
