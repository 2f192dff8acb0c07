"""Likely duplicates of an incident being entered: the same event typed twice, or typed by hand
and imported from a dataset.

An incident probably duplicates another when all three hold:
- place: the same place, or one within DUPLICATE_DISTANCE_KM of it;
- dates: their periods overlap once each is widened by what its precision leaves open (a date
  known to the month may be any day of that month; see period());
- what: the same event type, or an actor in common.
Retracted incidents are left out: they are no longer part of the record.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from .choices import DatePrecision, Status
from .models import Incident, IncidentActor, Location

# Far enough for two reports placing the same attack at neighbouring villages or at the
# commune's seat; the Sahel's villages are typically 5–15 km apart.
DUPLICATE_DISTANCE_KM = 25
# How many candidates a warning lists: enough to find the real one, few enough to read.
SHOWN = 10
# Candidates read before the exact date check, half after the entry's start and half before: a
# busy town over two years holds more, but those nearest in time are read first.
CANDIDATES_READ = 500
# The widest a period may open by its precision (a year): the search window of the query.
WIDEST = timedelta(days=366)


@dataclass(frozen=True)
class Entry:
    """What the check needs of the incident being entered."""

    start_date: date
    end_date: date | None
    date_precision: int
    location: Location
    event_type_id: str | None
    actor_ids: frozenset = frozenset()
    pk: int | None = None


def period(start_date, end_date, date_precision):
    """The first and last day an incident may have happened on, by its dates and precision:
    a known day is itself; 2–6 days and a known week leave a week either side; a known month
    is the whole month; a known year the whole year."""
    end_date = end_date or start_date
    if date_precision == DatePrecision.MONTH:
        last = calendar.monthrange(end_date.year, end_date.month)[1]
        return start_date.replace(day=1), end_date.replace(day=last)
    if date_precision == DatePrecision.YEAR:
        return date(start_date.year, 1, 1), date(end_date.year, 12, 31)
    if date_precision in (DatePrecision.DAYS, DatePrecision.WEEK):
        return start_date - timedelta(days=7), end_date + timedelta(days=7)
    return start_date, end_date


def likely_duplicates(entry):
    """The incidents `entry` probably duplicates, nearest in time first, at most SHOWN, in two
    queries (the candidates near in place and time, of the same kind, after and before)."""
    first, last = period(entry.start_date, entry.end_date, entry.date_precision)
    location = entry.location
    near = Location.objects.within_km(
        float(location.latitude), float(location.longitude), DUPLICATE_DISTANCE_KM
    )
    candidates = (
        Incident.objects.exclude(status=Status.RETRACTED)
        .filter(location__in=near.values("pk"))
        # A superset of the overlapping periods (a precision opens a period by a year at most);
        # period() then decides.
        .filter(start_date__lte=last + WIDEST)
        .filter(Q(end_date__gte=first - WIDEST) | Q(end_date=None, start_date__gte=first - WIDEST))
        .select_related("location", "event_type")
    )
    if entry.pk is not None:
        candidates = candidates.exclude(pk=entry.pk)
    same_kind = Q(event_type_id=entry.event_type_id) if entry.event_type_id else Q(pk__in=[])
    if entry.actor_ids:
        sharing = IncidentActor.objects.filter(actor__in=entry.actor_ids).values("incident_id")
        same_kind |= Q(pk__in=sharing)
    candidates = candidates.filter(same_kind)
    # The nearest in time on either side of the entry's start date.
    later = candidates.filter(start_date__gte=entry.start_date).order_by("start_date", "id")
    earlier = candidates.filter(start_date__lt=entry.start_date).order_by("-start_date", "-id")
    half = CANDIDATES_READ // 2
    found = [
        incident
        for incident in [*later[:half], *earlier[:half]]
        if periods_overlap(
            (first, last), period(incident.start_date, incident.end_date, incident.date_precision)
        )
    ]
    found.sort(key=lambda incident: abs((incident.start_date - entry.start_date).days))
    return found[:SHOWN]


def periods_overlap(one, other):
    """Whether two (first day, last day) periods share a day."""
    return one[0] <= other[1] and other[0] <= one[1]
