"""Calendar periods in UTC: ISO weeks across year ends and week 53, 29 February, quarter edges.
Pure date maths (analysis/periods.py), no database."""

import datetime

import pytest

from analysis.periods import (
    Interval,
    coarsest_placeable_precision,
    count_periods,
    next_period_start,
    period_end,
    period_key,
    period_label,
    period_start,
    periods_between,
)
from incidents.choices import DatePrecision


def day(text):
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("interval", "given", "start", "end", "label"),
    [
        # ISO weeks run Monday to Sunday and belong to the ISO year of their Thursday.
        ("week", "2020-12-31", "2020-12-28", "2021-01-03", "2020-W53"),
        ("week", "2021-01-01", "2020-12-28", "2021-01-03", "2020-W53"),  # New Year in week 53
        ("week", "2021-01-03", "2020-12-28", "2021-01-03", "2020-W53"),  # its Sunday
        ("week", "2021-01-04", "2021-01-04", "2021-01-10", "2021-W01"),  # its next Monday
        ("week", "2015-12-31", "2015-12-28", "2016-01-03", "2015-W53"),
        ("week", "2027-01-01", "2026-12-28", "2027-01-03", "2026-W53"),
        ("week", "2019-12-31", "2019-12-30", "2020-01-05", "2020-W01"),  # December in week 1
        ("week", "2026-01-01", "2025-12-29", "2026-01-04", "2026-W01"),
        ("week", "2024-02-29", "2024-02-26", "2024-03-03", "2024-W09"),
        ("week", "2024-03-04", "2024-03-04", "2024-03-10", "2024-W10"),
        # Months, 29 February included.
        ("month", "2024-02-29", "2024-02-01", "2024-02-29", "Feb 2024"),
        ("month", "2023-02-14", "2023-02-01", "2023-02-28", "Feb 2023"),
        ("month", "2000-02-10", "2000-02-01", "2000-02-29", "Feb 2000"),  # divisible by 400
        ("month", "1900-02-10", "1900-02-01", "1900-02-28", "Feb 1900"),  # by 100, not 400
        ("month", "2023-12-31", "2023-12-01", "2023-12-31", "Dec 2023"),
        ("month", "2024-01-01", "2024-01-01", "2024-01-31", "Jan 2024"),
        # Quarters and their edges.
        ("quarter", "2023-01-01", "2023-01-01", "2023-03-31", "2023 Q1"),
        ("quarter", "2023-03-31", "2023-01-01", "2023-03-31", "2023 Q1"),
        ("quarter", "2023-04-01", "2023-04-01", "2023-06-30", "2023 Q2"),
        ("quarter", "2023-06-30", "2023-04-01", "2023-06-30", "2023 Q2"),
        ("quarter", "2023-07-01", "2023-07-01", "2023-09-30", "2023 Q3"),
        ("quarter", "2023-09-30", "2023-07-01", "2023-09-30", "2023 Q3"),
        ("quarter", "2023-10-01", "2023-10-01", "2023-12-31", "2023 Q4"),
        ("quarter", "2023-12-31", "2023-10-01", "2023-12-31", "2023 Q4"),
        ("quarter", "2024-02-29", "2024-01-01", "2024-03-31", "2024 Q1"),
        # Years.
        ("year", "2024-02-29", "2024-01-01", "2024-12-31", "2024"),
        ("year", "2023-12-31", "2023-01-01", "2023-12-31", "2023"),
    ],
)
def test_a_day_falls_in_one_calendar_period(interval, given, start, end, label):
    assert period_start(day(given), interval) == day(start)
    assert period_end(day(start), interval) == day(end)
    assert period_label(day(start), interval) == label


@pytest.mark.parametrize(
    ("interval", "start", "following"),
    [
        ("week", "2020-12-28", "2021-01-04"),
        ("week", "2024-02-26", "2024-03-04"),
        ("month", "2023-12-01", "2024-01-01"),
        ("month", "2024-01-01", "2024-02-01"),
        ("quarter", "2023-10-01", "2024-01-01"),
        ("quarter", "2024-01-01", "2024-04-01"),
        ("year", "2023-01-01", "2024-01-01"),
    ],
)
def test_the_next_period_starts_the_day_after_this_one_ends(interval, start, following):
    assert next_period_start(day(start), interval) == day(following)
    assert period_end(day(start), interval) + datetime.timedelta(days=1) == day(following)


@pytest.mark.parametrize(
    ("interval", "first", "last", "starts"),
    [
        # A range across a year end: week 53 is one week, not two halves.
        ("week", "2020-12-25", "2021-01-05", ["2020-12-21", "2020-12-28", "2021-01-04"]),
        (
            "month",
            "2023-11-15",
            "2024-02-29",
            ["2023-11-01", "2023-12-01", "2024-01-01", "2024-02-01"],
        ),
        ("quarter", "2023-03-31", "2023-04-01", ["2023-01-01", "2023-04-01"]),
        ("quarter", "2023-11-30", "2024-01-02", ["2023-10-01", "2024-01-01"]),
        ("year", "2023-06-01", "2025-01-01", ["2023-01-01", "2024-01-01", "2025-01-01"]),
        ("month", "2024-02-29", "2024-02-29", ["2024-02-01"]),
        ("month", "2024-03-01", "2024-02-29", []),  # an empty range has no period
    ],
)
def test_periods_between_two_days_skip_none(interval, first, last, starts):
    periods = periods_between(day(first), day(last), interval)
    assert periods == [day(start) for start in starts]
    assert count_periods(day(first), day(last), interval) == len(starts)


@pytest.mark.parametrize("interval", list(Interval))
def test_every_day_of_four_years_is_in_exactly_one_period(interval):
    first, last = day("2020-01-01"), day("2023-12-31")
    starts = periods_between(first - datetime.timedelta(days=7), last, interval)
    spans = [(start, period_end(start, interval)) for start in starts]
    today = first
    while today <= last:
        holding = [span for span in spans if span[0] <= today <= span[1]]
        assert len(holding) == 1, today
        assert holding[0][0] == period_start(today, interval)
        today += datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("interval", "start", "key"),
    [
        ("week", "2020-12-28", "2020-W53"),
        ("month", "2023-07-01", "2023-07"),
        ("quarter", "2023-07-01", "2023-Q3"),
        ("year", "2023-01-01", "2023"),
    ],
)
def test_period_keys_for_files_sort_as_text(interval, start, key):
    assert period_key(day(start), interval) == key


@pytest.mark.parametrize(
    ("interval", "coarsest"),
    [
        # A week holds incidents known to the day, to 2–6 days or to a known week.
        ("week", DatePrecision.WEEK),
        # A month or a quarter also holds incidents known only to the month.
        ("month", DatePrecision.MONTH),
        ("quarter", DatePrecision.MONTH),
        # A year holds every incident.
        ("year", DatePrecision.YEAR),
    ],
)
def test_which_date_precisions_can_be_placed_in_a_period(interval, coarsest):
    assert coarsest_placeable_precision(interval) == coarsest
