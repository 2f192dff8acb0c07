"""How each dataset names the two sides of an incident, so that roles read as it gave them.

We store every incident's actors in one scheme (perpetrator, target and their associates, as
ACLED's actor1/actor2 columns map onto it), but the datasets mean different things by it. ACLED
lists actor 1 and actor 2 without saying who attacked; UCDP's side A and side B are the two
parties to a dyad (the government, when there is one, is side A), so a group fighting the army
is side B there without having been anyone's target. Only the incidents analysts enter, and the
GTD's (perpetrator group, target), say who attacked whom.

An incident's dataset is the one whose identifier it carries, ACLED's first (an ACLED row keeps
UCDP's id when it names one, and its sides are still ACLED's), as credits.source_dataset credits
it. Our own IDB… event ids are not ACLED's: an export of ours re-imported elsewhere carries them.
"""

from typing import NamedTuple

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .acled import OWN_EVENT_ID_PREFIX
from .choices import ActorRole


class RoleNames(NamedTuple):
    """One dataset's names for the two sides and their associates."""

    dataset: str  # "acled", "ucdp" or "entered"
    dataset_label: str
    first: str  # perpetrator and its associates
    second: str  # target and its associates
    first_associate: str
    second_associate: str

    def of(self, role):
        """The name of a stored ActorRole in this dataset's words."""
        return {
            ActorRole.PERPETRATOR: self.first,
            ActorRole.PERPETRATOR_ASSOCIATE: self.first_associate,
            ActorRole.TARGET: self.second,
            ActorRole.TARGET_ASSOCIATE: self.second_associate,
        }[role]


ROLE_NAMES = {
    "acled": RoleNames(
        "acled",
        _("ACLED events"),
        _("Actor 1"),
        _("Actor 2"),
        _("Associated with actor 1"),
        _("Associated with actor 2"),
    ),
    "ucdp": RoleNames(
        "ucdp",
        _("UCDP GED events"),
        _("Side A"),
        _("Side B"),
        _("Associated with side A"),
        _("Associated with side B"),
    ),
    "entered": RoleNames(
        "entered",
        _("Incidents entered here or from the GTD"),
        _("Perpetrator"),
        _("Target"),
        _("Associated with perpetrator"),
        _("Associated with target"),
    ),
}


def dataset_of(acled_event_id, ucdp_id):
    """The key of ROLE_NAMES for an incident with these identifiers."""
    if acled_event_id and not acled_event_id.startswith(OWN_EVENT_ID_PREFIX):
        return "acled"
    if ucdp_id:
        return "ucdp"
    return "entered"


def dataset_condition(dataset, prefix=""):
    """The Q that selects the incidents of `dataset` (dataset_of in SQL); `prefix` leads from
    the queried model to the incident ("incident__")."""
    acled = ~Q(**{f"{prefix}acled_event_id": ""}) & ~Q(
        **{f"{prefix}acled_event_id__startswith": OWN_EVENT_ID_PREFIX}
    )
    ucdp = ~Q(**{f"{prefix}ucdp_id": ""})
    return {"acled": acled, "ucdp": ~acled & ucdp, "entered": ~acled & ~ucdp}[dataset]
