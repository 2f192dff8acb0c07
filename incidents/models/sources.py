from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import SourceScale


class Source(models.Model):
    """A publisher that reports incidents: a newspaper, radio, NGO, UN body, social account."""

    name = models.CharField(_("name"), max_length=500, unique=True)
    scale = models.CharField(_("scale"), max_length=20, choices=SourceScale.choices)
    url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name


class Citation(models.Model):
    """One report by a source about one incident."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="citations",
        verbose_name=_("incident"),
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    url = models.URLField(_("URL"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True)

    class Meta:
        ordering = ["published_on", "id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")

    def __str__(self):
        return f"{self.source}: {self.title}" if self.title else str(self.source)
