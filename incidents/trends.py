"""A place's or an actor's incidents year by year: the totals, and their small bar chart.

Pure Python over the rows of IncidentQuerySet.yearly_totals(); no ORM here. The chart is drawn
on the server as SVG (no JavaScript, works offline); the page shows a table with the same
numbers beside it.
"""

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class YearTotal:
    """Public incidents that started in one year, and their killed (summed estimates).

    Incidents whose toll is unknown add nothing to the killed sums; `killed_unknown` counts them.
    """

    year: int
    incidents: int = 0
    killed_low: int = 0
    killed_best: int = 0
    killed_high: int = 0
    killed_unknown: int = 0

    @property
    def has_killed_range(self):
        return self.killed_low != self.killed_high


@dataclass(frozen=True)
class Trend:
    """Every year from the first incident's to the last one's (years without any as zeros),
    with the totals over all of them."""

    years: list = field(default_factory=list)
    first_date: object = None
    last_date: object = None

    @property
    def total(self):
        return YearTotal(
            year=None,
            incidents=sum(year.incidents for year in self.years),
            killed_low=sum(year.killed_low for year in self.years),
            killed_best=sum(year.killed_best for year in self.years),
            killed_high=sum(year.killed_high for year in self.years),
            killed_unknown=sum(year.killed_unknown for year in self.years),
        )

    @property
    def chart(self):
        return TrendChart.of(self)


def build_trend(rows):
    """A Trend from yearly_totals' GROUP BY rows, the years without incidents filled in."""
    by_year = {row["year"]: row for row in rows}
    if not by_year:
        return Trend()
    years = []
    for year in range(min(by_year), max(by_year) + 1):
        row = by_year.get(year)
        if row is None:
            years.append(YearTotal(year))
            continue
        years.append(
            YearTotal(
                year=year,
                incidents=row["incidents"],
                killed_low=row["killed_low"] or 0,
                killed_best=row["killed_best"] or 0,
                killed_high=row["killed_high"] or 0,
                killed_unknown=row["incidents"] - row["killed_known"],
            )
        )
    return Trend(
        years=years,
        first_date=min(row["first_date"] for row in rows),
        last_date=max(row["last_date"] for row in rows),
    )


# --- the chart ------------------------------------------------------------------------------

# Okabe–Ito colours, told apart with any colour vision; each panel is also labelled in words.
INCIDENTS_COLOUR = "#0072B2"  # blue
KILLED_COLOUR = "#D55E00"  # vermillion

WIDTH = 640
PANEL_HEIGHT = 120  # plot area of one panel
PANEL_TITLE = 26  # room above a panel's plot for its title
AXIS_LABELS = 22  # room below a panel's plot for the years
LEFT = 52  # room for the y-axis numbers
RIGHT = 8
MAX_YEAR_LABELS = 13


def nice_ceiling(value):
    """A round number at or above value for the top of an axis, close enough that the tallest
    bar fills most of the panel: 7 → 7, 517 → 600, 4,847 → 5,000."""
    if value <= 10:
        return max(math.ceil(value), 1)
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return round(step * magnitude)
    return 10 * magnitude  # not reached


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what a screen reader or a hover says: "2023: 12 incidents"
    year_label: str  # the year under the bar, or "" where labels are thinned out
    label_x: float
    range_y1: float | None = None  # the low–high whisker (killed panel only), its ends
    range_y2: float | None = None  # capped from cap_x1 to cap_x2
    cap_x1: float | None = None
    cap_x2: float | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    colour: str
    top: float  # y of the plot area's top
    bottom: float
    axis_max: int
    bars: list


@dataclass(frozen=True)
class TrendChart:
    """Geometry of the two-panel bar chart (incidents per year; killed per year with the
    low–high range), in SVG user units; the template only draws it."""

    width: int
    height: int
    left: int
    right: int
    panels: list

    @classmethod
    def of(cls, trend):
        years = trend.years
        plot_width = WIDTH - LEFT - RIGHT
        slot = plot_width / max(len(years), 1)
        bar_width = max(min(slot * 0.7, 40), 1.5)
        every = math.ceil(len(years) / MAX_YEAR_LABELS) if years else 1
        panels = []
        top = PANEL_TITLE
        specs = [
            (_("Incidents per year"), INCIDENTS_COLOUR, "incidents"),
            (_("Killed per year (best estimate, line: low–high)"), KILLED_COLOUR, "killed"),
        ]
        for title, colour, measure in specs:
            bottom = top + PANEL_HEIGHT
            if measure == "incidents":
                values = [year.incidents for year in years]
            else:
                values = [year.killed_high for year in years]
            axis_max = nice_ceiling(max(values, default=0))
            scale = PANEL_HEIGHT / axis_max
            bars = []
            for index, year in enumerate(years):
                x = LEFT + index * slot + (slot - bar_width) / 2
                if measure == "incidents":
                    value, label = year.incidents, _("%(year)s: %(count)s incidents")
                    range_y1 = range_y2 = None
                else:
                    value, label = year.killed_best, _("%(year)s: %(count)s killed")
                    range_y1 = range_y2 = None
                    if year.has_killed_range:
                        range_y1 = bottom - year.killed_high * scale
                        range_y2 = bottom - year.killed_low * scale
                        label = _("%(year)s: %(count)s killed (%(low)s–%(high)s)")
                height = value * scale
                bars.append(
                    Bar(
                        x=round(x, 1),
                        y=round(bottom - height, 1),
                        width=round(bar_width, 1),
                        height=round(height, 1),
                        label=label
                        % {
                            "year": year.year,
                            "count": f"{value:,}",
                            "low": f"{year.killed_low:,}",
                            "high": f"{year.killed_high:,}",
                        },
                        year_label=str(year.year) if index % every == 0 else "",
                        label_x=round(x + bar_width / 2, 1),
                        range_y1=None if range_y1 is None else round(range_y1, 1),
                        range_y2=None if range_y2 is None else round(range_y2, 1),
                        cap_x1=round(x + bar_width / 2 - min(bar_width / 3, 4), 1),
                        cap_x2=round(x + bar_width / 2 + min(bar_width / 3, 4), 1),
                    )
                )
            panels.append(
                Panel(
                    title=title,
                    colour=colour,
                    top=top,
                    bottom=bottom,
                    axis_max=axis_max,
                    bars=bars,
                )
            )
            top = bottom + AXIS_LABELS + PANEL_TITLE
        return cls(
            width=WIDTH,
            height=round(top - PANEL_TITLE),
            left=LEFT,
            right=WIDTH - RIGHT,
            panels=panels,
        )
