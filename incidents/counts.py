"""The published incidents' counts as the summary tables keep them (models/counts.py): the
list's count and facets, the home page's totals, the API's count and the series of a
selection the tables can answer, exactly, without reading the incidents.

A `Selection` is what IncidentFilterSet hands over when the only filters in use are the period
(date_from, date_to), countries, regions and event types: each is a column of the tables.
Any other filter (actor, text, place, radius, casualties…) leaves the selection to the incident
table itself (IncidentQuerySet's own count, facet_counts and summary).
"""

import calendar
import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from asgiref.local import Local
from django.db import connections, router, transaction
from django.db.models import BooleanField, Count, DateField, F, Func, Max, Min, Q, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear, NullIf

from .caching import remember
from .choices import Status
from .models import (
    Actor,
    ActorSet,
    AdminArea,
    Country,
    EventType,
    Incident,
    IncidentActor,
    PublicActorMonth,
    PublicActorSetMonth,
    PublicDataVersion,
    PublicIncidentActors,
    PublicIncidentDay,
    PublicIncidentMonth,
    PublicIncidentYear,
)
from .models.actor_counts import (
    PERPETRATOR_SIDE,
    TARGET_SIDE,
    actor_and_sides,
    rebuild_actor_counts,
    role_code,
    role_codes,
)
from .querysets import PERPETRATOR_ROLES
from .roles import dataset_of
from .taxonomy import event_type_label
from .totals import Totals

# The columns the tables are keyed by and the sums they keep, in the tables' order.
KEYS = ["start_date", "end_date", "country_id", "admin1_id", "event_type_id", "date_precision"]
MEASURES = ["incidents", "killed_low", "killed_best", "killed_high", "known_toll"]
# The region id of an incident whose place has none (see PublicIncidentCountBase).
NO_REGION = 0


@dataclass(frozen=True)
class Selection:
    """Public incidents that overlap the period (as IncidentFilterSet.filter_date_from reads
    date_from and date_to) in any of the countries, any of the regions and of any of the event
    types; an empty tuple or a missing date does not restrict."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    countries: tuple = ()  # Country ids
    regions: tuple = ()  # AdminArea ids (admin1)
    event_types: tuple = ()  # EventType codes

    @property
    def key(self):
        """The selection as a short text, for cache keys."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:32]

    @property
    def whole_months(self):
        """Whether the period runs from a month's first day to a month's last day (either end
        may be open): the month table then answers exactly, as the day table would."""
        starts = self.date_from is None or self.date_from.day == 1
        ends = self.date_to is None or (
            self.date_to.day == calendar.monthrange(self.date_to.year, self.date_to.month)[1]
        )
        return starts and ends

    @property
    def whole_years(self):
        """Whether the period runs from a 1 January to a 31 December (either end may be open):
        the year table then answers exactly."""
        starts = self.date_from is None or (self.date_from.month, self.date_from.day) == (1, 1)
        ends = self.date_to is None or (self.date_to.month, self.date_to.day) == (12, 31)
        return starts and ends

    def rows(self, unit="year"):
        """The count rows of the selection, from the coarsest table that answers it exactly
        and is no coarser than `unit` ("year", "month" or "day"): the year table's when the
        period is whole years, else the month table's when it is whole months, else the day
        table's. In the month and year tables start_date and end_date are the first days of
        the months or years, which compare with a period of whole ones as the days would."""
        if unit == "year" and self.whole_years:
            table = PublicIncidentYear
        elif unit in ("year", "month") and self.whole_months:
            table = PublicIncidentMonth
        else:
            table = PublicIncidentDay
        return self._in_places_and_types(table.objects.order_by()).filter(self._in_period())

    @property
    def counts_actors(self):
        """Whether the actor counts (models/actor_counts.py) answer the selection exactly: they
        are kept by month and country, not by region or event type."""
        return self.whole_months and not self.regions and not self.event_types

    def actor_rows(self, table):
        """The rows of `table` (PublicActorMonth or PublicActorSetMonth) of the selection,
        which counts_actors must allow; like rows("month"), by their months."""
        rows = table.objects.order_by()
        if self.countries:
            rows = rows.filter(country_id__in=self.countries)
        return rows.filter(self._in_period())

    def incident_actors(self):
        """The PublicIncidentActors rows of the selection's incidents, one per incident (any
        selection: the rows hold each incident's own days, region and event type)."""
        rows = self._in_places_and_types(PublicIncidentActors.objects.order_by())
        return rows.filter(self._in_period(start="start_day", end="end_day"))

    def _in_places_and_types(self, rows):
        # The count tables' and PublicIncidentActors' columns have the same names.
        if self.countries:
            rows = rows.filter(country_id__in=self.countries)
        if self.regions:
            rows = rows.filter(admin1_id__in=self.regions)
        if self.event_types:
            rows = rows.filter(event_type_id__in=self.event_types)
        return rows

    def _in_period(self, start="start_date", end="end_date"):
        # filter_date_from's overlap rule on the tables' columns. The end is never NULL there:
        # a one-day incident's end is its start, which cannot be on or after date_from when the
        # start is before it.
        condition = Q()
        if self.date_to is not None:
            condition &= Q(**{f"{start}__lte": self.date_to})
        if self.date_from is not None:
            condition &= Q(**{f"{start}__gte": self.date_from}) | Q(
                **{f"{start}__lt": self.date_from, f"{end}__gte": self.date_from}
            )
        return condition


@dataclass(frozen=True)
class ActorFilter:
    """The public incidents of a Selection in which any of `actors` (Actor ids) and an actor
    of any of `actor_types` (ACLED inter codes) take part, in any role; an empty tuple does
    not restrict. IncidentFilterSet's actor and actor_type beside the count tables' filters:
    PublicIncidentActors holds each of those incidents once, with its role set (PostgreSQL),
    so that they are counted from one narrow row each, not from their incidents joined to
    their roles (0.8-3 s for JNIM's 238,000 incidents or the state forces' 364,000 at a
    million; 0.1-0.4 s this way). A short period costs more this way than walking its
    incidents by date (one day of the state forces: 0.1-0.2 s against 20 ms), since all the
    actors' rows are read; choosing between the two would cost a count of the period first
    (up to 0.17 s)."""

    selection: Selection
    actors: tuple = ()
    actor_types: tuple = ()

    def matches(self):
        """These incidents' rows as IncidentQuerySet._count_and_facets groups them: their
        event type's code, their region (None for none) and their start date."""
        return self.incident_actors().values(
            event_type_code=F("event_type_id"),
            region=NullIf("admin1_id", Value(NO_REGION)),
            day=F("start_day"),
        )

    def incident_actors(self):
        """The PublicIncidentActors rows of these incidents."""
        rows = self.selection.incident_actors()
        if self.actors:
            rows = rows.filter(actor_set_id__in=_sets_holding(self.actors))
        if self.actor_types:
            typed = Actor.objects.filter(actor_type__in=self.actor_types).values_list("pk")
            rows = rows.filter(actor_set_id__in=_sets_holding([pk for (pk,) in typed]))
        return rows


def _sets_holding(actor_ids):
    """The ids of the role sets that hold any of the actors, on any side."""
    codes = [code for actor_id in actor_ids for code in role_codes(actor_id)]
    return ActorSet.objects.filter(roles__overlap=codes).values("id")


def totals_aggregates(prefix="", condition=None):
    """totals.totals_aggregates()' names, summed from count rows: Totals.from_row reads both.
    `condition` restricts them (SQL FILTER)."""
    return {
        f"{prefix}incidents": Coalesce(Sum("incidents", filter=condition), 0),
        f"{prefix}sum_low": Sum("killed_low", filter=condition),
        f"{prefix}sum_best": Sum("killed_best", filter=condition),
        f"{prefix}sum_high": Sum("killed_high", filter=condition),
        f"{prefix}known_toll": Coalesce(Sum("known_toll", filter=condition), 0),
    }


def actor_selection(incidents):
    """The Selection of `incidents` (a filtered public queryset) if the actor counts by month
    answer it (PostgreSQL: the tables exist there only), else None."""
    selection = incident_actors_selection(incidents)
    return selection if selection is not None and selection.counts_actors else None


def incident_actors_selection(incidents):
    """The Selection of `incidents` (a filtered public queryset) if PublicIncidentActors holds
    it (PostgreSQL, and only the count tables' filters in use), else None."""
    selection = incidents.count_selection
    if selection is None or connections[incidents.db].vendor != "postgresql":
        return None
    return selection


@dataclass(frozen=True)
class SearchedActors:
    """A public search's matches as the actor counts hold them (PostgreSQL): those in which an
    actor its text names took part, which are all the selection's incidents of those actors
    (`named`: a counts.ActorFilter, or None when the text names no actor or the list's other
    filters are not the count tables'), and the PublicIncidentActors rows of the others
    (`others`), one narrow row per match with its role set, its days and its toll.

    Counted by actor, a search's matches were read joined to every one of their roles (2.1
    million at a million incidents) in three passes (q=JNIM, 238,000 matches: 4.9 s); one
    pass over their rows took 0.3-0.5 s, most of it finding the matches among the entries and
    joining them to their rows. The named actors' incidents need neither: JNIM's are read from
    the counts per role set, and the entries are searched for the other matches only (incidents
    without JNIM that say its name: none there, and the whole took 0.2-0.3 s)."""

    named: ActorFilter | None
    others: object

    @property
    def key(self):
        """The matches as a short text, for cache keys."""
        sql, params = self.others.query.sql_with_params()
        text = f"{self.others.db}|{sql}|{params!r}|{self.named!r}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def named_rows(self, by_month):
        """The rows of the named actors' incidents: the counts per role set and month when
        `by_month` (named.selection.counts_actors must allow it), else PublicIncidentActors'."""
        if by_month:
            rows = self.named.selection.actor_rows(PublicActorSetMonth)
            return rows.filter(actor_set_id__in=_sets_holding(self.named.actors))
        return self.named.incident_actors()


def searched_actors(incidents):
    """The SearchedActors of `incidents` (a filtered public queryset) when it is a search whose
    search entries hold exactly its incidents (IncidentQuerySet.search_entries: PostgreSQL, the
    search with the count tables' filters or actors beside it), else None."""
    entries = incidents.search_entries
    if entries is None or connections[incidents.db].vendor != "postgresql":
        return None
    named = incidents.search_actors
    if named is not None:
        entries = entries.exclude(actor_ids__overlap=list(named.actors))
    others = (
        PublicIncidentActors.objects.using(incidents.db)
        .order_by()
        .filter(incident_id__in=entries.order_by().values("incident_id"))
    )
    return SearchedActors(named, others)


def actors_of_sets(set_ids):
    """{role set id: the ids of its actors, each once} for the sets `set_ids`. The ids go as
    one array's text: psycopg adapts a list element by element, and a search's matches hold
    thousands of sets (q=JNIM: 14 ms as a list at a million incidents, 3 ms as text)."""
    ids = "{" + ",".join(map(str, set_ids)) + "}"
    in_ids = RawSQL(
        f"{ActorSet._meta.db_table}.id = ANY(%s::integer[])", (ids,), output_field=BooleanField()
    )
    sets = ActorSet.objects.order_by().filter(in_ids).values_list("pk", "roles")
    return {pk: [actor_and_sides(code)[0] for code in roles] for pk, roles in sets}


def without_actors(actor_ids):
    """The condition on PublicActorSetMonth rows that their set holds none of `actor_ids`: the
    incidents in which none of those actors took part (all of them, when `actor_ids` is
    empty), or, with `actor_ids` None, the incidents with no actor at all."""
    if actor_ids is None:
        return Q(actor_set_id__in=ActorSet.objects.filter(roles=[]).values("id"))
    if not actor_ids:
        return Q()
    codes = [code for actor_id in actor_ids for code in role_codes(actor_id)]
    return ~Q(actor_set_id__in=ActorSet.objects.filter(roles__overlap=codes).values("id"))


def actor_roles_and_co_actors(selection, actor_id):
    """Among the selection's incidents (counts_actors must allow it) those of the actor
    `actor_id`, from the counts per role set: ({dataset: {"first": n, "second": n,
    "incidents": n}}, as actor_role_counts counts them, and {other actor id: incidents shared
    with it}). Two queries: the sets that hold the actor, then their counts per dataset (the
    sets' codes read in the same GROUP BY were read once per count row: 150 ms for JNIM)."""
    holding = ActorSet.objects.filter(roles__overlap=role_codes(actor_id))
    sets = dict(holding.values_list("id", "roles"))
    rows = (
        selection.actor_rows(PublicActorSetMonth)
        .filter(actor_set_id__in=holding.values("id"))
        .values_list("actor_set_id", "dataset")
        .annotate(incidents=Sum("incidents"))
    )
    roles, co_actors = {}, {}
    for set_id, dataset, incidents in rows:
        counted = roles.setdefault(dataset, {"first": 0, "second": 0, "incidents": 0})
        for code in sets[set_id]:
            actor, sides = actor_and_sides(code)
            if actor == actor_id:
                counted["incidents"] += incidents
                counted["first"] += incidents if sides & PERPETRATOR_SIDE else 0
                counted["second"] += incidents if sides & TARGET_SIDE else 0
            else:
                co_actors[actor] = co_actors.get(actor, 0) + incidents
    return roles, co_actors


def incidents_by_actor(selection, actor_ids):
    """{actor id: how many of the selection's incidents it takes part in} for the actors that
    take part in any (counts_actors must allow the selection), from the actor counts: one
    GROUP BY over their months, where counting their roles read every one of them (0.4 s for
    the fifty actors of the index's first page at a million incidents)."""
    rows = (
        selection.actor_rows(PublicActorMonth)
        .filter(actor_id__in=actor_ids)
        .values("actor_id")
        .annotate(incidents=Sum("incidents"))
    )
    return {row["actor_id"]: row["incidents"] for row in rows if row["incidents"]}


def actor_yearly_totals(selection, actor_id):
    """{year: Totals} of the selection's incidents (counts_actors must allow it) in which the
    actor `actor_id` takes part, from the actor counts, and their first and last start
    months (None when there is none)."""
    rows = (
        selection.actor_rows(PublicActorMonth)
        .filter(actor_id=actor_id)
        .values(year=ExtractYear("start_date"))
        .annotate(**totals_aggregates(), first=Min("start_date"), last=Max("start_date"))
    )
    rows = list(rows)
    first = min((row["first"] for row in rows), default=None)
    last = max((row["last"] for row in rows), default=None)
    return {row["year"]: Totals.from_row(row) for row in rows}, first, last


def yearly_totals(selection):
    """{year: Totals} of the selection's incidents by start year, and their first and last
    start dates (None when there is none): IncidentQuerySet.yearly_totals()' numbers. Two
    queries, as summary()'s."""
    rows = selection.rows().values(year=ExtractYear("start_date")).annotate(**totals_aggregates())
    dates = selection.rows("day").aggregate(first=Min("start_date"), last=Max("start_date"))
    by_year = {row["year"]: Totals.from_row(row) for row in rows}
    return by_year, dates["first"], dates["last"]


def count(selection):
    """How many public incidents the selection holds. One query."""
    return selection.rows().aggregate(incidents=totals_aggregates()["incidents"])["incidents"]


def start_month_counts(selection):
    """{first day of a month: how many public incidents of the selection start in it}, as
    IncidentQuerySet.start_month_counts() counts them from the incidents. One query over the
    month table (a few thousand rows at a million incidents)."""
    rows = selection.rows("month").values_list("start_date").annotate(incidents=Sum("incidents"))
    return dict(rows)


def summary(selection):
    """IncidentQuerySet.summary()'s answer: {"total": Totals, "first_date", "last_date"}. Two
    queries: the sums from the selection's rows, the first and last start from the day table's
    (its key's index answers them for the whole table without reading it)."""
    row = selection.rows().aggregate(**totals_aggregates())
    dates = selection.rows("day").aggregate(
        first_date=Min("start_date"), last_date=Max("start_date")
    )
    return {"total": Totals.from_row(row), **dates}


# Facets are remembered (caching.remember, under the public data version, so exact) for at
# most this long: event type and region names change without moving the version.
FACETS_SECONDS = 60


def facets(selection):
    """IncidentQuerySet.facet_counts()' answer: {"event_type", "admin1", "year"}, each a list
    of {"value", "label", "count"}; remembered under the public data version (the list page
    shows the facets of every selection it lists)."""
    return remember(["count-facets", selection.key], lambda: _facets(selection), FACETS_SECONDS)


def _facets(selection):
    """A GROUP BY over the selection's rows per facet (a few dozen groups each, where one
    GROUP BY over all three gave Python thousands of rows at a million incidents, most of a
    first visit's time), then the names of the event types and of the regions that occur (a
    name looked up per group inside the GROUP BY made PostgreSQL evaluate it per row: 2.2 s at
    a million incidents)."""
    rows = selection.rows().annotate(year=ExtractYear("start_date"))

    def counted(group):
        return dict(rows.values(group).annotate(count=Sum("incidents")).values_list(group, "count"))

    by_type, by_year = counted("event_type_id"), counted("year")
    by_region = {
        (region if region != NO_REGION else None): count
        for region, count in counted("admin1_id").items()
    }
    type_names = {
        pk: event_type_label(pk, name)
        for pk, name in EventType.objects.order_by()
        .filter(pk__in=by_type)
        .values_list("pk", "name")
    }
    region_names = (
        {pk: label for pk, label, _country in AdminArea.objects.filter(pk__in=by_region).labelled()}
        if set(by_region) - {None}
        else {}
    )
    return {
        "event_type": sorted_facet(
            {"value": code, "label": type_names[code], "count": n} for code, n in by_type.items()
        ),
        "admin1": sorted_facet(
            {"value": pk, "label": region_names.get(pk), "count": n} for pk, n in by_region.items()
        ),
        "year": [
            {"value": year, "label": str(year), "count": by_year[year]}
            for year in sorted(by_year, reverse=True)
        ],
    }


def coverage():
    """What the published incidents cover, country by country, most incidents first: a list
    of {"country": Country, "incidents", "killed_best", "first_year", "last_year"}. One GROUP
    BY over the year table (a few thousand rows at a million incidents), then the countries."""
    rows = (
        PublicIncidentYear.objects.order_by()
        .values("country_id")
        .annotate(
            incidents=Sum("incidents"),
            killed_best=Sum("killed_best"),
            first=Min("start_date"),
            last=Max("end_date"),
        )
        .filter(incidents__gt=0)
    )
    rows = list(rows)
    countries = Country.objects.in_bulk([row["country_id"] for row in rows])
    return sorted(
        (
            {
                "country": countries[row["country_id"]],
                "incidents": row["incidents"],
                "killed_best": row["killed_best"],
                "first_year": row["first"].year,
                "last_year": row["last"].year,
            }
            for row in rows
        ),
        key=lambda row: (-row["incidents"], row["country"].name),
    )


def sorted_facet(values):
    """Most numerous first, then by label (no label, i.e. no region, last), as both the
    tables' and the incidents' facets order them, whatever the database's collation."""
    return sorted(
        values, key=lambda value: (-value["count"], value["label"] is None, value["label"] or "")
    )


# The datasets of the published incidents change only with an import or a publication, which
# moves the data version: kept an hour under it.
PUBLISHED_DATASETS_SECONDS = 3600


def published_datasets():
    """The source_dataset codes of all published incidents (credits.source_dataset), remembered
    under the public data version: what an answer counting incidents (a series, ACLED's
    country list) credits, and the datasets a download need look for at all."""
    return remember(
        ["published-datasets"],
        lambda: Incident.objects.public().source_datasets(),
        PUBLISHED_DATASETS_SECONDS,
    )


def data_version():
    """The public data version (models.PublicDataVersion): a number that changes whenever a
    published incident or its place changes, and is never used twice.

    Read once per request (the first time it is asked for; see start_request), so that the
    answers one page remembers cost one query for the version, however many they are; outside
    a request, read every time."""
    version = getattr(_request, "data_version", None)
    if version is None:
        version = read_data_version()
        if getattr(_request, "started", False):
            _request.data_version = version
    return version


def read_data_version(alias=None):
    """The version's one row, from the database `alias` (by default where the router sends
    the read), read with a plain cursor: every request served from the page cache reads it,
    and the ORM's queryset, compiler and model layers took as long as the query itself (0.25
    of 0.55 ms a hit)."""
    alias = alias or router.db_for_read(PublicDataVersion)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT number FROM {PublicDataVersion._meta.db_table} ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else 0


# What data_version() read during the current request (threads and async tasks apart).
_request = Local()


def start_request(**kwargs):
    """request_started's receiver (apps.py): the request reads the version afresh."""
    _request.started, _request.data_version = True, None


def finish_request(**kwargs):
    _request.started, _request.data_version = False, None


# --- recounting ------------------------------------------------------------------------------


def unit_start(field, unit, vendor):
    """The first day of the date column's month or year, as a date on both databases."""
    if vendor == "postgresql":
        template = f"DATE_TRUNC('{unit}', %(expressions)s::timestamp)::date"
    else:
        template = f"date(%(expressions)s, 'start of {unit}')"
    return Func(field, template=template, output_field=DateField())


# Each table and the unit its dates are truncated to (None: days).
TABLES = {PublicIncidentDay: None, PublicIncidentMonth: "month", PublicIncidentYear: "year"}


def recount(table):
    """The rows `table` (one of TABLES) should hold, counted from
    the published incidents: a values() queryset of KEYS then MEASURES, each named with a
    suffix (_key, _total) because the incident has columns of the same names."""
    vendor = connections[table.objects.db].vendor
    end = Coalesce("end_date", "start_date")
    if TABLES[table]:
        start, end = (unit_start(day, TABLES[table], vendor) for day in ("start_date", end))
    else:
        start = Func("start_date", template="%(expressions)s", output_field=DateField())
    return (
        Incident.objects.public()
        .order_by()
        .values(
            start_date_key=start,
            end_date_key=end,
            country_id_key=Func("location__country", template="%(expressions)s"),
            admin1_id_key=Coalesce("location__admin1", Value(NO_REGION)),
            event_type_id_key=Func("event_type", template="%(expressions)s"),
            date_precision_key=Func("date_precision", template="%(expressions)s"),
        )
        .annotate(
            incidents_total=Count("*"),
            killed_low_total=Coalesce(Sum("killed_low"), 0),
            killed_best_total=Coalesce(Sum("killed_best"), 0),
            killed_high_total=Coalesce(Sum("killed_high"), 0),
            known_toll_total=Count("killed_best"),
        )
    )


def differences():
    """The rows of the count tables that differ from a recount of the published incidents, as
    (table name, key, kept measures, recounted measures); empty when they are exact."""
    found = []
    for table in TABLES:
        kept = {
            tuple(row[:6]): tuple(row[6:])
            for row in table.objects.order_by().values_list(*KEYS, *MEASURES)
        }
        recounted = {
            tuple(row[f"{key}_key"] for key in KEYS): tuple(
                row[f"{name}_total"] for name in MEASURES
            )
            for row in recount(table)
        }
        for key in sorted(set(kept) | set(recounted), key=str):
            if kept.get(key) != recounted.get(key):
                found.append((table.__name__, key, kept.get(key), recounted.get(key)))
    return found


def actor_count_differences():
    """The rows of the actor counts (models/actor_counts.py), and of each published incident's
    counted row, that differ from a count of the published incidents and their roles made
    here, as (table, key, kept, counted); empty when they are exact. PostgreSQL only; reads
    every role, for checks and tests."""
    sides = {}
    for incident_id, actor_id, role in IncidentActor.objects.filter(
        incident__status=Status.PUBLISHED
    ).values_list("incident_id", "actor_id", "role"):
        side = PERPETRATOR_SIDE if role in PERPETRATOR_ROLES else TARGET_SIDE
        by_actor = sides.setdefault(incident_id, {})
        by_actor[actor_id] = by_actor.get(actor_id, 0) | side
    by_set, by_actor = defaultdict(Totals), defaultdict(Totals)
    incidents = (
        Incident.objects.public()
        .order_by()
        .values_list(
            "pk",
            "start_date",
            "end_date",
            "location__country",
            "date_precision",
            "killed_low",
            "killed_best",
            "killed_high",
            "acled_event_id",
            "ucdp_id",
            "location__admin1",
            "event_type",
        )
    )
    by_incident = {}
    for row in incidents:
        pk, start, end, country, precision, low, best, high, acled_id, ucdp_id = row[:10]
        key = (start.replace(day=1), (end or start).replace(day=1), country, precision)
        dataset = dataset_of(acled_id, ucdp_id)
        codes = tuple(sorted(role_code(actor, side) for actor, side in sides.get(pk, {}).items()))
        tally = Totals(1, low or 0, best or 0, high or 0, 1 if best is None else 0)
        by_set[(codes, dataset, *key)].add(tally)
        for code in codes:
            by_actor[(actor_and_sides(code)[0], *key)].add(tally)
        region, event_type = row[10] or NO_REGION, row[11]
        days = (start, end or start)
        by_incident[pk] = (codes, dataset, *key, low, best, high, *days, region, event_type)
    sets = dict(ActorSet.objects.values_list("id", "roles"))
    kept_incidents = {
        row[0]: (tuple(sets[row[1]]), *row[2:])
        for row in PublicIncidentActors.objects.values_list(
            "incident_id",
            "actor_set_id",
            "dataset",
            "start_date",
            "end_date",
            "country_id",
            "date_precision",
            "killed_low",
            "killed_best",
            "killed_high",
            "start_day",
            "end_day",
            "admin1_id",
            "event_type_id",
        )
    }
    key = ("start_date", "end_date", "country_id", "date_precision")
    kept_sets = {
        (tuple(sets[row[0]]), *row[1:6]): tuple(row[6:])
        for row in PublicActorSetMonth.objects.values_list(
            "actor_set_id", "dataset", *key, *MEASURES
        )
    }
    kept_actors = {
        tuple(row[:5]): tuple(row[5:])
        for row in PublicActorMonth.objects.values_list("actor_id", *key, *MEASURES)
    }
    found = [
        ("PublicIncidentActors", pk, kept_incidents.get(pk), by_incident.get(pk))
        for pk in sorted(set(kept_incidents) | set(by_incident))
        if kept_incidents.get(pk) != by_incident.get(pk)
    ]
    for name, kept, counted in (
        ("PublicActorSetMonth", kept_sets, by_set),
        ("PublicActorMonth", kept_actors, by_actor),
    ):
        counted = {
            k: (
                t.incidents,
                t.killed_low,
                t.killed_best,
                t.killed_high,
                t.incidents - t.unknown_toll,
            )
            for k, t in counted.items()
        }
        for k in sorted(set(kept) | set(counted), key=str):
            if kept.get(k) != counted.get(k):
                found.append((name, k, kept.get(k), counted.get(k)))
    return found


def rebuild():
    """Empty the count tables and count them again from the published incidents, in one
    transaction during which no incident can change (PostgreSQL). The tables are emptied with
    TRUNCATE there, as the actor counts' are: pages that read them wait for the commit (at a
    million incidents, the command took 18.5 s) rather than read the counts being replaced."""
    using = PublicIncidentDay.objects.db
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"LOCK TABLE {Incident._meta.db_table}, "
                    f"{Incident._meta.get_field('location').related_model._meta.db_table} "
                    "IN SHARE MODE"
                )
            recount_tables(cursor)
            if connection.vendor == "postgresql":
                rebuild_actor_counts(cursor)


def recount_tables(cursor):
    """Empty the count tables (TABLES) and fill them again from the published incidents:
    rebuild()'s way, and a bulk import's (importers/bulk.py), which switches the count triggers
    off while its rows go in. The days are counted from the incidents; the months from the
    days and the years from the months, the same sums over a few hundred thousand rows
    instead of a million incidents (at 1M, with the rows inserted in key order: 8.1 → 3.7 s)."""
    vendor = cursor.db.vendor
    if vendor == "postgresql":
        # The rows all go: no dead index entries for the new ones to step over.
        cursor.execute(f"TRUNCATE {', '.join(table._meta.db_table for table in TABLES)}")
    else:
        for table in TABLES:
            table.objects.all().delete()
    finer = None
    for table, unit in TABLES.items():
        select = recount(table) if finer is None else _recount_from(finer, unit, vendor)
        sql, params = select.order_by(*(f"{key}_key" for key in KEYS)).query.sql_with_params()
        cursor.execute(
            f"INSERT INTO {table._meta.db_table} ({', '.join(KEYS + MEASURES)}) {sql}", params
        )
        finer = table


def _recount_from(finer, unit, vendor):
    """recount()'s rows of the table of `unit` ("month", "year"), summed from the rows of the
    finer count table."""
    return (
        finer.objects.order_by()
        .values(
            start_date_key=unit_start("start_date", unit, vendor),
            end_date_key=unit_start("end_date", unit, vendor),
            **{
                f"{key}_key": Func(key, template="%(expressions)s")
                for key in KEYS
                if key not in ("start_date", "end_date")
            },
        )
        .annotate(**{f"{name}_total": Sum(name) for name in MEASURES})
    )


def next_data_version(cursor):
    """Move the public data version on, as the count and version triggers do when a
    published incident or part of one changes: for a bulk import, which switches those
    triggers off while its rows go in (importers/bulk.py), and after `migrate` (apps.py).
    `cursor` is a Django cursor; the next number is the triggers' own (migration 0021)."""
    number = (
        "nextval('incidents_public_data_version_seq')"
        if cursor.db.vendor == "postgresql"
        else "random()"
    )
    cursor.execute(
        f"INSERT INTO {PublicDataVersion._meta.db_table} (id, number) VALUES (1, {number}) "
        "ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number"
    )
