"""The queries behind "compare over time": incidents and killed per calendar period.

`build_series` takes incidents already selected (`IncidentFilterSet(...).qs` over
`Incident.objects.public()`) and answers, in one or two GROUP BY queries whatever the number
of incidents, how many there were in each week, month, quarter or year and how many people
they killed (the sums of their low, best and high estimates), optionally split into the top N
regions, countries, event types or actors plus "Other".

The rules, which the pages state in a sentence (see RULES):
- an incident counts once, in the period of its start date (periods in UTC, ISO weeks);
- periods without incidents are zeros, from the first to the last period of the range;
- an incident whose date is known less precisely than the interval (only to the month for
  weekly series, only to the year for monthly and quarterly ones) is counted apart, never
  guessed into a period;
- an incident whose toll is unknown adds nothing to the killed sums and is counted in
  `unknown_toll`;
- with split=actor an incident counts once for each top actor that took part in it (in any
  role), so groups overlap; "Other" holds the incidents in which none of the top actors took
  part (including those with no recorded actor), and the totals count each incident once.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import NullIf, Trunc
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from incidents import counts
from incidents.caching import remember
from incidents.formatting import format_count
from incidents.models import (
    Actor,
    ActorSet,
    AdminArea,
    Country,
    EventType,
    IncidentActor,
    PublicActorMonth,
    PublicActorSetMonth,
)
from incidents.models.actor_counts import actor_and_sides, role_codes
from incidents.totals import Totals, sum_totals, totals_aggregates

from .periods import (
    Interval,
    coarsest_placeable_precision,
    count_periods,
    period_end,
    period_key,
    period_label,
    periods_between,
)

# Beyond this a chart is a smear and a table unreadable: 2,500 weeks is 48 years.
MAX_PERIODS = 2_500


class Split(models.TextChoices):
    ADMIN1 = "admin1", gettext_lazy("Region")
    COUNTRY = "country", gettext_lazy("Country")
    EVENT_TYPE = "event_type", gettext_lazy("Event type")
    ACTOR = "actor", gettext_lazy("Actor")


class Measure(models.TextChoices):
    INCIDENTS = "incidents", gettext_lazy("Incidents")
    KILLED = "killed", gettext_lazy("Killed (best estimate)")


# The incident column each split groups by, relative to Incident.
SPLIT_FIELDS = {
    Split.ADMIN1: "location__admin1",
    Split.COUNTRY: "location__country",
    Split.EVENT_TYPE: "event_type",
    Split.ACTOR: "incident_actors__actor",
}

OTHER_KEY = "other"


def period_expression(interval, vendor, incident="", start="start_date"):
    """The first day of the incident's period, or NULL when its date is too imprecise to be
    placed in one. `start` names the start day's column where it is not start_date."""
    start = period_start_sql(f"{incident}{start}", interval, vendor)
    if Interval(interval) == Interval.YEAR:
        return start
    return Case(
        When(
            **{f"{incident}date_precision__gt": coarsest_placeable_precision(interval)},
            then=Value(None, output_field=DateField()),
        ),
        default=start,
        output_field=DateField(),
    )


class MondayOfWeek(Func):
    """The Monday of a date's ISO week, on PostgreSQL, in integer arithmetic: the days since
    Monday 1 January of the year 1 (a date minus a date is a number of days), modulo 7, are
    the days since the week's Monday. The same day as DATE_TRUNC('week') for every date of the
    years 1 to 9999 (compared on all of them), without its two casts per row: a weekly split
    of a million incidents by actor grouped 0.1–0.2 s faster."""

    # %%%% is one % once Func and then the database driver have formatted the SQL.
    template = "%(expressions)s - (%(expressions)s - DATE '0001-01-01') %%%% 7"
    output_field = DateField()


def period_start_sql(field, interval, vendor):
    """date_trunc of a date column (weeks: MondayOfWeek on PostgreSQL). On PostgreSQL,
    date_trunc(text, date) casts the date to a timestamp with time zone, and that time-zone
    arithmetic on every row cost a fifth of the monthly series of a million incidents; a plain
    timestamp truncates to the same day."""
    interval = Interval(interval)
    if vendor == "postgresql" and interval == Interval.WEEK:
        return MondayOfWeek(F(field))
    if vendor == "postgresql":
        return Func(
            F(field),
            template=f"DATE_TRUNC('{interval.value}', %(expressions)s::timestamp)::date",
            output_field=DateField(),
        )
    return Trunc(field, interval.value, output_field=DateField())


@dataclass
class Period:
    start: object
    end: object
    label: str
    key: str
    # The range's first or last day falls inside the period: only part of it is counted.
    partial: bool = False


@dataclass
class Group:
    """One line of a split series (a region, a country, an event type, an actor or Other)."""

    key: object
    label: str
    # Per period.
    totals: list
    unplaced: Totals = field(default_factory=Totals)
    began_before_range: Totals = field(default_factory=Totals)
    # The incident-list parameter that selects the group (e.g. ("admin1", 7)), if there is one.
    list_parameter: tuple | None = None
    # Per period, the trailing means if the series has a rolling window (see with_rolling).
    means: list = field(default_factory=list)
    # The country of a region or place group ("" for types, actors, Other): CSV's country.
    country: str = ""

    @property
    def is_other(self):
        return self.key == OTHER_KEY


@dataclass
class Series:
    interval: str
    periods: list
    # Per period, every incident counted once.
    totals: list
    groups: list = field(default_factory=list)
    split: str | None = None
    top: int | None = None
    measure: str = Measure.INCIDENTS
    first_day: object = None
    last_day: object = None
    # Incidents whose date is too imprecise for the interval (see module docstring).
    unplaced: Totals = field(default_factory=Totals)
    # Incidents the filter selects because they lasted into date_from, but which began in an
    # earlier period: they count where they began, outside the range.
    began_before_range: Totals = field(default_factory=Totals)
    # The rolling average's window in periods, and per period the trailing means of the totals.
    rolling: int | None = None
    means: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.periods

    @property
    def grand_total(self):
        return sum_totals(self.totals)

    @property
    def last_period(self):
        return self.periods[-1] if self.periods else None

    @property
    def starts(self):
        return [period.start for period in self.periods]

    @property
    def coarsest_placeable_precision(self):
        return coarsest_placeable_precision(self.interval)

    def with_rolling(self, window):
        """The series with the trailing means over `window` periods of its totals and of each
        group's, which its charts, tables and downloads show beside the counts."""
        self.rolling = window
        self.means = trailing_means(self.totals, window) if window else []
        for group in self.groups:
            group.means = trailing_means(group.totals, window) if window else []
        return self


def validate_period_count(first_day, last_day, interval):
    # A week or month at either end of the calendar would start or end outside it (Python's
    # dates run from year 1 to 9999).
    if first_day.year < 2 or last_day.year > 9998:
        raise ValidationError(
            _("Periods can be counted between the years 2 and 9998 only."),
            code="date_out_of_range",
        )
    periods = count_periods(first_day, last_day, interval)
    if periods > MAX_PERIODS:
        raise ValidationError(
            _(
                "That is %(periods)s periods, more than a chart can show (at most %(max)s): "
                "choose a longer interval or a shorter date range."
            )
            % {
                "periods": format_count(periods),
                "max": format_count(MAX_PERIODS),
            },
            code="too_many_periods",
        )


# How long a split by actor's sums are remembered, at most: they hold ids, days and numbers, no
# names, so the version alone decides when they are out of date.
ACTOR_SERIES_SECONDS = 3600


def build_series(
    incidents,
    interval=Interval.MONTH,
    split=None,
    top=5,
    measure=Measure.INCIDENTS,
    date_from=None,
    date_to=None,
    rolling=None,
):
    """Incidents and killed per period for the selected incidents, with their trailing means
    over `rolling` periods if asked.

    `incidents` is a filtered queryset of public incidents; `date_from` and `date_to` are the
    filter's dates, which set the range (otherwise the data's first and last dates do).
    Raises ValidationError when the range holds more than MAX_PERIODS periods.
    """
    interval = Interval(interval)
    _check_range(date_from, date_to, interval)
    incidents = incidents.order_by()
    vendor = connections[incidents.db].vendor
    counted = incidents.count_selection
    if split == Split.ACTOR:
        selection = counts.incident_actors_selection(incidents)
        searched = counts.searched_actors(incidents)
        if selection is not None and selection.counts_actors and interval != Interval.WEEK:
            # Whole months: the actor counts hold them (some ten thousand rows, where the
            # roles are two million at a million incidents).
            rows_by_key, totals_rows, other_rows = _counted_actor_rows(
                selection, interval, top, measure, vendor
            )
        elif selection is not None:
            # Weeks, days, regions, event types: one narrow row per incident, up to a million
            # read and summed (0.15 s for a weekly split of all of them), so the sums are
            # remembered under the public data version, as the facets are: exact, and gone
            # with the next publication or retraction.
            rows_by_key, totals_rows, other_rows = remember(
                ["actor-series", selection.key, interval.value, top, Measure(measure).value],
                lambda: _incident_actor_rows(selection, interval, top, measure, vendor),
                ACTOR_SERIES_SECONDS,
            )
        elif searched is not None:
            # A search: its named actor's incidents from the actor counts, its other matches
            # from the search entries (0.2-0.3 s for q=JNIM at a million incidents, most of it
            # looking for the word), so the sums are remembered as a weekly split's are.
            key = ["searched-actor-series", searched.key, interval.value, top, Measure(measure)]
            rows_by_key, totals_rows, other_rows = remember(
                key,
                lambda: _searched_actor_rows(searched, interval, top, measure, vendor),
                ACTOR_SERIES_SECONDS,
            )
        else:
            rows_by_key, totals_rows, other_rows = _actor_rows(
                incidents, interval, top, measure, vendor
            )
    elif counted is not None:
        # The count tables hold the selection: a few thousand rows instead of its incidents.
        rows_by_key, totals_rows, other_rows = _counted_rows(counted, interval, split, vendor)
    elif split:
        rows_by_key = _rows_by_key(incidents, interval, vendor, SPLIT_FIELDS[Split(split)])
        totals_rows, other_rows = _sum_over_keys(rows_by_key), None
    else:
        rows = incidents.values(period=period_expression(interval, vendor))
        totals_rows = _rows_by_period(rows.annotate(**totals_aggregates()))
    series = _series_over_range(interval, totals_rows, date_from, date_to)
    series.split, series.top, series.measure = split, top, measure
    if split and series.periods:
        series.groups = _top_groups(split, rows_by_key, other_rows, series.starts, top, measure)
    return series.with_rolling(rolling)


def build_place_series(
    incidents, places, interval=Interval.MONTH, date_from=None, date_to=None, rolling=None
):
    """One group per place (see forms.Place), in the order given, from one query.

    Places may overlap (a region and one of its districts): each is counted on its own, with a
    conditional aggregate, and the totals count each incident of any of the places once.
    """
    interval = Interval(interval)
    _check_range(date_from, date_to, interval)
    in_any_place = Q()
    aggregates = totals_aggregates()
    for index, place in enumerate(places):
        in_any_place |= place.condition
        aggregates.update(totals_aggregates(prefix=f"place{index}_", condition=place.condition))
    rows = list(
        incidents.order_by()
        .filter(in_any_place)
        .values(period=period_expression(interval, connections[incidents.db].vendor))
        .annotate(**aggregates)
    )
    series = _series_over_range(interval, _rows_by_period(rows), date_from, date_to, split="place")
    if series.periods:
        series.groups = [
            _group(
                place.key,
                place.label,
                {
                    as_day(row["period"]): Totals.from_row(row, prefix=f"place{index}_")
                    for row in rows
                },
                series.starts,
                place.list_parameter,
                place.country,
            )
            for index, place in enumerate(places)
        ]
    return series.with_rolling(rolling)


def _check_range(date_from, date_to, interval):
    if date_from and date_to:
        validate_period_count(date_from, date_to, interval)


def _series_over_range(interval, totals_rows, date_from, date_to, split=None):
    """A Series over the range: the filter's dates, or else the data's first and last."""
    placed = [start for start in totals_rows if start is not None]
    first_day = date_from or (min(placed) if placed else None)
    last_day = date_to or (period_end(max(placed), interval) if placed else None)
    if first_day is None or last_day is None or first_day > last_day:
        return Series(interval, [], [], split=split, unplaced=totals_rows.get(None, Totals()))
    validate_period_count(first_day, last_day, interval)
    starts = periods_between(first_day, last_day, interval)
    periods = [
        Period(
            start=start,
            end=period_end(start, interval),
            label=period_label(start, interval),
            key=period_key(start, interval),
            partial=start < first_day or period_end(start, interval) > last_day,
        )
        for start in starts
    ]
    return Series(
        interval,
        periods,
        totals=[totals_rows.get(start, Totals()) for start in starts],
        split=split,
        first_day=first_day,
        last_day=last_day,
        unplaced=totals_rows.get(None, Totals()),
        began_before_range=_before(totals_rows, starts[0]),
    )


def as_day(period):
    """A period's first day as a date: inside CASE, PostgreSQL's date_trunc gives a timestamp
    (midnight UTC, the connection's time zone) that Django does not convert back."""
    return period.date() if isinstance(period, datetime.datetime) else period


def _rows_by_period(rows):
    """{period start (None: unplaced): Totals} from rows with a `period` column."""
    return {as_day(row["period"]): Totals.from_row(row) for row in rows}


def _rows_by_key(incidents, interval, vendor, key_field, incident="", aggregates=None):
    """{key: {period start: Totals}} from one GROUP BY (period, key) query. `key_field` is a
    field path or an expression; `aggregates` are totals_aggregates() unless given."""
    period = period_expression(interval, vendor, incident)
    key = F(key_field) if isinstance(key_field, str) else key_field
    rows = incidents.values(period=period, key=key)
    rows_by_key = defaultdict(dict)
    aggregates = totals_aggregates(incident=incident) if aggregates is None else aggregates
    for row in rows.annotate(**aggregates):
        rows_by_key[row["key"]][as_day(row["period"])] = Totals.from_row(row)
    return rows_by_key


# The count tables' column for each split they can answer (incidents/counts.py); a place
# without a region is region 0 there, None everywhere else.
COUNTED_SPLIT_FIELDS = {
    Split.ADMIN1: NullIf("admin1_id", Value(counts.NO_REGION)),
    Split.COUNTRY: "country_id",
    Split.EVENT_TYPE: "event_type_id",
}


def _counted_rows(selection, interval, split, vendor):
    """build_series' rows_by_key, totals and Other rows from the count tables: weeks from the
    day table, months and quarters from the month table (or days: see Selection.rows), years
    from the year table."""
    unit = {Interval.WEEK: "day", Interval.YEAR: "year"}.get(Interval(interval), "month")
    rows = selection.rows(unit)
    aggregates = counts.totals_aggregates()
    if split:
        rows_by_key = _rows_by_key(
            rows, interval, vendor, COUNTED_SPLIT_FIELDS[Split(split)], aggregates=aggregates
        )
        return rows_by_key, _sum_over_keys(rows_by_key), None
    period = period_expression(interval, vendor)
    return None, _rows_by_period(rows.values(period=period).annotate(**aggregates)), None


def _sum_over_keys(rows_by_key):
    totals = defaultdict(Totals)
    for by_period in rows_by_key.values():
        for start, tally in by_period.items():
            totals[start].add(tally)
    return dict(totals)


def _before(rows, first_start):
    return sum_totals(
        totals for start, totals in rows.items() if start is not None and start < first_start
    )


def first_role_of_each_actor():
    """IncidentActor rows, one per (incident, actor): an actor that is both perpetrator and
    perpetrator's associate in one incident must not count that incident twice."""
    return IncidentActor.objects.filter(
        ~Exists(
            IncidentActor.objects.filter(
                incident=OuterRef("incident"), actor=OuterRef("actor"), pk__lt=OuterRef("pk")
            )
        )
    )


def _actor_rows(incidents, interval, top, measure, vendor):
    """Per actor, the incidents it took part in (one query over the actors' roles); every
    incident once per period (the totals); and the incidents in which none of the top actors
    took part ("Other"). The last is an anti-join (NOT EXISTS in WHERE): a per-row EXISTS in
    the SELECT took three times as long at a million incidents."""
    rows_by_key = _rows_by_key(
        first_role_of_each_actor().filter(incident__in=incidents.values("pk")),
        interval,
        vendor,
        "actor",
        incident="incident__",
    )
    top_keys = _rank(rows_by_key, top, measure)
    period = period_expression(interval, vendor)
    totals = _rows_by_period(incidents.values(period=period).annotate(**totals_aggregates()))
    with_top = IncidentActor.objects.filter(incident=OuterRef("pk"), actor__in=top_keys)
    other = _rows_by_period(
        incidents.exclude(Exists(with_top)).values(period=period).annotate(**totals_aggregates())
    )
    return rows_by_key, totals, other


def _counted_actor_rows(selection, interval, top, measure, vendor):
    """_actor_rows' answer from the count tables (see Selection.counts_actors): the actors'
    rows from the actor counts; the totals and Other from one query over the counts per role
    set, each incident once there, Other summing the sets that hold none of the top actors."""
    aggregates = counts.totals_aggregates()
    actor_rows = selection.actor_rows(PublicActorMonth)
    # The ranking needs each actor's whole selection only, and the groups the top actors'
    # periods only: per period, every actor's rows were tens of thousands of Totals.
    whole_selection = {
        row["actor_id"]: {"all": Totals.from_row(row)}
        for row in actor_rows.values("actor_id").annotate(**aggregates)
    }
    top_keys = _rank(whole_selection, top, measure)
    rows_by_key = _rows_by_key(
        actor_rows.filter(actor_id__in=top_keys),
        interval,
        vendor,
        "actor_id",
        aggregates=aggregates,
    )
    # Each period's rows summed in two groups, the sets that hold none of the top actors
    # (Other) and the rest, added up in Python: one look-up of a row's set, where a FILTER per
    # measure looked it up five times (215 of the query's 221 ms for the monthly split at a
    # million incidents).
    without_top = counts.without_actors(top_keys)
    other = (
        ExpressionWrapper(without_top, output_field=BooleanField())
        if without_top
        else Value(True)  # no top actors: every incident is Other
    )
    rows = (
        selection.actor_rows(PublicActorSetMonth)
        .values(period=period_expression(interval, vendor), other=other)
        .annotate(**aggregates)
    )
    totals, other_rows = defaultdict(Totals), defaultdict(Totals)
    for row in rows:
        start, tally = as_day(row["period"]), Totals.from_row(row)
        totals[start].add(tally)
        other_rows[start].add(tally if row["other"] else Totals())
    return rows_by_key, dict(totals), dict(other_rows)


def _incident_actor_rows(selection, interval, top, measure, vendor):
    """_actor_rows' answer from PublicIncidentActors (one row per incident with its role set):
    the actors ranked (_actors_whole_selection); then one GROUP BY period and which of the top
    actors took part (a bit per actor: whether the row's set is one of those that hold it),
    whose rows add up, in Python, to the totals, each top actor's periods and Other (no bit).
    Where the roles were read (2.1 million at a million incidents: 3 s for a weekly split),
    this reads one narrow row per incident; a FILTER per top actor and measure instead of the
    bits tested every row's set 35 times (1.6 s)."""
    top_keys = _rank(_actors_whole_selection(selection), top, measure)
    period = period_expression(interval, vendor, start="start_day")
    rows = selection.incident_actors().values(period=period, top_actors=_top_actor_bits(top_keys))
    rows_by_key, totals, other_rows = defaultdict(dict), defaultdict(Totals), defaultdict(Totals)
    for row in rows.annotate(**totals_aggregates()):
        _add_by_bits(row, top_keys, rows_by_key, totals, other_rows)
    return rows_by_key, dict(totals), dict(other_rows)


def _top_actor_bits(top_keys):
    """The expression, on rows with an actor_set_id, of which of `top_keys` (actor ids) their
    role set holds: bit i for top_keys[i]. Each set's bits are read once from the sets that
    hold any of the actors and passed as one array indexed by set id (0 beyond its end: a set
    that holds none), whose element PostgreSQL reads in one step per row. A test per top actor
    of whether the row's set is among its sets (a constant array each, hashed) took 0.1–0.2 s
    longer at a million incidents. The array goes as its text ('{0,2,16,…}'): psycopg adapts
    a list element by element (15 ms for the 8,600 sets of a million incidents, 1.5 ms as
    text). The set ids stay dense: a set gets one when first seen (0029)."""
    bits_of_set = defaultdict(int)
    codes = [code for actor_id in top_keys for code in role_codes(actor_id)]
    for set_id, roles in ActorSet.objects.filter(roles__overlap=codes).values_list("pk", "roles"):
        for code in roles:
            actor_id = actor_and_sides(code)[0]
            if actor_id in top_keys:
                bits_of_set[set_id] |= 1 << top_keys.index(actor_id)
    last_set_id = max(bits_of_set, default=0)
    bits_by_set_id = ",".join(str(bits_of_set[set_id]) for set_id in range(1, last_set_id + 1))
    return RawSQL(
        "COALESCE((%s::integer[])[actor_set_id], 0)", ("{" + bits_by_set_id + "}",), IntegerField()
    )


def _add_by_bits(row, top_keys, rows_by_key, totals, other_rows):
    """Add a row grouped by period and top actors (_top_actor_bits) to the totals, to each of
    its top actors' periods, or to Other when it has none."""
    start, tally = as_day(row["period"]), Totals.from_row(row)
    totals[start].add(tally)
    if not row["top_actors"]:
        other_rows[start].add(tally)
    for bit, actor_id in enumerate(top_keys):
        if row["top_actors"] & (1 << bit):
            rows_by_key[actor_id].setdefault(start, Totals()).add(tally)


def _searched_actor_rows(searched, interval, top, measure, vendor):
    """_actor_rows' answer for a search (counts.SearchedActors). Its other matches are read
    once, grouped by period and role set. The incidents of the actors its text names are read
    twice, from the counts per role set (by month) or their own rows: grouped by role set, for
    the ranking, then by period and which of the top actors they hold (_top_actor_bits), as a
    weekly split's are; a few hundred rows each, where by period and set they were 18,700 for
    q=JNIM by month (0.2 s of the page, read and added up). Each set's sums go to each of its
    actors once; Other holds the sets with none of the top actors."""
    named = _named_source(searched, interval)
    others = [
        (as_day(row["period"]), row["actor_set_id"], Totals.from_row(row))
        for row in searched.others.values(
            "actor_set_id", period=period_expression(interval, vendor, start="start_day")
        ).annotate(**totals_aggregates())
    ]
    by_set = defaultdict(Totals)
    for _start, set_id, tally in others:
        by_set[set_id].add(tally)
    if named is not None:
        rows, _start, aggregates = named
        for row in rows.values("actor_set_id").annotate(**aggregates):
            by_set[row["actor_set_id"]].add(Totals.from_row(row))
    actors_of_set = counts.actors_of_sets(by_set)
    by_actor = defaultdict(Totals)
    for set_id, tally in by_set.items():
        for actor_id in actors_of_set[set_id]:
            by_actor[actor_id].add(tally)
    top_keys = _rank(
        {actor_id: {"all": tally} for actor_id, tally in by_actor.items()}, top, measure
    )
    rows_by_key, totals, other_rows = defaultdict(dict), defaultdict(Totals), defaultdict(Totals)
    for start, set_id, tally in others:
        totals[start].add(tally)
        top_actors = [actor_id for actor_id in actors_of_set[set_id] if actor_id in top_keys]
        if not top_actors:
            other_rows[start].add(tally)
        for actor_id in top_actors:
            rows_by_key[actor_id].setdefault(start, Totals()).add(tally)
    if named is not None:
        rows, start, aggregates = named
        period = period_expression(interval, vendor, start=start)
        rows = rows.values(period=period, top_actors=_top_actor_bits(top_keys))
        for row in rows.annotate(**aggregates):
            _add_by_bits(row, top_keys, rows_by_key, totals, other_rows)
    return dict(rows_by_key), dict(totals), dict(other_rows)


def _named_source(searched, interval):
    """(rows, their start day's column, their aggregates) of the incidents of the actors a
    search names (counts.SearchedActors.named): the counts per role set by month when they hold
    the selection and the interval is whole months, else the incidents' own rows; None when
    the search names no actor."""
    named = searched.named
    if named is None:
        return None
    if named.selection.counts_actors and interval != Interval.WEEK:
        return searched.named_rows(by_month=True), "start_date", counts.totals_aggregates()
    return searched.named_rows(by_month=False), "start_day", totals_aggregates()


def _actors_whole_selection(selection):
    """{actor id: {"all": Totals}} of every actor in the selection's incidents, as _rank
    reads them: from the actor counts by month when they hold the selection (a weekly split),
    else from PublicIncidentActors' incidents per role set, each set's added to its actors."""
    aggregates = counts.totals_aggregates()
    if selection.counts_actors:
        rows = selection.actor_rows(PublicActorMonth).values("actor_id").annotate(**aggregates)
        return {row["actor_id"]: {"all": Totals.from_row(row)} for row in rows}
    rows = selection.incident_actors().values("actor_set_id").annotate(**totals_aggregates())
    per_set = {row["actor_set_id"]: Totals.from_row(row) for row in rows}
    by_actor = defaultdict(Totals)
    for set_id, roles in ActorSet.objects.filter(pk__in=per_set).values_list("pk", "roles"):
        for code in roles:
            by_actor[actor_and_sides(code)[0]].add(per_set[set_id])
    return {actor_id: {"all": tally} for actor_id, tally in by_actor.items()}


def _rank(rows_by_key, top, measure):
    """The keys of the `top` largest groups by the measure over all their incidents; ties go
    to the smaller key, so that the choice does not change from one request to the next."""
    sums = {
        key: sum(measure_of(totals, measure) for totals in by_period.values())
        for key, by_period in rows_by_key.items()
    }
    ranked = sorted(sums, key=lambda key: (-sums[key], key is None, str(key)))
    return ranked[:top]


def measure_of(totals, measure):
    return totals.killed_best if measure == Measure.KILLED else totals.incidents


def _top_groups(split, rows_by_key, other_rows, starts, top, measure):
    """The top groups (largest first) and "Other", each with a Totals per period."""
    split = Split(split)
    top_keys = _rank(rows_by_key, top, measure)
    labels, parameters, countries = group_labels(split, top_keys)
    groups = [
        _group(
            public_key(split, key, parameters),
            labels.get(key, str(key)),
            rows_by_key[key],
            starts,
            parameters.get(key),
            countries.get(key, ""),
        )
        for key in top_keys
    ]
    if other_rows is None:  # single-valued keys: Other is everything else
        other_rows = _sum_over_keys(
            {key: rows for key, rows in rows_by_key.items() if key not in top_keys}
        )
    if any(tally.incidents for tally in other_rows.values()):
        if split == Split.ACTOR:
            other_label = _("Other actors or none recorded")
        else:
            other_label = pgettext("the groups beyond the top ones", "Other")
        groups.append(_group(OTHER_KEY, other_label, other_rows, starts, None))
    return groups


def _group(key, label, rows, starts, list_parameter, country=""):
    return Group(
        key=key,
        label=label,
        totals=[rows.get(start, Totals()) for start in starts],
        unplaced=rows.get(None, Totals()),
        began_before_range=_before(rows, starts[0]),
        list_parameter=list_parameter,
        country=country,
    )


def group_labels(split, keys):
    """{key: label}, {key: (incident-list parameter, value)} and {key: country name} for a
    split's keys, names in the reader's language ("Batailles", "Tchad"): one query.

    Keys are ids (regions, countries, actors) or codes (event types). A region without a name
    in the selection (a place known only to its country) is None: "No region recorded".
    """
    split = Split(split)
    labels, parameters, countries = {}, {}, {}
    if split == Split.ADMIN1:
        areas = AdminArea.objects.filter(pk__in=[key for key in keys if key is not None])
        for pk, label, country in areas.labelled():
            labels[pk] = label
            parameters[pk] = ("admin1", pk)
            countries[pk] = country
        labels[None] = _("No region recorded")
    elif split == Split.COUNTRY:
        for country in Country.objects.filter(pk__in=keys):
            labels[country.pk] = country.label
            parameters[country.pk] = ("country", country.iso3)
            countries[country.pk] = country.label
    elif split == Split.EVENT_TYPE:
        for event_type in EventType.objects.filter(pk__in=keys):
            labels[event_type.pk] = event_type.label
            parameters[event_type.pk] = ("event_type", event_type.pk)
    else:
        for actor in Actor.objects.filter(pk__in=keys):
            labels[actor.pk] = actor.name
            parameters[actor.pk] = ("actor", actor.pk)
    return labels, parameters, countries


def public_key(split, key, parameters):
    """A group's key as JSON and CSV give it: the ISO3 code for a country, else the id/code."""
    if split == Split.COUNTRY and key in parameters:
        return parameters[key][1]
    return key


def rolling_means(values, window):
    """Trailing means over `window` periods; None until there are `window` values."""
    means = []
    for index in range(len(values)):
        if index + 1 < window:
            means.append(None)
        else:
            means.append(round(sum(values[index + 1 - window : index + 1]) / window, 2))
    return means


MEAN_FIELDS = ("incidents", "killed_low", "killed_best", "killed_high")


def trailing_means(totals, window):
    """Per period, the trailing means over `window` periods of incidents and killed, as Totals
    of numbers rounded to two decimals (toll unknown left at 0); None until there are `window`
    periods."""
    columns = [rolling_means([getattr(t, name) for t in totals], window) for name in MEAN_FIELDS]
    return [None if means[0] is None else Totals(*means) for means in zip(*columns, strict=True)]


def counting_rules(interval, split=None):
    """The rules the numbers follow, in sentences: the pages, the JSON and the CSV say them."""
    interval = Interval(interval)
    rules = [
        _(
            "Periods are calendar periods in UTC; weeks are ISO weeks (Monday to Sunday, "
            "numbered by their ISO year); quarters are Q1–Q4."
        ),
        _(
            "An incident counts once, in the period of its start date; periods without "
            "incidents count as zero."
        ),
        _(
            "Killed is the sum of the incidents' best estimates, with the sums of their low "
            "and high estimates as the band; an incident whose toll is unknown adds nothing to "
            "them and is counted as “toll unknown”."
        ),
        _("Drafts, incidents in review and retracted incidents never count."),
    ]
    if interval == Interval.WEEK:
        rules.append(
            _(
                "Incidents known only to the month or the year cannot be placed in a week: they "
                "are counted apart, not guessed. Incidents dated to within 2–6 days or to a "
                "known week count in the week of their start date."
            )
        )
    elif interval in (Interval.MONTH, Interval.QUARTER):
        rules.append(
            _(
                "Incidents known only to the year cannot be placed in a %(interval)s: they are "
                "counted apart, not guessed."
            )
            % {"interval": interval.label.lower()}
        )
    if split == Split.ACTOR:
        rules.append(
            _(
                "Split by actor, an incident counts once for each top actor that took part in "
                "it, in any role, so the lines overlap; “Other” holds the incidents in which "
                "none of the top actors took part (or no actor is recorded), and the totals "
                "count each incident once."
            )
        )
    return rules
