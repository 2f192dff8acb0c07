"""A backup made with docs/operations.md's commands restores everything into an empty database."""

import sqlite3
import subprocess
import uuid

import psycopg2
import pytest
from django.db import connection

from incidents.choices import ReportQualifier, VersionKind
from incidents.models import Casualty, Incident, IncidentVersion, SourceReport
from tests.factories import CasualtyFactory, IncidentFactory

# pg_dump and SQLite's backup read what is committed: the rows are, and the flush after each test
# is followed by the seeded taxonomy and groups being restored (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TABLES = {
    Incident: "incidents",
    Casualty: "casualty figures",
    SourceReport: "source reports",
    IncidentVersion: "versions",
}


def fill():
    for number in range(3):
        incident = IncidentFactory(title=f"Attack {number}")
        CasualtyFactory(incident=incident, best=4 + number)
        SourceReport.objects.create(
            incident=incident, qualifier=ReportQualifier.AT_LEAST, figure=3 + number
        )
        IncidentVersion.objects.create(
            incident=incident,
            number=1,
            kind=VersionKind.CREATED,
            status=incident.status,
            snapshot={"title": incident.title},
        )
    return {model: model.objects.count() for model in TABLES}


def counts(cursor):
    found = {}
    for model in TABLES:
        cursor.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}")  # noqa: S608
        found[model] = cursor.fetchone()[0]
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backup")
def test_a_sqlite_backup_restores_every_row(tmp_path):
    expected = fill()
    backup = tmp_path / "incidentdb.sqlite3"
    # docs/operations.md: sqlite3.connect("db.sqlite3").backup(sqlite3.connect(backup))
    connection.ensure_connection()
    target = sqlite3.connect(backup)
    connection.connection.backup(target)
    target.close()
    restored = sqlite3.connect(backup)
    assert counts(restored.cursor()) == expected
    restored.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore")
def test_a_postgresql_dump_restores_every_row(tmp_path):
    expected = fill()
    settings = connection.settings_dict
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": str(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
    }
    dump = tmp_path / "incidentdb.dump"
    url = "postgres://{user}@{host}:{port}/{name}"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}",
         url.format(**server, name=settings["NAME"])],
        check=True,
    )  # fmt: skip
    restored_name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error",
             f"--dbname={url.format(**server, name=restored_name)}", str(dump)],
            check=True,
        )  # fmt: skip
        restored = psycopg2.connect(dbname=restored_name, **server)
        try:
            assert counts(restored.cursor()) == expected
        finally:
            restored.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE "{restored_name}"')
        admin.close()
