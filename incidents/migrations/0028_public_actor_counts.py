"""The published incidents counted per actor and per set of actors in roles, by month, kept
exact by triggers (models/actor_counts.py says why and what each table holds).

PostgreSQL only: four tables (the dictionary of role sets, each published incident's counted
key, the counts per role set and the counts per actor), written by statement-level AFTER
triggers on the incidents, their roles and their places, and emptied with the incidents by a
TRUNCATE. Every trigger hands the ids of the incidents it touched to one function,
actorcount_recount, which takes their old contribution (the kept keys) away from both count
tables and adds the new one, so that every write path counts the same way. actorcount_rebuild
counts everything again in one pass: the migration's backfill, the bulk import's way (which
switches the triggers off while its rows go in) and `manage.py rebuild_public_counts`.
SQLite gets no tables: its series, comparisons and actor pages count the roles themselves.

A role set is the sorted array of an incident's actors, each coded once as actor id × 4 +
1 if it is a perpetrator (or its associate) + 2 if it is a target (or its associate).

The SQL is written out here, not imported, because a migration is published history.
"""

import django.contrib.postgres.fields
from django.db import migrations, models

INCIDENT = "incidents_incident"
LOCATION = "incidents_location"
ROLE = "incidents_incidentactor"
ACTOR_SET = "incidents_actorset"
COUNTED = "incidents_publicincidentactors"
SET_MONTH = "incidents_publicactorsetmonth"
ACTOR_MONTH = "incidents_publicactormonth"
KEY = "start_date, end_date, country_id, date_precision"
SET_KEY = f"actor_set_id, dataset, {KEY}"
ACTOR_KEY = f"actor_id, {KEY}"
# The dataset an incident came from, as roles.dataset_of says (its role counts are per dataset).
DATASET = (
    "CASE WHEN i.acled_event_id <> '' AND i.acled_event_id NOT LIKE 'IDB%%' THEN 'acled' "
    "WHEN i.ucdp_id <> '' THEN 'ucdp' ELSE 'entered' END"
)
PERPETRATOR_ROLES = "('perpetrator', 'perpetrator_associate')"
TARGET_ROLES = "('target', 'target_associate')"
MEASURES = "incidents, killed_low, killed_best, killed_high, known_toll"

CREATE_TABLES = [
    f"""CREATE TABLE {ACTOR_SET} (
    id serial PRIMARY KEY,
    roles bigint[] NOT NULL UNIQUE
)""",
    f"CREATE INDEX actorset_roles_idx ON {ACTOR_SET} USING gin (roles)",
    f"""CREATE TABLE {COUNTED} (
    incident_id bigint PRIMARY KEY,
    actor_set_id integer NOT NULL,
    dataset varchar(10) NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    country_id integer NOT NULL,
    date_precision smallint NOT NULL,
    killed_low integer,
    killed_best integer,
    killed_high integer
)""",
    *(
        f"""CREATE TABLE {table} (
    id bigserial PRIMARY KEY,
    {owner} NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    country_id integer NOT NULL,
    date_precision smallint NOT NULL,
    incidents integer NOT NULL,
    killed_low bigint NOT NULL,
    killed_best bigint NOT NULL,
    killed_high bigint NOT NULL,
    known_toll integer NOT NULL,
    UNIQUE ({key})
)"""
        for table, owner, key in (
            (SET_MONTH, "actor_set_id integer NOT NULL, dataset varchar(10)", SET_KEY),
            (ACTOR_MONTH, "actor_id bigint", ACTOR_KEY),
        )
    ),
    # The series and comparisons read every actor's months of a period (the unique key serves
    # one actor's, for its page).
    f"CREATE INDEX publicactormonth_start_idx ON {ACTOR_MONTH} (start_date)",
    f"CREATE INDEX publicactorsetmonth_start_idx ON {SET_MONTH} (start_date)",
]


# Each actor of a role's incident once, coded with its sides (see the module docstring).
ROLE_CODES = (
    f"SELECT r.incident_id, r.actor_id * 4 + MAX(CASE WHEN r.role IN {PERPETRATOR_ROLES} "
    f"THEN 1 ELSE 0 END) + MAX(CASE WHEN r.role IN {TARGET_ROLES} THEN 2 ELSE 0 END) AS code "
    f"FROM {ROLE} r"
)


SUMS = [
    "SUM(sign)",
    "COALESCE(SUM(sign * killed_low), 0)",
    "COALESCE(SUM(sign * killed_best), 0)",
    "COALESCE(SUM(sign * killed_high), 0)",
    "SUM(CASE WHEN killed_best IS NULL THEN 0 ELSE sign END)",
]


def upsert(table, key, source):
    """INSERT … ON CONFLICT of the signed sums of `source` (rows with `sign` and the columns
    of `key`) into `table`, returning each row's id and incidents."""
    return (
        f"INSERT INTO {table} AS t ({key}, {MEASURES}) "
        f"SELECT {key}, {', '.join(SUMS)} FROM {source} GROUP BY {key} "
        # A change that moves nothing counted (a role added beside another of the same actor).
        f"HAVING {' OR '.join(f'{total} <> 0' for total in SUMS)} "
        f"ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{name} = t.{name} + EXCLUDED.{name}" for name in MEASURES.split(", "))
        + " RETURNING t.id, t.incidents"
    )


COUNTED_COLUMNS = (
    "incident_id, actor_set_id, dataset, start_date, end_date, country_id, date_precision, "
    "killed_low, killed_best, killed_high"
)

# One statement (its parts see the tables as they were before it): the role sets of the
# touched incidents (`changed_ids`, each once) are computed once, in one GROUP BY over their
# roles, and the dictionary's new sets are read from the INSERT's RETURNING (the insert is not
# visible to the statement's own SELECTs). Each changed key is counted -1 as it was kept and +1
# as it is now. EXECUTE plans the statement for each call with the ids known (a plan cached
# for a few ids is no plan for the 43,000 of a big import statement), and without JIT: the
# planner's estimates for the CTEs are far above their few thousand rows, and compiling the
# statement took 0.7 s where running it takes 30 ms (1,000 incidents).
RECOUNT = f"""
CREATE FUNCTION actorcount_recount(changed_ids bigint[], roles_changed boolean)
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
    new_sets AS (
        INSERT INTO {ACTOR_SET} (roles) SELECT DISTINCT roles FROM role_sets
        ON CONFLICT (roles) DO NOTHING RETURNING id, roles
    ),
    now_counted AS MATERIALIZED (
        SELECT i.id AS incident_id, s.id AS actor_set_id, {DATASET} AS dataset,
            DATE_TRUNC('month', i.start_date)::date AS start_date,
            DATE_TRUNC('month', COALESCE(i.end_date, i.start_date))::date AS end_date,
            l.country_id, i.date_precision, i.killed_low, i.killed_best, i.killed_high,
            rs.roles
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
CREATE FUNCTION actorcount_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {COUNTED}, {SET_MONTH}, {ACTOR_MONTH};
    CREATE TEMPORARY TABLE actorcount_sets ON COMMIT DROP AS
        SELECT incident_id AS id, array_agg(code ORDER BY code) AS roles
        FROM ({ROLE_CODES} GROUP BY r.incident_id, r.actor_id) codes GROUP BY incident_id;
    INSERT INTO {ACTOR_SET} (roles)
        SELECT DISTINCT roles FROM actorcount_sets UNION SELECT '{{}}'
        ON CONFLICT (roles) DO NOTHING;
    INSERT INTO {COUNTED} ({COUNTED_COLUMNS})
        SELECT i.id, s.id, {DATASET}, DATE_TRUNC('month', i.start_date)::date,
            DATE_TRUNC('month', COALESCE(i.end_date, i.start_date))::date, l.country_id,
            i.date_precision, i.killed_low, i.killed_best, i.killed_high
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

# The incident columns the tables count by (the dataset is read from the two ids).
COUNTED_BY = [
    "status",
    "start_date",
    "end_date",
    "date_precision",
    "location_id",
    "killed_low",
    "killed_best",
    "killed_high",
    "acled_event_id",
    "ucdp_id",
]
# Each id once (actorcount_recount expects them so).
ROLE_IDS = "SELECT array_agg(DISTINCT incident_id) FROM {}"
# (trigger, table, event, transition tables, the touched incidents' ids)
TRIGGERS = [
    (
        "actorcount_inserted",
        INCIDENT,
        "INSERT",
        "NEW TABLE AS new_incidents",
        "SELECT array_agg(id) FROM new_incidents WHERE status = 'published'",
    ),
    (
        "actorcount_updated",
        INCIDENT,
        "UPDATE",
        "OLD TABLE AS old_incidents NEW TABLE AS new_incidents",
        # Only what the tables count: a refresh of casualty totals that changes none of
        # them, or a new title, recounts nothing.
        "SELECT array_agg(n.id) FROM new_incidents n JOIN old_incidents o ON o.id = n.id "
        "WHERE (o.status = 'published' OR n.status = 'published') AND "
        f"({', '.join(f'o.{column}' for column in COUNTED_BY)}) "
        f"IS DISTINCT FROM ({', '.join(f'n.{column}' for column in COUNTED_BY)})",
    ),
    (
        "actorcount_deleted",
        INCIDENT,
        "DELETE",
        "OLD TABLE AS old_incidents",
        "SELECT array_agg(id) FROM old_incidents WHERE status = 'published'",
    ),
    (
        "actorcount_roles_inserted",
        ROLE,
        "INSERT",
        "NEW TABLE AS new_roles",
        ROLE_IDS.format("new_roles"),
    ),
    (
        "actorcount_roles_updated",
        ROLE,
        "UPDATE",
        "OLD TABLE AS old_roles NEW TABLE AS new_roles",
        # A role moved to another incident, or to another actor (a merge of actors).
        ROLE_IDS.format(
            "(SELECT incident_id FROM old_roles UNION ALL SELECT incident_id FROM new_roles) r"
        ),
    ),
    (
        "actorcount_roles_deleted",
        ROLE,
        "DELETE",
        "OLD TABLE AS old_roles",
        ROLE_IDS.format("old_roles"),
    ),
    (
        "actorcount_place_moved",
        LOCATION,
        "UPDATE",
        "OLD TABLE AS old_locations NEW TABLE AS new_locations",
        f"SELECT array_agg(i.id) FROM old_locations o JOIN new_locations n ON n.id = o.id "
        f"JOIN {INCIDENT} i ON i.location_id = n.id AND i.status = 'published' "
        "WHERE o.country_id IS DISTINCT FROM n.country_id",
    ),
]


def install(schema_editor):
    for trigger, table, event, transitions, changed in TRIGGERS:
        roles_changed = "true" if table == ROLE else "false"
        schema_editor.execute(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    PERFORM actorcount_recount(({changed}), {roles_changed});\n"
            "    RETURN NULL;\nEND\n$$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )
    # A flush (Django's between transactional tests, manage.py flush) truncates the incidents,
    # which fires no DELETE trigger, and leaves out these unmanaged tables.
    schema_editor.execute(
        "CREATE FUNCTION actorcount_truncated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    TRUNCATE {COUNTED}, {SET_MONTH}, {ACTOR_MONTH};\n    RETURN NULL;\nEND\n$$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER actorcount_truncated AFTER TRUNCATE ON {INCIDENT} "
        "FOR EACH STATEMENT EXECUTE FUNCTION actorcount_truncated()"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No incident, role or place may change between the backfill and the triggers.
    schema_editor.execute(f"LOCK TABLE {INCIDENT}, {ROLE}, {LOCATION} IN SHARE MODE")
    for statement in CREATE_TABLES:
        schema_editor.execute(statement)
    schema_editor.execute(RECOUNT)
    schema_editor.execute(REBUILD)
    schema_editor.execute("SELECT actorcount_rebuild()")
    install(schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for trigger, table, *_rest in [*TRIGGERS, ("actorcount_truncated", INCIDENT)]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    schema_editor.execute("DROP FUNCTION IF EXISTS actorcount_recount(bigint[], boolean)")
    schema_editor.execute("DROP FUNCTION IF EXISTS actorcount_rebuild()")
    for table in (ACTOR_MONTH, SET_MONTH, COUNTED, ACTOR_SET):
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0027_search_entries"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActorSet",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "roles",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None, unique=True
                    ),
                ),
            ],
            options={
                "db_table": "incidents_actorset",
                "ordering": ["id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="PublicActorMonth",
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
                ("date_precision", models.PositiveSmallIntegerField()),
                ("incidents", models.IntegerField()),
                ("killed_low", models.BigIntegerField()),
                ("killed_best", models.BigIntegerField()),
                ("killed_high", models.BigIntegerField()),
                ("known_toll", models.IntegerField()),
                ("actor_id", models.BigIntegerField()),
            ],
            options={
                "db_table": "incidents_publicactormonth",
                "ordering": ["start_date", "id"],
                "abstract": False,
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="PublicActorSetMonth",
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
                ("date_precision", models.PositiveSmallIntegerField()),
                ("incidents", models.IntegerField()),
                ("killed_low", models.BigIntegerField()),
                ("killed_best", models.BigIntegerField()),
                ("killed_high", models.BigIntegerField()),
                ("known_toll", models.IntegerField()),
                ("actor_set_id", models.IntegerField()),
                ("dataset", models.CharField(max_length=10)),
            ],
            options={
                "db_table": "incidents_publicactorsetmonth",
                "ordering": ["start_date", "id"],
                "abstract": False,
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="PublicIncidentActors",
            fields=[
                ("incident_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("actor_set_id", models.IntegerField()),
                ("dataset", models.CharField(max_length=10)),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                ("country_id", models.IntegerField()),
                ("date_precision", models.PositiveSmallIntegerField()),
                ("killed_low", models.IntegerField(null=True)),
                ("killed_best", models.IntegerField(null=True)),
                ("killed_high", models.IntegerField(null=True)),
            ],
            options={
                "db_table": "incidents_publicincidentactors",
                "ordering": ["incident_id"],
                "managed": False,
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
