"""Index for the public list sorted by killed, most first, unknown counts last.

PostgreSQL only: SQLite cannot declare NULLS LAST in an index, so this is not a Meta index.
"""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS incident_public_killed_idx
ON incidents_incident (killed_best DESC NULLS LAST, id DESC)
WHERE status = 'published'
"""
DROP = "DROP INDEX IF EXISTS incident_public_killed_idx"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_analyst_and_reviewer_groups")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
