"""What a search reads of each incident, in a narrow table of its own (PostgreSQL only)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from ..querysets import SEARCH_CONFIGURATION
from .incidents import EventType, Incident, IncidentActor
from .places import Location


class SearchEntry(models.Model):
    """One incident as the searches read it: its words (the full-text document of its title
    and narrative), its actors' ids, and the columns a searched list counts and groups by.

    Why a table of its own: a frequent word (JNIM: 235,000 of a million incidents) is on most
    pages of the wide incident table, whose narratives make it 64,000 pages; a search that
    read the incident table to find its matches, and again to group them by type, region and
    year, cost one to two seconds at a million. Here the words, the actors and the place are
    three indexes over one table, which PostgreSQL ORs into one bitmap, and each match's row
    holds what its count needs.

    PostgreSQL only, and written by the database, never by Django: triggers on the incident
    and role tables keep each row in step with every write (admin, imports, merges, raw SQL;
    migration 0027), so the table is not managed. SQLite searches the incidents themselves
    (IncidentQuerySet.search).
    """

    incident = models.OneToOneField(
        Incident,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="search_entry",
    )
    status = models.CharField(max_length=20)
    start_date = models.DateField()
    event_type = models.ForeignKey(
        EventType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # Every actor of the incident, in any role, each once.
    actor_ids = ArrayField(models.BigIntegerField())
    # The full-text document of the incident's title and narrative, as SearchVector("title",
    # "narrative", config=querysets.SEARCH_CONFIGURATION) computes it.
    document = SearchVectorField()

    class Meta:
        managed = False
        db_table = "incidents_searchentry"
        ordering = ["incident_id"]

    def __str__(self):
        return f"search entry of incident {self.incident_id}"


# The triggers that keep the entries in step (migration 0027), named by this prefix.
TRIGGER_PREFIX = "searchentry_"


def search_entries_upsert(incident_ids):
    """(SQL, params) writing the search entries of the incidents `incident_ids` (a list) again
    from them and their roles, in one statement (PostgreSQL): the same rows the triggers write.

    The bulk import's way (BulkLoad), which switches the triggers off while its rows go in and
    writes the entries of each chunk once its incidents and roles are in, beside the next
    chunk's Python work (bulk.RowInserter). Row by row, the triggers wrote each entry a second
    time when its roles followed (a million-row import took 203 s with them); in one pass at the
    end, the documents were 20 s of the import's critical path (bench/README.md)."""
    entries, incidents = SearchEntry._meta.db_table, Incident._meta.db_table
    roles = IncidentActor._meta.db_table
    columns = ["status", "start_date", "event_type_id", "location_id", "actor_ids", "document"]
    sql = (
        f"INSERT INTO {entries} (incident_id, {', '.join(columns)}) "
        "SELECT i.id, i.status, i.start_date, i.event_type_id, i.location_id, "
        "COALESCE((SELECT array_agg(DISTINCT r.actor_id) "
        f"FROM {roles} r WHERE r.incident_id = i.id), '{{}}'), "
        "to_tsvector(%s::regconfig, COALESCE(i.title, '') || ' ' || COALESCE(i.narrative, '')) "
        f"FROM {incidents} i WHERE i.id = ANY (%s) "
        # An incident the import updated has its entry already.
        "ON CONFLICT (incident_id) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in columns)
    )
    return sql, [SEARCH_CONFIGURATION, list(incident_ids)]
