"""Dates typed the way analysts in Mali write them are read as they meant them."""

import datetime

import pytest
from django.urls import reverse

from incidents.choices import DatePrecision, Status
from incidents.models import Incident
from tests.factories import IncidentFactory, LocationFactory, SourceFactory
from tests.incidents.test_admin_figures import bamako_form
from tests.incidents.test_workflow import change_form_data

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


@pytest.mark.parametrize(
    ("typed", "stored", "precision"),
    [
        ("2023-09", datetime.date(2023, 9, 1), DatePrecision.MONTH),
        ("09/2023", datetime.date(2023, 9, 1), DatePrecision.MONTH),
        ("9.2023", datetime.date(2023, 9, 1), DatePrecision.MONTH),
        ("2023", datetime.date(2023, 1, 1), DatePrecision.YEAR),
    ],
)
def test_a_month_or_a_year_alone_is_entered_with_that_precision(
    analyst_client, typed, stored, precision
):
    form = bamako_form(LocationFactory(), [], start_date=typed)
    assert analyst_client.post(ADD_URL, form).status_code == 302
    incident = Incident.objects.get()
    assert (incident.start_date, incident.date_precision) == (stored, precision)


def test_a_month_range_keeps_both_months(analyst_client):
    form = bamako_form(LocationFactory(), [], start_date="2023-09", end_date="2023-11")
    assert analyst_client.post(ADD_URL, form).status_code == 302
    incident = Incident.objects.get()
    assert (incident.start_date, incident.end_date, incident.date_precision) == (
        datetime.date(2023, 9, 1),
        datetime.date(2023, 11, 1),
        DatePrecision.MONTH,
    )


@pytest.mark.parametrize(
    ("start", "precision", "error"),
    [
        (
            "2023-09-15",
            DatePrecision.MONTH,
            "A date known only to the month has no day: type 2023-09, or choose “Exact day”",
        ),
        (
            "2023-09-15",
            DatePrecision.YEAR,
            "A date known only to the year has no day: type 2023, or choose “Exact day”",
        ),
        ("2023-09", DatePrecision.YEAR, "The dates are typed as a month: choose “Known month”"),
        ("2023", DatePrecision.WEEK, "The dates are typed as a year: choose “Known year”"),
    ],
)
def test_a_precision_and_dates_that_disagree_are_refused(analyst_client, start, precision, error):
    form = bamako_form(LocationFactory(), [], start_date=start, date_precision=str(precision))
    response = analyst_client.post(ADD_URL, form)
    assert error in response.content.decode()
    assert not Incident.objects.exists()


def test_a_month_start_with_a_day_end_is_refused(analyst_client):
    form = bamako_form(LocationFactory(), [], start_date="2023-09", end_date="2023-09-20")
    response = analyst_client.post(ADD_URL, form)
    assert "Type the end date as precisely as the start date" in response.content.decode()
    assert not Incident.objects.exists()


def test_a_month_in_the_future_is_refused(analyst_client):
    next_year = datetime.date.today().year + 1
    form = bamako_form(LocationFactory(), [], start_date=f"{next_year}-01")
    assert "The start date is in the future." in analyst_client.post(ADD_URL, form).content.decode()


def test_an_incident_known_to_the_month_shows_its_month(analyst_client):
    incident = IncidentFactory(
        start_date=datetime.date(2023, 9, 1),
        date_precision=DatePrecision.MONTH,
        status=Status.DRAFT,
    )
    html = analyst_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    assert 'name="start_date" value="2023-09"' in html


def test_an_imported_mid_month_date_does_not_block_other_edits(analyst_client):
    # ACLED codes a month-precise event on a day of it; the analyst fixing the title is not
    # stopped, and the date is kept as the dataset wrote it.
    incident = IncidentFactory(
        start_date=datetime.date(2023, 9, 15),
        date_precision=DatePrecision.MONTH,
        title="Old",
        status=Status.DRAFT,
    )
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert 'name="start_date" value="2023-09-15"' in analyst_client.get(url).content.decode()
    data = {**change_form_data(analyst_client, incident), "title": "New", "_save": "Save"}
    assert analyst_client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.start_date) == ("New", datetime.date(2023, 9, 15))


def test_a_month_incident_saved_again_stays_a_month(analyst_client):
    incident = IncidentFactory(
        start_date=datetime.date(2023, 9, 1),
        date_precision=DatePrecision.MONTH,
        status=Status.DRAFT,
    )
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    data = {**change_form_data(analyst_client, incident), "start_date": "2023-08", "_save": "Save"}
    assert analyst_client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert (incident.start_date, incident.date_precision) == (
        datetime.date(2023, 8, 1),
        DatePrecision.MONTH,
    )
