"""Bulk SQL for imports: rows written with COPY (PostgreSQL) or bulk_create."""

import csv
import io
import json

from django.db import connections, router

from ..models.actor_counts import TRIGGER_PREFIX as ACTOR_COUNT_PREFIX
from ..models.actor_counts import rebuild_actor_counts
from ..models.search import TRIGGER_PREFIX as SEARCH_ENTRY_PREFIX
from ..models.search import rebuild_search_entries

# The triggers a bulk load switches off and replaces by one pass at the end: the search
# entries' and the actor counts' (row by row, each recounted every incident its roles touch).
REBUILT_TRIGGER_PREFIXES = (SEARCH_ENTRY_PREFIX, ACTOR_COUNT_PREFIX)


def like_prefix(prefix):
    """A LIKE pattern for names that start with `prefix` (whose _ is a wildcard in LIKE)."""
    return prefix.replace("_", "\\_") + "%"


def batched(items, size):
    """The items in lists of at most `size` (itertools.batched from Python 3.12)."""
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


def insert_rows(model, columns, rows, returning_ids=False):
    """INSERT rows (tuples of values for `columns`, field attnames) into the model's table.
    Returns the new ids when asked. No save() or signal runs.

    On PostgreSQL the rows go in with one COPY: several times faster than INSERT statements
    (even psycopg2's execute_values), whose every value psycopg2 quotes into SQL text and
    PostgreSQL parses back. COPY returns nothing, so new ids are first taken from the table's
    sequence. Elsewhere (SQLite) it is bulk_create.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._base_manager.bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]
    ids = []
    if returning_ids:
        pk = model._meta.pk
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        columns = [pk.attname, *columns]
        rows = [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
    _copy_rows(connection, model, columns, rows)
    return ids


def _copy_rows(connection, model, columns, rows):
    """COPY rows into the model's table as CSV, which csv.writer makes in C.

    COPY's CSV reads an empty unquoted cell as NULL, and csv.writer writes both None and ""
    that way: text columns that cannot be NULL are told (FORCE_NOT_NULL) to read it as "",
    and a nullable text column gets NULL for "" (none of the tables written here has one that
    an import fills with ""). Every row starts with an id, a number, so that no row can be
    COPY's end-of-data line, \\. alone.
    """
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in columns]
    options = ["FORMAT csv"]
    not_null_text = [quote(f.column) for f in fields if f.empty_strings_allowed and not f.null]
    if not_null_text:
        options.append(f"FORCE_NOT_NULL ({', '.join(not_null_text)})")
    # str() of an aware datetime, or of a choice (a Python-level __str__), costs more than the
    # rest of the row; an import writes the same instant and the same few choices on every
    # row, so each distinct value of those columns is formatted once.
    repeated = [
        i for i, f in enumerate(fields) if f.choices or f.get_internal_type() == "DateTimeField"
    ]
    if repeated:
        cells = list(zip(*rows, strict=True))
        for i in repeated:
            texts = {value: None if value is None else str(value) for value in set(cells[i])}
            cells[i] = map(texts.__getitem__, cells[i])
        rows = zip(*cells, strict=True)
    # A JSON column's dict goes in as JSON text (csv.writer would write its Python repr).
    as_json = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    if as_json:

        def with_json(row):
            row = list(row)
            for i in as_json:
                # Most imported rows have nothing beyond our fields ({}): json.dumps would
                # spend two microseconds a row saying so.
                row[i] = EMPTY_JSON_OBJECT if row[i] == {} else json.dumps(row[i])
            return row

        rows = map(with_json, rows)
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    text.seek(0)
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"FROM STDIN WITH ({', '.join(options)})"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, text)


EMPTY_JSON_OBJECT = json.dumps({})


class BulkLoad:
    """A big import's way into PostgreSQL, after its manual's "Populating a Database": the
    written tables' secondary indexes and foreign keys are set aside while the rows go in, then
    made again in one pass each, all inside the import's transaction (a failure rolls the
    DDL back with the rows, and the tables are as they were).

    Per row that saves a third of PostgreSQL's work (bench/README.md: 384 → 256 µs of CPU per
    ACLED row at 100,000 rows): keeping the full-text GIN index and a dozen B-trees up to date
    row by row, and some thirteen foreign-key look-ups, cost more than building each index or
    checking each foreign key over the finished tables in one sort or one join. The price:
    the DDL takes ACCESS EXCLUSIVE locks on those tables until the commit, so readers of the
    incidents wait for the whole import, and the work of rebuilding grows with what the tables
    held before. import_file() chooses it only for an import into a (nearly) empty incident
    table, or when asked.

    What is set aside is read from the catalog, not listed here, so that indexes and
    constraints added later are handled too: every foreign key of the tables, and every index
    that enforces nothing (not unique, backing no constraint), except those led by a column
    referring to `kept_for` (the children's incident_id: a re-import replaces a changed
    incident's child rows through them) where no unique index of the table starts with that
    column too (casualties, actor roles and tactics have one, which serves those deletes as
    well: their incident_id index goes aside, ~1 µs less a child row). Unique indexes stay:
    they are what the import looks incidents up by, and what refuses a duplicate. Triggers stay
    too (the public counts, the data version): they run once per statement, not per row;
    except the search entries' (models/search.py) and the actor counts' (models/actor_counts.py),
    which are switched off while the rows go in and replaced by one pass over the finished
    tables each (rebuild_search_entries, rebuild_actor_counts), as an index is.
    """

    def __init__(self, connection, models, kept_for, wanted=lambda: True):
        self.connection = connection
        self.tables = [model._meta.db_table for model in models]
        self.kept_for = kept_for._meta.db_table
        # Asked once, when the first rows are about to go in (an import that creates nothing,
        # such as an unchanged re-import, sets nothing aside).
        self.wanted = wanted
        self.decided = self.started = False
        self.constraints = []  # (table, name, definition)
        self.indexes = []  # (name, definition)
        self.triggers = []  # (table, name)

    def begin(self):
        """Set the indexes and foreign keys aside, if wanted, before the first rows go in."""
        if not self.decided:
            self.decided = True
            if self.wanted():
                self.start()

    def start(self):
        self.started = True
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY (%s::regclass[]) "
                "ORDER BY 1, 2",
                [self.tables],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i "
                "WHERE i.indrelid = ANY (%s::regclass[]) AND NOT i.indisunique "
                "AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
                "AND NOT (EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
                "  AND f.conrelid = i.indrelid AND f.confrelid = %s::regclass "
                "  AND f.conkey[1] = i.indkey[0]) "
                "  AND NOT EXISTS (SELECT 1 FROM pg_index u WHERE u.indrelid = i.indrelid "
                "  AND u.indisunique AND u.indkey[0] = i.indkey[0])) "
                "ORDER BY 1",
                [self.tables, self.kept_for],
            )
            self.indexes = cursor.fetchall()
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgrelid = ANY (%s::regclass[]) "
                "AND (tgname LIKE %s OR tgname LIKE %s) ORDER BY 1, 2",
                [self.tables, *(like_prefix(prefix) for prefix in REBUILT_TRIGGER_PREFIXES)],
            )
            self.triggers = cursor.fetchall()
            for table, name in self.triggers:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {quote(name)}")
            for table, name, _definition in self.constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")

    def finish(self):
        """Make again what start() set aside: each index in one sort, each foreign key checked
        in one join (ADD CONSTRAINT validates the rows there)."""
        if not self.started:
            return
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            # The sorts of CREATE INDEX in memory rather than in temporary files.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            if self.triggers:
                for table, name in self.triggers:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {quote(name)}")
                # Before the entries' indexes are made again, below.
                rebuild_search_entries(cursor)
                rebuild_actor_counts(cursor)
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in self.constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
