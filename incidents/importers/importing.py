"""Importing a dataset's file: import_file() and the Importer each format subclasses.

A format module (ucdp.py, acled.py) only turns one CSV row into an IncidentRecord (records.py)
or says what is wrong with it. Everything else is the same for every format: reading.py reads
the file, writing.py writes the records (with bulk.py's COPY), and import_file() here runs it:

1. The file is read once, in chunks: each row is checked and parsed (RowChecker) and the good
   ones are written, all inside one transaction, so an import is all or nothing. With any bad
   row and no `skip_invalid`, the transaction is rolled back and nothing is written; from the
   first bad row on, the rest of the file is only checked, so that the report names every bad
   row. A dry run does the same work and rolls it back, so its counts are exact.
2. An incident is found by its identifier in the dataset (`key_field`). A row whose content
   is the same as at its last import leaves it unchanged; a changed row updates it, unless
   someone changed the incident since that import: then the row is a conflict and the
   analyst's version stays.
3. Once a written import commits, the tables it filled are analysed (PostgreSQL's ANALYZE), so
   that the first queries over thousands of new incidents are not planned on stale counts.
4. Only one import writes at a time (on PostgreSQL, an advisory lock held by the write
   transaction): another one stops with ImportBusy before writing anything. SQLite lets one
   writer in at a time already.
"""

import csv
import marshal
import multiprocessing
import pickle
import sqlite3
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from ..models import (
    AdminArea,
    Country,
    Incident,
    PublicActorMonth,
    PublicActorSetMonth,
    PublicIncidentActors,
    PublicIncidentDay,
    PublicIncidentMonth,
    PublicIncidentYear,
    SearchEntry,
    Source,
)
from ..outlines import outline_problem
from .bulk import BulkLoad, batched, set_derived_triggers
from .process import runs_alone
from .reading import open_table
from .records import (
    ImportReport,
    IncidentRecord,
    RowError,
    RowInvalid,
    record_as_values,
    record_from_values,
)
from .resemblance import DuplicateFinder
from .writing import IncidentWriter, bulk_written_tables, child_models

# Rows parsed, looked up and written together: large enough that a chunk's few statements
# (and the count tables' statement triggers) cost little per row, small enough that memory
# stays flat (two chunks of records at most: one being written, the next being read).
CHUNK_SIZE = 2000
# Rows whose ids RowChecker looks up among the earlier rows' together: one SQLite query for
# many, while few enough not to hold a third chunk of records in memory beside the two above.
CHECKED_TOGETHER = 500
# The advisory lock key of "an import is writing": any fixed number no other lock of ours uses.
IMPORT_LOCK_KEY = 170001
# An import into an incident table holding at most this many incidents takes the bulk path
# (bulk.BulkLoad) by itself: rebuilding the indexes over them costs well under a second.
BULK_LOAD_MAX_INCIDENTS = 10_000
# The tables rebuild_actor_counts() and counts.recount_tables() fill again at the end of a bulk
# load.
ACTOR_COUNT_MODELS = [PublicIncidentActors, PublicActorSetMonth, PublicActorMonth]
COUNT_MODELS = [PublicIncidentDay, PublicIncidentMonth, PublicIncidentYear]
BUSY_MESSAGE = gettext_lazy("Another import is running; try again when it has finished.")


class ImportBusy(Exception):
    """Another import is writing; this one stopped before writing anything."""


class Importer:
    """A dataset format. Subclasses set the class attributes and implement parse_row."""

    format_name = ""
    key_field = ""  # the Incident field holding the dataset's identifier
    key_column = ""  # the CSV column holding it
    required_columns: list[str] = []
    # The CSV columns naming a place's district and the area below it (PlaceRecord's admin2
    # and admin3), for the warnings about them to name the file's own column.
    area_columns = {"admin2": "admin2", "admin3": "admin3"}

    def find_fingerprints(self, keys):
        """{key: (incident id, import fingerprint)} for the keys already in the database: one
        query, whatever the number of keys.

        The datasets' ids are indexed by partial unique indexes that leave out "": saying
        so in the query lets PostgreSQL use them for any number of keys (it proves a list
        non-empty by itself only up to 100 values, and scanned the whole table beyond)."""
        found = (
            Incident.objects.filter(**{f"{self.key_field}__in": keys})
            .exclude(**{self.key_field: ""})
            .order_by()  # the model's ordering would make PostgreSQL walk the date index
            .values_list(self.key_field, "pk", "import_fingerprint")
        )
        return {key: (pk, fingerprint) for key, pk, fingerprint in found}

    def missing_columns(self, header):
        """The required columns the header lacks, as names to show."""
        return [column for column in self.required_columns if column not in header]

    def headerless_columns(self, first_row):
        """The columns of a file published without a header row, when `first_row` is data in
        a layout this format knows; None when it is a header (every format but UCDP's)."""
        return None

    def parse_row(self, row: dict, row_number: int) -> IncidentRecord:
        """Turn one CSV row into a record, or raise RowInvalid naming every bad column."""
        raise NotImplementedError

    def row_warnings(self, row: dict, record: IncidentRecord) -> list[RowError]:
        """What the import report warns about a row that parse_row read: what the record
        holds that the row did not say (a place filled in where the file gives none)."""
        return []


def import_file(
    source,
    importer: Importer,
    *,
    dry_run=False,
    skip_invalid=False,
    user=None,
    publish=True,
    progress: Callable[[int], None] | None = None,
    run=None,
    bulk=None,
) -> ImportReport:
    """Import a file in the importer's format; see the module docstring for the rules.

    `publish` publishes new incidents (reference datasets are already reviewed); otherwise
    they arrive as drafts. `progress` is called before each chunk is written with the number
    of rows read up to it. `run` is the admin's ImportRun, recorded on the incidents written
    (Incident.import_run).
    `bulk` True sets the tables' indexes and foreign keys aside while writing (BulkLoad: much
    faster for a big file, but readers of the incidents wait until the import ends); None
    leaves the choice to the import: bulk into an empty or nearly empty incident table only.
    Raises FileRefused when the file as a whole cannot be read, and ImportBusy (not for a dry
    run) when another import is writing.
    """
    if not dry_run:
        # Told now rather than after reading the whole file; taken for real further down.
        _lock_imports()
    table = open_table(source, importer.missing_columns, importer.headerless_columns)
    report = ImportReport(format=importer.format_name, dry_run=dry_run)
    writer = IncidentWriter(
        importer, report, user=user, publish=publish, run=run, chunk_size=CHUNK_SIZE
    )
    # A dry run also says which rows probably duplicate an incident already entered.
    finder = DuplicateFinder(importer) if dry_run else None
    # Forked here, before the transaction and before this import starts a thread.
    checking = None
    if settings.IMPORT_CHECKING_PROCESS and runs_alone():
        checking = CheckingProcess(table, importer, CHUNK_SIZE)
    if checking:
        chunks = checking.chunks(report)
    else:
        records = RowChecker(importer, report).valid_records(table.rows())
        chunks = _read_ahead(_chunks(records, CHUNK_SIZE))
    try:
        with transaction.atomic():
            if not dry_run:
                _lock_imports()
            else:
                _leave_derived_tables()
            writer.bulk_load = bulk_load = _bulk_load(bulk, dry_run)
            with _bulk_writing(), writer.rows.running():
                for chunk in chunks:
                    if progress:
                        # The rows up to the chunk's last (report.rows is the read-ahead's).
                        progress(chunk[-1].row - 1)
                    # A dry run goes on to count what the good rows would do, so the report
                    # shows it; an import with a bad row will write nothing, and only checks.
                    if dry_run or skip_invalid or not report.rejected:
                        if finder:
                            report.likely_duplicates += finder.find(chunk)
                        writer.write(chunk)
            if report.rejected and not skip_invalid and not dry_run:
                # Rolled back: the report says what was found wrong, and nothing else.
                report.created = report.updated = report.unchanged = 0
                report.conflicts.clear()
                raise _RolledBack
            if dry_run:
                raise _RolledBack
            if bulk_load:
                bulk_load.finish()
            if report.created or report.updated:
                # After the commit (of the caller's transaction, when it has one): ANALYZE
                # in the transaction would not count its rows. Robust: the import stands.
                transaction.on_commit(_analyze_written_tables, robust=True)
    except _RolledBack:
        return report
    finally:
        if checking:
            checking.close()
    report.written = True
    return report


class RowChecker:
    """Checks and parses each row once, adding its problems to the report's rejected rows: a
    bad cell (the format's parse_row), a NUL character, or the dataset id (or another
    dataset's id) of an earlier row again. Counts report.rows.

    Rows are checked CHECKED_TOGETHER at a time, so that their ids are looked up among the
    earlier rows' (SeenIds) in one go; each row's problems still reach the report in the order
    of the rows."""

    # The id of the row itself, among the other datasets' ids a row carries (SeenIds).
    OWN_KEY = ""

    def __init__(self, importer, report):
        self.importer, self.report = importer, report

    def valid_records(self, rows) -> Iterator[IncidentRecord]:
        """The records of the good rows of `rows` ((row number, dict) pairs), each with its
        fingerprint computed (where the reading happens: the read-ahead thread)."""
        with closing(SeenIds()) as seen:
            for batch in _chunks(rows, CHECKED_TOGETHER):
                checked = [self.check(row_number, row) for row_number, row in batch]
                firsts = seen.first_rows(
                    (id_field, value, record.row)
                    for record, _errors in checked
                    if record is not None
                    for id_field, value in self._ids(record)
                )
                for record, errors in checked:
                    if record is not None:
                        errors += self._repeated_ids(record, firsts)
                        if not errors:
                            yield record
                            continue
                    self.report.rejected += errors

    def check(self, row_number, row) -> tuple[IncidentRecord | None, list[RowError]]:
        """(the row's record, or None when it cannot be read; what is wrong with it so far):
        its ids are not compared with the other rows' yet."""
        self.report.rows += 1
        # One scan of the whole row finds a NUL; only then is the column looked for.
        with_nul = "\x00" in "".join(row.values()) and [
            column for column, value in row.items() if "\x00" in value
        ]
        if with_nul:
            column = with_nul[0]
            return None, [
                RowError(row_number, column, row[column], gettext("holds a NUL character"))
            ]
        try:
            record = self.importer.parse_row(row, row_number)
        except RowInvalid as invalid:
            return None, list(invalid.errors)
        self.report.warnings += self.importer.row_warnings(row, record)
        place = record.place
        if problem := outline_problem(place.country_iso3, place.latitude, place.longitude):
            self.report.warnings.append(
                RowError(
                    row_number,
                    "latitude/longitude",
                    f"{float(place.latitude):g}, {float(place.longitude):g}",
                    problem,
                )
            )
        # Here, while the record is fresh in the processor's caches, rather than after the
        # other rows checked with it.
        record.fingerprint  # noqa: B018
        return record, []

    def _ids(self, record):
        """(id field, value) of the ids a record's row must not share with an earlier row:
        the other datasets' ids first, then its own, the order their errors are told in."""
        return [*record.other_ids.items(), (self.OWN_KEY, record.key)]

    def _repeated_ids(self, record, firsts):
        """An error for each of the record's ids first seen on an earlier row."""
        return [
            RowError(
                record.row,
                id_field or self.importer.key_column,
                value,
                _same_id(first),
            )
            for id_field, value in self._ids(record)
            if (first := firsts[id_field, value]) != record.row
        ]


class CheckingProcess:
    """Reads and checks a file's rows (RowChecker) in a process forked from the import's, which
    receives the good rows' records a chunk at a time, with what its report gained meanwhile:
    the rows read, and the rejected rows and warnings in the order of the rows.

    Why a process: a Python process runs one thread at a time (the GIL), and reading, checking
    and fingerprinting a row took as much of it as building the row's COPY text, so an import's
    Python ran on one core, whatever its threads. Forked, the checking has a core of its own.
    The records travel as plain values through `marshal` (records.record_as_values), about
    25 µs a row both ends together: pickling the records cost more than the work moved
    (bench/README.md, imp3).

    Used when settings.IMPORT_CHECKING_PROCESS asks for it, in a process that runs the import
    alone (process.importing_alone). It pays only with a core to spare: the records' way
    through the pipe costs CPU (and three busy processes on two cores more), and on a machine
    busy with other work a million-row import took a third more CPU and longer
    (bench/README.md, imp4).

    Memory stays flat: the pipe holds less than a chunk, so the process waits, one chunk
    ahead, until the import takes the next one. It touches no database: the import's
    connection, which the fork copies, is used by the import alone, and the process ends
    with os._exit (multiprocessing's), which closes nothing of the parent's.
    """

    def __init__(self, table, importer, chunk_size):
        context = multiprocessing.get_context("fork")
        self.receiving, sending = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_check_in_process,
            args=(table, importer, sending, translation.get_language(), chunk_size),
            name="import-checking",
        )
        self.process.start()
        # The process's copy is then the only one: when it ends, the pipe says so.
        sending.close()

    def chunks(self, report) -> Iterator[list[IncidentRecord]]:
        """The chunks of good records, as _chunks(RowChecker(…).valid_records(…)) gives them,
        counting the rows and adding the problems to `report` as they come."""
        while True:
            try:
                message = marshal.loads(self.receiving.recv_bytes())
            except EOFError:
                raise RuntimeError("The import's checking process stopped") from None
            kind = message[0]
            if kind == _END:
                return
            if kind == _FAILED:
                raise pickle.loads(message[1])
            _kind, rows, rejected, warnings, records = message
            report.rows = rows
            report.rejected += [RowError(*error) for error in rejected]
            report.warnings += [RowError(*warning) for warning in warnings]
            if records:
                yield [record_from_values(values) for values in records]

    def close(self):
        """Stop the process, if it has not ended (an import that failed or was refused)."""
        self.receiving.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.process.close()


# What CheckingProcess's messages start with.
_CHUNK, _END, _FAILED = 0, 1, 2


def _check_in_process(table, importer, sending, language, chunk_size):
    """CheckingProcess's process: send each chunk of good records, with the report's new rows
    and problems; then the end, or the error that stopped the reading (pickled)."""
    _speak(language)
    report = ImportReport(format=importer.format_name)
    told = {"rejected": 0, "warnings": 0}

    def news(attribute):
        # The errors added since the last message, as plain values.
        errors = getattr(report, attribute)[told[attribute] :]
        told[attribute] += len(errors)
        return [(e.row, str(e.column), str(e.value), str(e.reason)) for e in errors]

    def send(records):
        values = [record_as_values(record) for record in records]
        sending.send_bytes(
            marshal.dumps((_CHUNK, report.rows, news("rejected"), news("warnings"), values))
        )

    try:
        records = RowChecker(importer, report).valid_records(table.rows())
        for chunk in _chunks(records, chunk_size):
            send(chunk)
        send([])  # the problems of the rows after the last good one
        sending.send_bytes(marshal.dumps((_END,)))
    except BrokenPipeError:
        pass  # the import stopped taking chunks: it failed, and says why
    except Exception as error:  # told to the import, which raises it
        try:
            pickled = pickle.dumps(error)
        except Exception:
            pickled = pickle.dumps(RuntimeError(traceback.format_exc()))
        try:
            sending.send_bytes(marshal.dumps((_FAILED, pickled)))
        except BrokenPipeError:
            pass


class SeenIds:
    """The row each id of a file was first seen on, kept in a temporary SQLite file rather
    than in memory, so that an import's memory does not grow with its file (a dict of them took
    about 120 bytes a row: 118 of the 253 MiB a million-row import peaked at). SQLite keeps a
    few MB of it cached (SEEN_IDS_CACHE_KIB); the file is deleted when closed, or when the
    process ends.
    Neither the import's database nor its transaction is used: a dry run and the rejects file,
    which write nothing, find the same repeated ids."""

    def __init__(self):
        # "": a private temporary database on disk (Python's sqlite3, not Django's). Made in
        # the read-ahead thread, it may be closed in the main thread, when an import that
        # failed there lets go of the reading: one thread at a time uses it.
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.execute(f"PRAGMA cache_size = -{SEEN_IDS_CACHE_KIB}")
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute(
            "CREATE TABLE seen (value TEXT, id_field TEXT, row INTEGER, "
            "PRIMARY KEY (value, id_field)) WITHOUT ROWID"
        )

    def first_rows(self, ids):
        """{(id field, value): the row it was first seen on} for the (id field, value, row)
        triples of a chunk of rows, in the order of the rows; remembers those seen first here."""
        firsts = {}
        for id_field, value, row in ids:
            firsts.setdefault((id_field, value), row)
        # One statement inserts them all but those seen before (ON CONFLICT DO NOTHING), and
        # says which it inserted: the others, rare, are read back with the row they were on.
        new = set()
        for part in batched(firsts.items(), SQLITE_ROWS_PER_STATEMENT):
            inserted = self.db.execute(
                "INSERT INTO seen (id_field, value, row) VALUES "
                f"{', '.join(['(?, ?, ?)'] * len(part))} "
                "ON CONFLICT DO NOTHING RETURNING id_field, value",
                [cell for (id_field, value), row in part for cell in (id_field, value, row)],
            )
            new.update(inserted)
        for id_field, value in firsts.keys() - new:
            [(firsts[id_field, value],)] = self.db.execute(
                "SELECT row FROM seen WHERE value = ? AND id_field = ?", (value, id_field)
            )
        return firsts

    def close(self):
        self.db.close()


# The page cache of SeenIds (KiB): beyond it the temporary file's pages are read back from the
# operating system's cache, a few microseconds each.
SEEN_IDS_CACHE_KIB = 4096
# Rows inserted by one SQLite statement: their values stay well under its limit of values
# bound (32,766 since SQLite 3.32).
SQLITE_ROWS_PER_STATEMENT = 500


def _same_id(first_row):
    return gettext("the same id is on row %(row)s") % {"row": first_row}


def rejected_rows_report(source, importer) -> ImportReport:
    """What an import finds wrong with the file, every row of it, without looking at the
    database: the report write_rejects() turns into the rejects file."""
    report = ImportReport(format=importer.format_name, dry_run=True)
    rows = open_table(source, importer.missing_columns, importer.headerless_columns).rows()
    for _record in RowChecker(importer, report).valid_records(rows):
        pass
    return report


class _RolledBack(Exception):
    pass


def _analyze_written_tables():
    """Refresh the planner's statistics of the tables an import filled (and vacuum them, see
    below); before autovacuum came to them, a filter over 157k fresh incidents took minutes
    instead of a second.
    Not on SQLite, whose planner has no statistics until a first ANALYZE: giving it some
    would change how every page's queries are planned, for little gain on one writer."""
    if connection.vendor != "postgresql":
        return
    tables = [
        *bulk_written_tables(),
        # What else an import writes: the countries, areas and sources it names first, and
        # the actor counts of a bulk load. A table of six countries is never analysed by
        # autovacuum (it waits for 50 changed rows); without statistics the planner took
        # Mali's places for 11 of 3,142 and sorted all its 317,000 incidents for a list of
        # Mali's deadliest (1.0 s at a million; 3 ms with them).
        *(model._meta.db_table for model in [Country, AdminArea, Source, *ACTOR_COUNT_MODELS]),
    ]
    # Outside a transaction (the import committed on its own: the command line, the admin's
    # background job), VACUUM them too: it marks the new rows' pages all-visible, which lets
    # index-only scans skip the rows themselves. Until autovacuum came to a million fresh
    # incidents, a page number typed in the middle of the list by its deadliest read 500,000
    # rows (478 ms; 40 ms vacuumed, for about 1 s of VACUUM). VACUUM cannot run inside a
    # caller's transaction: there, statistics only. INDEX_CLEANUP OFF: the rows an import
    # replaced are left to autovacuum, whose pass over each of the incidents' thirty indexes
    # would keep the import waiting for a large re-import.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE, INDEX_CLEANUP OFF)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {', '.join(map(connection.ops.quote_name, tables))}")


def _leave_derived_tables():
    """A dry run's transaction (PostgreSQL): the triggers that keep the derived tables (the
    search entries, the actor counts, the count tables, the public data version) do not fire.
    What they would write is rolled back with the dry run's rows, and nothing of its report
    reads it: they were most of a dry run's time. The dry run's rollback, to its savepoint
    inside a caller's transaction too, turns them on again."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        set_derived_triggers(cursor, on=False)


@contextmanager
def _bulk_writing():
    """PostgreSQL set for writing many rows in the current transaction, and set back after.

    The foreign keys (deferred to the commit, as Django declares them) are checked at the end
    of each statement instead: the same work, but done while the read-ahead thread reads the
    next chunk, not all at once at the commit (a fifth of an import's time). No JIT
    compilation: a bulk statement's estimates, from statistics older than the rows it reads,
    can cross the JIT's cost threshold and spend more time compiling than running.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    # Every deferrable constraint of the schema is initially deferred: as it was (a rollback
    # sets it back by itself).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _bulk_load(bulk, dry_run):
    """The BulkLoad of a written import on PostgreSQL, used when asked (`bulk` True), or when
    not told (None) and the incident table is nearly empty once the first new incidents are
    about to go in; None when not to be used. A dry run never: it writes only to count, and
    should not make readers wait."""
    if dry_run or bulk is False or connection.vendor != "postgresql":
        return None

    def nearly_empty():
        # Counting stops after the limit: this stays cheap on a table of millions.
        incidents = Incident.objects.order_by()[: BULK_LOAD_MAX_INCIDENTS + 1]
        return incidents.count() <= BULK_LOAD_MAX_INCIDENTS

    return BulkLoad(
        connection,
        # The search entries, which the incidents' and roles' triggers write, with them: their
        # full-text and actors' GIN indexes made once rather than row by row. And the actor
        # counts, which finish() fills again with one INSERT each: their secondary indexes too
        # (at 1M rows, the INSERT of the incidents' actor sets took 6.3 s, of which its SELECT
        # 2.5: the rest went to its primary key and its region index, kept up to date row by
        # row). The count tables likewise.
        [Incident, *child_models(), SearchEntry, *ACTOR_COUNT_MODELS, *COUNT_MODELS],
        kept_for=Incident,
        wanted=(lambda: True) if bulk else nearly_empty,
    )


def _lock_imports():
    """Take the imports' lock until the transaction ends (or, outside one, only check that it
    is free), or raise ImportBusy. Two imports of the same rows would otherwise both insert
    them, and the second die on the unique keys when the first commits."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise ImportBusy(str(BUSY_MESSAGE))


def _read_ahead(chunks) -> Iterator[list]:
    """The chunks, each next one read and parsed in a thread while the last one is written.

    psycopg2 (and sqlite3) let go of the GIL while the database works, which is most of the
    time a chunk takes to write: on two cores the second reading of the file then costs almost
    no time of its own. One chunk ahead at most, so memory stays flat; an error in the thread
    is raised here.

    The thread speaks the import's language (a thread starts with none of its own): the
    reasons it gives a bad row are in it.
    """
    chunks = iter(chunks)
    with ThreadPoolExecutor(
        max_workers=1,
        thread_name_prefix="import-read-ahead",
        initializer=_speak,
        initargs=(translation.get_language(),),
    ) as pool:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk


def _speak(language):
    if language:
        translation.activate(language)
    else:
        translation.deactivate_all()


def _chunks(iterable, size) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_rejects(report: ImportReport, source, destination):
    """Copy the rejected rows of `source` to a CSV at `destination` (a path, or a text file
    open for writing), with a reason column."""
    _write_rows_with(report.rejected, report.format, source, destination, "reasons")


def write_warnings(warnings, format_name, source, destination):
    """Copy the rows of `source` that `warnings` (RowErrors) are about to a CSV at
    `destination` (a path, or a text file open for writing), with a column of the warnings:
    rows that were imported all the same, for an analyst to look at in a spreadsheet."""
    _write_rows_with(warnings, format_name, source, destination, "warnings")


def _write_rows_with(errors, format_name, source, destination, errors_column):
    """The rows of `source` that `errors` name, each once with its cells and "column: reason"
    of each of its errors, in the order of the file."""
    if not hasattr(destination, "write"):
        with open(destination, "w", newline="", encoding="utf-8") as out:
            return _write_rows_with(errors, format_name, source, out, errors_column)
    # Imported here: the registry imports the importers, which import this module.
    from .registry import IMPORTERS

    # The columns as the import read them, for a file without a header row too.
    table = open_table(source, headerless_columns=IMPORTERS[format_name]().headerless_columns)
    header, rows = table.header, table.rows
    reasons = {}
    for error in errors:
        reasons.setdefault(error.row, []).append(
            gettext("%(column)s: %(reason)s") % {"column": error.column, "reason": error.reason}
        )
    writer = csv.writer(destination)
    writer.writerow(["row", *header, errors_column])
    for row_number, row in rows():
        if row_number in reasons:
            writer.writerow(
                [row_number, *(row.get(c, "") for c in header), "; ".join(reasons[row_number])]
            )
