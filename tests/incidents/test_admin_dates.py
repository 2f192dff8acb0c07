"""Dates typed the way analysts in Mali write them are read as they meant them."""

import datetime

import pytest
from django.urls import reverse

from incidents.models import Incident
from tests.factories import LocationFactory, SourceFactory
from tests.incidents.test_admin_figures import bamako_form

ADD_URL = reverse("admin:incidents_incident_add")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2024-10-05", datetime.date(2024, 10, 5)),
        ("05/10/2024", datetime.date(2024, 10, 5)),  # 5 October, never 10 May
        ("05.10.2024", datetime.date(2024, 10, 5)),
        ("05-10-2024", datetime.date(2024, 10, 5)),
        ("17/09/2024", datetime.date(2024, 9, 17)),
    ],
)
def test_iso_and_day_first_dates_are_read_day_first(analyst_client, typed, stored):
    form = bamako_form(LocationFactory(), [], start_date=typed)
    assert analyst_client.post(ADD_URL, form).status_code == 302
    assert Incident.objects.get().start_date == stored


@pytest.mark.parametrize("typed", ["09/17/2024", "2024/17/09", "17 Sept"])
def test_month_first_is_refused_with_the_formats(analyst_client, typed):
    response = analyst_client.post(ADD_URL, bamako_form(LocationFactory(), [], start_date=typed))
    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD or DD/MM/YYYY (day first)." in response.content.decode()
    assert not Incident.objects.exists()


def test_the_date_fields_show_their_format(analyst_client):
    html = analyst_client.get(ADD_URL).content.decode()
    shown = 'placeholder="DD/MM/YYYY" title="YYYY-MM-DD or DD/MM/YYYY"'
    assert html.count(shown) >= 3  # start, end, a report's


def test_a_source_reports_date_is_day_first_too(analyst_client):
    afp = SourceFactory(name="AFP")
    form = bamako_form(LocationFactory(), [(afp, "exact", 77)])
    form["source_reports-0-reported_on"] = "18/09/2024"
    assert analyst_client.post(ADD_URL, form).status_code == 302
    report = Incident.objects.get().source_reports.get()
    assert report.reported_on == datetime.date(2024, 9, 18)


def test_an_end_date_in_the_future_is_refused(analyst_client):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    form = bamako_form(LocationFactory(), [], end_date=tomorrow.isoformat())
    response = analyst_client.post(ADD_URL, form)
    assert "The end date is in the future." in response.content.decode()
    assert not Incident.objects.exists()
