"""The incident list's filter panel: IncidentFilterSet's bound form dressed for the page, and
the values it names, read from the form (chosen_values, chosen_names) for the panel and chips.
"""

from dataclasses import dataclass

from django import forms
from django.forms.utils import flatatt
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .caching import remember
from .country_names import country_label
from .folding import fold
from .formatting import text_html
from .models import AdminArea, Country, EventType, SubEventType
from .querystrings import row_id
from .taxonomy import event_type_label, sub_event_type_label


class OnePassSelect(forms.Select):
    """A select written in one pass, with one escape per text, exactly as Django's select.html
    writes it: that template includes another template per option, and even Django's
    per-option dicts and format_html cost the list page several milliseconds for its few
    hundred options. Its options may carry data- attributes (`option_attrs`).
    """

    def __init__(self, option_attrs=None, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.option_attrs = option_attrs or {}  # {"<option value>": {"data-…": "…"}}

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(item) for item in self.format_value(value)}
        select_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            select_attrs["multiple"] = True
        parts = [f'<select name="{text_html(name)}"{flatatt(select_attrs)}>']
        has_selected = False
        for group_name, options in _option_groups(self.choices):
            if group_name is not None:
                parts.append(f'\n  <optgroup label="{text_html(group_name)}">')
            for option_value, label in options:
                option_value = str(option_value)
                tags = "".join(
                    f' {key}="{text_html(text)}"'
                    for key, text in self.option_attrs.get(option_value, {}).items()
                )
                # As Django: a single select marks only the first option with the value.
                selected = option_value in chosen and (
                    self.allow_multiple_selected or not has_selected
                )
                has_selected |= selected
                value_html, label_html = text_html(option_value), text_html(label)
                parts.append(
                    f'\n  <option value="{value_html}"{tags}{" selected" if selected else ""}>'
                    f"{label_html}</option>"
                )
            if group_name is not None:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class OnePassInput:
    """A text, search, date or number box written in one pass, exactly as Django's input.html
    and attrs.html write it (two templates per box otherwise)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        value_html = "" if value is None else f' value="{text_html(value)}"'
        return mark_safe(
            f'<input type="{text_html(widget["type"])}" name="{text_html(widget["name"])}"'
            f"{value_html}{_attributes_html(widget['attrs'])}>"
        )


class OnePassTextInput(OnePassInput, forms.TextInput):
    pass


class OnePassDateInput(OnePassInput, forms.DateInput):
    pass


class OnePassNumberInput(OnePassInput, forms.NumberInput):
    pass


def _one_pass_input(widget):
    """The same box (its type, attributes and date format), written by OnePassInput."""
    one_pass = ONE_PASS_INPUTS[type(widget)]()
    one_pass.__dict__.update(widget.__dict__)
    return one_pass


ONE_PASS_INPUTS = {
    forms.TextInput: OnePassTextInput,
    forms.DateInput: OnePassDateInput,
    forms.NumberInput: OnePassNumberInput,
}


class TaggedSelectMultiple(OnePassSelect, forms.SelectMultiple):
    """A multiple select whose options carry data- attributes (the country, region or event
    type they belong to), which static/js/incident-filters.js reads to narrow them live."""


class CheckboxChoices(forms.CheckboxSelectMultiple):
    """Checkboxes for a short list of choices, written in one pass as Django's
    multiple_input.html writes them (three templates per option otherwise)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(item) for item in self.format_value(value)}
        attrs = self.build_attrs(self.attrs, attrs)
        box_id = attrs.get("id")
        parts = [f'<div id="{text_html(box_id)}">' if box_id else "<div>"]
        for index, (option_value, label) in enumerate(self.choices):
            option_attrs = dict(attrs)
            if str(option_value) in chosen:
                option_attrs["checked"] = True
            label_for = ""
            if box_id:
                option_attrs["id"] = f"{box_id}_{index}"
                label_for = f' for="{text_html(option_attrs["id"])}"'
            parts.append(
                f'<div>\n    <label{label_for}><input type="checkbox" name="{text_html(name)}" '
                f'value="{text_html(option_value)}"{_attributes_html(option_attrs)}> '
                f"{text_html(label)}</label></div>"
            )
        parts.append("\n</div>")
        return mark_safe("".join(parts))


def _attributes_html(attrs):
    """Attributes as Django's attrs.html writes them: True alone, False left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{text_html(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _option_groups(choices):
    """Choices ([(value, label), …] or [(group, [(value, label), …]), …]) as
    [(group or None, [(value, label), …]), …]; options outside a group gather in runs."""
    groups = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            groups.append((value, label))
        elif groups and groups[-1][0] is None:
            groups[-1][1].append((value, label))
        else:
            groups.append((None, [(value, label)]))
    return groups


def prepare_panel(form):
    """Dress the (already validated) filter form for the page.

    Regions are narrowed to the chosen countries, districts to the chosen regions (or
    countries), sub-event types to the chosen event types; a chosen value outside its parents
    stays listed so that it can be unchosen. The short lists become checkboxes. Only the
    rendering changes: the form has validated against every choice.

    The lists come from panel_choices(), remembered, and are narrowed here.
    """
    countries = set(chosen_values(form, "country"))
    regions = {row_id(value) for value in _ids(chosen_values(form, "admin1"))}
    districts = {row_id(value) for value in _ids(chosen_values(form, "admin2"))}
    event_types = set(chosen_values(form, "event_type"))
    sub_types = set(chosen_values(form, "sub_event_type"))
    choices = panel_choices()

    region_choices, district_choices = choices["regions"], choices["districts"]
    sub_type_choices = choices["sub_event_types"]
    # Which parents have all their children listed, for the script's "apply first" hint.
    listed_countries = listed_regions = "*"
    if countries:
        region_choices = [row for row in region_choices if row[2] in countries or row[0] in regions]
        listed_countries = " ".join(chosen_values(form, "country"))
    if regions:
        district_choices = [
            row for row in district_choices if row[3] in regions or row[0] in districts
        ]
        listed_regions = " ".join(_ids(chosen_values(form, "admin1")))
    elif countries:
        district_choices = [
            row for row in district_choices if row[2] in countries or row[0] in districts
        ]
        listed_regions = " ".join(str(pk) for pk, *_rest in region_choices)
    # Districts named with their region's country when they lie in several countries: Togo's
    # and Côte d'Ivoire's Savanes are two groups, not one.
    if len({row[2] for row in district_choices}) > 1:
        district_choices = [
            (pk, name, iso3, region, f"{region_name} ({country})", country)
            for pk, name, iso3, region, region_name, country in district_choices
        ]
    if event_types:
        sub_type_choices = [
            row for row in sub_type_choices if row[2] in event_types or row[0] in sub_types
        ]

    form.label_suffix = ""  # the panel's labels sit above their fields
    fields = form.fields
    fields["country"].widget = TaggedSelectMultiple(attrs={"size": 4}, choices=choices["countries"])
    fields["admin1"].widget = TaggedSelectMultiple(
        {str(pk): {"data-country": iso3} for pk, _name, iso3, _country in region_choices},
        attrs={"size": 6, "data-listed-parents": listed_countries},
        choices=_grouped(region_choices, group=3),
    )
    fields["admin2"].widget = TaggedSelectMultiple(
        {
            str(pk): {"data-country": iso3, "data-region": str(region)}
            for pk, _name, iso3, region, _region_name, _country in district_choices
        },
        attrs={"size": 6, "data-listed-parents": listed_regions},
        choices=_grouped(district_choices, group=4),
    )
    fields["sub_event_type"].widget = TaggedSelectMultiple(
        {
            code: {"data-event-type": event_type}
            for code, _name, event_type, _type in sub_type_choices
        },
        attrs={"size": 6},
        choices=_grouped(sub_type_choices, group=3),
    )
    fields["event_type"].widget = CheckboxChoices(choices=choices["event_types"])
    for name in ("type_of_violence", "actor_type"):
        fields[name].widget = CheckboxChoices(choices=fields[name].choices)
    for name in ("q", "date_from", "date_to", "near", "radius_km", "killed_min", "killed_max"):
        fields[name].widget = _one_pass_input(fields[name].widget)
    for name in ("date_precision_max", "geo_precision_max", "civilian_targeting"):
        field = fields[name]
        field.widget = OnePassSelect(attrs=field.widget.attrs, choices=field.choices)
    fields["killed_min"].widget.attrs.update({"min": 0, "inputmode": "numeric"})
    fields["killed_max"].widget.attrs.update({"min": 0, "inputmode": "numeric"})
    fields["radius_km"].widget.attrs.update({"min": 0.1, "step": "any", "placeholder": "50"})
    # Each list says how to choose several (_filter_field.html writes the hint).
    for name in ("country", "admin1", "admin2", "sub_event_type"):
        fields[name].widget.attrs["aria-describedby"] = f"id_{name}_hint"


# The panel's lists change when an import or an analyst adds a place or a type, and which areas
# are public changes with publications (which move the data version, part of the key): a
# renamed area may show its old name for this long.
PANEL_CHOICES_SECONDS = 60


def panel_choices():
    """Every option of the panel's lists, as plain rows (the panel lists some three hundred
    areas and types; five queries and their model instances were a fifth of the page's time):
    remembered under the public data version (caching.remember).

    {"countries": [(iso3, name)], "regions": [(id, name, country iso3, country name)],
    "districts": [(id, name, country iso3, region id, region name, country name)],
    "event_types": [(code,
    name)], "sub_event_types": [(code, name, event type code, event type name)]}, each in
    the panel's order.
    """
    return remember(["filter-panel-choices"], _read_panel_choices, PANEL_CHOICES_SECONDS)


def _read_panel_choices():
    """The panel's lists read from the database, named in the reader's language (countries,
    event and sub-event types; taxonomy.py, country_names.py) and ordered by those names."""
    regions = AdminArea.objects.public().filter(level=AdminArea.Level.ADMIN1)
    districts = AdminArea.objects.public().filter(level=AdminArea.Level.ADMIN2)
    countries = {
        iso3: country_label(iso3, name)
        for iso3, name in Country.objects.public().values_list("iso3", "name")
    }
    event_types = {
        code: event_type_label(code, name)
        for code, name in EventType.objects.values_list("code", "name")
    }
    sub_event_types = [
        (code, sub_event_type_label(code, name), event_type, event_types[event_type])
        for code, name, event_type in SubEventType.objects.values_list(
            "pk", "name", "event_type_id"
        )
    ]
    return {
        "countries": sorted(countries.items(), key=lambda row: fold(row[1])),
        "regions": sorted(
            (
                (pk, name, iso3, countries.get(iso3, country))
                for pk, name, iso3, country in regions.values_list(
                    "pk", "name", "country__iso3", "country__name"
                )
            ),
            key=lambda row: (fold(row[3]), fold(row[1]), row[0]),
        ),
        "districts": sorted(
            (
                (pk, name, iso3, region, region_name, countries.get(iso3, country))
                for pk, name, iso3, region, region_name, country in districts.values_list(
                    "pk", "name", "country__iso3", "parent_id", "parent__name", "country__name"
                )
            ),
            key=lambda row: (fold(row[5]), fold(row[4] or ""), fold(row[1]), row[0]),
        ),
        "event_types": sorted(event_types.items(), key=lambda row: fold(row[1])),
        "sub_event_types": sorted(
            sub_event_types, key=lambda row: (fold(row[3]), fold(row[1]), row[0])
        ),
    }


@dataclass(frozen=True)
class PickedValue:
    """An actor or place the filter names, shown as a checked checkbox in the panel."""

    value: str
    label: str
    known: bool


def picked_values(form, name):
    """The values of a parameter the panel offers through search (actor, location), with their
    names; an unknown id is listed unchecked, so that the next search drops it."""
    names = chosen_names(form, name)
    return [
        PickedValue(value, names.get(value, value), value in names)
        for value in chosen_values(form, name)
    ]


def panel_context(form):
    """What the panel's template (incidents/_filter_panel.html) needs beside the prepared form:
    its fields with their labels and messages (panel_fields), the chosen actors and places
    and where the actor search asks."""
    return {
        "panel_fields": {name: field_html(form[name]) for name in PANEL_FIELDS},
        "picked_actors": picked_values(form, "actor"),
        "picked_places": picked_values(form, "location"),
        "actor_search_url": actor_search_url(),
    }


# The fields the panel writes with field_html(), and the hint a list of areas shows when
# the script finds a parent chosen whose areas are not listed yet.
PANEL_FIELDS = [
    "q",
    "date_from",
    "date_to",
    "date_precision_max",
    "country",
    "admin1",
    "admin2",
    "near",
    "radius_km",
    "geo_precision_max",
    "event_type",
    "sub_event_type",
    "type_of_violence",
    "civilian_targeting",
    "actor_type",
    "killed_min",
    "killed_max",
]
PARENT_HINTS = {
    "admin1": gettext_lazy("Apply the filters to list the regions of the countries you added."),
    "admin2": gettext_lazy("Apply the filters to list the districts of the regions you added."),
}


def field_html(field):
    """One filter of the panel (a BoundField) with its label and its messages beside it; a
    group of checkboxes is a fieldset. Written here rather than by a template included per
    field: seventeen includes were a fifth of the list page's time."""
    errors = "".join(f'<p class="error">{text_html(error)}</p>' for error in field.errors)
    has_error = " has-error" if field.errors else ""
    widget = field.field.widget
    if widget.use_fieldset:
        return mark_safe(
            f'\n\n<fieldset class="field choices{has_error}">\n'
            f"  <legend>{text_html(field.label)}</legend>\n"
            f"  {field}\n"
            f"  {errors}\n"
            "</fieldset>\n\n"
        )
    hint = parents_hint = ""
    if getattr(widget, "allow_multiple_selected", False):  # a select only
        how = _("Ctrl-click (⌘-click on a Mac) to choose several, or to unchoose one.")
        hint = f'<p class="hint" id="{text_html(field.auto_id)}_hint">{text_html(how)}</p>'
    if field.name in PARENT_HINTS:
        parents_hint = (
            f'<p class="hint" data-hint-for="{text_html(field.auto_id)}" hidden>'
            f"{text_html(PARENT_HINTS[field.name])}</p>"
        )
    return mark_safe(
        f'\n\n<div class="field{has_error}">\n'
        f'  <label for="{text_html(field.id_for_label)}">{text_html(field.label)}</label>\n'
        f"  {field}\n"
        f"  {hint}\n"
        f"  {parents_hint}\n"
        f"  {errors}\n"
        "</div>\n\n"
    )


def actor_search_url():
    """Where the panel's actor search asks (/api/actors/?search=…), or None while the JSON API
    is not installed: the panel then offers the text search instead."""
    try:
        return reverse("incidents_api:actor_list")
    except NoReverseMatch:
        return None


def chosen_values(form, name):
    """The non-empty raw values of a parameter, in the order given."""
    return [value for value in form.data.getlist(name) if value != ""] if form.is_bound else []


def _ids(values):
    """The values that can be row ids (an id too large for the database would make it raise)."""
    return [value for value in values if row_id(value) is not None]


def chosen_names(form, name):
    """{raw value: display name} for the values of a model choice parameter that validated; a
    region or district is named with its country ("Savanes (Togo)"), as a chip stands alone."""
    objects = getattr(form, "cleaned_data", {}).get(name) or []
    key = form.fields[name].to_field_name or "pk"
    return {
        str(getattr(obj, key)): getattr(obj, "name_with_country", None) or str(obj)
        for obj in objects
    }


def _grouped(rows, group):
    """[(group, [(value, name), …]), …] for optgroups from rows (value, name, …) whose item at
    index `group` names their group, or a flat list when there is one group."""
    groups = {}
    for row in rows:
        groups.setdefault(row[group], []).append((str(row[0]), row[1]))
    if len(groups) == 1:
        return next(iter(groups.values()))
    return list(groups.items())
