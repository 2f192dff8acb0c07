"""incidents/figures.py: the coded figure proposed from the source reports, never their sum."""

from types import SimpleNamespace

import pytest

from incidents.choices import ReportQualifier as Q
from incidents.figures import format_coded, outside_reports, propose


def report(qualifier, figure=None, figure_high=None):
    return SimpleNamespace(qualifier=qualifier, figure=figure, figure_high=figure_high)


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        # Bamako, 17 September 2024: AFP 77, Le Monde "more than 70", others "over 100".
        (
            [report(Q.EXACT, 77), report(Q.AT_LEAST, 70), report(Q.AT_LEAST, 100)],
            (70, 77, 100, True),
        ),
        # Two sources agreeing on 5 make 5, not 10.
        ([report(Q.EXACT, 5), report(Q.EXACT, 5)], (5, 5, 5, False)),
        ([report(Q.EXACT, 12)], (12, 12, 12, False)),
        ([report(Q.RANGE, 12, 20)], (12, 16, 20, False)),
        ([report(Q.ABOUT, 30), report(Q.EXACT, 25)], (25, 25, 30, False)),
        # "At least 70" alone: 70 and maybe more.
        ([report(Q.AT_LEAST, 70)], (70, 70, 70, True)),
        # An exact figure above the "at least" one closes the high.
        ([report(Q.AT_LEAST, 70), report(Q.EXACT, 80)], (70, 80, 80, False)),
        # "At most 10" puts no floor under the toll; its 10 is the only figure given.
        ([report(Q.AT_MOST, 10)], (0, 10, 10, False)),
        ([report(Q.AT_MOST, 10), report(Q.EXACT, 7)], (7, 7, 10, False)),
        # "No toll given" proposes nothing, and does not pull the others down.
        ([report(Q.NO_TOLL), report(Q.EXACT, 9)], (9, 9, 9, False)),
        # Best is the median of the point figures (the lower of the two middle ones).
        ([report(Q.EXACT, 10), report(Q.EXACT, 14), report(Q.EXACT, 30)], (10, 14, 30, False)),
        ([report(Q.EXACT, 10), report(Q.EXACT, 14)], (10, 10, 14, False)),
    ],
    ids=[
        "bamako",
        "two equal",
        "one exact",
        "range",
        "about and exact",
        "at least",
        "at least then exact",
        "at most",
        "at most and exact",
        "no toll and exact",
        "median of three",
        "median of two",
    ],
)  # fmt: skip
def test_propose_spans_the_reports_without_adding_them(reports, expected):
    proposal = propose(reports)
    assert (proposal.low, proposal.best, proposal.high, proposal.high_open) == expected


def test_no_toll_given_proposes_nothing():
    assert propose([report(Q.NO_TOLL)]) is None
    assert propose([]) is None


def test_bamako_reads_77_from_70_to_100_and_more():
    proposal = propose([report(Q.EXACT, 77), report(Q.AT_LEAST, 70), report(Q.AT_LEAST, 100)])
    assert str(proposal) == "77 (70–100+)"
    assert proposal.slashed() == "70 / 77 / 100+"
    assert proposal.reports == 3


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ((None, None, None, False), "—"),
        ((12, 12, 12, False), "12"),
        ((70, 77, 100, False), "77 (70–100)"),
        ((70, 77, 100, True), "77 (70–100+)"),
        ((70, 70, 70, True), "70+"),
        ((1000, 1200, 1500, False), "1,200 (1,000–1,500)"),
    ],
)
def test_format_coded(figures, expected):
    assert format_coded(*figures) == expected


BAMAKO = propose([report(Q.EXACT, 77), report(Q.AT_LEAST, 70), report(Q.AT_LEAST, 100)])


@pytest.mark.parametrize(
    ("coded", "outside"),
    [
        ((70, 77, 100), ""),
        ((77, 77, 77), ""),
        ((None, 80, None), ""),  # a single figure is its own low and high
        ((247, 247, 247), "70–100+"),  # the three reports added up
        ((60, 77, 100), "70–100+"),
        ((70, 77, 150), "70–100+"),  # "at least 100" does not say 150
    ],
)
def test_outside_reports_names_the_reported_range(coded, outside):
    low, best, high = coded
    assert outside_reports(SimpleNamespace(low=low, best=best, high=high), BAMAKO) == outside


def test_nothing_is_outside_reports_without_figures():
    assert outside_reports(SimpleNamespace(low=1, best=2, high=3), None) == ""


@pytest.mark.parametrize(
    ("qualifier", "figure", "figure_high"),
    [(Q.RANGE, 20, None), (Q.RANGE, 20, 10), (Q.EXACT, 20, 30), (Q.AT_LEAST, None, None)],
)
def test_the_database_refuses_a_report_no_source_could_give(db, qualifier, figure, figure_high):
    from django.db import IntegrityError, transaction

    from tests.factories import SourceReportFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        SourceReportFactory(qualifier=qualifier, figure=figure, figure_high=figure_high)
