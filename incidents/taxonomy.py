"""The ACLED event taxonomy and UCDP's type of violence.

EVENT_TYPES is the single source of the taxonomy: the data migration seeds the EventType and
SubEventType tables from it, and the database constraint that a sub-event type belongs to its
event type is built from it.
"""

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

# "Nature of attack" tags seeded for analysts; they can add more in the admin.
TACTICS = [
    "Ambush",
    "Coordinated",
    "Direct assault",
    "Suicide bombing",
    "IED",
    "Multi-front",
    "Raid",
    "Abduction",
    "Arson",
    "Shelling",
]

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
