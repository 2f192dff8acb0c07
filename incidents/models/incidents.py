from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..acled import OWN_EVENT_ID_PREFIX, changed_or_published_at
from ..choices import (
    ActorRole,
    ActorType,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    Status,
    VersionKind,
)
from ..querysets import CASUALTY_TOTAL_FIELDS, IncidentQuerySet
from ..roles import ROLE_NAMES, dataset_of
from ..taxonomy import (
    EVENT_TYPES,
    derive_violence_type,
    event_type_label,
    sub_event_type_label,
    tactic_label,
)
from .actors import Actor
from .places import Location


class EventType(models.Model):
    """An ACLED event type (Battles, Explosions/Remote violence, …)."""

    code = models.SlugField(_("code"), max_length=50, primary_key=True)
    # ACLED's English name, which the downloads write in every language; pages show `label`.
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("event type")
        verbose_name_plural = _("event types")

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The event type's name in the reader's language ("Batailles")."""
        return event_type_label(self.code, self.name)


class SubEventType(models.Model):
    """An ACLED sub-event type, which belongs to exactly one event type."""

    code = models.SlugField(_("code"), max_length=50, primary_key=True)
    event_type = models.ForeignKey(
        EventType,
        on_delete=models.PROTECT,
        related_name="sub_event_types",
        verbose_name=_("event type"),
    )
    # ACLED's English name, as EventType.name.
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["event_type__name", "name"]
        verbose_name = _("sub-event type")
        verbose_name_plural = _("sub-event types")
        constraints = [
            models.UniqueConstraint(
                fields=["event_type", "name"], name="sub_event_type_unique_name"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The sub-event type's name in the reader's language ("Affrontement armé")."""
        return sub_event_type_label(self.code, self.name)


class Tactic(models.Model):
    """A "nature of attack" tag an analyst puts on incidents: ambush, coordinated, IED…"""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("nature of attack")
        verbose_name_plural = _("natures of attack")

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The tag in the reader's language: a seeded tag's translation, else its name."""
        return tactic_label(self.name)


def sub_event_type_belongs_to_event_type():
    """The database rule that an incident's sub-event type is one of its event type's."""
    allowed = Q(sub_event_type__isnull=True)
    for event_code, (_name, sub_types) in EVENT_TYPES.items():
        allowed |= Q(event_type=event_code, sub_event_type__in=[code for code, _ in sub_types])
    return allowed


def recorded_user(verbose_name):
    """A field naming who took a step; it keeps the step (as unknown) if the account goes.

    Not indexed: no page looks incidents up by who took a step, and each of the five indexes
    would slow every insert (imports write a hundred thousand rows at a time).
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        db_index=False,
        verbose_name=verbose_name,
    )


# Written only by the review workflow's steps (submit_for_review, publish, retract …).
WORKFLOW_FIELDS = [
    "status",
    "submitted_at",
    "submitted_by",
    "published_at",
    "published_by",
    "retracted_at",
    "retracted_by",
    "retraction_reason",
    "duplicate_of",
    "returned_at",
    "returned_by",
    "return_reason",
    # Moved on by history.record_version() only, once per recorded change.
    "version",
]


class Incident(models.Model):
    """One violent event at one place on one date (or date range)."""

    title = models.CharField(_("title"), max_length=300)
    narrative = models.TextField(_("narrative"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Only for events that lasted several days."),
    )
    date_precision = models.PositiveSmallIntegerField(
        _("date precision"), choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("location")
    )
    geo_precision = models.PositiveSmallIntegerField(
        _("geo precision"), choices=GeoPrecision.choices, default=GeoPrecision.EXACT
    )
    event_type = models.ForeignKey(
        EventType, on_delete=models.PROTECT, related_name="+", verbose_name=_("event type")
    )
    sub_event_type = models.ForeignKey(
        SubEventType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-event type"),
    )
    tactics = models.ManyToManyField(
        Tactic, blank=True, related_name="incidents", verbose_name=_("nature of attack")
    )
    civilian_targeting = models.BooleanField(
        _("civilian targeting"),
        default=False,
        help_text=_("Civilians were the main target (ACLED civilian_targeting)."),
    )
    actors = models.ManyToManyField(
        Actor, through="IncidentActor", related_name="incidents", verbose_name=_("actors")
    )
    related = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=True,
        verbose_name=_("related incidents"),
        help_text=_("Other days or sites of the same attack."),
    )

    # Totals of the casualty rows, kept in step by Casualty (see casualties.py); NULL means
    # no row reports that outcome, i.e. unknown, which is not the same as zero.
    toll_unknown = models.BooleanField(
        _("toll unknown"),
        default=False,
        help_text=_("No source gives a killed figure yet; publish without one."),
    )

    killed_low = models.PositiveIntegerField(_("killed low"), null=True, editable=False)
    killed_best = models.PositiveIntegerField(_("killed best"), null=True, editable=False)
    killed_high = models.PositiveIntegerField(_("killed high"), null=True, editable=False)
    injured_low = models.PositiveIntegerField(_("injured low"), null=True, editable=False)
    injured_best = models.PositiveIntegerField(_("injured best"), null=True, editable=False)
    injured_high = models.PositiveIntegerField(_("injured high"), null=True, editable=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    submitted_by = recorded_user(_("submitted by"))
    published_at = models.DateTimeField(_("published at"), null=True, editable=False)
    published_by = recorded_user(_("published by"))
    retracted_at = models.DateTimeField(_("retracted at"), null=True, editable=False)
    retracted_by = recorded_user(_("retracted by"))
    retraction_reason = models.TextField(_("retraction reason"), blank=True, editable=False)
    # Retracted because it reports the same event as another incident: its address points
    # there.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="duplicates",
        db_index=False,
        verbose_name=_("duplicate of"),
    )
    # The last time a reviewer sent it back to draft, and why (shown to its analyst).
    returned_at = models.DateTimeField(_("returned at"), null=True, editable=False)
    returned_by = recorded_user(_("returned by"))
    return_reason = models.TextField(_("return reason"), blank=True, editable=False)

    # The number of the incident's current version (history.IncidentVersion.number). An edit
    # made from an older version is refused instead of overwriting the change in between.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # Identifiers in the reference datasets, so that re-imports update instead of duplicating.
    acled_event_id = models.CharField(_("ACLED event_id_cnty"), max_length=30, blank=True)
    ucdp_id = models.CharField(_("UCDP GED id"), max_length=30, blank=True)
    gtd_event_id = models.CharField(_("GTD eventid"), max_length=30, blank=True)
    # What the dataset an incident was imported from says that no field of ours holds (UCDP's
    # conflict and dyad, its deaths by side and its sources as it first listed them; GTD's
    # weapons and targets), column by column as the dataset wrote it: {"dyad_name": "…"}.
    dataset_fields = models.JSONField(
        _("as the dataset records it"), default=dict, blank=True, editable=False
    )
    # What the importer last wrote, so that a re-import can tell "the file changed" from "an
    # analyst changed the incident since" (updated_at later than imported_at).
    imported_at = models.DateTimeField(_("imported at"), null=True, editable=False)
    # The admin upload that last wrote it, so that a run links to what it created or changed.
    import_run = models.ForeignKey(
        "ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="incidents",
        verbose_name=_("import run"),
    )
    import_fingerprint = models.CharField(
        _("import fingerprint"), max_length=64, blank=True, editable=False
    )
    # When the source dataset last changed the record (ACLED's timestamp), if it says.
    source_updated_at = models.DateTimeField(_("source updated at"), null=True, editable=False)

    # Set by save() (and by the importer, which writes in bulk), not auto_now: the importer
    # needs "imported at" and "last changed" to be the same instant.
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = recorded_user(_("created by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    updated_by = recorded_user(_("updated by"))

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [("publish_incident", "Can publish and retract incidents")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="incident_end_date_not_before_start",
            ),
            models.CheckConstraint(
                condition=sub_event_type_belongs_to_event_type(),
                name="incident_sub_event_type_in_event_type",
            ),
            models.CheckConstraint(
                condition=Q(killed_low__isnull=True)
                | Q(killed_low__lte=F("killed_best"), killed_best__lte=F("killed_high")),
                name="incident_killed_low_le_best_le_high",
            ),
            models.CheckConstraint(
                condition=Q(injured_low__isnull=True)
                | Q(injured_low__lte=F("injured_best"), injured_best__lte=F("injured_high")),
                name="incident_injured_low_le_best_le_high",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.PUBLISHED, Status.RETRACTED])
                | Q(published_at__isnull=False),
                name="incident_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.RETRACTED)
                | (Q(retracted_at__isnull=False) & ~Q(retraction_reason="")),
                name="incident_retraction_has_date_and_reason",
            ),
            models.UniqueConstraint(
                fields=["acled_event_id"],
                condition=~Q(acled_event_id=""),
                name="incident_unique_acled_event_id",
            ),
            models.UniqueConstraint(
                fields=["ucdp_id"], condition=~Q(ucdp_id=""), name="incident_unique_ucdp_id"
            ),
            models.UniqueConstraint(
                fields=["gtd_event_id"],
                condition=~Q(gtd_event_id=""),
                name="incident_unique_gtd_event_id",
            ),
        ]
        indexes = [
            # The public list, newest first (its default order).
            models.Index(
                F("start_date").desc(),
                F("id").desc(),
                condition=Q(status=Status.PUBLISHED),
                name="incident_public_date_idx",
            ),
            # The public list sorted by killed is served by incident_public_killed_idx, created
            # on PostgreSQL only by migration 0004 (SQLite cannot index NULLS LAST).
            # The public list sorted by place: each place's published incidents in id order.
            models.Index(
                fields=["location", "id"],
                condition=Q(status=Status.PUBLISHED),
                name="incident_public_place_idx",
            ),
            # The public list sorted by type: event type, sub-event type (none last going up,
            # first going down: PostgreSQL's default both ways), id; read backwards going down.
            models.Index(
                fields=["event_type", "sub_event_type", "id"],
                condition=Q(status=Status.PUBLISHED),
                name="incident_public_type_idx",
            ),
            # The analysts' admin list, filtered by status and ordered by date.
            models.Index(fields=["status", "-start_date"], name="incident_status_date_idx"),
            # The analysts' admin list of every status, newest first (its default order): its
            # first page read the first 100 of a million sorted rows (bench/bench_corners.py).
            models.Index(F("start_date").desc(), F("id").desc(), name="incident_date_idx"),
            # The admin list sorted by killed or by title, either way, over every status, ties
            # newest first (admin.IncidentChangeList): each first page sorted a million rows,
            # 1.3-2.1 s (incident_public_killed_idx holds the published ones only, and puts
            # unknown tolls last). An index for each direction: the date goes newest first in
            # both, which one index read backwards cannot give.
            models.Index(
                F("killed_best").asc(),
                F("start_date").desc(),
                F("id").desc(),
                name="incident_killed_idx",
            ),
            models.Index(
                F("killed_best").desc(),
                F("start_date").desc(),
                F("id").desc(),
                name="incident_killed_desc_idx",
            ),
            models.Index(
                F("title").asc(), F("start_date").desc(), F("id").desc(), name="incident_title_idx"
            ),
            models.Index(
                F("title").desc(),
                F("start_date").desc(),
                F("id").desc(),
                name="incident_title_desc_idx",
            ),
            # The admin list sorted by event type (its code, admin.incident.SORT_KEYS) either
            # way, and by status going down, ties newest first: each first page sorted a million
            # rows (0.7-1.1 s). Going up by status, incident_status_date_idx serves.
            models.Index(
                F("event_type_id").asc(),
                F("start_date").desc(),
                F("id").desc(),
                name="incident_event_type_idx",
            ),
            models.Index(
                F("event_type_id").desc(),
                F("start_date").desc(),
                F("id").desc(),
                name="incident_event_type_desc_idx",
            ),
            models.Index(
                F("status").desc(),
                F("start_date").desc(),
                F("id").desc(),
                name="incident_status_desc_idx",
            ),
            # /acled-api/acled/read?timestamp=…: what changed or was published since a mirror's
            # last sync, usually a few rows of a million. Not partial: PostgreSQL estimates a
            # range over an expression from the statistics of a whole-table index only.
            models.Index(changed_or_published_at(), name="incident_changed_idx"),
            # The admin search's ACLED id, any case (acled_event_id__iexact): without it each
            # word searched read every incident's id.
            models.Index(Upper("acled_event_id"), name="incident_acled_id_folded_idx"),
            # The incidents entered here, not imported (credits.source_dataset_condition's
            # INCIDENTDB: no other dataset's id): whether a published one exists is what the
            # credits of an answer over all published incidents ask (counts.published_datasets).
            # Imported incidents are most, often all, and without it that question read every
            # incident: 365 ms at a million, on the first series after each publication.
            models.Index(
                fields=["id"],
                condition=Q(ucdp_id="")
                & Q(gtd_event_id="")
                & (Q(acled_event_id="") | Q(acled_event_id__startswith=OWN_EVENT_ID_PREFIX)),
                name="incident_entered_here_idx",
            ),
        ]

    def __str__(self):
        kind = self.sub_event_type or self.event_type
        return f"{self.start_date:%Y-%m-%d} · {self.location.name} · {kind}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            # Totals come from casualty rows, and a new incident has none yet.
            for name in CASUALTY_TOTAL_FIELDS:
                setattr(self, name, None)
        if kwargs.get("update_fields") is None:
            self.updated_at = timezone.now()  # a full save is a change
            # A full save of an existing incident writes its content only: the totals are
            # written by refresh_casualty_totals() (an instance loaded before its casualty rows
            # changed must not put old totals back) and the workflow fields by the workflow
            # steps (so that no edit or history revert publishes, unpublishes or un-retracts).
            if not self._state.adding:
                kwargs["update_fields"] = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key
                    and field.name not in CASUALTY_TOTAL_FIELDS
                    and field.name not in WORKFLOW_FIELDS
                ]
        # The count tables and the public data version follow in the same statement (their
        # triggers, migration 0021): nothing remembered from before a publication is served.
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("incidents:incident_detail", args=[self.pk])

    @property
    def changed_since_import(self):
        """True when someone changed the incident after the importer last wrote it."""
        return self.imported_at is None or self.updated_at > self.imported_at

    @property
    def has_public_page(self):
        """Published incidents show at their URL; retracted ones say there that they were."""
        return self.status in (Status.PUBLISHED, Status.RETRACTED)

    def clean(self):
        errors = {}
        if self.start_date and self.start_date > timezone.localdate():
            errors["start_date"] = _("The start date is in the future.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        elif self.end_date and self.end_date > timezone.localdate():
            errors["end_date"] = _("The end date is in the future.")
        if (
            self.sub_event_type_id
            and self.event_type_id
            and self.sub_event_type.event_type_id != self.event_type_id
        ):
            errors["sub_event_type"] = _("%(sub)s is not a kind of %(type)s.") % {
                "sub": self.sub_event_type,
                "type": self.event_type,
            }
        if errors:
            raise ValidationError(errors)

    # --- the review workflow; each step records who took it, and why, as a version --------

    def submit_for_review(self, by):
        with self._workflow_step(by, "incidents.change_incident", VersionKind.SUBMITTED):
            self._require_status(Status.DRAFT)
            self.status = Status.IN_REVIEW
            self.submitted_at, self.submitted_by = timezone.now(), by
            self._save_step(by, ["status", "submitted_at", "submitted_by"])

    def return_to_draft(self, by, reason):
        """Send an incident in review back to its analyst, saying what to fix."""
        reason = _required_reason(reason, "return_reason", _("Say why it goes back to draft."))
        with self._workflow_step(by, "incidents.publish_incident", VersionKind.RETURNED, reason):
            self._require_status(Status.IN_REVIEW)
            self.status = Status.DRAFT
            self.returned_at, self.returned_by, self.return_reason = timezone.now(), by, reason
            self._save_step(by, ["status", "returned_at", "returned_by", "return_reason"])

    def publish(self, by):
        with self._workflow_step(by, "incidents.publish_incident", VersionKind.PUBLISHED):
            self._require_status(Status.DRAFT, Status.IN_REVIEW)
            problems = self.publishing_problems()
            if problems:
                raise ValidationError(problems)
            self.status = Status.PUBLISHED
            self.published_at, self.published_by = timezone.now(), by
            self._save_step(by, ["status", "published_at", "published_by"])

    def publishing_problems(self):
        """Why the incident cannot be published yet: an empty list when it can."""
        problems = []
        if not self.citations.exists():
            problems.append(_("it cites no source"))
        if (
            not self.toll_unknown
            and not self.casualties.filter(outcome=CasualtyOutcome.KILLED).exists()
        ):
            problems.append(_("it has no coded killed figure and “toll unknown” is not checked"))
        return problems

    def retract(self, by, reason):
        """Withdraw a published incident; its URL then says when and why, not what."""
        self._retract(by, reason, duplicate_of=None)

    def retract_as_duplicate(self, by, of, reason=""):
        """Withdraw a published incident that reports the same event as `of`, which is kept:
        the retracted incident's address then points to it."""
        if of is None or of.pk == self.pk or of.status != Status.PUBLISHED:
            raise ValidationError(
                {"duplicate_of": _("The incident kept must be another published incident.")}
            )
        self._retract(by, reason or self.duplicate_reason(of), duplicate_of=of)

    @staticmethod
    def duplicate_reason(of):
        return _("Duplicate of incident %(id)s, “%(title)s”.") % {"id": of.pk, "title": of.title}

    def reinstate(self, by, reason):
        """Publish a retracted incident again; the retraction and the first publication stay in
        its versions. published_at becomes now: the incident enters the public data again, which
        a mirror that deleted it on its retraction must see (the ACLED API's `timestamp`)."""
        reason = _required_reason(reason, "reason", _("Say why the incident is reinstated."))
        with self._workflow_step(by, "incidents.publish_incident", VersionKind.REINSTATED, reason):
            self._require_status(Status.RETRACTED)
            self.status = Status.PUBLISHED
            self.published_at, self.published_by = timezone.now(), by
            self.retracted_at, self.retracted_by, self.retraction_reason = None, None, ""
            self.duplicate_of = None
            self._save_step(
                by,
                [
                    "status",
                    "published_at",
                    "published_by",
                    "retracted_at",
                    "retracted_by",
                    "retraction_reason",
                    "duplicate_of",
                ],
            )

    def _retract(self, by, reason, duplicate_of):
        reason = _required_reason(
            reason, "retraction_reason", _("Say why the incident is retracted.")
        )
        with self._workflow_step(by, "incidents.publish_incident", VersionKind.RETRACTED, reason):
            self._require_status(Status.PUBLISHED)
            self.status = Status.RETRACTED
            self.retracted_at, self.retracted_by = timezone.now(), by
            self.retraction_reason, self.duplicate_of = reason, duplicate_of
            self._save_step(
                by, ["status", "retracted_at", "retracted_by", "retraction_reason", "duplicate_of"]
            )

    def mark_changed(self, by):
        """Record a correction made to the incident's casualties, actors or citations."""
        self.updated_at, self.updated_by = timezone.now(), by
        self.save(update_fields=["updated_at", "updated_by"])

    @contextmanager
    def _workflow_step(self, by, permission, kind, reason=""):
        """Take a step as a recorded change: the permission, then the status as the locked row
        has it (not as this object was loaded), then the step, then its version."""
        from ..history import change  # history imports the models

        self._require(by, permission)
        with change(self, by=by, kind=kind, reason=reason):
            self.refresh_from_db(fields=WORKFLOW_FIELDS)
            yield

    def _require(self, user, permission):
        if not user.has_perm(permission):
            raise PermissionDenied(_("You are not allowed to do this."))

    def _require_status(self, *allowed):
        if self.status not in allowed:
            raise ValidationError(
                _("Not possible for an incident that is %(status)s.")
                % {"status": self.get_status_display().lower()}
            )

    def _save_step(self, by, fields):
        # A step is not a correction: "last changed" (updated_at) stays, so the public date of
        # the last correction and an importer's "changed since import" both ignore it. The
        # version recorded by _workflow_step says who took the step, when and why.
        self.save(update_fields=fields)

    # --- derived values ---------------------------------------------------------------------

    def refresh_casualty_totals(self):
        """Recompute the killed/injured totals from the casualty rows and reload them."""
        Incident.objects.filter(pk=self.pk).refresh_casualty_totals()
        self.refresh_from_db(fields=CASUALTY_TOTAL_FIELDS)

    @property
    def acled_time_precision(self):
        """ACLED time_precision (1 day, 2 week, 3 month or longer) from UCDP's date precision."""
        if self.date_precision <= DatePrecision.DAY:
            return 1
        if self.date_precision <= DatePrecision.WEEK:
            return 2
        return 3

    @property
    def acled_geo_precision(self):
        """ACLED geo_precision (1 the place, 2 near it, 3 a larger area) from UCDP's where_prec."""
        if self.geo_precision == GeoPrecision.EXACT:
            return 1
        if self.geo_precision == GeoPrecision.NEAR:
            return 2
        return 3

    @property
    def role_names(self):
        """How the dataset this incident came from names its sides (roles.RoleNames)."""
        return ROLE_NAMES[dataset_of(self.acled_event_id, self.ucdp_id)]

    def actors_as_recorded(self):
        """(role name in the dataset's words, IncidentActor) for each actor, in role order:
        "Side B: JNIM" for a UCDP event, "Target: …" for an incident entered here."""
        names = self.role_names
        return [(names.of(link.role), link) for link in self.incident_actors.all()]

    def actors_in_role(self, *roles):
        """Actors in the given roles, from prefetched incident_actors when available."""
        return [link.actor for link in self.incident_actors.all() if link.role in roles]

    @property
    def perpetrators(self):
        return self.actors_in_role(ActorRole.PERPETRATOR, ActorRole.PERPETRATOR_ASSOCIATE)

    @property
    def targets(self):
        return self.actors_in_role(ActorRole.TARGET, ActorRole.TARGET_ASSOCIATE)

    @property
    def violence_type(self):
        """UCDP type_of_violence derived from the actors' types, or None."""
        return derive_violence_type(
            [actor.actor_type for actor in self.perpetrators],
            [actor.actor_type for actor in self.targets],
        )


def _required_reason(reason, field, message):
    """The reason given for a step, stripped; a ValidationError on `field` when there is none."""
    if not reason or not reason.strip():
        raise ValidationError({field: message})
    return reason.strip()


class IncidentActor(models.Model):
    """An actor's role in one incident."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="incident_actors",
        verbose_name=_("incident"),
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="incident_roles", verbose_name=_("actor")
    )
    role = models.CharField(_("role"), max_length=30, choices=ActorRole.choices)
    # ACLED codes inter1 / inter2 per event, not per actor: a state's forces acting abroad are
    # 8 (External/Other forces) in one event and 1 in another. The code a row gives the role is
    # kept here and is what exports print (coded_type); empty when the row gives none (ACLED's
    # associated actors, UCDP and GTD, whose types follow from the actor, an analyst's entry),
    # and then the actor's own type stands. A SmallIntegerField, not a Positive one, whose CHECK
    # would make adding the column scan every role; the choices hold the range.
    actor_type = models.SmallIntegerField(
        _("type in this incident"),
        choices=ActorType.choices,
        null=True,
        blank=True,
        help_text=_("ACLED inter code the event gives this actor; empty: the actor's type"),
    )

    class Meta:
        ordering = ["incident", "role", "id"]
        verbose_name = _("actor in this incident")
        verbose_name_plural = _("actors in this incident")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "actor", "role"], name="incident_actor_unique_role"
            ),
        ]
        indexes = [
            # An actor's incidents and roles from the index alone: the actor page (its role
            # counts, trend and co-actors) and the searches' "names an actor" arm.
            models.Index(fields=["actor", "incident", "role"], name="incident_actor_by_actor_idx"),
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"

    @property
    def coded_type(self):
        """The actor's ACLED inter code in this incident: the role's own, else the actor's."""
        return self.actor.actor_type if self.actor_type is None else self.actor_type

    def get_coded_type_display(self):
        """The label of coded_type; "" when the actor has no known type."""
        return ActorType(self.coded_type).label if self.coded_type is not None else ""
