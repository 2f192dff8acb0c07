"""Period against period (analysis/comparisons.py), held against an independent computation
over the same rows, and the change and % change at their edges (zero, new, overlapping)."""

import datetime

import pytest
from django.db import connection

from analysis.comparisons import NEW, compare_periods, percent_change
from incidents.choices import ActorRole, Status
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

from .conftest import as_tuple, public_incidents, tally

A = (datetime.date(2020, 1, 1), datetime.date(2020, 3, 31))
B = (datetime.date(2020, 10, 1), datetime.date(2020, 12, 31))


def day(text):
    return datetime.date.fromisoformat(text)


def compare(by="admin1", a=A, b=B, top=None, incidents=None):
    incidents = Incident.objects.public() if incidents is None else incidents
    return compare_periods(incidents, *a, *b, by=by, top=top)


def within(incident, period):
    return period[0] <= incident.start_date <= period[1]


KEYS = {
    "admin1": lambda incident: [incident.location.admin1_id],
    "country": lambda incident: [incident.location.country.iso3],
    "event_type": lambda incident: [incident.event_type_id],
    "actor": lambda incident: sorted(incident.actor_ids),
}


@pytest.mark.parametrize("by", list(KEYS))
def test_comparison_equals_a_count_over_the_same_rows(sahel, by):
    incidents = public_incidents()
    keys = {key for incident in incidents for key in KEYS[by](incident)}
    expected = {}
    for key in keys:
        members = [incident for incident in incidents if key in KEYS[by](incident)]
        a = tally([incident for incident in members if within(incident, A)])
        b = tally([incident for incident in members if within(incident, B)])
        if a[0] or b[0]:
            expected[key] = (a, b)

    comparison = compare(by)

    rows = {row.key: (as_tuple(row.a), as_tuple(row.b)) for row in comparison.rows}
    if by == "actor":
        # Incidents without any actor form their own row: the totals hold them.
        assert rows.pop("other", None) == (
            tally([i for i in incidents if not i.actor_ids and within(i, A)]),
            tally([i for i in incidents if not i.actor_ids and within(i, B)]),
        )
    assert rows == expected
    # The totals count each incident once, whatever the rows.
    assert as_tuple(comparison.totals.a) == tally([i for i in incidents if within(i, A)])
    assert as_tuple(comparison.totals.b) == tally([i for i in incidents if within(i, B)])


def test_rows_come_most_incidents_in_b_first(sahel):
    rows = compare("admin1").rows
    assert [row.b.incidents for row in rows] == sorted(
        (row.b.incidents for row in rows), reverse=True
    )


@pytest.mark.parametrize("by", ["admin1", "actor"])
def test_top_keeps_the_largest_rows_and_other_holds_the_rest(sahel, by):
    incidents = public_incidents()
    comparison = compare(by, top=2)
    assert len(comparison.rows) == 3
    assert comparison.rows[-1].key == "other"
    kept = {row.key for row in comparison.rows[:2]}
    other = [i for i in incidents if (within(i, A) or within(i, B)) and not set(KEYS[by](i)) & kept]
    assert as_tuple(comparison.rows[-1].a) == tally([i for i in other if within(i, A)])
    assert as_tuple(comparison.rows[-1].b) == tally([i for i in other if within(i, B)])


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (10, 15, 50.0),
        (15, 10, -33.3),
        (3, 3, 0.0),
        (0, 4, NEW),  # no division by zero
        (0, 0, None),
        (4, 0, -100.0),
    ],
)
def test_percent_change(before, after, expected):
    assert percent_change(before, after) == expected


def test_a_region_without_incidents_in_a_is_new_in_b(db):
    gao = LocationFactory(admin1=AdminAreaFactory(name="Gao", iso_code="ML-7"))
    IncidentFactory(start_date=day("2020-02-01"))  # Mopti, in A
    IncidentFactory(start_date=day("2020-11-01"), location=gao)
    rows = {row.label: row for row in compare("admin1").rows}
    assert rows["Gao"].incidents_change == 1
    assert rows["Gao"].incidents_pct_change == NEW
    assert rows["Mopti"].incidents_pct_change == -100.0


def test_an_incident_in_two_overlapping_periods_counts_in_both(db):
    CasualtyFactory(incident=IncidentFactory(start_date=day("2023-08-15")), low=2, best=3, high=4)
    comparison = compare(
        a=(day("2023-01-01"), day("2023-12-31")), b=(day("2023-07-01"), day("2023-09-30"))
    )
    assert as_tuple(comparison.totals.a) == as_tuple(comparison.totals.b) == (1, 2, 3, 4, 0)
    assert comparison.totals.incidents_pct_change == 0.0


def test_periods_are_inclusive_of_their_first_and_last_day(db):
    for text in ("2019-12-31", "2020-01-01", "2020-03-31", "2020-04-01"):
        IncidentFactory(start_date=day(text))
    assert compare().totals.a.incidents == 2


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED], ids=lambda status: status.value
)
def test_unpublished_incidents_never_count(db, status):
    hidden = IncidentFactory(start_date=day("2020-02-01"), status=status)
    CasualtyFactory(incident=hidden, best=20)
    IncidentActorFactory(incident=hidden)
    for by in KEYS:
        comparison = compare(by)
        assert comparison.rows == []
        assert comparison.totals.a.incidents == 0


def test_per_actor_an_incident_counts_for_each_actor_once(db):
    jnim, fama = ActorFactory(name="JNIM"), ActorFactory(name="FAMa")
    clash = IncidentFactory(start_date=day("2020-02-01"))
    CasualtyFactory(incident=clash, best=7)
    IncidentActorFactory(incident=clash, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=clash, actor=jnim, role=ActorRole.PERPETRATOR_ASSOCIATE)
    IncidentActorFactory(incident=clash, actor=fama, role=ActorRole.TARGET)
    rows = {row.label: (row.a.incidents, row.a.killed_best) for row in compare("actor").rows}
    assert rows == {"JNIM": (1, 7), "FAMa": (1, 7)}
    assert compare("actor").totals.a.incidents == 1


def test_a_comparison_takes_a_fixed_number_of_queries(sahel, django_assert_num_queries):
    with django_assert_num_queries(2):  # the rows, the names
        compare("admin1")
    # PostgreSQL: the actor counts' rows, their totals and Other, the names; SQLite: actors'
    # rows, totals, incidents without actor, names.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 4):
        compare("actor")
