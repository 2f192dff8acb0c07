import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from django_tables2.rows import BoundRows

from .models import Incident


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


class IncidentTable(tables.Table):
    """The public incident table: one row per published incident.

    The columns give the headers, the sorting and the pagination; the rows are written by
    templates/incidents/incident_table.html in one pass, because rendering 400 cells one at a
    time through the columns took most of the page's time (see bench/README.md).
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
    killed = tables.Column(
        verbose_name=_("Killed"), accessor="killed_best", attrs={"th": {"class": "number"}}
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
