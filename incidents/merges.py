"""Merging what was entered twice: two incidents that report one event, two sources that are
one publisher, two actors that are one group.

Nothing is lost and nothing is added up. A merge of incidents moves the duplicate's citations,
source reports, actor roles and natures of attack to the incident kept, and retracts the
duplicate as a duplicate of it (its address then points there). The kept incident's coded
figures stay as they are: the duplicate's source reports join its own, from which a reviewer
revises the coded range if need be; the two incidents' figures are never summed.

A merge of sources or actors moves every citation, source report or role to the one kept,
records a version of each incident it touches (so its history says so), and deletes the
others; an actor's other names become its aliases, so that imports and searches still find it.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import Status, VersionKind
from .history import StaleVersion, change, record_current_state
from .importers.bulk import batched
from .models import Actor, ActorAlias, Citation, Incident, IncidentActor, Source, SourceReport

# A citation is the same citation when all of these are.
CITATION_FIELDS = ["source_id", "url", "title", "published_on", "excerpt"]


@dataclass
class IncidentMerge:
    """What merging `duplicate` into `kept` moves, and what it leaves where it is."""

    kept: Incident
    duplicate: Incident
    citations: list  # moved to the kept incident
    same_citations: list  # the kept incident cites the same already: stay on the duplicate
    reports: list
    roles: list
    same_roles: list  # the same actor in the same role on the kept incident already
    tactics: list  # natures of attack the kept incident lacks

    @property
    def problems(self):
        """Why the merge is not possible: an empty list when it is."""
        problems = []
        if self.kept.pk == self.duplicate.pk:
            problems.append(_("An incident cannot be merged with itself."))
        not_published = (
            (
                self.kept,
                _(
                    "The kept incident “%(title)s” is %(status)s: only published incidents are "
                    "merged (the duplicate is retracted, and its address points to the one kept)."
                ),
            ),
            (
                self.duplicate,
                _(
                    "The duplicate incident “%(title)s” is %(status)s: only published incidents "
                    "are merged (the duplicate is retracted, and its address points to the one "
                    "kept)."
                ),
            ),
        )
        for incident, message in not_published:
            if incident.status != Status.PUBLISHED:
                problems.append(
                    message
                    % {"title": incident.title, "status": incident.get_status_display().lower()}
                )
        return problems

    def moved_text(self):
        """ "2 citations, 3 source reports, 1 actor role" (what moves), for the histories."""
        parts = [
            ngettext("%d citation", "%d citations", len(self.citations)) % len(self.citations),
            ngettext("%d source report", "%d source reports", len(self.reports))
            % len(self.reports),
            ngettext("%d actor role", "%d actor roles", len(self.roles)) % len(self.roles),
            ngettext("%d nature of attack", "%d natures of attack", len(self.tactics))
            % len(self.tactics),
        ]
        return ", ".join(parts)

    def kept_reason(self, reason):
        text = _(
            "Merged with incident %(id)s, “%(title)s”, retracted as its duplicate: "
            "%(moved)s moved here."
        ) % {
            "id": self.duplicate.pk,
            "title": self.duplicate.title,
            "moved": self.moved_text(),
        }
        return f"{text} {reason}".strip()

    def duplicate_reason(self, reason):
        text = _(
            "Duplicate of incident %(id)s, “%(title)s”: merged into it (%(moved)s moved there)."
        ) % {"id": self.kept.pk, "title": self.kept.title, "moved": self.moved_text()}
        return f"{text} {reason}".strip()


def plan_incident_merge(kept, duplicate):
    """What merging `duplicate` into `kept` would move (see IncidentMerge); writes nothing."""
    kept_citations = {
        tuple(row[name] for name in CITATION_FIELDS)
        for row in kept.citations.values(*CITATION_FIELDS)
    }
    citations, same_citations = [], []
    for citation in duplicate.citations.select_related("source"):
        key = tuple(getattr(citation, name) for name in CITATION_FIELDS)
        (same_citations if key in kept_citations else citations).append(citation)
    kept_roles = set(kept.incident_actors.values_list("actor_id", "role"))
    roles, same_roles = [], []
    for role in duplicate.incident_actors.select_related("actor"):
        (same_roles if (role.actor_id, role.role) in kept_roles else roles).append(role)
    return IncidentMerge(
        kept=kept,
        duplicate=duplicate,
        citations=citations,
        same_citations=same_citations,
        reports=list(duplicate.source_reports.select_related("source")),
        roles=roles,
        same_roles=same_roles,
        tactics=list(duplicate.tactics.exclude(pk__in=kept.tactics.values("pk"))),
    )


def merge_incidents(kept, duplicate, *, by, reason="", versions=None):
    """Merge `duplicate` into `kept` (see the module docstring) and return the IncidentMerge.

    `versions` is (kept's, duplicate's) version as the reviewer saw them on the confirmation
    page: when either incident changed since, StaleVersion is raised and nothing is written.
    Raises PermissionDenied unless `by` may publish and retract, and ValidationError when the
    merge is not possible.
    """
    if not by.has_perm("incidents.publish_incident"):
        raise PermissionDenied(_("You are not allowed to do this."))
    with transaction.atomic():
        # Both rows locked, in id order (two merges of the same pair cannot deadlock), and
        # read as they now are.
        current = {
            incident.pk: incident
            for incident in Incident.objects.select_for_update()
            .filter(pk__in=[kept.pk, duplicate.pk])
            .order_by("pk")
        }
        kept, duplicate = current[kept.pk], current[duplicate.pk]
        if versions is not None:
            for incident, opened in zip((kept, duplicate), versions, strict=True):
                if int(opened) != incident.version:
                    raise StaleVersion(int(opened), incident.version)
        plan = plan_incident_merge(kept, duplicate)
        if plan.problems:
            raise ValidationError(plan.problems)
        # The duplicate's state with its rows is in its history before they leave it (an
        # imported incident has no version of its own yet).
        record_current_state(duplicate)
        with change(kept, by=by, kind=VersionKind.EDITED, reason=plan.kept_reason(reason)):
            Citation.objects.filter(pk__in=[row.pk for row in plan.citations]).update(incident=kept)
            SourceReport.objects.filter(pk__in=[row.pk for row in plan.reports]).update(
                incident=kept
            )
            IncidentActor.objects.filter(pk__in=[row.pk for row in plan.roles]).update(
                incident=kept
            )
            kept.tactics.add(*plan.tactics)
            # A later re-import of the kept incident must not write over what was merged into
            # it: it is changed since its import now, so a changed row is a conflict.
            kept.mark_changed(by)
        # Incidents retracted earlier as duplicates of this one point to the one kept now.
        Incident.objects.filter(duplicate_of=duplicate).update(duplicate_of=kept)
        duplicate.retract_as_duplicate(by=by, of=kept, reason=plan.duplicate_reason(reason))
    return plan


# --- sources and actors -------------------------------------------------------------------


def merge_sources(kept, others, *, by):
    """Move every citation and source report of the `others` sources to `kept` and delete
    them; each incident touched records a version saying so. Returns the number of incidents
    touched."""
    others = [source for source in others if source.pk != kept.pk]
    reason = _merge_reason(_("Sources merged: %(others)s → %(kept)s."), kept, others)
    with transaction.atomic():
        incident_ids = sorted(
            set(Citation.objects.filter(source__in=others).values_list("incident_id", flat=True))
            | set(
                SourceReport.objects.filter(source__in=others).values_list("incident_id", flat=True)
            )
        )
        for incident in _incidents(incident_ids):
            with change(incident, by=by, kind=VersionKind.EDITED, reason=reason):
                incident.citations.filter(source__in=others).update(source=kept)
                incident.source_reports.filter(source__in=others).update(source=kept)
        if not kept.url:
            kept.url = next((source.url for source in others if source.url), "")
            kept.save(update_fields=["url"])
        Source.objects.filter(pk__in=[source.pk for source in others]).delete()
    return len(incident_ids)


def merge_actors(kept, others, *, by):
    """Move every role of the `others` actors to `kept` (a role the kept actor already has in
    the same incident is the same fact, and is not doubled), make their names and aliases
    aliases of `kept`, and delete them; each incident touched records a version saying so.
    Returns the number of incidents touched."""
    others = [actor for actor in others if actor.pk != kept.pk]
    reason = _merge_reason(_("Actors merged: %(others)s → %(kept)s."), kept, others)
    with transaction.atomic():
        incident_ids = sorted(
            set(
                IncidentActor.objects.filter(actor__in=others).values_list("incident_id", flat=True)
            )
        )
        for incident in _incidents(incident_ids):
            with change(incident, by=by, kind=VersionKind.EDITED, reason=reason):
                roles = incident.incident_actors
                held = set(roles.filter(actor=kept).values_list("role", flat=True))
                roles.filter(actor__in=others, role__in=held).delete()
                for role in roles.filter(actor__in=others).order_by("pk"):
                    if role.role in held:  # two of the others in one role
                        role.delete()
                    else:
                        role.actor = kept
                        role.save(update_fields=["actor"])
                        held.add(role.role)
        ActorAlias.objects.filter(actor__in=others).update(actor=kept)
        for actor in others:
            ActorAlias.objects.update_or_create(name=actor.name, defaults={"actor": kept})
        if not kept.description:
            kept.description = next(
                (actor.description for actor in others if actor.description), ""
            )
            kept.save(update_fields=["description"])
        Actor.objects.filter(pk__in=[actor.pk for actor in others]).delete()
    return len(incident_ids)


def _merge_reason(text, kept, others):
    """The reason each touched incident's version gives: 'Sources merged: “A”, “B” → “C”.'
    (`text` names what was merged, with %(others)s and %(kept)s in it)."""
    return text % {
        "others": ", ".join(quoted(other) for other in others),
        "kept": quoted(kept),
    }


def quoted(name):
    """A name between the quotation marks of the active language: “A” or « A »."""
    return _("“%s”") % name


def _incidents(ids):
    """The incidents of `ids` in id order, read a batch at a time (a publisher may be cited on
    thousands)."""
    for batch in batched(ids, 500):
        yield from Incident.objects.filter(pk__in=batch).order_by("pk")
