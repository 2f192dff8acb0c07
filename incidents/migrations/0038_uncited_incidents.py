"""The incidents that cite no source yet, in a table of their own (models/sources.py:
UncitedIncident), kept in step by triggers: the admin list's "No source cited".

PostgreSQL only: one row per incident without a citation. Statement-level AFTER triggers with
transition tables (as migration 0027's search entries) write it: a new incident goes in unless
it already has citations (their foreign key is deferred), an incident leaves with its first
citation or its deletion, and comes back when its last citation is deleted or moved to another
incident. Each fires only while the transaction has not set `incidentdb.derived_triggers` to
"off" (migration 0032): a bulk import fills the table again at its end. SQLite finds uncited
incidents among the citations and gets no table.

The SQL is written out here, not imported, because a migration is published history.
"""

import django.db.models.deletion
from django.db import migrations, models

INCIDENT = "incidents_incident"
CITATION = "incidents_citation"
UNCITED = "incidents_uncitedincident"
CONDITION = "current_setting('incidentdb.derived_triggers', true) IS DISTINCT FROM 'off'"

CREATE_TABLE = f"CREATE TABLE {UNCITED} (incident_id bigint PRIMARY KEY)"


def insert_uncited(incident_ids):
    """INSERT those of the incidents `incident_ids` (a query of ids) that exist and cite no
    source."""
    return (
        f"INSERT INTO {UNCITED} (incident_id) SELECT i.id FROM {INCIDENT} i "
        f"WHERE i.id IN ({incident_ids}) "
        f"AND NOT EXISTS (SELECT 1 FROM {CITATION} c WHERE c.incident_id = i.id) "
        "ON CONFLICT DO NOTHING"
    )


def delete_uncited(incident_ids):
    return f"DELETE FROM {UNCITED} WHERE incident_id IN ({incident_ids})"


# (trigger, table, event, transition tables, statements)
TRIGGERS = [
    (
        "uncited_incidents_inserted",
        INCIDENT,
        "INSERT",
        "NEW TABLE AS new_incidents",
        [insert_uncited("SELECT id FROM new_incidents")],
    ),
    (
        "uncited_incidents_deleted",
        INCIDENT,
        "DELETE",
        "OLD TABLE AS old_incidents",
        [delete_uncited("SELECT id FROM old_incidents")],
    ),
    (
        "uncited_citations_inserted",
        CITATION,
        "INSERT",
        "NEW TABLE AS new_citations",
        [delete_uncited("SELECT incident_id FROM new_citations")],
    ),
    (
        "uncited_citations_updated",
        CITATION,
        "UPDATE",
        "OLD TABLE AS old_citations NEW TABLE AS new_citations",
        # A citation moved to another incident (a merge) may leave the first without any.
        [
            delete_uncited("SELECT incident_id FROM new_citations"),
            insert_uncited("SELECT incident_id FROM old_citations"),
        ],
    ),
    (
        "uncited_citations_deleted",
        CITATION,
        "DELETE",
        "OLD TABLE AS old_citations",
        [insert_uncited("SELECT incident_id FROM old_citations")],
    ),
]


def install(schema_editor):
    for trigger, table, event, transitions, statements in TRIGGERS:
        body = "".join(f"    {statement};\n" for statement in statements)
        schema_editor.execute(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}    RETURN NULL;\nEND\n$$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {transitions} "
            f"FOR EACH STATEMENT WHEN ({CONDITION}) EXECUTE FUNCTION {trigger}()"
        )
    # A flush (Django's between transactional tests, manage.py flush) truncates the incidents
    # and citations, which fires no DELETE trigger, and leaves out this unmanaged table.
    # Citations truncated alone leave every incident uncited.
    truncated = [
        ("uncited_incidents_truncated", INCIDENT, f"TRUNCATE {UNCITED}"),
        ("uncited_citations_truncated", CITATION, insert_uncited(f"SELECT id FROM {INCIDENT}")),
    ]
    for trigger, table, statement in truncated:
        schema_editor.execute(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {statement};\n    RETURN NULL;\nEND\n$$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )


ALL_TRIGGERS = [
    *[(trigger, table) for trigger, table, *_rest in TRIGGERS],
    ("uncited_incidents_truncated", INCIDENT),
    ("uncited_citations_truncated", CITATION),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No incident or citation may change between the backfill and the triggers.
    schema_editor.execute(f"LOCK TABLE {INCIDENT}, {CITATION} IN SHARE MODE")
    schema_editor.execute(CREATE_TABLE)
    schema_editor.execute(insert_uncited(f"SELECT id FROM {INCIDENT}"))
    install(schema_editor)
    schema_editor.execute(f"ANALYZE {UNCITED}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for trigger, table in ALL_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {UNCITED}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0037_admin_sort_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="UncitedIncident",
            fields=[
                (
                    "incident",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "db_table": "incidents_uncitedincident",
                "ordering": ["incident_id"],
                "managed": False,
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
