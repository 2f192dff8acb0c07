"""Period against period: incidents and killed in A and in B per region, country, event type or
actor, with the change and the % change.

Each incident counts in a period when its start date lies in it (the rule of the series); the
two periods may overlap, and an incident in both counts in both. One GROUP BY query (two for
actors) whatever the number of incidents, with the two periods as conditional aggregates.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from incidents import counts
from incidents.caching import remember
from incidents.models import IncidentActor, PublicActorMonth, PublicActorSetMonth
from incidents.totals import Totals, totals_aggregates

from .periods import Interval, period_end, period_start
from .series import (
    ACTOR_SERIES_SECONDS,
    OTHER_KEY,
    SPLIT_FIELDS,
    Split,
    first_role_of_each_actor,
    group_labels,
    public_key,
)

NEW = "new"


def latest_quarter_and_year_before(incidents):
    """The periods the compare page shows before any choice, {"a_from": [day], …}: B is the
    calendar quarter of the latest of `incidents`, A the same quarter a year earlier (its
    question: was Q3 2023 worse than Q3 2022?). Empty when there is no incident."""
    latest = incidents.order_by().aggregate(latest=Max("start_date"))["latest"]
    if latest is None:
        return {}
    b_from = period_start(latest, Interval.QUARTER)
    a_from = b_from.replace(year=b_from.year - 1)
    return {
        "a_from": [a_from],
        "a_to": [period_end(a_from, Interval.QUARTER)],
        "b_from": [b_from],
        "b_to": [period_end(b_from, Interval.QUARTER)],
    }


def percent_change(before, after):
    """(after − before) / before in %, one decimal; "new" when before is 0 and after is not (no
    division by zero); None when both are 0."""
    if before == 0:
        return NEW if after else None
    return round((after - before) * 100 / before, 1)


@dataclass
class ComparisonRow:
    key: object
    label: str
    a: Totals
    b: Totals
    # The incident-list parameter that selects the row (e.g. ("admin1", 7)), if there is one.
    list_parameter: tuple | None = None
    # The country of a region or country row ("" for types, actors, Other, the totals).
    country: str = ""

    @property
    def is_other(self):
        return self.key == OTHER_KEY

    @property
    def incidents_change(self):
        return self.b.incidents - self.a.incidents

    @property
    def killed_change(self):
        return self.b.killed_best - self.a.killed_best

    @property
    def incidents_pct_change(self):
        return percent_change(self.a.incidents, self.b.incidents)

    @property
    def killed_pct_change(self):
        return percent_change(self.a.killed_best, self.b.killed_best)


@dataclass
class Comparison:
    a_from: object
    a_to: object
    b_from: object
    b_to: object
    by: str
    rows: list
    # Every incident of the selection once per period (for actors, not the sum of the rows).
    totals: ComparisonRow
    top: int | None = None


def compare_periods(incidents, a_from, a_to, b_from, b_to, by=Split.ADMIN1, top=None):
    """Rows for every group with incidents in A or B, most incidents in B first (then A).

    With `top`, the groups with the most incidents in A and B together are kept and the rest
    summed into "Other" (for actors: the incidents in which none of the top actors took part).
    """
    by = Split(by)
    in_a = Q(start_date__gte=a_from, start_date__lte=a_to)
    in_b = Q(start_date__gte=b_from, start_date__lte=b_to)
    selected = incidents.order_by().filter(in_a | in_b)
    counted = counts.actor_selection(incidents) if by == Split.ACTOR else None
    searched = counts.searched_actors(incidents) if by == Split.ACTOR else None
    if counted is not None and all(
        counts.Selection(date_from=start, date_to=end).whole_months
        for start, end in ((a_from, a_to), (b_from, b_to))
    ):
        by_key, top_keys, totals, other, other_label = _counted_actors(counted, in_a, in_b, top)
    elif searched is not None:
        # A search: its matches' rows, one each, read once; remembered as the series' are.
        by_key, top_keys, totals, other, other_label = remember(
            ["searched-actor-comparison", searched.key, a_from, a_to, b_from, b_to, top],
            lambda: _searched_actors(searched, a_from, a_to, b_from, b_to, top),
            ACTOR_SERIES_SECONDS,
        )
    elif by == Split.ACTOR:
        pairs = first_role_of_each_actor().filter(incident__in=selected.values("pk"))
        by_key = _totals_by_key(pairs, "actor", in_a, in_b, incident="incident__")
        top_keys = _rank(by_key, top)
        aggregates = _aggregates(in_a, in_b)
        totals = _totals_in_a_and_b(selected.aggregate(**aggregates))
        # Without a top, "Other" is the incidents with no actor recorded at all.
        with_top = IncidentActor.objects.filter(incident=OuterRef("pk"))
        if top_keys is not None:
            with_top = with_top.filter(actor__in=top_keys)
        other = _totals_in_a_and_b(selected.exclude(Exists(with_top)).aggregate(**aggregates))
        other_label = (
            _("Other actors or none recorded") if top_keys is not None else _("No actor recorded")
        )
    else:
        by_key = _totals_by_key(selected, SPLIT_FIELDS[by], in_a, in_b)
        top_keys = _rank(by_key, top)
        totals, other = (Totals(), Totals()), (Totals(), Totals())
        for key, (a, b) in by_key.items():
            totals[0].add(a)
            totals[1].add(b)
            if top_keys is not None and key not in top_keys:
                other[0].add(a)
                other[1].add(b)
        other_label = pgettext("the groups beyond the top ones", "Other")

    keys = list(by_key) if top_keys is None else top_keys
    labels, parameters, countries = group_labels(by, keys)
    rows = [
        ComparisonRow(
            public_key(by, key, parameters),
            labels.get(key, str(key)),
            *by_key[key],
            list_parameter=parameters.get(key),
            country=countries.get(key, ""),
        )
        for key in keys
    ]
    rows.sort(key=lambda row: (-row.b.incidents, -row.a.incidents, row.label))
    if other[0].incidents or other[1].incidents:
        rows.append(ComparisonRow(OTHER_KEY, other_label, *other))
    return Comparison(
        a_from,
        a_to,
        b_from,
        b_to,
        by,
        rows,
        totals=ComparisonRow("total", _("All incidents"), *totals),
        top=top,
    )


def _counted_actors(selection, in_a, in_b, top):
    """compare_periods' actor rows, top keys, totals, Other and its label from the count
    tables (see Selection.counts_actors; A and B are whole months, which the tables' first
    days of months compare with as the incidents' days would): the actors from the actor
    counts; the totals and Other from one query over the counts per role set."""
    aggregates = {
        **counts.totals_aggregates("a_", condition=in_a),
        **counts.totals_aggregates("b_", condition=in_b),
    }
    actor_rows = selection.actor_rows(PublicActorMonth).filter(in_a | in_b)
    by_key = {
        row["actor_id"]: _totals_in_a_and_b(row)
        for row in actor_rows.values("actor_id").annotate(**aggregates)
    }
    top_keys = _rank(by_key, top)
    # Without a top, "Other" is the incidents with no actor recorded at all.
    other = counts.without_actors(top_keys)
    row = (
        selection.actor_rows(PublicActorSetMonth)
        .filter(in_a | in_b)
        .aggregate(
            **aggregates,
            **counts.totals_aggregates("other_a_", condition=other & in_a),
            **counts.totals_aggregates("other_b_", condition=other & in_b),
        )
    )
    other_label = _("No actor recorded") if top_keys is None else _("Other actors or none recorded")
    totals = _totals_in_a_and_b(row)
    other_totals = (Totals.from_row(row, "other_a_"), Totals.from_row(row, "other_b_"))
    return by_key, top_keys, totals, other_totals, other_label


def _searched_actors(searched, a_from, a_to, b_from, b_to, top):
    """compare_periods' actor rows, top keys, totals, Other and its label for a search
    (counts.SearchedActors): its matches in A or B grouped by role set (the named actors'
    from the counts per role set when they hold the selection and A and B are whole months),
    each set's sums added, in Python, to each of its actors (once), to the totals, and to
    Other when it holds none of the top actors (without a top: no actor at all). The matches
    joined to their roles, then counted again for the totals and Other, were three passes
    over them (q=JNIM, two third quarters: 0.5 s at a million incidents)."""
    periods = ((a_from, a_to), (b_from, b_to))
    by_day = [Q(start_day__gte=start, start_day__lte=end) for start, end in periods]
    sources = [(searched.others, by_day, _aggregates(*by_day))]
    named = searched.named
    whole_months = all(
        counts.Selection(date_from=start, date_to=end).whole_months for start, end in periods
    )
    if named and named.selection.counts_actors and whole_months:
        # The tables' first days of months compare with whole months as the days would.
        by_month = [Q(start_date__gte=start, start_date__lte=end) for start, end in periods]
        aggregates = {
            **counts.totals_aggregates("a_", condition=by_month[0]),
            **counts.totals_aggregates("b_", condition=by_month[1]),
        }
        sources.append((searched.named_rows(by_month=True), by_month, aggregates))
    elif named:
        sources.append((searched.named_rows(by_month=False), by_day, _aggregates(*by_day)))
    by_set = defaultdict(lambda: (Totals(), Totals()))
    for rows, (in_a, in_b), aggregates in sources:
        for row in rows.filter(in_a | in_b).values("actor_set_id").annotate(**aggregates):
            a, b = _totals_in_a_and_b(row)
            by_set[row["actor_set_id"]][0].add(a)
            by_set[row["actor_set_id"]][1].add(b)
    actors_of_set = counts.actors_of_sets(by_set)
    by_key = defaultdict(lambda: (Totals(), Totals()))
    totals = (Totals(), Totals())
    for set_id, (a, b) in by_set.items():
        totals[0].add(a)
        totals[1].add(b)
        for actor_id in actors_of_set[set_id]:
            by_key[actor_id][0].add(a)
            by_key[actor_id][1].add(b)
    top_keys = _rank(by_key, top)
    other = (Totals(), Totals())
    for set_id, (a, b) in by_set.items():
        actors = actors_of_set[set_id]
        if not actors or (top_keys is not None and not set(actors) & set(top_keys)):
            other[0].add(a)
            other[1].add(b)
    other_label = _("No actor recorded") if top_keys is None else _("Other actors or none recorded")
    return dict(by_key), top_keys, totals, other, other_label


def _aggregates(in_a, in_b, incident=""):
    if incident:
        in_a, in_b = _prefixed(in_a, incident), _prefixed(in_b, incident)
    return {
        **totals_aggregates("a_", condition=in_a, incident=incident),
        **totals_aggregates("b_", condition=in_b, incident=incident),
    }


def _prefixed(condition, prefix):
    """The same Q with every lookup seen from a related model (start_date → incident__…)."""
    return Q(*[(prefix + lookup, value) for lookup, value in condition.children])


def _totals_in_a_and_b(row):
    return Totals.from_row(row, "a_"), Totals.from_row(row, "b_")


def _totals_by_key(queryset, key_field, in_a, in_b, incident=""):
    """{key: (Totals in A, Totals in B)} from one GROUP BY key query."""
    rows = queryset.values(key=F(key_field)).annotate(**_aggregates(in_a, in_b, incident))
    return {row["key"]: _totals_in_a_and_b(row) for row in rows}


def _rank(by_key, top):
    """The `top` keys with most incidents in A and B together (ties: smaller key), or None."""
    if top is None:
        return None
    ranked = sorted(
        by_key,
        key=lambda key: (-(by_key[key][0].incidents + by_key[key][1].incidents), str(key)),
    )
    return ranked[:top]
