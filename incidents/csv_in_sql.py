"""The CSV download's rows written by PostgreSQL: COPY … TO STDOUT WITH (FORMAT csv).

The Python writer (exports.csv_row through spreadsheets.SafeWriter) spends about 50 µs a row
building dicts, looking up links, neutralising cells and quoting them; a million-row download
took 57 s. Here one query per chunk of incidents joins them to their places, types, actors,
citations and tactics and neutralises every text cell against spreadsheet formulas (the same
rule, the same patterns as spreadsheets.neutralised), and COPY writes the rows as CSV in C,
quoting as Python's csv module does. Python only passes the bytes on.

The incidents are still chosen and ordered by the ORM (`.public()`, the filters and the table's
sort, exactly as for every other format): their ids are read CHUNK_SIZE at a time through a
server-side cursor, and each chunk's rows come from one COPY that keeps the chunk's order
(unnest … WITH ORDINALITY). Memory holds one chunk, whatever the download's size.

Every expression below mirrors a line of exports.csv_row; tests/incidents/test_csv_in_sql.py
compares the two writers byte for byte on a varied set of incidents.
"""

import queue
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

from django.db import connections, transaction

from .acled import (
    CIVILIAN_TARGETING,
    DISORDER_TYPES,
    KEPT_COLUMNS,
    OWN_EVENT_ID_PREFIX,
    SOURCE_SCALE_NAMES,
    SUB_EVENT_DISORDER_TYPES,
)
from .acled_regions import acled_region_name
from .choices import ActorRole, DatePrecision, GeoPrecision
from .credits import ACLED, GTD, INCIDENTDB, UCDP_GED
from .models import Country
from .spreadsheets import FORMULA_START_PATTERN, NUMBER_PATTERN

# Incidents per query: each query costs a round trip and a plan (a few ms), each incident
# some 20 µs of SQL. 2,000 keeps that cost small and gives a filtered download of a few
# thousand rows several chunks to copy side by side.
CHUNK_SIZE = 2000
# Chunks copied at the same time, each on a connection of its own: PostgreSQL runs one query
# on one core, and the query is nearly all of a download's work; two use both cores of a small
# server (bench/README.md has the numbers).
PARALLEL_COPIES = 2
# And no more than that in one process, however many downloads run at once: ten downloads would
# otherwise keep twenty PostgreSQL backends busy, and a page's few quick queries would wait
# their turn for a core among them (an incident page went from 0.3 s to 1.7 s). Downloads share
# the copies instead: each is slower, all together as fast, and pages keep their share.
COPY_SLOTS = threading.BoundedSemaphore(PARALLEL_COPIES)


def sql_literal(value):
    """A Python str or int as an SQL literal, for the small lookup tables built below (values
    are our own constants and country codes, never user input; quotes are doubled anyway)."""
    if isinstance(value, int):
        return str(value)
    # "%" doubled: the query is run with parameters, which gives "%" its own meaning.
    return "'" + str(value).replace("'", "''").replace("%", "%%") + "'"


def case(expression, mapping):
    """CASE expression WHEN key THEN value …: a dict of ours turned into SQL."""
    branches = " ".join(
        f"WHEN {sql_literal(key)} THEN {sql_literal(value)}" for key, value in mapping.items()
    )
    return f"(CASE {expression} {branches} END)"


def neutralised_cell(column):
    """A text column as spreadsheets.neutralised() writes it: a leading "'" on text a
    spreadsheet would run as a formula, unless it is a plain number. An empty text becomes NULL:
    csv.writer writes "" and None alike (an empty cell), where COPY would write "" as `""`.

    ascii() (the first character's code) comes before the regular expressions: it is cheap,
    and almost every cell starts with a letter or a digit.
    """
    return (
        f"CASE WHEN ascii({column}) IN (39, 61, 43, 45, 64, 9, 13)"
        f" AND {column} ~ pattern.formula_start AND {column} !~ pattern.number"
        f" THEN '''' || {column} ELSE NULLIF({column}, '') END"
    )


def acled_precision_cases():
    """exports.acled_time_precision and acled_geo_precision as CASE expressions, computed from
    the model's own properties for every stored precision."""
    from .exports import acled_geo_precision, acled_time_precision

    time_precision = case(
        "incident.date_precision",
        {precision.value: acled_time_precision(precision.value) for precision in DatePrecision},
    )
    geo_precision = case(
        "incident.geo_precision",
        {precision.value: acled_geo_precision(precision.value) for precision in GeoPrecision},
    )
    return time_precision, geo_precision


def country_cases(database):
    """exports.iso_numeric and acled_regions.acled_region_name as CASE expressions over the
    countries in the database (a handful of rows): the `iso` and `region` cells."""
    from .exports import iso_numeric

    countries = list(Country.objects.using(database).values_list("iso3", flat=True))
    codes = {iso3: iso_numeric(iso3) for iso3 in countries}
    codes = {iso3: number for iso3, number in codes.items() if number is not None}
    regions = {iso3: acled_region_name(iso3) for iso3 in countries}
    regions = {iso3: name for iso3, name in regions.items() if name is not None}
    iso = case("country.iso3", codes) if codes else "NULL::int"
    region = case("country.iso3", regions) if regions else "NULL::text"
    return iso, region


PERPETRATOR = sql_literal(ActorRole.PERPETRATOR.value)
TARGET = sql_literal(ActorRole.TARGET.value)
PERPETRATOR_ASSOCIATE = sql_literal(ActorRole.PERPETRATOR_ASSOCIATE.value)
TARGET_ASSOCIATE = sql_literal(ActorRole.TARGET_ASSOCIATE.value)


def rows_sql(database):
    """The query giving the CSV cells of each incident whose id is in the array parameter
    (the chunk, as a text literal of an array), in the array's order.

    The inner query gathers each incident's values under plain names; `OFFSET 0` keeps
    PostgreSQL from merging it into the outer one, which would compute a derived value (the
    actors, say) once for each time neutralised_cell() names it. Actors, citations and tactics
    are read for the whole chunk at once (joined to the chunk's ids, through each link table's
    index) and grouped by incident.
    """
    time_precision, geo_precision = acled_precision_cases()
    iso, region = country_cases(database)
    text_columns = [
        "event_id_cnty",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
        "assoc_actor_1",
        "actor2",
        "assoc_actor_2",
        "civilian_targeting",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "source",
        "source_scale",
        "notes",
        "tags",
        "ucdp_id",
        "gtd_event_id",
        "title",
        "iso3",
        "admin1_code",
        "figures_note",
        "dataset_fields",
    ]
    # exports.as_imported: nobody changed the incident since its import.
    as_imported = "incident.imported_at IS NOT NULL AND incident.updated_at <= incident.imported_at"
    kept_columns = f"ARRAY[{', '.join(map(sql_literal, KEPT_COLUMNS))}]"
    # CSV_COLUMNS order; text columns are neutralised, the others are numbers and dates.
    from .exports import CSV_COLUMNS, FIGURE_NOTES_SEPARATOR

    cells = [
        neutralised_cell(f"csv_row.{column}") if column in text_columns else f"csv_row.{column}"
        for column in CSV_COLUMNS
    ]
    return f"""
WITH chosen AS MATERIALIZED (
    SELECT id, position FROM unnest(%s::bigint[]) WITH ORDINALITY AS chosen (id, position)
)
SELECT {", ".join(cells)}
FROM (
    SELECT
        chosen.position,
        COALESCE(NULLIF(incident.acled_event_id, ''),
            {sql_literal(OWN_EVENT_ID_PREFIX)} || incident.id) AS event_id_cnty,
        incident.start_date AS event_date,  -- in DateStyle ISO: date.isoformat()
        extract(year FROM incident.start_date)::int AS year,
        {time_precision} AS time_precision,
        -- acled.disorder_type: the sub-event type's where it has its own
        COALESCE({case("incident.sub_event_type_id", SUB_EVENT_DISORDER_TYPES)},
            {case("incident.event_type_id", DISORDER_TYPES)}) AS disorder_type,
        event_type.name AS event_type,
        sub_event_type.name AS sub_event_type,
        actors.actor1,
        actors.assoc_actor_1,
        actors.inter1,
        actors.actor2,
        actors.assoc_actor_2,
        actors.inter2,
        -- exports.acled_interaction: smaller code first; inter1 and 0 without a second actor;
        -- nothing without a first (least() and greatest() would skip the NULL).
        (CASE WHEN actors.inter1 IS NULL THEN NULL
            WHEN actors.inter2 IS NULL THEN actors.inter1 * 10
            ELSE least(actors.inter1, actors.inter2) * 10
                + greatest(actors.inter1, actors.inter2) END) AS interaction,
        CASE WHEN incident.civilian_targeting
            THEN {sql_literal(CIVILIAN_TARGETING)} END AS civilian_targeting,
        {iso} AS iso,
        {region} AS region,
        country.name AS country,
        admin1.name AS admin1,
        admin2.name AS admin2,
        admin3.name AS admin3,
        location.name AS location,
        -- PostgreSQL's text of a numeric is str() of the Decimal psycopg2 makes of it.
        location.latitude AS latitude,
        location.longitude AS longitude,
        {geo_precision} AS geo_precision,
        sources.names AS source,
        -- exports.acled_source_scale: ACLED's own while the incident is as imported
        COALESCE(CASE WHEN {as_imported}
                THEN NULLIF(incident.dataset_fields ->> 'source_scale', '') END,
            sources.scales) AS source_scale,
        NULLIF(incident.narrative, '') AS notes,
        incident.killed_best AS fatalities,
        tactics.names AS tags,
        -- exports.last_changed_at, in whole seconds as int(datetime.timestamp())
        -- (the whole seconds' epoch is exact as a double, and cheaper than extract's numeric)
        date_part('epoch', date_trunc('second', CASE
            WHEN incident.source_updated_at IS NOT NULL AND {as_imported}
            THEN incident.source_updated_at ELSE incident.updated_at END))::bigint
            AS timestamp,
        incident.killed_low,
        incident.killed_high,
        incident.injured_low,
        incident.injured_best,
        incident.injured_high,
        incident.end_date,
        incident.date_precision,
        incident.geo_precision AS where_prec,
        NULLIF(incident.ucdp_id, '') AS ucdp_id,
        NULLIF(incident.gtd_event_id, '') AS gtd_event_id,
        incident.title,
        country.iso3,
        NULLIF(admin1.iso_code, '') AS admin1_code,
        figure_notes.notes AS figures_note,
        -- exports.dataset_fields_cell: jsonb's own text, without the kept ACLED columns
        NULLIF((incident.dataset_fields - {kept_columns})::text, '{{}}') AS dataset_fields,
        -- credits.source_dataset
        CASE WHEN incident.acled_event_id <> ''
                AND incident.acled_event_id NOT LIKE {sql_literal(OWN_EVENT_ID_PREFIX + "%")}
                THEN {sql_literal(ACLED.code)}
            WHEN incident.ucdp_id <> '' THEN {sql_literal(UCDP_GED.code)}
            WHEN incident.gtd_event_id <> '' THEN {sql_literal(GTD.code)}
            ELSE {sql_literal(INCIDENTDB.code)} END AS source_dataset
    FROM chosen
    JOIN incidents_incident AS incident ON incident.id = chosen.id
    JOIN incidents_eventtype AS event_type ON event_type.code = incident.event_type_id
    LEFT JOIN incidents_subeventtype AS sub_event_type
        ON sub_event_type.code = incident.sub_event_type_id
    JOIN incidents_location AS location ON location.id = incident.location_id
    JOIN incidents_country AS country ON country.id = location.country_id
    LEFT JOIN incidents_adminarea AS admin1 ON admin1.id = location.admin1_id
    LEFT JOIN incidents_adminarea AS admin2 ON admin2.id = location.admin2_id
    LEFT JOIN incidents_adminarea AS admin3 ON admin3.id = location.admin3_id
    -- Each link table is read for the whole chunk (through its index on incident_id),
    -- sorted, and gathered into arrays per incident: array_agg keeps the order of its sorted
    -- input (an ORDER BY inside the aggregate would sort every incident's few links apart).
    -- exports.acled_actors: in role order, actor1 is the first perpetrator and assoc_actor_1
    -- every other perpetrator, then their associates; likewise actor2 for the targets.
    LEFT JOIN (
        SELECT
            incident_id,
            perpetrators[1] AS actor1,
            perpetrator_types[1] AS inter1,
            NULLIF(array_to_string(perpetrators[2:] || perpetrator_associates, '; '), '')
                AS assoc_actor_1,
            targets[1] AS actor2,
            target_types[1] AS inter2,
            NULLIF(array_to_string(targets[2:] || target_associates, '; '), '')
                AS assoc_actor_2
        FROM (
            SELECT
                incident_id,
                array_agg(name) FILTER (WHERE role = {PERPETRATOR}) AS perpetrators,
                array_agg(actor_type) FILTER (WHERE role = {PERPETRATOR}) AS perpetrator_types,
                array_agg(name) FILTER (WHERE role = {PERPETRATOR_ASSOCIATE})
                    AS perpetrator_associates,
                array_agg(name) FILTER (WHERE role = {TARGET}) AS targets,
                array_agg(actor_type) FILTER (WHERE role = {TARGET}) AS target_types,
                array_agg(name) FILTER (WHERE role = {TARGET_ASSOCIATE}) AS target_associates
            FROM (
                -- exports.actor_links: the role's inter code in this incident, else the
                -- actor's own.
                SELECT link.incident_id, link.role, actor.name,
                    COALESCE(link.actor_type, actor.actor_type) AS actor_type
                FROM chosen
                JOIN incidents_incidentactor AS link ON link.incident_id = chosen.id
                JOIN incidents_actor AS actor ON actor.id = link.actor_id
                ORDER BY link.incident_id, link.id
            ) AS links
            GROUP BY incident_id
        ) AS roles
    ) AS actors ON actors.incident_id = incident.id
    -- exports.csv_row's source and source_scale: the sources in citation order (undated last),
    -- each once, and their scale words, each once, in the order they first appear. Source
    -- names are unique, so a source stands for its (name, scale) pair.
    LEFT JOIN (
        SELECT
            incident_id,
            NULLIF(array_to_string(array_agg(name), '; '), '') AS names,
            NULLIF(array_to_string(array_agg(word) FILTER (WHERE first_of_word), '-'), '')
                AS scales
        FROM (
            SELECT incident_id, name, word, position,
                position = min(position) OVER (PARTITION BY incident_id, word) AS first_of_word
            FROM (
                -- each source's first citation
                SELECT DISTINCT ON (incident_id, source_id) incident_id, source_id, position
                FROM (
                    SELECT citation.incident_id, citation.source_id, row_number() OVER (
                        PARTITION BY citation.incident_id
                        ORDER BY citation.published_on ASC NULLS LAST, citation.id
                    ) AS position
                    FROM chosen
                    JOIN incidents_citation AS citation ON citation.incident_id = chosen.id
                ) AS citations
                ORDER BY incident_id, source_id, position
            ) AS first_citations
            JOIN (
                SELECT id, name, {case("scale", SOURCE_SCALE_NAMES)} AS word
                FROM incidents_source
            ) AS source ON source.id = first_citations.source_id
            ORDER BY incident_id, position
        ) AS cited
        GROUP BY incident_id
    ) AS sources ON sources.incident_id = incident.id
    LEFT JOIN (
        SELECT incident_id, NULLIF(array_to_string(array_agg(name), '; '), '') AS names
        FROM (
            SELECT link.incident_id, tactic.name
            FROM chosen
            JOIN incidents_incident_tactics AS link ON link.incident_id = chosen.id
            JOIN incidents_tactic AS tactic ON tactic.id = link.tactic_id
            ORDER BY link.incident_id, tactic.name
        ) AS tactic_links
        GROUP BY incident_id
    ) AS tactics ON tactics.incident_id = incident.id
    -- exports.figure_note_links: each note on the incident's coded figures once, in text order
    LEFT JOIN (
        SELECT casualty.incident_id,
            string_agg(DISTINCT casualty.note, {sql_literal(FIGURE_NOTES_SEPARATOR)}
                ORDER BY casualty.note) AS notes
        FROM chosen
        JOIN incidents_casualty AS casualty ON casualty.incident_id = chosen.id
        WHERE casualty.note <> ''
        GROUP BY casualty.incident_id
    ) AS figure_notes ON figure_notes.incident_id = incident.id
    OFFSET 0
) AS csv_row
CROSS JOIN (SELECT %s::text AS formula_start, %s::text AS number) AS pattern
ORDER BY csv_row.position
"""


def array_literal(ids):
    """The ids as one array literal, '{1,2,3}': psycopg2 would write a list as ARRAY[1, 2, 3],
    5,000 constants for PostgreSQL to parse one by one."""
    return "{" + ",".join(map(str, ids)) + "}"


class CopiedRows:
    """The file psycopg2's copy_expert writes a COPY's output to: libpq hands over one row per
    write, which ends in "\\n"; csv.writer ends rows with "\\r\\n" (a line break inside a quoted
    cell stays as it is in both)."""

    def __init__(self):
        self.rows = []

    def write(self, row):
        self.rows.append(row[:-1] + b"\r\n")

    def take(self):
        text = b"".join(self.rows)
        self.rows.clear()
        return text


def copy_csv_rows(incidents):
    """The CSV rows of `incidents` (a public, filtered, ordered queryset) as bytes, a chunk of
    incidents per piece."""
    # One database throughout: the one the router reads from (a replica, when there are some).
    database = incidents.db
    connection = connections[database]
    # Rows written in a transaction that is still open (a caller's, a test's) are seen by its
    # connection only: then every chunk is copied on that one connection.
    parallel = not connection.in_atomic_block
    # A server-side cursor inside a transaction needs no WITH HOLD (which would compute every
    # id before the first); read-only, so no savepoint.
    with transaction.atomic(using=database, savepoint=False):
        sql = rows_sql(database)
        # values_list keeps the queryset's order: the table's sort, or the model's default.
        ids = incidents.using(database).values_list("id", flat=True)
        ids = ids.iterator(chunk_size=CHUNK_SIZE)
        chunks = iter(lambda: list(islice(ids, CHUNK_SIZE)), [])
        if parallel:
            yield from copy_in_parallel(connection, sql, chunks)
        else:
            with connection.cursor() as cursor:
                cursor.execute(SESSION_SETTINGS)
                for chunk in chunks:
                    yield copy_chunk(cursor, sql, chunk)


# For the length of each copy's transaction. What the rows' text depends on: dates as
# YYYY-MM-DD (date.isoformat()) and whole seconds in UTC, whatever the server's defaults. And
# the joins in the order written (each table joined to what is already there, the chunk
# first): planning every order of a dozen joins took 15–35 ms a chunk, and chose no better.
SESSION_SETTINGS = (
    "SET LOCAL datestyle = 'ISO, YMD'; SET LOCAL timezone = 'UTC';"
    " SET LOCAL join_collapse_limit = 1; SET LOCAL from_collapse_limit = 1"
)


def copy_chunk(cursor, sql, chunk):
    """The CSV rows of one chunk of ids, in their order."""
    # COPY takes no parameters: they are bound into the query text by psycopg2.
    query = cursor.mogrify(
        sql, [array_literal(chunk), FORMULA_START_PATTERN, NUMBER_PATTERN]
    ).decode()
    copied = CopiedRows()
    with COPY_SLOTS:
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", copied)
    return copied.take()


def copy_in_parallel(connection, sql, chunks):
    """copy_chunk() of each chunk, PARALLEL_COPIES at a time on connections of their own
    (opened for this download, closed after it), handed over in order."""
    spare = queue.SimpleQueue()
    opened = []

    def copy_on_a_spare_connection(chunk):
        own = spare.get()
        try:
            with own.cursor() as cursor:
                cursor.execute(SESSION_SETTINGS)
                return copy_chunk(cursor, sql, chunk)
        finally:
            own.rollback()  # it only read: end its transaction, keep no snapshot open
            spare.put(own)

    try:
        for _ in range(PARALLEL_COPIES):
            opened.append(connection.get_new_connection(connection.get_connection_params()))
            spare.put(opened[-1])
        with ThreadPoolExecutor(max_workers=PARALLEL_COPIES) as pool:
            pending = deque()
            for chunk in chunks:
                pending.append(pool.submit(copy_on_a_spare_connection, chunk))
                if len(pending) == PARALLEL_COPIES:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        for own in opened:
            own.close()
