"""The demo data that `make run` loads: Mali, its regions, and the founding report's attacks."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from .choices import CasualtyGroup, CasualtyOutcome, DatePrecision, GeoPrecision, SourceScale
from .gazetteer import load_country
from .models import (
    AdminArea,
    Casualty,
    Citation,
    EventType,
    Incident,
    Location,
    Source,
    SubEventType,
    Tactic,
)

DEMO_PASSWORD = "incidentdb-demo"
# username → (group, is superuser)
DEMO_USERS = {"admin": (None, True), "analyst": ("Analyst", False), "reviewer": ("Reviewer", False)}

# (name, ISO 3166-2 region, latitude, longitude)
PLACES = [
    ("Gao", "ML-7", "16.27167", "-0.04472"),
    ("Mopti", "ML-5", "14.48430", "-4.18280"),
    ("Kouakourou", "ML-5", "14.06670", "-4.58330"),
]

REPORT_SOURCE = "incidentdb founding report"
REPORT_TITLE = "Attacks in Mali, July–September 2023"

# The three attacks of the founding report, known to the month.
ATTACKS = [
    {
        "title": "Direct assault in Gao",
        "month": datetime.date(2023, 7, 1),
        "place": "Gao",
        "geo_precision": GeoPrecision.EXACT,
        "sub_event_type": "armed_clash",
        "tactics": ["Direct assault"],
        "killed": 12,
        "narrative": "In July 2023 a direct assault in Gao killed 12 people (founding report).",
    },
    {
        "title": "Suicide bombing in Mopti",
        "month": datetime.date(2023, 8, 1),
        "place": "Mopti",
        "geo_precision": GeoPrecision.EXACT,
        "sub_event_type": "suicide_bomb",
        "tactics": ["Suicide bombing"],
        "killed": 10,
        "narrative": (
            "In August 2023 a suicide bombing in Mopti killed 10 people (founding report)."
        ),
    },
    {
        "title": "Coordinated ambush near Kouakourou",
        "month": datetime.date(2023, 9, 1),
        "place": "Kouakourou",
        "geo_precision": GeoPrecision.NEAR,
        "sub_event_type": "armed_clash",
        "tactics": ["Coordinated", "Ambush"],
        "killed": 15,
        "narrative": (
            "In September 2023 a coordinated ambush near Kouakourou, Mopti region, killed 15 "
            "people (founding report)."
        ),
    },
]


@dataclass
class DemoReport:
    created: list = field(default_factory=list)

    def __str__(self):
        if not self.created:
            return "Demo data already loaded; nothing changed."
        return "Created " + ", ".join(self.created) + "."


@transaction.atomic
def load_demo():
    """Load the demo data; anything already there is left untouched (safe to run repeatedly).

    The demo accounts are part of it: the reviewer account publishes the demo incidents.
    """
    report = DemoReport()
    users = ensure_demo_users(report)
    mali = load_country("MLI")
    source, created = Source.objects.get_or_create(
        name=REPORT_SOURCE, defaults={"scale": SourceScale.OTHER}
    )
    if created:
        report.created.append("the founding report as a source")
    locations = {}
    for name, region_code, latitude, longitude in PLACES:
        locations[name], created = Location.objects.get_or_create(
            name=name,
            country=mali,
            admin1=AdminArea.objects.get(iso_code=region_code),
            defaults={"latitude": Decimal(latitude), "longitude": Decimal(longitude)},
        )
        if created:
            report.created.append(f"place {name}")
    for attack in ATTACKS:
        if Incident.objects.filter(title=attack["title"], start_date=attack["month"]).exists():
            continue
        load_attack(attack, locations[attack["place"]], source, users["reviewer"])
        report.created.append(f"incident “{attack['title']}”")
    return report


def load_attack(attack, location, source, reviewer):
    sub_event_type = SubEventType.objects.get(code=attack["sub_event_type"])
    incident = Incident.objects.create(
        title=attack["title"],
        narrative=attack["narrative"],
        start_date=attack["month"],
        date_precision=DatePrecision.MONTH,
        location=location,
        geo_precision=attack["geo_precision"],
        event_type=EventType.objects.get(pk=sub_event_type.event_type_id),
        sub_event_type=sub_event_type,
        created_by=reviewer,
        updated_by=reviewer,
    )
    incident.tactics.set(Tactic.objects.filter(name__in=attack["tactics"]))
    Citation.objects.create(incident=incident, source=source, title=REPORT_TITLE)
    Casualty.objects.create(
        incident=incident,
        group=CasualtyGroup.UNKNOWN,
        outcome=CasualtyOutcome.KILLED,
        best=attack["killed"],
        source=source,
    )
    incident.publish(by=reviewer)


def ensure_demo_users(report):
    users = {}
    for username, (group_name, is_superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            report.created.append(f"user {username}")
        users[username] = user
    return users
