from django import template

from ..formatting import format_date_at_precision, format_estimate

register = template.Library()


@register.simple_tag
def incident_date(incident):
    """The incident's date as precisely as it is known."""
    return format_date_at_precision(incident.start_date, incident.end_date, incident.date_precision)


@register.simple_tag
def estimate(low, best, high):
    """Best estimate with its low–high range when they differ."""
    return format_estimate(low, best, high)
