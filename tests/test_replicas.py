"""With DATABASE_REPLICA_URLS set, the public's reads go to a read replica; writes, reads inside
a transaction and everything a signed-in analyst does go to the primary, so an analyst always
sees their own save.

`make test` sets DATABASE_REPLICA_URLS to the primary's own URL; the replica is then a TEST
MIRROR of the primary (config/settings.py): the test runner points it at the test database,
through a connection of its own. The rows are committed (transaction=True) so that connection
sees them, as a real replica sees what the primary committed.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from tests.factories import IncidentFactory
from tests.test_settings import ROOT

pytestmark = [
    pytest.mark.skipif(
        "replica1" not in settings.DATABASES,
        reason="needs DATABASE_REPLICA_URLS (make test sets it)",
    ),
    pytest.mark.replicas,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]


class QueriesOn:
    """The SQL run on the primary and on the replica while the block runs."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections["replica1"])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)


PUBLIC_PAGES = {
    "list": lambda incident: reverse("incidents:incident_list"),
    "incident": lambda incident: incident.get_absolute_url(),
    "api": lambda incident: "/api/incidents/",
    "csv download": lambda incident: reverse("incident_download", args=["csv"]),
}


@pytest.mark.parametrize("page", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_the_public_reads_from_the_replica(client, page):
    incident = IncidentFactory(title="Ambush near Boni")
    with QueriesOn() as queries:
        response = client.get(page(incident))
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert b"Ambush near Boni" in body or f"IDB{incident.pk}".encode() in body
    assert len(queries.replica) > 0
    assert [query["sql"] for query in queries.primary] == []


def test_a_signed_in_analyst_reads_the_primary(analyst_client):
    incident = IncidentFactory(title="Ambush near Boni")
    with QueriesOn() as queries:
        response = analyst_client.get(incident.get_absolute_url())
    assert b"Ambush near Boni" in response.content
    assert len(queries.primary) > 0
    assert [query["sql"] for query in queries.replica] == []


def test_the_admin_reads_the_primary(analyst_client):
    with QueriesOn() as queries:
        response = analyst_client.get(reverse("admin:incidents_incident_changelist"))
    assert response.status_code == 200
    assert [query["sql"] for query in queries.replica] == []


def test_signing_in_reads_and_writes_the_primary(client, analyst):
    with QueriesOn() as queries:
        response = client.post(
            reverse("admin:login"), {"username": "analyst", "password": "password"}
        )
    assert response.status_code == 302  # signed in
    assert [query["sql"] for query in queries.replica] == []


def test_writes_and_reads_inside_a_transaction_use_the_primary(db):
    assert router.db_for_read(Incident) == "replica1"
    assert router.db_for_write(Incident) == "default"
    with transaction.atomic():
        assert router.db_for_read(Incident) == "default"
    assert not router.allow_migrate("replica1", "incidents")
    assert router.allow_migrate("default", "incidents")


def test_replica_urls_become_mirrored_databases_and_turn_the_router_on():
    script = (
        "import config.settings as s; "
        "print(sorted(s.DATABASES), s.DATABASES['replica2']['HOST'], "
        "s.DATABASES['replica2']['TEST'], s.DATABASE_ROUTERS, sep='|')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "DEBUG": "false",
            "SECRET_KEY": "x",
            "DATABASE_URL": "postgres://u@primary:5432/db",
            "DATABASE_REPLICA_URLS": "postgres://u@one:5432/db, postgres://u@two:5432/db",
        },
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().split("|") == [
        "['default', 'replica1', 'replica2']",
        "two",
        "{'MIRROR': 'default'}",
        "['config.routers.PrimaryReplicaRouter']",
    ], result.stderr
