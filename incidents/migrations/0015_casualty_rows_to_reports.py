"""Casualty rows, one per source and added up, become source reports beside one coded figure.

Each existing Casualty row becomes a SourceReport of its source: EXACT when low == best ==
high, else a RANGE low–high. Rows that shared an incident, group and outcome were added up into
the totals; they merge into one coded figure whose low, best and high are those sums, so no
public total changes, with a note asking an analyst to check it against the reports.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CHUNK = 50_000

MERGED_NOTE = (
    "Merged from {count} rows that were added up (one per source, before source reports were "
    "kept): check this figure against the source reports."
)


def casualty_rows_to_reports(apps, schema_editor):
    Casualty = apps.get_model("incidents", "Casualty")
    SourceReport = apps.get_model("incidents", "SourceReport")
    db = schema_editor.connection.alias
    quote = schema_editor.connection.ops.quote_name
    casualties, reports = Casualty._meta.db_table, SourceReport._meta.db_table
    group = quote("group")

    # Every row's figures as its source's report, set-based, in id ranges.
    last_id = Casualty.objects.using(db).aggregate(models.Max("id"))["id__max"] or 0
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, last_id + 1, CHUNK):
            cursor.execute(
                f"""
                INSERT INTO {reports} (incident_id, {group}, outcome, source_id, qualifier,
                                       figure, figure_high, reported_on, quote)
                SELECT incident_id, {group}, outcome, source_id,
                       CASE WHEN low = best AND best = high THEN 'exact' ELSE 'range' END,
                       CASE WHEN low = best AND best = high THEN best ELSE low END,
                       CASE WHEN low = best AND best = high THEN NULL ELSE high END,
                       NULL, ''
                FROM {casualties}
                WHERE id >= %s AND id < %s
                ORDER BY id
                """,
                [start, start + CHUNK],
            )

    # Rows that were added up become one coded figure holding their sums.
    merged = (
        Casualty.objects.using(db)
        .values("incident_id", "group", "outcome")
        .annotate(
            rows=models.Count("id"),
            keep=models.Min("id"),
            low_sum=models.Sum("low"),
            best_sum=models.Sum("best"),
            high_sum=models.Sum("high"),
        )
        .filter(rows__gt=1)
        .order_by()
    )
    batch = []
    for key in merged.iterator(chunk_size=CHUNK):
        batch.append(key)
        if len(batch) == CHUNK:
            _merge(Casualty, db, batch)
            batch = []
    _merge(Casualty, db, batch)
    with schema_editor.connection.cursor() as cursor:
        # The merged rows other than the one kept (the lowest id), in one statement.
        cursor.execute(
            f"""
            DELETE FROM {casualties}
            WHERE EXISTS (
                SELECT 1 FROM {casualties} kept
                WHERE kept.incident_id = {casualties}.incident_id
                  AND kept.{group} = {casualties}.{group}
                  AND kept.outcome = {casualties}.outcome
                  AND kept.id < {casualties}.id
            )
            """
        )

    if schema_editor.connection.vendor == "postgresql":
        # Check the new rows' foreign keys now: the columns are altered next, and PostgreSQL
        # refuses to alter a table with pending constraint checks.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _merge(Casualty, db, batch):
    if not batch:
        return
    kept = [
        Casualty(
            id=key["keep"],
            low=key["low_sum"],
            best=key["best_sum"],
            high=key["high_sum"],
            note=MERGED_NOTE.format(count=key["rows"]),
        )
        for key in batch
    ]
    Casualty.objects.using(db).bulk_update(kept, ["low", "best", "high", "note"], batch_size=1000)


# Analysts and reviewers enter source reports as they enter casualty figures.
REPORT_PERMISSIONS = [f"{action}_sourcereport" for action in ("view", "add", "change", "delete")]


def grant_report_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="incidents", codename__in=REPORT_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Analyst", "Reviewer"]):
        group.permissions.add(*permissions)


def revoke_report_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="incidents", codename__in=REPORT_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Analyst", "Reviewer"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_source_reports_versions_review"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(grant_report_permissions, revoke_report_permissions),
        # Backwards the reports stay and the source column comes back empty.
        migrations.RunPython(casualty_rows_to_reports, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="casualty",
            name="source",
        ),
        migrations.RemoveField(
            model_name="historicalcasualty",
            name="source",
        ),
        migrations.AddConstraint(
            model_name="casualty",
            constraint=models.UniqueConstraint(
                fields=("incident", "group", "outcome"), name="casualty_one_per_group_outcome"
            ),
        ),
        # The report form's messages when a figure is missing or a range has no upper end
        # (state only: the database's checks are unchanged).
        migrations.AlterConstraint(
            model_name="sourcereport",
            name="source_report_figure_unless_no_toll",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("figure__isnull", True), ("qualifier", "no_toll")),
                    models.Q(
                        models.Q(("qualifier", "no_toll"), _negated=True),
                        ("figure__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="source_report_figure_unless_no_toll",
                violation_error_message="Give the figure as reported, or choose “no toll given”.",
            ),
        ),
        # A range without its upper end passed the old check (NULL >= figure is not false).
        migrations.RemoveConstraint(
            model_name="sourcereport",
            name="source_report_range_has_upper_end",
        ),
        migrations.AddConstraint(
            model_name="sourcereport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("figure_high__gte", models.F("figure")),
                        ("figure_high__isnull", False),
                        ("qualifier", "range"),
                    ),
                    models.Q(
                        models.Q(("qualifier", "range"), _negated=True),
                        ("figure_high__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="source_report_range_has_upper_end",
                violation_error_message=(
                    "A range needs its upper end (“to”, not below the figure); other figures "
                    "have none."
                ),
            ),
        ),
    ]
