"""Links from a point of a chart or a cell of a table to the incident list that shows its
incidents: the page's filter, narrowed to the period (and to the group, when the list can)."""

from django.urls import reverse

from incidents.filters import FILTER_PARAMETERS
from incidents.querystrings import edit_query

# The period replaces the filter's own dates.
PERIOD_PARAMETERS = ("date_from", "date_to")


class ListLinks:
    """Builds /incidents/?… URLs for one page's filter.

    A long weekly series links a thousand periods or more: the filter's part of the query
    string is encoded once per group, and only the dates per period.
    """

    def __init__(self, query):
        # What a link to the incident list carries over: the IncidentFilterSet parameters.
        self.filter = edit_query(
            query, remove=[name for name in query if name not in FILTER_PARAMETERS]
        )
        self.given = dict(self.filter.lists())
        self.base_url = reverse("incidents:incident_list")
        self._prefixes = {}

    def query_string(self):
        """ "?…" with the filter's parameters (or ""): the other analysis views of the same
        incidents, and their list, keep the filter."""
        return f"?{self.filter.urlencode()}" if self.filter else ""

    def url(self, date_from, date_to, parameter=None):
        """The list of the filter's incidents between the two days, and of the group named by
        `parameter` (e.g. ("admin1", 7)); None when the list cannot show exactly that group.

        A filter value of the same parameter means "any of", so the group narrows it only when
        it is one of those values (admin1=3&admin1=7 narrowed to admin1=7); a group outside
        them (an actor beside actor=5) cannot be expressed and gets no link.
        """
        if parameter is not None:
            name, value = parameter
            given = self.given.get(name)
            if given is not None and str(value) not in given:
                return None
        prefix = self._prefixes.get(parameter)
        if prefix is None:
            prefix = self._prefixes[parameter] = self._prefix(parameter)
        return f"{prefix}date_from={date_from.isoformat()}&date_to={date_to.isoformat()}"

    def _prefix(self, parameter):
        group = {parameter[0]: [parameter[1]]} if parameter is not None else None
        encoded = edit_query(self.filter, group, remove=PERIOD_PARAMETERS).urlencode()
        return f"{self.base_url}?{encoded}&" if encoded else f"{self.base_url}?"

    def period_url(self, period, first_day, last_day, parameter=None):
        """The list for one period of a series, clipped to the series' range."""
        return self.url(max(period.start, first_day), min(period.end, last_day), parameter)

    def period_urls(self, series):
        """Each period's list URL, for the series' totals; None for a period without incidents
        (an empty list is not worth a link, and long series stay light)."""
        return [
            self.period_url(period, series.first_day, series.last_day) if tally.incidents else None
            for period, tally in zip(series.periods, series.totals, strict=True)
        ]
