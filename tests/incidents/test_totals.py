"""Totals: incidents and their killed estimates, counted by one set of aggregates."""

import datetime

from django.db.models import Q

from incidents.models import Incident
from incidents.totals import Totals, sum_totals, totals_aggregates
from tests.factories import CasualtyFactory, IncidentFactory


def test_totals_sum_the_estimates_and_count_an_unknown_toll_apart(db):
    CasualtyFactory(incident=IncidentFactory(), low=12, best=15, high=20)
    CasualtyFactory(incident=IncidentFactory(), best=3)
    IncidentFactory()  # no casualty row: toll unknown
    row = Incident.objects.aggregate(**totals_aggregates())
    assert Totals.from_row(row) == Totals(3, 15, 18, 23, 1)


def test_prefixed_totals_count_only_what_their_condition_selects(db):
    CasualtyFactory(incident=IncidentFactory(start_date=datetime.date(2023, 1, 5)), best=4)
    CasualtyFactory(incident=IncidentFactory(start_date=datetime.date(2024, 1, 5)), best=6)
    in_2023 = Q(start_date__year=2023)
    row = Incident.objects.aggregate(
        **totals_aggregates("a_", condition=in_2023),
        **totals_aggregates("b_", condition=~in_2023),
    )
    assert Totals.from_row(row, "a_") == Totals(1, 4, 4, 4, 0)
    assert Totals.from_row(row, "b_") == Totals(1, 6, 6, 6, 0)


def test_totals_add_up_and_read_as_the_api_gives_them():
    total = sum_totals([Totals(1, 2, 3, 4, 0), Totals(2, 0, 0, 0, 2)])
    assert total == Totals(3, 2, 3, 4, 2)
    assert total.has_killed_range
    assert total.as_dict() == {
        "incidents": 3,
        "killed": {"low": 2, "best": 3, "high": 4},
        "unknown_toll": 2,
    }
