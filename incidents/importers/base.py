"""What every importer shares: reading the file, the row records, validation, the report,
and the atomic bulk upsert.

A format module (ucdp.py, acled.py) only turns one CSV row into an IncidentRecord or says
what is wrong with it. Everything else happens here, the same way for every format:

1. The file is read once to validate every row; with any bad row and no `skip_invalid`,
   nothing is written.
2. It is read again and written in chunks inside one transaction, so an import is all or
   nothing; a dry run does the same work and rolls it back, so its counts are exact.
3. An incident is found by its identifier in the dataset (`key_field`). A row whose content
   is the same as at its last import leaves it unchanged; a changed row updates it, unless
   someone changed the incident since that import: then the row is a conflict and the
   analyst's version stays.
"""

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path

from django.db import connections, router, transaction
from django.utils import timezone

from ..choices import ActorType, CasualtyOutcome, SourceScale, Status
from ..gazetteer import AreaFinder, find_country_code
from ..models import (
    Actor,
    ActorAlias,
    AdminArea,
    Casualty,
    Citation,
    Incident,
    IncidentActor,
    Location,
    Source,
    Tactic,
)
from ..models.incidents import CASUALTY_TOTAL_FIELDS

CHUNK_SIZE = 1000


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, delimiter, columns); one line says why."""


@dataclass
class RowError:
    row: int  # the row as a spreadsheet numbers it: the header is row 1
    column: str
    value: str
    reason: str

    def __str__(self):
        return f"row {self.row}, {self.column}={self.value!r}: {self.reason}"


class RowInvalid(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass
class PlaceRecord:
    country_iso3: str
    name: str
    latitude: Decimal
    longitude: Decimal
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""


@dataclass
class ActorRecord:
    name: str
    role: str
    actor_type: int | None = None


@dataclass
class CasualtyRecord:
    group: str
    outcome: str
    low: int
    best: int
    high: int


@dataclass
class CitationRecord:
    source: str
    scale: str = SourceScale.OTHER
    url: str = ""
    title: str = ""
    published_on: date | None = None
    excerpt: str = ""


@dataclass
class IncidentRecord:
    """One row of a dataset in incidentdb's terms."""

    row: int
    key: str
    title: str
    start_date: date
    date_precision: int
    place: PlaceRecord
    geo_precision: int
    event_type: str
    sub_event_type: str | None = None
    end_date: date | None = None
    narrative: str = ""
    civilian_targeting: bool = False
    actors: list[ActorRecord] = field(default_factory=list)
    casualties: list[CasualtyRecord] = field(default_factory=list)
    citations: list[CitationRecord] = field(default_factory=list)
    tactics: list[str] = field(default_factory=list)
    source_updated_at: object = None  # an aware datetime, when the dataset says
    # Identifiers in the other datasets, e.g. {"ucdp_id": "497710"} on an ACLED row.
    other_ids: dict = field(default_factory=dict)

    @cached_property
    def fingerprint(self):
        """A hash of everything the row says, to tell an unchanged row from a changed one.

        The dataclasses' repr spells out every field and nested record in a fixed order.
        """
        return hashlib.sha256(repr(replace(self, row=0)).encode()).hexdigest()


@dataclass
class ImportReport:
    format: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def done(self):
        """Rows written or looked at so far."""
        return self.created + self.updated + self.unchanged + len(self.conflicts)

    @property
    def rejected_rows(self):
        return sorted({error.row for error in self.rejected})

    def summary(self):
        """The one line a person reads at the end of an import."""
        counts = (
            f"{self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {len(self.conflicts):,} conflicts, "
            f"{len(self.rejected_rows):,} rejected"
        )
        if self.dry_run:
            outcome = "dry run, nothing written"
        elif not self.written:
            outcome = "nothing written: fix the rejected rows or use --skip-invalid"
        else:
            outcome = "written"
        return f"{self.format.upper()} import, {counts} ({outcome})."


# The datasets' ids are indexed by partial unique indexes (that leave out ""), which PostgreSQL
# uses for `id IN (…)` only when it can prove every value non-empty: it tries for lists of at
# most 100 values. A longer list scanned the whole incident table, once per chunk.
KEYS_PER_QUERY = 100


def batched(items, size):
    """The items in lists of at most `size` (itertools.batched from Python 3.12)."""
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


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

    def parse_row(self, row: dict, row_number: int) -> IncidentRecord:
        """Turn one CSV row into a record, or raise RowInvalid naming every bad column."""
        raise NotImplementedError


ISO_DATE = "%Y-%m-%d"
# The most two time zones' dates differ by (UTC−12 and UTC+14), with a day to spare.
TIME_ZONES_APART = timedelta(days=3)
ISO_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The largest whole number the database's integer columns hold.
LARGEST_INTEGER = 2**31 - 1
# Narratives and UCDP's source lists can be long; anything past this is not a real cell.
csv.field_size_limit(16 * 2**20)


class RowReader:
    """Reads typed values from one row, collecting a RowError for each bad one."""

    def __init__(self, row, row_number, errors, date_formats=("%Y-%m-%d",), date_hint="YYYY-MM-DD"):
        self.row, self.row_number, self.errors = row, row_number, errors
        self.date_formats, self.date_hint = date_formats, date_hint

    def _fail(self, column, reason):
        self.errors.append(RowError(self.row_number, column, self.row.get(column, ""), reason))

    def text(self, column, required=False):
        value = (self.row.get(column) or "").strip()
        if required and not value:
            self._fail(column, "required")
        return value

    def date_range(self, start_column, end_column):
        """(start, end) under the incident form's rules: a start, not in the future, and no
        end before it. An end equal to the start is a one-day event: None."""
        start = self.date(start_column, required=True)
        end = self.date(end_column)
        # timezone.localdate() (a context-local lookup) costs more than reading the row's
        # dates; the system's date is at most two days off it, so most rows skip it.
        if start and start > date.today() - TIME_ZONES_APART and start > timezone.localdate():
            self._fail(start_column, "in the future")
        if start and end and end < start:
            self._fail(end_column, f"before {start_column}")
        return start, (end if end != start else None)

    def date(self, column, required=False):
        value = (self.row.get(column) or "").strip()
        if not value:
            if required:
                self._fail(column, "required")
            return None
        # Most files write ISO dates: date.fromisoformat reads them several times faster than
        # strptime, which looks the locale up on every call. Only YYYY-MM-DD (fromisoformat
        # also takes week dates), and what it refuses (2023-02-30) goes through the formats.
        if ISO_DATE in self.date_formats and ISO_DATE_PATTERN.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        for date_format in self.date_formats:
            try:
                return datetime.strptime(value, date_format).date()
            except ValueError:
                continue
        self._fail(column, f"not a date ({self.date_hint})")
        return None

    def integer(self, column, minimum=None, choices=None, required=True):
        value = (self.row.get(column) or "").strip()
        if not value and not required:
            return None
        try:
            number = int(value)
        except ValueError:
            self._fail(column, "not a whole number" if value else "required")
            return None
        if minimum is not None and number < minimum:
            self._fail(column, f"below {minimum}")
            return None
        if number > LARGEST_INTEGER:
            self._fail(column, f"above {LARGEST_INTEGER:,}")
            return None
        if choices is not None and number not in choices:
            self._fail(column, f"not one of {choices.start}–{choices.stop - 1}")
            return None
        return number

    def coordinate(self, column, limit):
        value = (self.row.get(column) or "").strip()
        try:
            number = Decimal(value)
        except InvalidOperation:
            self._fail(column, "not a number" if value else "required")
            return None
        if not number.is_finite() or not -limit <= number <= limit:
            self._fail(column, f"out of range (−{limit} to {limit})")
            return None
        return number.quantize(Decimal("0.00001"))


# A file names the same few countries row after row; normalising and looking the same name
# up again was a sixth of the time to parse a row. Bounded: a file of junk names stays small.
country_code = lru_cache(maxsize=1024)(find_country_code)


# --- reading files ------------------------------------------------------------------------


class CsvFile:
    """A CSV file checked for encoding, delimiter and header, read row by row as often as
    needed (the importer reads it twice) without holding it in memory.

    `source` is a path or a seekable binary file (an upload). Rows come as (row_number, dict)
    where the header is row 1; a trailing empty field on every row (UCDP's per-country
    export) is dropped.
    """

    def __init__(self, source, missing_columns=lambda header: []):
        self.source = source
        with self._open() as text:
            try:
                header = next(csv.reader(text), [])
            except UnicodeDecodeError:
                raise FileRefused(NOT_UTF8) from None
        self.header = [name.strip() for name in header]
        while self.header and self.header[-1] == "":
            self.header.pop()
        if len(self.header) <= 1:
            first = self.header[0] if self.header else ""
            for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
                if delimiter in first:
                    raise FileRefused(f"The columns are separated by {name}; use commas.")
            raise FileRefused("The file has no header row of comma-separated column names.")
        missing = missing_columns(self.header)
        if missing:
            raise FileRefused(f"Missing required columns: {', '.join(missing)}.")

    def _open(self):
        if isinstance(self.source, str | Path):
            return open(self.source, encoding="utf-8-sig", newline="")
        self.source.seek(0)
        return _Unclosing(io.TextIOWrapper(self.source, encoding="utf-8-sig", newline=""))

    def rows(self) -> Iterator[tuple[int, dict]]:
        with self._open() as text:
            reader = csv.reader(text)
            try:
                next(reader, None)
                for row_number, values in enumerate(reader, start=2):
                    if row_number == 2 and is_hxl_row(values):
                        continue
                    if "".join(values).strip():  # not a blank line
                        yield row_number, dict(zip(self.header, values, strict=False))
            except UnicodeDecodeError:
                raise FileRefused(NOT_UTF8) from None
            except csv.Error as error:
                raise FileRefused(
                    f"Row {reader.line_num} cannot be read as CSV: {error}."
                ) from None


NOT_UTF8 = "The file is not UTF-8 text; save it as CSV UTF-8."


def is_hxl_row(values):
    """The row of HXL hashtags (#date, #adm1+name …) that humanitarian files put under the
    header: not data."""
    filled = [value.strip() for value in values if value.strip()]
    return bool(filled) and all(value.startswith("#") for value in filled)


class _Unclosing:
    """Lets a text wrapper go without closing the upload under it, which is read again."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def __enter__(self):
        return self.wrapper

    def __exit__(self, *exc):
        self.wrapper.detach()


# --- running an import --------------------------------------------------------------------


def import_file(
    source,
    importer: Importer,
    *,
    dry_run=False,
    skip_invalid=False,
    user=None,
    publish=True,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a CSV file in the importer's format; see the module docstring for the rules.

    `publish` publishes new incidents (reference datasets are already reviewed); otherwise
    they arrive as drafts. `progress` is called with the number of rows done so far.
    Raises FileRefused when the file as a whole cannot be read.
    """
    rows = CsvFile(source, importer.missing_columns).rows
    report = ImportReport(format=importer.format_name, dry_run=dry_run)
    seen_keys = {}
    seen_other_ids = {}
    for row_number, row in rows():
        report.rows += 1
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
    # A dry run goes on to count what the good rows would do, so the report shows it.
    if report.rejected and not skip_invalid and not dry_run:
        return report
    rejected_rows = set(report.rejected_rows)
    del seen_keys, seen_other_ids

    writer = IncidentWriter(importer, report, user=user, publish=publish)

    def valid_records():
        for row_number, row in rows():
            if row_number not in rejected_rows:
                record = importer.parse_row(row, row_number)
                record.fingerprint  # noqa: B018 (computed here, in the read-ahead thread)
                yield record

    try:
        with transaction.atomic():
            for chunk in _read_ahead(_chunks(valid_records(), CHUNK_SIZE)):
                writer.write(chunk)
                if progress:
                    progress(report.done)
            if dry_run:
                raise _DryRunDone
    except _DryRunDone:
        return report
    report.written = True
    return report


class _DryRunDone(Exception):
    pass


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
    """Copy the rejected rows of `source` to a CSV at `destination`, with a reason column."""
    table = CsvFile(source)
    header, rows = table.header, table.rows
    reasons = {}
    for error in report.rejected:
        reasons.setdefault(error.row, []).append(f"{error.column}: {error.reason}")
    with open(destination, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["row", *header, "reasons"])
        for row_number, row in rows():
            if row_number in reasons:
                writer.writerow(
                    [row_number, *(row.get(c, "") for c in header), "; ".join(reasons[row_number])]
                )


# --- writing records ----------------------------------------------------------------------


class IncidentWriter:
    """Writes chunks of records with a few bulk statements each, remembering places, actors,
    sources and tactics it has already resolved.

    New incidents go in as rows of values, without a model instance or save() each, and with
    their casualty totals summed here from the very casualty rows written with them
    (casualty_totals), so that no second UPDATE of every new incident brings them in step.
    """

    def __init__(self, importer, report, *, user=None, publish=True):
        self.importer = importer
        self.report = report
        self.user_id = user.pk if user else None
        self.publish = publish
        self.areas = AreaFinder()
        self.locations = {}
        self.actors = None
        self.sources = None
        self.tactics = None

    def write(self, records):
        existing = self.importer.find_existing([record.key for record in records])
        other_ids = self._other_ids_in_use(records)
        now = timezone.now()
        to_create, to_update = [], []
        for record in records:
            fingerprint = record.fingerprint
            incident = existing.get(record.key)
            own_pk = incident.pk if incident else None
            taken = [
                f"{id_field} {value} is incident {holder}'s"
                for id_field, value in record.other_ids.items()
                if (holder := other_ids.get((id_field, value))) not in (None, own_pk)
            ]
            if taken:
                self._conflict(record, "; ".join(taken))
            elif incident is None:
                to_create.append((record, fingerprint))
            elif incident.import_fingerprint == fingerprint:
                self.report.unchanged += 1
            elif incident.imported_at is None:
                self._conflict(record, "entered here, not imported; kept as it is")
            elif incident.changed_since_import:
                self._conflict(
                    record,
                    f"changed by {incident.updated_by or 'someone'} on "
                    f"{incident.updated_at:%Y-%m-%d} since its import; kept that version",
                )
            elif incident.has_public_page and not self.publish:
                self._conflict(record, "public: only a reviewer's import may change it")
            else:
                to_update.append((incident, record, fingerprint))

        self._resolve_places(
            [record for record, _ in to_create] + [record for _, record, _ in to_update]
        )
        created_ids = self._create(to_create, now)
        self._update(to_update, now)
        self._write_children(
            [(pk, record) for pk, (record, _) in zip(created_ids, to_create, strict=True)]
            + [(incident.pk, record) for incident, record, _ in to_update]
        )
        self.report.created += len(to_create)
        self.report.updated += len(to_update)

    def _conflict(self, record, reason):
        self.report.conflicts.append(
            f"row {record.row}, {self.importer.key_column}={record.key}: {reason}"
        )

    def _other_ids_in_use(self, records):
        """{(id field, value): incident id} for the other datasets' ids the records carry."""
        in_use = {}
        for id_field in {name for record in records for name in record.other_ids}:
            values = {
                record.other_ids[id_field] for record in records if id_field in record.other_ids
            }
            for batch in batched(sorted(values), KEYS_PER_QUERY):
                holders = Incident.objects.filter(**{f"{id_field}__in": batch})
                for pk, value in holders.values_list("pk", id_field):
                    in_use[id_field, value] = pk
        return in_use

    def _imported_values(self, record, fingerprint, now):
        """{attname: value} of the incident columns an import writes, for a new incident or an
        update (IMPORTED_FIELDS and the casualty totals)."""
        return {
            "title": record.title[:300],
            "narrative": record.narrative,
            "start_date": record.start_date,
            "end_date": record.end_date,
            "date_precision": record.date_precision,
            "location_id": self.locations[place_key(record.place)],
            "geo_precision": record.geo_precision,
            "event_type_id": record.event_type,
            "sub_event_type_id": record.sub_event_type,
            "civilian_targeting": record.civilian_targeting,
            "source_updated_at": record.source_updated_at,
            **record.other_ids,
            "import_fingerprint": fingerprint,
            # The same instant for both: a later change by anyone makes updated_at the later one.
            "imported_at": now,
            "updated_at": now,
            "updated_by_id": self.user_id,
            **casualty_totals(record.casualties),
        }

    def _create(self, pairs, now):
        """Insert the new incidents of (record, fingerprint) pairs; returns their ids."""
        if not pairs:
            return []
        columns = [field.attname for field in Incident._meta.concrete_fields]
        columns.remove(Incident._meta.pk.attname)
        # Every other column as a new incident has it (model defaults, workflow state).
        template = Incident(created_at=now, created_by_id=self.user_id)
        if self.publish:
            template.status = Status.PUBLISHED
            template.published_at, template.published_by_id = now, self.user_id
        defaults = {name: getattr(template, name) for name in columns}
        key_field = self.importer.key_field
        values = itemgetter(*columns)
        rows = []
        for record, fingerprint in pairs:
            imported = self._imported_values(record, fingerprint, now)
            rows.append(values({**defaults, key_field: record.key, **imported}))
        ids = insert_rows(Incident, columns, rows, returning_ids=True)
        self._record_history(ids, "+")
        return ids

    def _update(self, triples, now):
        """Update the incidents of (incident, record, fingerprint) triples, replacing their
        casualties, actors, citations and tactics (written again by _write_children)."""
        if not triples:
            return
        ids = [incident.pk for incident, _, _ in triples]
        # Before the update: deleting casualty rows refreshes the totals, which it then sets.
        Casualty.objects.filter(incident__in=ids).delete()
        IncidentActor.objects.filter(incident__in=ids).delete()
        Citation.objects.filter(incident__in=ids).delete()
        Incident.tactics.through.objects.filter(incident__in=ids).delete()
        incidents = []
        for incident, record, fingerprint in triples:
            for name, value in self._imported_values(record, fingerprint, now).items():
                setattr(incident, name, value)
            incidents.append(incident)
        Incident.objects.bulk_update(incidents, IMPORTED_FIELDS + CASUALTY_TOTAL_FIELDS)
        self._record_history(ids, "~")

    def _record_history(self, ids, history_type):
        """One history row per incident, as django-simple-history writes it for a save.

        The database copies them from the incident rows just written (INSERT … SELECT): a
        history row repeats nearly every column of its incident, and sending it again from
        here cost as much as sending the incident.
        """
        history = Incident.history.model
        connection = connections[router.db_for_write(history)]
        stamp = {
            "history_date": connection.ops.adapt_datetimefield_value(timezone.now()),
            "history_change_reason": self._reason(),
            "history_type": history_type,
            "history_user_id": self.user_id,
        }
        # The history model keeps the incident's columns under the same names.
        copied = [
            field.column
            for field in history._meta.concrete_fields
            if not field.primary_key and field.attname not in stamp
        ]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)} "
            f"({', '.join(map(quote, [*copied, *stamp]))}) "
            f"SELECT {', '.join(map(quote, copied))}, {', '.join(['%s'] * len(stamp))} "
            f"FROM {quote(Incident._meta.db_table)} "
            f"WHERE {quote(Incident._meta.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*stamp.values(), *ids])

    def _write_children(self, pairs):
        """The casualties, actor roles, citations and tactics of (incident id, record) pairs."""
        casualties, roles, citations, tactics = [], [], [], []
        for incident_id, record in pairs:
            for item in record.casualties:
                casualties.append(
                    (
                        incident_id,
                        str(item.group),
                        str(item.outcome),
                        item.low,
                        item.best,
                        item.high,
                    )
                )
            seen_roles = set()
            for item in record.actors:
                actor_id = self._actor(item)
                if (actor_id, item.role) not in seen_roles:
                    seen_roles.add((actor_id, item.role))
                    roles.append((incident_id, actor_id, str(item.role)))
            for item in record.citations:
                citations.append(
                    (
                        incident_id,
                        self._source(item),
                        item.url[:500],
                        item.title[:500],
                        item.published_on,
                        item.excerpt,
                    )
                )
            for name in dict.fromkeys(record.tactics):
                tactics.append((incident_id, self._tactic(name)))
        # The incidents' totals went in with them, summed from these same rows (casualty_totals).
        insert_rows(
            Casualty, ["incident_id", "group", "outcome", "low", "best", "high"], casualties
        )
        insert_rows(IncidentActor, ["incident_id", "actor_id", "role"], roles)
        insert_rows(
            Citation,
            ["incident_id", "source_id", "url", "title", "published_on", "excerpt"],
            citations,
        )
        insert_rows(Incident.tactics.through, ["incident_id", "tactic_id"], tactics)

    def _reason(self):
        return f"{self.importer.format_name.upper()} import"

    # --- things a row names, found or created once per import ---------------------------

    def _resolve_places(self, records):
        """Find or create the places of records not met before: one query for those already
        in the database and one insert for the rest, per chunk rather than per place (a real
        ACLED file names thousands of places)."""
        new = {}
        for record in records:
            key = place_key(record.place)
            if key not in self.locations:
                new.setdefault(key, record.place)
        if not new:
            return
        # A place is the same when all of these are: what get_or_create would match on.
        keys_by_values = {}
        for key, place in new.items():
            country = self.areas.country(place.country_iso3)
            admin1 = self.areas.area(country, AdminArea.Level.ADMIN1, place.admin1)
            admin2 = self.areas.area(country, AdminArea.Level.ADMIN2, place.admin2, admin1)
            admin3 = self.areas.area(country, AdminArea.Level.ADMIN3, place.admin3, admin2)
            if admin3 is not None and admin2 is None:
                admin3 = None  # an admin3 cannot hang without its admin2
            values = (
                country.pk,
                admin1.pk if admin1 else None,
                admin2.pk if admin2 else None,
                admin3.pk if admin3 else None,
                place.name.strip()[:200],
                place.latitude,
                place.longitude,
            )
            keys_by_values.setdefault(values, []).append(key)
        found = Location.objects.filter(
            country__in={values[0] for values in keys_by_values},
            name__in={values[4] for values in keys_by_values},
        ).order_by("-pk")  # the oldest last, so that it is the one kept
        pks = {values[1:]: values[0] for values in found.values_list("pk", *LOCATION_FIELDS)}
        missing = [values for values in keys_by_values if values not in pks]
        if missing:
            created = [
                Location(**dict(zip(LOCATION_FIELDS, values, strict=True))) for values in missing
            ]
            for location in created:
                location.fill_hierarchy()  # what Location.save() does, which bulk_create skips
            Location.objects.bulk_create(created)
            pks.update(zip(missing, (location.pk for location in created), strict=True))
        for values, keys in keys_by_values.items():
            for key in keys:
                self.locations[key] = pks[values]

    def _actor(self, item):
        if self.actors is None:
            self.actors = {name.lower(): pk for name, pk in Actor.objects.values_list("name", "pk")}
            for name, actor_id in ActorAlias.objects.values_list("name", "actor_id"):
                self.actors.setdefault(name.lower(), actor_id)
        key = item.name.strip().lower()
        if key not in self.actors:
            actor = Actor.objects.create(
                name=item.name.strip()[:200],
                actor_type=item.actor_type or ActorType.EXTERNAL_OTHER,
            )
            self.actors[key] = actor.pk
        return self.actors[key]

    def _source(self, item):
        if self.sources is None:
            self.sources = {
                name.lower(): pk for name, pk in Source.objects.values_list("name", "pk")
            }
        key = item.source.strip().lower()
        if key not in self.sources:
            source = Source.objects.create(name=item.source.strip()[:200], scale=item.scale)
            self.sources[key] = source.pk
        return self.sources[key]

    def _tactic(self, name):
        if self.tactics is None:
            self.tactics = {n.lower(): pk for n, pk in Tactic.objects.values_list("name", "pk")}
        key = name.strip().lower()
        if key not in self.tactics:
            self.tactics[key] = Tactic.objects.create(name=name.strip()[:100]).pk
        return self.tactics[key]


def place_key(place):
    """What tells two of a file's places apart: names compared without case or spaces around."""
    return (
        place.country_iso3,
        place.admin1.strip().lower(),
        place.admin2.strip().lower(),
        place.admin3.strip().lower(),
        place.name.strip().lower(),
        place.latitude,
        place.longitude,
    )


# The columns _resolve_places matches a place on, in the order of its tuples.
LOCATION_FIELDS = [
    "country_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "name",
    "latitude",
    "longitude",
]


def casualty_totals(casualties):
    """{total field: value}: an incident's killed and injured low / best / high as the sums
    of its casualty records by outcome, None for an outcome no record reports (unknown): what
    IncidentQuerySet.refresh_casualty_totals computes from the rows in the database."""
    totals = dict.fromkeys(CASUALTY_TOTAL_FIELDS)
    for item in casualties:
        prefix = TOTAL_PREFIXES.get(item.outcome)
        if prefix is None:
            continue
        for estimate, value in (("low", item.low), ("best", item.best), ("high", item.high)):
            name = f"{prefix}_{estimate}"
            totals[name] = value if totals[name] is None else totals[name] + value
    return totals


TOTAL_PREFIXES = {CasualtyOutcome.KILLED: "killed", CasualtyOutcome.INJURED: "injured"}


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
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    text.seek(0)
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"FROM STDIN WITH ({', '.join(options)})"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, text)


# The incident fields an import writes (and a re-import updates), besides the casualty totals.
IMPORTED_FIELDS = [
    "title",
    "narrative",
    "start_date",
    "end_date",
    "date_precision",
    "location",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "source_updated_at",
    "acled_event_id",
    "ucdp_id",
    "import_fingerprint",
    "imported_at",
    "updated_at",
    "updated_by",
]
