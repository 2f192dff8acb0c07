"""Statistics for the small tables of a database filled before imports analysed them (0b281aa).

Autovacuum analyses a table once 50 of its rows changed: a table of six countries, or of a few
dozen regions, never gets statistics, and the planner then guessed Mali's places at 11 of 3,142
and sorted all of Mali's incidents for the first page of its deadliest (777 ms at a million
incidents, 65 ms with statistics). Imports now analyse what they write; this gives a database
filled before that, or by hand in the admin, the statistics once. PostgreSQL only; it changes
no data, so going back has nothing to undo.
"""

from django.db import migrations

SMALL_TABLES = [
    "incidents_country",
    "incidents_adminarea",
    "incidents_source",
    "incidents_eventtype",
    "incidents_subeventtype",
]


def analyse(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(map(connection.ops.quote_name, SMALL_TABLES))}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0035_incidents_entered_here_index")]

    operations = [migrations.RunPython(analyse, migrations.RunPython.noop, elidable=True)]
