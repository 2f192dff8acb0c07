from incidents.choices import Status
from tests.factories import CasualtyFactory, IncidentFactory


def test_factories_build_a_published_incident_with_totals(db):
    casualty = CasualtyFactory(best=7)
    casualty.incident.refresh_from_db()
    assert casualty.incident.status == Status.PUBLISHED
    assert casualty.incident.killed_best == 7
    assert IncidentFactory(status=Status.RETRACTED).retraction_reason
