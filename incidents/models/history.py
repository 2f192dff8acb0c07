from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Status, VersionKind
from .incidents import Incident


class IncidentVersion(models.Model):
    """One recorded state of an incident with its rows, and the change that made it.

    The snapshot holds the incident's own fields and its casualty figures, source reports,
    actors, citations, tactics and related incidents as they were (see incidents/history.py),
    so any version can be shown, compared with another and restored.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="versions", verbose_name=_("incident")
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=VersionKind.choices)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, help_text=_("The workflow status after the change.")
    )
    snapshot = models.JSONField(_("snapshot"), encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["incident", "-number"]
        verbose_name = _("incident version")
        verbose_name_plural = _("incident versions")
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "number"], name="incident_version_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} v{self.number} ({self.get_kind_display()})"

    @property
    def status_label(self):
        """The status after the change, as the workflow names it ("In review")."""
        return dict(Status.choices).get(self.status, self.status)


class RevertProposal(models.Model):
    """An analyst's revert of a published incident, waiting for a reviewer to accept it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("incident")
    )
    version = models.ForeignKey(
        IncidentVersion,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("version"),
        help_text=_("The version to restore."),
    )
    based_on = models.PositiveIntegerField(
        _("based on"), help_text=_("The incident's version when the revert was proposed.")
    )
    reason = models.TextField(_("reason"))
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("decided by"),
    )
    accepted = models.BooleanField(
        _("accepted"), null=True, help_text=_("Empty while waiting for review.")
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("revert proposal")
        verbose_name_plural = _("revert proposals")

    def __str__(self):
        return _("Revert of %(incident)s to v%(number)s") % {
            "incident": self.incident_id,
            "number": self.version.number,
        }
