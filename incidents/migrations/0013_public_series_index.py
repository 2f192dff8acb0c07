"""Covering index for the analysis series (/analysis/, /api/analysis/) and for the incident
list's count, facets and map when it is filtered by place and period: the published incidents'
place and start date, with the id (the map's most recent points), the end date (periods
overlap), event type (a facet), the date precision and the killed estimates the series sum.

A series is a GROUP BY over every published incident (or over those of a few places); with
these columns in the index PostgreSQL reads the index alone (an index-only scan, 44 MB at a
million incidents) instead of the whole table (800 MB). Place first, so that one region's
series reads only its places' entries. Measured with bench/bench_analysis.py at 1,000,000
incidents: the monthly series of everything 590–730 → about 290 ms, of one region (Mopti)
390 → about 100 ms, Q3 against Q3 per region 215–240 → about 150 ms (bench/README.md). The
list's count for one year in Mopti: a 320 ms parallel scan of the table → a 45 ms index-only scan.

The second index serves the other half of the period filter (incidents under way when the
period begins: start before it, end inside or after it), so that a period without a place is
two index ranges instead of a scan of the table.

PostgreSQL only, like 0004 and 0012 (SQLite has no INCLUDE and is not what runs at this size);
so it is not a Meta index, and the model state stays as it is.
"""

from django.db import migrations, models
from django.db.models import Q

INDEX = models.Index(
    fields=["location", "start_date"],
    include=[
        "id",
        "end_date",
        "event_type",
        "date_precision",
        "killed_low",
        "killed_best",
        "killed_high",
    ],
    condition=Q(status="published"),
    name="incident_public_series_idx",
)
END_DATE_INDEX = models.Index(
    fields=["end_date"],
    condition=Q(status="published", end_date__isnull=False),
    name="incident_public_end_date_idx",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in (INDEX, END_DATE_INDEX):
            schema_editor.add_index(apps.get_model("incidents", "Incident"), index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in (INDEX, END_DATE_INDEX):
            schema_editor.remove_index(apps.get_model("incidents", "Incident"), index)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_incident_search_index")]

    operations = [migrations.RunPython(create, drop)]
