"""The incident list page as an explorer: the filter panel's choices, the active filters as
removable chips, facet links and the map's data.

All of it reads the list's query string and IncidentFilterSet's bound form; the counting is
IncidentQuerySet's (facet_counts, map_points). Links keep every other parameter (the sort
included) and drop `page`, because a changed filter starts again at the first page.
"""

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .formatting import format_date_at_precision
from .models import AdminArea, SubEventType
from .url_templates import url_template

# The map shows at most this many incidents, the most recent of the filter: enough to see
# where things happen, few enough for a phone on a slow connection (about 30 KB gzipped).
MAP_POINTS = 1_000

# Facet values shown before "more".
FACET_VALUES_SHOWN = 8

# Okabe & Ito's palette, whose colours stay apart under every common colour-vision deficiency.
# The three kinds of event that dominate the Sahel get the three most distinct colours.
EVENT_TYPE_COLOURS = {
    "battles": "#D55E00",  # vermillion
    "explosions_remote_violence": "#0072B2",  # blue
    "violence_against_civilians": "#CC79A7",  # reddish purple
    "strategic_developments": "#009E73",  # bluish green
    "protests": "#E69F00",  # orange
    "riots": "#56B4E9",  # sky blue
}
OTHER_COLOUR = "#000000"

# OpenStreetMap's tiles, fetched by the reader's browser; the server never calls them.
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


# --- the filter panel ------------------------------------------------------------------------


class TaggedSelectMultiple(forms.SelectMultiple):
    """A multiple select whose options carry data- attributes (the country, region or event
    type they belong to), which static/js/incident-filters.js reads to narrow them live.

    It writes its HTML itself, as Django's select.html would: that template includes another
    template per option, and the panel's few hundred options then cost the list page several
    milliseconds of its 50.
    """

    def __init__(self, option_attrs=None, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.option_attrs = option_attrs or {}  # {"<option value>": {"data-…": "…"}}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_attrs.get(str(value), {}))
        return option

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option["value"],
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append(mark_safe("</optgroup>"))
        parts.append(mark_safe("</select>"))
        return mark_safe("\n".join(parts))


def prepare_panel(form):
    """Dress the (already validated) filter form for the page.

    Regions are narrowed to the chosen countries, districts to the chosen regions (or
    countries), sub-event types to the chosen event types; a chosen value outside its parents
    stays listed so that it can be unchosen. The short lists become checkboxes. Only the
    rendering changes: the form has validated against every choice.
    """
    countries = _chosen(form, "country")
    regions = _ids(_chosen(form, "admin1"))
    districts = _ids(_chosen(form, "admin2"))
    event_types = _chosen(form, "event_type")

    region_choices = AdminArea.objects.filter(level=AdminArea.Level.ADMIN1)
    district_choices = AdminArea.objects.filter(level=AdminArea.Level.ADMIN2)
    sub_type_choices = SubEventType.objects.all()
    # Which parents have all their children listed, for the script's "apply first" hint.
    listed_countries = listed_regions = "*"
    if countries:
        region_choices = region_choices.filter(Q(country__iso3__in=countries) | Q(pk__in=regions))
        listed_countries = " ".join(countries)
    region_choices = list(
        region_choices.select_related("country").order_by("country__name", "name", "id")
    )
    if regions:
        district_choices = district_choices.filter(Q(parent__in=regions) | Q(pk__in=districts))
        listed_regions = " ".join(regions)
    elif countries:
        district_choices = district_choices.filter(
            Q(country__iso3__in=countries) | Q(pk__in=districts)
        )
        listed_regions = " ".join(str(area.pk) for area in region_choices)
    district_choices = list(
        district_choices.select_related("country", "parent").order_by(
            "country__name", "parent__name", "name", "id"
        )
    )
    if event_types:
        sub_type_choices = sub_type_choices.filter(
            Q(event_type__in=event_types) | Q(pk__in=_chosen(form, "sub_event_type"))
        )
    sub_type_choices = list(sub_type_choices.select_related("event_type"))

    form.label_suffix = ""  # the panel's labels sit above their fields
    fields = form.fields
    fields["country"].widget = TaggedSelectMultiple(
        attrs={"size": 4}, choices=fields["country"].choices
    )
    fields["admin1"].widget = TaggedSelectMultiple(
        {str(area.pk): {"data-country": area.country.iso3} for area in region_choices},
        attrs={"size": 6, "data-listed-parents": listed_countries},
        choices=_grouped(region_choices, lambda area: area.country.name),
    )
    fields["admin2"].widget = TaggedSelectMultiple(
        {
            str(area.pk): {"data-country": area.country.iso3, "data-region": str(area.parent_id)}
            for area in district_choices
        },
        attrs={"size": 6, "data-listed-parents": listed_regions},
        choices=_grouped(district_choices, lambda area: area.parent.name),
    )
    fields["sub_event_type"].widget = TaggedSelectMultiple(
        {sub_type.pk: {"data-event-type": sub_type.event_type_id} for sub_type in sub_type_choices},
        attrs={"size": 6},
        choices=_grouped(sub_type_choices, lambda sub_type: sub_type.event_type.name),
    )
    for name in ("event_type", "type_of_violence", "actor_type"):
        fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
    fields["killed_min"].widget.attrs.update({"min": 0, "inputmode": "numeric"})
    fields["killed_max"].widget.attrs.update({"min": 0, "inputmode": "numeric"})
    fields["radius_km"].widget.attrs.update({"min": 0.1, "step": "any", "placeholder": "50"})


@dataclass(frozen=True)
class PickedValue:
    """An actor or place the filter names, shown as a checked checkbox in the panel."""

    value: str
    label: str
    known: bool


def picked_values(form, name):
    """The values of a parameter the panel offers through search (actor, location), with their
    names; an unknown id is listed unchecked, so that the next search drops it."""
    names = _names(form, name)
    return [
        PickedValue(value, names.get(value, value), value in names) for value in _chosen(form, name)
    ]


def actor_search_url():
    """Where the panel's actor search asks (/api/actors/?search=…), or None while the JSON API
    is not installed: the panel then offers the text search instead."""
    try:
        return reverse("incidents_api:actor_list")
    except NoReverseMatch:
        return None


def _chosen(form, name):
    """The non-empty raw values of a parameter, in the order given."""
    return [value for value in form.data.getlist(name) if value != ""] if form.is_bound else []


def _ids(values):
    """The values that can be row ids (an id too large for the database would make it raise)."""
    return [value for value in values if value.isdigit() and int(value) < 2**63]


def _names(form, name):
    """{raw value: display name} for the values of a model choice parameter that validated."""
    objects = getattr(form, "cleaned_data", {}).get(name) or []
    key = form.fields[name].to_field_name or "pk"
    return {str(getattr(obj, key)): str(obj) for obj in objects}


def _grouped(objects, group_of):
    """[(group, [(pk, name), …]), …] for optgroups, or a flat list when there is one group."""
    groups = {}
    for obj in objects:
        groups.setdefault(group_of(obj), []).append((str(obj.pk), obj.name))
    if len(groups) == 1:
        return next(iter(groups.values()))
    return list(groups.items())


# --- chips -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    """One active filter: what it says and the URL of the same list without it."""

    label: str
    remove_url: str
    invalid: bool = False


def filter_chips(path, query, form):
    """The active filters as chips, in the panel's order. A parameter given several times makes
    one chip per value; a date range, and a point with its radius, make one chip each."""
    if not form.is_bound:
        return []
    chips = []
    for name in form.fields:
        if name in ("date_to", "radius_km"):
            continue  # in one chip with date_from, near
        for label, removed, invalid in _chips_of(form, name):
            chips.append(Chip(label, _url(path, _pairs(query, remove=removed)), invalid))
    return chips


def _chips_of(form, name):
    """(label, [(parameter, value or None for all its values) removed], invalid) for each
    chip of a parameter."""
    errors, field = form.errors, form.fields[name]
    values = _chosen(form, name)
    if name in ("date_from", "near"):
        other = "date_to" if name == "date_from" else "radius_km"
        first, second = values[:1], _chosen(form, other)[:1]
        invalid = name in errors or other in errors
        if name == "date_from" and first and second:
            label = f"{first[0]} – {second[0]}"
        elif name == "near" and first and second:
            label = _("Within %(radius)s km of %(point)s") % {
                "radius": second[0],
                "point": first[0],
            }
        elif first:
            label = (_("From %s") if name == "date_from" else _("Near %s")) % first[0]
        elif second:
            label = (_("Until %s") if name == "date_from" else _("Within %s km")) % second[0]
        else:
            return []
        return [(label, [(name, None), (other, None)], invalid)]

    if name == "killed_min":
        labels = {value: _("Killed ≥ %s") % value for value in values}
    elif name == "killed_max":
        labels = {value: _("Killed ≤ %s") % value for value in values}
    elif name == "civilian_targeting":
        labels = {"true": _("Civilians targeted"), "false": _("Civilians not targeted")}
    elif name == "q":
        labels = {value: _("Search: “%s”") % value for value in values}
    else:
        names = (
            _names(form, name)
            if isinstance(field, forms.ModelChoiceField)
            else {str(value): label for value, label in field.choices}
        )
        labels = {value: f"{field.label}: {names.get(value, value)}" for value in values}
    return [
        (labels.get(value, f"{field.label}: {value}"), [(name, value)], name in errors)
        for value in values
    ]


def clear_url(path, query):
    """The list without any filter, in the same order."""
    return _url(path, [(name, value) for name, value in _pairs(query) if name == "sort"])


def _pairs(query, remove=(), add=(), replace=()):
    """The query's (name, value) pairs without `page`, empty values and the removed ones
    ((name, value), or (name, None) for every value), with `replace`'s names replaced and
    `add`'s pairs appended when missing."""
    removed_names = {name for name, value in remove if value is None}
    removed_names |= {name for name, _value in replace}
    pairs = [
        (name, value)
        for name, values in query.lists()
        if name != "page" and name not in removed_names
        for value in values
        if value != "" and (name, value) not in remove
    ]
    pairs += list(replace)
    pairs += [pair for pair in add if pair not in pairs]
    return pairs


def _url(path, pairs):
    return f"{path}?{urlencode(pairs)}" if pairs else path


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


def facet_links(path, query, facets):
    """facet_counts() as facets whose values link to the list with that value added to the
    filter: an event type or region is added to the chosen ones, a year replaces the dates."""
    chosen_types, chosen_regions = query.getlist("event_type"), query.getlist("admin1")

    def added(name, value):
        return _url(path, _pairs(query, add=[(name, str(value))]))

    event_types = [
        FacetValue(
            row["label"],
            row["count"],
            added("event_type", row["value"]),
            row["value"] in chosen_types,
            EVENT_TYPE_COLOURS.get(row["value"], OTHER_COLOUR),
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
        url = _url(path, _pairs(query, replace=[("date_from", first), ("date_to", last)]))
        years.append(FacetValue(row["label"], row["count"], url, dates == (first, last)))
    return [
        Facet(_("Event type"), event_types),
        Facet(_("Region"), regions),
        Facet(_("Year"), years),
    ]


# --- the map ---------------------------------------------------------------------------------


def incident_map(points, total, facets):
    """What the map needs from the server: its points (json_script data), how many of the
    `total` incidents it shows, and the legend: the event types on it, named as in `facets`.

    A point is [latitude, longitude, event type, incident id, date, killed, title]: lists, not
    objects, to keep a thousand of them small.
    """
    incident_url = url_template("incidents:incident_detail", slot="{id}")
    # A thousand points share a few hundred dates; each text is made once.
    date_label = lru_cache(maxsize=None)(format_date_at_precision)
    killed, killed_unknown = _("%s killed"), _("killed unknown")
    rows = [
        [
            float(point["location__latitude"]),
            float(point["location__longitude"]),
            point["event_type"],
            point["id"],
            date_label(point["start_date"], point["end_date"], point["date_precision"]),
            killed_unknown
            if point["killed_best"] is None
            else killed % f"{point['killed_best']:,}",
            point["title"],
        ]
        for point in points
    ]
    on_map = {row[2] for row in rows}
    return {
        "data": {
            "points": rows,
            "colours": EVENT_TYPE_COLOURS,
            "otherColour": OTHER_COLOUR,
            "incidentUrl": incident_url,
        },
        "shown": len(rows),
        "capped": total > len(rows),
        "tile_url": TILE_URL,
        "tile_attribution": TILE_ATTRIBUTION,
        "legend": [
            (row["label"], EVENT_TYPE_COLOURS.get(row["value"], OTHER_COLOUR))
            for row in facets["event_type"]
            if row["value"] in on_map
        ],
    }
