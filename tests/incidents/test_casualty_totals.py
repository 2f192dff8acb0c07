"""An incident's killed and injured totals always equal the sums of its casualty rows."""

from collections import Counter

import pytest

from incidents.choices import CasualtyGroup, CasualtyOutcome
from incidents.models import Casualty, Incident
from tests.factories import CasualtyFactory, IncidentFactory


def totals(incident):
    incident.refresh_from_db()
    return {
        "killed": (incident.killed_low, incident.killed_best, incident.killed_high),
        "injured": (incident.injured_low, incident.injured_best, incident.injured_high),
    }


def test_incident_without_casualty_rows_has_unknown_totals(db):
    assert totals(IncidentFactory()) == {
        "killed": (None, None, None),
        "injured": (None, None, None),
    }


def test_totals_sum_rows_by_outcome(db):
    incident = IncidentFactory()
    CasualtyFactory(incident=incident, group=CasualtyGroup.CIVILIANS, low=8, best=10, high=14)
    CasualtyFactory(incident=incident, group=CasualtyGroup.SECURITY_FORCES, best=5)
    CasualtyFactory(incident=incident, outcome=CasualtyOutcome.INJURED, low=2, best=3, high=9)
    assert totals(incident) == {"killed": (13, 15, 19), "injured": (2, 3, 9)}


def test_totals_follow_an_edited_row(db):
    casualty = CasualtyFactory(best=5)
    casualty.low, casualty.best, casualty.high = 20, 30, 40
    casualty.save()
    assert totals(casualty.incident)["killed"] == (20, 30, 40)


def test_totals_follow_a_deleted_row(db):
    incident = IncidentFactory()
    CasualtyFactory(incident=incident, best=5)
    second = CasualtyFactory(incident=incident, group=CasualtyGroup.ASSAILANTS, best=7)
    second.delete()
    assert totals(incident)["killed"] == (5, 5, 5)


def test_totals_follow_a_row_moved_to_another_incident(db):
    casualty = CasualtyFactory(best=5)
    first, other = casualty.incident, IncidentFactory()
    casualty.incident = other
    casualty.save()
    assert totals(first)["killed"] == (None, None, None)
    assert totals(other)["killed"] == (5, 5, 5)


def test_totals_follow_bulk_create_update_and_delete(db):
    incident = IncidentFactory()
    Casualty.objects.bulk_create(
        [
            Casualty(incident=incident, group=CasualtyGroup.CIVILIANS, best=4),
            Casualty(incident=incident, group=CasualtyGroup.ASSAILANTS, low=1, best=2, high=3),
        ]
    )
    assert totals(incident)["killed"] == (5, 6, 7)

    Casualty.objects.filter(incident=incident).update(outcome=CasualtyOutcome.INJURED)
    assert totals(incident) == {"killed": (None, None, None), "injured": (5, 6, 7)}

    Casualty.objects.filter(group=CasualtyGroup.ASSAILANTS).delete()
    assert totals(incident)["injured"] == (4, 4, 4)


def test_totals_follow_bulk_update(db):
    casualty = CasualtyFactory(best=5)
    casualty.low = casualty.best = casualty.high = 9
    Casualty.objects.bulk_update([casualty], ["low", "best", "high"])
    assert totals(casualty.incident)["killed"] == (9, 9, 9)


@pytest.mark.parametrize("count", [5, 60])
def test_refreshing_many_incidents_is_one_update(db, django_assert_num_queries, count):
    for _ in range(count):
        CasualtyFactory(best=3)
    IncidentFactory()  # no casualty rows: its totals stay unknown
    Incident.objects.update(killed_best=None, killed_low=None, killed_high=None)
    with django_assert_num_queries(1):
        Incident.objects.all().refresh_casualty_totals()
    assert Counter(Incident.objects.values_list("killed_best", flat=True)) == {3: count, None: 1}


def test_saving_an_incident_loaded_before_its_rows_changed_keeps_the_totals(db):
    incident = IncidentFactory()
    stale = Incident.objects.get(pk=incident.pk)
    CasualtyFactory(incident=incident, best=8)
    stale.title = "Corrected title"
    stale.save()
    assert totals(incident)["killed"] == (8, 8, 8)
    assert incident.title == "Corrected title"


def test_refreshing_no_incidents_does_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Incident.objects.filter(pk__in=[]).refresh_casualty_totals() == 0


def test_totals_follow_rows_moved_through_the_related_manager(db):
    casualty = CasualtyFactory(best=10)
    first, other = casualty.incident, IncidentFactory()
    other.casualties.add(casualty)
    assert totals(first)["killed"] == (None, None, None)
    assert totals(other)["killed"] == (10, 10, 10)


def test_a_new_incident_cannot_be_created_with_totals_of_its_own(db):
    incident = IncidentFactory(killed_best=99, killed_low=99, killed_high=99)
    assert totals(incident)["killed"] == (None, None, None)
