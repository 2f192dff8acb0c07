"""Calendar periods in UTC: ISO weeks, months, quarters Q1–Q4 and years. Pure date maths.

A period is named by its first day (a `datetime.date`); `period_start` takes any day to the
first day of its period and `period_end` gives the last day. Weeks are ISO 8601 weeks, Monday to
Sunday, labelled by their ISO year ("2020-W53" runs from Monday 28 December 2020 to Sunday
3 January 2021), so a week that spans a year end is one week, not two halves.
"""

import datetime

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from incidents.choices import DatePrecision
from incidents.formatting import format_month


class Interval(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


# The coarsest date precision an incident may have and still be placed in one period of the
# interval. An incident known to 2–6 days or to "a known week" is placed by its start date: the
# days it may have happened on lie within a week of it. Known only to the month, it cannot be
# placed in a week; known only to the year, not in a month or quarter either.
FINEST_UNPLACEABLE = {
    Interval.WEEK: DatePrecision.MONTH,
    Interval.MONTH: DatePrecision.YEAR,
    Interval.QUARTER: DatePrecision.YEAR,
    Interval.YEAR: None,
}


def coarsest_placeable_precision(interval):
    """The largest DatePrecision value that can be placed in one period of the interval."""
    unplaceable = FINEST_UNPLACEABLE[Interval(interval)]
    return max(DatePrecision) if unplaceable is None else unplaceable - 1


def period_start(day, interval):
    """The first day of the period that contains `day`."""
    interval = Interval(interval)
    if interval == Interval.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    if interval == Interval.MONTH:
        return day.replace(day=1)
    if interval == Interval.QUARTER:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return datetime.date(day.year, 1, 1)


def next_period_start(start, interval):
    """The first day of the period after the one that starts on `start`."""
    interval = Interval(interval)
    start = period_start(start, interval)
    if interval == Interval.WEEK:
        return start + datetime.timedelta(days=7)
    months = {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}[interval]
    month_index = start.year * 12 + start.month - 1 + months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def period_end(start, interval):
    """The last day of the period that contains `start`."""
    return next_period_start(start, interval) - datetime.timedelta(days=1)


def periods_between(first_day, last_day, interval):
    """The first days of every period from the one holding first_day to the one holding
    last_day, both included, with none skipped."""
    if last_day < first_day:
        return []
    starts = []
    start = period_start(first_day, interval)
    while start <= last_day:
        starts.append(start)
        start = next_period_start(start, interval)
    return starts


def count_periods(first_day, last_day, interval):
    """len(periods_between(...)) without building the list (to refuse absurd ranges early)."""
    if last_day < first_day:
        return 0
    interval = Interval(interval)
    first, last = period_start(first_day, interval), period_start(last_day, interval)
    if interval == Interval.WEEK:
        return (last - first).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    return months // {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}[interval] + 1


def period_label(start, interval):
    """How a period reads in tables and on axes, in the active language: 2020-W53, Jul 2023,
    2023 Q3, 2023 in English; S53 2020, juillet 2023, T3 2023, 2023 in French."""
    interval = Interval(interval)
    if interval == Interval.WEEK:
        iso_year, week, _weekday = start.isocalendar()
        return pgettext("ISO week label", "%(year)s-W%(week)s") % {
            "year": iso_year,
            "week": f"{week:02d}",
        }
    if interval == Interval.MONTH:
        return format_month(start)
    if interval == Interval.QUARTER:
        return pgettext("quarter label", "%(year)s Q%(quarter)s") % {
            "year": start.year,
            "quarter": (start.month - 1) // 3 + 1,
        }
    return f"{start.year}"


def day_and_month(day):
    """A day of the year without its year: 01 Jul, 1 juillet."""
    # Translators: a date format (Django's "date" filter letters): day and short month.
    return date_format(day, pgettext("day and month, a date format", "d M"))


def period_key(start, interval):
    """A period's machine-readable name (CSV, JSON) in every language: 2020-W53, 2023-07,
    2023-Q3, 2023."""
    interval = Interval(interval)
    if interval == Interval.WEEK:
        iso_year, week, _weekday = start.isocalendar()
        return f"{iso_year}-W{week:02d}"
    if interval == Interval.MONTH:
        return f"{start:%Y-%m}"
    if interval == Interval.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"
