"""Counts of the published incidents, kept exact by database triggers (migration 0021).

Every write to incidents, whatever its path (the admin, the review workflow, imports with
bulk_create, queryset.update(), the raw UPDATE of refresh_casualty_totals, deletes, a place
moved to another region or country), updates these rows in the same statement, so that the
list's count and facets, the home page's totals, the API's count and the series read a few
thousand summary rows instead of a million incidents, and are never a moment out of date.

Python only reads them; incidents/counts.py is the reading side, and `manage.py
rebuild_public_counts` recounts them from the incidents.
"""

from django.db import models

# The triggers that keep the count tables (migration 0021) and the data version (0026, for an
# incident's parts) in step, named by these prefixes.
COUNT_TRIGGER_PREFIX = "incidents_count_"
VERSION_TRIGGER_PREFIX = "incidents_version_"

# The key the triggers upsert on, and the indexes that read one region's or one country's
# counts (the list filtered by admin1 or country, a country's series) without the others'.
COUNT_KEY = ["start_date", "end_date", "country_id", "admin1_id", "event_type_id", "date_precision"]


def count_key(unit):
    """The unique key of the `unit` ("day", "month", "year") table."""
    return [models.UniqueConstraint(fields=COUNT_KEY, name=f"public_incident_{unit}_key")]


def count_indexes(unit):
    return [
        models.Index(fields=["admin1_id", "start_date"], name=f"public_incident_{unit}_region"),
        models.Index(fields=["country_id", "start_date"], name=f"public_incident_{unit}_country"),
    ]


def count_measures():
    """The fields every count row sums: incidents, killed low / best / high, known toll."""
    return (
        models.IntegerField(),
        # Sums of the incidents' estimates; an unknown toll adds nothing (see Totals).
        models.BigIntegerField(),
        models.BigIntegerField(),
        models.BigIntegerField(),
        # The incidents among them whose killed_best is known.
        models.IntegerField(),
    )


class PublicIncidentCountBase(models.Model):
    """The published incidents of one (start, end, country, region, event type, date
    precision), with the sums of their killed estimates."""

    start_date = models.DateField()
    # The incident's end_date, or its start_date when it has none (a one-day incident).
    end_date = models.DateField()
    # Ids, not foreign keys: the rows are written by triggers only, and a place without a
    # region is 0 (NULL would never conflict in the unique key the triggers upsert on).
    country_id = models.IntegerField()
    admin1_id = models.IntegerField()
    event_type_id = models.CharField(max_length=50)
    # Kept because the series count an incident dated less precisely than the interval apart.
    date_precision = models.PositiveSmallIntegerField()
    incidents, killed_low, killed_best, killed_high, known_toll = count_measures()

    class Meta:
        abstract = True
        ordering = ["start_date", "id"]

    def __str__(self):
        return f"{self.start_date} · {self.event_type_id} · {self.incidents}"


class PublicIncidentDay(PublicIncidentCountBase):
    """The published incidents of one start day and end day (and place, type, precision)."""

    class Meta(PublicIncidentCountBase.Meta):
        constraints = count_key("day")
        indexes = count_indexes("day")


class PublicIncidentMonth(PublicIncidentCountBase):
    """The published incidents of one start month and end month (start_date and end_date are
    the months' first days): the day rows rolled up, so that whole-table facets and monthly
    series read tens of thousands of rows at most."""

    class Meta(PublicIncidentCountBase.Meta):
        constraints = count_key("month")
        indexes = count_indexes("month")


class PublicIncidentYear(PublicIncidentCountBase):
    """The published incidents of one start year and end year (start_date and end_date are
    the years' first days): the rows the unfiltered list's count and facets, and a region's
    year, read (a few thousand at a million incidents, where the months are 80,000)."""

    class Meta(PublicIncidentCountBase.Meta):
        constraints = count_key("year")
        indexes = count_indexes("year")


class PublicDataVersion(models.Model):
    """One row whose number the same triggers move on whenever a published incident (or the
    place of one) changes: anything remembered is keyed by it, so no memo, in a process or in
    Redis, can serve an answer from before a publication or a retraction."""

    number = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"public data version {self.number}"
