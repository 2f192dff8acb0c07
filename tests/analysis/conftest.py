"""A Sahel of a few hundred incidents spread over the year ends, 29 February and quarter edges,
of every status and date precision; and the independent computation the tests hold the
analysis app's numbers against (plain Python over the same rows, no analysis code)."""

import datetime
import random
from collections import defaultdict

import pytest

from incidents.choices import ActorRole, CasualtyGroup, DatePrecision, Status
from incidents.models import Casualty, EventType, Incident, IncidentActor
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
)
from tests.shared_rows import rows_per_module

BOUNDARY_DAYS = [
    "2019-12-30",  # Monday of 2020-W01
    "2019-12-31",
    "2020-02-29",
    "2020-03-31",
    "2020-04-01",
    "2020-06-30",
    "2020-07-01",
    "2020-09-30",
    "2020-10-01",
    "2020-12-28",  # Monday of 2020-W53
    "2020-12-31",
    "2021-01-01",  # still 2020-W53
    "2021-01-03",
    "2021-01-04",  # 2021-W01
]
FIRST_DAY = datetime.date(2019, 11, 1)
LAST_DAY = datetime.date(2021, 3, 31)
EVENT_TYPES = ["battles", "violence_against_civilians", "explosions_remote_violence"]

# Which date precisions each interval places in a period (the rule the page states).
PLACEABLE = {
    "week": {DatePrecision.DAY, DatePrecision.DAYS, DatePrecision.WEEK},
    "month": {DatePrecision.DAY, DatePrecision.DAYS, DatePrecision.WEEK, DatePrecision.MONTH},
    "quarter": {DatePrecision.DAY, DatePrecision.DAYS, DatePrecision.WEEK, DatePrecision.MONTH},
    "year": set(DatePrecision),
}


def calendar_key(day, interval):
    """The period of a day, by the calendar's own reckoning (datetime.isocalendar)."""
    if interval == "week":
        return day.isocalendar()[:2]
    if interval == "month":
        return (day.year, day.month)
    if interval == "quarter":
        return (day.year, (day.month - 1) // 3 + 1)
    return day.year


def calendar_keys_between(first, last, interval):
    """Every period from first to last, walking day by day."""
    keys, today = [], first
    while today <= last:
        key = calendar_key(today, interval)
        if not keys or keys[-1] != key:
            keys.append(key)
        today += datetime.timedelta(days=1)
    return keys


def tally(incidents):
    """(incidents, killed low, best, high, incidents whose toll is unknown)."""
    return (
        len(incidents),
        sum(incident.killed_low or 0 for incident in incidents),
        sum(incident.killed_best or 0 for incident in incidents),
        sum(incident.killed_high or 0 for incident in incidents),
        sum(1 for incident in incidents if incident.killed_best is None),
    )


def as_tuple(series_tally):
    return (
        series_tally.incidents,
        series_tally.killed_low,
        series_tally.killed_best,
        series_tally.killed_high,
        series_tally.unknown_toll,
    )


def by_period(incidents, interval):
    """{calendar key: [incidents]} of the incidents that can be placed; and the others."""
    placed, unplaced = defaultdict(list), []
    for incident in incidents:
        if incident.date_precision in PLACEABLE[interval]:
            placed[calendar_key(incident.start_date, interval)].append(incident)
        else:
            unplaced.append(incident)
    return placed, unplaced


def public_incidents():
    """Every published incident, with its actors' ids, read without the analysis app."""
    incidents = list(
        Incident.objects.filter(status=Status.PUBLISHED).select_related("location__country")
    )
    actors = defaultdict(set)
    for incident_id, actor_id in IncidentActor.objects.values_list("incident_id", "actor_id"):
        actors[incident_id].add(actor_id)
    for incident in incidents:
        incident.actor_ids = actors[incident.pk]
    return incidents


@rows_per_module
def sahel_rows():
    """About 240 incidents in five regions of two countries (and one place known only to its
    country), over November 2019 – March 2021, with a fixed seed; built once per module."""
    rng = random.Random(2023)
    mali = CountryFactory()
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    regions = [
        AdminAreaFactory(name="Mopti", iso_code="ML-5"),
        AdminAreaFactory(name="Gao", iso_code="ML-7"),
        AdminAreaFactory(name="Tombouctou", iso_code="ML-6"),
        AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13"),
        AdminAreaFactory(country=burkina, name="Est", iso_code="BF-08"),
        AdminAreaFactory(country=burkina, name="Nord", iso_code="BF-10"),
        AdminAreaFactory(country=burkina, name="Centre-Nord", iso_code="BF-05"),
    ]
    places = [LocationFactory(admin1=region) for region in regions for _ in range(2)]
    places.append(LocationFactory(name="Somewhere in Mali", admin1=None, country=mali))
    actors = [ActorFactory(name=f"Group {letter}") for letter in "ABCDEFGHI"]
    event_types = {code: EventType.objects.get(code=code) for code in EVENT_TYPES}
    span = (LAST_DAY - FIRST_DAY).days

    casualties, roles = [], []
    for number in range(240):
        if rng.random() < 0.25:
            start = datetime.date.fromisoformat(rng.choice(BOUNDARY_DAYS))
        else:
            start = FIRST_DAY + datetime.timedelta(days=rng.randrange(span))
        precision = rng.choices(list(DatePrecision), weights=[10, 2, 2, 3, 2])[0]
        end = None
        if precision == DatePrecision.MONTH:
            start = start.replace(day=1)
        elif precision == DatePrecision.YEAR:
            start = datetime.date(start.year, 1, 1)
        elif rng.random() < 0.15:
            end = start + datetime.timedelta(days=rng.randint(1, 9))
        status = rng.choices(list(Status), weights=[1, 1, 10, 1])[0]
        incident = IncidentFactory(
            title=f"Incident {number}",
            start_date=start,
            end_date=end,
            date_precision=precision,
            location=rng.choice(places),
            event_type=event_types[rng.choice(EVENT_TYPES)],
            sub_event_type=None,
            status=status,
        )
        for group in rng.sample(list(CasualtyGroup), rng.choice([0, 1, 1, 2])):
            best = rng.choice([0, 1, 2, 3, 5, 8, 13, 40])
            low = max(0, best - rng.randint(0, 3))
            casualties.append(
                Casualty(
                    incident=incident,
                    group=group,
                    low=low,
                    best=best,
                    high=best + rng.randint(0, 6),
                )
            )
        # Skewed, so that the top actors are few: A and B take part most.
        for actor in set(
            rng.choices(actors, weights=[9, 7, 4, 3, 2, 2, 1, 1, 1], k=rng.randint(0, 3))
        ):
            roles.append(IncidentActor(incident=incident, actor=actor, role=ActorRole.PERPETRATOR))
            if rng.random() < 0.1:  # the same actor in a second role of the same incident
                roles.append(
                    IncidentActor(
                        incident=incident, actor=actor, role=ActorRole.PERPETRATOR_ASSOCIATE
                    )
                )
    Casualty.objects.bulk_create(casualties)
    IncidentActor.objects.bulk_create(roles)
    return {
        "regions": regions,
        "places": places,
        "actors": actors,
        "mali": mali,
        "burkina": burkina,
    }


@pytest.fixture
def sahel(sahel_rows, db):
    """The rows of sahel_rows, for a test that reads them (and may add its own)."""
    return sahel_rows
