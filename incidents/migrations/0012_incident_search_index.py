"""Full-text index for the q= filter: title and narrative, 'simple' configuration.

PostgreSQL only (SQLite searches with LIKE). The index as it was built then, with the 'simple'
configuration; migration 0017 rebuilds it from querysets.SEARCH_DOCUMENT, with unaccent.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(
    SearchVector("title", "narrative", config="simple"), name="incident_search_idx"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("incidents", "Incident"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("incidents", "Incident"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_casualty_base_manager")]

    operations = [migrations.RunPython(create, drop)]
