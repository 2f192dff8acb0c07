"""Series and comparisons as JSON (the API and the downloads) and CSV (long format: one row per
period and group, which spreadsheets, R and pandas read without reshaping).

Column and field names, keys (group_key, period), dates and numbers are the same in every
language; the human texts (group and country names, the rules) are in the request's language,
as on the page the download belongs to: a script reads the keys.
"""

import io

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.spreadsheets import SafeWriter

from .series import counting_rules


def period_dict(period, tally, rolling=None):
    data = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "label": period.key,
        "partial": period.partial,
        **tally.as_dict(),
    }
    if rolling is not None:
        data["rolling"] = rolling
    return data


def periods_list(periods, totals, means):
    """Each period's dict; with `means` (a rolling window), its trailing means as "rolling"."""
    return [
        period_dict(period, tally, rolling_dict(means[index]) if means else None)
        for index, (period, tally) in enumerate(zip(periods, totals, strict=True))
    ]


def rolling_dict(mean):
    if mean is None:
        return {"incidents": None, "killed_best": None}
    return {"incidents": mean.incidents, "killed_best": mean.killed_best}


def series_as_dict(series, parameters=None):
    """The API's series shape: {"interval", "periods": [{"start", "incidents", "killed":
    {"low", "best", "high"}, …}], "groups": [{"key", "label", "periods"}] …}."""
    data = {
        "interval": str(series.interval),
        "from": series.first_day.isoformat() if series.first_day else None,
        "to": series.last_day.isoformat() if series.last_day else None,
        "rules": counting_rules(series.interval, series.split),
        "parameters": parameters or {},
        "rolling": series.rolling,
        "periods": periods_list(series.periods, series.totals, series.means),
        "total": series.grand_total.as_dict(),
        "unplaced": series.unplaced.as_dict(),
        "began_before_range": series.began_before_range.as_dict(),
    }
    if series.split:
        data.update(split=str(series.split), top=series.top, measure=str(series.measure))
        data["groups"] = [
            {
                "key": group.key,
                "label": group.label,
                "country": group.country or None,
                "periods": periods_list(series.periods, group.totals, group.means),
                "unplaced": group.unplaced.as_dict(),
                "began_before_range": group.began_before_range.as_dict(),
            }
            for group in series.groups
        ]
    return data


SERIES_CSV_HEADER = [
    "period",
    "period_start",
    "period_end",
    "partial",
    "group_key",
    "group",
    "country",
    "incidents",
    "killed_low",
    "killed_best",
    "killed_high",
    "incidents_toll_unknown",
    "rolling_incidents",
    "rolling_killed_best",
]


def series_csv_rows(series):
    """Rows of the series CSV: every period of the totals (group "all"), then of each group;
    then the incidents counted apart (period "unplaced" and "before range")."""
    lines = [
        (
            "all",
            _("All incidents"),
            "",
            series.totals,
            series.means,
            series.unplaced,
            series.began_before_range,
        )
    ]
    lines += [
        (
            group.key,
            group.label,
            group.country,
            group.totals,
            group.means,
            group.unplaced,
            group.began_before_range,
        )
        for group in series.groups
    ]
    for key, label, country, totals, means, unplaced, before in lines:
        key = "" if key is None else key
        for index, (period, tally) in enumerate(zip(series.periods, totals, strict=True)):
            mean = means[index] if means else None
            yield [
                period.key,
                period.start.isoformat(),
                period.end.isoformat(),
                int(period.partial),
                key,
                label,
                country,
                *totals_cells(tally),
                "" if mean is None else mean.incidents,
                "" if mean is None else mean.killed_best,
            ]
        for name, tally in (("unplaced", unplaced), ("before range", before)):
            if tally.incidents:
                yield [name, "", "", "", key, label, country, *totals_cells(tally), "", ""]


def totals_cells(tally):
    return [
        tally.incidents,
        tally.killed_low,
        tally.killed_best,
        tally.killed_high,
        tally.unknown_toll,
    ]


def blank(value):
    return "" if value is None else value


def comparison_row_dict(row):
    return {
        "key": row.key,
        "label": row.label,
        "country": row.country or None,
        "a": row.a.as_dict(),
        "b": row.b.as_dict(),
        "change": {"incidents": row.incidents_change, "killed_best": row.killed_change},
        "pct_change": {
            "incidents": row.incidents_pct_change,
            "killed_best": row.killed_pct_change,
        },
    }


def comparison_as_dict(comparison, parameters=None):
    """The API's comparison shape: one object per row with a, b, change and pct_change (a
    number, "new" when A is zero, null when both are), plus totals."""
    return {
        "a": {"from": comparison.a_from.isoformat(), "to": comparison.a_to.isoformat()},
        "b": {"from": comparison.b_from.isoformat(), "to": comparison.b_to.isoformat()},
        "by": str(comparison.by),
        "top": comparison.top,
        "rules": counting_rules("year", comparison.by)[2:4],
        "parameters": parameters or {},
        "rows": [comparison_row_dict(row) for row in comparison.rows],
        "totals": comparison_row_dict(comparison.totals),
    }


COMPARISON_CSV_HEADER = [
    "key",
    "label",
    "country",
    *[f"a_{name}" for name in ("incidents", "killed_low", "killed_best", "killed_high")],
    "a_incidents_toll_unknown",
    *[f"b_{name}" for name in ("incidents", "killed_low", "killed_best", "killed_high")],
    "b_incidents_toll_unknown",
    "change_incidents",
    "pct_change_incidents",
    "change_killed_best",
    "pct_change_killed_best",
]


def comparison_csv_rows(comparison):
    for row in [*comparison.rows, comparison.totals]:
        yield [
            "" if row.key is None else row.key,
            row.label,
            row.country,
            *totals_cells(row.a),
            *totals_cells(row.b),
            row.incidents_change,
            blank(row.incidents_pct_change),
            row.killed_change,
            blank(row.killed_pct_change),
        ]


def csv_response(name, header, rows):
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(name, "csv")}"'
    return response


def json_download(name, data):
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{filename(name, "json")}"'
    return response


def filename(name, extension):
    return f"incidentdb-{name}-{timezone.now():%Y-%m-%d}.{extension}"
