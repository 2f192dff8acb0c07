"""The demo data that `make run` loads: Mali, its regions, and the founding report's attacks."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from .choices import (
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
)
from .figures import code_from_reports
from .gazetteer import load_country
from .models import (
    AdminArea,
    Citation,
    EventType,
    Incident,
    Location,
    Source,
    SourceReport,
    SubEventType,
    Tactic,
)

# Known to anyone who reads this file: the demo accounts get it only on a laptop (DEBUG on, as
# `make run` sets it) or when asked for with `load_demo --with-accounts`.
DEMO_PASSWORD = "incidentdb-demo"
# username → (group, is superuser)
DEMO_USERS = {"admin": (None, True), "analyst": ("Analyst", False), "reviewer": ("Reviewer", False)}

# (name, ISO 3166-2 region, latitude, longitude)
PLACES = [
    ("Gao", "ML-7", "16.27167", "-0.04472"),
    ("Mopti", "ML-5", "14.48430", "-4.18280"),
    ("Kouakourou", "ML-5", "14.06670", "-4.58330"),
    ("Bamako", "ML-BKO", "12.63920", "-8.00290"),
]

REPORT_SOURCE = "incidentdb founding report"
REPORT_TITLE = "Attacks in Mali, July–September 2023"

# The founding report's three attacks, known to the month, and an attack whose sources give
# different tolls (its coded figure spans them; the reports are shown side by side).
# "reports": (outcome, source, qualifier, figure) for group "unknown".
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
    {
        "title": "Attack on the gendarmerie school and military airport in Bamako",
        "date": datetime.date(2024, 9, 17),
        "place": "Bamako",
        "geo_precision": GeoPrecision.EXACT,
        "sub_event_type": "armed_clash",
        "tactics": ["Coordinated", "Multi-front"],
        "reports": [
            (CasualtyOutcome.KILLED, "AFP", ReportQualifier.EXACT, 77),
            (CasualtyOutcome.KILLED, "Le Monde", ReportQualifier.AT_LEAST, 70),
            (CasualtyOutcome.KILLED, "Other reports", ReportQualifier.AT_LEAST, 100),
            (CasualtyOutcome.INJURED, "AFP", ReportQualifier.EXACT, 255),
        ],
        "narrative": (
            "On 17 September 2024 assailants attacked the gendarmerie school and the military "
            "airport in Bamako. Sources give different tolls: AFP 77 killed and 255 wounded, Le "
            "Monde more than 70 killed, other reports over 100."
        ),
    },
]

# The sources of the demo reports, other than the founding report.
REPORT_SOURCES = {
    "AFP": SourceScale.INTERNATIONAL,
    "Le Monde": SourceScale.INTERNATIONAL,
    "Other reports": SourceScale.OTHER,
}


@dataclass
class DemoReport:
    created: list = field(default_factory=list)
    # Existing demo accounts given the demo password, or whose demo password was taken away
    # (see ensure_demo_users).
    unlocked: list = field(default_factory=list)
    locked: list = field(default_factory=list)

    def __str__(self):
        lines = []
        if self.created:
            lines.append("Created " + ", ".join(self.created) + ".")
        if self.unlocked:
            lines.append("Gave the demo password to " + ", ".join(self.unlocked) + ".")
        if self.locked:
            lines.append(
                "Removed the demo password of " + ", ".join(self.locked) + " (DEBUG is off)."
            )
        return "\n".join(lines) or "Demo data already loaded; nothing changed."


@transaction.atomic
def load_demo(with_passwords=False):
    """Load the demo data; anything already there is left untouched (safe to run repeatedly).

    The demo accounts are part of it: the reviewer account publishes the demo incidents. They
    log in with DEMO_PASSWORD only `with_passwords`; see ensure_demo_users.
    """
    report = DemoReport()
    users = ensure_demo_users(report, with_passwords)
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
    sources = {REPORT_SOURCE: source}
    for name, scale in REPORT_SOURCES.items():
        sources[name], created = Source.objects.get_or_create(name=name, defaults={"scale": scale})
        if created:
            report.created.append(f"source {name}")
    for attack in ATTACKS:
        start_date = attack.get("date", attack.get("month"))
        if Incident.objects.filter(title=attack["title"], start_date=start_date).exists():
            continue
        load_attack(attack, locations[attack["place"]], sources, users["reviewer"])
        report.created.append(f"incident “{attack['title']}”")
    return report


def load_attack(attack, location, sources, reviewer):
    sub_event_type = SubEventType.objects.get(code=attack["sub_event_type"])
    incident = Incident.objects.create(
        title=attack["title"],
        narrative=attack["narrative"],
        start_date=attack.get("date", attack.get("month")),
        date_precision=DatePrecision.DAY if "date" in attack else DatePrecision.MONTH,
        location=location,
        geo_precision=attack["geo_precision"],
        event_type=EventType.objects.get(pk=sub_event_type.event_type_id),
        sub_event_type=sub_event_type,
        created_by=reviewer,
        updated_by=reviewer,
    )
    incident.tactics.set(Tactic.objects.filter(name__in=attack["tactics"]))
    reports = attack.get("reports") or [
        (CasualtyOutcome.KILLED, REPORT_SOURCE, ReportQualifier.EXACT, attack["killed"])
    ]
    cited = dict.fromkeys(name for _outcome, name, _qualifier, _figure in reports)
    Citation.objects.bulk_create(
        Citation(
            incident=incident,
            source=sources[name],
            title=REPORT_TITLE if name == REPORT_SOURCE else "",
        )
        for name in cited
    )
    SourceReport.objects.bulk_create(
        SourceReport(
            incident=incident,
            group=CasualtyGroup.UNKNOWN,
            outcome=outcome,
            source=sources[name],
            qualifier=qualifier,
            figure=figure,
        )
        for outcome, name, qualifier, figure in reports
    )
    # The coded figures are what the reports propose: the analyst's default in the admin.
    code_from_reports(incident)
    incident.publish(by=reviewer)


def ensure_demo_users(report, with_passwords):
    """The demo accounts, created when missing. With `with_passwords` a new account, or one
    left without a usable password, gets DEMO_PASSWORD. Without it a new account gets no
    usable password (its owner sets one with `manage.py changepassword`), and an account
    still on DEMO_PASSWORD, from an earlier demo load, loses it: a known password must not
    open a deployment that others can reach. A password someone set is never touched."""
    users = {}
    for username, (group_name, is_superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
        )
        if created:
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            report.created.append(f"user {username}")
        if with_passwords and (created or not user.has_usable_password()):
            if not created:
                report.unlocked.append(username)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        elif not with_passwords and (created or user.check_password(DEMO_PASSWORD)):
            if not created:
                report.locked.append(username)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[username] = user
    return users
