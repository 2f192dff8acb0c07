"""A dry run's writes leave the derived tables alone: every trigger that keeps the search
entries, the actor counts, the count tables or the public data version in step with the
incidents fires only when the transaction has not said it is a dry run
(`SET LOCAL incidentdb.dry_run = 'on'`, importers/importing.py).

A dry run writes the file's rows to count what an import would do, and rolls them back: what
those triggers write is rolled back with them, and nothing of the dry run's report reads it.
They were most of its time: a 50,000-row ACLED dry run took 16.5 s with them and 10.5 to
11.4 s without (bench/README.md). A setting of the transaction, rather than the BulkLoad's DISABLE TRIGGER,
takes no lock: readers of the incidents do not wait for a dry run.

Each trigger is made again with a WHEN condition; its function is unchanged. TRUNCATE's
triggers are left as they are (no dry run truncates). tests/incidents/test_import_bulk.py checks
that every such trigger has the condition, so that one added later is not forgotten.
PostgreSQL only: SQLite has no such setting, and its triggers stay as they are.
"""

import re

from django.db import migrations

# The triggers' names (models/search.py, actor_counts.py, counts.py), as LIKE patterns.
PREFIXES = [r"searchentry\_%", r"actorcount\_%", r"incidents\_count\_%", r"incidents\_version\_%"]
CONDITION = "current_setting('incidentdb.dry_run', true) IS DISTINCT FROM 'on'"
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
