from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..choices import CasualtyGroup, CasualtyOutcome, ReportQualifier
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
    """The coded figure for one group and one outcome in one incident: low / best / high.

    This is what every total, list, filter, chart, export and the API count. What each source
    said is kept apart, as SourceReport rows; the coded figure is never their sum.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="casualties", verbose_name=_("incident")
    )
    group = models.CharField(_("group"), max_length=20, choices=CasualtyGroup.choices)
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=CasualtyOutcome.choices,
        default=CasualtyOutcome.KILLED,
    )
    # low and high may be left blank in forms: they then equal best (a single reported figure).
    # Plain integers with a validator: the named constraint below is the database's only rule.
    low = models.IntegerField(_("low"), blank=True, validators=[MinValueValidator(0)])
    best = models.IntegerField(_("best"), validators=[MinValueValidator(0)])
    high = models.IntegerField(_("high"), blank=True, validators=[MinValueValidator(0)])
    high_open = models.BooleanField(
        _("high is open"),
        default=False,
        help_text=_("A source says “at least” the high figure: there may be more."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("Why the coded figure differs from what the sources reported."),
    )

    objects = CasualtyQuerySet.as_manager()

    class Meta:
        # Related managers (incident.casualties.add/remove) update through the base manager:
        # make it CasualtyQuerySet's, so that totals follow those writes too.
        base_manager_name = "objects"
        ordering = ["incident", "outcome", "group", "id"]
        verbose_name = _("casualty")
        verbose_name_plural = _("casualties")
        constraints = [
            models.CheckConstraint(
                condition=Q(low__gte=0, low__lte=F("best"), best__lte=F("high")),
                name="casualty_0_le_low_le_best_le_high",
            ),
            # One coded figure per group and outcome: several would be added up in the totals.
            models.UniqueConstraint(
                fields=["incident", "group", "outcome"], name="casualty_one_per_group_outcome"
            ),
        ]

    def __str__(self):
        open_mark = "+" if self.high_open else ""
        figures = (
            f"{self.best}{open_mark}"
            if self.low == self.high
            else f"{self.best} ({self.low}–{self.high}{open_mark})"
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


class SourceReport(models.Model):
    """What one source said about one group and outcome in one incident, as it said it.

    "AFP: 77 killed", "Le Monde: more than 70", "no toll yet". Reports are evidence for the
    coded figure (Casualty); they are never added up.
    """

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="source_reports",
        verbose_name=_("incident"),
    )
    group = models.CharField(
        _("group"), max_length=20, choices=CasualtyGroup.choices, default=CasualtyGroup.UNKNOWN
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=CasualtyOutcome.choices,
        default=CasualtyOutcome.KILLED,
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("source"),
    )
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        choices=ReportQualifier.choices,
        default=ReportQualifier.EXACT,
    )
    figure = models.PositiveIntegerField(
        _("figure"),
        null=True,
        blank=True,
        help_text=_("The number as reported; for a range, the lower end."),
    )
    figure_high = models.PositiveIntegerField(
        _("to"), null=True, blank=True, help_text=_("The upper end of a range.")
    )
    reported_on = models.DateField(
        _("reported on"), null=True, blank=True, help_text=_("The date the source gave it.")
    )
    quote = models.TextField(
        _("quote"), blank=True, help_text=_("The source's own words, if useful.")
    )

    class Meta:
        ordering = ["incident", "outcome", "group", "reported_on", "id"]
        verbose_name = _("source report")
        verbose_name_plural = _("source reports")
        constraints = [
            # A figure unless the source gave none; an upper end for a range and only then.
            models.CheckConstraint(
                condition=Q(qualifier=ReportQualifier.NO_TOLL, figure__isnull=True)
                | (~Q(qualifier=ReportQualifier.NO_TOLL) & Q(figure__isnull=False)),
                name="source_report_figure_unless_no_toll",
                violation_error_message=_(
                    "Give the figure as reported, or choose “no toll given”."
                ),
            ),
            models.CheckConstraint(
                # figure_high set, explicitly: a NULL comparison would let a CHECK pass.
                condition=Q(
                    qualifier=ReportQualifier.RANGE,
                    figure_high__isnull=False,
                    figure_high__gte=F("figure"),
                )
                | (~Q(qualifier=ReportQualifier.RANGE) & Q(figure_high__isnull=True)),
                name="source_report_range_has_upper_end",
                violation_error_message=_(
                    "A range needs its upper end (“to”, not below the figure); other figures "
                    "have none."
                ),
            ),
        ]

    def __str__(self):
        return _("%(source)s: %(figure)s") % {
            "source": self.source or _("unknown source"),
            "figure": self.figure_text,
        }

    @property
    def figure_text(self):
        """The figure as the source gave it: "77", "at least 70", "20–30", "no toll given"."""
        if self.qualifier == ReportQualifier.NO_TOLL:
            return str(ReportQualifier.NO_TOLL.label)
        if self.qualifier == ReportQualifier.EXACT:
            return str(self.figure)
        if self.qualifier == ReportQualifier.RANGE:
            return f"{self.figure}–{self.figure_high}"
        return f"{self.get_qualifier_display()} {self.figure}"
