"""The analysis pages' charts: a series' incidents and killed per period (one line per group
when split), and the comparison's bars, A against B. This module only says what to draw (the
numbers, in words); incidents/charts.py draws it, with the palette, axes, links and hover text
the place pages share.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.charts import (
    INCIDENTS_COLOUR,
    ROLLING_COLOUR,
    Chart,
    Line,
    PairedBars,
    colour_for,
    killed_line,
    totals_text,
)
from incidents.formatting import format_day

from .periods import Interval

MAX_GROUP_TOOLTIPS = 160


# --- charts of a series ---------------------------------------------------------------------

X_LABELS = {
    Interval.WEEK: gettext_lazy("ISO week (Monday–Sunday, UTC)"),
    Interval.MONTH: gettext_lazy("Month (UTC)"),
    Interval.QUARTER: gettext_lazy("Quarter (UTC)"),
    Interval.YEAR: gettext_lazy("Year (UTC)"),
}

# A line's name in the legend ("3-month rolling average") and, in a title or a sentence, the
# lines of a split series that all are one ("3-month rolling averages"). One sentence per
# interval: in French the interval's word goes after the number, in the plural.
ROLLING_AVERAGE = {
    Interval.WEEK: gettext_lazy("%(window)s-week rolling average"),
    Interval.MONTH: gettext_lazy("%(window)s-month rolling average"),
    Interval.QUARTER: gettext_lazy("%(window)s-quarter rolling average"),
    Interval.YEAR: gettext_lazy("%(window)s-year rolling average"),
}
ROLLING_AVERAGES = {
    Interval.WEEK: gettext_lazy("%(window)s-week rolling averages"),
    Interval.MONTH: gettext_lazy("%(window)s-month rolling averages"),
    Interval.QUARTER: gettext_lazy("%(window)s-quarter rolling averages"),
    Interval.YEAR: gettext_lazy("%(window)s-year rolling averages"),
}


def series_charts(series, period_urls, title_suffix=""):
    """The incidents chart and the killed chart of a Series, as SVG.

    Without groups: incidents as bars, killed as the best estimate's line in its low–high band,
    each with a dashed rolling average if the series has one. With groups (a split, or places):
    one line per group (its rolling average, if any) and, for killed, each group's band.
    `period_urls` holds each period's incident-list URL.
    """
    interval = Interval(series.interval)
    per = interval.label.lower()
    span = f"{series.periods[0].label} – {series.periods[-1].label}"
    window = {"window": series.rolling}
    average = ROLLING_AVERAGE[interval] % window if series.rolling else None
    note = ""
    if series.groups:
        incident_lines, killed_lines = group_lines(series)
        kind = _("Line chart: %(span)s.") % {"span": span}
        if average:
            averages = ROLLING_AVERAGES[interval] % window
            note = _("Lines are %(averages)s.") % {"averages": averages}
            title_suffix += f" ({averages})"
    else:
        incident_lines = [
            Line(
                _("Incidents"),
                [t.incidents for t in series.totals],
                INCIDENTS_COLOUR,
                kind="bars",
            )
        ]
        killed_lines = [killed_line(series.totals)]
        if average:
            incident_lines.append(
                Line(average, means_of(series.means, "incidents"), ROLLING_COLOUR, dashed=True)
            )
            killed_lines.append(
                Line(average, means_of(series.means, "killed_best"), ROLLING_COLOUR, dashed=True)
            )
        kind = _("Bar chart: %(span)s.") % {"span": span}
    common = {
        "x_label": X_LABELS[interval],
        "starts": series.starts,
        "labels": [period.label for period in series.periods],
        "links": period_urls,
        # Only periods with incidents, which are those with a link, say their numbers.
        "tooltips": [
            None if url is None else period_tooltip(series, index)
            for index, url in enumerate(period_urls)
        ],
    }
    table_note = _("The table below gives the same numbers.")
    incidents = Chart(
        title=_("Incidents per %(interval)s, %(span)s") % {"interval": per, "span": span}
        + title_suffix,
        y_label=_("Incidents (count)"),
        lines=incident_lines,
        description=" ".join(text for text in (kind, note, table_note) if text),
        chart_id="incidents-chart",
        **common,
    )
    killed = Chart(
        title=_("People killed per %(interval)s, %(span)s") % {"interval": per, "span": span}
        + title_suffix,
        y_label=_("People killed (best; band: low–high)"),
        lines=killed_lines,
        description=" ".join(
            text
            for text in (
                _("Line chart of the best estimate in its low–high band: %(span)s.")
                % {"span": span},
                note,
                table_note,
            )
            if text
        ),
        chart_id="killed-chart",
        **common,
    )
    return [incidents.render(), killed.render()]


def means_of(means, name):
    """One measure of a series' trailing means: None until the window is full."""
    return [None if mean is None else getattr(mean, name) for mean in means]


def group_lines(series):
    """Each group's line (its rolling average, if the series has one)."""
    incident_lines, killed_lines = [], []
    colour_index = 0
    for group in series.groups:
        colour = colour_for(colour_index, group.is_other)
        if not group.is_other:
            colour_index += 1

        def values(name, group=group):
            if series.rolling:
                return means_of(group.means, name)
            return [getattr(totals, name) for totals in group.totals]

        incident_lines.append(Line(group.label, values("incidents"), colour))
        killed_lines.append(
            Line(
                group.label,
                values("killed_best"),
                colour,
                low=values("killed_low"),
                high=values("killed_high"),
            )
        )
    return incident_lines, killed_lines


def period_tooltip(series, index):
    """What hovering over a period says: its numbers (each group's too, unless the series is
    so long that they would make the page heavy: the table has them)."""
    period, total = series.periods[index], series.totals[index]
    # Translators: a chart's hover text: a period or a group, then its numbers.
    said = _("%(name)s: %(numbers)s")
    parts = [said % {"name": period.label, "numbers": totals_text(total)}]
    if len(series.periods) <= MAX_GROUP_TOOLTIPS:
        for group in series.groups:
            parts.append(said % {"name": group.label, "numbers": totals_text(group.totals[index])})
    return " · ".join(parts)


# --- the comparison chart -----------------------------------------------------------------------

COMPARISON_ROWS = 15


def comparison_chart(comparison, measure="incidents"):
    """Bars of A and B for each row of the comparison (the first COMPARISON_ROWS; the table
    has them all), as SVG: incidents, or with measure="killed" the best estimate of killed."""
    rows = comparison.rows[:COMPARISON_ROWS]
    if not rows:
        return ""

    def value(tally):
        return tally.incidents if measure == "incidents" else tally.killed_best

    a_label = _("A: %(from)s – %(to)s") % {
        "from": format_day(comparison.a_from),
        "to": format_day(comparison.a_to),
    }
    b_label = _("B: %(from)s – %(to)s") % {
        "from": format_day(comparison.b_from),
        "to": format_day(comparison.b_to),
    }
    title = (
        _("Incidents per %(row)s, A against B")
        if measure == "incidents"
        else _("People killed (best estimate) per %(row)s, A against B")
    ) % {"row": comparison.by.label.lower()}
    return PairedBars(
        title=title,
        x_label=(
            _("Incidents (count)") if measure == "incidents" else _("People killed (best estimate)")
        ),
        a_label=a_label,
        b_label=b_label,
        rows=[(row.label, value(row.a), value(row.b)) for row in rows],
        description=_("Bar chart of %(a)s and %(b)s. The table below gives the same numbers.")
        % {"a": a_label, "b": b_label},
        chart_id=f"comparison-{measure}-chart",
    ).render()
