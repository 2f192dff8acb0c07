"""Accents do not count in searches: PostgreSQL's unaccent extension, and the full-text index
behind q= rebuilt with a 'simple' configuration that drops accents (incidentdb_simple_unaccent).

PostgreSQL only; SQLite folds with a Python function registered on each connection
(incidents/folding.py). Creating the extension needs a role allowed to (the database owner on
PostgreSQL 13+, where unaccent is a trusted extension).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIGURATION = "incidentdb_simple_unaccent"
BEFORE = GinIndex(
    SearchVector("title", "narrative", config="simple"), name="incident_search_idx"
)
AFTER = GinIndex(
    SearchVector("title", "narrative", config=CONFIGURATION), name="incident_search_idx"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = simple)")
    schema_editor.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
    )
    incident = apps.get_model("incidents", "Incident")
    schema_editor.remove_index(incident, BEFORE)
    schema_editor.add_index(incident, AFTER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    incident = apps.get_model("incidents", "Incident")
    schema_editor.remove_index(incident, AFTER)
    schema_editor.add_index(incident, BEFORE)
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION {CONFIGURATION}")
    # The extension stays: dropping it could break anything else that uses it.


class Migration(migrations.Migration):
    dependencies = [("incidents", "0016_history_to_versions")]

    # Not django.contrib.postgres's UnaccentExtension: unapplied, it queries pg_extension even
    # on SQLite.
    operations = [migrations.RunPython(forwards, backwards)]
