"""Nothing about an incident the public may not see reaches any public output.

Drafts, incidents in review and retracted incidents each get their own region, district,
place, actor, source and words (in a country of their own: countries and ISO regions are
reference data, public whoever uses them, so theirs have ordinary names); every public URL is
then requested, and none of the hidden names may appear: not in pages, downloads, the API, the
analysis, the map or the filter panel.
"""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from incidents import querysets
from incidents.choices import ActorRole, Status
from incidents.models import AdminArea
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    UserFactory,
)

# With the public answers kept, as in production: nothing kept may show a hidden incident.
pytestmark = pytest.mark.page_cache

HIDDEN = [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED]


def build_incident(status, word, iso3, iso2, latitude):
    """An incident with every row of its own, each named after `word`."""
    country = CountryFactory(iso3=iso3, iso2=iso2, name=f"Country {iso3}")
    region = AdminAreaFactory(country=country, name=f"{word}region", iso_code="")
    district = AdminAreaFactory(
        country=country,
        name=f"{word}district",
        level=AdminArea.Level.ADMIN2,
        parent=region,
        iso_code="",
    )
    place = LocationFactory(
        name=f"{word}ville",
        admin1=region,
        admin2=district,
        country=country,
        latitude=Decimal(latitude),
        longitude=Decimal("3.98765"),
    )
    incident = IncidentFactory(
        status=status,
        location=place,
        title=f"{word} title",
        narrative=f"{word} narrative",
        start_date=datetime.date(2024, 3, 7),
    )
    CasualtyFactory(incident=incident, best=7)
    actor = ActorFactory(name=f"{word}brigade", description=f"{word} description")
    actor.aliases.create(name=f"{word}alias")
    IncidentActorFactory(incident=incident, actor=actor, role=ActorRole.PERPETRATOR)
    CitationFactory(
        incident=incident, source=SourceFactory(name=f"{word}press"), title=f"{word} report"
    )
    return incident


@pytest.fixture
def incidents(db):
    public = build_incident(Status.PUBLISHED, "Openword", "MLI", "ML", "14.11111")
    hidden = {
        status: build_incident(status, f"Secret{status.replace('_', '')}", *codes)
        for status, codes in zip(
            HIDDEN,
            [("NER", "NE", "13.22222"), ("BFA", "BF", "12.33333"), ("TCD", "TD", "11.44444")],
            strict=True,
        )
    }
    return public, hidden


def public_urls(public, hidden):
    """Every public URL pattern, with parameters that would select the hidden rows."""
    urls = [
        "/",
        "/incidents/",
        "/incidents/?q=Secret",
        "/incidents/?sort=place",
        "/incidents/?near=13.2,3.9&radius_km=500",
        "/incidents.csv",
        "/incidents.json",
        "/incidents.geojson",
        "/incidents.xlsx",
        "/incidents/map.json",
        "/incidents/map.json?q=Secret",
        "/acled-api/acled/read",
        "/acled-api/actor/read",
        "/acled-api/actor/read?actor_name=Secret",
        "/acled-api/region/read",
        "/acled-api/country/read",
        "/ucdp-api/gedevents/24.1",
        "/analysis/",
        "/analysis/?split=actor",
        "/analysis/?split=admin1",
        "/analysis/?split=country",
        "/analysis/series.csv?split=actor",
        "/analysis/series.json?split=admin1",
        "/analysis/compare/?a_from=2024-01-01&a_to=2024-06-30&b_from=2023-01-01&b_to=2023-06-30"
        "&by=actor",
        "/analysis/compare.csv?a_from=2024-01-01&a_to=2024-06-30&b_from=2023-01-01"
        "&b_to=2023-06-30&by=admin1",
        "/analysis/places/",
        "/api/incidents/",
        "/api/incidents/?q=Secret",
        "/api/locations/",
        "/api/locations/?page_size=500",
        "/api/actors/",
        "/api/actors/?search=Secret",
        "/api/admin-areas/",
        "/api/admin-areas/?level=2",
        "/api/event-types/",
        "/api/analysis/series/?split=actor",
        "/api/analysis/series/?split=admin2",
        "/api/analysis/compare/?a_from=2024-01-01&a_to=2024-06-30&b_from=2023-01-01"
        "&b_to=2023-06-30&by=actor",
        "/api/schema/",
        public.get_absolute_url(),
        f"/api/incidents/{public.pk}/",
        public.location.get_absolute_url(),
        public.location.admin1.get_absolute_url(),
        public.location.country.get_absolute_url(),
    ]
    for incident in hidden.values():
        place = incident.location
        actor = incident.incident_actors.get().actor
        urls += [
            incident.get_absolute_url(),
            f"/api/incidents/{incident.pk}/",
            place.get_absolute_url(),
            place.admin1.get_absolute_url(),
            place.admin2.get_absolute_url(),
            place.country.get_absolute_url(),
            actor.get_absolute_url(),
            f"/incidents/?location={place.pk}",
            f"/incidents/?actor={actor.pk}",
            f"/incidents/map.json?location={place.pk}",
            f"/incidents/map.json?actor={actor.pk}",
            f"/api/locations/?country={place.country.iso3}",
            f"/incidents/?country={place.country.iso3}",
            f"/incidents/?admin1={place.admin1_id}",
            f"/api/admin-areas/?country={place.country.iso3}",
            f"/api/admin-areas/?parent={place.admin1_id}",
            f"/analysis/places/?place={place.country.iso3}",
            f"/analysis/places/?place={place.admin1_id}",
            f"/analysis/places/?place=location:{place.pk}",
            f"/api/analysis/places/?place={place.admin2_id}",
        ]
    return urls


def text_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats-officedocument"):
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            body = b"".join(workbook.read(name) for name in workbook.namelist())
    return body.decode()


def hidden_words(hidden):
    words = []
    for incident in hidden.values():
        word = incident.title.split()[0]
        words += [word, incident.location.latitude.to_eng_string()[:8]]
    return words


def test_nothing_of_a_hidden_incident_is_public(client, incidents):
    public, hidden = incidents
    words = hidden_words(hidden)
    seen_public = 0
    for url in public_urls(public, hidden):
        response = client.get(url)
        assert response.status_code in (200, 400, 404, 410), url
        text = text_of(response)
        assert not [word for word in words if word in text], url
        seen_public += "Openword" in text
    # The public incident's rows are where they should be: the test looks at real answers.
    assert seen_public >= 25


@pytest.fixture
def everything_remembered(monkeypatch):
    # Large selections are remembered for a minute; make every selection large.
    monkeypatch.setattr(querysets, "COUNT_CACHE_MIN", 0)


def test_a_retraction_leaves_every_output_in_the_same_request_cycle(
    client, incidents, everything_remembered, django_capture_on_commit_callbacks
):
    public, hidden = incidents
    reviewer = UserFactory(username="reviewer", group="Reviewer")
    urls = ["/", "/incidents/", "/incidents.geojson", "/analysis/?split=actor", "/api/actors/"]
    urls += [f"/api/admin-areas/?country={public.location.country.iso3}"]
    for url in urls:
        assert "Openword" in text_of(client.get(url)), url
    with django_capture_on_commit_callbacks(execute=True):
        public.retract(by=reviewer, reason="Reported twice")
    for url in urls:
        assert "Openword" not in text_of(client.get(url)), url
    assert client.get(public.location.get_absolute_url()).status_code == 404
    assert client.get(reverse("incidents:incident_detail", args=[public.pk])).status_code == 410


def test_a_drafts_new_place_and_actor_become_public_with_its_publication(client, incidents):
    _public, hidden = incidents
    draft = hidden[Status.DRAFT]
    place, actor = draft.location, draft.incident_actors.get().actor
    outputs = {
        place.get_absolute_url(): place.name,
        place.admin2.get_absolute_url(): place.admin2.name,
        actor.get_absolute_url(): actor.name,
        "/api/locations/": place.name,
        "/api/actors/": actor.name,
        "/api/admin-areas/?level=2": place.admin2.name,
        # The filter panel's options and the map's points.
        "/incidents/": place.admin1.name,
        "/incidents/map.json": place.latitude.to_eng_string()[:8],
        "/acled-api/actor/read": actor.name,
    }
    for url, name in outputs.items():
        assert name not in text_of(client.get(url)), url

    draft.publish(by=UserFactory(username="reviewer", group="Reviewer"))

    for url, name in outputs.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert name in text_of(response), url
