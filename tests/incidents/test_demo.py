"""`load_demo`: Mali, its ISO 3166-2 regions, the founding report's three attacks and the
Bamako attack whose sources disagree."""

import datetime
import io

import pycountry
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from incidents.choices import CasualtyOutcome, DatePrecision, Status
from incidents.demo import DEMO_PASSWORD, DEMO_USERS
from incidents.models import AdminArea, Country, Incident


def snapshot():
    """Every row of every incidents model, and every history row, as comparable values (the
    search entries only where they are a table: PostgreSQL's)."""
    tables = connection.introspection.table_names()
    models = [
        m for m in apps.get_app_config("incidents").get_models() if m._meta.db_table in tables
    ]
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


def demo_logins():
    """The demo accounts that log in with the demo password."""
    return {
        user.username
        for user in User.objects.filter(username__in=DEMO_USERS)
        if user.check_password(DEMO_PASSWORD)
    }


def test_with_debug_off_the_demo_accounts_get_no_usable_password(db, settings):
    settings.DEBUG = False
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    users = User.objects.filter(username__in=DEMO_USERS)
    assert users.count() == 3
    assert not any(user.has_usable_password() for user in users)
    assert "python manage.py changepassword admin" in out.getvalue()
    assert DEMO_PASSWORD not in out.getvalue()
    # The reviewer still publishes the demo incidents.
    assert Incident.objects.public().filter(published_by__username="reviewer").exists()


def test_with_debug_on_the_demo_accounts_log_in_with_the_demo_password(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert demo_logins() == set(DEMO_USERS)
    assert f"password '{DEMO_PASSWORD}'. This password is for local use only" in out.getvalue()


def test_with_accounts_gives_the_demo_password_with_debug_off(db, settings):
    settings.DEBUG = False
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", "--with-accounts", stdout=out)
    assert demo_logins() == set(DEMO_USERS)
    assert "Gave the demo password to admin, analyst, reviewer." in out.getvalue()


def test_a_later_load_with_debug_off_removes_the_demo_password_but_not_a_chosen_one(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    admin.set_password("a chosen passphrase")
    admin.save()
    settings.DEBUG = False
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert demo_logins() == set()
    assert "Removed the demo password of analyst, reviewer" in out.getvalue()
    admin.refresh_from_db()
    assert admin.check_password("a chosen passphrase")


def test_the_admin_login_refuses_the_demo_password_after_a_load_with_debug_off(
    client, db, settings
):
    settings.DEBUG = False
    call_command("load_demo", stdout=io.StringIO())
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
