from functools import lru_cache

import django_tables2 as tables
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableData
from django_tables2.rows import BoundRows

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

    def page(self, number):
        page = super().page(number)
        rows = page.object_list
        # A table's page is BoundRows over the sliced QuerySet (django-tables2); anything else
        # is paginated as Django does.
        if isinstance(rows, BoundRows) and isinstance(rows.data, QuerySet):
            ordered = self.object_list.data.data
            rows.data = ordered.filter(pk__in=rows.data.values("pk"))
        return page

    def _get_page(self, *args, **kwargs):
        return CountedPage(*args, **kwargs)


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
    (a page of a million rows, or of -1, is not something the public list serves)."""

    def __init__(self, object_list, per_page, count=None, **kwargs):
        super().__init__(object_list, per_page, count=count, **kwargs)
        self.per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE


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
        verbose_name=_("Type"), order_by=("event_type__name", "sub_event_type__name", "id")
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

    def rows_html(self):
        """The page's rows (all rows when the table is not paginated) as HTML: one <tr> per
        incident, each cell carrying its column's name (data-label) so that rows read as
        cards on a phone (site.css); the empty text in one cell when there is no row.

        Written here rather than in the template: a template spent some 40 variable lookups,
        six URL reversals and eight translations on every row, a third of the list page's
        time. The rows are read as plain values (table_rows), not model instances. Every
        text goes through text_html(); the links follow one route each, filled in.
        """
        rows = table_rows(self.page_incidents())
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
            (pk, name) for role, pk, name, _ in roles if role in PERPETRATOR_ROLES
        ]
        row["targets"] = [
            (pk, name) for role, pk, name, _ in roles if role not in PERPETRATOR_ROLES
        ]
    return rows
