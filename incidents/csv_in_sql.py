"""The CSV download's rows written by PostgreSQL: each incident's whole CSV line, in SQL.

The Python writer (exports.csv_row through spreadsheets.SafeWriter) spends about 50 µs a row
building dicts, looking up links, neutralising cells and quoting them; a million-row download
took 57 s. Here PostgreSQL joins each incident to its place, types, actors, citations and
tactics, turns every column into its CSV cell (the same neutralisation against spreadsheet
formulas, the same quoting as Python's csv module) and hands back one text per incident, so
Python only joins strings.

The incidents are still chosen and ordered by the ORM (`.public()`, the filters and the table's
sort, exactly as for every other format): their ids are read CHUNK_SIZE at a time through a
server-side cursor, and each chunk's lines come from one query that keeps the chunk's order
(unnest … WITH ORDINALITY). Memory holds one chunk, whatever the download's size.

Every expression below mirrors a line of exports.csv_row; tests/incidents/test_csv_in_sql.py
compares the two writers byte for byte on a varied set of incidents.
"""

from itertools import islice

from django.db import connection, transaction

from .acled import CIVILIAN_TARGETING, DISORDER_TYPES, OWN_EVENT_ID_PREFIX, SOURCE_SCALE_NAMES
from .choices import ActorRole, DatePrecision, GeoPrecision
from .models import Country
from .spreadsheets import FORMULA_START_PATTERN, NUMBER_PATTERN

# Incidents per query: each query costs a round trip and a plan, each incident ~10 µs of SQL;
# 5,000 keeps the first bytes quick and the per-query cost under a tenth of the total.
CHUNK_SIZE = 5000


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


def text_cell(expression):
    """An SQL text expression as its CSV cell: spreadsheets.neutralised() (a leading "'" on text
    a spreadsheet would run as a formula, unless it is a plain number) and then csv.writer's
    minimal quoting (a cell holding a comma, a double quote, CR or LF is quoted, its quotes
    doubled). NULL stays NULL, which array_to_string writes as an empty cell, as csv.writer
    writes None.

    ascii() (the first character's code) is checked first: it is cheap, and most cells start
    with a letter, so the regular expressions run on very few cells.
    """
    neutralised = (
        f"(CASE WHEN ascii({expression}) IN (39, 61, 43, 45, 64, 9, 13)"
        f" AND {expression} ~ pattern.formula_start AND {expression} !~ pattern.number"
        f" THEN '''' || {expression} ELSE {expression} END)"
    )
    return (
        f"(SELECT CASE WHEN strpos(cell, ',') > 0 OR strpos(cell, '\"') > 0"
        f" OR strpos(cell, E'\\n') > 0 OR strpos(cell, E'\\r') > 0"
        f" THEN '\"' || replace(cell, '\"', '\"\"') || '\"' ELSE cell END"
        f" FROM (SELECT {neutralised} AS cell) AS neutralised)"
    )


def number_cell(expression):
    """An SQL number as its cell: PostgreSQL's text for integers and numerics is Python's str()
    of the int or Decimal psycopg2 would return."""
    return f"({expression})::text"


def date_cell(expression):
    """date.isoformat(): YYYY-MM-DD whatever the session's DateStyle."""
    return f"to_char({expression}, 'YYYY-MM-DD')"


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


def iso_numeric_case():
    """exports.iso_numeric for every country in the database (a handful of rows)."""
    from .exports import iso_numeric

    codes = {iso3: iso_numeric(iso3) for iso3 in Country.objects.values_list("iso3", flat=True)}
    codes = {iso3: number for iso3, number in codes.items() if number is not None}
    return case("country.iso3", codes) if codes else "NULL::int"


PERPETRATOR = sql_literal(ActorRole.PERPETRATOR.value)
TARGET = sql_literal(ActorRole.TARGET.value)
PERPETRATOR_SIDE = f"({PERPETRATOR}, {sql_literal(ActorRole.PERPETRATOR_ASSOCIATE.value)})"
TARGET_SIDE = f"({TARGET}, {sql_literal(ActorRole.TARGET_ASSOCIATE.value)})"


def lines_sql():
    """The query giving the CSV line (CRLF-terminated, as csv.writer ends rows) of each
    incident whose id is in the array parameter, in the array's order."""
    time_precision, geo_precision = acled_precision_cases()
    last_changed = (
        "(CASE WHEN incident.source_updated_at IS NOT NULL AND incident.imported_at IS NOT NULL"
        " AND incident.updated_at <= incident.imported_at"
        " THEN incident.source_updated_at ELSE incident.updated_at END)"
    )
    cells = [
        # ACLED_COLUMNS
        text_cell(
            "COALESCE(NULLIF(incident.acled_event_id, ''),"
            f" {sql_literal(OWN_EVENT_ID_PREFIX)} || incident.id)"
        ),
        date_cell("incident.start_date"),
        number_cell("extract(year FROM incident.start_date)::int"),
        number_cell(time_precision),
        text_cell(case("incident.event_type_id", DISORDER_TYPES)),
        text_cell("event_type.name"),
        text_cell("sub_event_type.name"),
        text_cell("actors.actor1"),
        text_cell("actors.assoc_actor_1"),
        number_cell("actors.inter1"),
        text_cell("actors.actor2"),
        text_cell("actors.assoc_actor_2"),
        number_cell("actors.inter2"),
        # exports.acled_interaction: smaller code first; inter1 and 0 without a second actor;
        # nothing without a first (least() and greatest() would skip the NULL).
        number_cell(
            "(CASE WHEN actors.inter1 IS NULL THEN NULL"
            " WHEN actors.inter2 IS NULL THEN actors.inter1 * 10"
            " ELSE least(actors.inter1, actors.inter2) * 10"
            " + greatest(actors.inter1, actors.inter2) END)"
        ),
        text_cell(
            f"(CASE WHEN incident.civilian_targeting THEN {sql_literal(CIVILIAN_TARGETING)} END)"
        ),
        number_cell(iso_numeric_case()),
        "NULL",  # region: ACLED's world region, which we don't store
        text_cell("country.name"),
        text_cell("admin1.name"),
        text_cell("admin2.name"),
        text_cell("admin3.name"),
        text_cell("location.name"),
        number_cell("location.latitude"),
        number_cell("location.longitude"),
        number_cell(geo_precision),
        text_cell("NULLIF(sources.names, '')"),
        text_cell("NULLIF(sources.scales, '')"),
        text_cell("NULLIF(incident.narrative, '')"),
        number_cell("incident.killed_best"),
        text_cell("NULLIF(tactics.names, '')"),
        number_cell(f"trunc(extract(epoch FROM {last_changed}))::bigint"),
        # EXTRA_COLUMNS
        number_cell("incident.killed_low"),
        number_cell("incident.killed_high"),
        number_cell("incident.injured_low"),
        number_cell("incident.injured_best"),
        number_cell("incident.injured_high"),
        date_cell("incident.end_date"),
        number_cell("incident.date_precision"),
        number_cell("incident.geo_precision"),
        text_cell("NULLIF(incident.ucdp_id, '')"),
        text_cell("incident.title"),
        text_cell("country.iso3"),
        text_cell("NULLIF(admin1.iso_code, '')"),
    ]
    scale_words = case("source.scale", SOURCE_SCALE_NAMES)
    return f"""
SELECT array_to_string(ARRAY[{", ".join(cells)}], ',', '') || E'\\r\\n'
FROM unnest(%s::bigint[]) WITH ORDINALITY AS chosen (id, position)
JOIN incidents_incident AS incident ON incident.id = chosen.id
JOIN incidents_eventtype AS event_type ON event_type.code = incident.event_type_id
LEFT JOIN incidents_subeventtype AS sub_event_type
    ON sub_event_type.code = incident.sub_event_type_id
JOIN incidents_location AS location ON location.id = incident.location_id
JOIN incidents_country AS country ON country.id = location.country_id
LEFT JOIN incidents_adminarea AS admin1 ON admin1.id = location.admin1_id
LEFT JOIN incidents_adminarea AS admin2 ON admin2.id = location.admin2_id
LEFT JOIN incidents_adminarea AS admin3 ON admin3.id = location.admin3_id
-- exports.acled_actors: in role order, actor1 is the first perpetrator and assoc_actor_1 every
-- other actor of its side; likewise actor2 for the targets.
LEFT JOIN LATERAL (
    SELECT
        min(name) FILTER (WHERE main AND role = {PERPETRATOR}) AS actor1,
        min(actor_type) FILTER (WHERE main AND role = {PERPETRATOR}) AS inter1,
        string_agg(name, '; ' ORDER BY role, link_id)
            FILTER (WHERE NOT main AND role IN {PERPETRATOR_SIDE}) AS assoc_actor_1,
        min(name) FILTER (WHERE main AND role = {TARGET}) AS actor2,
        min(actor_type) FILTER (WHERE main AND role = {TARGET}) AS inter2,
        string_agg(name, '; ' ORDER BY role, link_id)
            FILTER (WHERE NOT main AND role IN {TARGET_SIDE}) AS assoc_actor_2
    FROM (
        SELECT link.id AS link_id, link.role, actor.name, actor.actor_type,
            link.role IN ({PERPETRATOR}, {TARGET})
                AND row_number() OVER (PARTITION BY link.role ORDER BY link.id) = 1 AS main
        FROM incidents_incidentactor AS link
        JOIN incidents_actor AS actor ON actor.id = link.actor_id
        WHERE link.incident_id = incident.id
    ) AS links
) AS actors ON true
-- exports.csv_row's source and source_scale: the distinct (source, scale) pairs in citation
-- order (undated last), and the distinct scale words in the order they first appear.
LEFT JOIN LATERAL (
    SELECT
        string_agg(name, '; ' ORDER BY first_position) AS names,
        string_agg(word, '-' ORDER BY first_position) FILTER (WHERE first_of_word) AS scales
    FROM (
        SELECT name, word, first_position,
            first_position = min(first_position) OVER (PARTITION BY word) AS first_of_word
        FROM (
            SELECT source.name, {scale_words} AS word, min(citation.position) AS first_position
            FROM (
                SELECT source_id, row_number() OVER (
                    ORDER BY published_on ASC NULLS LAST, id) AS position
                FROM incidents_citation WHERE incident_id = incident.id
            ) AS citation
            JOIN incidents_source AS source ON source.id = citation.source_id
            GROUP BY source.name, source.scale
        ) AS distinct_pairs
    ) AS pairs
) AS sources ON true
LEFT JOIN LATERAL (
    SELECT string_agg(tactic.name, '; ' ORDER BY tactic.name) AS names
    FROM incidents_incident_tactics AS link
    JOIN incidents_tactic AS tactic ON tactic.id = link.tactic_id
    WHERE link.incident_id = incident.id
) AS tactics ON true
CROSS JOIN (SELECT %s::text AS formula_start, %s::text AS number) AS pattern
ORDER BY chosen.position
"""


def stream_csv_lines(incidents):
    """The CSV lines of `incidents` (a public, filtered, ordered queryset), a chunk of
    incidents per piece."""
    # A server-side cursor inside a transaction needs no WITH HOLD (which would compute every
    # id before the first); read-only, so no savepoint.
    with transaction.atomic(savepoint=False):
        sql = lines_sql()
        # values_list keeps the queryset's order: the table's sort, or the model's default.
        ids = incidents.values_list("id", flat=True).iterator(chunk_size=CHUNK_SIZE)
        with connection.cursor() as cursor:
            while chunk := list(islice(ids, CHUNK_SIZE)):
                cursor.execute(sql, [chunk, FORMULA_START_PATTERN, NUMBER_PATTERN])
                yield "".join(line for (line,) in cursor.fetchall())
