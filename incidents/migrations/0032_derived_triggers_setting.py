"""The triggers that keep the derived tables (the search entries, the actor counts, the count
tables, the public data version on an incident's parts) fire only while the transaction has not
set `incidentdb.derived_triggers` to "off" (`SET LOCAL`, importers/bulk.py
set_derived_triggers). A setting of the transaction takes no lock, and goes with its rollback.

Two writers set it off:
- A dry run, which writes the file's rows to count what an import would do and rolls them back:
  what those triggers write is rolled back with them, and nothing of its report reads it. They
  were most of its time: a 50,000-row ACLED dry run took 16.5 s with them and 10.5 to 11.4 s
  without (bench/README.md). The bulk load's DISABLE TRIGGER was not for it: that locks the
  tables, and readers of the incidents would wait for a dry run.
- A bulk load (BulkLoad), which does their work itself and used DISABLE TRIGGER for it: one way
  for both now.

Each trigger is made again with a WHEN condition; its function is unchanged. TRUNCATE's
triggers are left as they are (no import truncates). tests/incidents/test_import_bulk.py checks
that every such trigger has the condition, so that one added later is not forgotten.
PostgreSQL only: SQLite has no such setting, and its triggers stay as they are.
"""

import re

from django.db import migrations

# The triggers' names (models/search.py, actor_counts.py, counts.py), as LIKE patterns.
PREFIXES = [r"searchentry\_%", r"actorcount\_%", r"incidents\_count\_%", r"incidents\_version\_%"]
CONDITION = "current_setting('incidentdb.derived_triggers', true) IS DISTINCT FROM 'off'"
TRUNCATE = 1 << 5  # pg_trigger.tgtype's TRUNCATE bit


def triggers(cursor):
    """(table, name, CREATE TRIGGER statement) of each trigger to guard."""
    cursor.execute(
        "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgname LIKE ANY (%s) AND tgtype & %s = 0 ORDER BY 1, 2",
        [PREFIXES, TRUNCATE],
    )
    return cursor.fetchall()


def remake(schema_editor, condition):
    with schema_editor.connection.cursor() as cursor:
        for table, name, definition in triggers(cursor):
            unguarded = re.sub(r" WHEN \(.*\) EXECUTE FUNCTION ", " EXECUTE FUNCTION ", definition)
            when = f" WHEN ({condition}) EXECUTE FUNCTION " if condition else " EXECUTE FUNCTION "
            cursor.execute(f'DROP TRIGGER "{name}" ON {table}')
            cursor.execute(unguarded.replace(" EXECUTE FUNCTION ", when, 1))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        remake(schema_editor, CONDITION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        remake(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0031_import_triggers_independent_of_statistics"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
