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

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=VersionKind.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, help_text=_("The workflow status after the change."))
    snapshot = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["incident", "-number"]
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

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="proposals")
    version = models.ForeignKey(
        IncidentVersion,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The version to restore."),
    )
    based_on = models.PositiveIntegerField(
        help_text=_("The incident's version when the revert was proposed.")
    )
    reason = models.TextField()
    proposed_at = models.DateTimeField(default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    accepted = models.BooleanField(null=True, help_text=_("Empty while waiting for review."))

    class Meta:
        ordering = ["-proposed_at", "-id"]

    def __str__(self):
        return f"Revert of {self.incident_id} to v{self.version.number}"
