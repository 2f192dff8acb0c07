"""Keyset ("cursor") pagination for the API's long lists.

A page continues strictly after the last row of the page before it, in a total order (a column
and then the unique id). So pages never skip or repeat a row, however many incidents share a
date and whatever is published meanwhile, and the 20,000th page costs what the first costs: the
query is a range scan of the index on that order, not an OFFSET.

DRF's own CursorPagination keys on the first column only and steps over ties with an offset
that it caps at 1,000; a day with more incidents than that (UCDP puts year-precision events on
1 January) would repeat rows.

A nullable column (killed: unknown tolls) puts its NULLs after every value, in both directions,
as the incident list does; a page then continues through the NULLs by id.
"""

import base64
import binascii
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.template import loader
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..credits import DATASETS, credit, credits_json, datasets_of
from ..filters import errors_answer
from .serializers import incident_list_rows


class KeysetPagination(BasePagination):
    """Pages of `page_size` rows in `ordering`: a column, then "id" in the same direction."""

    ordering = ("name", "id")
    page_size = 50
    max_page_size = 500
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    template = "rest_framework/pagination/previous_and_next.html"
    display_page_controls = True
    # Before a page is read (a refused parameter answers 400), there is no page to link from;
    # the browsable API still renders its page controls.
    rows, has_next, has_previous = (), False, False

    messages = {
        "cursor": _("This is not a cursor the API gave out; start again from the first page."),
        "page_size": _("Give page_size as a whole number from 1 to %(max)s."),
        "ordering": _("Give ordering as one of %(choices)s."),
    }
    # The orders ?ordering= may ask: {value: ordering}; none for a list in one fixed order.
    orderings = {}
    ordering_query_param = "ordering"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        errors = {}
        try:
            self.ordering_name, self.ordering = self.read_ordering(request)
        except ValueError:
            choices = ", ".join(f"`{name}`" for name in self.orderings)
            errors["ordering"] = [self.messages["ordering"] % {"choices": choices}]
        try:
            self.page_size = self.read_page_size(request)
        except ValueError:
            errors["page_size"] = [self.messages["page_size"] % {"max": self.max_page_size}]
        try:
            self.cursor = self.read_cursor(request, queryset.model)
        except ValueError:
            errors["cursor"] = [self.messages["cursor"]]
        if errors:
            raise ValidationError(errors_answer(messages=errors))

        self.count = self.count_rows(queryset)
        position, backwards = self.cursor or (None, False)
        ordering = self.reversed_ordering() if backwards else self.ordering
        # NULLs come last going forward, so first going back.
        page = queryset.order_by(*self.order_expressions(queryset.model, ordering, backwards))
        if position is not None:
            nullable = queryset.model._meta.get_field(ordering[0].lstrip("-")).null
            nulls = ("first" if backwards else "last") if nullable else None
            page = page.filter(self.beyond(position, ordering, nulls))
        # Nothing matches: reading the page would walk the whole order's index to find no row
        # (contradictory filters, `q=Mali&admin1=<a region of Burkina Faso>`: 0.5-0.7 s at 1M).
        rows = self.read_rows(page, self.page_size + 1) if self.count else []
        has_more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        # Coming from a page, there is that page the other way (a row at the cursor's position
        # may since have been unpublished; the link then leads to the rows before it).
        self.has_next = has_more if not backwards else True
        self.has_previous = has_more if backwards else position is not None
        self.rows = rows
        return rows

    def count_rows(self, queryset):
        return queryset.count()

    def read_ordering(self, request):
        """(name, ordering) that ?ordering= asks for, the class's own ordering when it is
        absent (name None); ValueError for an order not in `orderings`."""
        raw = request.query_params.get(self.ordering_query_param)
        if raw is None or not self.orderings:
            return None, type(self).ordering
        if raw not in self.orderings:
            raise ValueError(raw)
        return raw, self.orderings[raw]

    def order_expressions(self, model, ordering, backwards):
        """`ordering` for order_by(), with a nullable column's NULLs last (first backwards)."""
        expressions = []
        for name in ordering:
            column = name.lstrip("-")
            if not model._meta.get_field(column).null:
                expressions.append(name)
                continue
            expression = F(column)
            nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
            expressions.append(
                expression.desc(**nulls) if name.startswith("-") else expression.asc(**nulls)
            )
        return expressions

    def read_rows(self, queryset, limit):
        """The first `limit` rows of the ordered queryset, as the serializer takes them."""
        return list(queryset[:limit])

    def row_value(self, row, name):
        return getattr(row, name)

    def read_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        page_size = int(raw)
        if not 1 <= page_size <= self.max_page_size:
            raise ValueError(raw)
        return page_size

    def read_cursor(self, request, model):
        """The cursor parameter as ((column value, id), backwards), or None on the first page.
        ValueError when it is not one that encode_cursor() wrote."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            values, backwards = decoded["p"], decoded["r"]
            fields = [model._meta.get_field(name.lstrip("-")) for name in self.ordering]
            if len(values) != len(fields) or not isinstance(backwards, bool):
                raise ValueError(raw)
            # A cursor continues the order it was given out in, not another one.
            if decoded.get("o") != self.ordering_name:
                raise ValueError(raw)
            # clean() also holds the values to the column's range (an id beyond 64 bits); a
            # nullable column's NULL is a position like any other.
            position = tuple(
                None if value is None and field.null else field.clean(value, None)
                for field, value in zip(fields, values, strict=True)
            )
        except (
            OverflowError,  # an infinite number where the column is an integer
            UnicodeError,
            binascii.Error,
            ValueError,
            TypeError,
            KeyError,
            DjangoValidationError,
        ):
            raise ValueError(raw) from None
        # PostgreSQL stores no NUL character, and compares none.
        if position[-1] is None or any("\x00" in str(value) for value in position):
            raise ValueError(raw)
        return position, backwards

    def encode_cursor(self, row, backwards):
        values = [self.row_value(row, name.lstrip("-")) for name in self.ordering]
        cursor = {"p": values, "r": backwards}
        if self.ordering_name is not None:
            cursor["o"] = self.ordering_name
        text = json.dumps(cursor, default=str, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode("ascii")

    def reversed_ordering(self):
        return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in self.ordering)

    def beyond(self, position, ordering, nulls=None):
        """Rows strictly after `position` in `ordering`: (column, id) > (value, id) for an
        ascending order. Written as `column >= value AND (column > value OR id > id)` so that
        the first condition bounds the index range scan on both databases.

        A nullable column's NULLs come after every value (`nulls` "last") or before ("first"):
        past a value are then also the NULLs; past a NULL, only NULLs (or every value) remain."""
        (column, tiebreak), (value, tiebreak_value) = ordering, position
        descending = column.startswith("-")
        column, tiebreak = column.lstrip("-"), tiebreak.lstrip("-")
        strictly, or_equal = ("lt", "lte") if descending else ("gt", "gte")
        tiebreak_after = Q(**{f"{tiebreak}__{strictly}": tiebreak_value})
        if value is None:
            among_nulls = Q(**{f"{column}__isnull": True}) & tiebreak_after
            return (
                among_nulls if nulls == "last" else among_nulls | Q(**{f"{column}__isnull": False})
            )
        after = Q(**{f"{column}__{or_equal}": value}) & (
            Q(**{f"{column}__{strictly}": value}) | tiebreak_after
        )
        return after | Q(**{f"{column}__isnull": True}) if nulls == "last" else after

    def get_next_link(self):
        if not self.has_next or not self.rows:
            return None
        return self.link(self.encode_cursor(self.rows[-1], backwards=False))

    def get_previous_link(self):
        if not self.has_previous or not self.rows:
            return None
        return self.link(self.encode_cursor(self.rows[0], backwards=True))

    def link(self, cursor):
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "How many rows match, on every page.",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page, or null on the first one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Where a page starts: copy it from the `next` or `previous` link of the page "
                    "before. Leave it out for the first page."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Rows per page.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]

    def get_html_context(self):
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link()}

    def to_html(self):
        return loader.get_template(self.template).render(self.get_html_context())


# The `credits` of an API answer: one entry per dataset its incidents come from.
CREDITS_SCHEMA = {
    "type": "array",
    "description": (
        "The datasets the answer's incidents come from (their `source_dataset`), each with its "
        "terms and the work its publisher asks to be cited; the Link header names the same "
        "terms."
    ),
    "items": {
        "type": "object",
        "required": ["source_dataset", "name", "licence", "licence_url", "citation"],
        "properties": {
            "source_dataset": {"type": "string", "enum": [d.code for d in DATASETS]},
            "name": {"type": "string"},
            "licence": {"type": "string"},
            "licence_url": {"type": "string", "format": "uri"},
            "citation": {"type": "string"},
        },
    },
}


class IncidentPagination(KeysetPagination):
    """Newest first, as the incident list (served by the incident_public_date_idx index), or
    by date or killed either way (?ordering=-killed: the deadliest first, unknown tolls last,
    served by incident_public_killed_idx)."""

    ordering = ("-start_date", "-id")
    orderings = {
        "-date": ("-start_date", "-id"),
        "date": ("start_date", "id"),
        "-killed": ("-killed_best", "-id"),
        "killed": ("killed_best", "id"),
    }

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "The order: `-date` (newest first, the default), `date`, `-killed` (the "
                    "deadliest first) or `killed`; incidents whose toll is unknown come last "
                    "both ways. Another value answers 400."
                ),
                "schema": {"type": "string", "enum": list(self.orderings), "default": "-date"},
            },
        ]

    def count_rows(self, queryset):
        return queryset.cached_count()

    def get_paginated_response(self, data):
        # The page's own incidents say whose terms apply: no query, and the same credits as
        # the JSON download's (exports.json_response) for the same incidents.
        datasets = datasets_of(data)
        response = super().get_paginated_response(data)
        response.data["credits"] = credits_json(datasets)
        return credit(response, datasets)

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"].append("credits")
        answer["properties"]["credits"] = CREDITS_SCHEMA
        return answer

    def read_rows(self, queryset, limit):
        # Plain values, as IncidentListSerializer writes them (serializers.incident_list_rows).
        return incident_list_rows(queryset, limit)

    def row_value(self, row, name):
        return row[name]
