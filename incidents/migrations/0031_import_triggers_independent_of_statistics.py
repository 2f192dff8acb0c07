"""The statements that triggers run for every chunk an import writes row by row, planned the
same whatever the planner's statistics say, so that an import's own transaction, which fills
tables the statistics still describe as empty or small (any dry run, an import into a new
database), does not make each chunk slower than the last.

- The actor counts' recount (actorcount_recount, 0029) finds the role sets it does not hold
  yet by one pass over the set table (EXCEPT, as actorcount_rebuild already does), instead of
  a look-up per counted incident. Those look-ups went through the sets' GIN index (made for
  "the sets that hold this actor") rather than the unique B-tree: 0.4 ms an incident, 0.5 to
  0.9 s of each 2,000-row chunk of a 50,000-row ACLED dry run. The table holds a few thousand
  sets at a million incidents: read whole with a hash, a millisecond.
- The same recount looks the incidents it took away up by their keys, to tell which are no
  longer published, instead of an anti-join to the published incidents, which was planned as
  a scan of every published incident: 126 ms a statement at 30,000 incidents. (Its other join
  to the published incidents stays: written the same way, the planner, expecting ten rows,
  joined the incidents' role sets by a nested loop over two CTEs, 2,000 × 2,000 rows.)
- The data version's triggers on an incident's parts (0026) look each row's incident up by
  its key (a subquery per row, stopping at the first published one) instead of joining the
  statement's rows to the incidents, which was planned as a scan of every incident: 80 ms a
  statement at 50,000 incidents, five statements a chunk, growing with the table.

PostgreSQL only, as 0026's and 0028–0029's functions. Each function is written again whole,
from those migrations' own pieces.
"""

import importlib

from django.db import migrations

actor_counts = importlib.import_module(
    "incidents.migrations.0029_incident_actors_by_day_region_type"
)
version = importlib.import_module("incidents.migrations.0026_public_data_version_covers_pages")

ACTOR_SET = actor_counts.ACTOR_SET
LOOKED_UP = f"""INSERT INTO {ACTOR_SET} (roles) SELECT DISTINCT roles FROM role_sets r
        WHERE NOT EXISTS (SELECT 1 FROM {ACTOR_SET} s WHERE s.roles = r.roles)
        ON CONFLICT (roles) DO NOTHING RETURNING id, roles"""
HASHED = f"""INSERT INTO {ACTOR_SET} (roles)
        SELECT roles FROM role_sets EXCEPT SELECT roles FROM {ACTOR_SET}
        ON CONFLICT (roles) DO NOTHING RETURNING id, roles"""
# The counted incidents no longer published, each looked up by its key.
NOT_PUBLISHED_JOINED = """AND NOT EXISTS (
            SELECT 1 FROM incidents_incident i WHERE i.id = w.incident_id AND i.status = 'published'
        )"""
NOT_PUBLISHED_BY_KEY = """AND (SELECT i.status FROM incidents_incident i WHERE i.id = w.incident_id)
            IS DISTINCT FROM 'published'"""
RECOUNT = actor_counts.RECOUNT
for before, after in [
    (LOOKED_UP, HASHED),
    (NOT_PUBLISHED_JOINED, NOT_PUBLISHED_BY_KEY),
]:
    assert RECOUNT.count(before) == 1
    RECOUNT = RECOUNT.replace(before, after)

# Whether the statement's rows concern a published incident: 0026's join, and its replacement.
JOINED = "EXISTS (SELECT 1 FROM ({rows}) r JOIN incidents_incident i ON i.id = r.incident_id WHERE i.status = 'published')"  # noqa: E501
BY_KEY = "EXISTS (SELECT 1 FROM ({rows}) r WHERE (SELECT i.status FROM incidents_incident i WHERE i.id = r.incident_id) = 'published')"  # noqa: E501


def part_functions(concerns_published):
    """0026's functions of the data version on an incident's parts, testing with
    `concerns_published` (JOINED or BY_KEY)."""
    for table, columns in version.PARTS.items():
        for event, sides in version.EVENTS.items():
            rows = " UNION ALL ".join(
                f"SELECT {column} AS incident_id FROM {side}_rows"
                for side in sides
                for column in columns
            )
            yield (
                f"CREATE OR REPLACE FUNCTION {version.pg_part_function(table, event)}() "
                "RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                f"    IF {concerns_published.format(rows=rows)} THEN\n"
                f"        {version.PG_NEXT_VERSION};\n"
                "    END IF;\n    RETURN NULL;\nEND\n$$"
            )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RECOUNT)
        for function in part_functions(BY_KEY):
            schema_editor.execute(function)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(actor_counts.RECOUNT)
        for function in part_functions(JOINED):
            schema_editor.execute(function)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0030_incident_actors_by_set"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
