"""Dates as analysts in Mali and the Sahel write them: ISO (2024-09-17) or day first
(17/09/2024, 17.09.2024, 17-09-2024). Month first is never guessed: Django's English formats
would read 05/10/2024 as 10 May, where the analyst meant 5 October.

An incident's own dates may also be a month (2023-09, 09/2023) or a year (2023), for an event
known only that well: PartialDateField reads them, and IncidentAdminForm sets the date
precision from them.
"""

import datetime
import re

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import DatePrecision

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]
DATE_HINT = _("YYYY-MM-DD or DD/MM/YYYY")
# What fits in the admin's narrow date box; the tooltip (title) gives both formats.
DATE_PLACEHOLDER = _("DD/MM/YYYY")
INVALID_DATE = _("Enter a date as YYYY-MM-DD or DD/MM/YYYY (day first).")

# For the formfield_overrides of every admin class (and inline) with date fields.
DATE_OVERRIDES = {
    models.DateField: {
        "input_formats": DATE_INPUT_FORMATS,
        "widget": AdminDateWidget(attrs={"placeholder": DATE_PLACEHOLDER, "title": DATE_HINT}),
        "error_messages": {"invalid": INVALID_DATE},
    }
}

# A month as 2023-09 (ISO) or 09/2023, 09.2023, 09-2023 (day-first order without the day); a
# year as 2023.
MONTH_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})")
MONTH_DAY_FIRST = re.compile(r"(?P<month>\d{1,2})[/.-](?P<year>\d{4})")
YEAR = re.compile(r"(?P<year>\d{4})")


class MonthDate(datetime.date):
    """The first day of a month typed without its day (2023-09)."""

    precision = DatePrecision.MONTH


class YearDate(datetime.date):
    """1 January of a year typed alone (2023)."""

    precision = DatePrecision.YEAR


def typed_precision(value):
    """How precisely a PartialDateField's value was typed: a day, a month or a year."""
    return getattr(value, "precision", DatePrecision.DAY)


class PartialDateField(forms.DateField):
    """A day (ISO or day first), or a month or a year alone: 2023-09 reads as MonthDate(2023,
    9, 1), 2023 as YearDate(2023, 1, 1), which compare equal to the plain dates stored."""

    def to_python(self, value):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str):
            if match := MONTH_ISO.fullmatch(text) or MONTH_DAY_FIRST.fullmatch(text):
                year, month = int(match["year"]), int(match["month"])
                if 1 <= month <= 12 and year >= 1:
                    return MonthDate(year, month, 1)
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            if match := YEAR.fullmatch(text):
                if int(match["year"]) >= 1:
                    return YearDate(int(match["year"]), 1, 1)
        return super().to_python(value)


INCIDENT_DATE_HINT = _(
    "Day first: 17/09/2024 or 2024-09-17. Known only to the month or the year: 2023-09 or 2023."
)
INCIDENT_DATE_OVERRIDE = {
    "form_class": PartialDateField,
    "input_formats": DATE_INPUT_FORMATS,
    "widget": AdminDateWidget(
        attrs={"placeholder": DATE_PLACEHOLDER, "title": INCIDENT_DATE_HINT, "size": 10}
    ),
    "error_messages": {
        "invalid": _(
            "Enter a date as YYYY-MM-DD or DD/MM/YYYY (day first). Known only to the month or "
            "the year: 2023-09 or 2023."
        )
    },
}
# How an incident's dates are shown back in its form, by its precision: a month known to the
# month as 2023-09, so that saving it again keeps it one.
SHOWN_AS = {DatePrecision.MONTH: "%Y-%m", DatePrecision.YEAR: "%Y"}


def says_no_more_than(value, precision):
    """Whether a date carries no day (or month) finer than its precision: a date known to the
    month is stored as the month's 1st, one known to the year as 1 January."""
    if value is None:
        return True
    if precision == DatePrecision.YEAR:
        return (value.month, value.day) == (1, 1)
    if precision == DatePrecision.MONTH:
        return value.day == 1
    return True


def show_dates_at_their_precision(form):
    """Show an incident's stored dates as precisely as they are known (2023-09 for a month)."""
    precision = form.instance.date_precision
    if form.instance.pk is None or precision not in SHOWN_AS:
        return
    for name in ("start_date", "end_date"):
        field = form.fields.get(name)
        if field is not None and says_no_more_than(getattr(form.instance, name), precision):
            field.widget.format = SHOWN_AS[precision]


def settle_date_precision(form, cleaned):
    """Make the incident form's dates and date precision agree, or say why they cannot.

    A month or a year typed alone sets the precision when the analyst left it as it was, and
    contradicts one chosen by hand. A precision coarser than a day cannot carry a specific
    day: "Known month" with 2023-09-15 is refused (checked when the dates or the precision
    change, so that an imported incident coded the dataset's way stays editable).
    """
    start, end = cleaned.get("start_date"), cleaned.get("end_date")
    if start is None:
        return
    typed = typed_precision(start)
    if end is not None and typed_precision(end) != typed:
        form.add_error(
            "end_date",
            _("Type the end date as precisely as the start date (a day, a month or a year)."),
        )
        return
    precision = cleaned.get("date_precision")
    if typed != DatePrecision.DAY:
        if "date_precision" not in form.changed_data:
            cleaned["date_precision"] = precision = typed
        elif precision != typed:
            message = (
                _("The dates are typed as a month: choose “%(label)s”, or type the day.")
                if typed == DatePrecision.MONTH
                else _("The dates are typed as a year: choose “%(label)s”, or type the day.")
            )
            form.add_error("date_precision", message % {"label": DatePrecision(typed).label})
            return
    if precision is None or not {"start_date", "end_date", "date_precision"} & set(
        form.changed_data
    ):
        return
    for name, value in (("start_date", start), ("end_date", end)):
        if not says_no_more_than(value, precision):
            message = (
                _(
                    "A date known only to the month has no day: type %(example)s, or choose "
                    "“%(exact)s” if the day is known."
                )
                if precision == DatePrecision.MONTH
                else _(
                    "A date known only to the year has no day: type %(example)s, or choose "
                    "“%(exact)s” if the day is known."
                )
            )
            example = value.strftime(SHOWN_AS[precision])
            form.add_error(name, message % {"example": example, "exact": DatePrecision.DAY.label})
