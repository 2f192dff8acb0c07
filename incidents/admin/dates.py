"""Dates as analysts in Mali and the Sahel write them: ISO (2024-09-17) or day first
(17/09/2024, 17.09.2024, 17-09-2024). Month first is never guessed: Django's English formats
would read 05/10/2024 as 10 May, where the analyst meant 5 October."""

from django.contrib.admin.widgets import AdminDateWidget
from django.db import models
from django.utils.translation import gettext_lazy as _

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]
DATE_HINT = _("YYYY-MM-DD or DD/MM/YYYY")
# What fits in the admin's narrow date box; the tooltip (title) gives both formats.
DATE_PLACEHOLDER = _("DD/MM/YYYY")

# For the formfield_overrides of every admin class (and inline) with date fields.
DATE_OVERRIDES = {
    models.DateField: {
        "input_formats": DATE_INPUT_FORMATS,
        "widget": AdminDateWidget(attrs={"placeholder": DATE_PLACEHOLDER, "title": DATE_HINT}),
        "error_messages": {"invalid": _("Enter a date as YYYY-MM-DD or DD/MM/YYYY (day first).")},
    }
}
