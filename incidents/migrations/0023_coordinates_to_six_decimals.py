"""Places' coordinates to six decimals, as UCDP GED and ACLED publish them (they were cut to
five).

Only PostgreSQL's columns change (numeric(8,5) → numeric(9,6), in place). SQLite's column is
`decimal` whatever the precision (Django rounds when it reads), and an AlterField there would
remake the place table, dropping the count triggers of migration 0021 that read it: so the
model's state changes alone."""

from django.db import migrations, models

PLACE_TABLE = "incidents_location"


def column_types(precision, scale):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"ALTER TABLE {PLACE_TABLE} "
            f"ALTER COLUMN latitude TYPE numeric({precision}, {scale}), "
            f"ALTER COLUMN longitude TYPE numeric({precision}, {scale})"
        )

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0022_changed_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="location",
                    name="latitude",
                    field=models.DecimalField(decimal_places=6, max_digits=9),
                ),
                migrations.AlterField(
                    model_name="location",
                    name="longitude",
                    field=models.DecimalField(decimal_places=6, max_digits=9),
                ),
            ],
            database_operations=[
                migrations.RunPython(column_types(9, 6), column_types(8, 5)),
            ],
        ),
    ]
