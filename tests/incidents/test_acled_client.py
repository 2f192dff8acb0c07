"""A researcher's script written for ACLED's API runs unchanged against /acled-api/: PyPI's
`acled` client, pointed at the live server with legacy key/email, gets the incidents our own
API gives for the same filter, page by page; a mirror follows retractions through deleted/read
and corrections and new publications through `timestamp`; a filter we cannot answer is the
client's ClientError.

The live server needs committed rows, so these tests are transactional; tests/conftest.py runs
such files after the others (their flush would empty the seeded taxonomy under them)."""

import datetime

import pytest
from acled import AcledClient
from acled.clients.base_http_client import BaseHttpClient
from acled.exceptions import ClientError
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Status
from incidents.models import Incident
from tests.factories import (
    CitationFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
)
from tests.incidents.test_acled_compat import own_ids


@pytest.fixture
def acled(live_server, monkeypatch):
    """The acled package as a researcher sets it up, with ACLED_API_HOST at our site. The
    package reads ACLED_API_HOST once, when it is imported; the live server's port is known only
    now, so the test sets what that variable sets."""
    monkeypatch.setattr(BaseHttpClient, "BASE_URL", f"{live_server.url}/acled-api")
    monkeypatch.setattr(BaseHttpClient, "MAX_RETRIES", 0)
    with pytest.warns(DeprecationWarning):  # the package warns that key/email are legacy
        client = AcledClient(api_key="researcher-key", email="researcher@example.org")
    yield client
    client.close()


def sahel():
    """Mali and Burkina Faso incidents across 2022–2024, a draft and a retracted one."""
    mali = LocationFactory(admin1__country=CountryFactory(iso3="MLI", name="Mali"))
    burkina = LocationFactory(
        admin1__country=CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso"),
        admin1__name="Sahel",
        admin1__iso_code="BF-12",
    )
    incidents = []
    for number in range(12):
        incidents.append(
            IncidentFactory(
                location=mali,
                start_date=datetime.date(2022, 11, 1) + datetime.timedelta(40 * number),
            )
        )
    IncidentFactory(location=burkina, start_date=datetime.date(2023, 5, 5))
    IncidentFactory(location=mali, start_date=datetime.date(2023, 6, 6), status=Status.DRAFT)
    IncidentFactory(location=mali, start_date=datetime.date(2023, 7, 7), status=Status.RETRACTED)
    return incidents


def our_api_ids(client, params):
    """Every id our own API lists for the filter, following its pages."""
    ids = []
    response = client.get(reverse("incidents_api:incident_list"), params)
    while True:
        assert response.status_code == 200, response.content
        ids += [item["id"] for item in response.json()["results"]]
        if response.json()["next"] is None:
            return ids
        response = client.get(response.json()["next"])


# The live server needs committed rows; serialized_rollback restores the seeded taxonomy that
# a transactional test's flush would otherwise lose (as tests/browser.py does).
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@LIVE
def test_acled_client_pages_through_a_country_and_date_range_as_our_api_lists_it(acled, client):
    sahel()
    expected = our_api_ids(
        client, {"country": "MLI", "date_from": "2023-01-01", "date_to": "2023-12-31"}
    )
    assert len(expected) == 9

    pages = [
        acled.get_data(
            country="Mali",
            event_date="2023-01-01|2023-12-31",
            limit=4,
            page=page,
            fields="event_id_cnty|event_date|country|fatalities",
            query_params={"event_date_where": "BETWEEN"},
        )
        for page in (1, 2, 3, 4)
    ]

    assert [len(page) for page in pages] == [4, 4, 1, 0]
    events = [event for page in pages for event in page]
    assert own_ids(events) == expected
    assert {tuple(event) for event in events} == {
        ("event_id_cnty", "event_date", "country", "fatalities")
    }
    assert all(event["country"] == "Mali" for event in events)
    assert all(
        datetime.date(2023, 1, 1) <= event["event_date"] <= datetime.date(2023, 12, 31)
        for event in events
    )


@LIVE
def test_deleted_read_lists_a_retracted_incident_with_when_it_was_withdrawn(acled):
    analyst = UserFactory(is_superuser=True)
    kept, withdrawn = IncidentFactory(), IncidentFactory(acled_event_id="MLI12345")
    before = int(timezone.now().timestamp())
    withdrawn.retract(by=analyst, reason="Reported twice.")

    deleted = acled._deleted_client.get_data(deleted_timestamp=before)

    assert deleted == [
        {
            "event_id_cnty": "MLI12345",
            "deleted_timestamp": int(
                Incident.objects.get(pk=withdrawn.pk).retracted_at.timestamp()
            ),
        }
    ]
    assert acled._deleted_client.get_data(deleted_timestamp=before + 3600) == []
    assert own_ids(acled.get_data()) == [kept.pk]


@LIVE
def test_a_timestamp_sync_picks_up_a_correction_and_a_newly_published_incident(acled):
    analyst = UserFactory(is_superuser=True)
    corrected, untouched = IncidentFactory(), IncidentFactory()
    drafted = IncidentFactory(status=Status.IN_REVIEW, published_at=None, toll_unknown=True)
    CitationFactory(incident=drafted)
    old = timezone.now() - datetime.timedelta(days=30)
    Incident.objects.update(updated_at=old, published_at=old)
    last_sync = int(timezone.now().timestamp())

    corrected.mark_changed(by=analyst)
    Incident.objects.get(pk=drafted.pk).publish(by=analyst)

    changed = acled.get_data(timestamp=last_sync)
    assert sorted(own_ids(changed)) == sorted([corrected.pk, drafted.pk])
    assert untouched.pk not in own_ids(acled.get_data(timestamp=last_sync))
    (row,) = [event for event in changed if own_ids([event]) == [corrected.pk]]
    assert row["timestamp"] >= datetime.datetime.fromtimestamp(last_sync, tz=datetime.UTC)


@LIVE
def test_the_client_gets_a_client_error_for_a_filter_we_cannot_answer(acled):
    IncidentFactory()
    with pytest.raises(ClientError):
        acled.get_data(actor1="JNIM")


@LIVE
def test_the_client_reads_regions_and_filters_events_by_region(acled):
    sahel()  # Mali and Burkina Faso: both Western Africa

    (region,) = acled._region_client.get_data()
    assert region == {
        "region": 1,
        "region_name": "Western Africa",
        "first_event_date": datetime.date(2022, 11, 1),
        "last_event_date": datetime.date(2022, 11, 1) + datetime.timedelta(40 * 11),
        "event_count": 13,
    }
    western = acled.get_data(region=1, fields="event_id_cnty|region")
    assert len(western) == 13 and {event["region"] for event in western} == {"Western Africa"}
    assert acled.get_data(region=2) == []
