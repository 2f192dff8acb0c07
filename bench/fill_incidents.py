"""Fill the database with N synthetic incidents for the page benchmarks (see bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_bench DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/fill_incidents.py 100000

The incidents are Sahel-like: Mali, Burkina Faso and Niger with their ISO 3166-2 regions, a
few hundred places, the ACLED event mix of the region, about fifty actors, heavy-tailed
casualty figures, a citation each, and about 95% published. Everything comes from
random.Random(42), so two fills of the same N hold the same incidents.

Synthetic incidents are the ones created by the user "bench-filler". A fill first deletes the
previous synthetic incidents, unless there are already exactly N of them (then it does
nothing; --reset refills anyway). Places, actors and sources are reference data: they are
created once and reused. Rows go in with bulk_create, in batches, in one transaction.
"""

import argparse
import datetime
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from random import Random

import pycountry

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402

from incidents.choices import (  # noqa: E402
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    Status,
)
from incidents.formatting import format_date_at_precision  # noqa: E402
from incidents.gazetteer import load_country  # noqa: E402
from incidents.models import (  # noqa: E402
    Actor,
    ActorAlias,
    AdminArea,
    Casualty,
    Citation,
    EventType,
    Incident,
    IncidentActor,
    Location,
    Source,
    SourceReport,
    SubEventType,
    Tactic,
)

SEED = 42
BATCH_SIZE = 5_000
FILLER_USERNAME = "bench-filler"
FIRST_YEAR, LAST_YEAR = 2012, 2024
PLACE_COUNT = 300

# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------

COUNTRIES = {"ML": "MLI", "BF": "BFA", "NE": "NER"}

# ISO 3166-2 region → (centre latitude, centre longitude, share of incidents, spread in degrees).
# The shares follow where the conflict is: central and northern Mali, northern and eastern
# Burkina Faso, Tillabéri and Diffa in Niger.
REGIONS = {
    "ML-1": (14.0, -10.5, 1.0, 0.8),  # Kayes
    "ML-2": (13.5, -7.5, 3.0, 0.6),  # Koulikoro
    "ML-3": (11.5, -6.0, 1.5, 0.5),  # Sikasso
    "ML-4": (13.8, -5.8, 8.0, 0.6),  # Ségou
    "ML-5": (14.4, -3.8, 25.0, 0.6),  # Mopti
    "ML-6": (16.6, -3.2, 8.0, 0.9),  # Tombouctou
    "ML-7": (16.0, 0.0, 10.0, 0.7),  # Gao
    "ML-8": (19.3, 1.0, 3.0, 0.8),  # Kidal
    "ML-9": (15.7, 2.5, 7.0, 0.5),  # Ménaka
    "ML-10": (21.5, -4.0, 0.3, 1.0),  # Taoudénit
    "ML-BKO": (12.64, -8.0, 1.0, 0.05),  # Bamako
    "BF-01": (12.4, -3.6, 4.0, 0.4),  # Boucle du Mouhoun
    "BF-02": (10.4, -4.6, 1.5, 0.3),  # Cascades
    "BF-03": (12.37, -1.53, 1.0, 0.1),  # Centre
    "BF-04": (11.6, -0.3, 3.0, 0.3),  # Centre-Est
    "BF-05": (13.3, -1.1, 8.0, 0.35),  # Centre-Nord
    "BF-06": (12.0, -2.3, 1.5, 0.3),  # Centre-Ouest
    "BF-07": (11.5, -1.1, 1.0, 0.25),  # Centre-Sud
    "BF-08": (12.0, 1.0, 10.0, 0.5),  # Est
    "BF-09": (11.3, -4.3, 2.0, 0.35),  # Hauts-Bassins
    "BF-10": (13.6, -2.3, 7.0, 0.3),  # Nord
    "BF-11": (12.6, -1.0, 1.0, 0.2),  # Plateau-Central
    "BF-12": (14.0, -0.6, 14.0, 0.4),  # Sahel
    "BF-13": (10.3, -3.2, 1.5, 0.3),  # Sud-Ouest
    "NE-1": (18.5, 8.0, 1.0, 1.0),  # Agadez
    "NE-2": (13.8, 12.6, 6.0, 0.4),  # Diffa
    "NE-3": (13.0, 3.3, 1.5, 0.4),  # Dosso
    "NE-4": (13.5, 7.1, 2.0, 0.4),  # Maradi
    "NE-5": (15.2, 5.0, 3.0, 0.6),  # Tahoua
    "NE-6": (14.2, 1.5, 12.0, 0.5),  # Tillabéri
    "NE-7": (14.2, 9.0, 1.0, 0.5),  # Zinder
    "NE-8": (13.51, 2.11, 1.0, 0.05),  # Niamey
}

# Real towns: (name, region, admin2 code or cercle name or None, latitude, longitude).
TOWNS = [
    ("Bamako", "ML-BKO", None, 12.639, -8.003),
    ("Kayes", "ML-1", None, 14.447, -11.445),
    ("Nioro du Sahel", "ML-1", None, 15.230, -9.590),
    ("Kati", "ML-2", None, 12.744, -8.072),
    ("Koulikoro", "ML-2", None, 12.863, -7.560),
    ("Sikasso", "ML-3", None, 11.317, -5.667),
    ("Ségou", "ML-4", None, 13.431, -6.265),
    ("Niono", "ML-4", None, 14.252, -5.993),
    ("Macina", "ML-4", None, 13.962, -5.358),
    ("Mopti", "ML-5", "Mopti", 14.484, -4.183),
    ("Sévaré", "ML-5", "Mopti", 14.533, -4.100),
    ("Djenné", "ML-5", "Djenné", 13.906, -4.555),
    ("Kouakourou", "ML-5", "Djenné", 14.067, -4.583),
    ("Bandiagara", "ML-5", "Bandiagara", 14.350, -3.610),
    ("Bankass", "ML-5", "Bankass", 14.075, -3.517),
    ("Koro", "ML-5", "Koro", 14.067, -3.083),
    ("Douentza", "ML-5", "Douentza", 15.003, -2.950),
    ("Boni", "ML-5", "Douentza", 15.070, -1.960),
    ("Ténenkou", "ML-5", "Ténenkou", 14.457, -4.918),
    ("Youwarou", "ML-5", "Youwarou", 15.383, -4.267),
    ("Tombouctou", "ML-6", None, 16.773, -3.007),
    ("Goundam", "ML-6", None, 16.414, -3.671),
    ("Léré", "ML-6", None, 15.717, -4.917),
    ("Gao", "ML-7", None, 16.272, -0.045),
    ("Ansongo", "ML-7", None, 15.659, 0.502),
    ("Bourem", "ML-7", None, 16.956, -0.347),
    ("Kidal", "ML-8", None, 18.441, 1.407),
    ("Aguelhok", "ML-8", None, 19.461, 0.858),
    ("Tessalit", "ML-8", None, 20.199, 1.011),
    ("Ménaka", "ML-9", None, 15.918, 2.402),
    ("Anderamboukane", "ML-9", None, 15.420, 3.030),
    ("Ouagadougou", "BF-03", "BF-KAD", 12.371, -1.520),
    ("Dédougou", "BF-01", "BF-MOU", 12.463, -3.461),
    ("Nouna", "BF-01", "BF-KOS", 12.730, -3.863),
    ("Tougan", "BF-01", "BF-SOR", 13.069, -3.070),
    ("Banfora", "BF-02", "BF-COM", 10.633, -4.767),
    ("Tenkodogo", "BF-04", "BF-BLG", 11.780, -0.370),
    ("Kaya", "BF-05", "BF-SMT", 13.092, -1.084),
    ("Barsalogho", "BF-05", "BF-SMT", 13.417, -1.050),
    ("Kongoussi", "BF-05", "BF-BAM", 13.326, -1.534),
    ("Koudougou", "BF-06", "BF-BLK", 12.253, -2.363),
    ("Manga", "BF-07", "BF-ZOU", 11.663, -1.073),
    ("Fada N'Gourma", "BF-08", "BF-GOU", 12.062, 0.358),
    ("Diapaga", "BF-08", "BF-TAP", 12.070, 1.788),
    ("Pama", "BF-08", "BF-KMP", 11.247, 0.707),
    ("Bobo-Dioulasso", "BF-09", "BF-HOU", 11.178, -4.297),
    ("Ouahigouya", "BF-10", "BF-YAT", 13.583, -2.417),
    ("Titao", "BF-10", "BF-LOR", 13.766, -2.074),
    ("Ziniaré", "BF-11", "BF-OUB", 12.583, -1.300),
    ("Djibo", "BF-12", "BF-SOM", 14.102, -1.631),
    ("Arbinda", "BF-12", "BF-SOM", 14.231, -0.867),
    ("Dori", "BF-12", "BF-SEN", 14.035, -0.035),
    ("Gorom-Gorom", "BF-12", "BF-OUD", 14.443, -0.236),
    ("Sebba", "BF-12", "BF-YAG", 13.437, 0.530),
    ("Gaoua", "BF-13", "BF-PON", 10.333, -3.183),
    ("Agadez", "NE-1", None, 16.974, 7.986),
    ("Diffa", "NE-2", None, 13.315, 12.611),
    ("Bosso", "NE-2", None, 13.698, 13.309),
    ("N'Guigmi", "NE-2", None, 14.254, 13.111),
    ("Dosso", "NE-3", None, 13.049, 3.194),
    ("Maradi", "NE-4", None, 13.500, 7.102),
    ("Tahoua", "NE-5", None, 14.889, 5.265),
    ("Tillia", "NE-5", None, 16.140, 4.790),
    ("Tillabéri", "NE-6", None, 14.212, 1.453),
    ("Ayorou", "NE-6", None, 14.731, 0.918),
    ("Ouallam", "NE-6", None, 14.318, 2.086),
    ("Téra", "NE-6", None, 14.008, 0.753),
    ("Banibangou", "NE-6", None, 15.040, 2.700),
    ("Torodi", "NE-6", None, 13.120, 1.800),
    ("Zinder", "NE-7", None, 13.805, 8.988),
    ("Niamey", "NE-8", None, 13.512, 2.112),
]

# Cercles (admin2) of Mopti region; they have no ISO code. Burkina's provinces come from
# ISO 3166-2 (pycountry).
MOPTI_CERCLES = [
    "Bandiagara",
    "Bankass",
    "Djenné",
    "Douentza",
    "Koro",
    "Mopti",
    "Ténenkou",
    "Youwarou",
]

SYLLABLES = (
    "ba bou da di dou ga go ka ki kou la ma mo na ni sa se si so ta te ti to wa ya "
    "za fa ha ra bé ké ndé mbo ngou tin dja sso gui tam"
).split()

# name → (ACLED inter code, countries it operates in, alias or None)
ACTORS = {
    "Military Forces of Mali (FAMa)": (ActorType.STATE_FORCES, "ML", "FAMa"),
    "Police Forces of Mali": (ActorType.STATE_FORCES, "ML", None),
    "Gendarmerie of Mali": (ActorType.STATE_FORCES, "ML", None),
    "National Guard of Mali": (ActorType.STATE_FORCES, "ML", None),
    "Military Forces of Burkina Faso": (ActorType.STATE_FORCES, "BF", None),
    "Police Forces of Burkina Faso": (ActorType.STATE_FORCES, "BF", None),
    "Gendarmerie of Burkina Faso": (ActorType.STATE_FORCES, "BF", None),
    "Military Forces of Niger": (ActorType.STATE_FORCES, "NE", "FAN"),
    "Police Forces of Niger": (ActorType.STATE_FORCES, "NE", None),
    "National Guard of Niger": (ActorType.STATE_FORCES, "NE", None),
    "Jama'at Nasr al-Islam wal Muslimin": (ActorType.REBEL_GROUP, "ML BF NE", "JNIM"),
    "Islamic State Sahel Province": (ActorType.REBEL_GROUP, "ML BF NE", "ISSP"),
    "Ansarul Islam": (ActorType.REBEL_GROUP, "BF", None),
    "Katiba Macina": (ActorType.REBEL_GROUP, "ML", None),
    "Katiba Serma": (ActorType.REBEL_GROUP, "ML BF", None),
    "Coordination of Azawad Movements": (ActorType.REBEL_GROUP, "ML", "CMA"),
    "Strategic Framework for the Defence of the People of Azawad": (
        ActorType.REBEL_GROUP,
        "ML",
        "CSP-DPA",
    ),
    "National Movement for the Liberation of Azawad": (ActorType.REBEL_GROUP, "ML", "MNLA"),
    "Jama'atu Ahlis Sunna Lidda'awati wal-Jihad": (ActorType.REBEL_GROUP, "NE", "Boko Haram"),
    "Islamic State West Africa Province": (ActorType.REBEL_GROUP, "NE", "ISWAP"),
    "Volunteers for the Defense of the Homeland": (ActorType.POLITICAL_MILITIA, "BF", "VDP"),
    "Imghad Tuareg and Allies Self-Defense Group": (ActorType.POLITICAL_MILITIA, "ML", "GATIA"),
    "Movement for the Salvation of Azawad": (ActorType.POLITICAL_MILITIA, "ML NE", "MSA"),
    "Koglweogo Militia": (ActorType.POLITICAL_MILITIA, "BF", None),
    "Ganda Izo": (ActorType.POLITICAL_MILITIA, "ML", None),
    "Unidentified Armed Group": (ActorType.POLITICAL_MILITIA, "ML BF NE", None),
    "Dan Na Ambassagou": (ActorType.IDENTITY_MILITIA, "ML", None),
    "Dozo Communal Militia (Mali)": (ActorType.IDENTITY_MILITIA, "ML", None),
    "Dozo Communal Militia (Burkina Faso)": (ActorType.IDENTITY_MILITIA, "BF", None),
    "Fulani Ethnic Militia (Mali)": (ActorType.IDENTITY_MILITIA, "ML", None),
    "Fulani Ethnic Militia (Burkina Faso)": (ActorType.IDENTITY_MILITIA, "BF", None),
    "Dogon Ethnic Militia (Mali)": (ActorType.IDENTITY_MILITIA, "ML", None),
    "Bambara Ethnic Militia (Mali)": (ActorType.IDENTITY_MILITIA, "ML", None),
    "Mossi Ethnic Militia (Burkina Faso)": (ActorType.IDENTITY_MILITIA, "BF", None),
    "Tuareg Ethnic Militia (Niger)": (ActorType.IDENTITY_MILITIA, "NE", None),
    "Arab Ethnic Militia (Mali)": (ActorType.IDENTITY_MILITIA, "ML", None),
    "Rioters (Mali)": (ActorType.RIOTERS, "ML", None),
    "Rioters (Burkina Faso)": (ActorType.RIOTERS, "BF", None),
    "Rioters (Niger)": (ActorType.RIOTERS, "NE", None),
    "Protesters (Mali)": (ActorType.PROTESTERS, "ML", None),
    "Protesters (Burkina Faso)": (ActorType.PROTESTERS, "BF", None),
    "Protesters (Niger)": (ActorType.PROTESTERS, "NE", None),
    "Civilians (Mali)": (ActorType.CIVILIANS, "ML", None),
    "Civilians (Burkina Faso)": (ActorType.CIVILIANS, "BF", None),
    "Civilians (Niger)": (ActorType.CIVILIANS, "NE", None),
    "Aid Workers (Mali)": (ActorType.CIVILIANS, "ML", None),
    "Teachers (Burkina Faso)": (ActorType.CIVILIANS, "BF", None),
    "United Nations Multidimensional Integrated Stabilization Mission in Mali": (
        ActorType.EXTERNAL_OTHER,
        "ML",
        "MINUSMA",
    ),
    "Operation Barkhane": (ActorType.EXTERNAL_OTHER, "ML NE", None),
    "Wagner Group": (ActorType.EXTERNAL_OTHER, "ML", "Africa Corps"),
    "G5 Sahel Joint Force": (ActorType.EXTERNAL_OTHER, "ML BF NE", None),
    "Military Forces of the United States": (ActorType.EXTERNAL_OTHER, "NE", None),
}

# How much more often than the others of its type an actor is named (default 1).
ACTOR_WEIGHTS = {
    "Military Forces of Mali (FAMa)": 8,
    "Military Forces of Burkina Faso": 8,
    "Military Forces of Niger": 8,
    "Jama'at Nasr al-Islam wal Muslimin": 6,
    "Islamic State Sahel Province": 5,
    "Volunteers for the Defense of the Homeland": 6,
    "Unidentified Armed Group": 4,
    "Civilians (Mali)": 10,
    "Civilians (Burkina Faso)": 10,
    "Civilians (Niger)": 10,
    "Wagner Group": 3,
}

# name → (scale, website)
SOURCES = {
    "Studio Tamani": (SourceScale.LOCAL, "https://www.studiotamani.org"),
    "Journal du Mali": (SourceScale.NATIONAL, "https://www.journaldumali.com"),
    "L'Essor": (SourceScale.NATIONAL, "https://www.lessormali.com"),
    "Maliweb": (SourceScale.NATIONAL, "https://www.maliweb.net"),
    "Lefaso.net": (SourceScale.NATIONAL, "https://lefaso.net"),
    "Burkina24": (SourceScale.NATIONAL, "https://burkina24.com"),
    "Radio Omega": (SourceScale.NATIONAL, "https://www.omegabf.info"),
    "ActuNiger": (SourceScale.NATIONAL, "https://www.actuniger.com"),
    "Air Info": (SourceScale.LOCAL, "https://www.airinfoagadez.com"),
    "RFI": (SourceScale.INTERNATIONAL, "https://www.rfi.fr"),
    "AFP": (SourceScale.INTERNATIONAL, "https://www.afp.com"),
    "Reuters": (SourceScale.INTERNATIONAL, "https://www.reuters.com"),
    "Jeune Afrique": (SourceScale.REGIONAL, "https://www.jeuneafrique.com"),
    "Le Monde": (SourceScale.INTERNATIONAL, "https://www.lemonde.fr"),
    "Human Rights Watch": (SourceScale.INTERNATIONAL, "https://www.hrw.org"),
    "MINUSMA press release": (SourceScale.OTHER, "https://minusma.unmissions.org"),
    "Menastream": (SourceScale.OTHER, "https://twitter.com/menastream"),
    "Sahel Intelligence": (SourceScale.REGIONAL, "https://sahel-intelligence.com"),
    "Local sources": (SourceScale.LOCAL, ""),
    "Anadolu Agency": (SourceScale.INTERNATIONAL, "https://www.aa.com.tr"),
}

# Share of incidents by event type, then by sub-event type, roughly as in ACLED's Sahel data.
EVENT_MIX = {
    "battles": (
        36,
        {
            "armed_clash": 85,
            "government_regains_territory": 8,
            "non_state_actor_overtakes_territory": 7,
        },
    ),
    "violence_against_civilians": (
        34,
        {"attack": 76, "abduction_forced_disappearance": 20, "sexual_violence": 4},
    ),
    "explosions_remote_violence": (
        12,
        {
            "remote_explosive_landmine_ied": 45,
            "air_drone_strike": 30,
            "shelling_artillery_missile_attack": 15,
            "suicide_bomb": 5,
            "grenade": 5,
        },
    ),
    "strategic_developments": (
        10,
        {
            "looting_property_destruction": 30,
            "arrests": 25,
            "disrupted_weapons_use": 15,
            "change_to_group_activity": 10,
            "other": 7,
            "agreement": 5,
            "headquarters_or_base_established": 5,
            "non_violent_transfer_of_territory": 3,
        },
    ),
    "protests": (
        5,
        {
            "peaceful_protest": 80,
            "protest_with_intervention": 15,
            "excessive_force_against_protesters": 5,
        },
    ),
    "riots": (3, {"mob_violence": 60, "violent_demonstration": 40}),
}

# sub-event type → (share of incidents tagged, {tactic: weight})
TACTIC_MIX = {
    "armed_clash": (
        0.35,
        {"Ambush": 4, "Direct assault": 3, "Coordinated": 2, "Raid": 2, "Multi-front": 1},
    ),
    "non_state_actor_overtakes_territory": (
        0.4,
        {"Coordinated": 2, "Direct assault": 2, "Multi-front": 1},
    ),
    "attack": (0.3, {"Raid": 3, "Arson": 2, "Direct assault": 1}),
    "abduction_forced_disappearance": (0.6, {"Abduction": 1}),
    "remote_explosive_landmine_ied": (0.8, {"IED": 1}),
    "suicide_bomb": (0.9, {"Suicide bombing": 4, "Coordinated": 1}),
    "shelling_artillery_missile_attack": (0.6, {"Shelling": 1}),
    "looting_property_destruction": (0.4, {"Arson": 2, "Raid": 1}),
}

# event type → (share of zero figures, Pareto alpha of the others (smaller: heavier tail),
#               chance the first casualty row counts the killed, {group of the killed: weight})
CASUALTY_MIX = {
    "battles": (
        0.3,
        1.2,
        0.95,
        {
            CasualtyGroup.SECURITY_FORCES: 4,
            CasualtyGroup.ASSAILANTS: 4,
            CasualtyGroup.UNKNOWN: 2,
            CasualtyGroup.CIVILIANS: 1,
        },
    ),
    "violence_against_civilians": (
        0.3,
        1.3,
        0.85,
        {CasualtyGroup.CIVILIANS: 9, CasualtyGroup.UNKNOWN: 1},
    ),
    "explosions_remote_violence": (
        0.35,
        1.4,
        0.95,
        {
            CasualtyGroup.SECURITY_FORCES: 4,
            CasualtyGroup.CIVILIANS: 3,
            CasualtyGroup.ASSAILANTS: 2,
            CasualtyGroup.PEACEKEEPERS: 1,
        },
    ),
    "strategic_developments": (
        0.7,
        2.5,
        0.3,
        {CasualtyGroup.UNKNOWN: 1, CasualtyGroup.CIVILIANS: 1},
    ),
    "protests": (0.8, 3.0, 0.2, {CasualtyGroup.CIVILIANS: 1}),
    "riots": (0.6, 2.5, 0.6, {CasualtyGroup.CIVILIANS: 3, CasualtyGroup.UNKNOWN: 1}),
}
MAX_FIGURE = 300

# Conflict intensity grew sharply from 2018; 2012 is the northern Mali crisis.
YEAR_WEIGHTS = {
    2012: 3,
    2013: 3,
    2014: 2,
    2015: 2,
    2016: 2.5,
    2017: 3.5,
    2018: 6,
    2019: 9,
    2020: 10,
    2021: 11,
    2022: 14,
    2023: 14,
    2024: 12,
}
DATE_PRECISION_MIX = {
    DatePrecision.DAY: 80,
    DatePrecision.DAYS: 5,
    DatePrecision.WEEK: 3,
    DatePrecision.MONTH: 8,
    DatePrecision.YEAR: 4,
}
GEO_PRECISION_MIX = {
    GeoPrecision.EXACT: 70,
    GeoPrecision.NEAR: 15,
    GeoPrecision.ADMIN2: 5,
    GeoPrecision.ADMIN1: 8,
    GeoPrecision.COUNTRY: 2,
}
STATUS_MIX = {Status.PUBLISHED: 95, Status.DRAFT: 2, Status.IN_REVIEW: 2, Status.RETRACTED: 1}
RETRACTION_REASONS = [
    "Duplicate of another incident.",
    "The only source withdrew its report.",
    "The event took place outside the Sahel.",
]
NARRATIVE_ENDINGS = [
    "Local sources report that the attackers arrived on motorbikes and left towards the bush.",
    "Residents fled to the nearest town in the following days.",
    "The army announced reinforcements in the area the next day.",
    "Figures differ between sources; the range reflects the lowest and highest reports.",
    "The market and several shops were burnt.",
    "",
    "",
]


# ---------------------------------------------------------------------------------------------
# Sampling helpers
# ---------------------------------------------------------------------------------------------


class Picker:
    """Draws keys from a {key: weight} mapping (cumulative weights, so each draw is cheap)."""

    def __init__(self, weights):
        self.keys = list(weights)
        self.cum_weights = []
        total = 0
        for weight in weights.values():
            total += weight
            self.cum_weights.append(total)

    def __call__(self, rng):
        return rng.choices(self.keys, cum_weights=self.cum_weights)[0]


def heavy_tailed(rng, zero_share, alpha):
    """A count that is mostly 0–5 and occasionally in the hundreds (a capped Pareto draw)."""
    if rng.random() < zero_share:
        return 0
    return min(int(rng.paretovariate(alpha)), MAX_FIGURE)


def estimates(rng, best):
    """(low, best, high): a single reported figure about half the time, else a range."""
    if best == 0 or rng.random() < 0.55:
        return best, best, best
    return best - rng.randint(0, best // 3), best, best + rng.randint(1, max(1, best // 2))


# ---------------------------------------------------------------------------------------------
# Reference rows: countries, regions, places, actors, sources (created once, then reused)
# ---------------------------------------------------------------------------------------------


@dataclass
class Place:
    location: Location
    region_code: str
    country_code: str
    weight: float


def ensure_places(rng):
    """The countries with their regions, a few admin2 areas, and PLACE_COUNT places."""
    for iso3 in COUNTRIES.values():
        load_country(iso3)
    regions = {area.iso_code: area for area in AdminArea.objects.filter(level=1)}
    admin2, bf_provinces = ensure_admin2(regions)

    specs = list(TOWNS)
    used_names = {spec[0] for spec in specs}
    region_picker = Picker({code: weight for code, (_, _, weight, _) in REGIONS.items()})
    while len(specs) < PLACE_COUNT:
        region = region_picker(rng)
        name = village_name(rng)
        if name in used_names:
            continue
        used_names.add(name)
        lat0, lon0, _, spread = REGIONS[region]
        if region == "ML-5":
            area = rng.choice(MOPTI_CERCLES)
        elif region in bf_provinces:
            area = rng.choice(bf_provinces[region])
        else:
            area = None
        specs.append((name, region, area, lat0 + rng.gauss(0, spread), lon0 + rng.gauss(0, spread)))

    existing = {
        (location.name, location.admin1_id): location
        for location in Location.objects.filter(name__in=used_names)
    }
    missing = []
    for name, region, area, lat, lon in specs:
        admin1 = regions[region]
        if (name, admin1.pk) not in existing:
            missing.append(
                Location(
                    name=name,
                    latitude=Decimal(f"{lat:.5f}"),
                    longitude=Decimal(f"{lon:.5f}"),
                    country_id=admin1.country_id,
                    admin1=admin1,
                    admin2=admin2.get(area),
                )
            )
    for location in Location.objects.bulk_create(missing):
        existing[(location.name, location.admin1_id)] = location

    # Some places recur much more than others: weight the n-th place of a region by 1/n.
    rank_in_region = Counter()
    places = []
    for name, region, _area, _lat, _lon in specs:
        rank_in_region[region] += 1
        places.append(
            Place(
                location=existing[(name, regions[region].pk)],
                region_code=region,
                country_code=region[:2],
                weight=1 / rank_in_region[region],
            )
        )
    # Normalise so that each region gets its REGIONS share of the incidents.
    totals = Counter()
    for place in places:
        totals[place.region_code] += place.weight
    for place in places:
        place.weight *= REGIONS[place.region_code][2] / totals[place.region_code]
    return places, len(missing)


def ensure_admin2(regions):
    """Mopti's cercles and Burkina Faso's provinces (from ISO 3166-2) as admin2 areas.

    Returns the areas keyed by ISO code (provinces) or name (cercles), and the province codes
    of each Burkinabè region.
    """
    # key → (name, ISO code, parent region's code)
    wanted = {name: (name, "", "ML-5") for name in MOPTI_CERCLES}
    for subdivision in pycountry.subdivisions.get(country_code="BF"):
        if subdivision.parent_code is not None:
            wanted[subdivision.code] = (subdivision.name, subdivision.code, subdivision.parent_code)
    areas = {}
    bf_provinces = defaultdict(list)
    for key, (name, iso_code, region_code) in wanted.items():
        region = regions[region_code]
        areas[key], _ = AdminArea.objects.get_or_create(
            country_id=region.country_id,
            level=AdminArea.Level.ADMIN2,
            parent=region,
            name=name,
            defaults={"iso_code": iso_code},
        )
        if iso_code:
            bf_provinces[region_code].append(key)
    return areas, bf_provinces


def village_name(rng):
    syllables = [rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))]
    return "".join(syllables).capitalize()


def ensure_actors():
    existing = {actor.name: actor for actor in Actor.objects.filter(name__in=ACTORS)}
    missing = [
        Actor(name=name, actor_type=actor_type)
        for name, (actor_type, _, _) in ACTORS.items()
        if name not in existing
    ]
    for actor in Actor.objects.bulk_create(missing):
        existing[actor.name] = actor
    aliases = [
        ActorAlias(actor=existing[name], name=alias)
        for name, (_, _, alias) in ACTORS.items()
        if alias
    ]
    ActorAlias.objects.bulk_create(aliases, ignore_conflicts=True)
    # country code → actor type → Picker of the actors active there
    weights = defaultdict(lambda: defaultdict(dict))
    for name, (actor_type, countries, _) in ACTORS.items():
        for country in countries.split():
            weights[country][actor_type][existing[name]] = ACTOR_WEIGHTS.get(name, 1)
    by_country = {
        country: {actor_type: Picker(actors) for actor_type, actors in by_type.items()}
        for country, by_type in weights.items()
    }
    return by_country, len(missing)


def ensure_sources():
    existing = {source.name: source for source in Source.objects.filter(name__in=SOURCES)}
    missing = [
        Source(name=name, scale=scale, url=url)
        for name, (scale, url) in SOURCES.items()
        if name not in existing
    ]
    for source in Source.objects.bulk_create(missing):
        existing[source.name] = source
    return [existing[name] for name in SOURCES], len(missing)


# ---------------------------------------------------------------------------------------------
# Incidents
# ---------------------------------------------------------------------------------------------


@dataclass
class Draft:
    """One incident before insertion, with the rows that hang off it."""

    incident: Incident
    casualties: list  # (coded Casualty, whether the citation's source reported it)
    roles: list
    tactic_ids: list
    source: Source
    related_to_previous: bool


class IncidentMaker:
    def __init__(self, rng, filler, places, actors, sources):
        self.rng = rng
        self.filler = filler
        self.places = places
        self.place_picker = Picker({index: place.weight for index, place in enumerate(places)})
        self.actors = actors
        self.sources = sources
        self.region_names = dict(AdminArea.objects.filter(level=1).values_list("iso_code", "name"))
        self.event_types = {event_type.code: event_type for event_type in EventType.objects.all()}
        self.sub_event_types = {sub.code: sub for sub in SubEventType.objects.all()}
        self.tactics = {tactic.name: tactic.pk for tactic in Tactic.objects.all()}
        self.event_picker = Picker({code: share for code, (share, _) in EVENT_MIX.items()})
        self.sub_event_pickers = {code: Picker(subs) for code, (_, subs) in EVENT_MIX.items()}
        self.tactic_pickers = {code: Picker(tags) for code, (_, tags) in TACTIC_MIX.items()}
        self.group_pickers = {code: Picker(mix[-1]) for code, mix in CASUALTY_MIX.items()}
        self.year_picker = Picker(YEAR_WEIGHTS)
        self.date_precision_picker = Picker(DATE_PRECISION_MIX)
        self.geo_precision_picker = Picker(GEO_PRECISION_MIX)
        self.status_picker = Picker(STATUS_MIX)
        # Plain strings: get_FOO_display on lazy labels costs more than the rest of a row.
        self.labels = {
            choice.value: str(choice.label).lower() for choice in (*CasualtyGroup, *CasualtyOutcome)
        }
        self.serial = 0

    def make(self):
        rng = self.rng
        self.serial += 1
        place = self.places[self.place_picker(rng)]
        event_code = self.event_picker(rng)
        sub_code = self.sub_event_pickers[event_code](rng) if rng.random() > 0.01 else None
        dates = start_date, end_date, date_precision = self.make_dates()
        geo_precision = self.geo_precision_picker(rng)
        casualties = self.make_casualties(event_code, place, start_date)
        roles = self.make_roles(event_code, sub_code, place.country_code)
        sub_event_type = self.sub_event_types.get(sub_code)
        kind = sub_event_type.name if sub_event_type else self.event_types[event_code].name
        preposition = "in" if geo_precision == GeoPrecision.EXACT else "near"
        incident = Incident(
            title=f"{kind} {preposition} {place.location.name}",
            narrative=self.make_narrative(kind, place, dates, roles, casualties),
            start_date=start_date,
            end_date=end_date,
            date_precision=date_precision,
            location=place.location,
            geo_precision=geo_precision,
            event_type_id=event_code,
            sub_event_type_id=sub_code,
            civilian_targeting=any(
                actor.actor_type == ActorType.CIVILIANS
                for role, actor in roles
                if role in (ActorRole.TARGET, ActorRole.TARGET_ASSOCIATE)
            ),
            created_by=self.filler,
            updated_by=self.filler,
            **self.make_status(start_date),
            **self.make_identifiers(place.country_code),
        )
        return Draft(
            incident=incident,
            casualties=casualties,
            roles=roles,
            tactic_ids=self.make_tactics(sub_code),
            source=rng.choice(self.sources),
            related_to_previous=rng.random() < 0.02,
        )

    def make_dates(self):
        rng = self.rng
        year = self.year_picker(rng)
        start = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        precision = self.date_precision_picker(rng)
        end = None
        if precision == DatePrecision.YEAR:
            start = start.replace(month=1, day=1)
        elif precision == DatePrecision.MONTH:
            start = start.replace(day=1)
        elif precision == DatePrecision.DAYS:
            end = start + datetime.timedelta(days=rng.randint(1, 5))
        elif precision == DatePrecision.DAY and rng.random() < 0.03:
            end = start + datetime.timedelta(days=rng.randint(1, 3))
        return start, end, precision

    def make_status(self, start_date):
        rng = self.rng
        status = self.status_picker(rng)
        fields = {"status": status}
        reported = datetime.datetime.combine(
            start_date, datetime.time(hour=rng.randrange(24)), tzinfo=datetime.UTC
        ) + datetime.timedelta(days=rng.randint(1, 30))
        if status != Status.DRAFT:
            fields.update(submitted_at=reported, submitted_by=self.filler)
        if status in (Status.PUBLISHED, Status.RETRACTED):
            fields.update(
                published_at=reported + datetime.timedelta(days=rng.randint(0, 7)),
                published_by=self.filler,
            )
        if status == Status.RETRACTED:
            fields.update(
                retracted_at=fields["published_at"] + datetime.timedelta(days=rng.randint(1, 90)),
                retracted_by=self.filler,
                retraction_reason=rng.choice(RETRACTION_REASONS),
            )
        return fields

    def make_identifiers(self, country_code):
        rng = self.rng
        identifiers = {}
        if rng.random() < 0.6:
            identifiers["acled_event_id"] = f"{COUNTRIES[country_code]}{self.serial}"
        if rng.random() < 0.3:
            identifiers["ucdp_id"] = str(100_000 + self.serial)
        return identifiers

    def make_casualties(self, event_code, place, start_date):
        """1–3 rows with distinct (group, outcome); killed figures are heavy-tailed."""
        rng = self.rng
        zero_share, alpha, first_is_killed, _ = CASUALTY_MIX[event_code]
        wanted = []
        if rng.random() < first_is_killed:
            wanted.append(CasualtyOutcome.KILLED)
        elif event_code in ("violence_against_civilians", "strategic_developments"):
            wanted.append(CasualtyOutcome.ABDUCTED)
        else:
            wanted.append(CasualtyOutcome.INJURED)
        if rng.random() < 0.45:
            wanted.append(rng.choice((CasualtyOutcome.KILLED, CasualtyOutcome.INJURED)))
        if rng.random() < 0.15:
            wanted.append(rng.choice((CasualtyOutcome.INJURED, CasualtyOutcome.ABDUCTED)))
        rows, seen = [], set()
        for outcome in wanted:
            group = self.group_pickers[event_code](rng)
            if group == CasualtyGroup.PEACEKEEPERS and (
                place.country_code != "ML" or start_date.year > 2023
            ):
                group = CasualtyGroup.SECURITY_FORCES
            if (group, outcome) in seen:
                continue
            seen.add((group, outcome))
            if outcome == CasualtyOutcome.KILLED:
                best = heavy_tailed(rng, zero_share, alpha)
            else:
                best = heavy_tailed(rng, 0.5, alpha + 0.2)
            low, best, high = estimates(rng, best)
            casualty = Casualty(group=group, outcome=outcome, low=low, best=best, high=high)
            rows.append((casualty, rng.random() < 0.7))
        return rows

    def make_roles(self, event_code, sub_code, country_code):
        """(role, actor) pairs: a perpetrator, usually a target, sometimes an associate."""
        rng = self.rng
        actors = self.actors[country_code]

        def pick(*actor_types):
            """An actor of one of the types (each type equally likely) active in the country."""
            actor_type = rng.choice([kind for kind in actor_types if kind in actors])
            return actors[actor_type](rng)

        state, rebels = ActorType.STATE_FORCES, ActorType.REBEL_GROUP
        civilians, external = ActorType.CIVILIANS, ActorType.EXTERNAL_OTHER
        militias = (ActorType.POLITICAL_MILITIA, ActorType.IDENTITY_MILITIA)
        target = None
        if event_code == "battles":
            draw = rng.random()
            if draw < 0.55:
                perpetrator, target = pick(rebels), pick(state)
            elif draw < 0.8:
                perpetrator, target = pick(state), pick(rebels, *militias)
            else:
                perpetrator, target = pick(*militias), pick(rebels, *militias)
        elif event_code == "violence_against_civilians":
            perpetrator, target = pick(rebels, *militias, state), pick(civilians)
        elif sub_code == "air_drone_strike":
            perpetrator, target = pick(state, external), pick(rebels)
        elif event_code == "explosions_remote_violence":
            perpetrator, target = pick(rebels), pick(state, civilians)
        elif event_code == "protests":
            perpetrator = pick(ActorType.PROTESTERS)
            if sub_code != "peaceful_protest":
                target = pick(state)
        elif event_code == "riots":
            perpetrator, target = pick(ActorType.RIOTERS), pick(civilians, state)
        else:
            perpetrator = pick(rebels, *militias, state)
            if rng.random() < 0.4:
                target = pick(civilians, state, rebels)
        roles = [(ActorRole.PERPETRATOR, perpetrator)]
        if target is not None and target != perpetrator:
            roles.append((ActorRole.TARGET, target))
        if rng.random() < 0.15:
            associate = pick(external, *militias)
            if associate not in (perpetrator, target):
                role = rng.choice((ActorRole.PERPETRATOR_ASSOCIATE, ActorRole.TARGET_ASSOCIATE))
                roles.append((role, associate))
        return roles

    def make_tactics(self, sub_code):
        rng = self.rng
        share, _ = TACTIC_MIX.get(sub_code, (0, None))
        if rng.random() >= share:
            return []
        names = {self.tactic_pickers[sub_code](rng)}
        if rng.random() < 0.2:
            names.add(self.tactic_pickers[sub_code](rng))
        return [self.tactics[name] for name in sorted(names)]

    def make_narrative(self, kind, place, dates, roles, casualties):
        start_date, end_date, date_precision = dates
        when = format_date_at_precision(start_date, end_date, date_precision)
        sides = " against ".join(
            actor.name for role, actor in roles if role in (ActorRole.PERPETRATOR, ActorRole.TARGET)
        )
        figures = "; ".join(
            f"{row.best} {self.labels[row.group]} {self.labels[row.outcome]}"
            for row, _ in casualties
        )
        return (
            f"{when}: {kind.lower()} in {place.location.name} "
            f"({self.region_names[place.region_code]}), {sides}. "
            f"Reported: {figures}. {self.rng.choice(NARRATIVE_ENDINGS)}"
        ).strip()


# ---------------------------------------------------------------------------------------------
# Insertion
# ---------------------------------------------------------------------------------------------


def insert_batch(drafts, counts):
    """Insert one batch of drafted incidents and everything that hangs off them."""
    incidents = Incident.objects.bulk_create([draft.incident for draft in drafts])
    casualties, reports, roles, tactics, citations, related = [], [], [], [], [], []
    TacticLink = Incident.tactics.through
    RelatedLink = Incident.related.through
    previous = None
    for draft, incident in zip(drafts, incidents, strict=True):
        citation_date = incident.start_date + datetime.timedelta(days=1)
        citations.append(
            Citation(
                incident=incident,
                source=draft.source,
                url=f"{draft.source.url or 'https://example.org'}/incidents/{incident.pk}",
                title=f"{incident.location.name}: {incident.title.lower()}",
                published_on=citation_date,
                excerpt=incident.narrative[:160] if incident.pk % 3 == 0 else "",
            )
        )
        for casualty, cites_source in draft.casualties:
            casualty.incident = incident
            casualties.append(casualty)
            # The coded figure as the cited source reported it (or an unknown source).
            exact = casualty.low == casualty.best == casualty.high
            reports.append(
                SourceReport(
                    incident=incident,
                    group=casualty.group,
                    outcome=casualty.outcome,
                    source=draft.source if cites_source else None,
                    qualifier=ReportQualifier.EXACT if exact else ReportQualifier.RANGE,
                    figure=casualty.best if exact else casualty.low,
                    figure_high=None if exact else casualty.high,
                    reported_on=citation_date,
                )
            )
        roles.extend(
            IncidentActor(incident=incident, actor=actor, role=role) for role, actor in draft.roles
        )
        tactics.extend(
            TacticLink(incident_id=incident.pk, tactic_id=tactic_id)
            for tactic_id in draft.tactic_ids
        )
        if draft.related_to_previous and previous is not None:
            related.append(RelatedLink(from_incident_id=incident.pk, to_incident_id=previous.pk))
            related.append(RelatedLink(from_incident_id=previous.pk, to_incident_id=incident.pk))
        previous = incident
    # Casualty's bulk_create sets the incidents' killed/injured totals from the rows.
    Casualty.objects.bulk_create(casualties, batch_size=BATCH_SIZE)
    SourceReport.objects.bulk_create(reports, batch_size=BATCH_SIZE)
    Citation.objects.bulk_create(citations, batch_size=BATCH_SIZE)
    IncidentActor.objects.bulk_create(roles, batch_size=BATCH_SIZE)
    TacticLink.objects.bulk_create(tactics, batch_size=BATCH_SIZE)
    RelatedLink.objects.bulk_create(related, batch_size=BATCH_SIZE)
    counts["incidents"] += len(incidents)
    counts["casualties"] += len(casualties)
    counts["source reports"] += len(reports)
    counts["citations"] += len(citations)
    counts["actor roles"] += len(roles)
    counts["tactic tags"] += len(tactics)
    counts["related links"] += len(related) // 2


def delete_synthetic(filler):
    """Delete the filler's incidents and their rows with plain SQL.

    The ORM's delete would load every row to write a history record for it.
    """
    quote = connection.ops.quote_name
    synthetic = f"SELECT id FROM {quote(Incident._meta.db_table)} WHERE created_by_id = %s"
    dependants = [
        (Casualty, "incident_id"),
        (SourceReport, "incident_id"),
        (Citation, "incident_id"),
        (IncidentActor, "incident_id"),
        (Incident.tactics.through, "incident_id"),
        (Incident.related.through, "from_incident_id"),
        (Incident.related.through, "to_incident_id"),
        (Incident, "id"),
    ]
    with connection.cursor() as cursor:
        for model, column in dependants:
            cursor.execute(
                f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN ({synthetic})",
                [filler.pk],
            )


ESTIMATES = ("low", "best", "high")


def count_total_mismatches(filler):
    """Incidents whose killed/injured totals differ from the sums of their casualty rows."""
    sums = defaultdict(dict)
    rows = (
        Casualty.objects.filter(incident__created_by=filler)
        .order_by()
        .values("incident_id", "outcome")
        .annotate(**{estimate: Sum(estimate) for estimate in ESTIMATES})
    )
    for row in rows:
        sums[row["incident_id"]][row["outcome"]] = tuple(row[estimate] for estimate in ESTIMATES)
    mismatches = 0
    fields = [
        f"{outcome}_{estimate}" for outcome in ("killed", "injured") for estimate in ESTIMATES
    ]
    totals = Incident.objects.filter(created_by=filler).values_list("id", *fields)
    for pk, *stored in totals:
        killed = sums[pk].get(CasualtyOutcome.KILLED, (None, None, None))
        injured = sums[pk].get(CasualtyOutcome.INJURED, (None, None, None))
        if tuple(stored) != (*killed, *injured):
            mismatches += 1
    return mismatches


def analyze():
    """Refresh the planner's statistics (and, on PostgreSQL, the visibility map)."""
    tables = [
        Incident._meta.db_table,
        Casualty._meta.db_table,
        SourceReport._meta.db_table,
        Citation._meta.db_table,
        IncidentActor._meta.db_table,
        Incident.tactics.through._meta.db_table,
        Incident.related.through._meta.db_table,
        Location._meta.db_table,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM as well: the totals UPDATE leaves a dead version of every incident row,
            # and index-only scans (the list's COUNT) need an up-to-date visibility map.
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"VACUUM (ANALYZE) {quoted}")
        else:
            cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many synthetic incidents to create")
    parser.add_argument(
        "--reset", action="store_true", help="refill even if there are already COUNT incidents"
    )
    args = parser.parse_args()

    settings_db = connection.settings_dict
    print(f"Database: {connection.vendor} {settings_db['NAME']} on {settings_db['HOST'] or '-'}")
    filler, _ = User.objects.get_or_create(username=FILLER_USERNAME, defaults={"is_active": False})
    existing = Incident.objects.filter(created_by=filler).count()
    if existing == args.count and not args.reset:
        print(f"Already {existing:,} synthetic incidents; nothing to do (--reset to refill).")
        return

    started = time.perf_counter()
    rng = Random(SEED)
    counts = Counter()
    with transaction.atomic():
        if existing:
            delete_synthetic(filler)
            print(f"Deleted {existing:,} previous synthetic incidents.")
        places, counts["places"] = ensure_places(rng)
        actors, counts["actors"] = ensure_actors()
        sources, counts["sources"] = ensure_sources()
        maker = IncidentMaker(rng, filler, places, actors, sources)
        remaining = args.count
        while remaining > 0:
            size = min(BATCH_SIZE, remaining)
            insert_batch([maker.make() for _ in range(size)], counts)
            remaining -= size
            done = counts["incidents"]
            if sys.stdout.isatty():
                print(f"  {done:,} / {args.count:,} incidents", end="\r", flush=True)
            elif done % 100_000 == 0:
                print(f"  {done:,} / {args.count:,} incidents", flush=True)
    inserted = time.perf_counter() - started
    analyze()
    elapsed = time.perf_counter() - started

    print(
        "Created "
        + ", ".join(f"{number:,} {name}" for name, number in counts.items())
        + f" in {inserted:.1f} s (+ {elapsed - inserted:.1f} s VACUUM/ANALYZE)."
    )
    statuses = Counter(
        Incident.objects.filter(created_by=filler).values_list("status", flat=True).iterator()
    )
    print("Status: " + ", ".join(f"{status} {statuses[status]:,}" for status in STATUS_MIX))
    mismatches = count_total_mismatches(filler)
    if mismatches:
        print(f"ERROR: {mismatches:,} incidents have totals that differ from their casualty rows.")
        sys.exit(1)
    print("Checked: every incident's killed/injured totals equal the sums of its casualty rows.")


if __name__ == "__main__":
    main()
