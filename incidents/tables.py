import django_tables2 as tables
from django.db.models import F
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .formatting import format_date_at_precision, format_estimate
from .models import Incident


def cell_label(label):
    """The column name on each cell, so that rows can read as cards on a phone (see site.css)."""
    return {"td": {"data-label": label}}


class IncidentTable(tables.Table):
    """The public incident table: one row per published incident."""

    date = tables.Column(
        verbose_name=_("Date"),
        accessor="start_date",
        order_by=("start_date", "id"),
        attrs=cell_label(_("Date")),
    )
    title = tables.Column(
        verbose_name=_("Incident"), orderable=False, linkify=True, attrs=cell_label(_("Incident"))
    )
    place = tables.Column(
        verbose_name=_("Place"),
        accessor="location",
        order_by=("location__name", "id"),
        attrs=cell_label(_("Place")),
    )
    event_type = tables.Column(
        verbose_name=_("Type"),
        order_by=("event_type__name", "sub_event_type__name", "id"),
        attrs=cell_label(_("Type")),
    )
    tactics = tables.Column(
        verbose_name=_("Nature of attack"),
        accessor="pk",
        orderable=False,
        attrs=cell_label(_("Nature of attack")),
    )
    killed = tables.Column(
        verbose_name=_("Killed"),
        accessor="killed_best",
        attrs={"td": {"data-label": _("Killed"), "class": "number"}, "th": {"class": "number"}},
    )
    injured = tables.Column(
        verbose_name=_("Injured"),
        accessor="injured_best",
        orderable=False,
        attrs={"td": {"data-label": _("Injured"), "class": "number"}, "th": {"class": "number"}},
    )
    actors = tables.Column(
        verbose_name=_("Actors"), accessor="pk", orderable=False, attrs=cell_label(_("Actors"))
    )

    class Meta:
        model = Incident
        fields = ["date", "title", "place", "event_type", "tactics", "killed", "injured", "actors"]
        sequence = fields
        order_by = ("-date",)
        attrs = {"class": "incident-table"}
        empty_text = _("No published incident matches.")

    def render_date(self, record):
        return format_date_at_precision(record.start_date, record.end_date, record.date_precision)

    def render_place(self, record):
        location = record.location
        area = ", ".join(str(part) for part in (location.admin1, location.country) if part)
        return format_html('{}<span class="sub">{}</span>', location.name, area)

    def render_event_type(self, record):
        if record.sub_event_type is None:
            return str(record.event_type)
        return format_html(
            '{}<span class="sub">{}</span>', record.sub_event_type, record.event_type
        )

    def render_tactics(self, record):
        return ", ".join(tactic.name for tactic in record.tactics.all()) or "—"

    def render_killed(self, record):
        return format_estimate(record.killed_low, record.killed_best, record.killed_high)

    def render_injured(self, record):
        return format_estimate(record.injured_low, record.injured_best, record.injured_high)

    def render_actors(self, record):
        perpetrators = record.perpetrators
        targets = record.targets
        if not perpetrators and not targets:
            return "—"
        names = format_html_join(", ", "{}", ((a.name,) for a in perpetrators)) or "?"
        if targets:
            names = format_html(
                "{} → {}", names, format_html_join(", ", "{}", ((a.name,) for a in targets))
            )
        return names

    def order_killed(self, queryset, is_descending):
        # Unknown counts (NULL) sort last both ways; descending matches incident_public_killed_idx.
        killed = (
            F("killed_best").desc(nulls_last=True)
            if is_descending
            else F("killed_best").asc(nulls_last=True)
        )
        return queryset.order_by(killed, "-id" if is_descending else "id"), True
