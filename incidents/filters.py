"""IncidentFilterSet: the one filter definition for the incident list, its downloads, the
analysis pages and the API. Researchers bookmark and script these parameter names; keep them.

Several values of one parameter mean "any of" (admin1=3&admin1=7); different parameters must
all hold. Unknown ids and malformed values are form errors, never silently ignored: pages show
them beside the field, the API and the downloads answer 400 with them.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from . import counts
from .choices import ActorType, DatePrecision, GeoPrecision, ViolenceType
from .models import Actor, AdminArea, Country, EventType, Incident, Location, SubEventType
from .querysets import entries_in_selection

MAX_RADIUS_KM = 2000


class PointField(forms.CharField):
    """ "LAT,LON" in decimal degrees, e.g. near=16.27,-0.04 (Gao), or the id of a place of a
    published incident (near=12: its coordinates), as a place page links "incidents near here"."""

    example = "16.27,-0.04"

    default_error_messages = {
        "invalid": _(
            "Give a point as latitude,longitude in degrees, e.g. 16.27,-0.04, or a place id."
        ),
        "range": _("Latitude must be between -90 and 90 and longitude between -180 and 180."),
        "unknown_place": _("No published place has the id %(value)s."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if value.isascii() and value.isdigit():
            return self.place_point(value)
        try:
            latitude, longitude = (float(part) for part in value.split(","))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValidationError(self.error_messages["range"], code="range")
        return latitude, longitude

    def place_point(self, value):
        """The (latitude, longitude) of the public place with this id."""
        point = None
        if int(value) < 2**63:  # beyond, SQLite would overflow instead of finding nothing
            point = (
                Location.objects.public()
                .filter(pk=int(value))
                .values_list("latitude", "longitude")
                .first()
            )
        if point is None:
            raise ValidationError(
                self.error_messages["unknown_place"], code="unknown_place", params={"value": value}
            )
        return float(point[0]), float(point[1])


class PointFilter(django_filters.Filter):
    field_class = PointField


class WholeNumberFilter(django_filters.NumberFilter):
    """A NumberFilter for counts: 1.5 killed is an error, not a silent rounding."""

    field_class = forms.IntegerField


class KilometresFilter(django_filters.NumberFilter):
    field_class = forms.FloatField


class ChoicesField(django_filters.fields.ModelMultipleChoiceField):
    """Rows chosen by a parameter; none chosen is an empty list.

    Django's field gives an empty QuerySet there, and every use of it that asks "any chosen?"
    (the filter, the panel) then built and compiled a query that cannot match: the seven
    unused parameters of an unfiltered list cost 12 ms of its filtering.
    """

    def clean(self, value):
        if not value and not self.required:
            return []
        return super().clean(value)


class ChoicesFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ChoicesField


class IdsField(ChoicesField):
    """Row ids. An id beyond 64 bits is unknown like any other: SQLite would raise
    OverflowError (a 500) looking it up instead of finding no row."""

    def _check_values(self, value):
        for pk in value:
            try:
                too_large = not -(2**63) <= int(pk) < 2**63
            except (TypeError, ValueError):
                continue  # not a number: the parent field says so
            if too_large:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class IdsFilter(ChoicesFilter):
    field_class = IdsField


class IncidentFilterForm(forms.Form):
    """Checks that involve two parameters at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The filters' help texts describe the parameters to scripts (the OpenAPI description);
        # the pages' panels explain them by their labels and layout.
        for field in self.fields.values():
            field.help_text = ""

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period is before its start."))
        near, radius_km = cleaned.get("near"), cleaned.get("radius_km")
        if radius_km is not None and not near and "near" not in self.errors:
            self.add_error("radius_km", _("Give near=LAT,LON with radius_km."))
        if near and radius_km is None and "radius_km" not in self.errors:
            self.add_error("near", _("Give radius_km (in kilometres) with near."))
        killed_min, killed_max = cleaned.get("killed_min"), cleaned.get("killed_max")
        if killed_min is not None and killed_max is not None and killed_min > killed_max:
            self.add_error("killed_max", _("The maximum is below the minimum."))
        return cleaned


def iso_date():
    """The options of every date parameter of the public pages and the API (the list's and the
    analysis pages' filters, compare's periods): a date box, and ISO 8601 only, which is what a
    date box sends, in every language. Django's own formats would read ?date_from=05/10/2023 as
    10 May on /incidents/ and as 5 October on /fr/incidents/: one shared address would select
    other incidents in each language. The refusal says which form to use."""
    return {
        "widget": forms.DateInput(attrs={"type": "date"}),
        "input_formats": ["%Y-%m-%d"],
        "error_messages": {"invalid": _("Enter the date as YYYY-MM-DD, for example 2023-10-05.")},
    }


def with_upper_case_countries(data):
    """The query with its country codes in capitals, so that mli is MLI (as in
    /places/countries/mli/) for the filter, the panel's choices and the chips alike."""
    if not data or "country" not in data:
        return data
    data = data.copy()
    if hasattr(data, "setlist"):  # a QueryDict
        data.setlist("country", [code.upper() for code in data.getlist("country")])
    else:
        codes = data["country"]
        data["country"] = (
            codes.upper() if isinstance(codes, str) else [code.upper() for code in codes]
        )
    return data


class IncidentFilterSet(django_filters.FilterSet):
    # --- when ---
    # A multi-day incident matches a period it overlaps: it started by date_to and had not
    # ended before date_from (an incident without end_date lasted one day).
    date_from = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        method="filter_date_from",
        label=_("From"),
        help_text=_(
            "Incidents that had not ended before this date (YYYY-MM-DD). An incident lasting "
            "several days matches every period it overlaps."
        ),
        **iso_date(),
    )
    date_to = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        label=_("To"),
        help_text=_("Incidents that started on or before this date (YYYY-MM-DD)."),
        **iso_date(),
    )
    date_precision_max = django_filters.TypedChoiceFilter(
        field_name="date_precision",
        lookup_expr="lte",
        choices=[("", _("Any precision")), *DatePrecision.choices],
        coerce=int,
        label=_("Date known at least to"),
        help_text=_(
            "Leave out incidents whose date is known less precisely than this (UCDP date_prec)."
        ),
    )

    # --- where ---
    country = ChoicesFilter(
        field_name="location__country__iso3",
        lookup_expr="exact",
        distinct=False,
        to_field_name="iso3",
        queryset=Country.objects.public(),
        label=_("Country"),
        help_text=_("ISO 3166-1 alpha-3 code of the country, e.g. `MLI`."),
    )
    admin1 = IdsFilter(
        field_name="location__admin1",
        lookup_expr="exact",
        distinct=False,
        queryset=AdminArea.objects.public()
        .filter(level=AdminArea.Level.ADMIN1)
        .select_related("country"),
        label=_("Region"),
        help_text=_("Id of a region, as `/api/admin-areas/?level=1` lists them."),
    )
    admin2 = IdsFilter(
        field_name="location__admin2",
        lookup_expr="exact",
        distinct=False,
        queryset=AdminArea.objects.public()
        .filter(level=AdminArea.Level.ADMIN2)
        .select_related("country"),
        label=_("District"),
        help_text=_("Id of a district, as `/api/admin-areas/?level=2` lists them."),
    )
    # Places are many: the page offers them through search, not as a <select> of every one.
    location = IdsFilter(
        field_name="location",
        lookup_expr="exact",
        distinct=False,
        queryset=Location.objects.public(),
        widget=forms.MultipleHiddenInput,
        label=_("Place"),
        help_text=_("Id of a place, as `/api/locations/` lists them."),
    )
    near = PointFilter(
        field_name="location",
        lookup_expr="exact",
        distinct=False,
        method="filter_near",
        label=_("Near (lat,lon or place id)"),
        help_text=_(
            "A point as `LAT,LON` in decimal degrees, e.g. `16.27,-0.04` (Gao), or the id of a "
            "place (`/api/locations/`). With `radius_km`: incidents at places within that "
            "distance on the globe (great circle, not a square)."
        ),
        widget=forms.TextInput(attrs={"placeholder": "16.27,-0.04", "inputmode": "decimal"}),
    )
    # Applied together with near (see filter_near).
    radius_km = KilometresFilter(
        field_name="location",
        lookup_expr="exact",
        distinct=False,
        method="filter_nothing",
        min_value=0.1,
        max_value=MAX_RADIUS_KM,
        label=_("Within (km)"),
        help_text=_("Kilometres around `near`; give both or neither."),
    )
    geo_precision_max = django_filters.TypedChoiceFilter(
        field_name="geo_precision",
        lookup_expr="lte",
        choices=[("", _("Any precision")), *GeoPrecision.choices],
        coerce=int,
        label=_("Place known at least to"),
        help_text=_(
            "Leave out incidents whose place is known less precisely than this (UCDP where_prec)."
        ),
    )

    # --- what ---
    event_type = ChoicesFilter(
        field_name="event_type",
        lookup_expr="exact",
        distinct=False,
        queryset=EventType.objects.all(),
        label=_("Event type"),
        help_text=_(
            "Code of an ACLED event type, e.g. `battles`, as `/api/event-types/` lists them."
        ),
    )
    sub_event_type = ChoicesFilter(
        field_name="sub_event_type",
        lookup_expr="exact",
        distinct=False,
        queryset=SubEventType.objects.all(),
        label=_("Sub-event type"),
        help_text=_(
            "Code of an ACLED sub-event type, e.g. `suicide_bomb`, as `/api/event-types/` "
            "lists them."
        ),
    )
    type_of_violence = django_filters.TypedMultipleChoiceFilter(
        field_name="incident_actors",
        lookup_expr="exact",
        distinct=False,
        method="filter_type_of_violence",
        choices=ViolenceType.choices,
        coerce=int,
        label=_("Type of violence (UCDP)"),
        help_text=_("UCDP type of violence, derived from the actors' types."),
    )
    civilian_targeting = django_filters.TypedChoiceFilter(
        field_name="civilian_targeting",
        lookup_expr="exact",
        choices=[("", _("Either")), ("true", _("Yes")), ("false", _("No"))],
        coerce=lambda value: value == "true",
        label=_("Civilians targeted"),
        help_text=_("`true`: incidents whose main target was civilians; `false`: the others."),
    )

    # --- who ---
    # Actors are many: the page offers them through search, not as a <select> of every one.
    actor = IdsFilter(
        field_name="incident_actors__actor",
        lookup_expr="exact",
        distinct=False,
        method="filter_actor",
        queryset=Actor.objects.public(),
        widget=forms.MultipleHiddenInput,
        label=_("Actor"),
        help_text=_("Id of an actor taking part in any role, as `/api/actors/` lists them."),
    )
    actor_type = django_filters.TypedMultipleChoiceFilter(
        field_name="incident_actors__actor__actor_type",
        lookup_expr="exact",
        distinct=False,
        method="filter_actor_type",
        choices=ActorType.choices,
        coerce=int,
        label=_("Actor type"),
        help_text=_("ACLED inter code of an actor taking part in any role."),
    )

    # --- how many ---
    # On the best estimate; an incident whose toll is unknown matches neither bound.
    killed_min = WholeNumberFilter(
        field_name="killed_best",
        lookup_expr="gte",
        min_value=0,
        label=_("Killed at least"),
        help_text=_(
            "At least this many killed (best estimate). An incident whose toll is unknown "
            "matches neither `killed_min` nor `killed_max`."
        ),
    )
    killed_max = WholeNumberFilter(
        field_name="killed_best",
        lookup_expr="lte",
        min_value=0,
        label=_("Killed at most"),
        help_text=_("At most this many killed (best estimate)."),
    )

    q = django_filters.CharFilter(
        field_name="title",
        lookup_expr="search",
        method="filter_text",
        max_length=200,
        label=_("Search"),
        help_text=_(
            "Words in the title or narrative, or part of the name of the place, its region, "
            "district or country, or of an actor or one of its aliases."
        ),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("ambush, Mopti, JNIM…")}),
    )

    class Meta:
        model = Incident
        form = IncidentFilterForm
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        # Without a queryset django-filter would take every incident, drafts included; the
        # public ones are the only safe default.
        if queryset is None:
            queryset = Incident.objects.public()
        super().__init__(with_upper_case_countries(data), queryset, **kwargs)

    def get_form_class(self):
        """django-filter's form class, made once per FilterSet class rather than per request:
        building a field from each of twenty filters was a fifth of the filter's cost. Safe to
        share because every form instance deep-copies its class's fields."""
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    @classmethod
    def from_query(cls, query, queryset=None):
        """The filter a query string (a request's GET) states, over `queryset`: by default every
        public incident. The list page, the downloads and the analysis bind it here alike;
        always bound, so that a query without filter parameters is a valid filter of all."""
        return cls(query, queryset)

    def filter_queryset(self, queryset):
        """The filtered incidents, which know their counts.Selection when the count tables can
        answer for them: `queryset` is every public incident and only COUNTED_FILTERS are
        used."""
        selection = queryset.count_selection
        filtered = super().filter_queryset(queryset)
        if selection != counts.Selection() or self.form.errors:
            return filtered
        actor_filter = self.actor_filter()
        if actor_filter is not None:
            return filtered.with_actor_filter(actor_filter)
        return filtered.with_count_selection(self.count_selection())

    def actor_filter(self):
        """The counts.ActorFilter of the valid filter's values when it filters by actor or
        actor type and otherwise only by COUNTED_FILTERS, else None."""
        values = self._values_in_use()
        if "actor" not in values and "actor_type" not in values:
            return None
        selection = self.count_selection(ignoring={"actor", "actor_type"})
        if selection is None:
            return None
        return counts.ActorFilter(
            selection,
            # The values have been read to filter: iterating them again costs no query.
            actors=tuple(actor.pk for actor in values.get("actor", ())),
            actor_types=tuple(values.get("actor_type", ())),
        )

    def _values_in_use(self, ignoring=()):
        """{filter name: cleaned value} of the valid filter's values that filter, but those
        named in `ignoring`."""
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if in_use(value) and name not in ignoring
        }

    def count_selection(self, ignoring=()):
        """The counts.Selection of the valid filter's values, or None when a filter beyond
        COUNTED_FILTERS is used; the filters named in `ignoring` are left out."""
        values = self._values_in_use(ignoring)
        if set(values) - COUNTED_FILTERS:
            return None
        return counts.Selection(
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            # The values have been read to filter: iterating them again costs no query.
            countries=tuple(country.pk for country in values.get("country", ())),
            regions=tuple(area.pk for area in values.get("admin1", ())),
            event_types=tuple(event_type.pk for event_type in values.get("event_type", ())),
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.in_period(value, self.form.cleaned_data.get("date_to"))

    def filter_near(self, queryset, name, value):
        latitude, longitude = value
        radius_km = self.form.cleaned_data["radius_km"]
        places = Location.objects.within_km(latitude, longitude, radius_km)
        return queryset.filter(location__in=places)

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_type_of_violence(self, queryset, name, value):
        return queryset.of_violence_types(value) if value else queryset

    def filter_actor(self, queryset, name, value):
        return queryset.involving_actors(value) if value else queryset

    def filter_actor_type(self, queryset, name, value):
        return queryset.involving_actor_types(value) if value else queryset

    def filter_text(self, queryset, name, value):
        # Exact names first (a place called Gao before Bangao): the list and its downloads keep
        # this order unless a `sort` is given (see ranks_by_relevance).
        value = value.strip()
        if not value:
            return queryset
        # The other filters' selection, when the count tables hold it: a search naming whole
        # countries or regions then counts its matches in them from the tables (tally()).
        every_public = self.queryset.count_selection == counts.Selection()
        selection = self.count_selection(ignoring={"q"}) if every_public else None
        # And as a condition on the search entries (PostgreSQL), so that the search counts its
        # matches from them (actors included).
        entries = None
        if every_public and connections[queryset.db].vendor == "postgresql":
            entries = self.search_entry_condition(ignoring={"q"})
        return queryset.search(value, selection, entries).ranked_by_name(value)

    def search_entry_condition(self, ignoring=()):
        """The condition on search entries (models.SearchEntry, PostgreSQL) that the valid
        filter's values state, or None when a filter beyond ENTRY_FILTERS is used; the
        filters named in `ignoring` are left out. The counted filters are the entries' place,
        event type and period (querysets.entries_in_selection); an actor or an actor type is
        one of the entries' actors' ids, which are every actor of the incident in any role, as
        involving_actors and involving_actor_types read them."""
        values = self._values_in_use(ignoring)
        if set(values) - ENTRY_FILTERS:
            return None
        selection = self.count_selection(ignoring={*ignoring, "actor", "actor_type"})
        condition = entries_in_selection(selection)
        if "actor" in values:
            condition &= Q(actor_ids__overlap=[actor.pk for actor in values["actor"]])
        if "actor_type" in values:
            # The actors' ids as values (one small query), which PostgreSQL estimates from the
            # entries' statistics: as a subquery it guessed 10,000 entries for 636,000 (rebel
            # groups and political militias), and ANDed a lossy bitmap of them with the words'.
            of_types = Actor.objects.filter(actor_type__in=values["actor_type"])
            condition &= Q(actor_ids__overlap=list(of_types.values_list("pk", flat=True)))
        return condition

    @property
    def ranks_by_relevance(self):
        """Whether the valid filter orders its incidents by relevance (a search `q`): the list
        and the downloads then keep that order when no `sort` is asked."""
        return self.is_valid() and bool((self.form.cleaned_data.get("q") or "").strip())

    @property
    def near_point(self):
        """The valid filter's (latitude, longitude) of `near`, or None."""
        return self.form.cleaned_data.get("near") if self.is_valid() else None


# The filters the count tables (incidents/counts.py) answer: each is one of their columns.
COUNTED_FILTERS = {"date_from", "date_to", "country", "admin1", "event_type"}
# The filters the search entries (models.SearchEntry) answer, besides the search itself.
ENTRY_FILTERS = COUNTED_FILTERS | {"actor", "actor_type"}


def in_use(value):
    """Whether a filter's cleaned value filters (django-filter skips the others)."""
    if isinstance(value, models.QuerySet):
        return not value.query.is_empty()
    return value not in EMPTY_VALUES


# The parameters that select incidents, in the order the page explains them.
FILTER_PARAMETERS = list(IncidentFilterSet.base_filters)


def errors_answer(*forms, messages=None):
    """The 400 answer of the downloads and the APIs: {"errors": {"parameter": ["message", …]}},
    with the errors of `forms` (a later form's replace an earlier one's of the same name), then
    `messages`, errors found outside a form in the same shape."""
    errors = {}
    for form in forms:
        for name, field_errors in form.errors.get_json_data().items():
            errors[name] = [error["message"] for error in field_errors]
    errors.update(messages or {})
    return {"errors": errors}
