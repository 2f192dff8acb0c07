"""Public corrections: what changed in a published incident's facts, said as the public reads it.

history.record_version() calls record_correction() for every version it records; a version
that edits (or reverts) a published incident and changes its figures, date, place, type or
actors gets a Correction: "killed 12 → 14; date 16 September 2024 → 17 September 2024". A
change of title or narrative only is no correction.

The stored summary is English, the source language, whatever language the analyst's admin
speaks: the API gives it as it is. Pages in another language write it again from the two
versions (with_summaries), in the reader's language.
"""

import datetime

from django.conf import settings
from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .choices import ActorRole, CasualtyOutcome, Status, VersionKind
from .models import (
    Actor,
    Correction,
    EventType,
    Incident,
    IncidentVersion,
    Location,
    SubEventType,
)

# The kinds of version that change a published incident's content.
CORRECTING_KINDS = {VersionKind.CORRECTED, VersionKind.REVERTED}

# The snapshot fields that name a row of another table, and that table.
NAMED_FIELDS = {
    "location_id": Location,
    "event_type_id": EventType,
    "sub_event_type_id": SubEventType,
}


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
    with translation.override(settings.LANGUAGE_CODE):
        summary = join_changes(describe_changes(previous, version.snapshot))
    if not summary:
        return None
    return Correction.objects.create(
        incident_id=version.incident_id,
        version=version,
        corrected_at=version.recorded_at,
        summary=summary,
        reason=version.reason,
    )


def with_summaries(corrections):
    """The corrections as a list, each with `text`: its summary in the active language.

    In the source language that is the stored summary; in another, it is written again from
    the correction's version and the one before, whatever the number of corrections in one
    query for the versions and one per kind of name that changed (places, event types,
    sub-event types, actors)."""
    corrections = list(corrections)
    if translation.get_language() == settings.LANGUAGE_CODE:
        for correction in corrections:
            correction.text = correction.summary
        return corrections
    states = {}  # incident id → [(version id, snapshot), …] in version order
    versions = IncidentVersion.objects.filter(
        incident_id__in={correction.incident_id for correction in corrections}
    ).order_by("incident_id", "number")
    for incident_id, pk, snapshot in versions.values_list("incident_id", "id", "snapshot"):
        states.setdefault(incident_id, []).append((pk, snapshot))
    pairs = {}  # correction id → (snapshot before, snapshot after)
    for correction in corrections:
        history = states.get(correction.incident_id, [])
        for index, (pk, snapshot) in enumerate(history):
            if pk == correction.version_id and index > 0:
                pairs[correction.pk] = (history[index - 1][1], snapshot)
    names = load_names(pairs.values())
    for correction in corrections:
        changes = describe_changes(*pairs[correction.pk], names) if correction.pk in pairs else []
        # A correction whose versions no longer tell it apart keeps its stored words.
        correction.text = join_changes(changes) or correction.summary
    return corrections


def join_changes(changes):
    """The phrases of describe_changes() as one summary, punctuated as the language does."""
    return pgettext("between the changes of a correction", "; ").join(changes)


def load_names(pairs):
    """{model: {id: row}} of the places, event and sub-event types and actors that differ
    between the snapshots of each (before, after) pair: one query per model with a change."""
    wanted = {model: set() for model in (*NAMED_FIELDS.values(), Actor)}
    for before, after in pairs:
        for field, model in NAMED_FIELDS.items():
            old, new = before.get(field), after.get(field)
            if old != new:
                wanted[model].update(pk for pk in (old, new) if pk is not None)
        wanted[Actor].update(actor_id for actor_id, _role in _roles(before) ^ _roles(after))
    return {model: model.objects.in_bulk(ids) if ids else {} for model, ids in wanted.items()}


def describe_changes(before, after, names=None):
    """The public facts that differ between two snapshots (history.snapshot()), one phrase
    each in the active language: figures, date, place, event and sub-event type, actors.
    `names` is load_names() of pairs holding this one (loaded here when not given)."""
    if names is None:
        names = load_names([(before, after)])
    changes = []
    for outcome, phrase in (
        (CasualtyOutcome.KILLED, _("killed %(old)s → %(new)s")),
        (CasualtyOutcome.INJURED, _("injured %(old)s → %(new)s")),
    ):
        old, new = _total(before, outcome), _total(after, outcome)
        if old != new:
            changes.append(phrase % {"old": _figures(old), "new": _figures(new)})
    old, new = _dates(before), _dates(after)
    if old != new:
        changes.append(
            _("date %(old)s → %(new)s") % {"old": _date_text(old), "new": _date_text(new)}
        )
    for field, phrase in (
        ("location_id", _("place %(old)s → %(new)s")),
        ("event_type_id", _("event type %(old)s → %(new)s")),
        ("sub_event_type_id", _("sub-event type %(old)s → %(new)s")),
    ):
        old, new = before.get(field), after.get(field)
        if old != new:
            rows = names[NAMED_FIELDS[field]]
            changes.append(phrase % {"old": _name(rows, old), "new": _name(rows, new)})
    changes.extend(_actor_changes(before, after, names[Actor]))
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


def _name(rows, pk):
    """A row as the reader's language names it (event and sub-event types say their label;
    places and actors are proper names)."""
    return str(rows[pk]) if pk in rows else _("none")


def _roles(state):
    return {(row["actor_id"], row["role"]) for row in state.get("actors", [])}


def _actor_changes(before, after, actors):
    old, new = _roles(before), _roles(after)
    if old == new:
        return []
    role_names = dict(ActorRole.choices)

    def listed(pairs):
        return ", ".join(
            f"{_name(actors, actor_id)} ({str(role_names.get(role, role)).lower()})"
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
