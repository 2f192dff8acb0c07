"""Charts as server-rendered SVG: no JavaScript and no library, so they work offline and load
fast; the table under each chart holds the same numbers and is its text alternative.

A chart has a title, labelled axes with their units, a legend and the Okabe–Ito palette, which
people with any common colour-vision deficiency can tell apart. Each period is a link to the
incident list of that period. Killed is drawn as the best estimate with its low–high band.
"""

import math
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .periods import Interval
from .series import rolling_means

# Okabe & Ito (2008), "Color Universal Design", without the yellow, which is too pale on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
OTHER_COLOUR = "#7a7a7a"
BAR_COLOUR = PALETTE[0]
ROLLING_COLOUR = "#000000"

WIDTH = 720
HEIGHT = 340
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
PLOT_TOP_BASE = 34  # under the title; the legend adds rows
MARGIN_BOTTOM = 58
FONT_SIZE = 12
LEGEND_ROW = 18
CHAR_WIDTH = 6.6  # average width of a character at FONT_SIZE, to lay out the legend
MAX_X_LABELS = 12
MAX_POINT_MARKERS = 120
MAX_GROUP_TOOLTIPS = 160


@dataclass
class Line:
    """One series of values on a chart: bars, or a line with an optional low–high band."""

    label: str
    values: list
    colour: str
    kind: str = "line"  # "line" or "bars"
    low: list | None = None
    high: list | None = None
    dashed: bool = False
    band_label: str | None = None


@dataclass
class Chart:
    title: str
    y_label: str
    x_label: str
    interval: str
    periods: list  # series.Period objects
    lines: list
    # Per period: the incident-list URL and the text shown on hover (None: no link).
    links: list = field(default_factory=list)
    tooltips: list = field(default_factory=list)
    description: str = ""
    chart_id: str = "chart"

    def render(self):
        return mark_safe(SvgWriter(self).svg())


def colour_for(index, is_other=False):
    return OTHER_COLOUR if is_other else PALETTE[index % len(PALETTE)]


def nice_ticks(maximum, count=5):
    """Round tick values from 0 to at least `maximum`: steps of 1, 2 or 5 × 10^k."""
    if maximum <= 0:
        return [0, 1]
    raw_step = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    step = max(step, 1) if maximum >= 1 else step
    top = math.ceil(maximum / step) * step
    ticks, value = [], 0
    while value <= top + step / 2:
        ticks.append(round(value, 6))
        value += step
    return ticks


def label_indexes(period_starts, interval):
    """Which periods get an x-axis label: all when few; else the first period of every year
    (or every few years), so that labels fall on the same calendar points; else every k-th."""
    count = len(period_starts)
    if count <= MAX_X_LABELS:
        return list(range(count)), False
    if Interval(interval) != Interval.YEAR:
        year_starts = [
            index
            for index, start in enumerate(period_starts)
            if index == 0 or start.year != period_starts[index - 1].year
        ]
        if len(year_starts) >= 2:
            step = math.ceil(len(year_starts) / MAX_X_LABELS)
            return year_starts[::step], True
    step = math.ceil(count / MAX_X_LABELS)
    return list(range(0, count, step)), False


def format_number(value):
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


class SvgWriter:
    def __init__(self, chart):
        self.chart = chart
        self.legend_rows = self.layout_legend()
        self.plot_top = PLOT_TOP_BASE + LEGEND_ROW * len(self.legend_rows) + 8
        self.plot_bottom = HEIGHT - MARGIN_BOTTOM
        self.plot_left = MARGIN_LEFT
        self.plot_right = WIDTH - MARGIN_RIGHT
        count = max(1, len(chart.periods))
        self.slot = (self.plot_right - self.plot_left) / count
        maximum = 0
        for line in chart.lines:
            for values in (line.values, line.high or []):
                maximum = max([maximum, *[value or 0 for value in values]])
        self.ticks = nice_ticks(maximum)
        self.top_value = self.ticks[-1] or 1

    # --- geometry ---------------------------------------------------------------------------

    def x_centre(self, index):
        return self.plot_left + self.slot * (index + 0.5)

    def y(self, value):
        height = self.plot_bottom - self.plot_top
        return self.plot_bottom - height * (value or 0) / self.top_value

    # --- pieces -----------------------------------------------------------------------------

    def legend_items(self):
        items = []
        for line in self.chart.lines:
            items.append((line.label, line))
            if line.low is not None and line.band_label:
                items.append((line.band_label, line))
        return items

    def layout_legend(self):
        """Legend items in rows that fit the width: [[(x, label, line, is_band), …], …]."""
        rows, row, x = [], [], MARGIN_LEFT
        for label, line in self.legend_items():
            is_band = label == line.band_label and line.low is not None
            width = 22 + len(label) * CHAR_WIDTH + 18
            if row and x + width > WIDTH - MARGIN_RIGHT:
                rows.append(row)
                row, x = [], MARGIN_LEFT
            row.append((x, label, line, is_band))
            x += width
        if row:
            rows.append(row)
        return rows

    def svg(self):
        chart = self.chart
        title_id, desc_id = f"{chart.chart_id}-title", f"{chart.chart_id}-desc"
        parts = [
            format_html(
                '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" role="img" '
                'viewBox="0 0 {} {}" aria-labelledby="{} {}" font-size="{}">',
                chart.chart_id,
                WIDTH,
                HEIGHT,
                title_id,
                desc_id,
                FONT_SIZE,
            ),
            format_html('<title id="{}">{}</title>', title_id, chart.title),
            format_html('<desc id="{}">{}</desc>', desc_id, chart.description),
            format_html(
                '<text class="chart-title" x="{}" y="20" font-size="15" font-weight="600">{}'
                "</text>",
                MARGIN_LEFT,
                chart.title,
            ),
            *self.legend(),
            *self.y_axis(),
            *self.x_axis(),
        ]
        for line in chart.lines:
            if line.kind == "bars":
                parts.extend(self.bars(line))
        for line in chart.lines:
            if line.kind == "line" and line.low is not None:
                parts.append(self.band(line))
        for line in chart.lines:
            if line.kind == "line":
                parts.extend(self.polyline(line))
        parts.extend(self.period_links())
        parts.append("</svg>")
        return "".join(str(part) for part in parts)

    def legend(self):
        parts = []
        for row_index, row in enumerate(self.legend_rows):
            y = PLOT_TOP_BASE + row_index * LEGEND_ROW + 6
            for x, label, line, is_band in row:
                swatch = self.swatch(x, y, line, is_band)
                parts.append(format_html('<g class="legend-item">{}', swatch))
                parts.append(
                    format_html(
                        '<text class="legend-label" x="{}" y="{}">{}</text></g>',
                        x + 22,
                        y + 4,
                        label,
                    )
                )
        return parts

    def swatch(self, x, y, line, is_band):
        if is_band:
            return format_html(
                '<rect x="{}" y="{}" width="16" height="10" fill="{}" fill-opacity="0.25"/>',
                x,
                y - 5,
                line.colour,
            )
        if line.kind == "bars":
            return format_html(
                '<rect x="{}" y="{}" width="16" height="10" fill="{}"/>', x, y - 5, line.colour
            )
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        return format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>',
            x,
            y,
            x + 16,
            y,
            line.colour,
            mark_safe(dash),
        )

    def y_axis(self):
        parts = []
        for tick in self.ticks:
            y = round(self.y(tick), 1)
            parts.append(
                format_html(
                    '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dee3"/>'
                    '<text x="{}" y="{}" text-anchor="end">{}</text>',
                    self.plot_left,
                    y,
                    self.plot_right,
                    y,
                    self.plot_left - 6,
                    y + 4,
                    format_number(tick),
                )
            )
        middle = (self.plot_top + self.plot_bottom) / 2
        parts.append(
            format_html(
                '<text class="axis-label" x="14" y="{}" text-anchor="middle" '
                'transform="rotate(-90 14 {})">{}</text>',
                round(middle, 1),
                round(middle, 1),
                self.chart.y_label,
            )
        )
        return parts

    def x_axis(self):
        chart = self.chart
        parts = [
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5b6670"/>',
                self.plot_left,
                self.plot_bottom,
                self.plot_right,
                self.plot_bottom,
            )
        ]
        for index, text in self.x_labels():
            x = round(self.x_centre(index), 1)
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5b6670"/>'
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    x,
                    self.plot_bottom,
                    x,
                    self.plot_bottom + 4,
                    x,
                    self.plot_bottom + 18,
                    text,
                )
            )
        parts.append(
            format_html(
                '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                round((self.plot_left + self.plot_right) / 2, 1),
                HEIGHT - 12,
                chart.x_label,
            )
        )
        return parts

    def x_labels(self):
        periods = self.chart.periods
        indexes, by_year = label_indexes([period.start for period in periods], self.chart.interval)
        return [
            (index, str(periods[index].start.year) if by_year else periods[index].label)
            for index in indexes
        ]

    # The loops over periods below write numbers, colours from PALETTE and escaped text with
    # f-strings: format_html per element was a tenth of a long series' page.

    def bars(self, line):
        width = max(1.0, self.slot * 0.8)
        parts = []
        for index, value in enumerate(line.values):
            if not value:
                continue
            top = self.y(value)
            parts.append(
                f'<rect class="bar" x="{self.x_centre(index) - width / 2:.2f}" y="{top:.2f}" '
                f'width="{width:.2f}" height="{self.plot_bottom - top:.2f}" fill="{line.colour}"/>'
            )
        return parts

    def band(self, line):
        upper = [
            f"{self.x_centre(index):.1f},{self.y(value):.1f}"
            for index, value in enumerate(line.high)
        ]
        lower = [
            f"{self.x_centre(index):.1f},{self.y(value):.1f}"
            for index, value in reversed(list(enumerate(line.low)))
        ]
        return format_html(
            '<polygon class="band" points="{}" fill="{}" fill-opacity="0.2" stroke="none"/>',
            " ".join(upper + lower),
            line.colour,
        )

    def polyline(self, line):
        """The line, broken where a value is missing (the start of a rolling average)."""
        parts, segment = [], []
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        segments = []
        for index, value in enumerate(line.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
            else:
                segment.append(f"{self.x_centre(index):.1f},{self.y(value):.1f}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) == 1:
                x, y = points[0].split(",")
                parts.append(
                    format_html('<circle cx="{}" cy="{}" r="3" fill="{}"/>', x, y, line.colour)
                )
                continue
            parts.append(
                format_html(
                    '<polyline class="line" points="{}" fill="none" stroke="{}" '
                    'stroke-width="2" stroke-linejoin="round"{}/>',
                    " ".join(points),
                    line.colour,
                    mark_safe(dash),
                )
            )
        if not line.dashed and len(line.values) <= MAX_POINT_MARKERS:
            for index, value in enumerate(line.values):
                if value is not None:
                    parts.append(
                        f'<circle cx="{self.x_centre(index):.1f}" cy="{self.y(value):.1f}" '
                        f'r="2.5" fill="{line.colour}"/>'
                    )
        return parts

    def period_links(self):
        """A transparent column over each period: a link to its incidents, with its numbers
        on hover. One element per period (not per point) keeps long weekly charts small."""
        parts = []
        height = self.plot_bottom - self.plot_top
        for index, url in enumerate(self.chart.links):
            if url is None:  # nothing happened: nothing to point at or open
                continue
            tooltip = self.chart.tooltips[index] if self.chart.tooltips else ""
            parts.append(
                f'<a href="{escape(url)}"><rect class="period-link" '
                f'x="{self.plot_left + self.slot * index:.2f}" y="{self.plot_top}" '
                f'width="{self.slot:.2f}" height="{height}" fill="transparent">'
                f"<title>{escape(tooltip)}</title></rect></a>"
            )
        return parts


# --- charts of a series ---------------------------------------------------------------------

X_LABELS = {
    Interval.WEEK: "ISO week (Monday–Sunday, UTC)",
    Interval.MONTH: "Month (UTC)",
    Interval.QUARTER: "Quarter (UTC)",
    Interval.YEAR: "Year (UTC)",
}


def series_charts(series, period_urls, rolling=None, title_suffix=""):
    """The incidents chart and the killed chart of a Series, as SVG.

    Without groups: incidents as bars, killed as the best estimate's line in its low–high band,
    each with a dashed rolling average if asked. With groups (a split, or places): one line per
    group (its rolling average, if asked) and, for killed, each group's band.
    `period_urls` holds each period's incident-list URL.
    """
    interval = Interval(series.interval)
    x_label = _(X_LABELS[interval])
    per = interval.label.lower()
    span = f"{series.periods[0].label} – {series.periods[-1].label}"
    tooltips = [period_tooltip(series, index) for index in range(len(series.periods))]
    average = (
        _("%(window)s-%(interval)s rolling average") % {"window": rolling, "interval": per}
        if rolling
        else None
    )
    if series.groups:
        incident_lines, killed_lines = group_lines(series, rolling)
        note = _(" Lines are %(average)ss.") % {"average": average} if rolling else ""
        kind = _("Line chart")
        if rolling:
            title_suffix += f" ({average}s)"
    else:
        incident_lines = [
            Line(_("Incidents"), [t.incidents for t in series.totals], BAR_COLOUR, kind="bars")
        ]
        killed_lines = [
            Line(
                _("Killed, best estimate"),
                [t.killed_best for t in series.totals],
                PALETTE[3],
                low=[t.killed_low for t in series.totals],
                high=[t.killed_high for t in series.totals],
                band_label=_("Low–high estimates"),
            )
        ]
        if rolling:
            incident_lines.append(
                Line(
                    average,
                    rolling_means([t.incidents for t in series.totals], rolling),
                    ROLLING_COLOUR,
                    dashed=True,
                )
            )
            killed_lines.append(
                Line(
                    average,
                    rolling_means([t.killed_best for t in series.totals], rolling),
                    ROLLING_COLOUR,
                    dashed=True,
                )
            )
        note, kind = "", _("Bar chart")
    common = {
        "x_label": x_label,
        "interval": interval,
        "periods": series.periods,
        "links": period_urls,
        "tooltips": tooltips,
    }
    table_note = _("The table below gives the same numbers.")
    incidents = Chart(
        title=_("Incidents per %(interval)s, %(span)s") % {"interval": per, "span": span}
        + title_suffix,
        y_label=_("Incidents (count)"),
        lines=incident_lines,
        description=f"{kind}: {span}.{note} {table_note}",
        chart_id="incidents-chart",
        **common,
    )
    killed = Chart(
        title=_("People killed per %(interval)s, %(span)s") % {"interval": per, "span": span}
        + title_suffix,
        y_label=_("People killed (best; band: low–high)"),
        lines=killed_lines,
        description=_("Line chart of the best estimate in its low–high band: %(span)s.")
        % {"span": span}
        + f"{note} {table_note}",
        chart_id="killed-chart",
        **common,
    )
    return [incidents.render(), killed.render()]


def group_lines(series, rolling):
    incident_lines, killed_lines = [], []
    colour_index = 0
    for group in series.groups:
        colour = colour_for(colour_index, group.is_other)
        if not group.is_other:
            colour_index += 1

        def smooth(values):
            return rolling_means(values, rolling) if rolling else values

        incident_lines.append(
            Line(group.label, smooth([t.incidents for t in group.tallies]), colour)
        )
        killed_lines.append(
            Line(
                group.label,
                smooth([t.killed_best for t in group.tallies]),
                colour,
                low=smooth([t.killed_low for t in group.tallies]),
                high=smooth([t.killed_high for t in group.tallies]),
            )
        )
    return incident_lines, killed_lines


def period_tooltip(series, index):
    """What hovering over a period says: its numbers (each group's too, unless the series is
    so long that they would make the page heavy: the table has them)."""
    period, total = series.periods[index], series.totals[index]
    parts = [f"{period.label}: " + tally_text(total)]
    if len(series.periods) <= MAX_GROUP_TOOLTIPS:
        for group in series.groups:
            parts.append(f"{group.label}: {tally_text(group.tallies[index])}")
    return " · ".join(parts)


def tally_text(tally):
    killed = format_number(tally.killed_best)
    if tally.killed_low != tally.killed_high:
        killed += f" ({format_number(tally.killed_low)}–{format_number(tally.killed_high)})"
    return _("%(incidents)s incidents, %(killed)s killed") % {
        "incidents": format_number(tally.incidents),
        "killed": killed,
    }


# --- the comparison chart -----------------------------------------------------------------------

COMPARISON_ROWS = 15
A_COLOUR, B_COLOUR = PALETTE[5], PALETTE[0]  # sky blue before, blue after


def comparison_chart(comparison, measure="incidents"):
    """Horizontal bars, A above B, for each row of the comparison (the first
    COMPARISON_ROWS; the table has them all), with the figures at the bars' ends."""
    rows = comparison.rows[:COMPARISON_ROWS]
    if not rows:
        return ""

    def value(tally):
        return tally.incidents if measure == "incidents" else tally.killed_best

    a_label = _("A: %(from)s – %(to)s") % {
        "from": f"{comparison.a_from:%d %b %Y}",
        "to": f"{comparison.a_to:%d %b %Y}",
    }
    b_label = _("B: %(from)s – %(to)s") % {
        "from": f"{comparison.b_from:%d %b %Y}",
        "to": f"{comparison.b_to:%d %b %Y}",
    }
    title = (
        _("Incidents per %(row)s, A against B")
        if measure == "incidents"
        else _("People killed (best estimate) per %(row)s, A against B")
    ) % {"row": comparison.by.label.lower()}
    label_width, bar_height, row_gap, top = 170, 11, 10, 62
    height = top + len(rows) * (2 * bar_height + row_gap) + 52
    axis_label = (
        _("Incidents (count)") if measure == "incidents" else _("People killed (best estimate)")
    )
    plot_left, plot_right = label_width, WIDTH - 70
    maximum = max([value(row.a) for row in rows] + [value(row.b) for row in rows] + [1])
    ticks = nice_ticks(maximum, count=4)
    scale = (plot_right - plot_left) / (ticks[-1] or 1)
    chart_id = f"comparison-{measure}-chart"
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" role="img" '
            'viewBox="0 0 {} {}" aria-labelledby="{}-title {}-desc" font-size="{}">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
            '<text class="chart-title" x="{}" y="20" font-size="15" font-weight="600">{}</text>',
            chart_id,
            WIDTH,
            height,
            chart_id,
            chart_id,
            FONT_SIZE,
            chart_id,
            title,
            chart_id,
            _("Bar chart of %(a)s and %(b)s. The table below gives the same numbers.")
            % {"a": a_label, "b": b_label},
            8,
            title,
        ),
    ]
    for index, (label, colour) in enumerate([(a_label, A_COLOUR), (b_label, B_COLOUR)]):
        x = 8 + index * 280
        parts.append(
            format_html(
                '<g class="legend-item"><rect x="{}" y="34" width="16" height="10" fill="{}"/>'
                '<text class="legend-label" x="{}" y="43">{}</text></g>',
                x,
                colour,
                x + 22,
                label,
            )
        )
    for tick in ticks:
        x = round(plot_left + tick * scale, 1)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dee3"/>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                x,
                top - 6,
                x,
                height - 48,
                x,
                height - 32,
                format_number(tick),
            )
        )
    parts.append(
        format_html(
            '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            round((plot_left + plot_right) / 2, 1),
            height - 10,
            axis_label,
        )
    )
    for index, row in enumerate(rows):
        y = top + index * (2 * bar_height + row_gap)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                plot_left - 8,
                y + bar_height + 4,
                row.label if len(row.label) <= 26 else row.label[:25] + "…",
            )
        )
        for offset, tally, colour in ((0, row.a, A_COLOUR), (bar_height, row.b, B_COLOUR)):
            width = value(tally) * scale
            parts.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text x="{}" y="{}" font-size="11">{}</text>',
                    plot_left,
                    y + offset,
                    round(width, 1),
                    bar_height - 1,
                    colour,
                    round(plot_left + width + 4, 1),
                    y + offset + bar_height - 2,
                    format_number(value(tally)),
                )
            )
    parts.append("</svg>")
    return mark_safe("".join(str(part) for part in parts))
