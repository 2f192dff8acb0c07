"""How incident values read on public pages: dates at their precision, figures with ranges."""

from html import escape

from django.utils.formats import date_format, get_format, number_format
from django.utils.translation import get_language, gettext, pgettext

from .choices import DatePrecision


def format_date_at_precision(start, end, precision):
    """A date as precisely as it is known, in the active language: "15 Sep 2023", "Sep 2023",
    "2023", "15–17 Sep 2023", "week of 11 Sep 2023" ("15 septembre 2023", "septembre 2023",
    "semaine du 11 septembre 2023" in French, where month names are not abbreviated)."""
    if precision == DatePrecision.YEAR:
        text = f"{start:%Y}"
        return text if not end or end.year == start.year else f"{text}–{end:%Y}"
    if precision == DatePrecision.MONTH:
        text = format_month(start)
        if not end or (end.year, end.month) == (start.year, start.month):
            return text
        return f"{text} – {format_month(end)}"
    day_format = day_date_format()
    if precision == DatePrecision.WEEK:
        return gettext("week of %(date)s") % {"date": date_format(start, day_format)}
    day = date_format(start, day_format)
    if end and end != start:
        if (end.year, end.month) == (start.year, start.month):
            day = f"{start.day}–{date_format(end, day_format)}"
        else:
            day = f"{day} – {date_format(end, day_format)}"
    # Translators: a date known to within a few days ("c. 15 Sep 2023").
    return gettext("c. %(date)s") % {"date": day} if precision == DatePrecision.DAYS else day


def day_date_format():
    """The Django date format of a day in the active language: "j M Y" ("15 Sep 2023")."""
    # Translators: a Django date format for a day ("15 Sep 2023"); French writes "j F Y".
    return pgettext("date format", "j M Y")


def format_day(value):
    """A date as a day in the active language: "15 Sep 2023", "15 septembre 2023"."""
    return date_format(value, day_date_format())


def format_month(value):
    """A date's month in the active language: "Sep 2023", "septembre 2023"."""
    # Translators: a Django date format for a month ("Sep 2023"); French writes "F Y".
    return date_format(value, pgettext("date format", "M Y"))


def format_estimate(low, best, high):
    """Best estimate with its low–high range when they differ: "15 (12–20)"; "—" if unknown.
    Thousands are grouped the active language's way: "1,234" in English, "1 234" in French."""
    if best is None:
        return "—"
    if low == high == best or low is None or high is None:
        return format_count(best)
    return f"{format_count(best)} ({format_count(low)}–{format_count(high)})"


def format_count(number):
    """A whole number with its thousands grouped the active language's way ("1,234", "1 234"
    with a no-break space in French). Below a thousand, the digits alone: most counts are
    small, and a list page writes some two hundred of them.

    Above, Python's own grouping by threes with the language's separator put in, where the
    language groups by threes (English and French do): number_format's same text took twice
    as long, and a weekly series split by actor writes some 2,600 such numbers."""
    if -1000 < number < 1000:
        return str(number)
    separator = thousands_separator(get_language())
    if separator is None:
        return number_format(number, force_grouping=True)
    return f"{number:,}".replace(",", separator)


# {language: its thousands separator, or None where it does not group by threes}: the
# language's formats are fixed once the process runs (get_format looks them up each time).
_THOUSANDS_SEPARATORS = {}


def thousands_separator(language):
    if language not in _THOUSANDS_SEPARATORS:
        by_threes = get_format("NUMBER_GROUPING", language) == 3
        separator = get_format("THOUSAND_SEPARATOR", language)
        _THOUSANDS_SEPARATORS[language] = separator if by_threes else None
    return _THOUSANDS_SEPARATORS[language]


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
