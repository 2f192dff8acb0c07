"""Full-text index for the q= filter: title and narrative, 'simple' configuration.

PostgreSQL only (SQLite searches with LIKE). Built from querysets.SEARCH_DOCUMENT so that the
index expression and the query's expression are compiled by the same code and always match.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from incidents.querysets import SEARCH_DOCUMENT

INDEX = GinIndex(SEARCH_DOCUMENT, name="incident_search_idx")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("incidents", "Incident"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("incidents", "Incident"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_casualty_base_manager")]

    operations = [migrations.RunPython(create, drop)]
