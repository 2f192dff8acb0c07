from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import IncidentVersion
from .incidents import Incident


class IncidentNote(models.Model):
    """An internal note on an incident, between analysts and reviewers; never public."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="notes", verbose_name=_("incident")
    )
    text = models.TextField(_("text"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        ordering = ["incident", "-written_at", "-id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self):
        return self.text[:60]


class Correction(models.Model):
    """A public note that a published incident's facts changed: what changed and why."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("incident")
    )
    version = models.OneToOneField(
        IncidentVersion,
        on_delete=models.CASCADE,
        related_name="correction",
        verbose_name=_("version"),
    )
    corrected_at = models.DateTimeField(_("corrected at"), default=timezone.now)
    # "killed 12 → 14; date 16 September 2024 → 17 September 2024", as the public reads it.
    summary = models.TextField(_("summary"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        indexes = [models.Index(fields=["-corrected_at"], name="correction_latest_idx")]

    def __str__(self):
        return f"{self.corrected_at:%Y-%m-%d}: {self.summary}"
