"""The searches' own narrow table (models/search.py: SearchEntry), kept in step by triggers, and
the admin search's ACLED id index.

PostgreSQL only: one row per incident (its status, start date, event type, place, actors' ids
and full-text document), with a GIN index over the document, a GIN index over the actors' ids
and B-trees over the place and over the start date, so that a search's words, actors, places
and dates are one bitmap over one narrow table. Statement-level AFTER triggers with transition
tables (as migration 0021's counts) write it: an import's thousands of rows are one INSERT or
UPDATE. incident_search_idx, the document indexed on the wide incident table, is dropped: no
query reads it any more, and an import would compute every document twice. SQLite keeps its
contains-search over the incidents and gets no table.

The SQL is written out here, not imported, because a migration is published history.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.search
import django.db.models.deletion
import django.db.models.functions.text
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

INCIDENT = "incidents_incident"
ROLE = "incidents_incidentactor"
ENTRY = "incidents_searchentry"
CONFIGURATION = "incidentdb_simple_unaccent"
INCIDENT_SEARCH_IDX = GinIndex(
    SearchVector("title", "narrative", config=CONFIGURATION), name="incident_search_idx"
)


def document(row):
    """The full-text document of the incident `row`: its title and narrative, as
    SearchVector("title", "narrative", config=CONFIGURATION) computes it."""
    return (
        f"to_tsvector('{CONFIGURATION}'::regconfig, "
        f"COALESCE({row}.title, '') || ' ' || COALESCE({row}.narrative, ''))"
    )


def actor_ids(incident_id):
    """The ids of the actors of the incident `incident_id` (an SQL expression), each once."""
    return (
        f"COALESCE((SELECT array_agg(DISTINCT r.actor_id) FROM {ROLE} r "
        f"WHERE r.incident_id = {incident_id}), '{{}}')"
    )


def insert_entries(source):
    """INSERT the entries of the incidents `source` (a table or transition table, alias n)."""
    return (
        f"INSERT INTO {ENTRY} (incident_id, status, start_date, event_type_id, location_id, "
        "actor_ids, document) "
        f"SELECT n.id, n.status, n.start_date, n.event_type_id, n.location_id, "
        f"{actor_ids('n.id')}, {document('n')} FROM {source} n"
    )


CREATE_TABLE = f"""
CREATE TABLE {ENTRY} (
    incident_id bigint PRIMARY KEY,
    status varchar(20) NOT NULL,
    start_date date NOT NULL,
    event_type_id varchar(50) NOT NULL,
    location_id bigint NOT NULL,
    actor_ids bigint[] NOT NULL,
    document tsvector NOT NULL
)"""

INDEXES = [
    f"CREATE INDEX searchentry_document_idx ON {ENTRY} USING gin (document)",
    f"CREATE INDEX searchentry_actors_idx ON {ENTRY} USING gin (actor_ids)",
    f"CREATE INDEX searchentry_place_idx ON {ENTRY} (location_id)",
    # The admin search's dates (2023, 2023-09, 2023-09-15).
    f"CREATE INDEX searchentry_date_idx ON {ENTRY} (start_date)",
]

# Only what a search reads: an UPDATE of the incidents that changes none of it (the casualty
# totals an import refreshes) writes no entry, and the document is computed again only when
# the title or narrative changed.
SEARCHED = "status, start_date, event_type_id, location_id, title, narrative"
UPDATE_ENTRIES = f"""
UPDATE {ENTRY} e SET status = n.status, start_date = n.start_date,
    event_type_id = n.event_type_id, location_id = n.location_id,
    document = CASE WHEN (o.title, o.narrative) IS DISTINCT FROM (n.title, n.narrative)
        THEN {document("n")} ELSE e.document END
FROM new_incidents n JOIN old_incidents o ON o.id = n.id
WHERE e.incident_id = n.id
    AND ({", ".join(f"o.{c}" for c in SEARCHED.split(", "))})
    IS DISTINCT FROM ({", ".join(f"n.{c}" for c in SEARCHED.split(", "))})"""

DELETE_ENTRIES = f"DELETE FROM {ENTRY} WHERE incident_id IN (SELECT id FROM old_incidents)"


def update_actor_ids(changed):
    """UPDATE the actors' ids of the incidents `changed` (a query of incident ids)."""
    return (
        f"UPDATE {ENTRY} e SET actor_ids = {actor_ids('e.incident_id')} "
        f"WHERE e.incident_id IN ({changed})"
    )


# (trigger, table, event, transition tables, statement)
TRIGGERS = [
    (
        "searchentry_inserted",
        INCIDENT,
        "INSERT",
        "NEW TABLE AS new_incidents",
        insert_entries("new_incidents"),
    ),
    (
        "searchentry_updated",
        INCIDENT,
        "UPDATE",
        "OLD TABLE AS old_incidents NEW TABLE AS new_incidents",
        UPDATE_ENTRIES,
    ),
    ("searchentry_deleted", INCIDENT, "DELETE", "OLD TABLE AS old_incidents", DELETE_ENTRIES),
    (
        "searchentry_roles_inserted",
        ROLE,
        "INSERT",
        "NEW TABLE AS new_roles",
        update_actor_ids("SELECT incident_id FROM new_roles"),
    ),
    (
        "searchentry_roles_updated",
        ROLE,
        "UPDATE",
        "OLD TABLE AS old_roles NEW TABLE AS new_roles",
        # A role moved to another incident changes the actors of both.
        update_actor_ids(
            "SELECT incident_id FROM old_roles UNION SELECT incident_id FROM new_roles"
        ),
    ),
    (
        "searchentry_roles_deleted",
        ROLE,
        "DELETE",
        "OLD TABLE AS old_roles",
        update_actor_ids("SELECT incident_id FROM old_roles"),
    ),
]


def install(schema_editor):
    for trigger, table, event, transitions, statement in TRIGGERS:
        schema_editor.execute(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {statement};\n    RETURN NULL;\nEND\n$$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )
    # A flush (Django's between transactional tests, manage.py flush) truncates the incidents,
    # which fires no DELETE trigger, and leaves out this unmanaged table.
    schema_editor.execute(
        "CREATE FUNCTION searchentry_truncated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    TRUNCATE {ENTRY};\n    RETURN NULL;\nEND\n$$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER searchentry_truncated AFTER TRUNCATE ON {INCIDENT} "
        "FOR EACH STATEMENT EXECUTE FUNCTION searchentry_truncated()"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No incident or role may change between the backfill and the triggers.
    schema_editor.execute(f"LOCK TABLE {INCIDENT}, {ROLE} IN SHARE MODE")
    schema_editor.execute(CREATE_TABLE)
    schema_editor.execute(insert_entries(INCIDENT))
    for index in INDEXES:
        schema_editor.execute(index)
    install(schema_editor)
    schema_editor.execute(f"ANALYZE {ENTRY}")
    schema_editor.remove_index(apps.get_model("incidents", "Incident"), INCIDENT_SEARCH_IDX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("incidents", "Incident"), INCIDENT_SEARCH_IDX)
    for trigger, table, *_rest in [*TRIGGERS, ("searchentry_truncated", INCIDENT)]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {ENTRY}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0026_public_data_version_covers_pages"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "incident",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="incidents.incident",
                    ),
                ),
                ("status", models.CharField(max_length=20)),
                ("start_date", models.DateField()),
                (
                    "actor_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
                (
                    "event_type",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="incidents.eventtype",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="incidents.location",
                    ),
                ),
            ],
            options={
                "db_table": "incidents_searchentry",
                "ordering": ["incident_id"],
                "managed": False,
            },
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                django.db.models.functions.text.Upper("acled_event_id"),
                name="incident_acled_id_folded_idx",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
