"""Counts of the published incidents by day, by month and by year, kept exact by triggers, and the
public data version they move on (incidents/models/counts.py says why).

PostgreSQL: statement-level AFTER triggers with transition tables, so that an import's
bulk_create of thousands of rows or refresh_casualty_totals' one UPDATE is aggregated once and
upserted in one statement per table. SQLite: row-level triggers (UPSERT needs SQLite 3.24).
The SQL is written out here, not imported, because a migration is published history.
"""

from django.db import migrations, models

INCIDENT = "incidents_incident"
LOCATION = "incidents_location"
DAY = "incidents_publicincidentday"
MONTH = "incidents_publicincidentmonth"
YEAR = "incidents_publicincidentyear"
# Each table and the calendar unit its start_date and end_date are truncated to (None: days).
TABLES = [(DAY, None), (MONTH, "month"), (YEAR, "year")]
KEYS = "start_date, end_date, country_id, admin1_id, event_type_id, date_precision"
MEASURES = "incidents, killed_low, killed_best, killed_high, known_toll"
VERSION = "incidents_publicdataversion"
# The data version moves on to a number never used before, even by a transaction that rolled
# back (a memo computed inside it must never be taken for another's): a sequence on
# PostgreSQL, a random 64-bit number on SQLite. An upsert, because a flush (TRUNCATE) of the
# tables empties the one row.
VERSION_SEQUENCE = "incidents_public_data_version_seq"
PG_NEXT_VERSION = (
    f"INSERT INTO {VERSION} (id, number) VALUES (1, nextval('{VERSION_SEQUENCE}')) "
    "ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number"
)
SQLITE_NEXT_VERSION = (
    f"INSERT INTO {VERSION} (id, number) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET number = excluded.number;"
)


def truncated(column, unit, vendor):
    """The first day of the column's month or year (unit None: the day itself)."""
    if unit is None:
        return column
    if vendor == "postgresql":
        return f"DATE_TRUNC('{unit}', {column})::date"
    return f"date({column}, 'start of {unit}')"


def backfill_sql(table, unit, vendor):
    """INSERT of every published incident's counts into one of the tables."""
    start = truncated("i.start_date", unit, vendor)
    end = truncated("COALESCE(i.end_date, i.start_date)", unit, vendor)
    return (
        f"INSERT INTO {table} ({KEYS}, {MEASURES}) "
        f"SELECT {start}, {end}, l.country_id, COALESCE(l.admin1_id, 0), i.event_type_id, "
        "i.date_precision, COUNT(*), COALESCE(SUM(i.killed_low), 0), "
        "COALESCE(SUM(i.killed_best), 0), COALESCE(SUM(i.killed_high), 0), "
        "COUNT(i.killed_best) "
        f"FROM {INCIDENT} i JOIN {LOCATION} l ON l.id = i.location_id "
        "WHERE i.status = 'published' GROUP BY 1, 2, 3, 4, 5, 6"
    )


# --- PostgreSQL ------------------------------------------------------------------------------

# Each changed published incident as a row with sign +1 (counted now) or -1 (counted before).
PG_INCIDENT_CHANGES = {
    "new": "SELECT 1 AS sign, n.* FROM new_incidents n WHERE n.status = 'published'",
    "old": "SELECT -1 AS sign, o.* FROM old_incidents o WHERE o.status = 'published'",
}


def pg_incident_changed(parts):
    changes = " UNION ALL ".join(PG_INCIDENT_CHANGES[part] for part in parts)
    return (
        "SELECT c.sign, c.start_date, COALESCE(c.end_date, c.start_date) AS end_date, "
        "l.country_id, COALESCE(l.admin1_id, 0) AS admin1_id, c.event_type_id, "
        "c.date_precision, c.killed_low, c.killed_best, c.killed_high "
        f"FROM ({changes}) c JOIN {LOCATION} l ON l.id = c.location_id"
    )


# A place whose country or region changed moves its published incidents' counts.
PG_LOCATION_CHANGED = " UNION ALL ".join(
    f"SELECT {sign} AS sign, i.start_date, COALESCE(i.end_date, i.start_date) AS end_date, "
    f"{side}.country_id, COALESCE({side}.admin1_id, 0) AS admin1_id, i.event_type_id, "
    "i.date_precision, i.killed_low, i.killed_best, i.killed_high "
    "FROM old_locations o JOIN new_locations n ON n.id = o.id "
    f"JOIN {INCIDENT} i ON i.location_id = o.id AND i.status = 'published' "
    "WHERE (o.country_id, o.admin1_id) IS DISTINCT FROM (n.country_id, n.admin1_id)"
    for sign, side in (("-1", "o"), ("1", "n"))
)


def pg_upsert(table, unit):
    start = truncated("start_date", unit, "postgresql")
    end = truncated("end_date", unit, "postgresql")
    sums = [
        "SUM(sign)",
        "COALESCE(SUM(sign * killed_low), 0)",
        "COALESCE(SUM(sign * killed_best), 0)",
        "COALESCE(SUM(sign * killed_high), 0)",
        "SUM(CASE WHEN killed_best IS NULL THEN 0 ELSE sign END)",
    ]
    return (
        f"INSERT INTO {table} AS t ({KEYS}, {MEASURES}) "
        f"SELECT {start}, {end}, country_id, admin1_id, event_type_id, date_precision, "
        f"{', '.join(sums)} FROM changed GROUP BY 1, 2, 3, 4, 5, 6 "
        # An edit that changes nothing counted (a title) writes no row.
        f"HAVING {' OR '.join(f'{total} <> 0' for total in sums)} "
        f"ON CONFLICT ({KEYS}) DO UPDATE SET "
        + ", ".join(f"{name} = t.{name} + EXCLUDED.{name}" for name in MEASURES.split(", "))
        + " RETURNING t.id, t.incidents"
    )


def pg_function(name, changed):
    indexes = range(len(TABLES))
    upserts = ",\n    ".join(
        f"upserted_{index} AS ({pg_upsert(table, unit)})"
        for index, (table, unit) in enumerate(TABLES)
    )
    emptied = ", ".join(
        f"(SELECT array_agg(id) FROM upserted_{index} WHERE incidents = 0)" for index in indexes
    )
    deletes = "\n    ".join(
        f"IF emptied_{index} IS NOT NULL THEN "
        f"DELETE FROM {table} WHERE id = ANY (emptied_{index}); END IF;"
        for index, (table, _unit) in enumerate(TABLES)
    )
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    {" ".join(f"emptied_{index} bigint[];" for index in indexes)}
    touched boolean;
BEGIN
    WITH changed AS ({changed}),
    {upserts}
    SELECT {emptied}, EXISTS (SELECT 1 FROM changed)
    INTO {", ".join(f"emptied_{index}" for index in indexes)}, touched;
    -- A second statement: the upsert's own statement cannot delete the rows it updated.
    {deletes}
    IF touched THEN
        {PG_NEXT_VERSION};
    END IF;
    RETURN NULL;
END
$$"""


# (trigger, table, event, transition tables, what changed)
PG_TRIGGERS = [
    (
        "incidents_count_inserted",
        INCIDENT,
        "INSERT",
        "NEW TABLE AS new_incidents",
        pg_incident_changed(["new"]),
    ),
    (
        "incidents_count_updated",
        INCIDENT,
        "UPDATE",
        "OLD TABLE AS old_incidents NEW TABLE AS new_incidents",
        pg_incident_changed(["old", "new"]),
    ),
    (
        "incidents_count_deleted",
        INCIDENT,
        "DELETE",
        "OLD TABLE AS old_incidents",
        pg_incident_changed(["old"]),
    ),
    (
        "incidents_count_place_moved",
        LOCATION,
        "UPDATE",
        "OLD TABLE AS old_locations NEW TABLE AS new_locations",
        PG_LOCATION_CHANGED,
    ),
]


def install_postgresql(schema_editor):
    for trigger, table, event, transitions, changed in PG_TRIGGERS:
        schema_editor.execute(pg_function(trigger, changed))
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )


def remove_postgresql(schema_editor):
    for trigger, table, *_rest in PG_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_key(row, unit):
    """The count row's key of the incident `row` (NEW or OLD), read through its place."""
    return (
        f"SELECT {truncated(f'{row}.start_date', unit, 'sqlite')}, "
        f"{truncated(f'COALESCE({row}.end_date, {row}.start_date)', unit, 'sqlite')}, "
        f"l.country_id, COALESCE(l.admin1_id, 0), {row}.event_type_id, {row}.date_precision "
        f"FROM {LOCATION} l WHERE l.id = {row}.location_id"
    )


def sqlite_add(row):
    """Count the incident `row` (NEW) in every table, if it is published."""
    return [
        f"INSERT INTO {table} ({KEYS}, {MEASURES}) "
        f"SELECT {truncated(f'{row}.start_date', unit, 'sqlite')}, "
        f"{truncated(f'COALESCE({row}.end_date, {row}.start_date)', unit, 'sqlite')}, "
        f"l.country_id, COALESCE(l.admin1_id, 0), {row}.event_type_id, "
        f"{row}.date_precision, 1, COALESCE({row}.killed_low, 0), "
        f"COALESCE({row}.killed_best, 0), COALESCE({row}.killed_high, 0), "
        f"CASE WHEN {row}.killed_best IS NULL THEN 0 ELSE 1 END "
        f"FROM {LOCATION} l WHERE l.id = {row}.location_id AND {row}.status = 'published' "
        f"ON CONFLICT ({KEYS}) DO UPDATE SET "
        + ", ".join(f"{name} = {name} + excluded.{name}" for name in MEASURES.split(", "))
        + ";"
        for table, unit in TABLES
    ]


def sqlite_take_away(row):
    """Take the incident `row` (OLD) away from the rows it was counted in, if it was published.
    An UPDATE, never an insert: where the row is gone (a flush empties the count tables before
    the incidents, row by row), nothing is left behind below zero."""
    return [
        f"UPDATE {table} SET incidents = incidents - 1, "
        f"killed_low = killed_low - COALESCE({row}.killed_low, 0), "
        f"killed_best = killed_best - COALESCE({row}.killed_best, 0), "
        f"killed_high = killed_high - COALESCE({row}.killed_high, 0), "
        f"known_toll = known_toll - (CASE WHEN {row}.killed_best IS NULL THEN 0 ELSE 1 END) "
        f"WHERE {row}.status = 'published' AND ({KEYS}) = ({sqlite_key(row, unit)});"
        for table, unit in TABLES
    ]


def sqlite_delete_empty(row):
    """Delete the rows the incident `row` was counted in, if they count nothing now."""
    return [
        f"DELETE FROM {table} WHERE incidents = 0 "
        f"AND start_date = {truncated(f'{row}.start_date', unit, 'sqlite')} "
        f"AND end_date = "
        f"{truncated(f'COALESCE({row}.end_date, {row}.start_date)', unit, 'sqlite')} "
        f"AND event_type_id = {row}.event_type_id AND date_precision = {row}.date_precision;"
        for table, unit in TABLES
    ]


def sqlite_body(*steps):
    return "\n".join([*steps, SQLITE_NEXT_VERSION])


SQLITE_TRIGGERS = {
    "incidents_count_inserted": (
        f"AFTER INSERT ON {INCIDENT} WHEN NEW.status = 'published'",
        sqlite_body(*sqlite_add("NEW")),
    ),
    "incidents_count_updated": (
        f"AFTER UPDATE ON {INCIDENT} WHEN OLD.status = 'published' OR NEW.status = 'published'",
        sqlite_body(*sqlite_take_away("OLD"), *sqlite_add("NEW"), *sqlite_delete_empty("OLD")),
    ),
    "incidents_count_deleted": (
        f"AFTER DELETE ON {INCIDENT} WHEN OLD.status = 'published'",
        sqlite_body(*sqlite_take_away("OLD"), *sqlite_delete_empty("OLD")),
    ),
    # A place moved to another country or region: recount (moves are rare; the tables are
    # small on the laptops SQLite serves).
    "incidents_count_place_moved": (
        f"AFTER UPDATE OF country_id, admin1_id ON {LOCATION} "
        "WHEN OLD.country_id IS NOT NEW.country_id OR OLD.admin1_id IS NOT NEW.admin1_id",
        sqlite_body(
            *(
                step
                for table, unit in TABLES
                for step in (f"DELETE FROM {table};", backfill_sql(table, unit, "sqlite") + ";")
            )
        ),
    ),
}


def install_sqlite(schema_editor):
    for trigger, (when, body) in SQLITE_TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER {trigger} {when} BEGIN\n{body}\nEND")


def remove_sqlite(schema_editor):
    for trigger in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No incident may change between the backfill and the triggers.
        schema_editor.execute(f"LOCK TABLE {INCIDENT}, {LOCATION} IN SHARE MODE")
    for table, unit in TABLES:
        schema_editor.execute(backfill_sql(table, unit, vendor))
    if vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE {VERSION_SEQUENCE}")
        install_postgresql(schema_editor)
        schema_editor.execute(PG_NEXT_VERSION)
    else:
        install_sqlite(schema_editor)
        schema_editor.execute(SQLITE_NEXT_VERSION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        remove_postgresql(schema_editor)
        schema_editor.execute(f"DROP SEQUENCE {VERSION_SEQUENCE}")
    else:
        remove_sqlite(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0020_indexes_for_slow_corners"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicDataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="PublicIncidentDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                ("country_id", models.IntegerField()),
                ("admin1_id", models.IntegerField()),
                ("event_type_id", models.CharField(max_length=50)),
                ("date_precision", models.PositiveSmallIntegerField()),
                ("incidents", models.IntegerField()),
                ("killed_low", models.BigIntegerField()),
                ("killed_best", models.BigIntegerField()),
                ("killed_high", models.BigIntegerField()),
                ("known_toll", models.IntegerField()),
            ],
            options={
                "ordering": ["start_date", "id"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "start_date",
                            "end_date",
                            "country_id",
                            "admin1_id",
                            "event_type_id",
                            "date_precision",
                        ),
                        name="public_incident_day_key",
                    )
                ],
                "indexes": [
                    models.Index(
                        fields=["admin1_id", "start_date"], name="public_incident_day_region"
                    ),
                    models.Index(
                        fields=["country_id", "start_date"], name="public_incident_day_country"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PublicIncidentMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                ("country_id", models.IntegerField()),
                ("admin1_id", models.IntegerField()),
                ("event_type_id", models.CharField(max_length=50)),
                ("date_precision", models.PositiveSmallIntegerField()),
                ("incidents", models.IntegerField()),
                ("killed_low", models.BigIntegerField()),
                ("killed_best", models.BigIntegerField()),
                ("killed_high", models.BigIntegerField()),
                ("known_toll", models.IntegerField()),
            ],
            options={
                "ordering": ["start_date", "id"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "start_date",
                            "end_date",
                            "country_id",
                            "admin1_id",
                            "event_type_id",
                            "date_precision",
                        ),
                        name="public_incident_month_key",
                    )
                ],
                "indexes": [
                    models.Index(
                        fields=["admin1_id", "start_date"], name="public_incident_month_region"
                    ),
                    models.Index(
                        fields=["country_id", "start_date"], name="public_incident_month_country"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PublicIncidentYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                ("country_id", models.IntegerField()),
                ("admin1_id", models.IntegerField()),
                ("event_type_id", models.CharField(max_length=50)),
                ("date_precision", models.PositiveSmallIntegerField()),
                ("incidents", models.IntegerField()),
                ("killed_low", models.BigIntegerField()),
                ("killed_best", models.BigIntegerField()),
                ("killed_high", models.BigIntegerField()),
                ("known_toll", models.IntegerField()),
            ],
            options={
                "ordering": ["start_date", "id"],
                "abstract": False,
                "indexes": [
                    models.Index(
                        fields=["admin1_id", "start_date"], name="public_incident_year_region"
                    ),
                    models.Index(
                        fields=["country_id", "start_date"], name="public_incident_year_country"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "start_date",
                            "end_date",
                            "country_id",
                            "admin1_id",
                            "event_type_id",
                            "date_precision",
                        ),
                        name="public_incident_year_key",
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
