from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import CasualtyGroup, CasualtyOutcome
from .incidents import Incident
from .sources import Source


class CasualtyQuerySet(models.QuerySet):
    """Keeps incident totals in step on the bulk paths that skip Casualty.save/delete."""

    def _incident_ids(self):
        return set(self.values_list("incident_id", flat=True).distinct())

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            before = self._incident_ids()
            count = super().update(**kwargs)
            after = (
                self._incident_ids() if "incident" in kwargs or "incident_id" in kwargs else set()
            )
            Incident.objects.filter(pk__in=before | after).refresh_casualty_totals()
        return count

    def delete(self):
        with transaction.atomic(using=self.db):
            incident_ids = self._incident_ids()
            result = super().delete()
            Incident.objects.filter(pk__in=incident_ids).refresh_casualty_totals()
        return result

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for casualty in objs:
            casualty.fill_estimates()
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            incident_ids = {casualty.incident_id for casualty in objs}
            Incident.objects.filter(pk__in=incident_ids).refresh_casualty_totals()
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, *args, **kwargs)
            incident_ids = {casualty.incident_id for casualty in objs}
            Incident.objects.filter(pk__in=incident_ids).refresh_casualty_totals()
        return count


class Casualty(models.Model):
    """Figures for one group and one outcome in one incident, as low / best / high estimates."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="casualties")
    group = models.CharField(max_length=20, choices=CasualtyGroup.choices)
    outcome = models.CharField(
        max_length=20, choices=CasualtyOutcome.choices, default=CasualtyOutcome.KILLED
    )
    # low and high may be left blank in forms: they then equal best (a single reported figure).
    # Plain integers with a validator: the named constraint below is the database's only rule.
    low = models.IntegerField(blank=True, validators=[MinValueValidator(0)])
    best = models.IntegerField(validators=[MinValueValidator(0)])
    high = models.IntegerField(blank=True, validators=[MinValueValidator(0)])
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="casualties",
        help_text=_("The source that reported these figures."),
    )

    objects = CasualtyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        # Related managers (incident.casualties.add/remove) update through the base manager:
        # make it CasualtyQuerySet's, so that totals follow those writes too.
        base_manager_name = "objects"
        ordering = ["incident", "outcome", "group", "id"]
        verbose_name_plural = _("casualties")
        constraints = [
            models.CheckConstraint(
                condition=Q(low__gte=0, low__lte=F("best"), best__lte=F("high")),
                name="casualty_0_le_low_le_best_le_high",
            ),
        ]

    def __str__(self):
        figures = (
            str(self.best) if self.low == self.high else f"{self.best} ({self.low}–{self.high})"
        )
        return f"{figures} {self.get_group_display().lower()} {self.get_outcome_display().lower()}"

    def save(self, *args, **kwargs):
        self.fill_estimates()
        with transaction.atomic():
            previous_incident_id = (
                Casualty.objects.filter(pk=self.pk).values_list("incident_id", flat=True).first()
                if self.pk
                else None
            )
            super().save(*args, **kwargs)
            Incident.objects.filter(
                pk__in={self.incident_id, previous_incident_id} - {None}
            ).refresh_casualty_totals()

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            Incident.objects.filter(pk=self.incident_id).refresh_casualty_totals()
        return result

    def fill_estimates(self):
        """A single reported figure is its own low and high."""
        if self.low is None:
            self.low = self.best
        if self.high is None:
            self.high = self.best

    def clean(self):
        self.fill_estimates()
        errors = {}
        if self.best is not None:
            if self.low is not None and self.low > self.best:
                errors["low"] = _("Low (%(low)s) is more than best (%(best)s).") % {
                    "low": self.low,
                    "best": self.best,
                }
            if self.high is not None and self.best > self.high:
                errors["high"] = _("High (%(high)s) is less than best (%(best)s).") % {
                    "high": self.high,
                    "best": self.best,
                }
        if errors:
            raise ValidationError(errors)
