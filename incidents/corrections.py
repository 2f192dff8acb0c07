"""Public corrections: what changed in a published incident's facts, said as the public reads it.

history.record_version() calls record_correction() for every version it records; a version
that edits (or reverts) a published incident and changes its figures, date, place, type or
actors gets a Correction: "killed 12 → 14; date 16 September 2024 → 17 September 2024". A
change of title or narrative only is no correction.
"""

import datetime

from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _

from .choices import ActorRole, CasualtyOutcome, Status, VersionKind
from .models import Actor, Correction, EventType, Incident, Location, SubEventType

# The kinds of version that change a published incident's content.
CORRECTING_KINDS = {VersionKind.CORRECTED, VersionKind.REVERTED}


def public_corrections():
    """Corrections of the incidents the public sees, latest first (a retracted incident's are
    gone with it)."""
    return Correction.objects.filter(incident__in=Incident.objects.public()).select_related(
        "incident"
    )


def record_correction(version):
    """Write the public Correction for a version that changed a published incident's facts;
    return it, or None when the version is no correction."""
    if version.kind not in CORRECTING_KINDS or version.status != Status.PUBLISHED:
        return None
    previous = (
        version.incident.versions.filter(number__lt=version.number)
        .order_by("-number")
        .values_list("snapshot", flat=True)
        .first()
    )
    if previous is None:
        return None
    changes = describe_changes(previous, version.snapshot)
    if not changes:
        return None
    return Correction.objects.create(
        incident_id=version.incident_id,
        version=version,
        corrected_at=version.recorded_at,
        summary="; ".join(changes),
        reason=version.reason,
    )


def describe_changes(before, after):
    """The public facts that differ between two snapshots (history.snapshot()), one phrase
    each: figures, date, place, event and sub-event type, actors."""
    changes = []
    for outcome, label in (
        (CasualtyOutcome.KILLED, _("killed")),
        (CasualtyOutcome.INJURED, _("injured")),
    ):
        old, new = _total(before, outcome), _total(after, outcome)
        if old != new:
            changes.append(f"{label} {_figures(old)} → {_figures(new)}")
    old, new = _dates(before), _dates(after)
    if old != new:
        changes.append(
            _("date %(old)s → %(new)s") % {"old": _date_text(old), "new": _date_text(new)}
        )
    for field, model, label in (
        ("location_id", Location, _("place")),
        ("event_type_id", EventType, _("event type")),
        ("sub_event_type_id", SubEventType, _("sub-event type")),
    ):
        old, new = before.get(field), after.get(field)
        if old != new:
            names = model.objects.in_bulk([pk for pk in (old, new) if pk is not None])
            changes.append(f"{label} {_name(names, old)} → {_name(names, new)}")
    changes.extend(_actor_changes(before, after))
    return changes


def _total(state, outcome):
    """The (low, best, high, high is open) total of one outcome's coded figures, or None
    without any."""
    rows = [row for row in state.get("casualties", []) if row["outcome"] == outcome]
    if not rows:
        return None
    low, best, high = (sum(row[estimate] for row in rows) for estimate in ("low", "best", "high"))
    return low, best, high, any(row.get("high_open") for row in rows)


def _figures(total):
    """As the incident page writes a coded figure: 77, or 77 (70–100+) with an open high."""
    if total is None:
        return _("unknown")
    low, best, high, high_open = total
    if low == best == high and not high_open:
        return str(best)
    return f"{best} ({low}–{high}{'+' if high_open else ''})"


def _dates(state):
    return tuple(
        datetime.date.fromisoformat(str(value)) if value else None
        for value in (state.get("start_date"), state.get("end_date"))
    )


def _date_text(dates):
    start, end = dates
    text = format_date(start, "j F Y") if start else _("unknown")
    return f"{text} – {format_date(end, 'j F Y')}" if end else text


def _name(names, pk):
    return str(names[pk]) if pk in names else _("none")


def _actor_changes(before, after):
    def roles(state):
        return {(row["actor_id"], row["role"]) for row in state.get("actors", [])}

    old, new = roles(before), roles(after)
    if old == new:
        return []
    actors = Actor.objects.in_bulk({actor_id for actor_id, _role in old ^ new})
    role_names = dict(ActorRole.choices)

    def listed(pairs):
        return ", ".join(
            f"{_name(actors, actor_id)} ({role_names.get(role, role).lower()})"
            for actor_id, role in sorted(
                pairs, key=lambda pair: (pair[1], str(actors.get(pair[0])))
            )
        )

    changes = []
    if new - old:
        changes.append(_("actor added: %(actors)s") % {"actors": listed(new - old)})
    if old - new:
        changes.append(_("actor removed: %(actors)s") % {"actors": listed(old - new)})
    return changes
