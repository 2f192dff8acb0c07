"""`load_demo`: Mali, its ISO 3166-2 regions, the founding report's three attacks and the
Bamako attack whose sources disagree."""

import datetime

import pycountry
from django.apps import apps
from django.core.management import call_command

from incidents.choices import CasualtyOutcome, DatePrecision, Status
from incidents.models import AdminArea, Country, Incident


def snapshot():
    """Every row of every incidents model, and every history row, as comparable values."""
    models = [m for m in apps.get_app_config("incidents").get_models()]
    return {model.__name__: sorted(map(str, model.objects.values_list())) for model in models}


def test_load_demo_loads_mali_regions_from_iso_3166_2(db):
    call_command("load_demo")
    mali = Country.objects.get(iso3="MLI")
    expected = {
        s.code: s.name for s in pycountry.subdivisions.get(country_code="ML") if not s.parent_code
    }
    regions = dict(AdminArea.objects.filter(country=mali, level=1).values_list("iso_code", "name"))
    assert regions == expected
    assert regions["ML-5"] == "Mopti"


def test_load_demo_publishes_the_founding_report_attacks(db):
    call_command("load_demo")
    attacks = Incident.objects.public().filter(start_date__year=2023).order_by("start_date")
    assert [
        (
            i.start_date,
            i.location.name,
            i.location.admin1.name,
            i.killed_best,
            list(i.tactics.values_list("name", flat=True)),
        )
        for i in attacks
    ] == [
        (datetime.date(2023, 7, 1), "Gao", "Gao", 12, ["Direct assault"]),
        (datetime.date(2023, 8, 1), "Mopti", "Mopti", 10, ["Suicide bombing"]),
        (datetime.date(2023, 9, 1), "Kouakourou", "Mopti", 15, ["Ambush", "Coordinated"]),
    ]
    for incident in attacks:
        assert incident.status == Status.PUBLISHED
        assert incident.date_precision == DatePrecision.MONTH
        assert incident.published_by.username == "reviewer"
        assert incident.citations.get().source.name == "incidentdb founding report"
        report = incident.source_reports.get()
        assert (report.source.name, report.figure_text) == (
            "incidentdb founding report",
            str(incident.killed_best),
        )
    assert attacks.get(location__name="Mopti").sub_event_type.name == "Suicide bomb"


def test_load_demo_codes_bamako_from_its_differing_reports_without_adding_them_up(db):
    call_command("load_demo")
    bamako = Incident.objects.public().get(location__name="Bamako")
    assert bamako.start_date == datetime.date(2024, 9, 17)
    assert bamako.date_precision == DatePrecision.DAY
    assert [
        (r.outcome, r.source.name, r.figure_text)
        for r in bamako.source_reports.order_by("outcome", "source__name")
    ] == [
        (CasualtyOutcome.INJURED, "AFP", "255"),
        (CasualtyOutcome.KILLED, "AFP", "77"),
        (CasualtyOutcome.KILLED, "Le Monde", "at least 70"),
        (CasualtyOutcome.KILLED, "Other reports", "at least 100"),
    ]
    killed = bamako.casualties.get(outcome=CasualtyOutcome.KILLED)
    assert (killed.low, killed.best, killed.high, killed.high_open) == (70, 77, 100, True)
    assert (bamako.killed_low, bamako.killed_best, bamako.killed_high) == (70, 77, 100)
    assert bamako.injured_best == 255
    assert sorted(bamako.citations.values_list("source__name", flat=True)) == [
        "AFP",
        "Le Monde",
        "Other reports",
    ]


def test_load_demo_twice_changes_nothing(db, capsys):
    call_command("load_demo")
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out
