"""Download file names that say what was filtered: incidents_MLI_2023.csv, not a name that is
the same for every download of a day (researchers keep several files side by side)."""

import datetime

from django.utils.text import slugify

from .filters import in_use

# The filters named in a file name, in this order, and how each value is written: a code as it
# is (country MLI, event type battles), a row by its slugified name (region mopti).
NAMED = ("country", "admin1", "admin2", "location", "event_type", "sub_event_type", "actor")
NAMED_BY_CODE = {"country": "iso3", "event_type": "code", "sub_event_type": "code"}
# A longer name is cut: some file systems and mail clients refuse names past 255 bytes.
MAX_STEM_LENGTH = 120


def filtered_stem(cleaned_data):
    """The file name without its extension for a valid IncidentFilterSet's cleaned data:
    "incidents_MLI_2023", "incidents_BFA_battles_2022-2023", "incidents_all" for no filter.
    Filters without a readable short form (killed_min, near, precisions…) add "filtered", so that
    a name never passes a narrowed file off as the whole of what it names."""
    values = {name: value for name, value in cleaned_data.items() if in_use(value)}
    parts = []
    for name in NAMED:
        if name not in values:
            continue
        if name in NAMED_BY_CODE:
            parts.append("-".join(getattr(row, NAMED_BY_CODE[name]) for row in values[name]))
        else:
            parts.append("-".join(slugify(row.name) for row in values[name]))
    if "q" in values:
        parts.append(slugify(values["q"]))
    parts.append(period_part(values.get("date_from"), values.get("date_to")))
    if set(values) - {*NAMED, "q", "date_from", "date_to"}:
        parts.append("filtered")
    parts = [part for part in parts if part]
    stem = "_".join(["incidents", *parts]) if parts else "incidents_all"
    return stem[:MAX_STEM_LENGTH].rstrip("_-")


def period_part(date_from, date_to):
    """ "2023" for a whole year, "2022-2023" for whole years, else the dates as given:
    "2023-03-01_2023-06-30", "from_2023-03-01", "to_2023-06-30"; "" for no period."""
    starts_a_year = date_from is not None and (date_from.month, date_from.day) == (1, 1)
    ends_a_year = date_to is not None and (date_to.month, date_to.day) == (12, 31)
    if starts_a_year and ends_a_year:
        if date_from.year == date_to.year:
            return str(date_from.year)
        return f"{date_from.year}-{date_to.year}"
    if date_from and date_to:
        return f"{iso(date_from)}_{iso(date_to)}"
    if date_from:
        return f"from_{iso(date_from)}"
    if date_to:
        return f"to_{iso(date_to)}"
    return ""


def iso(day: datetime.date):
    return day.isoformat()
