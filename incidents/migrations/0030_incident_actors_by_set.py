"""An index of the actor counts' rows per incident (PublicIncidentActors) by role set, so that
a list filtered by actor or actor type counts its incidents and facets from their narrow rows
(counts.ActorFilter): the sets that hold the actors are found first (a few of 8,600 for one
actor at a million incidents), then their incidents' rows are read from this index alone.

PostgreSQL only, as the table (0028). Built in about 2 s at a million incidents; a bulk
import sets it aside and builds it again with the table's other indexes.
"""

from django.db import migrations

SET_INDEX = (
    "CREATE INDEX publicincidentactors_set_idx ON incidents_publicincidentactors "
    "(actor_set_id, start_day) INCLUDE (end_day, country_id, admin1_id, event_type_id)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SET_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS publicincidentactors_set_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0029_incident_actors_by_day_region_type"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
