"""Likely duplicates caught where they are made: the admin refuses a save that probably enters
an incident twice until the analyst says it is a different one, and records that they did."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import DatePrecision, Status
from incidents.duplicates import period
from incidents.models import Incident, IncidentNote, Source
from tests.factories import ActorFactory, IncidentActorFactory, IncidentFactory, LocationFactory
from tests.incidents.test_admin import ADD_URL, kouakourou_report

D = datetime.date


@pytest.mark.parametrize(
    ("dates", "precision", "expected"),
    [
        ((D(2023, 9, 15), None), DatePrecision.DAY, (D(2023, 9, 15), D(2023, 9, 15))),
        ((D(2023, 9, 15), D(2023, 9, 17)), DatePrecision.DAY, (D(2023, 9, 15), D(2023, 9, 17))),
        ((D(2023, 9, 15), None), DatePrecision.WEEK, (D(2023, 9, 8), D(2023, 9, 22))),
        ((D(2024, 2, 1), None), DatePrecision.MONTH, (D(2024, 2, 1), D(2024, 2, 29))),
        ((D(2023, 1, 1), None), DatePrecision.YEAR, (D(2023, 1, 1), D(2023, 12, 31))),
    ],
)
def test_a_dates_precision_opens_its_period(dates, precision, expected):
    assert period(*dates, precision) == expected


@pytest.fixture
def kouakourou(db):
    """Kouakourou, September 2023 (day known), a battle with JNIM: already published."""
    place = LocationFactory(
        name="Kouakourou", latitude=Decimal("14.4843"), longitude=Decimal("-4.1828")
    )
    jnim = ActorFactory(name="JNIM")
    incident = IncidentFactory(
        title="JNIM attack on Kouakourou", location=place, start_date=D(2023, 9, 20)
    )
    IncidentActorFactory(incident=incident, actor=jnim)
    return {"incident": incident, "place": place, "jnim": jnim}


def report(kouakourou, **overrides):
    """The founding report (September 2023 known to the month, a battle, JNIM), as the add form
    sends it."""
    source = Source.objects.get_or_create(name="Studio Tamani", defaults={"scale": "national"})[0]
    data = kouakourou_report(kouakourou["place"], source, kouakourou["jnim"])
    data.update(overrides)
    return data


def test_the_same_event_typed_again_is_stopped_with_links_to_what_it_resembles(
    analyst_client, kouakourou
):
    response = analyst_client.post(ADD_URL, report(kouakourou))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.duplicates) == [kouakourou["incident"]]
    page = response.content.decode()
    assert "This looks like an incident already entered" in page
    change_url = reverse("admin:incidents_incident_change", args=[kouakourou["incident"].pk])
    assert f'href="{change_url}" target="_blank"' in page
    assert 'name="save_despite_duplicates"' in page
    assert Incident.objects.count() == 1  # nothing written


def test_saving_anyway_takes_one_more_click_and_is_noted(analyst_client, analyst, kouakourou):
    data = report(kouakourou, save_despite_duplicates="on")
    response = analyst_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Incident.objects.exclude(pk=kouakourou["incident"].pk).get()
    note = IncidentNote.objects.get(incident=new)
    assert note.written_by == analyst
    assert note.text.startswith("Saved as a different incident despite likely duplicates: ")
    assert f"#{kouakourou['incident'].pk} 2023-09-20 JNIM attack on Kouakourou" in note.text


@pytest.mark.parametrize(
    ("latitude", "longitude", "warned"),
    [
        ("14.5743", "-4.1828", True),  # 10 km north
        ("14.8443", "-4.1828", False),  # 40 km north
    ],
)
def test_a_place_nearby_counts_and_one_far_away_does_not(
    analyst_client, kouakourou, latitude, longitude, warned
):
    elsewhere = LocationFactory(latitude=Decimal(latitude), longitude=Decimal(longitude))
    response = analyst_client.post(ADD_URL, report(kouakourou, location=str(elsewhere.pk)))
    assert (response.status_code == 200) == warned


@pytest.mark.parametrize(
    ("start_date", "precision", "warned"),
    [
        ("2023-09-01", "4", True),  # September 2023, known to the month, holds the 20th
        ("2023-09-25", "1", False),  # another day
        ("2023-09-25", "3", True),  # the week around the 25th holds the 20th
        ("2023-11-01", "4", False),  # another month
        ("2023-01-01", "5", True),  # 2023, known to the year
    ],
)
def test_dates_overlap_once_their_precision_is_taken_into_account(
    analyst_client, kouakourou, start_date, precision, warned
):
    data = report(kouakourou, start_date=start_date, date_precision=precision)
    response = analyst_client.post(ADD_URL, data)
    assert (response.status_code == 200) == warned


def test_another_type_counts_only_with_an_actor_in_common(analyst_client, kouakourou):
    other_type = {"event_type": "violence_against_civilians", "sub_event_type": "attack"}
    with_jnim = analyst_client.post(ADD_URL, report(kouakourou, **other_type))
    assert with_jnim.status_code == 200
    someone_else = ActorFactory(name="Dan Na Ambassagou")
    data = report(kouakourou, **other_type, **{"incident_actors-0-actor": str(someone_else.pk)})
    assert analyst_client.post(ADD_URL, data).status_code == 302


def test_a_retracted_incident_is_no_duplicate(analyst_client, kouakourou):
    Incident.objects.filter(pk=kouakourou["incident"].pk).update(
        status=Status.RETRACTED, retraction_reason="Not an attack", retracted_at=timezone.now()
    )
    assert analyst_client.post(ADD_URL, report(kouakourou)).status_code == 302


def test_an_edit_is_checked_only_when_it_changes_what_duplicates_share(analyst_client, kouakourou):
    data = report(kouakourou, save_despite_duplicates="on")
    assert analyst_client.post(ADD_URL, data).status_code == 302
    twin = Incident.objects.exclude(pk=kouakourou["incident"].pk).get()
    change_url = reverse("admin:incidents_incident_change", args=[twin.pk])
    edit = {**data, "opened_version": str(twin.version)}
    del edit["save_despite_duplicates"]
    # The change form's rows are the ones just saved: each row keeps its id.
    for formset in analyst_client.get(change_url).context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        rows = [form.instance for form in formset.formset.initial_forms]
        edit[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for row in rows:
            # The posted row of the same group and outcome (coded figures), else the only one.
            index = next(
                index
                for index in range(len(rows))
                if getattr(row, "group", None) in (None, edit.get(f"{prefix}-{index}-group"))
                and getattr(row, "outcome", None) in (None, edit.get(f"{prefix}-{index}-outcome"))
            )
            edit[f"{prefix}-{index}-id"] = str(row.pk)
            edit[f"{prefix}-{index}-incident"] = str(twin.pk)

    retitled = analyst_client.post(change_url, {**edit, "title": "Ambush near Kouakourou"})
    assert retitled.status_code == 302, retitled.context["adminform"].form.errors
    twin.refresh_from_db()
    edit["opened_version"] = str(twin.version)
    # Now known to the day, the 20th: the same day as the published one.
    moved = analyst_client.post(
        change_url, {**edit, "start_date": "2023-09-20", "date_precision": "1"}
    )
    assert moved.status_code == 200
    assert list(moved.context["adminform"].form.duplicates) == [kouakourou["incident"]]
