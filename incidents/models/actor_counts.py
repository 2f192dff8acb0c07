"""Counts of the published incidents per actor and per set of actors, by month (PostgreSQL only).

Why: split by actor, a series or a comparison counts each incident once per actor that took
part in it, and "Other" the incidents in which none of the top actors did; an actor's page
counts its incidents year by year and its co-actors. Over the roles themselves (2.1 million
distinct incident–actor pairs at a million incidents) that cost 0.5 to 3 seconds a page.
These tables hold the same numbers in tens of thousands of rows.

- ActorSet: a dictionary of the distinct sets of actors in their sides that incidents have
  (role_code: each actor once, with whether it is a perpetrator, a target or both);
- PublicIncidentActors: each published incident's counted key (its set, dataset, start and
  end months, country, date precision, killed estimates), what the triggers take away when
  the incident or its roles change, with its days, region and event type: a split by actor
  of a selection the months do not hold (weeks, days, regions, event types) reads these
  narrow rows, one per incident, grouped by period and set;
- PublicActorSetMonth: the incidents per set, dataset and key, each incident exactly once:
  "Other" sums the rows whose set holds none of the top actors, co-actors sum an actor's
  sets, and an actor's roles per dataset sum its sets by its code in them;
- PublicActorMonth: the incidents per actor and key, each incident once per distinct actor
  (an actor in two roles of one incident counts it once).

Written by the database, never by Django (migrations 0028 and 0029: statement-level triggers
on the incidents, their roles and their places, and a TRUNCATE trigger), so the models are
not managed. The month tables answer selections of whole months and countries
(incidents/counts.py, Selection.counts_actors), PublicIncidentActors the series of any other
selection of the count tables; other filters, and SQLite, count the roles.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from .counts import count_measures

# The triggers that keep these tables in step (migration 0028), named by this prefix.
TRIGGER_PREFIX = "actorcount_"


# What an actor's code in a role set adds to its id × 4 (see role_codes).
PERPETRATOR_SIDE = 1
TARGET_SIDE = 2


def role_code(actor_id, sides):
    """An actor's code in a role set (as migration 0028's SQL writes it): `sides` is 0 or
    PERPETRATOR_SIDE | TARGET_SIDE."""
    return actor_id * 4 + sides


def actor_and_sides(code):
    """(actor id, sides) of a code in a role set: role_code's inverse."""
    return divmod(code, 4)


def role_codes(actor_id):
    """The codes an actor can have in a role set: neither side, perpetrator, target, both."""
    return [role_code(actor_id, sides) for sides in range(4)]


class ActorSet(models.Model):
    """One distinct set of actors in their sides: each actor of an incident once, coded as
    its id × 4 + PERPETRATOR_SIDE if it is a perpetrator (or associated with one) +
    TARGET_SIDE if it is a target (or associated with one); sorted, empty for incidents
    without any actor."""

    id = models.AutoField(primary_key=True)
    roles = ArrayField(models.BigIntegerField(), unique=True)

    class Meta:
        managed = False
        db_table = "incidents_actorset"
        ordering = ["id"]

    def __str__(self):
        return f"role set {self.roles}"


class PublicIncidentActors(models.Model):
    """One published incident as the actor counts count it."""

    incident_id = models.BigIntegerField(primary_key=True)
    actor_set_id = models.IntegerField()
    # roles.dataset_of's answer: "acled", "ucdp" or "entered".
    dataset = models.CharField(max_length=10)
    # The first days of the start and end months (end: of the start when there is none).
    start_date = models.DateField()
    end_date = models.DateField()
    country_id = models.IntegerField()
    date_precision = models.PositiveSmallIntegerField()
    killed_low = models.IntegerField(null=True)
    killed_best = models.IntegerField(null=True)
    killed_high = models.IntegerField(null=True)
    # The incident's own days (end: its start when it has none), its place's region (0 for
    # none, as in the count tables) and its event type, for the selections the months and
    # countries above do not describe (migration 0029).
    start_day = models.DateField()
    end_day = models.DateField()
    admin1_id = models.IntegerField()
    event_type_id = models.CharField(max_length=50)

    class Meta:
        managed = False
        db_table = "incidents_publicincidentactors"
        ordering = ["incident_id"]

    def __str__(self):
        return f"incident {self.incident_id} counted in actor set {self.actor_set_id}"


class PublicActorCountBase(models.Model):
    """The published incidents of one start month and end month (the months' first days),
    country and date precision, with the sums of their killed estimates (see
    PublicIncidentCountBase)."""

    start_date = models.DateField()
    end_date = models.DateField()
    country_id = models.IntegerField()
    date_precision = models.PositiveSmallIntegerField()
    incidents, killed_low, killed_best, killed_high, known_toll = count_measures()

    class Meta:
        abstract = True
        managed = False
        ordering = ["start_date", "id"]


class PublicActorSetMonth(PublicActorCountBase):
    """The published incidents of one dataset whose actors are exactly one role set, of one
    key."""

    actor_set_id = models.IntegerField()
    dataset = models.CharField(max_length=10)

    class Meta(PublicActorCountBase.Meta):
        db_table = "incidents_publicactorsetmonth"

    def __str__(self):
        return f"{self.start_date} · actor set {self.actor_set_id} · {self.incidents}"


class PublicActorMonth(PublicActorCountBase):
    """The published incidents one actor took part in (in any role), of one key."""

    actor_id = models.BigIntegerField()

    class Meta(PublicActorCountBase.Meta):
        db_table = "incidents_publicactormonth"

    def __str__(self):
        return f"{self.start_date} · actor {self.actor_id} · {self.incidents}"


def rebuild_actor_counts(cursor):
    """Count the actor tables again from the published incidents and their roles, in one pass
    (PostgreSQL; migration 0028's actorcount_rebuild): the bulk import's way (BulkLoad, which
    switches the triggers off while its rows go in) and rebuild_public_counts'."""
    cursor.execute("SELECT actorcount_rebuild()")
