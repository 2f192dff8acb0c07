from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import SourceScale


class Source(models.Model):
    """A publisher that reports incidents: a newspaper, radio, NGO, UN body, social account."""

    name = models.CharField(max_length=500, unique=True)
    scale = models.CharField(max_length=20, choices=SourceScale.choices)
    url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Citation(models.Model):
    """One report by a source about one incident."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="citations"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    url = models.URLField(_("URL"), max_length=500, blank=True)
    title = models.CharField(max_length=500, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["published_on", "id"]

    def __str__(self):
        return f"{self.source}: {self.title}" if self.title else str(self.source)
