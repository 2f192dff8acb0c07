import django_filters
from django.utils.translation import gettext_lazy as _

from .models import EventType, Incident


class IncidentFilterSet(django_filters.FilterSet):
    """The one filter definition shared by the incident list and its downloads (and, later,
    the analysis pages and the API)."""

    date_from = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        label=_("From"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        label=_("To"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    event_type = django_filters.ModelChoiceFilter(
        field_name="event_type",
        lookup_expr="exact",
        queryset=EventType.objects.all(),
        label=_("Event type"),
    )

    class Meta:
        model = Incident
        fields = ["date_from", "date_to", "event_type"]
