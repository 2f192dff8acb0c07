"""An incident's versions: every change to an incident and its rows, recorded whole.

Every door that changes an incident (the admin form, the workflow steps, a revert) goes through
change(): it locks the incident, refuses an edit made from an older version than the current
one (no lost update), records the state before the change if no version holds it yet (an
imported incident, or one from before versions were kept), and records the new version after.
"""

import json
from contextlib import contextmanager

from django.db import transaction
from django.db.models import F

from .choices import Status, VersionKind
from .corrections import record_correction
from .models import Incident, IncidentVersion

# The incident's own fields a version keeps: what an analyst enters. Totals derive from the
# casualty figures, and the workflow and import bookkeeping are not content.
CONTENT_FIELDS = [
    field for field in Incident._meta.concrete_fields if field.editable and not field.primary_key
]

# Each kind of related row, with the fields a version keeps of it, in a stable order.
ROWS = {
    "casualties": (
        "casualties",
        ["group", "outcome", "low", "best", "high", "high_open", "note"],
        ["outcome", "group"],
    ),
    "reports": (
        "source_reports",
        [
            "group",
            "outcome",
            "source_id",
            "qualifier",
            "figure",
            "figure_high",
            "reported_on",
            "quote",
        ],
        ["outcome", "group", "reported_on", "id"],
    ),
    "actors": ("incident_actors", ["actor_id", "role"], ["role", "id"]),
    "citations": (
        "citations",
        ["source_id", "url", "title", "published_on", "excerpt"],
        ["published_on", "id"],
    ),
}

# Kinds that change nothing but content: when the content is as the last version had it, no
# version is recorded (saving an unchanged form is no change).
CONTENT_KINDS = {VersionKind.EDITED, VersionKind.CORRECTED}


class StaleVersion(Exception):
    """The incident changed since the editor opened it."""

    def __init__(self, opened, current):
        super().__init__(f"opened version {opened}, current version {current}")
        self.opened, self.current = opened, current


def snapshot(incident):
    """The incident's content and its rows as plain values (dates and decimals as text)."""
    state = {field.attname: field.value_from_object(incident) for field in CONTENT_FIELDS}
    for name, (relation, fields, order) in ROWS.items():
        rows = getattr(incident, relation).order_by(*order).values(*fields)
        state[name] = [dict(row) for row in rows]
    state["tactics"] = sorted(incident.tactics.values_list("pk", flat=True))
    state["related"] = sorted(incident.related.values_list("pk", flat=True))
    return state


@contextmanager
def change(incident, *, by, kind, reason="", opened_version=None):
    """Make a change to an incident inside this block; yields a holder whose .version is the
    IncidentVersion recorded (None when nothing changed).

    Raises StaleVersion before anything is written when opened_version is given and the
    incident has moved on since.
    """
    result = _Recorded()
    with transaction.atomic():
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        if opened_version is not None and int(opened_version) != current.version:
            raise StaleVersion(int(opened_version), current.version)
        record_current_state(current)
        yield result
        result.version = record_version(incident, by=by, kind=kind, reason=reason)


class _Recorded:
    version = None


def record_current_state(incident):
    """Record the incident as it stands if no version holds that state yet.

    Imports write incidents without versions and move `version` on; so do changes made before
    versions were kept. Their state is recorded once, just before the next change to it.
    """
    latest = incident.versions.order_by("-number").values_list("number", flat=True).first()
    if latest is not None and latest >= incident.version:
        return None
    imported = incident.imported_at is not None and not incident.changed_since_import
    return IncidentVersion.objects.create(
        incident=incident,
        number=incident.version,
        kind=VersionKind.IMPORTED if imported else VersionKind.RECORDED,
        recorded_at=incident.imported_at if imported else incident.updated_at,
        recorded_by=None if imported else incident.updated_by,
        status=incident.status,
        snapshot=snapshot(incident),
    )


def record_version(incident, *, by, kind, reason=""):
    """Record the incident's state after a change as its next version, and return it.

    An edit of a published incident is recorded as a correction. An edit that leaves the
    content as the last version had it records nothing and returns None.
    """
    state = snapshot(incident)
    status = Incident.objects.values_list("status", flat=True).get(pk=incident.pk)
    if kind == VersionKind.EDITED and status == Status.PUBLISHED:
        kind = VersionKind.CORRECTED
    if kind == VersionKind.CREATED:
        number = 1
    else:
        if kind in CONTENT_KINDS:
            last = incident.versions.order_by("-number").values_list("snapshot", flat=True)
            if last and last[0] == _as_stored(state):
                return None
        Incident.objects.filter(pk=incident.pk).update(version=F("version") + 1)
        number = Incident.objects.values_list("version", flat=True).get(pk=incident.pk)
    incident.version = number
    version = IncidentVersion.objects.create(
        incident=incident,
        number=number,
        kind=kind,
        recorded_by=by,
        reason=reason,
        status=status,
        snapshot=state,
    )
    record_correction(version)  # the public's note when a published incident's facts changed
    return version


def _as_stored(state):
    """The snapshot as it reads back from the database (dates become text)."""
    encoder = IncidentVersion._meta.get_field("snapshot").encoder
    return json.loads(json.dumps(state, cls=encoder))
