"""Keyset pages of the incident list: its "next" and "previous" links continue strictly after
the last row (before the first row) of the page shown, so that following them from any depth
costs one index range scan, as the API's pages do (api/pagination.py), instead of an OFFSET
that walks every row before the page. Numbered pages (?page=N) still work.

A cursor (?cursor=…) states where its page starts: the values of the order's columns in the row
it continues from, the direction, the order it was given out in (a cursor of the newest-first
list means nothing to the deadliest-first one), and the number of the page it leads to, which
the page shows among the page numbers. That number is counted from the page the reader came
from: after a publication it may be one page off; the rows never are.

The page numbers near the one shown are cursors too, from the same row with a few pages
skipped (`skip`: a few hundred rows of one index range at most), and the last page is read from
the end (a cursor without a position, going back), so that no link of the list makes the
database walk the rows before a deep page. A ?page=N typed in by hand is read by OFFSET, from
the end of the list (backwards) when it lies past the middle, so it walks at most half the rows
(ListPaginator.numbered_page).
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass

from django.db.models import F, Q


class InvalidCursor(ValueError):
    """A cursor the list did not give out, or given out for another order."""


@dataclass(frozen=True)
class KeyColumn:
    """One column of a list order: the ORM path ordered by, its key in the table's rows
    (tables.table_rows), what its values are, and where its NULLs sort.

    nulls: None when the column is never NULL; "last" when NULLs come after every value in
    both directions (unknown tolls); "high" when NULLs sort as the largest value (last going
    up, first going down: the sub-event type, as PostgreSQL sorts by default)."""

    lookup: str
    row_key: str
    kind: type  # int, str or datetime.date
    nulls: str | None = None


# The most rows a cursor may skip: the page numbers shown around the current one (ten at
# most, django-tables2's page range) times the largest page.
MAX_SKIP = 10 * 500


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after `position` (before it, `backwards`), `skip` rows further;
    `position` None (going back) is the end of the list: its last page."""

    position: tuple | None
    backwards: bool
    number: int
    skip: int = 0

    @property
    def from_the_end(self):
        return self.position is None


def order_expressions(columns, descending, backwards=False):
    """order_by() arguments for `columns` (all in one direction), reversed when going back."""
    expressions = []
    for column in columns:
        down = descending != backwards
        if column.nulls is None:
            expressions.append(f"-{column.lookup}" if down else column.lookup)
            continue
        nulls_last = _nulls_last(column, down, backwards)
        expression = F(column.lookup)
        nulls = {"nulls_last": True} if nulls_last else {"nulls_first": True}
        expressions.append(expression.desc(**nulls) if down else expression.asc(**nulls))
    return expressions


def _nulls_last(column, down, backwards):
    """Whether the column's NULLs come last in the direction walked."""
    if column.nulls == "last":
        return not backwards
    return not down  # "high": after every value going up, before them going down


def after(columns, descending, position, backwards=False):
    """Rows strictly after `position` (a value per column) in the order walked: for columns
    (a, b, id), a after, or a equal and b after, or a and b equal and id after. The first
    column also bounds the rows (a >= value), which the index range scan starts from."""
    down = descending != backwards
    strictly, or_equal = ("lt", "lte") if down else ("gt", "gte")
    alternatives, equal_before = Q(pk__in=[]), Q()
    for column, value in zip(columns, position, strict=True):
        nulls_last = _nulls_last(column, down, backwards)
        if value is None:
            beyond = None if nulls_last else Q(**{f"{column.lookup}__isnull": False})
            equal = Q(**{f"{column.lookup}__isnull": True})
        else:
            beyond = Q(**{f"{column.lookup}__{strictly}": value})
            if column.nulls is not None and nulls_last:
                beyond |= Q(**{f"{column.lookup}__isnull": True})
            equal = Q(**{column.lookup: value})
        if beyond is not None:
            alternatives |= equal_before & beyond
        equal_before &= equal
    first, value = columns[0], position[0]
    if value is None:
        return alternatives
    bound = Q(**{f"{first.lookup}__{or_equal}": value})
    if first.nulls is not None and _nulls_last(first, down, backwards):
        bound |= Q(**{f"{first.lookup}__isnull": True})
    return bound & alternatives


def encode_cursor(order_name, columns, row, backwards, number, skip=0):
    """The ?cursor= value of a page continuing from `row` (a dict of the table's rows), `skip`
    rows further; `row` None (and `backwards`) for the last page, read from the end."""
    values = None if row is None else [row[column.row_key] for column in columns]
    fields = {"o": order_name, "p": values, "r": backwards, "n": number}
    if skip:
        fields["s"] = skip
    text = json.dumps(fields, default=str, separators=(",", ":"))  # dates as YYYY-MM-DD
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


def read_cursor(raw, order_name, columns):
    """The Cursor that encode_cursor() wrote for this order; InvalidCursor for anything else."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
        values, backwards, number = decoded["p"], decoded["r"], decoded["n"]
        skip = decoded.get("s", 0)
        if decoded["o"] != order_name or not isinstance(backwards, bool):
            raise InvalidCursor(raw)
        if type(number) is not int or number < 1:
            raise InvalidCursor(raw)
        if type(skip) is not int or not 0 <= skip <= MAX_SKIP:
            raise InvalidCursor(raw)
        if values is None:  # the end of the list, read going back
            if not backwards or skip:
                raise InvalidCursor(raw)
            return Cursor(None, backwards, number)
        if len(values) != len(columns):
            raise InvalidCursor(raw)
        position = tuple(
            _column_value(column, value) for column, value in zip(columns, values, strict=True)
        )
    except (UnicodeError, binascii.Error, ValueError, TypeError, KeyError):
        raise InvalidCursor(raw) from None
    return Cursor(position, backwards, number, skip)


def _column_value(column, value):
    """A cursor's value for a column, checked as the database would take it."""
    if value is None:
        if column.nulls is None:
            raise InvalidCursor(value)
        return None
    if column.kind is int:
        # A bool is an int to Python; an id beyond 64 bits makes the database raise.
        if type(value) is not int or not -(2**63) <= value < 2**63:
            raise InvalidCursor(value)
        return value
    if not isinstance(value, str) or "\x00" in value:  # PostgreSQL stores no NUL
        raise InvalidCursor(value)
    if column.kind is datetime.date:
        return datetime.date.fromisoformat(value)
    return value
