"""The incident list's active filters as removable chips, read from IncidentFilterSet's bound
form. A chip links to the same list without its filter: every other parameter (the sort
included) is kept, and `page` dropped, because a changed filter starts at the first page."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _

from .filter_panel import chosen_names, chosen_values
from .formatting import format_day
from .models import Location
from .querystrings import edit_query, with_query


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
            remove_url = with_query(path, edit_query(query, remove=["page", "cursor", *removed]))
            chips.append(Chip(label, remove_url, invalid))
    return chips


def _chips_of(form, name):
    """(label, [what removing it removes, for edit_query], invalid) for each chip of a
    parameter."""
    errors, field = form.errors, form.fields[name]
    values = chosen_values(form, name)
    if name in ("date_from", "near"):
        other = "date_to" if name == "date_from" else "radius_km"
        first, second = values[:1], chosen_values(form, other)[:1]
        invalid = name in errors or other in errors
        if name == "date_from":
            first, second = _as_days(form, name, first), _as_days(form, other, second)
        if name == "date_from" and first and second:
            label = f"{first[0]} – {second[0]}"
        elif name == "near" and first and second:
            label = _("Within %(radius)s km of %(point)s") % {
                "radius": second[0],
                "point": point_label(first[0]),
            }
        elif first:
            label = (_("From %s") if name == "date_from" else _("Near %s")) % first[0]
        elif second:
            label = (_("Until %s") if name == "date_from" else _("Within %s km")) % second[0]
        else:
            return []
        return [(label, [name, other], invalid)]

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
            chosen_names(form, name)
            if isinstance(field, forms.ModelChoiceField)
            else {str(value): label for value, label in field.choices}
        )
        labels = {value: labelled(field.label, names.get(value, value)) for value in values}
    return [
        (labels.get(value, labelled(field.label, value)), [(name, value)], name in errors)
        for value in values
    ]


def _as_days(form, name, values):
    """A date parameter's value written as the reader's language writes a day ("1 Jul 2023",
    "1 juillet 2023"), or as typed when it is not a valid date."""
    day = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
    return [format_day(day)] if values and day else values


def labelled(label, value):
    """ "Event type: Battles": a filter's label and its value ("Type d'événement : Batailles",
    with French spacing, in French)."""
    # Translators: a chip of an active filter, e.g. "Event type: Battles".
    return _("%(filter)s: %(value)s") % {"filter": label, "value": value}


def clear_url(path, query, keep=("sort",)):
    """The page without any filter, keeping the parameters `keep` names: the list's order,
    or an analysis page's own controls (interval, split…)."""
    return with_query(path, edit_query(query, remove=[name for name in query if name not in keep]))


def point_label(point):
    """How a chip names `near`: a place id by the place's name ("Gao"), coordinates as given."""
    if point.isascii() and point.isdigit() and int(point) < 2**63:
        name = Location.objects.public().filter(pk=int(point)).values_list("name", flat=True)
        return name.first() or point
    return point
