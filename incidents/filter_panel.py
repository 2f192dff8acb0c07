"""The incident list's filter panel: IncidentFilterSet's bound form dressed for the page, and
the values it names, read from the form (chosen_values, chosen_names) for the panel and chips.
"""

from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import AdminArea, SubEventType
from .querystrings import row_id


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
    countries = chosen_values(form, "country")
    regions = _ids(chosen_values(form, "admin1"))
    districts = _ids(chosen_values(form, "admin2"))
    event_types = chosen_values(form, "event_type")

    region_choices = AdminArea.objects.public().filter(level=AdminArea.Level.ADMIN1)
    district_choices = AdminArea.objects.public().filter(level=AdminArea.Level.ADMIN2)
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
            Q(event_type__in=event_types) | Q(pk__in=chosen_values(form, "sub_event_type"))
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
    names = chosen_names(form, name)
    return [
        PickedValue(value, names.get(value, value), value in names)
        for value in chosen_values(form, name)
    ]


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
