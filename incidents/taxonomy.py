"""The ACLED event taxonomy and UCDP's type of violence.

EVENT_TYPES is the single source of the taxonomy: the data migration seeds the EventType and
SubEventType tables from it, and the database constraint that a sub-event type belongs to its
event type is built from it.

The stored names are ACLED's English ones, and stay so in every language: they are what the CSV
writes and what the importers read. Pages show the labels below instead (event_type_label and
the models' `label`), translated into the reader's language.
"""

from django.utils.translation import gettext_lazy as _

from .choices import ActorType, ViolenceType

# code → (ACLED name, [(sub-event code, ACLED name), ...])
EVENT_TYPES = {
    "battles": (
        "Battles",
        [
            ("armed_clash", "Armed clash"),
            ("government_regains_territory", "Government regains territory"),
            ("non_state_actor_overtakes_territory", "Non-state actor overtakes territory"),
        ],
    ),
    "explosions_remote_violence": (
        "Explosions/Remote violence",
        [
            ("chemical_weapon", "Chemical weapon"),
            ("air_drone_strike", "Air/drone strike"),
            ("suicide_bomb", "Suicide bomb"),
            ("shelling_artillery_missile_attack", "Shelling/artillery/missile attack"),
            ("remote_explosive_landmine_ied", "Remote explosive/landmine/IED"),
            ("grenade", "Grenade"),
        ],
    ),
    "violence_against_civilians": (
        "Violence against civilians",
        [
            ("sexual_violence", "Sexual violence"),
            ("attack", "Attack"),
            ("abduction_forced_disappearance", "Abduction/forced disappearance"),
        ],
    ),
    "protests": (
        "Protests",
        [
            ("peaceful_protest", "Peaceful protest"),
            ("protest_with_intervention", "Protest with intervention"),
            ("excessive_force_against_protesters", "Excessive force against protesters"),
        ],
    ),
    "riots": (
        "Riots",
        [
            ("violent_demonstration", "Violent demonstration"),
            ("mob_violence", "Mob violence"),
        ],
    ),
    "strategic_developments": (
        "Strategic developments",
        [
            ("agreement", "Agreement"),
            ("arrests", "Arrests"),
            ("change_to_group_activity", "Change to group/activity"),
            ("disrupted_weapons_use", "Disrupted weapons use"),
            ("headquarters_or_base_established", "Headquarters or base established"),
            ("looting_property_destruction", "Looting/property destruction"),
            ("non_violent_transfer_of_territory", "Non-violent transfer of territory"),
            ("other", "Other"),
        ],
    ),
}

# code → label of each event type and sub-event type, in the reader's language (the English
# label is ACLED's name, as EVENT_TYPES stores it).
EVENT_TYPE_LABELS = {
    "battles": _("Battles"),
    "explosions_remote_violence": _("Explosions/Remote violence"),
    "violence_against_civilians": _("Violence against civilians"),
    "protests": _("Protests"),
    "riots": _("Riots"),
    "strategic_developments": _("Strategic developments"),
}
SUB_EVENT_TYPE_LABELS = {
    "armed_clash": _("Armed clash"),
    "government_regains_territory": _("Government regains territory"),
    "non_state_actor_overtakes_territory": _("Non-state actor overtakes territory"),
    "chemical_weapon": _("Chemical weapon"),
    "air_drone_strike": _("Air/drone strike"),
    "suicide_bomb": _("Suicide bomb"),
    "shelling_artillery_missile_attack": _("Shelling/artillery/missile attack"),
    "remote_explosive_landmine_ied": _("Remote explosive/landmine/IED"),
    "grenade": _("Grenade"),
    "sexual_violence": _("Sexual violence"),
    "attack": _("Attack"),
    "abduction_forced_disappearance": _("Abduction/forced disappearance"),
    "peaceful_protest": _("Peaceful protest"),
    "protest_with_intervention": _("Protest with intervention"),
    "excessive_force_against_protesters": _("Excessive force against protesters"),
    "violent_demonstration": _("Violent demonstration"),
    "mob_violence": _("Mob violence"),
    "agreement": _("Agreement"),
    "arrests": _("Arrests"),
    "change_to_group_activity": _("Change to group/activity"),
    "disrupted_weapons_use": _("Disrupted weapons use"),
    "headquarters_or_base_established": _("Headquarters or base established"),
    "looting_property_destruction": _("Looting/property destruction"),
    "non_violent_transfer_of_territory": _("Non-violent transfer of territory"),
    "other": _("Other"),
}

# ACLED's disorder types (acled.disorder_type, as the CSV writes them) → label.
DISORDER_TYPE_LABELS = {
    "Political violence": _("Political violence"),
    "Demonstrations": _("Demonstrations"),
    "Political violence; Demonstrations": _("Political violence; Demonstrations"),
    "Strategic developments": _("Strategic developments"),
}

# "Nature of attack" tags seeded for analysts (stored name → label); they can add more in the
# admin, which show as they were entered.
TACTIC_LABELS = {
    "Ambush": _("Ambush"),
    "Coordinated": _("Coordinated"),
    "Direct assault": _("Direct assault"),
    "Suicide bombing": _("Suicide bombing"),
    "IED": _("IED"),
    "Multi-front": _("Multi-front"),
    "Raid": _("Raid"),
    "Abduction": _("Abduction"),
    "Arson": _("Arson"),
    "Shelling": _("Shelling"),
}
TACTICS = list(TACTIC_LABELS)

ARMED_ACTOR_TYPES = {
    ActorType.STATE_FORCES,
    ActorType.REBEL_GROUP,
    ActorType.POLITICAL_MILITIA,
    ActorType.IDENTITY_MILITIA,
    ActorType.EXTERNAL_OTHER,
    ActorType.NON_STATE_UNSPECIFIED,
}


def derive_violence_type(perpetrator_types, target_types):
    """UCDP type_of_violence from the ACLED inter codes of the two sides, or None.

    One-sided when an organised actor targets civilians; state-based when a state force is on
    either side against another armed actor; non-state when armed non-state actors fight each
    other. Riots and protests are not organised violence in UCDP's sense.
    """
    perpetrators = set(perpetrator_types)
    targets = set(target_types)
    armed_perpetrators = perpetrators & ARMED_ACTOR_TYPES
    if not armed_perpetrators:
        return None
    if ActorType.CIVILIANS in targets and not (targets & ARMED_ACTOR_TYPES):
        return ViolenceType.ONE_SIDED
    armed_targets = targets & ARMED_ACTOR_TYPES
    if not armed_targets:
        return None
    if ActorType.STATE_FORCES in armed_perpetrators | armed_targets:
        return ViolenceType.STATE_BASED
    return ViolenceType.NON_STATE


def event_type_label(code, name=""):
    """The label of the event type `code` in the active language; `name` (the stored one) for a
    code the taxonomy does not know. A plain string, not a lazy one: labels end up in remembered
    results (caching.remember, kept per language), where a lazy string costs a class to unpickle."""
    return str(EVENT_TYPE_LABELS.get(code, name))


def sub_event_type_label(code, name=""):
    """The label of the sub-event type `code` in the active language (see event_type_label)."""
    return str(SUB_EVENT_TYPE_LABELS.get(code, name))


def tactic_label(name):
    """A nature of attack's label in the active language: a seeded tag's translation, or the
    name an analyst gave it."""
    return str(TACTIC_LABELS.get(name, name))


def disorder_type_label(name):
    """An ACLED disorder type (as acled.disorder_type writes it) in the active language."""
    return str(DISORDER_TYPE_LABELS.get(name, name))
