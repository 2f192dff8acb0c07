"""How many incidents and how many killed: the one set of totals every page, chart, table,
download and API answer counts, and the one set of aggregates that computes it."""

from dataclasses import dataclass

from django.db.models import Count, Sum


@dataclass
class Totals:
    """Incidents and the sums of their killed estimates; `unknown_toll` of the incidents have
    no killed figure at all and add nothing to the sums."""

    incidents: int = 0
    killed_low: int = 0
    killed_best: int = 0
    killed_high: int = 0
    unknown_toll: int = 0

    @classmethod
    def from_row(cls, row, prefix=""):
        """The Totals of a row annotated with totals_aggregates(prefix)."""
        incidents = row[f"{prefix}incidents"]
        return cls(
            incidents=incidents,
            killed_low=row[f"{prefix}sum_low"] or 0,
            killed_best=row[f"{prefix}sum_best"] or 0,
            killed_high=row[f"{prefix}sum_high"] or 0,
            unknown_toll=incidents - row[f"{prefix}known_toll"],
        )

    @property
    def has_killed_range(self):
        return self.killed_low != self.killed_high

    def add(self, other):
        self.incidents += other.incidents
        self.killed_low += other.killed_low
        self.killed_best += other.killed_best
        self.killed_high += other.killed_high
        self.unknown_toll += other.unknown_toll
        return self

    def as_dict(self):
        return {
            "incidents": self.incidents,
            "killed": {"low": self.killed_low, "best": self.killed_best, "high": self.killed_high},
            "unknown_toll": self.unknown_toll,
        }


def sum_totals(many):
    """One Totals adding up many."""
    total = Totals()
    for totals in many:
        total.add(totals)
    return total


def totals_aggregates(prefix="", condition=None, incident=""):
    """The aggregates Totals.from_row reads, named with `prefix`; `condition` restricts them
    (SQL FILTER), `incident` is the path to the incident ("incident__" when counting from
    IncidentActor)."""
    return {
        # start_date, not id or *: it is never NULL, so the count is the same; it is in the
        # covering index (incident_public_series_idx), so the rows need not be read; and,
        # unlike *, it can take a FILTER.
        f"{prefix}incidents": Count(f"{incident}start_date", filter=condition),
        f"{prefix}sum_low": Sum(f"{incident}killed_low", filter=condition),
        f"{prefix}sum_best": Sum(f"{incident}killed_best", filter=condition),
        f"{prefix}sum_high": Sum(f"{incident}killed_high", filter=condition),
        f"{prefix}known_toll": Count(f"{incident}killed_best", filter=condition),
    }
