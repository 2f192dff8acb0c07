"""Series of incidents and killed per period (analysis/series.py), held against an independent
computation over the same rows (tests/analysis/conftest.py), and the rules at their edges."""

import datetime
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError

from analysis.series import MAX_PERIODS, build_series, rolling_means
from incidents.choices import ActorRole, DatePrecision, Status
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

from .conftest import (
    as_tuple,
    by_period,
    calendar_key,
    calendar_keys_between,
    public_incidents,
    tally,
)

INTERVALS = ["week", "month", "quarter", "year"]


def day(text):
    return datetime.date.fromisoformat(text)


def series_of(interval="month", split=None, top=5, **filters):
    incidents = IncidentFilterSet(filters, queryset=Incident.objects.public())
    assert incidents.is_valid(), incidents.errors
    return build_series(
        incidents.qs,
        interval=interval,
        split=split,
        top=top,
        date_from=incidents.form.cleaned_data.get("date_from"),
        date_to=incidents.form.cleaned_data.get("date_to"),
    )


def by_key(series, tallies, interval):
    return {
        calendar_key(period.start, interval): as_tuple(tally)
        for period, tally in zip(series.periods, tallies, strict=True)
    }


def expected_periods(incidents, interval):
    """{period: tally} over every period from the first placed incident to the last, zeros
    included; and the tally of the incidents that cannot be placed."""
    placed, unplaced = by_period(incidents, interval)
    days = [i.start_date for i in incidents if calendar_key(i.start_date, interval) in placed]
    keys = calendar_keys_between(min(days), max(days), interval)
    return {key: tally(placed.get(key, [])) for key in keys}, tally(unplaced)


# --- against the independent computation ------------------------------------------------------


@pytest.mark.parametrize("interval", INTERVALS)
def test_series_equals_a_count_over_the_same_rows(sahel, interval):
    incidents = public_incidents()
    expected, expected_unplaced = expected_periods(incidents, interval)

    series = series_of(interval)

    assert by_key(series, series.totals, interval) == expected
    assert [calendar_key(p.start, interval) for p in series.periods] == list(expected)
    assert as_tuple(series.unplaced) == expected_unplaced
    assert series.grand_total.incidents + series.unplaced.incidents == len(incidents)


def expected_groups(incidents, interval, keys_of, top=5):
    """{group key: {period: tally}} for the top groups and "other", as the rules say: the top
    groups by incidents (ties: smaller key), an incident in each group it belongs to, "other"
    for those in no top group."""
    counts = defaultdict(int)
    for incident in incidents:
        for key in keys_of(incident):
            counts[key] += 1
    top_keys = sorted(counts, key=lambda key: (-counts[key], key is None, str(key)))[:top]
    members = {key: [i for i in incidents if key in keys_of(i)] for key in top_keys}
    other = [i for i in incidents if not set(keys_of(i)) & set(top_keys)]
    if other:
        members["other"] = other
    all_keys, _ = expected_periods(incidents, interval)
    groups = {}
    for key, group_incidents in members.items():
        placed, unplaced = by_period(group_incidents, interval)
        groups[key] = ({k: tally(placed.get(k, [])) for k in all_keys}, tally(unplaced))
    return top_keys, groups


SPLITS = {
    "admin1": lambda incident: [incident.location.admin1_id],
    "country": lambda incident: [incident.location.country_id],
    "event_type": lambda incident: [incident.event_type_id],
    "actor": lambda incident: sorted(incident.actor_ids),
}


@pytest.mark.parametrize("split", list(SPLITS))
@pytest.mark.parametrize("interval", ["week", "quarter"])
def test_split_series_equals_a_count_over_the_same_rows(sahel, split, interval):
    incidents = public_incidents()
    top_keys, expected = expected_groups(incidents, interval, SPLITS[split], top=3)

    series = series_of(interval, split=split, top=3)

    public_key = {
        incident.location.country_id: incident.location.country.iso3 for incident in incidents
    }
    wanted_keys = [public_key[key] if split == "country" else key for key in top_keys]
    assert [group.key for group in series.groups] == wanted_keys + (
        ["other"] if "other" in expected else []
    )
    for group, key in zip(series.groups, [*top_keys, "other"], strict=False):
        periods, unplaced = expected[key]
        assert by_key(series, group.totals, interval) == periods, group.label
        assert as_tuple(group.unplaced) == unplaced, group.label
    # The totals still count every incident once.
    assert by_key(series, series.totals, interval) == expected_periods(incidents, interval)[0]


def test_groups_of_a_single_valued_split_add_up_to_the_totals(sahel):
    series = series_of("month", split="admin1", top=2)
    for index in range(len(series.periods)):
        assert sum(group.totals[index].incidents for group in series.groups) == (
            series.totals[index].incidents
        )


def test_a_filtered_series_counts_only_the_filtered_incidents(sahel):
    mopti = sahel["regions"][0]
    incidents = [i for i in public_incidents() if i.location.admin1_id == mopti.pk]
    expected, _ = expected_periods(incidents, "month")
    series = series_of("month", admin1=[mopti.pk])
    assert by_key(series, series.totals, "month") == expected


# --- the rules at their edges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "days", "expected"),
    [
        # 31 December 2020 and 1 January 2021 share ISO week 2020-W53; 4 January starts 2021-W01.
        ("week", ["2020-12-31", "2021-01-01", "2021-01-04"], {"2020-W53": 2, "2021-W01": 1}),
        # 29 December 2025 is the Monday of 2026-W01.
        ("week", ["2025-12-28", "2025-12-29"], {"2025-W52": 1, "2026-W01": 1}),
        ("month", ["2024-02-28", "2024-02-29", "2024-03-01"], {"2024-02": 2, "2024-03": 1}),
        ("quarter", ["2023-03-31", "2023-04-01"], {"2023-Q1": 1, "2023-Q2": 1}),
        ("quarter", ["2023-12-31", "2024-01-01"], {"2023-Q4": 1, "2024-Q1": 1}),
        ("year", ["2023-12-31", "2024-01-01", "2024-02-29"], {"2023": 1, "2024": 2}),
    ],
)
def test_an_incident_counts_in_the_period_of_its_start_date(db, interval, days, expected):
    for text in days:
        IncidentFactory(start_date=day(text))
    series = series_of(interval)
    assert {
        p.key: t.incidents for p, t in zip(series.periods, series.totals, strict=True)
    } == expected


def test_a_multi_day_incident_counts_once_in_the_period_it_began(db):
    IncidentFactory(start_date=day("2023-01-30"), end_date=day("2023-02-03"))
    series = series_of("month")
    assert [(p.key, t.incidents) for p, t in zip(series.periods, series.totals, strict=True)] == [
        ("2023-01", 1)
    ]


def test_periods_without_incidents_are_zeros_not_skipped(db):
    IncidentFactory(start_date=day("2023-01-15"))
    IncidentFactory(start_date=day("2023-05-02"))
    series = series_of("month")
    assert [(p.key, t.incidents) for p, t in zip(series.periods, series.totals, strict=True)] == [
        ("2023-01", 1),
        ("2023-02", 0),
        ("2023-03", 0),
        ("2023-04", 0),
        ("2023-05", 1),
    ]


def test_the_filters_dates_set_the_range_even_where_nothing_happened(db):
    IncidentFactory(start_date=day("2023-03-10"))
    series = series_of("month", date_from="2023-01-15", date_to="2023-05-10")
    assert [p.key for p in series.periods] == [
        "2023-01",
        "2023-02",
        "2023-03",
        "2023-04",
        "2023-05",
    ]
    assert [t.incidents for t in series.totals] == [0, 0, 1, 0, 0]
    # The first and last months are only partly in the range, and say so.
    assert [p.partial for p in series.periods] == [True, False, False, False, True]


def test_an_incident_that_began_before_the_range_counts_apart(db):
    # The list's date_from keeps an incident that lasted into the range; it began in December.
    IncidentFactory(start_date=day("2022-12-30"), end_date=day("2023-01-02"))
    IncidentFactory(start_date=day("2023-01-10"))
    series = series_of("month", date_from="2023-01-01", date_to="2023-01-31")
    assert [t.incidents for t in series.totals] == [1]
    assert series.began_before_range.incidents == 1


@pytest.mark.parametrize(
    ("precision", "placed_in"),
    [
        (DatePrecision.DAY, ["week", "month", "quarter", "year"]),
        (DatePrecision.DAYS, ["week", "month", "quarter", "year"]),
        (DatePrecision.WEEK, ["week", "month", "quarter", "year"]),
        (DatePrecision.MONTH, ["month", "quarter", "year"]),
        (DatePrecision.YEAR, ["year"]),
    ],
)
def test_an_incident_dated_less_precisely_than_the_interval_is_counted_apart(
    db, precision, placed_in
):
    incident = IncidentFactory(start_date=day("2023-07-01"), date_precision=precision)
    CasualtyFactory(incident=incident, low=3, best=4, high=9)
    IncidentFactory(start_date=day("2023-07-20"))  # known to the day: always placed
    for interval in INTERVALS:
        series = series_of(interval)
        placed = sum(t.incidents for t in series.totals)
        if interval in placed_in:
            assert (placed, series.unplaced.incidents) == (2, 0), interval
        else:
            assert (placed, series.unplaced.incidents) == (1, 1), interval
            assert (series.unplaced.killed_low, series.unplaced.killed_best) == (3, 4)


def test_only_incidents_of_unknown_week_leave_a_weekly_series_empty(db):
    IncidentFactory(start_date=day("2023-07-01"), date_precision=DatePrecision.MONTH)
    series = series_of("week")
    assert series.is_empty
    assert series.unplaced.incidents == 1


def test_killed_sums_low_best_and_high_and_unknown_tolls_add_nothing(db):
    CasualtyFactory(
        incident=IncidentFactory(start_date=day("2023-07-03")), low=10, best=12, high=20
    )
    reported_zero = IncidentFactory(start_date=day("2023-07-04"))
    CasualtyFactory(incident=reported_zero, best=0)
    IncidentFactory(start_date=day("2023-07-05"))  # no killed figure at all: unknown
    (july,) = series_of("month").totals
    assert as_tuple(july) == (3, 10, 12, 20, 1)


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED], ids=lambda status: status.value
)
def test_unpublished_incidents_never_count(db, status):
    CasualtyFactory(incident=IncidentFactory(start_date=day("2023-07-03"), status=status), best=50)
    IncidentFactory(start_date=day("2023-07-04"))
    for split in (None, "admin1", "actor"):
        series = series_of("month", split=split)
        assert as_tuple(series.grand_total) == (1, 0, 0, 0, 1)


def test_split_by_actor_counts_an_incident_for_each_of_its_top_actors_once(db):
    jnim, fama, issp = (ActorFactory(name=name) for name in ("JNIM", "FAMa", "ISSP"))
    both = IncidentFactory(start_date=day("2023-07-03"))
    IncidentActorFactory(incident=both, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=both, actor=jnim, role=ActorRole.PERPETRATOR_ASSOCIATE)
    IncidentActorFactory(incident=both, actor=fama, role=ActorRole.TARGET)
    CasualtyFactory(incident=both, best=10)
    IncidentActorFactory(incident=IncidentFactory(start_date=day("2023-07-04")), actor=jnim)
    IncidentActorFactory(incident=IncidentFactory(start_date=day("2023-07-05")), actor=issp)
    IncidentFactory(start_date=day("2023-07-06"))  # no actor recorded

    series = series_of("month", split="actor", top=2)

    counts = {
        group.label: (group.totals[0].incidents, group.totals[0].killed_best)
        for group in series.groups
    }
    # JNIM took part in two incidents (in two roles in one of them: counted once).
    assert counts == {"JNIM": (2, 10), "FAMa": (1, 10), "Other actors or none recorded": (2, 0)}
    assert series.totals[0].incidents == 4


def test_split_by_region_names_the_places_known_only_to_their_country(db):
    IncidentFactory(
        start_date=day("2023-07-03"), location=LocationFactory(admin1=AdminAreaFactory(name="Gao"))
    )
    mali = AdminAreaFactory(name="Gao").country
    IncidentFactory(
        start_date=day("2023-07-03"), location=LocationFactory(admin1=None, country=mali)
    )
    series = series_of("month", split="admin1")
    assert sorted(group.label for group in series.groups) == ["Gao", "No region recorded"]


def test_a_range_of_too_many_periods_is_refused_with_a_reason(db):
    with pytest.raises(ValidationError) as error:
        series_of("week", date_from="1950-01-01", date_to="2024-01-01")
    assert f"{MAX_PERIODS:,}" in error.value.messages[0]


def test_a_series_takes_a_fixed_number_of_queries_whatever_the_number_of_incidents(
    sahel, django_assert_num_queries
):
    with django_assert_num_queries(1):
        series_of("month")
    with django_assert_num_queries(2):  # + the regions' names
        series_of("month", split="admin1")
    with django_assert_num_queries(4):  # actors' roles, totals, "Other", names
        series_of("month", split="actor")


@pytest.mark.parametrize(
    ("values", "window", "means"),
    [
        ([3, 6, 9, 0], 3, [None, None, 6.0, 5.0]),
        ([1, 2], 3, [None, None]),
        ([1, 2, 2], 2, [None, 1.5, 2.0]),
    ],
)
def test_rolling_means_trail_over_the_window(values, window, means):
    assert rolling_means(values, window) == means


def test_a_series_carries_the_rolling_means_of_its_totals_and_groups(sahel):
    plain = series_of("month", split="admin1")
    series = build_series(Incident.objects.public(), interval="month", split="admin1", rolling=3)
    assert series.rolling == 3 and plain.rolling is None and plain.means == []
    lines = [(series.totals, series.means)]
    lines += [(group.totals, group.means) for group in series.groups]
    assert len(lines) > 2
    for totals, means in lines:
        for name in ("incidents", "killed_low", "killed_best", "killed_high"):
            expected = rolling_means([getattr(period, name) for period in totals], 3)
            assert [None if mean is None else getattr(mean, name) for mean in means] == expected


def test_split_by_actor_without_any_actor_puts_everything_in_other(db):
    IncidentFactory(start_date=day("2023-07-03"))
    series = series_of("month", split="actor")
    assert [(group.label, group.totals[0].incidents) for group in series.groups] == [
        ("Other actors or none recorded", 1)
    ]


def test_an_empty_selection_is_an_empty_series(db):
    series = series_of("month", split="admin1")
    assert series.is_empty
    assert series.groups == []


def test_top_groups_can_be_the_deadliest_rather_than_the_most_frequent(db):
    gao = LocationFactory(admin1=AdminAreaFactory(name="Gao", iso_code="ML-7"))
    for _ in range(3):
        IncidentFactory(start_date=day("2023-07-03"))  # Mopti: frequent, no toll
    CasualtyFactory(incident=IncidentFactory(start_date=day("2023-07-04"), location=gao), best=30)
    incidents = IncidentFilterSet({}, queryset=Incident.objects.public()).qs
    by_incidents = build_series(incidents, split="admin1", top=1)
    by_killed = build_series(incidents, split="admin1", top=1, measure="killed")
    assert [group.label for group in by_incidents.groups] == ["Mopti", "Other"]
    assert [group.label for group in by_killed.groups] == ["Gao", "Other"]
