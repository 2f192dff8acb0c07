"""The analysis pages' own parameters, beside IncidentFilterSet's (which select the incidents).

Invalid values are form errors: the pages show them beside the field, the API answers 400 with
them. Parameter names are public (bookmarked and scripted): keep them.
"""

import re
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.filters import IncidentFilterSet, errors_answer, iso_date
from incidents.models import AdminArea, Country, Location

from .periods import Interval
from .series import Measure, Split

# Okabe–Ito has seven colours that read on white; more lines than that cannot be told apart.
MAX_TOP = 7
MAX_ROLLING = 24
MAX_PLACES = 4


class DefaultsForm(forms.Form):
    """A form whose fields left out or empty take their `initial` value before validation, so
    that each control shows the value the page computed with (an empty Interval box would show
    its first choice, Week, beside a monthly chart, and the next submit would switch to it)."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for name, field in self.base_fields.items():
                given = [value for value in data.getlist(name) if value.strip()]
                if not given and field.initial is not None:
                    data.setlist(name, [str(field.initial)])
        super().__init__(data, *args, **kwargs)


class SeriesForm(DefaultsForm):
    interval = forms.ChoiceField(
        choices=Interval.choices,
        required=False,
        initial=Interval.MONTH,
        label=gettext_lazy("Interval"),
    )
    split = forms.ChoiceField(
        choices=[("", gettext_lazy("No split")), *Split.choices],
        required=False,
        label=gettext_lazy("Split by"),
    )
    top = forms.IntegerField(
        min_value=1,
        max_value=MAX_TOP,
        required=False,
        initial=5,
        label=gettext_lazy("Top"),
        help_text=gettext_lazy("How many groups to show before “Other” (1–7)."),
    )
    measure = forms.ChoiceField(
        choices=Measure.choices,
        required=False,
        initial=Measure.INCIDENTS,
        label=gettext_lazy("Top by"),
    )
    rolling = forms.IntegerField(
        min_value=2,
        max_value=MAX_ROLLING,
        required=False,
        label=gettext_lazy("Rolling average over"),
        help_text=gettext_lazy("periods (2–24), e.g. 3 for a three-month average"),
        widget=forms.NumberInput(attrs={"placeholder": gettext_lazy("none")}),
    )

    def clean_split(self):
        return self.cleaned_data["split"] or None


class CompareForm(DefaultsForm):
    a_from = forms.DateField(label=gettext_lazy("A from"), **iso_date())
    a_to = forms.DateField(label=gettext_lazy("A to"), **iso_date())
    b_from = forms.DateField(label=gettext_lazy("B from"), **iso_date())
    b_to = forms.DateField(label=gettext_lazy("B to"), **iso_date())
    by = forms.ChoiceField(
        choices=Split.choices, required=False, initial=Split.ADMIN1, label=gettext_lazy("Per")
    )
    top = forms.IntegerField(
        min_value=1,
        required=False,
        label=gettext_lazy("Top"),
        help_text=gettext_lazy("Keep the largest rows and sum the rest as “Other”."),
        widget=forms.NumberInput(attrs={"placeholder": gettext_lazy("all")}),
    )

    def clean(self):
        cleaned = super().clean()
        for side in ("a", "b"):
            start, end = cleaned.get(f"{side}_from"), cleaned.get(f"{side}_to")
            if start and end and start > end:
                self.add_error(f"{side}_to", _("The end of the period is before its start."))
        return cleaned


@dataclass
class Place:
    """A place of the places page: a country, an admin area or a single named place."""

    key: str
    label: str
    condition: Q
    # The incident-list parameter that selects the same incidents.
    list_parameter: tuple
    country: str


# A place id, as the incidents app's place pages name them: a country by its ISO 3166-1
# alpha-3 code (/places/countries/MLI/), a region or district by its AdminArea id
# (/places/areas/12/), a single place by "location:" and its Location id (/places/345/).
PLACE_ID = re.compile(
    r"^(?:(?P<iso3>[A-Za-z]{3})|(?P<area>[0-9]{1,18})|location:(?P<location>[0-9]{1,18}))$"
)


class PlacesField(forms.Field):
    """Up to four place ids (place=12&place=MLI&place=location:345), read into Place objects
    with one query per kind of place given."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Choose at least one place."),
        "too_many": gettext_lazy("Compare at most %(max)s places at once."),
        "invalid": gettext_lazy(
            "“%(value)s” is not a place id: give a region or district id (12), a country "
            "code (MLI) or location: and a place id (location:345)."
        ),
        "unknown": gettext_lazy("There is no place with the id “%(value)s”."),
        "level": gettext_lazy(
            "%(name)s is a commune (admin3): compare its district or its places instead."
        ),
    }

    def to_python(self, value):
        values = [value] if isinstance(value, str) else list(value or [])
        values = list(dict.fromkeys(item.strip() for item in values if item and item.strip()))
        if not values:
            return []
        if len(values) > MAX_PLACES:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": MAX_PLACES}
            )
        parsed = []
        for item in values:
            match = PLACE_ID.match(item)
            if match is None:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": item}
                )
            parsed.append((item, match))
        return self.read_places(parsed)

    def read_places(self, parsed):
        iso3s = [match["iso3"].upper() for _item, match in parsed if match["iso3"]]
        area_ids = [int(match["area"]) for _item, match in parsed if match["area"]]
        location_ids = [int(match["location"]) for _item, match in parsed if match["location"]]
        countries = (
            {c.iso3: c for c in Country.objects.public().filter(iso3__in=iso3s)} if iso3s else {}
        )
        areas = (
            AdminArea.objects.public().select_related("country").in_bulk(area_ids)
            if area_ids
            else {}
        )
        locations = (
            Location.objects.public().select_related("admin1", "country").in_bulk(location_ids)
            if location_ids
            else {}
        )
        places = []
        for item, match in parsed:
            if match["iso3"]:
                place = self.country_place(countries.get(match["iso3"].upper()))
            elif match["area"]:
                place = self.area_place(areas.get(int(match["area"])))
            else:
                place = self.location_place(locations.get(int(match["location"])))
            if place is None:
                raise forms.ValidationError(
                    self.error_messages["unknown"], code="unknown", params={"value": item}
                )
            places.append(place)
        return places

    def country_place(self, country):
        if country is None:
            return None
        return Place(
            country.iso3,
            country.label,
            Q(location__country=country.pk),
            ("country", country.iso3),
            country.label,
        )

    def area_place(self, area):
        if area is None:
            return None
        if area.level == AdminArea.Level.ADMIN3:
            # The incident list cannot filter by commune, so its points could link nowhere.
            raise forms.ValidationError(
                self.error_messages["level"], code="level", params={"name": area.name}
            )
        field = "admin1" if area.level == AdminArea.Level.ADMIN1 else "admin2"
        return Place(
            str(area.pk),
            f"{area.name} ({area.country.label})",
            Q(**{f"location__{field}": area.pk}),
            (field, area.pk),
            area.country.label,
        )

    def location_place(self, location):
        if location is None:
            return None
        region = location.admin1 or location.country
        return Place(
            f"location:{location.pk}",
            f"{location.name} ({region})",
            Q(location=location.pk),
            ("location", location.pk),
            location.country.label,
        )


# The places page's question, "how does Gao compare with Mopti?", is what it shows before any
# choice: two regions of Mali, found by name (their ids differ from one database to another).
HEADLINE_COUNTRY, HEADLINE_REGIONS = "MLI", ("Gao", "Mopti")


def headline_places():
    """{"place": [Gao's id, Mopti's id]} for the places page before any choice, or {} when
    the database lacks either region."""
    ids = dict(
        AdminArea.objects.public()
        .filter(
            country__iso3=HEADLINE_COUNTRY,
            level=AdminArea.Level.ADMIN1,
            name__in=HEADLINE_REGIONS,
        )
        .values_list("name", "pk")
    )
    if len(ids) < len(HEADLINE_REGIONS):
        return {}
    return {"place": [ids[name] for name in HEADLINE_REGIONS]}


class PlacesForm(DefaultsForm):
    place = PlacesField(label=gettext_lazy("Places"))
    interval = SeriesForm.base_fields["interval"]
    rolling = SeriesForm.base_fields["rolling"]


class AnalysisQuery:
    """What one request asks for: the incidents its IncidentFilterSet parameters select among
    the public ones, and the page's own parameters, read by `form_class`. Both are validated,
    so that every bad value is reported at once."""

    def __init__(self, data, form_class, chosen=True):
        self.data, self.form_class = data, form_class
        self.filterset = IncidentFilterSet.from_query(data)
        # Before the reader has chosen anything (no periods, no place yet), the page's own
        # form is shown unbound: empty fields, not "This field is required".
        self.form = form_class(data if chosen else None)
        filters_valid = self.filterset.is_valid()
        form_valid = self.form.is_valid() if chosen else False
        self.valid = filters_valid and form_valid

    def choose(self, defaults):
        """Read the page's form again as if the reader had also chosen `defaults` ({parameter:
        [values]}): what the page shows before any choice, its controls showing it."""
        data = self.data.copy()
        for name, values in defaults.items():
            data.setlist(name, [str(value) for value in values])
        self.form = self.form_class(data)
        self.valid = self.filterset.is_valid() and self.form.is_valid()

    def is_valid(self):
        return self.valid and self.form.is_bound and not self.form.errors

    @property
    def incidents(self):
        return self.filterset.qs

    @property
    def options(self):
        return getattr(self.form, "cleaned_data", {})

    @property
    def date_from(self):
        return self.filterset.form.cleaned_data.get("date_from")

    @property
    def date_to(self):
        return self.filterset.form.cleaned_data.get("date_to")

    def errors_answer(self):
        """Every error of the filter and of the page's form, as the API and downloads answer
        them: {"errors": {"parameter": ["message", …]}}."""
        return errors_answer(self.filterset.form, self.form)


class PlaceChoices:
    """What the places page's four pickers offer: countries, then each country's regions and
    districts, by the ids PlacesField reads; a chosen place not among them (a single place,
    location:ID) is offered too, so that re-submitting the form keeps it. Two queries."""

    def __init__(self, data, places=None):
        self.selected = [value.strip() for value in data.getlist("place") if value.strip()]
        self.selected += [""] * (MAX_PLACES - len(self.selected))
        countries = sorted(Country.objects.public(), key=lambda country: country.label)
        areas = (
            AdminArea.objects.public()
            .filter(level__in=[AdminArea.Level.ADMIN1, AdminArea.Level.ADMIN2])
            .select_related("country", "parent")
        )
        self.groups = [(_("Countries"), [(country.iso3, country.label) for country in countries])]
        by_country = {}
        # A closed picker shows its option alone, without its group: with several countries,
        # each area says its country ("Savanes (Togo)", "Kandi (Alibori, Benin)").
        several_countries = len(countries) > 1
        for area in areas.order_by("country__name", "level", "name"):
            where = [area.parent.name] if area.level == AdminArea.Level.ADMIN2 else []
            where += [area.country.label] if several_countries else []
            label = f"{area.name} ({', '.join(where)})" if where else area.name
            by_country.setdefault(area.country.label, []).append((str(area.pk), label))
        for country_name, options in by_country.items():
            label = _("%(country)s: regions and districts") % {"country": country_name}
            self.groups.append((label, options))
        offered = {value for _label, options in self.groups for value, _name in options}
        chosen = {place.key: place.label for place in places or []}
        extra = [
            (value, chosen.get(value, value))
            for value in self.selected
            if value and value not in offered
        ]
        if extra:
            self.groups.append((_("Chosen places"), extra))

    @property
    def pickers(self):
        return [
            {"number": number, "selected": value}
            for number, value in enumerate(self.selected, start=1)
        ]
