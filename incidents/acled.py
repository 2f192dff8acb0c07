"""ACLED's vocabulary, as the CSV export writes it and the ACLED importer reads it: ACLED's
columns, its disorder types and source-scale words, and the event ids we give incidents that
have no ACLED id."""

from django.db.models import Case, DateTimeField, F, When
from django.db.models.functions import Coalesce, Greatest

from .choices import ActorType, SourceScale
from .querystrings import row_id

# ACLED's export columns, in ACLED's order: the first columns of our CSV export. The ACLED
# importer (importers/acled.py) requires some of them and reads all but year, disorder_type,
# interaction and region, which follow from the other columns or are not stored.
ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

# ACLED's disorder_type of each event type.
DISORDER_TYPES = {
    "battles": "Political violence",
    "explosions_remote_violence": "Political violence",
    "violence_against_civilians": "Political violence",
    "protests": "Demonstrations",
    "riots": "Demonstrations",
    "strategic_developments": "Strategic developments",
}
# The sub-event types whose disorder type is not their event type's. ACLED counts excessive
# force against protesters both as political violence (against the protesters) and as a
# demonstration, and writes the two joined by "; "; a mob's violence is political violence,
# not a demonstration (only a violent demonstration is, among riots).
SUB_EVENT_DISORDER_TYPES = {
    "excessive_force_against_protesters": "Political violence; Demonstrations",
    "mob_violence": "Political violence",
}
# ACLED's source_scale words; spelled out rather than taken from the choice labels, which are
# translated and would change the file with the reader's language.
SOURCE_SCALE_NAMES = {
    SourceScale.LOCAL: "Local",
    SourceScale.NATIONAL: "National",
    SourceScale.REGIONAL: "Regional",
    SourceScale.INTERNATIONAL: "International",
    SourceScale.OTHER: "Other",
}
# What an ACLED row says that the CSV writes again from its own fields and cannot tell as ACLED
# did, kept as written (Incident.dataset_fields): ACLED's source_scale, in words ("New media",
# "Local partner-Other") that our five scales do not hold. exports.acled_source_scale writes it
# back while the incident is as imported.
KEPT_COLUMNS = ["source_scale"]
# ACLED's actor types (inter1 / inter2), as its export since 2024 writes them instead of the
# codes 1–8 (our ActorType); spelled out for the same reason as the scale words. Code 9 is ours,
# not ACLED's: an armed non-state group whose dataset gives no type (see ActorType).
INTER_WORDS = {
    ActorType.STATE_FORCES: "State forces",
    ActorType.REBEL_GROUP: "Rebel group",
    ActorType.POLITICAL_MILITIA: "Political militia",
    ActorType.IDENTITY_MILITIA: "Identity militia",
    ActorType.RIOTERS: "Rioters",
    ActorType.PROTESTERS: "Protesters",
    ActorType.CIVILIANS: "Civilians",
    ActorType.EXTERNAL_OTHER: "External/Other forces",
    ActorType.NON_STATE_UNSPECIFIED: "Non-state group, type not given",
}
# civilian_targeting's one value; the cell is empty otherwise.
CIVILIAN_TARGETING = "Civilian targeting"

OWN_EVENT_ID_PREFIX = "IDB"


def disorder_type(event_type, sub_event_type):
    """ACLED's disorder_type of an event type and sub-event type (codes; the sub-event type may
    be None)."""
    return SUB_EVENT_DISORDER_TYPES.get(sub_event_type) or DISORDER_TYPES[event_type]


def own_event_id(pk):
    """The event_id_cnty of an incident without an ACLED id: IDB and our id. The ACLED importer
    reads it back (incident_pk_of_own_event_id), so a re-imported export finds its incidents."""
    return f"{OWN_EVENT_ID_PREFIX}{pk}"


def incident_pk_of_own_event_id(event_id):
    """The incident id in an own_event_id(), or None for any other identifier."""
    prefix, digits = event_id[: len(OWN_EVENT_ID_PREFIX)], event_id[len(OWN_EVENT_ID_PREFIX) :]
    return row_id(digits) if prefix == OWN_EVENT_ID_PREFIX else None


def changed_or_published_at():
    """When an incident last changed or entered the public data, as a database expression: the
    later of the CSV's `timestamp` (exports.last_changed_at: the source dataset's time for an
    incident nobody changed since its import, else our own last change) and the time it was
    published. Publishing is not a change of the incident, but it is when its row appears: a
    mirror syncing with ACLED's `timestamp` must receive an incident drafted before its last
    sync and published after it. Indexed (incident_changed_idx),
    so a sync that finds little new reads little."""
    last_changed = Case(
        # In the order the migration writes them back, so makemigrations sees no change.
        When(
            imported_at__isnull=False,
            source_updated_at__isnull=False,
            updated_at__lte=F("imported_at"),
            then=F("source_updated_at"),
        ),
        default=F("updated_at"),
        output_field=DateTimeField(),
    )
    return Greatest(last_changed, Coalesce("published_at", last_changed))
