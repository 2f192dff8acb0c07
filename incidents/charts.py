"""Charts as server-rendered SVG: no JavaScript and no library, so they work offline and load
fast; a table beside each chart holds the same numbers and is its text alternative.

A chart has a title, labelled axes with their units, a legend and the Okabe–Ito palette, which
people with any common colour-vision deficiency can tell apart. All the site's SVG is written
here, from two kinds of chart: a Chart of periods, where each period can link to its incidents
and says its numbers on hover, and killed is drawn as the best estimate with its low–high band;
and PairedBars, two periods side by side per row. The place and actor pages draw their years
with a Chart (yearly_charts); the analysis pages draw series with a Chart and comparisons with
PairedBars, from the data that analysis/charts.py gathers.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .formatting import format_count

# Okabe & Ito (2008), "Color Universal Design", without the yellow, which is too pale on white.
BLUE = "#0072B2"
ORANGE = "#E69F00"
BLUISH_GREEN = "#009E73"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
BLACK = "#000000"
PALETTE = [BLUE, ORANGE, BLUISH_GREEN, VERMILLION, REDDISH_PURPLE, SKY_BLUE, BLACK]
OTHER_COLOUR = "#7a7a7a"  # "Other" is grey: it is not a group of its own
INCIDENTS_COLOUR = BLUE
KILLED_COLOUR = VERMILLION
ROLLING_COLOUR = BLACK
A_COLOUR, B_COLOUR = SKY_BLUE, BLUE  # a comparison's period A is the paler, B the stronger

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
X_LABEL_GAP = 14  # the least room between two x-axis labels
MAX_POINT_MARKERS = 120


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
    # Per period: its first day and how it reads on the axis (2023, Jul 2023, 2023-W27).
    starts: list
    labels: list
    lines: list
    # Per period: the incident-list URL (None: no link) and the text shown on hover (None:
    # nothing; a period with neither gets no element, which keeps long weekly charts small).
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


def label_indexes(period_starts, max_labels=MAX_X_LABELS):
    """Which periods get an x-axis label: all when few; else the first period of every year
    (or every few years), so that labels fall on the same calendar points; else every k-th.
    At most `max_labels`, which SvgWriter.x_labels sets from the labels' width."""
    count = len(period_starts)
    if count <= max_labels:
        return list(range(count)), False
    year_starts = [
        index
        for index, start in enumerate(period_starts)
        if index == 0 or start.year != period_starts[index - 1].year
    ]
    if len(year_starts) >= 2:
        step = math.ceil(len(year_starts) / max_labels)
        return year_starts[::step], True
    step = math.ceil(count / max_labels)
    return list(range(0, count, step)), False


def format_number(value):
    """A figure as the active language writes it: 1,234.5 in English, 1 234,5 in French."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        # Rounded here: number_format cuts a float's decimals off without rounding (2.67 → 2.6).
        return number_format(round(value, 1), decimal_pos=1, force_grouping=True)
    return format_count(int(value))


# --- pieces every chart draws the same way ----------------------------------------------------


def svg_opening(chart_id, height, title, description, title_x, links=False):
    """The <svg> opening tag, named and described for screen readers by its <title> and
    <desc>, and the title drawn at the top.

    A chart is one image to a screen reader, unless it holds `links` (its periods link to
    their incidents): an image's content is out of reach, so such a chart is a group whose
    links can be reached and followed."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" role="{}" '
            'viewBox="0 0 {} {}" aria-labelledby="{} {}" font-size="{}">',
            chart_id,
            "group" if links else "img",
            WIDTH,
            height,
            title_id,
            desc_id,
            FONT_SIZE,
        ),
        format_html('<title id="{}">{}</title>', title_id, title),
        format_html('<desc id="{}">{}</desc>', desc_id, description),
        format_html(
            '<text class="chart-title" x="{}" y="20" font-size="15" font-weight="600">{}</text>',
            title_x,
            title,
        ),
    ]


def legend_item(x, y, swatch, label):
    """A legend entry whose swatch (bar_swatch, or a line) starts at x, centred on y."""
    return format_html(
        '<g class="legend-item">{}<text class="legend-label" x="{}" y="{}">{}</text></g>',
        swatch,
        x + 22,
        y + 4,
        label,
    )


def bar_swatch(x, y, colour, opacity=None):
    """A bar's swatch; a band's is the same, faded (`opacity`)."""
    fade = format_html(' fill-opacity="{}"', opacity) if opacity is not None else ""
    return format_html(
        '<rect x="{}" y="{}" width="16" height="10" fill="{}"{}/>', x, y - 5, colour, fade
    )


def grid_tick(x1, y1, x2, y2, text_x, text_y, anchor, tick):
    """A grid line across the plot at a tick, and the tick's value."""
    return format_html(
        '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dee3"/>'
        '<text x="{}" y="{}" text-anchor="{}">{}</text>',
        x1,
        y1,
        x2,
        y2,
        text_x,
        text_y,
        anchor,
        format_number(tick),
    )


def axis_label(x, y, text, rotated=False):
    """What an axis measures, centred on (x, y); a vertical axis' reads upwards."""
    turn = format_html(' transform="rotate(-90 {} {})"', x, y) if rotated else ""
    return format_html(
        '<text class="axis-label" x="{}" y="{}" text-anchor="middle"{}>{}</text>', x, y, turn, text
    )


# --- time series -------------------------------------------------------------------------------


class SvgWriter:
    """Writes a Chart: its periods along x, bars and lines up y."""

    def __init__(self, chart):
        self.chart = chart
        self.legend_rows = self.layout_legend()
        self.plot_top = PLOT_TOP_BASE + LEGEND_ROW * len(self.legend_rows) + 8
        self.plot_bottom = HEIGHT - MARGIN_BOTTOM
        self.plot_left = MARGIN_LEFT
        self.plot_right = WIDTH - MARGIN_RIGHT
        count = max(1, len(chart.starts))
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
        parts = [
            *svg_opening(
                chart.chart_id,
                HEIGHT,
                chart.title,
                chart.description,
                MARGIN_LEFT,
                links=any(chart.links),
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
                parts.append(legend_item(x, y, self.swatch(x, y, line, is_band), label))
        return parts

    def swatch(self, x, y, line, is_band):
        if is_band:
            return bar_swatch(x, y, line.colour, opacity=0.25)
        if line.kind == "bars":
            return bar_swatch(x, y, line.colour)
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
                grid_tick(
                    self.plot_left, y, self.plot_right, y, self.plot_left - 6, y + 4, "end", tick
                )
            )
        middle = round((self.plot_top + self.plot_bottom) / 2, 1)
        parts.append(axis_label(14, middle, self.chart.y_label, rotated=True))
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
        centre = round((self.plot_left + self.plot_right) / 2, 1)
        parts.append(axis_label(centre, HEIGHT - 12, chart.x_label))
        return parts

    def x_labels(self):
        starts, labels = self.chart.starts, self.chart.labels
        # As many labels as fit side by side with a gap between them: twelve "Sep 2023" are
        # wider than the plot and ran into each other.
        widest = max((len(label) for label in labels), default=4) * CHAR_WIDTH + X_LABEL_GAP
        fitting = max(2, int((self.plot_right - self.plot_left) // widest))
        indexes, by_year = label_indexes(starts, min(MAX_X_LABELS, fitting))
        return [(index, str(starts[index].year) if by_year else labels[index]) for index in indexes]

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
        if len(line.high) == 1:  # a band one period wide is a line from low to high
            x = self.x_centre(0)
            return format_html(
                '<line class="band" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                'stroke-opacity="0.35" stroke-width="10"/>',
                f"{x:.1f}",
                f"{self.y(line.low[0]):.1f}",
                f"{x:.1f}",
                f"{self.y(line.high[0]):.1f}",
                line.colour,
            )
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
        links = self.chart.links or [None] * len(self.chart.starts)
        tooltips = self.chart.tooltips or [None] * len(self.chart.starts)
        for index, (url, tooltip) in enumerate(zip(links, tooltips, strict=True)):
            if url is None and tooltip is None:  # nothing to point at or open
                continue
            column = (
                f'<rect class="period-link" x="{self.plot_left + self.slot * index:.2f}" '
                f'y="{self.plot_top}" width="{self.slot:.2f}" height="{height}" '
                f'fill="transparent"><title>{escape(tooltip or "")}</title></rect>'
            )
            parts.append(column if url is None else f'<a href="{escape(url)}">{column}</a>')
        return parts


# --- two periods, row by row ----------------------------------------------------------------


@dataclass
class PairedBars:
    """Two periods, A and B, compared row by row (a region, a country, a type of event, an
    actor): a horizontal bar for each, A above B, with its figure at its end.

    `rows` holds (label, a, b) in the order drawn; labels too long for the margin are cut
    short, so the table beside the chart should hold them whole.
    """

    title: str
    x_label: str
    a_label: str
    b_label: str
    rows: list
    description: str = ""
    chart_id: str = "chart"

    def render(self):
        return mark_safe(PairedBarsWriter(self).svg())


class PairedBarsWriter:
    """Writes a PairedBars: the rows down y, their values along x."""

    LEFT = 8  # the title and legend start at the edge: the rows' labels fill the margin
    LABEL_WIDTH = 210
    # What LABEL_WIDTH holds at FONT_SIZE, counting wide letters: "Boucle du Mouhoun (Burkina
    # Faso)" is cut, and says its whole name on hover.
    LABEL_CHARS = 27
    MARGIN_RIGHT = 70  # room for the figure at the end of the longest bar
    LEGEND_Y = 39
    LEGEND_STEP = 280  # from A's legend entry to B's
    PLOT_TOP = 62
    MARGIN_BOTTOM = 52  # tick values and the axis label
    BAR_HEIGHT = 11
    ROW_GAP = 10

    def __init__(self, chart):
        self.chart = chart
        self.row_height = 2 * self.BAR_HEIGHT + self.ROW_GAP
        self.height = self.PLOT_TOP + len(chart.rows) * self.row_height + self.MARGIN_BOTTOM
        self.plot_bottom = self.height - self.MARGIN_BOTTOM
        self.plot_left, self.plot_right = self.LABEL_WIDTH, WIDTH - self.MARGIN_RIGHT
        maximum = max([value for _label, a, b in chart.rows for value in (a, b)] + [1])
        self.ticks = nice_ticks(maximum, count=4)
        self.scale = (self.plot_right - self.plot_left) / (self.ticks[-1] or 1)

    def svg(self):
        chart = self.chart
        parts = [
            *svg_opening(chart.chart_id, self.height, chart.title, chart.description, self.LEFT),
            *self.legend(),
            *self.x_axis(),
        ]
        for index, row in enumerate(chart.rows):
            parts.extend(self.row(self.PLOT_TOP + index * self.row_height, *row))
        parts.append("</svg>")
        return "".join(str(part) for part in parts)

    def legend(self):
        parts = []
        for index, (label, colour) in enumerate(
            [(self.chart.a_label, A_COLOUR), (self.chart.b_label, B_COLOUR)]
        ):
            x = self.LEFT + index * self.LEGEND_STEP
            parts.append(legend_item(x, self.LEGEND_Y, bar_swatch(x, self.LEGEND_Y, colour), label))
        return parts

    def x_axis(self):
        parts = []
        for tick in self.ticks:
            x = round(self.plot_left + tick * self.scale, 1)
            top, bottom = self.PLOT_TOP - 6, self.plot_bottom + 4
            parts.append(grid_tick(x, top, x, bottom, x, bottom + 16, "middle", tick))
        centre = round((self.plot_left + self.plot_right) / 2, 1)
        parts.append(axis_label(centre, self.height - 10, self.chart.x_label))
        return parts

    def row(self, y, label, a, b):
        shown = label
        if len(label) > self.LABEL_CHARS:
            shown = label[: self.LABEL_CHARS - 1] + "…"
        parts = [
            format_html(
                '<text x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>',
                self.plot_left - 8,
                y + self.BAR_HEIGHT + 4,
                label,
                shown,
            )
        ]
        for top, value, colour in ((y, a, A_COLOUR), (y + self.BAR_HEIGHT, b, B_COLOUR)):
            width = value * self.scale
            parts.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text x="{}" y="{}" font-size="11">{}</text>',
                    self.plot_left,
                    top,
                    round(width, 1),
                    self.BAR_HEIGHT - 1,
                    colour,
                    round(self.plot_left + width + 4, 1),
                    top + self.BAR_HEIGHT - 2,
                    format_number(value),
                )
            )
        return parts


# --- the place and actor pages' years --------------------------------------------------------


def yearly_charts(years):
    """The incidents chart and the killed chart of IncidentQuerySet.yearly_totals()' years
    [(year, Totals), …], as SVG: incidents as bars, killed as the best estimate's line in its
    low–high band; hovering a year says its numbers."""
    starts = [datetime.date(year, 1, 1) for year, _totals in years]
    labels = [str(year) for year, _totals in years]
    tooltips = [
        _("%(year)s: %(totals)s") % {"year": year, "totals": totals_text(totals)}
        for year, totals in years
    ]
    span = f"{labels[0]} – {labels[-1]}"
    table_note = _("The table beside it gives the same numbers.")
    common = {"x_label": _("Year of the start date"), "starts": starts, "labels": labels}
    incidents = Chart(
        title=_("Incidents per year"),
        y_label=_("Incidents (count)"),
        lines=[
            Line(
                _("Incidents"),
                [totals.incidents for _year, totals in years],
                INCIDENTS_COLOUR,
                kind="bars",
            )
        ],
        tooltips=tooltips,
        description=_("Bar chart: %(span)s.") % {"span": span} + f" {table_note}",
        chart_id="yearly-incidents-chart",
        **common,
    )
    killed = Chart(
        title=_("People killed per year"),
        y_label=_("People killed (best; band: low–high)"),
        lines=[killed_line([totals for _year, totals in years])],
        tooltips=tooltips,
        description=_("Line chart of the best estimate in its low–high band: %(span)s.")
        % {"span": span}
        + f" {table_note}",
        chart_id="yearly-killed-chart",
        **common,
    )
    return [incidents.render(), killed.render()]


def killed_line(totals):
    """Killed per period: the best estimate in its low–high band."""
    return Line(
        _("Killed, best estimate"),
        [t.killed_best for t in totals],
        KILLED_COLOUR,
        low=[t.killed_low for t in totals],
        high=[t.killed_high for t in totals],
        band_label=_("Low–high estimates"),
    )


def totals_text(totals):
    """A Totals as hovering over its period says it: "3 incidents, 42 (31–64) killed"."""
    killed = format_number(totals.killed_best)
    if totals.has_killed_range:
        killed += f" ({format_number(totals.killed_low)}–{format_number(totals.killed_high)})"
    return ngettext(
        "%(incidents)s incident, %(killed)s killed",
        "%(incidents)s incidents, %(killed)s killed",
        totals.incidents,
    ) % {"incidents": format_number(totals.incidents), "killed": killed}
