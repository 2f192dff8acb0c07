"""The incident list's date hierarchy: Django's years, months and days, in one pass."""

import datetime

import pytest
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.urls import reverse

from incidents.templatetags.incident_admin import incident_date_hierarchy
from tests.factories import IncidentFactory

LIST_URL = reverse("admin:incidents_incident_changelist")


def changelist(client, query=""):
    return client.get(f"{LIST_URL}?{query}").context["cl"]


@pytest.mark.parametrize(
    ("dates", "query"),
    [
        ([], ""),  # nothing to list
        ([(2021, 3, 4), (2023, 7, 1), (2023, 7, 9)], ""),  # years
        ([(2023, 2, 4), (2023, 7, 1), (2023, 7, 9)], ""),  # one year opens its months
        ([(2023, 7, 1), (2023, 7, 9)], ""),  # one month opens its days
        ([(2021, 3, 4), (2023, 7, 1)], "start_date__year=2023"),  # a chosen year
        ([(2023, 7, 1), (2023, 8, 9)], "start_date__year=2023&start_date__month=7"),
        ([(2021, 3, 4), (2023, 7, 1)], "q=Kidal&event_type__code__exact=battles"),
    ],
)
def test_the_hierarchy_is_djangos(reviewer_client, db, dates, query):
    for year, month, day in dates:
        IncidentFactory(start_date=datetime.date(year, month, day))
    cl = changelist(reviewer_client, query)
    assert incident_date_hierarchy(cl) == date_hierarchy(cl)


def test_the_years_of_a_searched_list_come_with_its_count(
    reviewer_client, db, django_assert_num_queries
):
    # Django's tag asks for the first and last dates, then the years, and the list counts its
    # incidents: three passes over the search's id sets, seconds each at a million incidents.
    # The list is counted month by month instead, which gives the years.
    for year in (2019, 2021, 2021, 2023):
        IncidentFactory(start_date=datetime.date(year, 5, 1), title="JNIM ambush")
    IncidentFactory(start_date=datetime.date(2022, 5, 1), title="Flood")
    cl = changelist(reviewer_client, "q=JNIM")
    assert cl.result_count == 4
    with django_assert_num_queries(0):
        hierarchy = incident_date_hierarchy(cl)
    assert [choice["title"] for choice in hierarchy["choices"]] == ["2019", "2021", "2023"]
    assert hierarchy["choices"][0]["link"] == "?q=JNIM&start_date__year=2019"


def test_the_list_page_shows_the_years(reviewer_client, db):
    IncidentFactory(start_date=datetime.date(2020, 1, 1))
    IncidentFactory(start_date=datetime.date(2024, 1, 1))
    page = reviewer_client.get(LIST_URL).content.decode()
    assert 'href="?start_date__year=2020"' in page
    assert 'href="?start_date__year=2024"' in page


def test_the_months_of_the_whole_table_are_every_month_with_an_incident(
    db, django_assert_num_queries
):
    from incidents.models import Incident

    for year, month, day in [
        (2019, 12, 31),
        (2020, 1, 1),
        (2020, 1, 31),
        (2020, 2, 1),
        (2023, 7, 9),
    ]:
        IncidentFactory(start_date=datetime.date(year, month, day))
    with django_assert_num_queries(1):  # probes the date index, one query whatever the span
        months = Incident.objects.start_months()
    assert months == list(Incident.objects.dates("start_date", "month"))
    assert months[:3] == [
        datetime.date(2019, 12, 1),
        datetime.date(2020, 1, 1),
        datetime.date(2020, 2, 1),
    ]
    assert Incident.objects.none().start_months() == []
