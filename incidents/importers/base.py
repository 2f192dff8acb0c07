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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connections, router, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from ..choices import ActorType, SourceScale, Status
from ..gazetteer import AreaFinder
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
            for incident in Incident.objects.filter(**{f"{self.key_field}__in": keys})
        }

    def missing_columns(self, header):
        """The required columns the header lacks, as names to show."""
        return [column for column in self.required_columns if column not in header]

    def parse_row(self, row: dict, row_number: int) -> IncidentRecord:
        """Turn one CSV row into a record, or raise RowInvalid naming every bad column."""
        raise NotImplementedError


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
        if start and start > timezone.localdate():
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
                    if any(value.strip() for value in values):
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
        with_nul = [column for column, value in row.items() if value and "\x00" in value]
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
                yield importer.parse_row(row, row_number)

    try:
        with transaction.atomic():
            for chunk in _chunks(valid_records(), CHUNK_SIZE):
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
    """Writes chunks of records with a few bulk queries each, remembering places, actors,
    sources and tactics it has already resolved."""

    def __init__(self, importer, report, *, user=None, publish=True):
        self.importer = importer
        self.report = report
        self.user = user
        self.publish = publish
        self.areas = AreaFinder()
        self.locations = {}
        self.actors = None
        self.sources = None
        self.tactics = None

    def write(self, records):
        key_field = self.importer.key_field
        existing = self.importer.find_existing([record.key for record in records])
        other_ids = self._other_ids_in_use(records)
        now = timezone.now()
        to_create, to_update = [], []
        for record in records:
            fingerprint = record.fingerprint()
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
                incident = Incident(**{key_field: record.key}, created_by=self.user)
                if self.publish:
                    incident.status = Status.PUBLISHED
                    incident.published_at, incident.published_by = now, self.user
                to_create.append((incident, record, fingerprint))
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

        for incident, record, fingerprint in to_create + to_update:
            self._fill(incident, record, fingerprint, now)
        self._create([incident for incident, _, _ in to_create])
        self._update([incident for incident, _, _ in to_update])
        self._write_children(to_create + to_update)
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
            for pk, value in Incident.objects.filter(**{f"{id_field}__in": values}).values_list(
                "pk", id_field
            ):
                in_use[id_field, value] = pk
        return in_use

    def _fill(self, incident, record, fingerprint, now):
        incident.title = record.title[:300]
        incident.narrative = record.narrative
        incident.start_date = record.start_date
        incident.end_date = record.end_date
        incident.date_precision = record.date_precision
        incident.location_id = self._location(record.place)
        incident.geo_precision = record.geo_precision
        incident.event_type_id = record.event_type
        incident.sub_event_type_id = record.sub_event_type
        incident.civilian_targeting = record.civilian_targeting
        incident.source_updated_at = record.source_updated_at
        for id_field, value in record.other_ids.items():
            setattr(incident, id_field, value)
        incident.import_fingerprint = fingerprint
        # The same instant for both: a later change by anyone makes updated_at the later one.
        incident.imported_at = incident.updated_at = now
        incident.updated_by = self.user

    def _create(self, incidents):
        if not incidents:
            return
        fields = [field for field in Incident._meta.concrete_fields if not field.primary_key]
        ids = insert_rows(
            Incident,
            [field.attname for field in fields],
            [tuple(getattr(incident, field.attname) for field in fields) for incident in incidents],
            returning_ids=True,
        )
        for incident, pk in zip(incidents, ids, strict=True):
            incident.pk = pk
            incident._state.adding = False
        self._record_history(incidents, "+")

    def _update(self, incidents):
        if not incidents:
            return
        Incident.objects.bulk_update(incidents, IMPORTED_FIELDS)
        self._record_history(incidents, "~")
        ids = [incident.pk for incident in incidents]
        Casualty.objects.filter(incident__in=ids).delete()
        IncidentActor.objects.filter(incident__in=ids).delete()
        Citation.objects.filter(incident__in=ids).delete()
        Incident.tactics.through.objects.filter(incident__in=ids).delete()

    def _record_history(self, incidents, history_type):
        """One history row per incident, as django-simple-history writes it for a save."""
        history = Incident.history.model
        stamp = {
            "history_date": timezone.now(),
            "history_change_reason": self._reason(),
            "history_type": history_type,
            "history_user_id": self.user.pk if self.user else None,
        }
        fields = [field.attname for field in history._meta.concrete_fields if not field.primary_key]
        insert_rows(
            history,
            fields,
            [
                tuple(stamp[name] if name in stamp else getattr(incident, name) for name in fields)
                for incident in incidents
            ],
        )

    def _write_children(self, pairs):
        casualties, roles, citations, tactics = [], [], [], []
        for incident, record, _ in pairs:
            for item in record.casualties:
                casualties.append(
                    (
                        incident.pk,
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
                    roles.append((incident.pk, actor_id, str(item.role)))
            for item in record.citations:
                citations.append(
                    (
                        incident.pk,
                        self._source(item),
                        item.url[:500],
                        item.title[:500],
                        item.published_on,
                        item.excerpt,
                    )
                )
            for name in dict.fromkeys(record.tactics):
                tactics.append((incident.pk, self._tactic(name)))
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
        # The rows went in without Casualty's bulk path, so bring the totals in step here.
        Incident.objects.filter(
            pk__in=[incident.pk for incident, _, _ in pairs]
        ).refresh_casualty_totals()

    def _reason(self):
        return f"{self.importer.format_name.upper()} import"

    # --- things a row names, found or created once per import ---------------------------

    def _location(self, place):
        key = (
            place.country_iso3,
            place.admin1.strip().lower(),
            place.admin2.strip().lower(),
            place.admin3.strip().lower(),
            place.name.strip().lower(),
            place.latitude,
            place.longitude,
        )
        if key not in self.locations:
            self.locations[key] = self._find_or_create_location(place)
        return self.locations[key]

    def _find_or_create_location(self, place):
        country = self.areas.country(place.country_iso3)
        admin1 = self.areas.area(country, AdminArea.Level.ADMIN1, place.admin1)
        admin2 = self.areas.area(country, AdminArea.Level.ADMIN2, place.admin2, admin1)
        admin3 = self.areas.area(country, AdminArea.Level.ADMIN3, place.admin3, admin2)
        if admin3 is not None and admin2 is None:
            admin3 = None  # an admin3 cannot hang without its admin2
        location, _ = Location.objects.get_or_create(
            country=country,
            admin1=admin1,
            admin2=admin2,
            admin3=admin3,
            name=place.name.strip()[:200],
            latitude=place.latitude,
            longitude=place.longitude,
        )
        return location.pk

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


def insert_rows(model, columns, rows, returning_ids=False):
    """INSERT rows (tuples of values for `columns`, field attnames) into the model's table.

    On PostgreSQL, psycopg2's execute_values sends a thousand rows a statement with values
    adapted in C: several times faster than bulk_create, which prepares every value field by
    field in Python. Elsewhere (SQLite) it is bulk_create. No save() or signal runs either way.
    Returns the new ids when asked.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES %s"
        if returning_ids:
            sql += f" RETURNING {quote(model._meta.pk.column)}"
        with connection.cursor() as cursor:
            result = execute_values(cursor.cursor, sql, rows, page_size=1000, fetch=returning_ids)
        return [row[0] for row in result] if returning_ids else []
    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    model._base_manager.bulk_create(objects, batch_size=500)
    return [obj.pk for obj in objects]


# The incident fields an import writes (and a re-import updates).
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
