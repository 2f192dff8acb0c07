"""The tables under the charts: the same numbers as text, each linking to its incidents.

Built here, not in templates (which stay dumb) nor in views (which stay thin); one template,
analysis/includes/table.html, draws any of them.
"""

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.charts import format_number
from incidents.formatting import format_day, text_html
from incidents.totals import sum_totals

from .comparisons import NEW
from .periods import Interval, day_and_month


@dataclass
class Cell:
    text: str
    url: str | None = None
    # A second, smaller line: the rolling average.
    note: str = ""
    # "up" / "down" for changes, so that CSS can mark them without colour alone (▲ ▼).
    trend: str = ""


@dataclass
class Row:
    header: str
    cells: list
    url: str | None = None
    note: str = ""
    kind: str = ""  # "total" or "apart" (counted apart from the periods)


@dataclass
class Table:
    caption: str
    header: str
    columns: list
    rows: list
    footer: list = field(default_factory=list)
    table_id: str = ""

    def rows_html(self):
        """The body's rows as HTML, the same markup the template wrote for them (the footer's
        few rows it still writes). Written here, as IncidentTable.rows_html is: a weekly
        series split by actor has two tables of 775 rows and eight cells, and the template's
        tags and lookups on each cell took most of the page's time (0.8 s of 1.9)."""

        def linked(url, text):
            return f'<a href="{text_html(url)}">{text_html(text)}</a>' if url else text_html(text)

        def note(text):
            return f' <span class="sub">{text_html(text)}</span>' if text else ""

        html = []
        for row in self.rows:
            html.append(f'<tr><th scope="row">{linked(row.url, row.header)}{note(row.note)}</th>')
            for cell in row.cells:
                trend = f' class="trend-{text_html(cell.trend)}"' if cell.trend else ""
                html.append(f"<td{trend}>{linked(cell.url, cell.text)}{note(cell.note)}</td>")
            html.append("</tr>\n")
        return mark_safe("".join(html))


def format_estimate(low, best, high):
    """Best estimate with its low–high range when they differ: "15 (12–20)"."""
    if best is None:
        return "—"
    if low == high == best or low is None or high is None:
        return format_number(best)
    return f"{format_number(best)} ({format_number(low)}–{format_number(high)})"


def series_tables(series, links, urls):
    """One table without groups; with groups, one for incidents and one for killed. `urls`
    holds each period's incident-list URL (ListLinks.period_urls)."""
    if not series.groups:
        return [totals_table(series, urls)]
    return [
        groups_table(series, links, urls, "incidents"),
        groups_table(series, links, urls, "killed"),
    ]


def killed_text(tally):
    if tally.incidents and tally.unknown_toll == tally.incidents:
        return "—"
    return format_estimate(tally.killed_low, tally.killed_best, tally.killed_high)


def killed_cell(tally):
    """Killed as the comparison shows it: the best estimate, with its low–high range on a
    second line (side by side, the nine columns did not fit a laptop's screen)."""
    if tally.incidents and tally.unknown_toll == tally.incidents:
        return Cell("—")
    best = Cell(format_number(tally.killed_best))
    if tally.killed_low != tally.killed_best or tally.killed_high != tally.killed_best:
        best.note = f"{format_number(tally.killed_low)}–{format_number(tally.killed_high)}"
    return best


def period_note(period, series):
    if not period.partial:
        return ""
    start, end = max(period.start, series.first_day), min(period.end, series.last_day)
    return _("partial: %(start)s to %(end)s") % {
        "start": day_and_month(start),
        "end": day_and_month(end),
    }


# A column's name for the trailing means, "Incidents, 3-month avg.": one phrase per interval
# (French puts the interval's word, plural, after the number).
ROLLING_AVERAGE_SHORT = {
    Interval.WEEK: gettext_lazy("%(window)s-week avg."),
    Interval.MONTH: gettext_lazy("%(window)s-month avg."),
    Interval.QUARTER: gettext_lazy("%(window)s-quarter avg."),
    Interval.YEAR: gettext_lazy("%(window)s-year avg."),
}


def totals_table(series, urls):
    columns = [_("Incidents"), _("Killed (best)"), _("Killed (low–high)"), _("Toll unknown")]
    rolling = series.rolling
    if rolling:
        window = ROLLING_AVERAGE_SHORT[Interval(series.interval)] % {"window": rolling}
        columns += [
            _("Incidents, %(avg)s") % {"avg": window},
            _("Killed, %(avg)s") % {"avg": window},
        ]

    def cells(tally, url=None, index=None):
        row = [
            Cell(format_number(tally.incidents), url if tally.incidents else None),
            Cell(format_number(tally.killed_best)),
            Cell(f"{format_number(tally.killed_low)}–{format_number(tally.killed_high)}"),
            Cell(format_number(tally.unknown_toll)),
        ]
        if rolling:
            mean = series.means[index] if index is not None else None
            row += [
                Cell(format_number(mean.incidents) if mean else ""),
                Cell(format_number(mean.killed_best) if mean else ""),
            ]
        return row

    rows = [
        Row(
            period.label,
            cells(tally, urls[index], index),
            urls[index],
            period_note(period, series),
        )
        for index, (period, tally) in enumerate(zip(series.periods, series.totals, strict=True))
    ]
    footer = [Row(_("Total"), cells(series.grand_total), kind="total")]
    footer += apart_rows(series, lambda tally: cells(tally))
    return Table(
        caption=_("Incidents and killed per %(interval)s")
        % {"interval": series_interval_word(series)},
        header=_("Period"),
        columns=columns,
        rows=rows,
        footer=footer,
        table_id="series-table",
    )


def apart_rows(series, cells_of, groups_of=None):
    """Footer rows for the incidents counted apart from the periods."""
    rows = []
    if series.unplaced.incidents:
        rows.append(
            Row(
                _("Not placed: date known only to the month or year")
                if series.interval == "week"
                else _("Not placed: date known only to the year"),
                cells_of(series.unplaced) if groups_of is None else groups_of("unplaced"),
                kind="apart",
            )
        )
    if series.began_before_range.incidents:
        rows.append(
            Row(
                _("Began before %(day)s and lasted into the range")
                % {"day": format_day(series.first_day)},
                cells_of(series.began_before_range)
                if groups_of is None
                else groups_of("began_before_range"),
                kind="apart",
            )
        )
    return rows


def series_interval_word(series):
    return Interval(series.interval).label.lower()


def groups_table(series, links, urls, measure):
    """Periods down, groups across (and All): incidents, or killed as "best (low–high)"."""
    groups = series.groups
    group_urls = [
        [
            links.period_url(period, series.first_day, series.last_day, group.list_parameter)
            if group.list_parameter
            else None
            for period in series.periods
        ]
        for group in groups
    ]

    def value(tally):
        return format_number(tally.incidents) if measure == "incidents" else killed_text(tally)

    def mean_note(group, index):
        mean = group.means[index] if series.rolling else None
        if mean is None:
            return ""
        raw = mean.incidents if measure == "incidents" else mean.killed_best
        return _("avg %(mean)s") % {"mean": format_number(raw)}

    rows = []
    for index, period in enumerate(series.periods):
        cells = []
        for group_index, group in enumerate(groups):
            tally = group.totals[index]
            cells.append(
                Cell(
                    value(tally),
                    group_urls[group_index][index] if tally.incidents else None,
                    note=mean_note(group, index),
                )
            )
        total = series.totals[index]
        cells.append(Cell(value(total), urls[index] if total.incidents else None))
        rows.append(Row(period.label, cells, urls[index], period_note(period, series)))

    def group_totals(attribute=None):
        cells = []
        for group in groups:
            if attribute is None:
                tally = sum_totals(group.totals)
            else:
                tally = getattr(group, attribute)
            cells.append(Cell(value(tally)))
        overall = series.grand_total if attribute is None else getattr(series, attribute)
        cells.append(Cell(value(overall)))
        return cells

    footer = [Row(_("Total"), group_totals(), kind="total")]
    footer += apart_rows(series, None, groups_of=group_totals)
    if measure == "incidents":
        caption = _("Incidents per %(interval)s") % {"interval": series_interval_word(series)}
    else:
        caption = _("People killed per %(interval)s: best estimate (low–high)") % {
            "interval": series_interval_word(series)
        }
    return Table(
        caption=caption,
        header=_("Period"),
        columns=[group.label for group in groups] + [_("All")],
        rows=rows,
        footer=footer,
        table_id=f"{measure}-table",
    )


# --- comparison -----------------------------------------------------------------------------


def change_cell(change):
    if change > 0:
        return Cell(f"+{format_number(change)}", trend="up")
    if change < 0:
        return Cell(f"−{format_number(-change)}", trend="down")
    return Cell("0")


def pct_cell(pct):
    if pct is None:
        return Cell("—")
    if pct == NEW:
        return Cell(_("new"), trend="up")
    if pct > 0:
        return Cell(f"+{format_percent(pct)}", trend="up")
    if pct < 0:
        return Cell(f"−{format_percent(-pct)}", trend="down")
    return Cell("0\u00a0%")


def format_percent(pct):
    """12.5 % (English), 12,5 % (French): one decimal, a no-break space before the sign."""
    return f"{number_format(round(pct, 1), decimal_pos=1, force_grouping=True)}\u00a0%"


def comparison_table(comparison, links):
    a_label = f"{format_day(comparison.a_from)} – {format_day(comparison.a_to)}"
    b_label = f"{format_day(comparison.b_from)} – {format_day(comparison.b_to)}"

    def cells(row):
        def count_link(tally, start, end):
            if not tally.incidents or (row.list_parameter is None and row.key != "total"):
                return None
            return links.url(start, end, row.list_parameter)

        return [
            Cell(
                format_number(row.a.incidents),
                count_link(row.a, comparison.a_from, comparison.a_to),
            ),
            Cell(
                format_number(row.b.incidents),
                count_link(row.b, comparison.b_from, comparison.b_to),
            ),
            change_cell(row.incidents_change),
            pct_cell(row.incidents_pct_change),
            killed_cell(row.a),
            killed_cell(row.b),
            change_cell(row.killed_change),
            pct_cell(row.killed_pct_change),
        ]

    return Table(
        caption=_("Period A (%(a)s) against period B (%(b)s)") % {"a": a_label, "b": b_label},
        header=comparison.by.label,
        columns=[
            _("Incidents in A"),
            _("Incidents in B"),
            _("Change"),
            # xgettext:no-python-format
            _("% change"),
            _("Killed in A"),
            _("Killed in B"),
            _("Change (best)"),
            # xgettext:no-python-format
            _("% change (best)"),
        ],
        rows=[Row(row.label, cells(row)) for row in comparison.rows],
        footer=[Row(comparison.totals.label, cells(comparison.totals), kind="total")],
        table_id="comparison-table",
    )
