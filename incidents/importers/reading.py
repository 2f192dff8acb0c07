"""Reading a dataset's file: the file as a whole (CSV: encoding, delimiter, header, its rows;
or an .xlsx workbook's first sheet) and each row's typed values (RowReader), with the helpers
the formats share."""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from ..formatting import format_count
from ..gazetteer import find_country_code
from ..spreadsheets import restored
from .records import RowError


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, delimiter, columns); one line says why."""


ISO_DATE = "%Y-%m-%d"
# How a reason names the ISO format (French writes AAAA-MM-JJ).
ISO_HINT = gettext_lazy("YYYY-MM-DD")
# The most two time zones' dates differ by (UTC−12 and UTC+14), with a day to spare.
TIME_ZONES_APART = timedelta(days=3)
ISO_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The largest whole number the database's integer columns hold.
LARGEST_INTEGER = 2**31 - 1
# Places keep six decimals (Location.latitude), as UCDP GED and ACLED publish them.
COORDINATE_STEP = Decimal("0.000001")
# Narratives and UCDP's source lists can be long; anything past this is not a real cell.
csv.field_size_limit(16 * 2**20)


class RowReader:
    """Reads typed values from one row, collecting a RowError for each bad one."""

    def __init__(self, row, row_number, errors, date_formats=("%Y-%m-%d",), date_hint=ISO_HINT):
        self.row, self.row_number, self.errors = row, row_number, errors
        self.date_formats, self.date_hint = date_formats, date_hint

    def _fail(self, column, reason):
        self.errors.append(RowError(self.row_number, column, self.row.get(column, ""), reason))

    def text(self, column, required=False):
        value = (self.row.get(column) or "").strip()
        if required and not value:
            self._fail(column, gettext("required"))
        return value

    def date_range(self, start_column, end_column):
        """(start, end) under the incident form's rules: a start, not in the future, and no
        end before it. An end equal to the start is a one-day event: None."""
        start = self.date(start_column, required=True)
        end = self.date(end_column)
        # timezone.localdate() (a context-local lookup) costs more than reading the row's
        # dates; the system's date is at most two days off it, so most rows skip it.
        if start and start > date.today() - TIME_ZONES_APART and start > timezone.localdate():
            self._fail(start_column, gettext("in the future"))
        if start and end and end < start:
            self._fail(end_column, gettext("before %(column)s") % {"column": start_column})
        return start, (end if end != start else None)

    def date(self, column, required=False):
        value = (self.row.get(column) or "").strip()
        if not value:
            if required:
                self._fail(column, gettext("required"))
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
        self._fail(column, gettext("not a date (%(format)s)") % {"format": self.date_hint})
        return None

    def integer(self, column, minimum=None, choices=None, required=True):
        value = (self.row.get(column) or "").strip()
        if not value and not required:
            return None
        try:
            number = int(value)
        except ValueError:
            self._fail(column, gettext("not a whole number") if value else gettext("required"))
            return None
        if minimum is not None and number < minimum:
            self._fail(column, gettext("below %(minimum)s") % {"minimum": minimum})
            return None
        if number > LARGEST_INTEGER:
            self._fail(
                column,
                gettext("above %(maximum)s") % {"maximum": format_count(LARGEST_INTEGER)},
            )
            return None
        if choices is not None and number not in choices:
            self._fail(
                column,
                gettext("not one of %(first)s–%(last)s")
                % {"first": choices.start, "last": choices.stop - 1},
            )
            return None
        return number

    def coordinate(self, column, limit):
        value = (self.row.get(column) or "").strip()
        try:
            number = Decimal(value)
        except InvalidOperation:
            self._fail(column, gettext("not a number") if value else gettext("required"))
            return None
        if not number.is_finite() or not -limit <= number <= limit:
            self._fail(column, gettext("out of range (−%(limit)s to %(limit)s)") % {"limit": limit})
            return None
        return number.quantize(COORDINATE_STEP)


# A file names the same few countries row after row; normalising and looking the same name
# up again was a sixth of the time to parse a row. Bounded: a file of junk names stays small.
country_code = lru_cache(maxsize=1024)(find_country_code)


def open_table(source, missing_columns=lambda header: [], headerless_columns=None):
    """The file as a CsvFile, or as an XlsxFile when it is a workbook (GTD is published as
    one): told by its name or, for an upload, by the zip signature every .xlsx starts with.
    `headerless_columns(first_row)` names the columns of a CSV published without a header
    row (UCDP's monthly candidate files), or gives None when the first row is a header."""
    if isinstance(source, str | Path):
        is_workbook = str(source).lower().endswith(".xlsx")
    else:
        source.seek(0)
        is_workbook = source.read(4) == ZIP_SIGNATURE
    if is_workbook:
        return XlsxFile(source, missing_columns)
    return CsvFile(source, missing_columns, headerless_columns)


ZIP_SIGNATURE = b"PK\x03\x04"


class CsvFile:
    """A CSV file checked for encoding, delimiter and header, read row by row as often as
    needed (the importer reads it twice) without holding it in memory.

    `source` is a path or a seekable binary file (an upload). Rows come as (row_number, dict)
    where the header is row 1; a trailing empty field on every row (UCDP's per-country
    export) is dropped.
    """

    def __init__(self, source, missing_columns=lambda header: [], headerless_columns=None):
        self.source = source
        with self._open() as text:
            try:
                header = next(csv.reader(text), [])
            except UnicodeDecodeError:
                raise FileRefused(NOT_UTF8) from None
        # A file without a header row: its first row is data, in a layout the importer knows.
        columns = headerless_columns(header) if headerless_columns else None
        self.first_row_is_data = columns is not None
        if columns is not None:
            header = columns
        self.header = [name.strip() for name in header]
        while self.header and self.header[-1] == "":
            self.header.pop()
        if len(self.header) <= 1:
            first = self.header[0] if self.header else ""
            for delimiter, name in (
                (";", gettext_lazy("semicolons")),
                ("\t", gettext_lazy("tabs")),
                ("|", gettext_lazy("pipes")),
            ):
                if delimiter in first:
                    # Semicolons: what Excel writes in a French locale, where the comma is the
                    # decimal mark.
                    raise FileRefused(
                        gettext(
                            "The columns are separated by %(separator)s; use commas: in Excel, "
                            'save it as "CSV UTF-8 (comma delimited)", or export it again from '
                            "the dataset."
                        )
                        % {"separator": name}
                    )
            raise FileRefused(
                gettext("The file has no header row of comma-separated column names.")
            )
        missing = missing_columns(self.header)
        if missing:
            raise FileRefused(missing_columns_message(missing))

    def _open(self):
        if isinstance(self.source, str | Path):
            return open(self.source, encoding="utf-8-sig", newline="")
        self.source.seek(0)
        return _Unclosing(io.TextIOWrapper(self.source, encoding="utf-8-sig", newline=""))

    def rows(self) -> Iterator[tuple[int, dict]]:
        with self._open() as text:
            reader = csv.reader(text)
            try:
                if not self.first_row_is_data:
                    next(reader, None)
                start = 1 if self.first_row_is_data else 2
                for row_number, values in enumerate(reader, start=start):
                    if row_number == 2 and is_hxl_row(values):
                        continue
                    joined = "".join(values)
                    if joined.strip():  # not a blank line
                        if "'" in joined:
                            # A cell we wrote as "'=…" (spreadsheets.neutralised) reads as "=…".
                            # Only looked for in a row that has a "'" somewhere: most have none.
                            values = map(restored, values)
                        yield row_number, dict(zip(self.header, values, strict=False))
            except UnicodeDecodeError:
                raise FileRefused(NOT_UTF8) from None
            except csv.Error as error:
                raise FileRefused(
                    gettext("Row %(row)s cannot be read as CSV: %(error)s.")
                    % {"row": reader.line_num, "error": error}
                ) from None


NOT_UTF8 = gettext_lazy("The file is not UTF-8 text; save it as CSV UTF-8.")


def missing_columns_message(missing):
    """The columns a file lacks, named as the dataset names them."""
    return gettext("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)}


class XlsxFile:
    """The first sheet of an .xlsx workbook, read like a CsvFile: a header row, then rows as
    (row_number, dict of text) in constant memory (openpyxl's read-only mode).

    Each cell becomes the text a CSV export of the sheet would hold, so that the formats' row
    parsers read both alike: whole numbers without ".0", dates as YYYY-MM-DD, empty as "".
    """

    def __init__(self, source, missing_columns=lambda header: []):
        self.source = source
        try:
            with self._open() as workbook:
                header = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError):
            raise FileRefused(gettext("The file cannot be read as an .xlsx workbook.")) from None
        self.header = [cell_text(name).strip() for name in header]
        while self.header and self.header[-1] == "":
            self.header.pop()
        if not self.header:
            raise FileRefused(
                gettext("The workbook's first sheet has no header row of column names.")
            )
        missing = missing_columns(self.header)
        if missing:
            raise FileRefused(missing_columns_message(missing))

    @contextmanager
    def _open(self):
        if not isinstance(self.source, str | Path):
            self.source.seek(0)
        # Imported here: loaded at start-up, openpyxl held ~6 MiB in every web process, though
        # only an XLSX import reads with it (in the background worker when there is one).
        import openpyxl

        workbook = openpyxl.load_workbook(self.source, read_only=True, data_only=True)
        try:
            yield workbook
        finally:
            workbook.close()

    def rows(self) -> Iterator[tuple[int, dict]]:
        width = len(self.header)
        with self._open() as workbook:
            sheet = workbook.worksheets[0]
            for row_number, values in enumerate(
                sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
            ):
                texts = [cell_text(value) for value in values]
                if "".join(texts).strip():
                    yield row_number, dict(zip(self.header, texts, strict=False))


def cell_text(value):
    """A workbook cell as the text a CSV of it holds."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
