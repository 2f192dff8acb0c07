"""An incident's versions: every change to an incident and its rows, recorded whole.

Every door that changes an incident (the admin form, the workflow steps, a revert) goes through
change(): it locks the incident, refuses an edit made from an older version than the current
one (no lost update), records the state before the change if no version holds it yet (an
imported incident, or one from before versions were kept), and records the new version after.
"""

import json
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import ActorRole, CasualtyGroup, CasualtyOutcome, Status, VersionKind
from .corrections import record_correction
from .models import (
    Actor,
    EventType,
    Incident,
    IncidentVersion,
    Location,
    RevertProposal,
    Source,
    SourceReport,
    SubEventType,
    Tactic,
)

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
    """The incident's content and its rows as plain values (dates and decimals as text, as a
    stored version reads back, so that a live state compares equal to a stored one)."""
    state = {field.attname: field.value_from_object(incident) for field in CONTENT_FIELDS}
    for name, (relation, fields, order) in ROWS.items():
        rows = getattr(incident, relation).order_by(*order).values(*fields)
        state[name] = [dict(row) for row in rows]
    state["tactics"] = sorted(incident.tactics.values_list("pk", flat=True))
    state["related"] = sorted(incident.related.values_list("pk", flat=True))
    return _as_stored(state)


@contextmanager
def change(incident, *, by, kind, reason="", opened_version=None):
    """Make a change to an incident inside this block; yields a holder whose .version is the
    IncidentVersion recorded (None when nothing changed).

    Raises StaleVersion before anything is written when opened_version is given and the
    incident has moved on since. When the state before the change has no version yet (an
    imported incident), it is recorded too, but only if the change records one: a save that
    changes nothing, or a step that is refused, leaves the history as it was.
    """
    result = _Recorded()
    with transaction.atomic():
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        if opened_version is not None and int(opened_version) != current.version:
            raise StaleVersion(int(opened_version), current.version)
        before = unrecorded_state(current)
        yield result
        result.version = record_version(
            incident, by=by, kind=kind, reason=reason, unrecorded_before=before
        )


class _Recorded:
    version = None


def unrecorded_state(incident):
    """The incident as it stands, as an unsaved version, if no version holds that state yet.

    Imports write incidents without versions and move `version` on; so do changes made before
    versions were kept. Their state is recorded once, just before the next change to it.
    """
    latest = incident.versions.order_by("-number").values_list("number", flat=True).first()
    if latest is not None and latest >= incident.version:
        return None
    imported = incident.imported_at is not None and not incident.changed_since_import
    return IncidentVersion(
        incident=incident,
        number=incident.version,
        kind=VersionKind.IMPORTED if imported else VersionKind.RECORDED,
        recorded_at=incident.imported_at if imported else incident.updated_at,
        recorded_by=None if imported else incident.updated_by,
        status=incident.status,
        snapshot=snapshot(incident),
    )


def record_current_state(incident):
    """Record the incident as it stands if no version holds that state yet; return it."""
    version = unrecorded_state(incident)
    if version is not None:
        version.save()
    return version


def record_version(incident, *, by, kind, reason="", unrecorded_before=None):
    """Record the incident's state after a change as its next version, and return it.

    An edit of a published incident is recorded as a correction. An edit that leaves the
    content as it was records nothing and returns None. `unrecorded_before` (from
    unrecorded_state(), taken before the change) is saved first when a version is recorded.
    """
    state = snapshot(incident)
    status = Incident.objects.values_list("status", flat=True).get(pk=incident.pk)
    if kind == VersionKind.EDITED and status == Status.PUBLISHED:
        kind = VersionKind.CORRECTED
    if kind == VersionKind.CREATED:
        number = 1
    else:
        if kind in CONTENT_KINDS:
            if unrecorded_before is not None:
                last = [unrecorded_before.snapshot]
            else:
                last = incident.versions.order_by("-number").values_list("snapshot", flat=True)
            if last and last[0] == state:
                return None
        if unrecorded_before is not None:
            unrecorded_before.save()
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
    return json.loads(json.dumps(state, cls=DjangoJSONEncoder))


# --- showing versions and what changed between them --------------------------------------
# Pure functions over snapshots; the names behind the ids come from names_for(), a fixed
# number of queries however many versions are shown.

ROW_LABELS = {
    "casualties": _("Coded figure"),
    "reports": _("Source report"),
    "actors": _("Actor"),
    "citations": _("Citation"),
    "tactics": _("Nature of attack"),
    "related": _("Related incident"),
}

# The content fields whose value is an id, and the model that names it.
NAMED_FIELDS = {
    "location_id": Location,
    "event_type_id": EventType,
    "sub_event_type_id": SubEventType,
}


def names_for(snapshots):
    """{model: {id: name}} for every place, type, source, actor, tactic and related incident
    the snapshots mention: one query per model."""
    wanted = {model: set() for model in (Location, EventType, SubEventType, Source, Actor)}
    wanted[Tactic], wanted[Incident] = set(), set()
    for state in snapshots:
        for attname, model in NAMED_FIELDS.items():
            wanted[model].add(state.get(attname))
        for name in ("reports", "citations"):
            wanted[Source].update(row.get("source_id") for row in state.get(name, []))
        wanted[Actor].update(row.get("actor_id") for row in state.get("actors", []))
        wanted[Tactic].update(state.get("tactics", []))
        wanted[Incident].update(state.get("related", []))
    names = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if model is Incident:
            rows = model.objects.filter(pk__in=ids).values_list("pk", "start_date", "title")
            names[model] = {pk: f"{day:%Y-%m-%d} · {title}" for pk, day, title in rows}
        else:
            names[model] = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    return names


def describe(state, names):
    """A version's content for display: [(label, text)] for its own fields and
    {row kind label: [row text]} for its rows."""
    fields = [
        (capfirst(field.verbose_name), _field_text(field, state.get(field.attname), names))
        for field in CONTENT_FIELDS
    ]
    rows = {ROW_LABELS[name]: _row_texts(name, state, names) for name in ROW_LABELS}
    return fields, rows


def compare(old, new, names):
    """What differs from one snapshot to another: [(what, before, after)], with names.

    A coded figure is matched by its group and outcome, so a changed figure reads
    "12 → 14"; other rows are listed as removed (before only) or added (after only).
    """
    changes = []
    for field in CONTENT_FIELDS:
        before, after = old.get(field.attname), new.get(field.attname)
        if before != after:
            changes.append(
                (
                    capfirst(field.verbose_name),
                    _field_text(field, before, names),
                    _field_text(field, after, names),
                )
            )
    old_figures = {_figure_key(row): row for row in old.get("casualties", [])}
    new_figures = {_figure_key(row): row for row in new.get("casualties", [])}
    for key in sorted(old_figures.keys() | new_figures.keys()):
        before, after = old_figures.get(key), new_figures.get(key)
        if before != after:
            changes.append(
                (
                    gettext("%(what)s: %(figure)s")
                    % {"what": ROW_LABELS["casualties"], "figure": _figure_label(key)},
                    _casualty_text(before) if before else "—",
                    _casualty_text(after) if after else "—",
                )
            )
    for name in ("reports", "actors", "citations", "tactics", "related"):
        before = _row_texts(name, old, names)
        after = _row_texts(name, new, names)
        for text in before:
            if text not in after:
                changes.append((ROW_LABELS[name], text, "—"))
        for text in after:
            if text not in before:
                changes.append((ROW_LABELS[name], "—", text))
    return changes


def summarize(changes):
    """One line naming what changed: "Title, Coded figure: civilians killed"."""
    seen = []
    for what, _before, _after in changes:
        if what not in seen:
            seen.append(what)
    return ", ".join(str(what) for what in seen)


def history_entries(versions):
    """(version, what changed from the version before it) for versions newest first."""
    names = names_for([version.snapshot for version in versions])
    entries = []
    versions = list(versions)
    for newer, older in zip(versions, [*versions[1:], None][: len(versions)], strict=True):
        changes = compare(older.snapshot, newer.snapshot, names) if older else []
        entries.append((newer, summarize(changes)))
    return entries


def conflict(incident, opened):
    """What changed since the editor opened version `opened` of the incident: the versions
    recorded since, and each field and row that differs between then and now."""
    since = list(incident.versions.filter(number__gt=opened or 0).select_related("recorded_by"))
    base = incident.versions.filter(number__lte=opened).first() if opened else None
    changes = []
    if base is not None:
        current = snapshot(incident)
        changes = compare(base.snapshot, current, names_for([base.snapshot, current]))
    return {"opened": opened, "current": incident.version, "versions": since, "changes": changes}


def _field_text(field, value, names):
    if value is None or value == "":
        return "—"
    if field.attname in NAMED_FIELDS:
        return names[NAMED_FIELDS[field.attname]].get(value, _deleted(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _deleted(pk):
    return gettext("#%s (deleted)") % pk


def _figure_key(row):
    return (row.get("outcome"), row.get("group"))


def _figure_label(key):
    outcome, group = key
    groups, outcomes = dict(CasualtyGroup.choices), dict(CasualtyOutcome.choices)
    # "civilians killed"; a language may put the outcome first ("tués (civils)").
    return (
        gettext("%(group)s %(outcome)s")
        % {"group": groups.get(group, group), "outcome": outcomes.get(outcome, outcome)}
    ).lower()


def _casualty_text(row):
    low, best, high = row.get("low"), row.get("best"), row.get("high")
    more = "+" if row.get("high_open") else ""
    text = f"{best}{more}" if low == high else f"{best} ({low}–{high}{more})"
    if row.get("note"):
        text += f" — {row['note']}"
    return text


def _row_texts(name, state, names):
    rows = state.get(name, [])
    if name == "casualties":
        return [f"{_figure_label(_figure_key(row))}: {_casualty_text(row)}" for row in rows]
    if name == "reports":
        return [_report_text(row, names) for row in rows]
    if name == "actors":
        roles = dict(ActorRole.choices)
        return [
            f"{names[Actor].get(row['actor_id'], '?')} ({roles.get(row['role'], row['role'])})"
            for row in rows
        ]
    if name == "citations":
        return [
            " · ".join(
                str(part)
                for part in (
                    names[Source].get(row.get("source_id"), "?"),
                    row.get("title"),
                    row.get("published_on"),
                    row.get("url"),
                )
                if part
            )
            for row in rows
        ]
    model = Tactic if name == "tactics" else Incident
    return sorted(names[model].get(pk, _deleted(pk)) for pk in rows)


def _report_text(row, names):
    report = SourceReport(
        qualifier=row.get("qualifier"), figure=row.get("figure"), figure_high=row.get("figure_high")
    )
    source = names[Source].get(row.get("source_id"), _("unknown source"))
    text = gettext("%(source)s: %(figure)s %(what)s") % {
        "source": source,
        "figure": report.figure_text,
        "what": _figure_label(_figure_key(row)),
    }
    if row.get("reported_on"):
        text += f", {row['reported_on']}"
    if row.get("quote"):
        text += " " + gettext("“%s”") % row["quote"]
    return text


# --- reverting to a version -----------------------------------------------------------------


def restore(incident, state, *, by):
    """Put the incident's own fields and all its rows back as the snapshot has them.

    Call it inside change(): the restored state is then recorded as a new version. Rows are
    written again whole (the totals follow the coded figures); ids that no longer exist (a
    deleted tactic or related incident) are left out. The workflow status is never touched.
    """
    for field in CONTENT_FIELDS:
        if field.attname in state:
            setattr(incident, field.attname, field.to_python(state[field.attname]))
    incident.updated_by = by
    incident.save()
    for name, (relation, _fields, _order) in ROWS.items():
        manager = getattr(incident, relation)
        model = manager.model
        manager.all().delete()
        kept = {field.attname: field for field in model._meta.concrete_fields}
        rows = _rows_whose_references_exist(model, state.get(name, []))
        model.objects.bulk_create(
            model(
                incident=incident,
                **{key: kept[key].to_python(value) for key, value in row.items() if key in kept},
            )
            for row in rows
        )
    incident.tactics.set(Tactic.objects.filter(pk__in=state.get("tactics", [])))
    incident.related.set(Incident.objects.filter(pk__in=state.get("related", [])))
    incident.refresh_casualty_totals()


def _rows_whose_references_exist(model, rows):
    """The rows without those pointing to an actor or source deleted since the version was
    recorded (they cannot be written back; the compare page still shows them as they were).
    One query per kind of reference, however many rows."""
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.name == "incident":
            continue
        wanted = {row[field.attname] for row in rows if row.get(field.attname)}
        if wanted:
            found = set(
                field.related_model.objects.filter(pk__in=wanted).values_list("pk", flat=True)
            )
            rows = [
                row for row in rows if not row.get(field.attname) or row[field.attname] in found
            ]
    return rows


def may_revert(user, incident):
    """Reviewers revert any incident; analysts revert what the public does not see yet."""
    if user.has_perm("incidents.publish_incident"):
        return True
    return user.has_perm("incidents.change_incident") and not incident.has_public_page


def may_propose_revert(user, incident):
    """An analyst's revert of a published incident waits for a reviewer."""
    return (
        incident.status == Status.PUBLISHED
        and user.has_perm("incidents.change_incident")
        and not may_revert(user, incident)
    )


def revert(incident, version, *, by, reason, opened_version=None):
    """Revert the incident to one of its versions, as a new version; or, for an analyst's
    revert of a published incident, propose it to the reviewers. Returns the new
    IncidentVersion (None if the content was already so) or the RevertProposal."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the incident is reverted.")})
    with transaction.atomic():
        # Who may revert depends on the status: read it from the locked row, not the page.
        live = Incident.objects.select_for_update().get(pk=incident.pk)
        if may_revert(by, live):
            with change(
                live,
                by=by,
                kind=VersionKind.REVERTED,
                reason=reason.strip(),
                opened_version=opened_version,
            ) as recorded:
                restore(live, version.snapshot, by=by)
            return recorded.version
        if may_propose_revert(by, live):
            return RevertProposal.objects.create(
                incident=live,
                version=version,
                based_on=live.version,
                reason=reason.strip(),
                proposed_by=by,
            )
    raise PermissionDenied(_("You are not allowed to revert this incident."))


def decide_proposal(proposal, *, by, accept):
    """A reviewer accepts (the revert is made, with the proposal's reason, recorded as
    theirs) or rejects an analyst's proposed revert."""
    if not by.has_perm("incidents.publish_incident"):
        raise PermissionDenied(_("Only a reviewer decides on a proposed revert."))
    with transaction.atomic():
        proposal = RevertProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.accepted is not None:
            raise ValidationError(_("This proposal has already been decided."))
        if accept:
            incident = proposal.incident
            proposer = proposal.proposed_by or gettext("an analyst")
            reason = gettext("%(reason)s (proposed by %(who)s)") % {
                "reason": proposal.reason,
                "who": proposer,
            }
            with change(incident, by=by, kind=VersionKind.REVERTED, reason=reason):
                restore(incident, proposal.version.snapshot, by=by)
        proposal.accepted = accept
        proposal.decided_at, proposal.decided_by = timezone.now(), by
        proposal.save(update_fields=["accepted", "decided_at", "decided_by"])
    return proposal
