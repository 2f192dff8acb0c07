"""Coded values. Where ACLED or UCDP define a code, the stored value is theirs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class DatePrecision(models.IntegerChoices):
    """UCDP GED date_prec: how well the date is known."""

    DAY = 1, _("Exact day")
    DAYS = 2, _("Within 2–6 days")
    WEEK = 3, _("Known week")
    MONTH = 4, _("Known month")
    YEAR = 5, _("Known year")


class GeoPrecision(models.IntegerChoices):
    """UCDP GED where_prec: how well the place is known."""

    EXACT = 1, _("Exact place")
    NEAR = 2, _("Near a place (within 25 km)")
    ADMIN2 = 3, _("District (admin2) only")
    ADMIN1 = 4, _("Region (admin1) only")
    PART_OF_COUNTRY = 5, _("Part of the country")
    COUNTRY = 6, _("Country only")
    SEA = 7, _("At sea or in the air")


class ActorType(models.IntegerChoices):
    """ACLED inter codes 1–8, and 9 for an armed non-state group whose dataset does not say
    which kind (UCDP's non-state sides, GTD's perpetrator groups): a type is never guessed."""

    STATE_FORCES = 1, _("State forces")
    REBEL_GROUP = 2, _("Rebel group")
    POLITICAL_MILITIA = 3, _("Political militia")
    IDENTITY_MILITIA = 4, _("Identity militia")
    RIOTERS = 5, _("Rioters")
    PROTESTERS = 6, _("Protesters")
    CIVILIANS = 7, _("Civilians")
    EXTERNAL_OTHER = 8, _("External/other forces")
    NON_STATE_UNSPECIFIED = 9, _("Non-state group, type not given")


class ActorRole(models.TextChoices):
    """An actor's part in one incident (ACLED's actor1, assoc_actor_1, actor2, assoc_actor_2)."""

    PERPETRATOR = "perpetrator", _("Perpetrator")
    PERPETRATOR_ASSOCIATE = "perpetrator_associate", _("Associated with perpetrator")
    TARGET = "target", _("Target")
    TARGET_ASSOCIATE = "target_associate", _("Associated with target")


class CasualtyGroup(models.TextChoices):
    CIVILIANS = "civilians", _("Civilians")
    SECURITY_FORCES = "security_forces", _("Security forces")
    PEACEKEEPERS = "peacekeepers", _("Peacekeepers")
    ASSAILANTS = "assailants", _("Assailants")
    UNKNOWN = "unknown", _("Unknown")


class CasualtyOutcome(models.TextChoices):
    KILLED = "killed", _("Killed")
    INJURED = "injured", _("Injured")
    ABDUCTED = "abducted", _("Abducted/missing")


class SourceScale(models.TextChoices):
    """ACLED source_scale."""

    LOCAL = "local", _("Local")
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    INTERNATIONAL = "international", _("International")
    OTHER = "other", _("Other")


class ViolenceType(models.IntegerChoices):
    """UCDP type_of_violence."""

    STATE_BASED = 1, _("State-based")
    NON_STATE = 2, _("Non-state")
    ONE_SIDED = 3, _("One-sided")


class ReportQualifier(models.TextChoices):
    """How a source gave its figure: "77 killed", "more than 70", "about 100", "20 to 30"…"""

    EXACT = "exact", _("exactly")
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")
    ABOUT = "about", _("about")
    RANGE = "range", _("between")
    NO_TOLL = "no_toll", _("no toll given")


class VersionKind(models.TextChoices):
    """What made a new version of an incident: an edit, a workflow step, a revert, an import."""

    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Sent back to draft")
    PUBLISHED = "published", _("Published")
    CORRECTED = "corrected", _("Corrected")
    RETRACTED = "retracted", _("Retracted")
    REINSTATED = "reinstated", _("Reinstated")
    REVERTED = "reverted", _("Reverted")
    IMPORTED = "imported", _("Imported")
    # The state an incident was in when its history began to be kept in versions (created
    # before that, or written by an import that records no version of its own).
    RECORDED = "recorded", _("As it stood")
