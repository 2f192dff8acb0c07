"""The public data version also moves on with every change the public pages show besides the
incidents' own rows and their places' country and region (migration 0021): whole public pages
and API answers are kept under it (config/page_cache.py), so whatever they show must move it.

- Names (actors and their aliases, places, areas, countries, sources): an update or a delete.
  They change rarely, and a name is on every page that lists its incidents. A new one is on
  no public page until a published incident uses it, which moves the version then.
- Vocabularies (event and sub-event types, tactics), which the filters list whole: any insert,
  update or delete.
- What hangs off an incident (its actors, casualty figures, source reports, citations, tactics,
  related incidents, corrections, versions): a change that concerns a published incident. A
  draft's work moves nothing, as for the incidents themselves.

PostgreSQL: statement-level triggers (an import's bulk_create moves the version once per
statement); SQLite: row-level triggers. The SQL is written out here: a migration is history.
"""

from django.db import migrations

VERSION = "incidents_publicdataversion"
PG_NEXT_VERSION = (
    f"INSERT INTO {VERSION} (id, number) VALUES (1, nextval('incidents_public_data_version_seq')) "
    "ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number"
)
SQLITE_NEXT_VERSION = (
    f"INSERT INTO {VERSION} (id, number) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET number = excluded.number;"
)

# Each table of names and the writes to it that move the version.
NAMES = {
    "incidents_actor": ["UPDATE", "DELETE"],
    # An actor's page lists its aliases, and the text search reads them.
    "incidents_actoralias": ["INSERT", "UPDATE", "DELETE"],
    "incidents_location": ["UPDATE", "DELETE"],
    "incidents_adminarea": ["UPDATE", "DELETE"],
    "incidents_country": ["UPDATE", "DELETE"],
    "incidents_source": ["UPDATE", "DELETE"],
    "incidents_eventtype": ["INSERT", "UPDATE", "DELETE"],
    "incidents_subeventtype": ["INSERT", "UPDATE", "DELETE"],
    "incidents_tactic": ["INSERT", "UPDATE", "DELETE"],
}
# Each table that hangs off incidents, and the columns naming the incidents a row concerns.
PARTS = {
    "incidents_incidentactor": ["incident_id"],
    "incidents_casualty": ["incident_id"],
    "incidents_sourcereport": ["incident_id"],
    "incidents_citation": ["incident_id"],
    "incidents_incident_tactics": ["incident_id"],
    "incidents_incident_related": ["from_incident_id", "to_incident_id"],
    "incidents_correction": ["incident_id"],
    "incidents_incidentversion": ["incident_id"],
}
# The rows each statement's transition tables hold, by event.
EVENTS = {"INSERT": ["new"], "UPDATE": ["old", "new"], "DELETE": ["old"]}

PG_NAMES_FUNCTION = "incidents_public_names_changed"


def pg_part_function(table, event):
    return f"incidents_version_{table.removeprefix('incidents_')}_{event.lower()}"


def pg_install(schema_editor):
    schema_editor.execute(
        f"CREATE FUNCTION {PG_NAMES_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    {PG_NEXT_VERSION};\n    RETURN NULL;\nEND\n$$"
    )
    for table, events in NAMES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {PG_NAMES_FUNCTION} AFTER {' OR '.join(events)} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_NAMES_FUNCTION}()"
        )
    for table, columns in PARTS.items():
        for event, sides in EVENTS.items():
            name = pg_part_function(table, event)
            rows = " UNION ALL ".join(
                f"SELECT {column} AS incident_id FROM {side}_rows"
                for side in sides
                for column in columns
            )
            schema_editor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                f"    IF EXISTS (SELECT 1 FROM ({rows}) r JOIN incidents_incident i "
                "ON i.id = r.incident_id WHERE i.status = 'published') THEN\n"
                f"        {PG_NEXT_VERSION};\n"
                "    END IF;\n    RETURN NULL;\nEND\n$$"
            )
            transitions = " ".join(f"{side.upper()} TABLE AS {side}_rows" for side in sides)
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transitions} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def pg_remove(schema_editor):
    for table in NAMES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {PG_NAMES_FUNCTION} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {PG_NAMES_FUNCTION}()")
    for table in PARTS:
        for event in EVENTS:
            name = pg_part_function(table, event)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def sqlite_triggers():
    """{name: (when, body)} of the row-level triggers."""
    triggers = {}
    for table, events in NAMES.items():
        for event in events:
            name = f"{table}_version_{event.lower()}"
            triggers[name] = (f"AFTER {event} ON {table}", SQLITE_NEXT_VERSION)
    for table, columns in PARTS.items():
        for event, sides in EVENTS.items():
            name = f"{table}_version_{event.lower()}"
            concerned = " OR ".join(
                f"id = {side.upper()}.{column}" for side in sides for column in columns
            )
            when = (
                f"AFTER {event} ON {table} WHEN EXISTS (SELECT 1 FROM incidents_incident "
                f"WHERE status = 'published' AND ({concerned}))"
            )
            triggers[name] = (when, SQLITE_NEXT_VERSION)
    return triggers


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pg_install(schema_editor)
    else:
        for name, (when, body) in sqlite_triggers().items():
            schema_editor.execute(f"CREATE TRIGGER {name} {when} BEGIN\n{body}\nEND")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pg_remove(schema_editor)
    else:
        for name in sqlite_triggers():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0025_translated_labels")]

    operations = [migrations.RunPython(forwards, backwards)]
