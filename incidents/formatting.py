"""How incident values read on public pages: dates at their precision, figures with ranges."""

from .choices import DatePrecision


def format_date_at_precision(start, end, precision):
    """A date as precisely as it is known: "15 Sep 2023", "Sep 2023", "2023", "15–17 Sep 2023"."""
    if precision == DatePrecision.YEAR:
        text = f"{start:%Y}"
        return text if not end or end.year == start.year else f"{text}–{end:%Y}"
    if precision == DatePrecision.MONTH:
        text = f"{start:%b %Y}"
        if not end or (end.year, end.month) == (start.year, start.month):
            return text
        return f"{text} – {end:%b %Y}"
    if precision == DatePrecision.WEEK:
        return f"week of {start.day} {start:%b %Y}"
    day = f"{start.day} {start:%b %Y}"
    if end and end != start:
        if (end.year, end.month) == (start.year, start.month):
            day = f"{start.day}–{end.day} {start:%b %Y}"
        else:
            day = f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
    return f"c. {day}" if precision == DatePrecision.DAYS else day


def format_estimate(low, best, high):
    """Best estimate with its low–high range when they differ: "15 (12–20)"; "—" if unknown."""
    if best is None:
        return "—"
    if low == high == best or low is None or high is None:
        return f"{best:,}"
    return f"{best:,} ({low:,}–{high:,})"
