"""Indexes for two pages that were slow at a million incidents (issue 16, point 7; measured
with bench/bench_corners.py, numbers in bench/README.md):

- incident_date_idx: the analysts' admin list, every status, newest first (its default order).
  The public list's incident_public_date_idx holds published incidents only, so the admin's
  first page sorted the whole table to show 100 rows.
- incident_actor_by_actor_idx: an actor's roles with their incidents, read from the index alone:
  the actor page (role counts, yearly trend, co-actors) and the "names an actor" arm of the
  public and admin searches. The foreign key's own index holds the actor only, so each role
  row was read from the table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0019_import_runs_in_background")]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("start_date"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="incident_date_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incidentactor",
            index=models.Index(
                fields=["actor", "incident", "role"], name="incident_actor_by_actor_idx"
            ),
        ),
    ]
