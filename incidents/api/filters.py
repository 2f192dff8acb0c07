"""The API's filter backend, and the filters of its reference lists (places, areas, actors).

Incidents are filtered by IncidentFilterSet, the one definition the pages and downloads use.
The lists here exist to look up the ids that IncidentFilterSet takes.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from ..choices import ActorType
from ..filters import IdsFilter, errors_answer
from ..models import Actor, ActorAlias, AdminArea, Country, Location


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, answering bad values with 400 in the downloads' error shape:
    {"errors": {"parameter": ["message", …]}}."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(errors_answer(filterset.form))
        return filterset.qs


def countries_filter():
    # Typed by hand: drf-spectacular cannot follow a filter through to_field_name.
    return extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelMultipleChoiceFilter(
            field_name="country__iso3",
            lookup_expr="exact",
            distinct=False,
            to_field_name="iso3",
            queryset=Country.objects.public(),
            help_text=_("ISO 3166-1 alpha-3 code, e.g. MLI. Repeat for any of several."),
        )
    )


def areas_filter(level, help_text):
    return IdsFilter(
        field_name=f"admin{level}",
        lookup_expr="exact",
        distinct=False,
        queryset=AdminArea.objects.public().filter(level=level),
        help_text=help_text,
    )


class AdminAreaFilterSet(django_filters.FilterSet):
    country = countries_filter()
    level = django_filters.TypedMultipleChoiceFilter(
        field_name="level",
        lookup_expr="exact",
        distinct=False,
        choices=AdminArea.Level.choices,
        coerce=int,
        help_text=_("1 region, 2 district, 3 commune."),
    )
    parent = IdsFilter(
        field_name="parent",
        lookup_expr="exact",
        distinct=False,
        queryset=AdminArea.objects.public(),
        help_text=_("Id of the area one level up: the districts of a region, say."),
    )

    class Meta:
        model = AdminArea
        fields = []


class LocationFilterSet(django_filters.FilterSet):
    country = countries_filter()
    admin1 = areas_filter(AdminArea.Level.ADMIN1, _("Id of a region (admin1)."))
    admin2 = areas_filter(AdminArea.Level.ADMIN2, _("Id of a district (admin2)."))
    search = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        max_length=200,
        help_text=_("Part of the place's name, in any case."),
    )

    class Meta:
        model = Location
        fields = []


class ActorFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        method="filter_search",
        max_length=200,
        help_text=_('Part of the name or of an alias, in any case: "JNIM" finds its actor.'),
    )
    actor_type = django_filters.TypedMultipleChoiceFilter(
        field_name="actor_type",
        lookup_expr="exact",
        distinct=False,
        choices=ActorType.choices,
        coerce=int,
        help_text=_("ACLED inter code."),
    )

    class Meta:
        model = Actor
        fields = []

    def filter_search(self, queryset, name, value: str):
        value = value.strip()
        if not value:
            return queryset
        # EXISTS rather than a join over aliases, which would list an actor once per alias.
        alias = ActorAlias.objects.filter(actor=OuterRef("pk"), name__fold__contains=value)
        return queryset.filter(Q(name__fold__contains=value) | Exists(alias))
