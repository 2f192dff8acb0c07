"""Bulk SQL for imports: rows written with COPY (PostgreSQL) or bulk_create."""

import csv
import io
import json
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from ..counts import next_data_version, recount_tables
from ..models.actor_counts import TRIGGER_PREFIX as ACTOR_COUNT_PREFIX
from ..models.actor_counts import rebuild_actor_counts
from ..models.counts import COUNT_TRIGGER_PREFIX, VERSION_TRIGGER_PREFIX
from ..models.search import TRIGGER_PREFIX as SEARCH_ENTRY_PREFIX
from ..models.sources import UNCITED_TRIGGER_PREFIX, rebuild_uncited_incidents

# The triggers that keep the derived tables: the search entries, the actor counts, the count
# tables, and the data version on the incidents' parts. Each fires only while the transaction's
# DERIVED_TRIGGERS setting is not "off" (migration 0032). A bulk load sets it off and does their
# work itself: the search entries chunk by chunk (row by row, the triggers wrote each entry a
# second time when its roles followed); the actor counts (each statement recounted every
# incident its roles touch) and the count tables (14 µs a row of PostgreSQL's time at a million
# rows) counted once at the end; the data version (2.6 ms a statement, five statements a chunk)
# moved on once; the uncited incidents found again in one anti-join at the end (each chunk's
# incidents went in and out again with their citations). A dry run sets it off too: what they
# would write is rolled back with it.
DERIVED_TRIGGER_PREFIXES = (
    SEARCH_ENTRY_PREFIX,
    ACTOR_COUNT_PREFIX,
    COUNT_TRIGGER_PREFIX,
    VERSION_TRIGGER_PREFIX,
    UNCITED_TRIGGER_PREFIX,
)
DERIVED_TRIGGERS = "incidentdb.derived_triggers"


def set_derived_triggers(cursor, on):
    """Let the derived tables' triggers fire, or not, until the transaction ends (SET LOCAL:
    a rollback, to a savepoint too, undoes it). No lock is taken."""
    cursor.execute(f"SET LOCAL {DERIVED_TRIGGERS} = '{'on' if on else 'off'}'")


def like_prefix(prefix):
    """A LIKE pattern for names that start with `prefix` (whose _ is a wildcard in LIKE)."""
    return prefix.replace("_", "\\_") + "%"


def batched(items, size):
    """The items in lists of at most `size` (itertools.batched from Python 3.12)."""
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


class RowInserter:
    """Inserts an import's rows: on PostgreSQL with COPY, sent to the server by a thread of its
    own while the import's main thread builds the next chunk's rows; elsewhere (SQLite) with
    bulk_create, at once. No save() or signal runs.

    COPY (see copy_statement) is several times faster than INSERT statements. The thread is
    there because the main thread was the import's critical path: its Python (building the
    rows and their COPY text) and PostgreSQL's work on them (the rows, their indexes and
    triggers) took turns, each leaving the machine's other core idle. psycopg2 lets go of the
    GIL while PostgreSQL works, so the two now overlap: chunk N is written while chunk N + 1
    is built.

    The connection is used by one thread at a time. The COPYs of a chunk, queued by insert(),
    go to the thread together (send()); every statement the main thread sends through Django
    waits for them first (an execute_wrapper, installed by running()), and so do the next
    send() and the end of running(), before the transaction's commit or rollback. An error of
    a COPY is raised in the main thread by that wait.
    """

    def __init__(self, connection):
        # The main thread's connection object itself (not django.db.connection, which each
        # thread resolves to a connection of its own).
        self.connection = connection
        self.background = connection.vendor == "postgresql"
        # The chunk's statements, in order: (COPY statement, its text) or (statement, params).
        self.queued = []
        self.pool = None  # the thread, while running()
        self.sent = None  # the Future of the COPYs sent last
        # New ids taken from a model's sequence ahead of the chunk that needs them, in the
        # thread (a Future of (model, ids)), and those left over: taking them in the main thread
        # would make it wait for the last chunk's COPYs, which run in the same connection.
        self.ids_ahead = None
        self.spare_ids = {}

    @contextmanager
    def running(self):
        """Inserts during the block go through the thread (PostgreSQL); all are done when it
        ends, and an error of one is raised."""
        if not self.background:
            yield
            return
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy") as pool,
            self.connection.execute_wrapper(self._after_copies),
        ):
            self.pool = pool
            try:
                yield
                self.send()
                self.wait()
            finally:
                # Whatever happened, the thread has let go of the connection before the
                # transaction ends (its own error, if any, is not the one to tell then).
                for future in (self.sent, self.ids_ahead):
                    if future is not None:
                        futures.wait([future])
                self.pool = self.sent = self.ids_ahead = None
                self.queued = []

    def insert(self, model, columns, rows, returning_ids=False):
        """Insert rows (tuples of values for `columns`, field attnames) into the model's table;
        returns the new ids when asked. On PostgreSQL, inside running(), the rows go in at the
        next send(); the ids are known at once (taken from the table's sequence first)."""
        if not rows:
            return []
        if not self.background:
            objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
            model._base_manager.bulk_create(objects, batch_size=500)
            return [obj.pk for obj in objects]
        ids = []
        if returning_ids:
            ids = self._take_ids(model, len(rows))
            columns = [model._meta.pk.attname, *columns]
            rows = [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
        self.queued.append(copy_statement(self.connection, model, columns, rows))
        if self.pool is None:
            self.send()
        return ids

    def execute_after(self, sql, params):
        """Run a statement after the rows inserted so far (PostgreSQL), with them at send()."""
        self.queued.append((sql, params))
        if self.pool is None:
            self.send()

    def send(self, ids_ahead=None):
        """Send the queued COPYs to the server (in the thread, inside running()). `ids_ahead`,
        (model, count): new ids of the model to take in the thread before them, for the next
        chunk."""
        if not self.background:
            return  # bulk_create wrote them already
        self.wait()
        queued, self.queued = self.queued, []
        if self.pool is None:
            self._copy(queued)
            return
        if ids_ahead and self.ids_ahead is None:
            model, count = ids_ahead
            self.ids_ahead = self.pool.submit(self._ids_in_thread, model, count)
        if queued:
            self.sent = self.pool.submit(self._copy, queued)

    def wait(self):
        """Wait until the COPYs sent are done; raise their error, if any."""
        if self.sent is not None:
            sent, self.sent = self.sent, None
            sent.result()

    def _after_copies(self, execute, sql, params, many, context):
        # Every statement of the main thread: after the thread's, never beside them.
        self.wait()
        if self.ids_ahead is not None:
            futures.wait([self.ids_ahead])
        return execute(sql, params, many, context)

    def _take_ids(self, model, count):
        if self.ids_ahead is not None:
            ahead, self.ids_ahead = self.ids_ahead, None
            ahead_model, ids = ahead.result()
            self.spare_ids.setdefault(ahead_model, []).extend(ids)
        spare = self.spare_ids.setdefault(model, [])
        if len(spare) < count:
            with self.connection.cursor() as cursor:
                spare.extend(new_ids(cursor, model, count - len(spare)))
        ids, self.spare_ids[model] = spare[:count], spare[count:]
        return ids

    def _ids_in_thread(self, model, count):
        with self.connection.wrap_database_errors, self.connection.connection.cursor() as cursor:
            return model, new_ids(cursor, model, count)

    def _copy(self, statements):
        # The psycopg2 connection itself: Django's connection object belongs to the main thread.
        with self.connection.wrap_database_errors, self.connection.connection.cursor() as cursor:
            for sql, text_or_params in statements:
                if not isinstance(text_or_params, str):
                    cursor.execute(sql, text_or_params)
                    continue
                # Read in one go: in blocks, each would take the GIL back from the main thread.
                text = io.StringIO(text_or_params)
                cursor.copy_expert(sql, text, size=max(len(text_or_params), 8192))


def new_ids(cursor, model, count):
    """`count` new ids from the model's sequence, as every other insert takes them (safe
    beside other sessions' inserts)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )
    return [row[0] for row in cursor.fetchall()]


def copy_statement(connection, model, columns, rows):
    """(COPY statement, its CSV text) putting rows into the model's table; csv.writer makes
    the text in C.

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
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"FROM STDIN WITH ({', '.join(options)})"
    )
    return sql, text.getvalue()


EMPTY_JSON_OBJECT = json.dumps({})
# The memory of each sort or hash of BulkLoad.finish()'s statements (SET LOCAL: that transaction
# only). A few of them at once at most; the machine has gigabytes.
FINISH_WORK_MEM = "128MB"


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
    they are what the import looks incidents up by, and what refuses a duplicate. The derived
    tables' triggers (DERIVED_TRIGGER_PREFIXES) are off while the rows go in, by a setting of
    the transaction (set_derived_triggers), and their work is done otherwise: the import writes
    the search entries (models/search.py) of each chunk's incidents itself, once their roles
    are in (search_entries_upsert, see `writes_search_entries`); the actor counts
    (models/actor_counts.py) and the count tables (models/counts.py) are counted again in one
    pass over the finished tables (rebuild_actor_counts, counts.recount_tables), as an index is
    made, and so are the uncited incidents (models/sources.py, rebuild_uncited_incidents); and
    the public data version moves on once (counts.next_data_version). Any other trigger stays
    on.
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

    @property
    def writes_search_entries(self):
        """Whether the derived tables' triggers are off: the import must then write the entries
        of every incident it creates or updates (search_entries_upsert) before finish()."""
        return self.started

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
            set_derived_triggers(cursor, on=False)
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
            # The actor counts' joins and aggregates over every incident in memory too: with the
            # default 4MB they spilled to disk in 16 batches.
            cursor.execute(f"SET LOCAL work_mem = '{FINISH_WORK_MEM}'")
            # On again for whatever the caller's transaction writes after the import.
            set_derived_triggers(cursor, on=True)
            recount_tables(cursor)
            rebuild_actor_counts(cursor)
            rebuild_uncited_incidents(cursor)
            # What the import wrote may be published: whatever was remembered before it must
            # not be served after it.
            next_data_version(cursor)
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in self.constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
