"""Each published incident's counted key in the actor counts also holds its start and end
days, its region and its event type, so that a split by actor of any selection the count
tables describe (days, weeks, regions, event types) reads that one narrow row per incident
instead of two million roles (models/actor_counts.py).

PostgreSQL only, as 0028: the table's four new columns, the recount and the rebuild that
write them, and the triggers on the incidents and their places, which now also recount an
incident whose event type or whose place's region changes. Both now offer the role-set
dictionary only the sets it does not hold yet, so that its ids stay dense (0028 spent one on
every set it offered, known or not). The counted rows are made again
by actorcount_rebuild (about 10 s at a million incidents).

0028's SQL pieces that do not change are read from it (a migration is never edited, so they
are as fixed as if written out here); what changes is written out.
"""

import importlib

from django.db import migrations, models

previous = importlib.import_module("incidents.migrations.0028_public_actor_counts")

INCIDENT = previous.INCIDENT
LOCATION = previous.LOCATION
ACTOR_SET = previous.ACTOR_SET
COUNTED = previous.COUNTED
SET_MONTH = previous.SET_MONTH
ACTOR_MONTH = previous.ACTOR_MONTH
SET_KEY = previous.SET_KEY
ACTOR_KEY = previous.ACTOR_KEY
KEY = previous.KEY
DATASET = previous.DATASET
ROLE_CODES = previous.ROLE_CODES
MEASURES = previous.MEASURES
upsert = previous.upsert

# Added after 0028's columns, in this order (was_counted's k.* reads them so).
NEW_COLUMNS = [
    "start_day date NOT NULL",
    "end_day date NOT NULL",
    "admin1_id integer NOT NULL",
    "event_type_id varchar(50) NOT NULL",
]
COUNTED_COLUMNS = previous.COUNTED_COLUMNS + ", start_day, end_day, admin1_id, event_type_id"
# The new columns' values, from the incident i and its place l (a place without a region is
# region 0, as in the count tables).
NEW_VALUES = (
    "i.start_date AS start_day, COALESCE(i.end_date, i.start_date) AS end_day, "
    "COALESCE(l.admin1_id, 0) AS admin1_id, i.event_type_id"
)

# 0028's recount with the new columns in now_counted and in the kept rows.
RECOUNT = f"""
CREATE OR REPLACE FUNCTION actorcount_recount(changed_ids bigint[], roles_changed boolean)
RETURNS void LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    emptied_sets bigint[];
    emptied_actors bigint[];
    missing bigint[];
BEGIN
    -- A second round for the incidents whose new set another transaction was adding at the
    -- same time (the insert waited for it, and this statement cannot see it: the next can).
    FOR round IN 1..2 LOOP
    IF changed_ids IS NULL THEN
        RETURN;
    END IF;
    EXECUTE $recount$
    WITH touched AS MATERIALIZED (SELECT unnest($1) AS id),
    was_counted AS MATERIALIZED (
        SELECT k.*, s.roles FROM {COUNTED} k JOIN touched t ON t.id = k.incident_id
        JOIN {ACTOR_SET} s ON s.id = k.actor_set_id
    ),
    -- Where the roles did not change (an incident's own write), a counted incident keeps
    -- its set: only the others' roles are read.
    roles_read AS MATERIALIZED (
        SELECT t.id FROM touched t
        WHERE $2 OR NOT EXISTS (SELECT 1 FROM was_counted w WHERE w.incident_id = t.id)
    ),
    read_sets AS MATERIALIZED (
        SELECT incident_id, array_agg(code ORDER BY code) AS roles FROM (
            {ROLE_CODES} JOIN roles_read t ON t.id = r.incident_id
            GROUP BY r.incident_id, r.actor_id
        ) codes GROUP BY incident_id
    ),
    role_sets AS MATERIALIZED (
        SELECT w.incident_id AS id, w.roles FROM was_counted w
        JOIN {INCIDENT} i ON i.id = w.incident_id AND i.status = 'published'
        WHERE NOT $2
        UNION ALL
        SELECT t.id, COALESCE(c.roles, '{{}}') FROM roles_read t
        JOIN {INCIDENT} i ON i.id = t.id AND i.status = 'published'
        LEFT JOIN read_sets c ON c.incident_id = t.id
    ),
    -- Only the sets not yet known are offered: an INSERT takes the next id before it meets
    -- the conflict, and the ids, dense, index the arrays of a split by actor (series.py).
    new_sets AS (
        INSERT INTO {ACTOR_SET} (roles) SELECT DISTINCT roles FROM role_sets r
        WHERE NOT EXISTS (SELECT 1 FROM {ACTOR_SET} s WHERE s.roles = r.roles)
        ON CONFLICT (roles) DO NOTHING RETURNING id, roles
    ),
    now_counted AS MATERIALIZED (
        SELECT i.id AS incident_id, s.id AS actor_set_id, {DATASET} AS dataset,
            DATE_TRUNC('month', i.start_date)::date AS start_date,
            DATE_TRUNC('month', COALESCE(i.end_date, i.start_date))::date AS end_date,
            l.country_id, i.date_precision, i.killed_low, i.killed_best, i.killed_high,
            {NEW_VALUES}, rs.roles
        FROM role_sets rs JOIN {INCIDENT} i ON i.id = rs.id
        JOIN {LOCATION} l ON l.id = i.location_id
        LEFT JOIN (SELECT id, roles FROM {ACTOR_SET} UNION ALL SELECT id, roles FROM new_sets) s
            ON s.roles = rs.roles
    ),
    changed AS (
        SELECT -1 AS sign, w.* FROM was_counted w
        UNION ALL SELECT 1, n.* FROM now_counted n WHERE n.actor_set_id IS NOT NULL
    ),
    by_actor AS (
        SELECT c.*, a.code / 4 AS actor_id FROM changed c CROSS JOIN unnest(c.roles) AS a (code)
    ),
    sets AS ({upsert(SET_MONTH, SET_KEY, "changed")}),
    actors AS ({upsert(ACTOR_MONTH, ACTOR_KEY, "by_actor")}),
    kept AS (
        INSERT INTO {COUNTED} ({COUNTED_COLUMNS})
        SELECT {COUNTED_COLUMNS} FROM now_counted WHERE actor_set_id IS NOT NULL
        ON CONFLICT (incident_id) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in COUNTED_COLUMNS.split(", ")[1:])}
    ),
    uncounted AS (
        -- The incidents no longer published (now_counted holds the others, and a join of
        -- two CTEs is planned for many times their rows).
        DELETE FROM {COUNTED} k USING was_counted w WHERE k.incident_id = w.incident_id
        AND NOT EXISTS (
            SELECT 1 FROM {INCIDENT} i WHERE i.id = w.incident_id AND i.status = 'published'
        )
    )
    SELECT (SELECT array_agg(id) FROM sets WHERE incidents = 0),
        (SELECT array_agg(id) FROM actors WHERE incidents = 0),
        (SELECT array_agg(incident_id) FROM now_counted WHERE actor_set_id IS NULL)
    $recount$ INTO emptied_sets, emptied_actors, missing USING changed_ids, roles_changed;
    -- A second statement: the upserts' own statement cannot delete the rows it updated.
    DELETE FROM {SET_MONTH} WHERE id = ANY (emptied_sets);
    DELETE FROM {ACTOR_MONTH} WHERE id = ANY (emptied_actors);
    -- Taken away above but not counted again: their kept keys go, the next round counts them.
    DELETE FROM {COUNTED} WHERE incident_id = ANY (missing);
    changed_ids := missing;
    roles_changed := true;
    END LOOP;
    IF changed_ids IS NOT NULL THEN
        RAISE EXCEPTION 'actor counts: no role set for incidents %%', changed_ids;
    END IF;
END
$$"""

REBUILD = f"""
CREATE OR REPLACE FUNCTION actorcount_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {COUNTED}, {SET_MONTH}, {ACTOR_MONTH};
    CREATE TEMPORARY TABLE actorcount_sets ON COMMIT DROP AS
        SELECT incident_id AS id, array_agg(code ORDER BY code) AS roles
        FROM ({ROLE_CODES} GROUP BY r.incident_id, r.actor_id) codes GROUP BY incident_id;
    -- The sets not yet known only, as in the recount: the ids stay dense.
    INSERT INTO {ACTOR_SET} (roles)
        SELECT DISTINCT roles FROM actorcount_sets UNION SELECT '{{}}'
        EXCEPT SELECT roles FROM {ACTOR_SET}
        ON CONFLICT (roles) DO NOTHING;
    INSERT INTO {COUNTED} ({COUNTED_COLUMNS})
        SELECT i.id, s.id, {DATASET}, DATE_TRUNC('month', i.start_date)::date,
            DATE_TRUNC('month', COALESCE(i.end_date, i.start_date))::date, l.country_id,
            i.date_precision, i.killed_low, i.killed_best, i.killed_high, {NEW_VALUES}
        FROM {INCIDENT} i JOIN {LOCATION} l ON l.id = i.location_id
        LEFT JOIN actorcount_sets a ON a.id = i.id
        JOIN {ACTOR_SET} s ON s.roles = COALESCE(a.roles, '{{}}')
        WHERE i.status = 'published';
    DROP TABLE actorcount_sets;
    INSERT INTO {SET_MONTH} ({SET_KEY}, {MEASURES})
        SELECT {SET_KEY}, COUNT(*), COALESCE(SUM(killed_low), 0),
            COALESCE(SUM(killed_best), 0), COALESCE(SUM(killed_high), 0), COUNT(killed_best)
        FROM {COUNTED} GROUP BY {SET_KEY};
    INSERT INTO {ACTOR_MONTH} ({ACTOR_KEY}, {MEASURES})
        SELECT a.code / 4, {KEY}, SUM(incidents), SUM(killed_low), SUM(killed_best),
            SUM(killed_high), SUM(known_toll)
        FROM {SET_MONTH} c JOIN {ACTOR_SET} s ON s.id = c.actor_set_id
        CROSS JOIN unnest(s.roles) AS a (code) GROUP BY a.code / 4, {KEY};
    ANALYZE {COUNTED};
    ANALYZE {SET_MONTH};
    ANALYZE {ACTOR_MONTH};
END
$$"""

# The two triggers whose test of what changed must now see the event type and the region.
COUNTED_BY = [*previous.COUNTED_BY, "event_type_id"]
CHANGED = {
    "actorcount_updated": (
        "SELECT array_agg(n.id) FROM new_incidents n JOIN old_incidents o ON o.id = n.id "
        "WHERE (o.status = 'published' OR n.status = 'published') AND "
        f"({', '.join(f'o.{column}' for column in COUNTED_BY)}) "
        f"IS DISTINCT FROM ({', '.join(f'n.{column}' for column in COUNTED_BY)})"
    ),
    "actorcount_place_moved": (
        f"SELECT array_agg(i.id) FROM old_locations o JOIN new_locations n ON n.id = o.id "
        f"JOIN {INCIDENT} i ON i.location_id = n.id AND i.status = 'published' "
        "WHERE (o.country_id, o.admin1_id) IS DISTINCT FROM (n.country_id, n.admin1_id)"
    ),
}


def trigger_function(trigger, changed):
    """A trigger's function, as 0028's install() writes it (neither of these is on the
    roles)."""
    return (
        f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    PERFORM actorcount_recount(({changed}), false);\n"
        "    RETURN NULL;\nEND\n$$"
    )


# A region's series split by actor (the region with the most incidents has 71,187 of the
# million) reads its rows from this index alone, without visiting the table: 20 ms where
# scanning the table took 120 (hence every column the series reads is in it).
REGION_INDEX = (
    f"CREATE INDEX publicincidentactors_region_idx ON {COUNTED} (admin1_id, start_day) "
    "INCLUDE (end_day, actor_set_id, date_precision, start_date, killed_low, killed_best, "
    "killed_high)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"LOCK TABLE {INCIDENT}, {previous.ROLE}, {LOCATION} IN SHARE MODE")
    # Emptied so that the columns can be NOT NULL; the rebuild below fills it again.
    schema_editor.execute(f"TRUNCATE {COUNTED}")
    schema_editor.execute(
        f"ALTER TABLE {COUNTED} " + ", ".join(f"ADD COLUMN {column}" for column in NEW_COLUMNS)
    )
    schema_editor.execute(RECOUNT)
    schema_editor.execute(REBUILD)
    for trigger, changed in CHANGED.items():
        schema_editor.execute(trigger_function(trigger, changed))
    schema_editor.execute("SELECT actorcount_rebuild()")
    schema_editor.execute(REGION_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS publicincidentactors_region_idx")
    schema_editor.execute(
        f"ALTER TABLE {COUNTED} "
        + ", ".join(f"DROP COLUMN {column.split()[0]}" for column in NEW_COLUMNS)
    )
    schema_editor.execute(previous.RECOUNT.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    schema_editor.execute(previous.REBUILD.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    old_changed = {trigger: changed for trigger, _t, _e, _tr, changed in previous.TRIGGERS}
    for trigger in CHANGED:
        schema_editor.execute(trigger_function(trigger, old_changed[trigger]))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0028_public_actor_counts"),
    ]

    operations = [
        # State only: the model is not managed (forwards adds the columns).
        migrations.AddField(
            model_name="publicincidentactors",
            name="start_day",
            field=models.DateField(default=None),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publicincidentactors",
            name="end_day",
            field=models.DateField(default=None),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publicincidentactors",
            name="admin1_id",
            field=models.IntegerField(default=None),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publicincidentactors",
            name="event_type_id",
            field=models.CharField(default=None, max_length=50),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, backwards),
    ]
