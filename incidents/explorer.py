"""The incident list's facets and map: what IncidentQuerySet counted (facet_counts, map_points)
for the filtered incidents, as links that narrow the filter and as the map's data.

The filter panel is in filter_panel.py, the chips in chips.py. Facet links keep every other
parameter (the sort included) and drop `page`, because a changed filter starts at page one.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .charts import BLACK, BLUE, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE, VERMILLION
from .formatting import format_count, format_date_at_precision, text_html
from .querystrings import edit_query, with_query
from .taxonomy import event_type_label
from .url_templates import url_template

# The map shows at most this many incidents, the most recent of the filter: enough to see
# where things happen, few enough for a phone on a slow connection (about 30 KB gzipped).
MAP_POINTS = 1_000

# Facet values shown before "more".
FACET_VALUES_SHOWN = 8

# The charts' Okabe–Ito palette, whose colours stay apart under every common colour-vision
# deficiency. The three kinds of event that dominate the Sahel get the three most distinct.
EVENT_TYPE_COLOURS = {
    "battles": VERMILLION,
    "explosions_remote_violence": BLUE,
    "violence_against_civilians": REDDISH_PURPLE,
    "strategic_developments": BLUISH_GREEN,
    "protests": ORANGE,
    "riots": SKY_BLUE,
}
# An event type without a colour above (one added to the EventType table since) is black, the
# palette's last colour, and not the charts' grey OTHER_COLOUR: on the map it is one more kind
# of event, drawn as strongly as the others, not the sum of the groups a chart leaves out.
MAP_OTHER_COLOUR = BLACK

# OpenStreetMap's tiles, fetched by the reader's browser; the server never calls them.
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# As OpenStreetMap asks to be credited, in the reader's language ("© les contributeurs
# d'OpenStreetMap").
TILE_ATTRIBUTION = gettext_lazy(
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


# --- facets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    url: str | None  # adds the value to the filter; None when it cannot be filtered on
    chosen: bool
    colour: str | None = None


@dataclass(frozen=True)
class Facet:
    title: str
    values: list

    @property
    def first(self):
        return self.values[:FACET_VALUES_SHOWN]

    @property
    def more(self):
        return self.values[FACET_VALUES_SHOWN:]

    @property
    def first_html(self):
        return facet_values_html(self.first)

    @property
    def more_html(self):
        return facet_values_html(self.more)


def facet_values_html(values):
    """The <li> of each facet value: its colour swatch, its label (a link that adds it to the
    filter, unless chosen or not filterable) and its count. Written here rather than by a
    template included per value: the list page shows some seventy values."""
    items = []
    for value in values:
        swatch = ""
        if value.colour:
            swatch = f'<circle fill="{text_html(value.colour)}"/>'
            swatch = f'<svg class="swatch" aria-hidden="true">{swatch}</svg>'
        label = text_html(value.label)
        if value.url and not value.chosen:
            label = f'<a href="{text_html(value.url)}">{label}</a>'
        else:
            label = f"<span>{label}</span>"
        chosen = ' class="chosen"' if value.chosen else ""
        count = text_html(intcomma(value.count))
        items.append(f'<li{chosen}>{swatch}{label} <span class="n">{count}</span></li>\n')
    return mark_safe("".join(items))


def facet_links(path, query, facets):
    """facet_counts() as facets whose values link to the list with that value added to the
    filter: an event type or region is added to the chosen ones, a year replaces the dates."""
    chosen_types, chosen_regions = query.getlist("event_type"), query.getlist("admin1")

    def added(name, value):
        chosen = query.getlist(name)
        values = chosen if str(value) in chosen else [*chosen, value]
        return with_query(path, edit_query(query, {name: values}, remove=["page", "cursor"]))

    event_types = [
        FacetValue(
            event_type_label(row["value"], row["label"]),
            row["count"],
            added("event_type", row["value"]),
            row["value"] in chosen_types,
            EVENT_TYPE_COLOURS.get(row["value"], MAP_OTHER_COLOUR),
        )
        for row in facets["event_type"]
    ]
    regions = [
        FacetValue(
            row["label"] or _("No region given"),
            row["count"],
            added("admin1", row["value"]) if row["value"] is not None else None,
            str(row["value"]) in chosen_regions,
        )
        for row in facets["admin1"]
    ]
    # A year is the dates from 1 January to 31 December. The facet counts incidents by the year
    # they started; the link's period also takes in the few that began the year before and
    # lasted into it.
    dates = (query.get("date_from"), query.get("date_to"))
    years = []
    for row in facets["year"]:
        first, last = f"{row['value']}-01-01", f"{row['value']}-12-31"
        year = {"date_from": [first], "date_to": [last]}
        url = with_query(path, edit_query(query, year, remove=["page", "cursor"]))
        years.append(FacetValue(row["label"], row["count"], url, dates == (first, last)))
    return [
        Facet(_("Event type"), event_types),
        Facet(_("Region"), regions),
        Facet(_("Year"), years),
    ]


# --- the map ---------------------------------------------------------------------------------


def incident_map(total, facets):
    """What the list page says about its map: how many of the `total` incidents it shows, and
    the legend, every event type of the selection named as in `facets`. The points themselves
    come from their own address (map_points_data), so that the page stays small and the points
    can be cached apart from it; the map's script hides the legend entries no point has.
    """
    return {
        "shown": min(total, MAP_POINTS),
        "capped": total > MAP_POINTS,
        "tile_url": TILE_URL,
        "tile_attribution": str(TILE_ATTRIBUTION),
        "legend": [
            (
                row["value"],
                event_type_label(row["value"], row["label"]),
                EVENT_TYPE_COLOURS.get(row["value"], MAP_OTHER_COLOUR),
            )
            for row in facets["event_type"]
        ],
    }


def map_points_data(points):
    """The map's JSON: its points (IncidentQuerySet.map_points), the event types' colours and
    the incident pages' URL with an {id} slot.

    A point is [latitude, longitude, event type, incident id, date, killed, title]: lists, not
    objects, to keep a thousand of them small.
    """
    incident_url = url_template("incidents:incident_detail", slot="{id}")
    # A thousand points share a few hundred dates; each text is made once.
    date_label = lru_cache(maxsize=None)(format_date_at_precision)
    killed_unknown = _("killed unknown")
    rows = [
        [
            float(point["location__latitude"]),
            float(point["location__longitude"]),
            point["event_type"],
            point["id"],
            date_label(point["start_date"], point["end_date"], point["date_precision"]),
            killed_unknown if point["killed_best"] is None else killed_text(point["killed_best"]),
            point["title"],
        ]
        for point in points
    ]
    return {
        "points": rows,
        "colours": EVENT_TYPE_COLOURS,
        "otherColour": MAP_OTHER_COLOUR,
        "incidentUrl": incident_url,
    }


def killed_text(killed):
    """ "12 killed" on a map point ("12 tués", "1 tué" in French)."""
    return ngettext("%(count)s killed", "%(count)s killed", killed) % {
        "count": format_count(killed)
    }
