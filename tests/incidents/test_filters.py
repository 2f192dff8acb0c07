"""A researcher narrows the public incidents with IncidentFilterSet's parameters.

Each parameter selects a matching incident and leaves out a non-matching one; several values of
one parameter mean "any of", several parameters "all of". Every kind of bad value is shown beside
its field on the list page and answered 400 with JSON errors by a download, never a 500. Drafts,
incidents in review and retractions match no filter. The module runs on SQLite and PostgreSQL;
the few places where the two databases search text differently say so.
"""

import datetime
import json
import math
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import escape

from incidents import querysets
from incidents.choices import (
    ActorRole,
    ActorType,
    DatePrecision,
    GeoPrecision,
    Status,
    ViolenceType,
)
from incidents.filters import FILTER_PARAMETERS, IncidentFilterSet
from incidents.models import AdminArea, EventType, Incident, SubEventType
from incidents.taxonomy import derive_violence_type
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)
from tests.shared_rows import rows_per_module

# How a date parameter that is not YYYY-MM-DD is refused (incidents/filters.iso_date).
DATE_REFUSED = "Enter the date as YYYY-MM-DD, for example 2023-10-05."

LIST_URL = reverse("incidents:incident_list")

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite contains-search")


def download_url(file_format):
    return reverse("incident_download", args=[file_format])


def query_string(params):
    """params as a request would carry them: a list value repeats the parameter."""
    return QueryDict(urlencode(params, doseq=True))


def selected(params):
    """Titles of the public incidents the filter selects, sorted, duplicates kept."""
    filterset = IncidentFilterSet(query_string(params), queryset=Incident.objects.public())
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("title", flat=True))


def kind(event_type, sub_event_type=None):
    """IncidentFactory arguments for an ACLED event type and sub-event type, by code."""
    return {
        "event_type": EventType.objects.get(code=event_type),
        "sub_event_type": sub_event_type and SubEventType.objects.get(code=sub_event_type),
    }


# --- when ------------------------------------------------------------------------------------

JUL_SEP_2023 = {"date_from": "2023-07-01", "date_to": "2023-09-30"}


@pytest.mark.parametrize(
    ("start_date", "end_date", "params", "matches"),
    [
        pytest.param("2023-08-15", None, JUL_SEP_2023, True, id="inside"),
        pytest.param("2023-07-01", None, JUL_SEP_2023, True, id="on the first day"),
        pytest.param("2023-09-30", None, JUL_SEP_2023, True, id="on the last day"),
        pytest.param("2023-06-30", None, JUL_SEP_2023, False, id="the day before"),
        pytest.param("2023-10-01", None, JUL_SEP_2023, False, id="the day after"),
        pytest.param("2023-06-28", "2023-07-03", JUL_SEP_2023, True, id="began before, ended in"),
        pytest.param("2023-06-25", "2023-07-01", JUL_SEP_2023, True, id="ended on the first day"),
        pytest.param("2023-06-25", "2023-06-30", JUL_SEP_2023, False, id="ended the day before"),
        pytest.param("2023-06-01", "2023-10-31", JUL_SEP_2023, True, id="spans the period"),
        pytest.param("2023-09-30", "2023-10-05", JUL_SEP_2023, True, id="began on the last day"),
        pytest.param("2023-10-01", "2023-10-05", JUL_SEP_2023, False, id="began the day after"),
        pytest.param(
            "2023-06-25", "2023-07-02", {"date_from": "2023-07-01"}, True, id="only from, overlaps"
        ),
        pytest.param(
            "2023-06-25", "2023-06-30", {"date_from": "2023-07-01"}, False, id="only from, ended"
        ),
        pytest.param(
            "2023-09-30", "2023-10-05", {"date_to": "2023-09-30"}, True, id="only to, began on it"
        ),
        pytest.param("2023-10-01", None, {"date_to": "2023-09-30"}, False, id="only to, after"),
        pytest.param("2024-02-29", None, {"date_from": "2024-02-29"}, True, id="29 February"),
        pytest.param("2023-12-31", "2024-01-01", {"date_from": "2024-01-01"}, True, id="year end"),
    ],
)
def test_dates_select_incidents_whose_range_overlaps_the_period(
    db, start_date, end_date, params, matches
):

    IncidentFactory(
        title="siege",
        start_date=datetime.date.fromisoformat(start_date),
        end_date=end_date and datetime.date.fromisoformat(end_date),
    )
    assert selected(params) == (["siege"] if matches else [])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_precision_max": DatePrecision.DAY}, ["day"]),
        ({"date_precision_max": DatePrecision.WEEK}, ["day", "week"]),
        ({"date_precision_max": DatePrecision.YEAR}, ["day", "month", "week", "year"]),
        ({"geo_precision_max": GeoPrecision.EXACT}, ["exact place"]),
        ({"geo_precision_max": GeoPrecision.ADMIN1}, ["district", "exact place", "region"]),
        ({"geo_precision_max": GeoPrecision.SEA}, ["country", "district", "exact place", "region"]),
    ],
)
def test_precision_maxima_leave_out_less_precisely_known_incidents(db, params, expected):
    (parameter,) = params
    if parameter == "date_precision_max":
        field, precisions = (
            "date_precision",
            {
                "day": DatePrecision.DAY,
                "week": DatePrecision.WEEK,
                "month": DatePrecision.MONTH,
                "year": DatePrecision.YEAR,
            },
        )
    else:
        field, precisions = (
            "geo_precision",
            {
                "exact place": GeoPrecision.EXACT,
                "district": GeoPrecision.ADMIN2,
                "region": GeoPrecision.ADMIN1,
                "country": GeoPrecision.COUNTRY,
            },
        )
    for title, precision in precisions.items():
        IncidentFactory(title=title, **{field: precision})
    assert selected(params) == expected


# --- where -----------------------------------------------------------------------------------


@rows_per_module
def sahel_places_rows():
    """Mali (Mopti region with Djenné and Bandiagara districts; Gao region) and Burkina Faso,
    with one incident at each of five places, titled "at <place>"; built once per module."""
    mali = CountryFactory()
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    sahel_region = AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-56")
    district = AdminArea.Level.ADMIN2
    djenne = AdminAreaFactory(
        country=mali, level=district, parent=mopti, name="Djenné", iso_code=""
    )
    bandiagara = AdminAreaFactory(
        country=mali, level=district, parent=mopti, name="Bandiagara", iso_code=""
    )
    world = SimpleNamespace(
        mopti_region=mopti,
        gao_region=gao,
        sahel_region=sahel_region,
        djenne_district=djenne,
        bandiagara_district=bandiagara,
    )
    for name, admin1, admin2, latitude, longitude in [
        ("Kouakourou", mopti, djenne, "14.07000", "-4.46000"),
        ("Sofara", mopti, djenne, "14.01000", "-4.24000"),
        ("Bandiagara", mopti, bandiagara, "14.35000", "-3.61000"),
        ("Gao", gao, None, "16.27000", "-0.04000"),
        ("Djibo", sahel_region, None, "14.10000", "-1.63000"),
    ]:
        place = LocationFactory(
            name=name,
            admin1=admin1,
            admin2=admin2,
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
        )
        IncidentFactory(title=f"at {name}", location=place)
        setattr(world, name.lower(), place)
    return world


@pytest.fixture
def sahel(sahel_places_rows, db):
    """The rows of sahel_places_rows, for a test that reads them (and may add its own)."""
    return sahel_places_rows


MALI = ["at Bandiagara", "at Gao", "at Kouakourou", "at Sofara"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(lambda w: {"country": "MLI"}, MALI, id="country"),
        pytest.param(lambda w: {"country": "BFA"}, ["at Djibo"], id="another country"),
        pytest.param(lambda w: {"country": "mli"}, MALI, id="country code in lower case"),
        pytest.param(
            lambda w: {"admin1": w.mopti_region.pk},
            ["at Bandiagara", "at Kouakourou", "at Sofara"],
            id="region",
        ),
        pytest.param(lambda w: {"admin1": w.sahel_region.pk}, ["at Djibo"], id="another region"),
        pytest.param(
            lambda w: {"admin2": w.djenne_district.pk},
            ["at Kouakourou", "at Sofara"],
            id="district",
        ),
        pytest.param(
            lambda w: {"admin2": w.bandiagara_district.pk},
            ["at Bandiagara"],
            id="another district",
        ),
        pytest.param(lambda w: {"location": w.sofara.pk}, ["at Sofara"], id="place"),
        pytest.param(
            lambda w: {"country": ["MLI", "BFA"]}, sorted([*MALI, "at Djibo"]), id="any country"
        ),
        pytest.param(
            lambda w: {"admin1": [w.gao_region.pk, w.sahel_region.pk]},
            ["at Djibo", "at Gao"],
            id="any region",
        ),
        pytest.param(
            lambda w: {"admin2": [w.djenne_district.pk, w.bandiagara_district.pk]},
            ["at Bandiagara", "at Kouakourou", "at Sofara"],
            id="any district",
        ),
        pytest.param(
            lambda w: {"location": [w.sofara.pk, w.gao.pk]},
            ["at Gao", "at Sofara"],
            id="any place",
        ),
        pytest.param(
            lambda w: {"admin1": w.mopti_region.pk, "admin2": w.bandiagara_district.pk},
            ["at Bandiagara"],
            id="region and district",
        ),
        pytest.param(
            lambda w: {"country": "BFA", "admin1": w.mopti_region.pk},
            [],
            id="country and a region elsewhere",
        ),
        pytest.param(
            lambda w: {"admin2": w.djenne_district.pk, "location": [w.gao.pk, w.sofara.pk]},
            ["at Sofara"],
            id="district and any place",
        ),
    ],
)
def test_place_parameters_select_incidents_inside_the_area(sahel, params, expected):
    assert selected(params(sahel)) == expected


def test_near_selects_the_places_within_the_radius(sahel):
    # From Gao: Djibo 296 km, Bandiagara 438 km, Sofara 516 km, Kouakourou 534 km.
    assert selected({"near": "16.27,-0.04", "radius_km": 100}) == ["at Gao"]
    assert selected({"near": "16.27,-0.04", "radius_km": 350}) == ["at Djibo", "at Gao"]
    assert selected({"near": "16.27,-0.04", "radius_km": 350, "country": "MLI"}) == ["at Gao"]
    assert selected({"near": "16.27,-0.04", "radius_km": 520}) == sorted(
        ["at Bandiagara", "at Djibo", "at Gao", "at Sofara"]
    )


# The sphere the app measures on (IUGG mean radius): "inside the radius" is only defined on one.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(a, b):
    """Great-circle distance between two (latitude, longitude) points in degrees."""
    (lat1, lon1), (lat2, lon2) = [(math.radians(lat), math.radians(lon)) for lat, lon in (a, b)]
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def destination(origin, bearing_degrees, distance_km):
    """The point reached from origin going distance_km along a great circle at the bearing,
    rounded as Location stores coordinates (5 decimals)."""
    lat, lon = (math.radians(value) for value in origin)
    bearing, angle = math.radians(bearing_degrees), distance_km / EARTH_RADIUS_KM
    lat2 = math.asin(
        math.sin(lat) * math.cos(angle) + math.cos(lat) * math.sin(angle) * math.cos(bearing)
    )
    lon2 = lon + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat),
        math.cos(angle) - math.sin(lat) * math.sin(lat2),
    )
    longitude = (math.degrees(lon2) + 540) % 360 - 180
    return round(math.degrees(lat2), 5), round(longitude, 5)


@pytest.mark.parametrize(
    ("centre", "radius_km"),
    [
        pytest.param((16.27, -0.04), 50, id="Gao, 50 km"),
        pytest.param((14.48, -4.18), 2000, id="Mopti, the largest radius"),
        pytest.param((60.17, 24.94), 1500, id="Helsinki, 1500 km"),
        pytest.param((78.22, 15.65), 500, id="Svalbard, high latitude"),
        pytest.param((89.5, 30.0), 200, id="a circle around the North Pole"),
        pytest.param((-88.0, -120.0), 400, id="a circle around the South Pole"),
        pytest.param((-17.8, 179.9), 100, id="Fiji, across the antimeridian"),
        pytest.param((0.0, -179.95), 300, id="the equator, across the antimeridian"),
    ],
)
def test_near_measures_true_great_circle_distance(db, centre, radius_km):
    """Places 50 m inside the radius in every direction match; places 50 m outside do not,
    even where they lie inside a latitude/longitude box around the circle."""
    inside = []
    for bearing in range(0, 360, 15):
        for offset_km in (-0.05, 0.05):
            point = destination(centre, bearing, radius_km + offset_km)
            # The test's own geometry, checked independently of the code under test.
            assert (haversine_km(centre, point) < radius_km) == (offset_km < 0)
            title = f"{bearing}° {'in' if offset_km < 0 else 'out'}"
            location = LocationFactory(
                latitude=Decimal(str(point[0])), longitude=Decimal(str(point[1]))
            )
            IncidentFactory(title=title, location=location)
            if offset_km < 0:
                inside.append(title)
    near = f"{centre[0]},{centre[1]}"
    assert selected({"near": near, "radius_km": radius_km}) == sorted(inside)


def test_near_leaves_out_a_place_in_the_corner_of_the_box_around_the_circle(db):
    gao = (16.27, -0.04)
    degrees = math.degrees(50 / EARTH_RADIUS_KM)
    corner = (gao[0] + 0.9 * degrees, gao[1] + 0.9 * degrees / math.cos(math.radians(gao[0])))
    assert haversine_km(gao, corner) > 60
    IncidentFactory(
        title="in the corner",
        location=LocationFactory(
            latitude=Decimal(f"{corner[0]:.5f}"), longitude=Decimal(f"{corner[1]:.5f}")
        ),
    )
    IncidentFactory(
        title="at Gao",
        location=LocationFactory(latitude=Decimal("16.27"), longitude=Decimal("-0.04")),
    )
    assert selected({"near": "16.27,-0.04", "radius_km": 50}) == ["at Gao"]


# --- what ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event_type": "battles"}, ["clash"]),
        ({"event_type": "explosions_remote_violence"}, ["IED", "suicide bombing"]),
        ({"event_type": ["battles", "protests"]}, ["clash", "protest"]),
        ({"sub_event_type": "suicide_bomb"}, ["suicide bombing"]),
        ({"sub_event_type": ["suicide_bomb", "peaceful_protest"]}, ["protest", "suicide bombing"]),
        (
            {"event_type": "explosions_remote_violence", "sub_event_type": "suicide_bomb"},
            ["suicide bombing"],
        ),
        ({"event_type": "battles", "sub_event_type": "suicide_bomb"}, []),
    ],
)
def test_event_types_select_incidents_of_any_of_the_types(db, params, expected):
    IncidentFactory(title="clash", **kind("battles", "armed_clash"))
    IncidentFactory(title="suicide bombing", **kind("explosions_remote_violence", "suicide_bomb"))
    IncidentFactory(
        title="IED", **kind("explosions_remote_violence", "remote_explosive_landmine_ied")
    )
    IncidentFactory(title="protest", **kind("protests", "peaceful_protest"))
    assert selected(params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"civilian_targeting": "true"}, ["village raided"]),
        ({"civilian_targeting": "false"}, ["army post attacked"]),
        ({"civilian_targeting": ""}, ["army post attacked", "village raided"]),
    ],
)
def test_civilian_targeting_selects_by_yes_or_no(db, params, expected):
    IncidentFactory(title="village raided", civilian_targeting=True)
    IncidentFactory(title="army post attacked", civilian_targeting=False)
    assert selected(params) == expected


# --- how many --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"killed_min": 10}, ["10 killed", "11 killed"]),
        ({"killed_min": 11}, ["11 killed"]),
        ({"killed_min": 0}, ["0 killed", "10 killed", "11 killed", "4 killed (2-20)", "5 killed"]),
        ({"killed_max": 5}, ["0 killed", "4 killed (2-20)", "5 killed"]),
        ({"killed_max": 0}, ["0 killed"]),
        ({"killed_min": 5, "killed_max": 10}, ["10 killed", "5 killed"]),
        ({"killed_min": 5, "killed_max": 5}, ["5 killed"]),
        # On best, not low or high.
        ({"killed_min": 15}, []),
        ({"killed_max": 3}, ["0 killed"]),
    ],
)
def test_killed_range_is_on_best_and_an_unknown_toll_matches_neither_bound(db, params, expected):
    IncidentFactory(title="toll unknown")
    for best in (0, 5, 10, 11):
        CasualtyFactory(incident=IncidentFactory(title=f"{best} killed"), best=best)
    CasualtyFactory(incident=IncidentFactory(title="4 killed (2-20)"), low=2, best=4, high=20)
    assert selected(params) == expected


# --- who -------------------------------------------------------------------------------------


@pytest.fixture
def actors(db):
    """Four incidents with actors in every role."""
    world = SimpleNamespace(
        jnim=ActorFactory(
            name="Jama'at Nasr al-Islam wal Muslimin", actor_type=ActorType.REBEL_GROUP
        ),
        fama=ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES),
        wagner=ActorFactory(name="Wagner Group", actor_type=ActorType.EXTERNAL_OTHER),
        dozos=ActorFactory(name="Dan Na Ambassagou", actor_type=ActorType.IDENTITY_MILITIA),
        villagers=ActorFactory(name="Civilians (Mali)", actor_type=ActorType.CIVILIANS),
    )
    for title, parts in [
        ("JNIM ambushes the army", [("perpetrator", "jnim"), ("target", "fama")]),
        (
            "army and Wagner raid a village",
            [("perpetrator", "fama"), ("perpetrator_associate", "wagner"), ("target", "villagers")],
        ),
        ("Dozos attack JNIM", [("perpetrator", "dozos"), ("target", "jnim")]),
        ("Dozos kill villagers", [("perpetrator", "dozos"), ("target_associate", "villagers")]),
    ]:
        incident = IncidentFactory(title=title)
        for role, actor in parts:
            IncidentActorFactory(incident=incident, actor=getattr(world, actor), role=role)
    return world


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # In any role: perpetrator, target, or associated with either.
        (lambda w: {"actor": w.jnim.pk}, ["Dozos attack JNIM", "JNIM ambushes the army"]),
        (lambda w: {"actor": w.wagner.pk}, ["army and Wagner raid a village"]),
        (
            lambda w: {"actor": w.villagers.pk},
            ["Dozos kill villagers", "army and Wagner raid a village"],
        ),
        (
            lambda w: {"actor_type": ActorType.STATE_FORCES},
            ["JNIM ambushes the army", "army and Wagner raid a village"],
        ),
        (lambda w: {"actor_type": ActorType.EXTERNAL_OTHER}, ["army and Wagner raid a village"]),
        (lambda w: {"actor_type": ActorType.RIOTERS}, []),
        # Any of several; an incident with several of them appears once.
        (
            lambda w: {"actor": [w.jnim.pk, w.fama.pk]},
            ["Dozos attack JNIM", "JNIM ambushes the army", "army and Wagner raid a village"],
        ),
        (
            lambda w: {"actor_type": [ActorType.IDENTITY_MILITIA, ActorType.CIVILIANS]},
            ["Dozos attack JNIM", "Dozos kill villagers", "army and Wagner raid a village"],
        ),
        # All of several parameters.
        (
            lambda w: {"actor": w.jnim.pk, "actor_type": ActorType.IDENTITY_MILITIA},
            ["Dozos attack JNIM"],
        ),
        (
            lambda w: {"actor": [w.jnim.pk, w.fama.pk], "actor_type": ActorType.STATE_FORCES},
            ["JNIM ambushes the army", "army and Wagner raid a village"],
        ),
    ],
    ids=[
        "actor as perpetrator or target",
        "actor as associate",
        "actor as target or associate",
        "actor type",
        "another actor type",
        "actor type in no incident",
        "any actor",
        "any actor type",
        "actor and actor type",
        "any actor and actor type",
    ],
)
def test_actor_parameters_select_incidents_with_the_actor_in_any_role(actors, params, expected):
    assert selected(params(actors)) == expected


def test_an_incident_with_several_matching_actors_is_listed_once(client, db):
    incident = IncidentFactory(title="joint attack")
    groups = ActorFactory.create_batch(3, actor_type=ActorType.REBEL_GROUP)
    for group in groups:
        IncidentActorFactory(incident=incident, actor=group, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(
        incident=incident,
        actor=ActorFactory(actor_type=ActorType.STATE_FORCES),
        role=ActorRole.TARGET,
    )
    params = {
        "actor": [group.pk for group in groups],
        "actor_type": [ActorType.REBEL_GROUP, ActorType.STATE_FORCES],
        "type_of_violence": [ViolenceType.STATE_BASED, ViolenceType.NON_STATE],
        "q": groups[0].name,
    }
    assert selected(params) == ["joint attack"]
    response = client.get(LIST_URL, query_string(params))
    assert response.context["table"].paginator.count == 1
    assert len(response.context["table"].page.object_list) == 1


# Actor types on each side of an incident: (role, ACLED inter code) pairs, and the UCDP type of
# violence that taxonomy.derive_violence_type gives them.
P, PA, T, TA = (
    ActorRole.PERPETRATOR,
    ActorRole.PERPETRATOR_ASSOCIATE,
    ActorRole.TARGET,
    ActorRole.TARGET_ASSOCIATE,
)
STATE, REBEL, POLITICAL, IDENTITY, RIOTERS, PROTESTERS, CIVILIANS, EXTERNAL, UNTYPED = ActorType
STATE_BASED, NON_STATE, ONE_SIDED = ViolenceType

VIOLENCE_CASES = [
    ([(P, REBEL), (T, STATE)], STATE_BASED),
    ([(P, STATE), (T, REBEL)], STATE_BASED),
    ([(P, STATE), (T, STATE)], STATE_BASED),
    ([(P, REBEL), (PA, STATE), (T, IDENTITY)], STATE_BASED),
    ([(P, REBEL), (T, IDENTITY), (TA, STATE)], STATE_BASED),
    ([(P, RIOTERS), (P, REBEL), (T, STATE)], STATE_BASED),
    ([(P, REBEL), (T, CIVILIANS), (T, STATE)], STATE_BASED),
    ([(P, REBEL), (T, IDENTITY)], NON_STATE),
    ([(P, POLITICAL), (T, IDENTITY)], NON_STATE),
    ([(P, EXTERNAL), (T, REBEL)], NON_STATE),
    # UCDP's and GTD's non-state groups of no given type are armed, as UCDP defines them.
    ([(P, UNTYPED), (T, STATE)], STATE_BASED),
    ([(P, UNTYPED), (T, UNTYPED)], NON_STATE),
    ([(P, UNTYPED), (T, CIVILIANS)], ONE_SIDED),
    ([(P, REBEL), (T, CIVILIANS), (TA, IDENTITY)], NON_STATE),
    ([(P, REBEL), (T, CIVILIANS)], ONE_SIDED),
    ([(P, STATE), (T, CIVILIANS)], ONE_SIDED),
    ([(PA, IDENTITY), (TA, CIVILIANS)], ONE_SIDED),
    ([(P, REBEL), (T, PROTESTERS), (T, CIVILIANS)], ONE_SIDED),
    ([(P, STATE), (T, PROTESTERS)], None),
    ([(P, RIOTERS), (T, CIVILIANS)], None),
    ([(P, PROTESTERS), (T, STATE)], None),
    ([(P, CIVILIANS), (T, REBEL)], None),
    ([(P, REBEL)], None),
    ([(T, CIVILIANS)], None),
    ([(P, REBEL), (T, RIOTERS)], None),
    ([], None),
]


def violence_case_id(value):
    if isinstance(value, list):
        return " ".join(f"{role}:{ActorType(code).name.lower()}" for role, code in value) or "none"
    return value.label if value else "no type"


@pytest.mark.parametrize(("parts", "violence_type"), VIOLENCE_CASES, ids=violence_case_id)
def test_type_of_violence_selects_what_derive_violence_type_gives(db, parts, violence_type):
    incident = IncidentFactory(title="incident")
    for role, actor_type in parts:
        IncidentActorFactory(
            incident=incident, actor=ActorFactory(actor_type=actor_type), role=role
        )
    perpetrators = [t for role, t in parts if role in (P, PA)]
    targets = [t for role, t in parts if role in (T, TA)]
    assert derive_violence_type(perpetrators, targets) == violence_type
    assert Incident.objects.for_detail().get().violence_type == violence_type
    for wanted in ViolenceType:
        expected = ["incident"] if wanted == violence_type else []
        assert selected({"type_of_violence": wanted}) == expected, wanted.label


def test_type_of_violence_selects_any_of_several_types(db):
    for number, (parts, _violence_type) in enumerate(VIOLENCE_CASES):
        incident = IncidentFactory(title=f"case {number}")
        for role, actor_type in parts:
            IncidentActorFactory(
                incident=incident, actor=ActorFactory(actor_type=actor_type), role=role
            )
    for wanted in ([STATE_BASED, ONE_SIDED], [NON_STATE, ONE_SIDED], list(ViolenceType)):
        expected = [
            f"case {number}"
            for number, (_parts, violence_type) in enumerate(VIOLENCE_CASES)
            if violence_type in wanted
        ]
        assert selected({"type_of_violence": wanted}) == sorted(expected)


# --- text ------------------------------------------------------------------------------------


@pytest.fixture
def reports(db):
    """An ambush in Mopti region by JNIM, and a protest in Ouagadougou."""
    mali = CountryFactory()
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    douentza = AdminAreaFactory(
        country=mali, level=AdminArea.Level.ADMIN2, parent=mopti, name="Douentza", iso_code=""
    )
    ambush = IncidentFactory(
        title="Convoy ambushed near Boni",
        narrative="Gunmen fired on a supply convoy at dawn.",
        location=LocationFactory(name="Hombori", admin1=mopti, admin2=douentza),
    )
    jnim = ActorFactory(name="Jama'at Nasr al-Islam wal Muslimin")
    jnim.aliases.create(name="JNIM")
    IncidentActorFactory(incident=ambush, actor=jnim)
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    protest = IncidentFactory(
        title="Protest in Ouagadougou",
        narrative="Students marched to the ministry.",
        location=LocationFactory(
            name="Ouagadougou",
            admin1=AdminAreaFactory(country=burkina, name="Centre", iso_code="BF-53"),
        ),
        **kind("protests", "peaceful_protest"),
    )
    IncidentActorFactory(
        incident=protest,
        actor=ActorFactory(name="Students (Burkina Faso)", actor_type=ActorType.PROTESTERS),
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("Boni", ["Convoy ambushed near Boni"], id="a word of the title"),
        pytest.param("supply convoy", ["Convoy ambushed near Boni"], id="words of the narrative"),
        pytest.param("hombori", ["Convoy ambushed near Boni"], id="the place"),
        pytest.param("Douentza", ["Convoy ambushed near Boni"], id="its district"),
        pytest.param("MOPTI", ["Convoy ambushed near Boni"], id="its region"),
        pytest.param("Mali", ["Convoy ambushed near Boni"], id="its country"),
        pytest.param("Nasr al-Islam", ["Convoy ambushed near Boni"], id="an actor's name"),
        pytest.param("jnim", ["Convoy ambushed near Boni"], id="an actor's alias"),
        pytest.param("students", ["Protest in Ouagadougou"], id="the other incident"),
        pytest.param("Burkina", ["Protest in Ouagadougou"], id="the other country"),
        pytest.param("Timbuktu", [], id="nothing"),
        pytest.param("  ", ["Convoy ambushed near Boni", "Protest in Ouagadougou"], id="blank"),
    ],
)
def test_q_searches_titles_narratives_places_and_actors(reports, q, expected):
    assert selected({"q": q}) == expected


@on_postgresql
def test_q_on_postgresql_matches_words_in_any_order_across_title_and_narrative(reports):
    assert selected({"q": "Boni convoy"}) == ["Convoy ambushed near Boni"]
    assert selected({"q": "Boni dawn"}) == ["Convoy ambushed near Boni"]
    assert selected({"q": "Boni Ouagadougou"}) == []
    assert selected({"q": "Boni or Ouagadougou"}) == [
        "Convoy ambushed near Boni",
        "Protest in Ouagadougou",
    ]


@on_sqlite
def test_q_on_sqlite_matches_part_of_a_word(reports):
    assert selected({"q": "ambush"}) == ["Convoy ambushed near Boni"]
    assert selected({"q": "Boni convoy"}) == []


@pytest.mark.parametrize("q", ["'", '"', "&", "|", "!", "(", ":*", "-", "or", "a & | !b", "%_\\"])
def test_q_with_search_syntax_characters_is_no_error(client, reports, q):
    assert client.get(LIST_URL, {"q": q}).status_code == 200
    assert client.get(download_url("csv"), {"q": q}).status_code == 200


# --- combined ----------------------------------------------------------------------------------


def test_mopti_between_july_and_september_with_more_than_ten_killed(client, sahel):
    """The research question of the issue, asked of the list page and of a download."""
    clash = IncidentFactory(
        title="big clash in Mopti", start_date=datetime.date(2023, 8, 2), location=sahel.sofara
    )
    CasualtyFactory(incident=clash, best=12)
    # Each of these fails exactly one of the conditions.
    CasualtyFactory(
        incident=IncidentFactory(
            title="in Gao", start_date=datetime.date(2023, 8, 2), location=sahel.gao
        ),
        best=40,
    )
    CasualtyFactory(
        incident=IncidentFactory(
            title="in June", start_date=datetime.date(2023, 6, 2), location=sahel.sofara
        ),
        best=40,
    )
    CasualtyFactory(
        incident=IncidentFactory(
            title="few killed", start_date=datetime.date(2023, 8, 2), location=sahel.sofara
        ),
        best=3,
    )
    params = {**JUL_SEP_2023, "admin1": sahel.mopti_region.pk, "killed_min": 11}
    assert selected(params) == ["big clash in Mopti"]
    response = client.get(LIST_URL, query_string(params))
    assert [row.record.title for row in response.context["table"].page.object_list] == [
        "big clash in Mopti"
    ]
    download = client.get(download_url("json"), query_string(params))
    titles = [item["title"] for item in json.loads(download.getvalue())["incidents"]]
    assert titles == ["big clash in Mopti"]


# --- bad values --------------------------------------------------------------------------------

BAD_VALUES = [
    ({"date_from": "2023-13-45"}, "date_from", DATE_REFUSED),
    ({"date_to": "yesterday"}, "date_to", DATE_REFUSED),
    (
        {"date_from": "2023-10-01", "date_to": "2023-09-01"},
        "date_to",
        "The end of the period is before its start.",
    ),
    ({"radius_km": "50"}, "radius_km", "Give near=LAT,LON with radius_km."),
    ({"near": "16.27,-0.04"}, "near", "Give radius_km (in kilometres) with near."),
    (
        {"near": "abc", "radius_km": "50"},
        "near",
        "Give a point as latitude,longitude in degrees, e.g. 16.27,-0.04, or a place id.",
    ),
    (
        {"near": "16.27", "radius_km": "50"},
        "near",
        "Give a point as latitude,longitude in degrees, e.g. 16.27,-0.04, or a place id.",
    ),
    (
        {"near": "16.27,-0.04,3", "radius_km": "50"},
        "near",
        "Give a point as latitude,longitude in degrees, e.g. 16.27,-0.04, or a place id.",
    ),
    *[
        (
            {"near": point, "radius_km": "50"},
            "near",
            "Latitude must be between -90 and 90 and longitude between -180 and 180.",
        )
        for point in ["91,0", "-90.5,0", "0,180.01", "0,-181", "nan,0", "0,inf"]
    ],
    ({"near": "16.27,-0.04", "radius_km": "abc"}, "radius_km", "Enter a number."),
    ({"near": "16.27,-0.04", "radius_km": "nan"}, "radius_km", "Enter a number."),
    (
        {"near": "16.27,-0.04", "radius_km": "0"},
        "radius_km",
        "Ensure this value is greater than or equal to 0.1.",
    ),
    (
        {"near": "16.27,-0.04", "radius_km": "-5"},
        "radius_km",
        "Ensure this value is greater than or equal to 0.1.",
    ),
    (
        {"near": "16.27,-0.04", "radius_km": "20001"},
        "radius_km",
        "Ensure this value is less than or equal to 2000.",
    ),
    ({"killed_min": "-1"}, "killed_min", "Ensure this value is greater than or equal to 0."),
    ({"killed_min": "1.5"}, "killed_min", "Enter a whole number."),
    ({"killed_max": "ten"}, "killed_max", "Enter a whole number."),
    ({"killed_min": "10", "killed_max": "5"}, "killed_max", "The maximum is below the minimum."),
    *[
        (
            {parameter: unknown_id},
            parameter,
            f"Select a valid choice. {unknown_id} is not one of the available choices.",
        )
        for parameter in ["admin1", "admin2", "location", "actor"]
        # The second is beyond 64 bits, which SQLite cannot even look up.
        for unknown_id in ["999999", "99999999999999999999"]
    ],
    *[
        ({parameter: "abc"}, parameter, "“abc” is not a valid value.")
        for parameter in ["admin1", "admin2", "location", "actor"]
    ],
    *[
        (
            {parameter: value},
            parameter,
            f"Select a valid choice. {value} is not one of the available choices.",
        )
        for parameter, value in [
            ("country", "XYZ"),
            ("event_type", "earthquakes"),
            ("sub_event_type", "tsunami"),
            ("type_of_violence", "4"),
            ("type_of_violence", "one"),
            ("actor_type", "10"),
            ("actor_type", "0"),
            ("civilian_targeting", "maybe"),
            ("geo_precision_max", "8"),
            ("date_precision_max", "0"),
            ("date_precision_max", "day"),
        ]
    ],
    ({"q": "x" * 201}, "q", "Ensure this value has at most 200 characters (it has 201)."),
    ({"q": "a\x00b"}, "q", "Null characters are not allowed."),
]


def bad_value_id(case):
    params, _field, _message = case
    return "&".join(f"{key}={value[:20]!r}" for key, value in params.items())


# A NUL character is refused before any page reads it (tests/test_hostile_input.py).
BAD_VALUES_ON_THE_PAGE = [
    case for case in BAD_VALUES if not any("\x00" in str(value) for value in case[0].values())
]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    BAD_VALUES_ON_THE_PAGE,
    ids=map(bad_value_id, BAD_VALUES_ON_THE_PAGE),
)
def test_bad_value_is_shown_beside_its_field_on_the_list_page(client, db, params, field, message):
    IncidentFactory()
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    assert response.context["filter"].form.errors == {field: [message]}
    assert escape(message) in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"), BAD_VALUES, ids=map(bad_value_id, BAD_VALUES)
)
def test_bad_value_makes_a_download_answer_400_with_the_errors(client, db, params, field, message):
    IncidentFactory()
    response = client.get(download_url("csv"), params)
    assert response.status_code == 400
    assert response.json() == {"errors": {field: [message]}}


def test_a_district_or_a_place_is_no_region(client, sahel):
    """admin1 takes regions only, admin2 districts only: the other level is an unknown id."""
    for parameter, wrong in [("admin1", sahel.djenne_district), ("admin2", sahel.mopti_region)]:
        response = client.get(download_url("csv"), {parameter: wrong.pk})
        assert response.status_code == 400
        assert response.json()["errors"] == {
            parameter: [f"Select a valid choice. {wrong.pk} is not one of the available choices."]
        }


@pytest.mark.parametrize(
    "params",
    [
        {"killed_min": "99999999999999999999"},
        {"killed_max": "99999999999999999999"},
        {"near": "90,180", "radius_km": "2000"},
        {"near": "-90,-180", "radius_km": "0.1"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"country": "mli"},
    ],
)
def test_extreme_but_well_formed_values_are_no_server_error(client, db, params):
    IncidentFactory()
    assert client.get(LIST_URL, params).status_code == 200
    assert client.get(download_url("csv"), params).status_code in (200, 400)


# --- what the public may see -----------------------------------------------------------------


@pytest.fixture
def one_of_each_status(sahel):
    """The same ambush four times: published, a draft, in review and retracted."""
    jnim = ActorFactory(name="Jama'at Nasr al-Islam wal Muslimin", actor_type=ActorType.REBEL_GROUP)
    jnim.aliases.create(name="JNIM")
    fama = ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES)
    for status in Status:
        incident = IncidentFactory(
            title=f"Ambush near Kouakourou ({status.label.lower()})",
            status=status,
            location=sahel.kouakourou,
            civilian_targeting=True,
            narrative="A supply convoy was ambushed.",
        )
        IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
        IncidentActorFactory(incident=incident, actor=fama, role=ActorRole.TARGET)
        CasualtyFactory(incident=incident, best=15)
    # A copy: the world of sahel is shared by the module's tests and must not change.
    return SimpleNamespace(**vars(sahel), jnim=jnim)


# One query per parameter, each matching the ambush (and so its draft and retracted copies).
QUERIES_MATCHING_THE_AMBUSH = {
    "dates": lambda w: {"date_from": "2023-09-15", "date_to": "2023-09-15"},
    "country": lambda w: {"country": "MLI"},
    "admin1": lambda w: {"admin1": w.mopti_region.pk},
    "admin2": lambda w: {"admin2": w.djenne_district.pk},
    "location": lambda w: {"location": w.kouakourou.pk},
    "near": lambda w: {"near": "14.07,-4.46", "radius_km": "1"},
    "event_type": lambda w: {"event_type": "battles"},
    "sub_event_type": lambda w: {"sub_event_type": "armed_clash"},
    "type_of_violence": lambda w: {"type_of_violence": ViolenceType.STATE_BASED},
    "actor": lambda w: {"actor": w.jnim.pk},
    "actor_type": lambda w: {"actor_type": ActorType.REBEL_GROUP},
    "killed": lambda w: {"killed_min": 15, "killed_max": 15},
    "civilian_targeting": lambda w: {"civilian_targeting": "true"},
    "precision": lambda w: {"geo_precision_max": 1, "date_precision_max": 1},
    "q title": lambda w: {"q": "Kouakourou"},
    "q narrative": lambda w: {"q": "supply convoy"},
    "q region": lambda w: {"q": "Mopti"},
    "q alias": lambda w: {"q": "JNIM"},
}


def test_the_gate_test_covers_every_filter_parameter(one_of_each_status):
    covered = {
        name for query in QUERIES_MATCHING_THE_AMBUSH.values() for name in query(one_of_each_status)
    }
    assert covered == set(FILTER_PARAMETERS)


@pytest.mark.parametrize("query", QUERIES_MATCHING_THE_AMBUSH, ids=str)
def test_drafts_reviews_and_retractions_match_no_filter(client, one_of_each_status, query):
    params = query_string(QUERIES_MATCHING_THE_AMBUSH[query](one_of_each_status))
    response = client.get(LIST_URL, params)
    listed = [row.record.title for row in response.context["table"].page.object_list]
    download = client.get(download_url("json"), params)
    downloaded = [item["title"] for item in json.loads(download.getvalue())["incidents"]]
    for titles in (listed, downloaded):
        # The other incidents of the `sahel` world may match too; no copy of the ambush but
        # the published one may.
        ambushes = [title for title in titles if title.startswith("Ambush")]
        assert ambushes == ["Ambush near Kouakourou (published)"]


# --- counting --------------------------------------------------------------------------------


def test_cached_count_equals_count_for_any_filter(sahel):
    for params in [
        {},
        {"country": "MLI"},
        {"admin1": sahel.mopti_region.pk},
        {"q": "Djibo"},
        {"location": []},
    ]:
        filterset = IncidentFilterSet(query_string(params), queryset=Incident.objects.public())
        assert filterset.qs.cached_count() == filterset.qs.count()
    assert Incident.objects.public().filter(pk__in=[]).cached_count() == 0


def test_a_small_count_includes_a_newly_published_incident_at_once(db, reviewer):
    IncidentFactory.create_batch(3)
    draft = IncidentFactory(status=Status.DRAFT, toll_unknown=True)
    CitationFactory(incident=draft)
    assert Incident.objects.public().cached_count() == 3
    draft.publish(by=reviewer)
    assert Incident.objects.public().cached_count() == 4


def test_a_large_count_is_remembered_per_filter_until_a_publication(
    db, monkeypatch, reviewer, sahel, django_assert_num_queries
):
    monkeypatch.setattr(querysets, "COUNT_CACHE_MIN", 2)
    # A filter the count tables do not answer (a bare .filter()) is counted from the incidents.
    mopti = Incident.objects.public().filter(location__admin1=sahel.mopti_region)
    gao = Incident.objects.public().filter(location__admin1=sahel.gao_region)
    assert mopti.cached_count() == 3
    with django_assert_num_queries(1):  # the public data version: the count is remembered
        assert mopti.cached_count() == 3
    draft = IncidentFactory(status=Status.DRAFT, location=sahel.sofara, toll_unknown=True)
    CitationFactory(incident=draft)
    draft.publish(by=reviewer)
    assert mopti.cached_count() == 4
    # Another filter, differing only in its parameters, has its own count.
    assert gao.cached_count() == 1
