"""How incident values read on public pages: dates at their precision, figures with ranges."""

from html import escape

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


def web_link(url):
    """The URL when it is an http or https address, else "": the only addresses rendered as
    links. A citation's URL can hold anything the ORM or an import wrote; a `javascript:`,
    `data:` or `vbscript:` one must never become an href. Browsers drop whitespace and control
    characters inside a scheme ("java\\tscript:"), so any such character disqualifies it."""
    if not url or any(character.isspace() or ord(character) < 32 for character in url):
        return ""
    scheme, separator, _rest = url.partition("://")
    return url if separator and scheme.lower() in ("http", "https") else ""


def text_html(text):
    """A text for HTML, escaped as Django's escape() and autoescaping escape it (html.escape),
    without their checks for lazy strings: a list page escapes some two thousand texts."""
    return escape(str(text))
