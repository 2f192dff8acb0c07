"""The coded figure proposed from what the sources reported, and whether a coded figure fits.

Reports describe the same dead: they are never added up. The coded range spans them instead:
low is the lowest figure reported, high the highest ("at least N" leaves the high open), best
the median of the figures the sources gave as a number.
"""

from dataclasses import dataclass
from statistics import median_low

from .choices import CasualtyGroup, CasualtyOutcome, ReportQualifier
from .formatting import format_count
from .models import Casualty

# The qualifiers whose figure is a lower end of the toll, and those whose figure (or upper end)
# is an upper end. "At least 100" is both: no source reported fewer, and it is the highest
# figure any source gave, though the high stays open.
LOWER_ENDS = {
    ReportQualifier.EXACT,
    ReportQualifier.AT_LEAST,
    ReportQualifier.ABOUT,
    ReportQualifier.RANGE,
}
# The figures that stand for the toll itself, of which best is the median.
POINT_FIGURES = {ReportQualifier.EXACT, ReportQualifier.ABOUT}


@dataclass(frozen=True)
class Proposal:
    """The coded figure the reports of one group and outcome support."""

    low: int
    best: int
    high: int
    high_open: bool
    reports: int  # how many reports gave a figure

    def __str__(self):
        return format_coded(self.low, self.best, self.high, self.high_open)

    def slashed(self):
        """ "70 / 77 / 100+", as the admin's low / best / high columns read."""
        return f"{self.low} / {self.best} / {self.high}{'+' if self.high_open else ''}"


def format_coded(low, best, high, high_open=False):
    """A coded figure as the public reads it: "77", "77 (70–100)", "77 (70–100+)", its numbers
    grouped the reader's way ("1,234" in English, "1 234" in French)."""
    if best is None:
        return "—"
    open_mark = "+" if high_open else ""
    if low == best == high:
        return f"{format_count(best)}{open_mark}"
    return f"{format_count(best)} ({format_count(low)}–{format_count(high)}{open_mark})"


def propose(reports):
    """The coded figure (a Proposal) that reports of one group and outcome support, or None
    when none of them gives a figure ("no toll given" proposes nothing).

    `reports` are SourceReport rows, or anything with qualifier, figure and figure_high.
    """
    given = [r for r in reports if r.qualifier != ReportQualifier.NO_TOLL and r.figure is not None]
    if not given:
        return None
    lower_ends = [r.figure for r in given if r.qualifier in LOWER_ENDS]
    upper_ends = [_upper_end(r) for r in given]
    # Only "at most" figures: no source puts a floor under the toll.
    low = min(lower_ends) if lower_ends else 0
    high = max(upper_ends)
    high_open = any(r.qualifier == ReportQualifier.AT_LEAST and r.figure == high for r in given)
    points = [r.figure for r in given if r.qualifier in POINT_FIGURES]
    if not points:
        # No source gave the toll as a number: the middle of what they bound it by.
        points = [(r.figure + _upper_end(r)) // 2 for r in given]
    best = min(max(median_low(points), low), high)
    return Proposal(low=low, best=best, high=high, high_open=high_open, reports=len(given))


def outside_reports(coded, proposal):
    """Why a coded figure (anything with low, best and high) falls outside what the sources
    reported, or "" when it fits. Nothing is outside reports that give no figure."""
    if proposal is None or coded.best is None:
        return ""
    low = coded.best if coded.low is None else coded.low
    high = coded.best if coded.high is None else coded.high
    if low < proposal.low or high > proposal.high or coded.best > proposal.high:
        return reported_range(proposal)
    return ""


def reported_range(proposal):
    """ "70–100+": the span of the figures the sources reported."""
    open_mark = "+" if proposal.high_open else ""
    if proposal.low == proposal.high:
        return f"{proposal.low}{open_mark}"
    return f"{proposal.low}–{proposal.high}{open_mark}"


def proposals_by_key(reports):
    """{(group, outcome): Proposal} for an incident's reports (only keys with a figure)."""
    grouped = {}
    for report in reports:
        grouped.setdefault((report.group, report.outcome), []).append(report)
    proposals = {key: propose(rows) for key, rows in grouped.items()}
    return {key: proposal for key, proposal in proposals.items() if proposal is not None}


def code_from_reports(incident):
    """Give each group and outcome of the incident that has reports but no coded figure the
    figure its reports propose. Returns [(Casualty, Proposal)] for those it coded."""
    proposals = proposals_by_key(incident.source_reports.all())
    coded = set(incident.casualties.values_list("group", "outcome"))
    created = [
        (
            Casualty(
                incident=incident,
                group=group,
                outcome=outcome,
                low=proposal.low,
                best=proposal.best,
                high=proposal.high,
                high_open=proposal.high_open,
            ),
            proposal,
        )
        for (group, outcome), proposal in sorted(proposals.items())
        if (group, outcome) not in coded
    ]
    if created:
        Casualty.objects.bulk_create([casualty for casualty, _proposal in created])
    return created


@dataclass
class FigureWithReports:
    """One group and outcome of an incident: its coded figure (None when only reports exist,
    such as "no toll given") and what each source said."""

    group: str
    outcome: str
    coded: Casualty | None
    reports: list

    @property
    def outcome_label(self):
        return CasualtyOutcome(self.outcome).label

    @property
    def group_label(self):
        return CasualtyGroup(self.group).label

    @property
    def coded_text(self):
        if self.coded is None:
            return "—"
        coded = self.coded
        return format_coded(coded.low, coded.best, coded.high, coded.high_open)


def figures_with_reports(casualties, reports):
    """[FigureWithReports] for an incident's coded figures and reports, in the coded figures'
    order, then groups and outcomes with reports only."""
    by_key = {}
    for casualty in casualties:
        by_key[(casualty.group, casualty.outcome)] = FigureWithReports(
            casualty.group, casualty.outcome, casualty, []
        )
    for report in reports:
        key = (report.group, report.outcome)
        if key not in by_key:
            by_key[key] = FigureWithReports(report.group, report.outcome, None, [])
        by_key[key].reports.append(report)
    return list(by_key.values())


def describe(group, outcome):
    """ "Killed (civilians)"."""
    return f"{CasualtyOutcome(outcome).label} ({CasualtyGroup(group).label.lower()})"


def _upper_end(report):
    if report.qualifier == ReportQualifier.RANGE and report.figure_high is not None:
        return report.figure_high
    return report.figure
