from django import template

from .. import credits, figures
from ..figures import format_coded
from ..formatting import (
    format_date_at_precision,
    format_day,
    format_estimate,
    format_month,
    web_link,
)

register = template.Library()


@register.simple_tag
def incident_date(incident):
    """The incident's date as precisely as it is known."""
    return format_date_at_precision(incident.start_date, incident.end_date, incident.date_precision)


@register.filter
def day(value):
    """A date as a day, in the active language: "15 Sep 2023", "15 septembre 2023"."""
    return format_day(value) if value else ""


@register.filter
def month(value):
    """A date's month, in the active language: "Sep 2023", "septembre 2023"."""
    return format_month(value) if value else ""


@register.simple_tag
def estimate(low, best, high):
    """Best estimate with its low–high range when they differ."""
    return format_estimate(low, best, high)


@register.simple_tag
def coded_total(incident, outcome):
    """An incident's total for an outcome ("killed"), with "+" when a coded figure's high is
    open: "77 (70–100+)". Reads the prefetched coded figures (IncidentQuerySet.for_detail)."""
    low, best, high = (getattr(incident, f"{outcome}_{end}") for end in ("low", "best", "high"))
    high_open = any(c.high_open for c in incident.casualties.all() if c.outcome == outcome)
    return format_coded(low, best, high, high_open)


@register.simple_tag
def figures_with_reports(incident):
    """The incident's coded figures, each with the source reports of its group and outcome
    (figures.figures_with_reports), from the prefetched rows."""
    return figures.figures_with_reports(incident.casualties.all(), incident.source_reports.all())


@register.filter
def safe_link(url):
    """The URL to put in an href, or "" when it is not http(s): {% with link=url|safe_link %}.
    Every template that links a citation's or a source's URL goes through it."""
    return web_link(url)


@register.simple_tag
def dataset_credit(incident):
    """The dataset an incident comes from (credits.Dataset: name, terms, citation), as every
    download credits it, or None when it was entered here: {% dataset_credit incident as x %}."""
    return credits.credited_dataset(vars(incident))


@register.simple_tag
def dataset_citation(code):
    """The work a dataset's publisher asks to be cited, by its source_dataset code: the same
    text as the downloads' credits."""
    return credits.DATASETS_BY_CODE[code].citation
