import datetime
from functools import cached_property, lru_cache

import django_tables2 as tables
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import F, QuerySet
from django.utils.formats import get_format
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableData
from django_tables2.rows import BoundRows
from django_tables2.templatetags.django_tables2 import table_page_range

from . import keyset
from .country_names import country_label
from .folding import fold
from .formatting import format_date_at_precision, format_estimate, text_html
from .models import Incident
from .models.places import distance_km
from .querysets import CASUALTY_TOTAL_FIELDS, PERPETRATOR_ROLES
from .taxonomy import event_type_label, sub_event_type_label, tactic_label
from .url_templates import url_template


class FiftyPerPage(Paginator):
    """Fifty incidents a page, whatever ?per_page= asks: a page of a million rows, or of -1,
    is not something the public list serves. Give `count` when the number of incidents is
    already known (or cached: IncidentQuerySet.cached_count), to spare counting them again.

    A page of a table's incidents is read in two steps within one query: its fifty ids, in the
    table's order, from the index on that order alone; then those incidents with their place,
    types, tactics and actors. Read in one step, the database joined every row it skipped:
    page 1,000 (49,950 rows skipped) took 200 ms at a million incidents, the first page 16.
    """

    def __init__(self, object_list, per_page, count=None, **kwargs):
        super().__init__(object_list, 50, **kwargs)
        if count is not None:
            self.count = count

    def validate_number(self, number):
        # A page number below 1 (?page=0, a link cut short) shows the first page: django-tables2
        # shows the last page for any number out of range, which suits only those past the end.
        try:
            return super().validate_number(number)
        except EmptyPage:
            if int(number) < 1:
                return 1
            raise

    def page(self, number):
        page = super().page(number)
        rows = page.object_list
        # A table's page is BoundRows over the sliced QuerySet (django-tables2); anything else
        # is paginated as Django does.
        if isinstance(rows, BoundRows) and isinstance(rows.data, QuerySet):
            ordered = self.object_list.data.data
            ids = rows.data.values("pk")
            bottom = (page.number - 1) * self.per_page
            reads_own_pages = getattr(ordered, "reads_own_pages", None)
            if reads_own_pages is not None and reads_own_pages(bottom + self.per_page):
                # A search ranked by name may read its page rank by rank, or from the day
                # it starts on (page_ids).
                ids = ordered.page_ids(bottom, bottom + self.per_page)
            rows.data = rows_by_id(ordered, ids)
        return page

    def _get_page(self, *args, **kwargs):
        return CountedPage(*args, **kwargs)


def rows_by_id(ordered, ids):
    """The public incidents `ids` (a list, or a query of ids) in the order of `ordered`, the
    table's filtered QuerySet, read by id alone.

    The ids were found under the table's filters; filtering the page's rows again made a search
    build its sets of matching incidents a second time (for q=JNIM at a million incidents, the
    235,000 incidents with the word: 3 s of the page's 3.2 s). An order by an annotation (a
    search's rank by name, a distance) needs the filtered QuerySet itself."""
    if ordered.query.annotations:
        return ordered.filter(pk__in=ids)
    page = Incident.objects.public().filter(pk__in=ids)
    return page.order_by(*ordered.query.order_by) if ordered.query.order_by else page


class CountedPage(Page):
    """A page whose length comes from its paginator's count: django-tables2's template asks
    whether the page has rows, which would read them a second time (the table writes its rows
    from their values, IncidentTable.rows_html)."""

    def __len__(self):
        offset = (self.number - 1) * self.paginator.per_page
        return max(0, min(self.paginator.per_page, self.paginator.count - offset))


# The page sizes the list offers (?per_page=); any other value gets the default.
PAGE_SIZES = (25, 50, 100, 500)
DEFAULT_PAGE_SIZE = 50


class ListPaginator(FiftyPerPage):
    """The list's pages: one of PAGE_SIZES rows a page, fifty when ?per_page= asks another size
    (a page of a million rows, or of -1, is not something the public list serves).

    Given a `cursor` (?cursor=, keyset.py), the page is the one the cursor continues to, read
    from its position by one index range scan whatever its depth, and numbered as the cursor
    says; keyset.InvalidCursor when the table's order cannot have given it out."""

    # Its table links next and previous pages by cursor (IncidentTable.pagination); a place's
    # or actor's table (FiftyPerPage) by number.
    pages_by_cursor = True

    def __init__(self, object_list, per_page, count=None, cursor=None, **kwargs):
        super().__init__(object_list, per_page, count=count, **kwargs)
        self.per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
        self.cursor = cursor

    def page(self, number):
        if self.cursor is None:
            return self.numbered_page(number)
        rows = self.object_list  # the table's BoundRows
        order = rows.table.keyset_order()
        if order is None:
            raise keyset.InvalidCursor(self.cursor)
        name, columns, descending = order
        cursor = keyset.read_cursor(self.cursor, name, columns)
        ordered = rows.data.data
        walk = ordered.order_by(*keyset.order_expressions(columns, descending, cursor.backwards))
        size = self.per_page
        if cursor.from_the_end:
            # The last page holds what the pages before it leave: read backwards from the end.
            size = max(self.count - (self.num_pages - 1) * self.per_page, 0)
        else:
            walk = walk.filter(keyset.after(columns, descending, cursor.position, cursor.backwards))
        # The page's ids, one more to know whether the walk goes on; then its rows in order.
        skip = cursor.skip
        ids = list(walk.values_list("pk", flat=True)[skip : skip + size + 1])
        more = len(ids) > size
        ids = ids[:size]
        page_rows = rows[: len(ids)]
        page_rows.data = rows_by_id(ordered, ids)
        if cursor.from_the_end:
            number = max(self.num_pages, 1)
            has_next, has_previous = False, number > 1
        else:
            number = min(cursor.number, max(self.num_pages, 1))
            # Coming from a page, there is that page the other way.
            has_next, has_previous = (True, more) if cursor.backwards else (more, True)
        return CursorPage(page_rows, number, self, len(ids), has_next, has_previous)

    def numbered_page(self, number):
        """Page `number` (?page=N typed by hand: the list's own links go by cursor), by OFFSET.
        Past the middle of the list it is read from the end, backwards, skipping the rows
        after it: page 19,999 of 20,000 by place skipped 999,900 rows (1.6 s at a million
        incidents) and now skips 50. The count is exact (cached by data version), so the rows
        are the same either way."""
        number = self.validate_number(number)
        rows = self.object_list
        after_page = self.count - number * self.per_page  # rows after this page
        if max(after_page, 0) >= (number - 1) * self.per_page or not isinstance(rows, BoundRows):
            return super().page(number)
        order, ordered = rows.table.keyset_order(), rows.data.data
        reads_own_pages = getattr(ordered, "reads_own_pages", None)
        if order is None or not isinstance(ordered, QuerySet):
            return super().page(number)
        if reads_own_pages is not None and reads_own_pages(number * self.per_page):
            return super().page(number)  # a search's own way to a deep page (page_ids)
        _name, columns, descending = order
        walk = ordered.order_by(*keyset.order_expressions(columns, descending, backwards=True))
        size = self.per_page + min(after_page, 0)  # the last page may hold fewer
        start = max(after_page, 0)
        page_rows = rows[:size]
        # The ids as a subquery: one query, as a page from the start.
        page_rows.data = rows_by_id(ordered, walk.values("pk")[start : start + size])
        has_next, has_previous = number < self.num_pages, number > 1
        return CursorPage(page_rows, number, self, size, has_next, has_previous)


class CursorPage(Page):
    """A page read by a walk of its own (from a cursor, or back from the end of the list): its
    rows and neighbours are known from the walk itself."""

    def __init__(self, object_list, number, paginator, length, has_next, has_previous):
        super().__init__(object_list, number, paginator)
        self.length, self._has_next, self._has_previous = length, has_next, has_previous

    def __len__(self):
        return self.length

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self._has_previous


# The sorts whose pages go by cursor (keyset.py): {column: its key columns}, each as the table
# orders by that column (the columns' order_by and order_* methods), either way.
DATE_KEY = [
    keyset.KeyColumn("start_date", "start_date", datetime.date),
    keyset.KeyColumn("id", "id", int),
]
PLACE_KEY = [
    keyset.KeyColumn("location__name", "location__name", str),
    keyset.KeyColumn("location__id", "location_id", int),
    keyset.KeyColumn("id", "id", int),
]
# By the event and sub-event types' codes, which the incident's row holds
# (incident_public_type_idx), not their names in other tables: sorting by the names read and
# sorted every incident for each page (517 ms at a million for the first). ACLED's codes sort
# as its English names do ("armed_clash", "government_regains_territory"…).
EVENT_TYPE_KEY = [
    keyset.KeyColumn("event_type_id", "event_type_id", str),
    keyset.KeyColumn("sub_event_type_id", "sub_event_type_id", str, nulls="high"),
    keyset.KeyColumn("id", "id", int),
]
KILLED_KEY = [
    keyset.KeyColumn("killed_best", "killed_best", int, nulls="last"),
    keyset.KeyColumn("id", "id", int),
]
KEYSET_ORDERS = {
    "date": DATE_KEY,
    "place": PLACE_KEY,
    "event_type": EVENT_TYPE_KEY,
    "killed": KILLED_KEY,
}


class IncidentTable(tables.Table):
    """The public incident table: one row per published incident.

    The columns give the headers, the sorting and the pagination; the rows are written by
    rows_html() in one pass, because rendering 400 cells one at a time through the columns,
    and then through a template, took most of the page's time (see bench/README.md).
    """

    date = tables.Column(
        verbose_name=_("Date"), accessor="start_date", order_by=("start_date", "id")
    )
    title = tables.Column(verbose_name=_("Incident"), orderable=False)
    # Ties broken by place, then incident: both orders are walked from indexes
    # (location_name_idx, incident_public_place_idx) instead of sorting every incident.
    place = tables.Column(
        verbose_name=_("Place"),
        accessor="location",
        order_by=("location__name", "location__id", "id"),
    )
    event_type = tables.Column(
        verbose_name=_("Type"), order_by=("event_type_id", "sub_event_type_id", "id")
    )
    tactics = tables.Column(verbose_name=_("Nature of attack"), accessor="pk", orderable=False)
    # A reader sorting by Killed wants the deadliest first: the first click sorts descending.
    killed = tables.Column(
        verbose_name=_("Killed"),
        accessor="killed_best",
        attrs={"th": {"class": "number"}},
        initial_sort_descending=True,
    )
    injured = tables.Column(
        verbose_name=_("Injured"),
        accessor="injured_best",
        orderable=False,
        attrs={"th": {"class": "number"}},
    )
    actors = tables.Column(verbose_name=_("Actors"), accessor="pk", orderable=False)

    class Meta:
        model = Incident
        fields = ["date", "title", "place", "event_type", "tactics", "killed", "injured", "actors"]
        sequence = fields
        order_by = ("-date",)
        template_name = "incidents/incident_table.html"
        attrs = {"class": "incident-table"}
        empty_text = _("No published incident matches.")
        # Also what ?per_page=0 gets (django-tables2 reads 0 as "the table's own size").
        per_page = DEFAULT_PAGE_SIZE

    def __init__(self, *args, distance_from=None, **kwargs):
        # A list filtered by distance (near=) shows how far each incident's place is from the
        # point, computed from the place already read for the row: no query, no cost otherwise.
        self.distance_from = distance_from
        if distance_from is not None:
            distance = tables.Column(
                verbose_name=_("Distance (km)"),
                accessor="pk",
                orderable=False,
                attrs={"th": {"class": "number"}},
            )
            kwargs["extra_columns"] = [*kwargs.get("extra_columns", ()), ("distance", distance)]
        super().__init__(*args, **kwargs)

    @property
    def incidents(self):
        """The table's incidents in its order, every page: its `sort` (order_* methods
        included), once RequestConfig has configured it."""
        return self.data.data

    def order_killed(self, queryset, is_descending):
        # Unknown counts (NULL) sort last both ways; descending matches incident_public_killed_idx.
        killed = F("killed_best")
        killed = killed.desc(nulls_last=True) if is_descending else killed.asc(nulls_last=True)
        return queryset.order_by(killed, "-id" if is_descending else "id"), True

    def order_event_type(self, queryset, is_descending):
        # Incidents without a sub-event type after the others of their type going up, before
        # them going down, on every database (PostgreSQL's default; SQLite's is the reverse):
        # pages by cursor need to know where they are.
        return queryset.order_by(*keyset.order_expressions(EVENT_TYPE_KEY, is_descending)), True

    def keyset_order(self):
        """(the order's name as ?sort= gives it, its key columns, descending) when the rows are
        in one of KEYSET_ORDERS, for pages by cursor; None otherwise (a search's relevance, an
        order by several columns)."""
        if len(self.order_by) != 1:
            return None
        alias = self.order_by[0]
        columns = KEYSET_ORDERS.get(alias.bare)
        return None if columns is None else (str(alias), columns, alias.is_descending)

    @cached_property
    def page_rows(self):
        """The rows of the page shown (table_rows), read once for the rows and the links."""
        return table_rows(self.page_incidents())

    def header_html(self):
        """The table's header cells: each column's name, a link that sorts by it when it can,
        and aria-sort on the column the rows are sorted by. Written in one pass (django-tables2's
        template made some three hundred variable lookups of it)."""
        cells = []
        for column in self.columns:
            sort = ""
            if column.is_ordered:
                direction = "descending" if column.order_by_alias.is_descending else "ascending"
                sort = f' aria-sort="{direction}"'
            header = text_html(column.header)
            if column.orderable:
                # Another order starts at its first page: the page shown belongs to this one.
                url = self.query_replaced(
                    self.prefixed_order_by_field,
                    column.order_by_alias.next,
                    without=[self.prefixed_page_field],
                )
                header = f'<a href="{url}">{header}</a>'
            cells.append(f'<th {column.attrs["th"].as_html()} scope="col"{sort}>{header}</th>\n')
        return mark_safe("".join(cells))

    def query_replaced(self, name, value, without=()):
        """The request's query string with `name` set to `value`, escaped for an attribute, as
        django-tables2's querystring_replace writes it; without the cursor, which belongs to
        the page shown only, nor the parameters named `without`."""
        params = dict(self.request.GET)
        for other in ["cursor", *without]:
            params.pop(other, None)
        params[name] = value
        return escape("?" + urlencode(params, doseq=True))

    def cursor_link(self, row, backwards, number, skip=0):
        """The query string of the page after `row` (before it, `backwards`), `skip` rows
        further, numbered `number`; `row` None for the last page, read from the end."""
        name, columns, _descending = self.keyset_order()
        params = dict(self.request.GET)
        params.pop(self.prefixed_page_field, None)
        params["cursor"] = keyset.encode_cursor(name, columns, row, backwards, number, skip)
        return escape("?" + urlencode(params, doseq=True))

    def number_link(self, number, keyed):
        """The query string of page `number`, as pagination() links it: by cursor when the
        order allows it (keyed), from the page shown's first or last row or from the end of
        the list, so that no link makes the database walk the rows before a deep page; by
        number otherwise, and for the first page, whose plain address is cheap."""
        page, page_field = self.page, self.prefixed_page_field
        if not keyed or number == 1:
            return self.query_replaced(page_field, number)
        if number == page.number:
            return escape("?" + urlencode(self.request.GET, doseq=True))
        if number == self.paginator.num_pages:
            return self.cursor_link(None, True, number)
        per_page = self.paginator.per_page
        if number > page.number:
            skip = (number - page.number - 1) * per_page
            return self.cursor_link(self.page_rows[-1], False, number, skip)
        skip = (page.number - number - 1) * per_page
        return self.cursor_link(self.page_rows[0], True, number, skip)

    @cached_property
    def pagination(self):
        """The page links of the page shown: {"previous": query string or None, "numbers":
        [(page number or "...", query string or None)], "next": query string or None}. Next
        and previous continue from the page's last and first rows by cursor when the order
        allows it (the first page keeps its plain address); so do the numbers (number_link)."""
        page, page_field = self.page, self.prefixed_page_field
        keyed = (
            getattr(self.paginator, "pages_by_cursor", False)
            and self.keyset_order() is not None
            and self.page_rows
        )
        previous = following = None
        if page.has_previous():
            number = page.number - 1
            if keyed and number > 1:
                previous = self.cursor_link(self.page_rows[0], True, number)
            else:
                previous = self.query_replaced(page_field, max(number, 1))
        if page.has_next():
            number = page.number + 1
            if keyed:
                following = self.cursor_link(self.page_rows[-1], False, number)
            else:
                following = self.query_replaced(page_field, number)
        numbers = [
            (p, None if p == "..." else self.number_link(p, keyed))
            for p in table_page_range(page, self.paginator)
        ]
        return {"previous": previous, "numbers": numbers, "next": following}

    def rows_html(self):
        """The page's rows (all rows when the table is not paginated) as HTML: one <tr> per
        incident, each cell carrying its column's name (data-label) so that rows read as
        cards on a phone (site.css); the empty text in one cell when there is no row.

        Written here rather than in the template: a template spent some 40 variable lookups,
        six URL reversals and eight translations on every row, a third of the list page's
        time. The rows are read as plain values (table_rows), not model instances. Every
        text goes through text_html(); the links follow one route each, filled in.
        """
        rows = self.page_rows
        if not rows:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.columns), self.empty_text
            )
        labels = {name: text_html(column.header) for name, column in self.columns.items()}
        incident_url = url_template("incidents:incident_detail")
        place_url = url_template("incidents:place_detail")
        area_url = url_template("incidents:area_detail")
        country_url = url_template("incidents:country_detail")
        actor_url = url_template("incidents:actor_detail")
        # A page's incidents share a few dozen places and dates: each text is made once.
        date_label = lru_cache(maxsize=None)(format_date_at_precision)
        country_name = lru_cache(maxsize=None)(country_label)
        decimal_separator = get_format("DECIMAL_SEPARATOR")

        def link(url, text):
            return f'<a href="{url}">{text_html(text)}</a>'

        def actor_links(actors):
            return ", ".join(link(actor_url.format(pk), name) for pk, name in actors)

        html = []
        for row in rows:
            iso3 = row["location__country__iso3"]
            where = link(
                country_url.format(iso3), country_name(iso3, row["location__country__name"])
            )
            region = row["location__admin1_id"], row["location__admin1__name"]
            if region[0] is not None:
                where = f"{link(area_url.format(region[0]), region[1])}, {where}"
            place = link(place_url.format(row["location_id"]), row["location__name"])
            place += f'<span class="sub">{where}</span>'
            # Types and tactics by their labels in the reader's language (taxonomy.py).
            kind = text_html(event_type_label(row["event_type_id"], row["event_type__name"]))
            if row["sub_event_type_id"] is not None:
                sub_kind = sub_event_type_label(
                    row["sub_event_type_id"], row["sub_event_type__name"]
                )
                kind = f'{text_html(sub_kind)}<span class="sub">{kind}</span>'
            tactics = ", ".join(
                text_html(label) for label in sorted(map(tactic_label, row["tactics"]), key=fold)
            )
            perpetrators, targets = row["perpetrators"], row["targets"]
            if perpetrators or targets:
                actors = actor_links(perpetrators) or "?"
                if targets:
                    actors += " → " + actor_links(targets)
            else:
                actors = "—"
            killed = format_estimate(row["killed_low"], row["killed_best"], row["killed_high"])
            injured = format_estimate(row["injured_low"], row["injured_best"], row["injured_high"])
            date = date_label(row["start_date"], row["end_date"], row["date_precision"])
            title = link(incident_url.format(row["id"]), row["title"])
            distance = ""
            if self.distance_from is not None:
                km = distance_km(
                    *self.distance_from, row["location__latitude"], row["location__longitude"]
                )
                km = f"{km:.1f}".replace(".", decimal_separator)  # 12.5; 12,5 in French
                distance = f'\n  <td data-label="{labels["distance"]}" class="number">{km}</td>'
            html.append(
                "<tr>\n"
                f'  <td data-label="{labels["date"]}">{text_html(date)}</td>\n'
                f'  <td data-label="{labels["title"]}">{title}</td>\n'
                f'  <td data-label="{labels["place"]}">{place}</td>\n'
                f'  <td data-label="{labels["event_type"]}">{kind}</td>\n'
                f'  <td data-label="{labels["tactics"]}">{tactics or "—"}</td>\n'
                f'  <td data-label="{labels["killed"]}" class="number">{text_html(killed)}</td>\n'
                f'  <td data-label="{labels["injured"]}" class="number">{text_html(injured)}</td>\n'
                f'  <td data-label="{labels["actors"]}">{actors}</td>{distance}\n'
                "</tr>"
            )
        return mark_safe("\n".join(html))

    def page_incidents(self):
        """The incidents of the page shown (every incident when the table is not paginated),
        as a QuerySet in the table's order."""
        data = self.paginated_rows.data
        # A page holds the QuerySet FiftyPerPage.page made; the whole table its TableData.
        return data.data if isinstance(data, TableData) else data


# What one row of the table shows, read by table_rows() as plain values: model instances for
# fifty incidents with their place, areas, types, tactics and actors were some five hundred
# objects and two prefetches, the largest part of the list page's time.
ROW_FIELDS = [
    "id",
    "title",
    "start_date",
    "end_date",
    "date_precision",
    *CASUALTY_TOTAL_FIELDS,
    "location_id",
    "location__name",
    "location__latitude",  # for the distance from ?near=
    "location__longitude",
    "location__admin1_id",
    "location__admin1__name",
    "location__country__iso3",
    "location__country__name",
    "event_type_id",
    "event_type__name",
    "sub_event_type_id",
    "sub_event_type__name",
]


def table_rows(incidents):
    """The table's rows for a QuerySet of incidents, in its order: dicts of ROW_FIELDS,
    with "tactics" (their names, by name), "perpetrators" and "targets" ((actor id, name) in
    role, then entry order; associated actors with their side). Three queries."""
    rows = list(incidents.prefetch_related(None).values(*ROW_FIELDS))
    if not rows:
        return rows
    tactics, actors = Incident.objects.tactics_and_actors([row["id"] for row in rows])
    for row in rows:
        roles = actors.get(row["id"], [])
        row["tactics"] = tactics.get(row["id"], [])
        row["perpetrators"] = [
            (pk, name) for role, pk, name, *_types in roles if role in PERPETRATOR_ROLES
        ]
        row["targets"] = [
            (pk, name) for role, pk, name, *_types in roles if role not in PERPETRATOR_ROLES
        ]
    return rows
