"""Importing a dataset's file: import_file() and the Importer each format subclasses.

A format module (ucdp.py, acled.py) only turns one CSV row into an IncidentRecord (records.py)
or says what is wrong with it. Everything else is the same for every format: reading.py reads
the file, writing.py writes the records (with bulk.py's COPY), and import_file() here runs it:

1. The file is read once to validate every row; with any bad row and no `skip_invalid`,
   nothing is written.
2. It is read again and written in chunks inside one transaction, so an import is all or
   nothing; a dry run does the same work and rolls it back, so its counts are exact.
3. An incident is found by its identifier in the dataset (`key_field`). A row whose content
   is the same as at its last import leaves it unchanged; a changed row updates it, unless
   someone changed the incident since that import: then the row is a conflict and the
   analyst's version stays.
4. Once a written import commits, the tables it filled are analysed (PostgreSQL's ANALYZE), so
   that the first queries over thousands of new incidents are not planned on stale counts.
5. Only one import writes at a time (on PostgreSQL, an advisory lock held by the write
   transaction): another one stops with ImportBusy before writing anything. SQLite lets one
   writer in at a time already.
"""

import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction

from ..models import Incident
from ..outlines import outline_problem
from .bulk import KEYS_PER_QUERY, batched
from .reading import open_table
from .records import ImportReport, IncidentRecord, RowError, RowInvalid
from .resemblance import DuplicateFinder
from .writing import IncidentWriter, bulk_written_tables

CHUNK_SIZE = 1000
# The advisory lock key of "an import is writing": any fixed number no other lock of ours uses.
IMPORT_LOCK_KEY = 170001
BUSY_MESSAGE = "Another import is running; try again when it has finished."


class ImportBusy(Exception):
    """Another import is writing; this one stopped before writing anything."""


class Importer:
    """A dataset format. Subclasses set the class attributes and implement parse_row."""

    format_name = ""
    key_field = ""  # the Incident field holding the dataset's identifier
    key_column = ""  # the CSV column holding it
    required_columns: list[str] = []

    def find_existing(self, keys):
        """{key: Incident} for the keys already in the database."""
        return {
            getattr(incident, self.key_field): incident
            for batch in batched(keys, KEYS_PER_QUERY)
            for incident in Incident.objects.filter(**{f"{self.key_field}__in": batch})
        }

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


def import_file(
    source,
    importer: Importer,
    *,
    dry_run=False,
    skip_invalid=False,
    user=None,
    publish=True,
    progress: Callable[[int], None] | None = None,
    checking: Callable[[int], None] | None = None,
    run=None,
) -> ImportReport:
    """Import a file in the importer's format; see the module docstring for the rules.

    `publish` publishes new incidents (reference datasets are already reviewed); otherwise
    they arrive as drafts. `checking` is called with the number of rows checked so far (the
    first reading), `progress` with the number written or compared (the second). `run` is the
    admin's ImportRun, recorded on the incidents written (Incident.import_run).
    Raises FileRefused when the file as a whole cannot be read, and ImportBusy (not for a dry
    run) when another import is writing.
    """
    if not dry_run:
        # Told now rather than after reading the whole file; taken for real further down.
        _lock_imports()
    rows = open_table(source, importer.missing_columns, importer.headerless_columns).rows
    report = ImportReport(format=importer.format_name, dry_run=dry_run)
    check_rows(rows(), importer, report, checking)
    # A dry run goes on to count what the good rows would do, so the report shows it.
    if report.rejected and not skip_invalid and not dry_run:
        return report
    rejected_rows = set(report.rejected_rows)

    writer = IncidentWriter(importer, report, user=user, publish=publish, run=run)
    # A dry run also says which rows probably duplicate an incident already entered.
    finder = DuplicateFinder(importer) if dry_run else None

    def valid_records():
        for row_number, row in rows():
            if row_number not in rejected_rows:
                record = importer.parse_row(row, row_number)
                record.fingerprint  # noqa: B018 (computed here, in the read-ahead thread)
                yield record

    try:
        with transaction.atomic():
            if not dry_run:
                _lock_imports()
            for chunk in _read_ahead(_chunks(valid_records(), CHUNK_SIZE)):
                if finder:
                    report.likely_duplicates += finder.find(chunk)
                writer.write(chunk)
                if progress:
                    progress(report.done)
            if dry_run:
                raise _DryRunDone
            if report.created or report.updated:
                # After the commit (of the caller's transaction, when it has one): ANALYZE
                # in the transaction would not count its rows. Robust: the import stands.
                transaction.on_commit(_analyze_written_tables, robust=True)
    except _DryRunDone:
        return report
    report.written = True
    return report


def check_rows(rows, importer, report, checking=None):
    """The first reading: every row parsed, its problems added to report.rejected (with the
    same dataset id or other id on two rows), report.rows counted. Writes nothing."""
    seen_keys = {}
    seen_other_ids = {}
    for row_number, row in rows:
        report.rows += 1
        if checking and report.rows % CHUNK_SIZE == 0:
            checking(report.rows)
        # One scan of the whole row finds a NUL; only then is the column looked for.
        with_nul = "\x00" in "".join(row.values()) and [
            column for column, value in row.items() if "\x00" in value
        ]
        if with_nul:
            report.rejected.append(
                RowError(row_number, with_nul[0], row[with_nul[0]], "holds a NUL character")
            )
            continue
        try:
            record = importer.parse_row(row, row_number)
        except RowInvalid as invalid:
            report.rejected.extend(invalid.errors)
            continue
        place = record.place
        if problem := outline_problem(place.country_iso3, place.latitude, place.longitude):
            report.warnings.append(
                RowError(
                    row_number,
                    "latitude/longitude",
                    f"{float(place.latitude):g}, {float(place.longitude):g}",
                    problem,
                )
            )
        for id_field, value in record.other_ids.items():
            if (id_field, value) in seen_other_ids:
                report.rejected.append(
                    RowError(
                        row_number,
                        id_field,
                        value,
                        f"the same id is on row {seen_other_ids[id_field, value]}",
                    )
                )
            else:
                seen_other_ids[id_field, value] = row_number
        if record.key in seen_keys:
            report.rejected.append(
                RowError(
                    row_number,
                    importer.key_column,
                    record.key,
                    f"the same id is on row {seen_keys[record.key]}",
                )
            )
        else:
            seen_keys[record.key] = row_number


def rejected_rows_report(source, importer) -> ImportReport:
    """What the first reading of an import finds wrong with the file, every row of it: the
    report write_rejects() turns into the rejects file."""
    report = ImportReport(format=importer.format_name, dry_run=True)
    check_rows(
        open_table(source, importer.missing_columns, importer.headerless_columns).rows(),
        importer,
        report,
    )
    return report


class _DryRunDone(Exception):
    pass


def _analyze_written_tables():
    """Refresh the planner's statistics of the tables an import filled; before autovacuum
    came to them, a filter over 157k fresh incidents took minutes instead of a second.
    Not on SQLite, whose planner has no statistics until a first ANALYZE: giving it some
    would change how every page's queries are planned, for little gain on one writer."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(table) for table in bulk_written_tables())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _lock_imports():
    """Take the imports' lock until the transaction ends (or, outside one, only check that it
    is free), or raise ImportBusy. Two imports of the same rows would otherwise both insert
    them, and the second die on the unique keys when the first commits."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise ImportBusy(BUSY_MESSAGE)


def _read_ahead(chunks) -> Iterator[list]:
    """The chunks, each next one read and parsed in a thread while the last one is written.

    psycopg2 (and sqlite3) let go of the GIL while the database works, which is most of the
    time a chunk takes to write: on two cores the second reading of the file then costs almost
    no time of its own. One chunk ahead at most, so memory stays flat; an error in the thread
    is raised here.
    """
    chunks = iter(chunks)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read-ahead") as pool:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk


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
    if not hasattr(destination, "write"):
        with open(destination, "w", newline="", encoding="utf-8") as out:
            return write_rejects(report, source, out)
    # Imported here: the registry imports the importers, which import this module.
    from .registry import IMPORTERS

    # The columns as the import read them, for a file without a header row too.
    table = open_table(source, headerless_columns=IMPORTERS[report.format]().headerless_columns)
    header, rows = table.header, table.rows
    reasons = {}
    for error in report.rejected:
        reasons.setdefault(error.row, []).append(f"{error.column}: {error.reason}")
    writer = csv.writer(destination)
    writer.writerow(["row", *header, "reasons"])
    for row_number, row in rows():
        if row_number in reasons:
            writer.writerow(
                [row_number, *(row.get(c, "") for c in header), "; ".join(reasons[row_number])]
            )
