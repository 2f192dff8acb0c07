"""Migration 0015: casualty rows, one per source and added up, become source reports beside one
coded figure per group and outcome, and no incident's totals change."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import Casualty, Incident, SourceReport
from tests.browser import BROWSER_TEST_MARKS
from tests.factories import IncidentFactory, SourceFactory

BEFORE = [("incidents", "0014_source_reports_versions_review")]

# Migrating back and forth needs committed tables; serialized_rollback restores the seeded
# taxonomy and groups afterwards (the same marks as the browser tests, less the browser).
pytestmark = [mark for mark in BROWSER_TEST_MARKS if mark.name == "django_db"]

TOTALS = ["killed_low", "killed_best", "killed_high", "injured_low", "injured_best"]
TOTALS += ["injured_high"]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("incidents")


def totals():
    return {row[0]: row[1:] for row in Incident.objects.values_list("pk", *TOTALS)}


def test_casualty_rows_become_reports_and_totals_do_not_change(db):
    afp, le_monde = SourceFactory(name="AFP"), SourceFactory(name="Le Monde")
    bamako, ambush, equal, none = (IncidentFactory() for _ in range(4))
    try:
        apps = migrate(BEFORE)
        OldCasualty = apps.get_model("incidents", "Casualty")
        rows = [
            # Two sources' figures for the same dead, added up to 147 before reports existed.
            (bamako, "civilians", "killed", 77, 77, 77, afp),
            (bamako, "civilians", "killed", 70, 70, 70, le_monde),
            (bamako, "civilians", "injured", 200, 255, 300, afp),
            (ambush, "security_forces", "killed", 12, 15, 20, None),
            (ambush, "civilians", "killed", 3, 3, 3, afp),
            # Two equal rows became 10.
            (equal, "unknown", "killed", 5, 5, 5, None),
            (equal, "unknown", "killed", 5, 5, 5, afp),
        ]
        OldCasualty.objects.bulk_create(
            OldCasualty(
                incident_id=incident.pk,
                group=group,
                outcome=outcome,
                low=low,
                best=best,
                high=high,
                source_id=source.pk if source else None,
            )
            for incident, group, outcome, low, best, high, source in rows
        )
        Incident.objects.all().refresh_casualty_totals()  # what Casualty.save() did at 0014
        before = totals()
        assert before[bamako.pk] == (147, 147, 147, 200, 255, 300)
        assert before[equal.pk][:3] == (10, 10, 10)
    finally:
        migrate(latest())

    assert totals() == before
    # The coded figures add up to the same totals when they are next summed.
    Incident.objects.all().refresh_casualty_totals()
    assert totals() == before

    killed = Casualty.objects.get(incident=bamako, outcome="killed")
    assert (killed.low, killed.best, killed.high) == (147, 147, 147)
    assert "Merged from 2 rows" in killed.note
    assert Casualty.objects.get(incident=ambush, group="security_forces").note == ""
    assert Casualty.objects.filter(incident=equal).count() == 1
    assert not Casualty.objects.filter(incident=none).exists()

    reports = SourceReport.objects.order_by("incident_id", "outcome", "group", "figure", "id")
    assert [(r.incident_id, r.group, r.outcome, r.source_id, r.figure_text) for r in reports] == [
        (bamako.pk, "civilians", "injured", afp.pk, "200–300"),
        (bamako.pk, "civilians", "killed", le_monde.pk, "70"),
        (bamako.pk, "civilians", "killed", afp.pk, "77"),
        (ambush.pk, "civilians", "killed", afp.pk, "3"),
        (ambush.pk, "security_forces", "killed", None, "12–20"),
        (equal.pk, "unknown", "killed", None, "5"),
        (equal.pk, "unknown", "killed", afp.pk, "5"),
    ]


@pytest.mark.parametrize("group", ["Analyst", "Reviewer"])
def test_analysts_and_reviewers_may_enter_source_reports(db, group):
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
    assert {"view_sourcereport", "add_sourcereport", "change_sourcereport"} <= codenames
    assert "delete_sourcereport" in codenames
