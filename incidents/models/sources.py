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


class UncitedIncident(models.Model):
    """An incident that cites no source yet (PostgreSQL only): the admin list's "No source
    cited", the analysts' list of what to source.

    Why a table of its own: which incidents have no citation is a question about every
    incident, which no index of the incident or citation tables answers; the admin's filter
    read all of them, a million incidents against 1.3 million citations, for a list that is
    usually a few drafts long (1.4-2.3 s; none to find took as long). Here they are the rows.

    Written by the database, never by Django: triggers on the incident and citation tables
    keep it in step with every write (admin, imports, merges, raw SQL; migration 0038), so the
    table is not managed. A bulk import fills it again at its end (rebuild_uncited_incidents).
    SQLite finds uncited incidents among the citations (IncidentQuerySet.citing_no_source).
    """

    incident = models.OneToOneField(
        "incidents.Incident",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        managed = False
        db_table = "incidents_uncitedincident"
        ordering = ["incident_id"]

    def __str__(self):
        return f"incident {self.incident_id}, citing no source"


# The triggers that keep the table in step (migration 0038), named by this prefix.
UNCITED_TRIGGER_PREFIX = "uncited_"


def rebuild_uncited_incidents(cursor):
    """Fill the uncited incidents' table again from the incidents and their citations, in one
    anti-join (PostgreSQL): the bulk import's way (BulkLoad, which switches the triggers off
    while its rows go in)."""
    uncited = UncitedIncident._meta.db_table
    incidents = UncitedIncident._meta.get_field("incident").related_model._meta.db_table
    # DELETE, not TRUNCATE: the admin's filter reads the old rows until the import commits,
    # rather than wait for it.
    cursor.execute(f"DELETE FROM {uncited}")
    cursor.execute(
        f"INSERT INTO {uncited} (incident_id) SELECT i.id FROM {incidents} i "
        f"WHERE NOT EXISTS (SELECT 1 FROM {Citation._meta.db_table} c WHERE c.incident_id = i.id)"
    )
