"""The rules of the domain hold in the database itself, whatever path writes the rows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.choices import CasualtyGroup, CasualtyOutcome, DatePrecision, GeoPrecision, Status
from incidents.formatting import format_date_at_precision, format_estimate
from incidents.models import Casualty, EventType, Incident, Location, SubEventType
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)


def assert_refused_by(constraint_name, write):
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        write()
    # Both PostgreSQL and SQLite name the violated constraint in the error.
    assert constraint_name in str(refused.value)


@pytest.mark.parametrize(
    ("low", "best", "high"),
    [(6, 5, 9), (1, 10, 9), (-1, 0, 0)],
    ids=["low above best", "best above high", "negative"],
)
def test_database_refuses_inconsistent_casualty_figures(db, low, best, high):
    incident = IncidentFactory()
    casualty = Casualty(
        incident=incident, group=CasualtyGroup.CIVILIANS, low=low, best=best, high=high
    )
    assert_refused_by("casualty_0_le_low_le_best_le_high", casualty.save)


def test_database_refuses_end_date_before_start_date(db):
    incident = IncidentFactory(start_date=datetime.date(2023, 9, 15))
    assert_refused_by(
        "incident_end_date_not_before_start",
        lambda: Incident.objects.filter(pk=incident.pk).update(end_date=datetime.date(2023, 9, 14)),
    )


def test_database_refuses_sub_event_type_of_another_event_type(db):
    incident = IncidentFactory()  # Battles
    assert_refused_by(
        "incident_sub_event_type_in_event_type",
        lambda: Incident.objects.filter(pk=incident.pk).update(sub_event_type="suicide_bomb"),
    )


def test_every_seeded_sub_event_type_is_allowed_with_its_event_type(db):
    incident = IncidentFactory()
    for sub_event_type in SubEventType.objects.all():
        Incident.objects.filter(pk=incident.pk).update(
            event_type=sub_event_type.event_type_id, sub_event_type=sub_event_type.pk
        )
    assert EventType.objects.count() == 6
    assert SubEventType.objects.count() == 25


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("latitude", 90.5, "location_latitude_range"),
        ("latitude", -91, "location_latitude_range"),
        ("longitude", 180.5, "location_longitude_range"),
        ("longitude", -181, "location_longitude_range"),
    ],
)
def test_database_refuses_coordinates_out_of_range(db, field, value, constraint):
    location = LocationFactory()
    assert_refused_by(
        constraint, lambda: Location.objects.filter(pk=location.pk).update(**{field: value})
    )


def test_database_refuses_retraction_without_reason(db):
    incident = IncidentFactory()
    assert_refused_by(
        "incident_retraction_has_date_and_reason",
        lambda: Incident.objects.filter(pk=incident.pk).update(status=Status.RETRACTED),
    )


def test_database_refuses_two_incidents_with_one_ucdp_id(db):
    IncidentFactory(ucdp_id="497710")
    # SQLite names the column, PostgreSQL the constraint (incident_unique_ucdp_id).
    assert_refused_by("ucdp_id", lambda: IncidentFactory(ucdp_id="497710"))
    # Incidents without a UCDP id do not collide with each other.
    IncidentFactory(ucdp_id="")
    IncidentFactory(ucdp_id="")


def test_clean_names_the_offending_field(db):
    incident = IncidentFactory.build(
        location=LocationFactory(),
        start_date=datetime.date(2023, 9, 15),
        end_date=datetime.date(2023, 9, 1),
        sub_event_type=SubEventType.objects.get(code="suicide_bomb"),
    )
    with pytest.raises(ValidationError) as refused:
        incident.full_clean()
    assert set(refused.value.message_dict) >= {"end_date", "sub_event_type"}


def test_clean_refuses_a_start_date_in_the_future(db):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    incident = IncidentFactory.build(location=LocationFactory(), start_date=tomorrow)
    with pytest.raises(ValidationError) as refused:
        incident.full_clean()
    assert "start_date" in refused.value.message_dict


def test_casualty_low_and_high_default_to_best(db):
    casualty = Casualty.objects.create(
        incident=IncidentFactory(), group=CasualtyGroup.UNKNOWN, best=12
    )
    assert (casualty.low, casualty.best, casualty.high) == (12, 12, 12)


def test_location_takes_its_country_and_region_from_its_district(db):
    mopti = AdminAreaFactory()
    djenne = AdminAreaFactory(level=2, parent=mopti, name="Djenné", iso_code="")
    location = Location.objects.create(
        name="Kouakourou", latitude=14.07, longitude=-4.58, admin2=djenne
    )
    assert location.admin1 == mopti
    assert location.country == mopti.country
    assert location.admin_path == "Djenné, Mopti, Mali"


def test_location_clean_refuses_a_region_of_another_country(db):
    niger = CountryFactory(iso3="NER", iso2="NE", name="Niger")
    mopti = AdminAreaFactory()
    location = Location(name="Ayorou", latitude=14.7, longitude=0.9, country=niger, admin1=mopti)
    with pytest.raises(ValidationError) as refused:
        location.full_clean()
    assert "admin1" in refused.value.message_dict


def test_str_reads_like_a_report_line(db):
    incident = IncidentFactory(location=LocationFactory(name="Kouakourou"))
    assert str(incident) == "2023-09-15 · Kouakourou · Armed clash"


def test_one_sided_violence_is_derived_from_actor_types(db):
    incident = IncidentFactory()
    IncidentActorFactory(incident=incident, actor=ActorFactory(actor_type=2), role="perpetrator")
    IncidentActorFactory(incident=incident, actor=ActorFactory(actor_type=7), role="target")
    assert Incident.objects.for_detail().get(pk=incident.pk).violence_type == 3


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        (datetime.date(2023, 9, 15), None, DatePrecision.DAY, "15 Sep 2023"),
        (
            datetime.date(2023, 9, 15),
            datetime.date(2023, 9, 17),
            DatePrecision.DAY,
            "15–17 Sep 2023",
        ),
        (
            datetime.date(2023, 12, 31),
            datetime.date(2024, 1, 2),
            DatePrecision.DAY,
            "31 Dec 2023 – 2 Jan 2024",
        ),
        (datetime.date(2023, 9, 15), None, DatePrecision.DAYS, "c. 15 Sep 2023"),
        (datetime.date(2023, 9, 11), None, DatePrecision.WEEK, "week of 11 Sep 2023"),
        (datetime.date(2023, 9, 1), None, DatePrecision.MONTH, "Sep 2023"),
        (datetime.date(2023, 1, 1), None, DatePrecision.YEAR, "2023"),
    ],
)
def test_dates_read_at_their_precision(start, end, precision, expected):
    assert format_date_at_precision(start, end, precision) == expected


@pytest.mark.parametrize(
    ("low", "best", "high", "expected"),
    [(15, 15, 15, "15"), (12, 15, 20, "15 (12–20)"), (None, None, None, "—"), (0, 0, 0, "0")],
)
def test_estimates_show_their_range_only_when_it_differs(low, best, high, expected):
    assert format_estimate(low, best, high) == expected


def test_acled_precisions_are_derived_from_ucdp_scales():
    incident = Incident(date_precision=DatePrecision.MONTH, geo_precision=GeoPrecision.NEAR)
    assert (incident.acled_time_precision, incident.acled_geo_precision) == (3, 2)


def test_casualty_outcomes_other_than_killed_and_injured_do_not_count(db):
    incident = IncidentFactory()
    Casualty.objects.create(
        incident=incident, group=CasualtyGroup.CIVILIANS, outcome=CasualtyOutcome.ABDUCTED, best=30
    )
    incident.refresh_from_db()
    assert incident.killed_best is None and incident.injured_best is None
