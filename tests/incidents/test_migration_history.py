"""Migration 0016: django-simple-history's rows become IncidentVersion rows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import Incident
from tests.factories import LocationFactory, UserFactory

MIGRATION = ("incidents", "0016_history_to_versions")
T0 = datetime(2024, 9, 17, 8, 0, tzinfo=UTC)
MOMENT = timedelta(milliseconds=3)


def _before_and_after():
    """The executor, the migration state just before 0016 and the latest one."""
    executor = MigrationExecutor(connection)
    node = executor.loader.graph.node_map[MIGRATION]
    before = [parent.key for parent in node.parents if parent.key[0] == "incidents"]
    return executor, before, executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_history_rows_become_numbered_versions_with_their_rows():
    location = LocationFactory(name="Bamako")
    analyst = UserFactory(username="analyst_m")
    reviewer = UserFactory(username="reviewer_m")
    executor, before, after = _before_and_after()
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    OldIncident = apps.get_model("incidents", "Incident")
    OldCasualty = apps.get_model("incidents", "Casualty")
    HistoricalIncident = apps.get_model("incidents", "HistoricalIncident")
    HistoricalCasualty = apps.get_model("incidents", "HistoricalCasualty")
    common = {
        "start_date": date(2024, 9, 17),
        "location_id": location.pk,
        "event_type_id": "battles",
        "date_precision": 1,
        "geo_precision": 1,
    }
    entered = OldIncident.objects.create(
        title="Third", status="published", published_at=T0, **common
    )
    casualty = OldCasualty.objects.create(
        incident=entered, group="security_forces", outcome="killed", low=7, best=7, high=7
    )
    imported = OldIncident.objects.create(
        title="From ACLED", status="published", published_at=T0, **common
    )
    OldCasualty.objects.create(
        incident=imported, group="civilians", outcome="killed", low=3, best=3, high=3
    )

    def incident_row(incident, when, kind, title, status, user=None, reason=None):
        HistoricalIncident.objects.create(
            id=incident.pk if incident else 999_999,
            title=title,
            status=status,
            published_at=T0 if status == "published" else None,
            history_date=when,
            history_type=kind,
            history_user_id=user.pk if user else None,
            history_change_reason=reason,
            **common,
        )

    def casualty_row(when, kind, best):
        HistoricalCasualty.objects.create(
            id=casualty.pk,
            incident_id=entered.pk,
            group="security_forces",
            outcome="killed",
            low=best,
            best=best,
            high=best,
            history_date=when,
            history_type=kind,
        )

    # Created with a casualty row, submitted, then published with the figure corrected.
    incident_row(entered, T0, "+", "First", "draft", analyst)
    casualty_row(T0 + MOMENT, "+", 5)
    incident_row(entered, T0 + timedelta(hours=1), "~", "Second", "in_review", analyst)
    casualty_row(T0 + timedelta(hours=2) - MOMENT, "~", 7)
    incident_row(entered, T0 + timedelta(hours=2), "~", "Third", "published", reviewer, "ok")
    # Imported in bulk (no casualty history), and an incident deleted since.
    incident_row(imported, T0, "+", "From ACLED", "published", None, "ACLED import")
    incident_row(None, T0, "+", "Deleted since", "draft")

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    entered = Incident.objects.get(pk=entered.pk)
    versions = list(entered.versions.order_by("number").select_related("recorded_by"))
    assert [(v.number, v.kind, v.recorded_by, v.status, v.snapshot["title"]) for v in versions] == [
        (1, "created", analyst, "draft", "First"),
        (2, "submitted", analyst, "in_review", "Second"),
        (3, "published", reviewer, "published", "Third"),
    ]
    assert [[row["best"] for row in v.snapshot["casualties"]] for v in versions] == [[5], [5], [7]]
    assert versions[0].recorded_at == T0 and versions[2].reason == "ok"
    assert entered.version == 3

    imported = Incident.objects.get(pk=imported.pk)
    version = imported.versions.get()
    assert (version.number, version.kind, imported.version) == (1, "imported", 1)
    assert [row["best"] for row in version.snapshot["casualties"]] == [3]
    assert "incidents_historicalincident" not in connection.introspection.table_names()
