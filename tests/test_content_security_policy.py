"""Every HTML page is sent with the strict Content-Security-Policy, and holds nothing that the
policy would refuse: no inline <script> (only files, and JSON data blocks, which never run), no
<style> block, no style="…" attribute and no on…= handler. The browser side, that the pages work
under the policy, is tests/test_content_security_policy_browser.py.
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings

from incidents.choices import Status
from incidents.explorer import TILE_URL
from incidents.models import IncidentNote
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https://tile.openstreetmap.org",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}
SCRIPT_DATA_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a page holds that the policy refuses to run or apply."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            if attributes.get("type") not in SCRIPT_DATA_TYPES:
                self.found.append(f"inline <script {attributes}>")
        if tag == "style":
            self.found.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def world():
    """One of each kind of row a page shows, and a draft a reviewer sent back, with a note."""
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    place = LocationFactory(name="Sévaré", admin1=mopti, country=mali)
    actor = ActorFactory(name="JNIM")
    incident = IncidentFactory(location=place, start_date=datetime.date(2023, 7, 14))
    CasualtyFactory(incident=incident, best=4)
    IncidentActorFactory(incident=incident, actor=actor)
    CitationFactory(incident=incident)
    reviewer = UserFactory(username="amina", group="Reviewer")
    returned = IncidentFactory(
        location=place,
        status=Status.DRAFT,
        return_reason="Check the date.",
        returned_by=reviewer,
        returned_at=datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC),
    )
    IncidentNote.objects.create(incident=returned, text="Seen in two sources", written_by=reviewer)
    return {
        "incident": incident,
        "returned": returned,
        "place": place,
        "area": mopti,
        "actor": actor,
        "reviewer": reviewer,
    }


def public_pages(world):
    return [
        "/",
        "/incidents/",
        f"/incidents/?admin1={world['area'].pk}",
        f"/incidents/{world['incident'].pk}/",
        f"/places/{world['place'].pk}/",
        f"/places/areas/{world['area'].pk}/",
        "/places/countries/MLI/",
        f"/actors/{world['actor'].pk}/",
        "/corrections/",
        "/analysis/",
        "/analysis/?interval=month&split=admin1",
        "/analysis/compare/",
        "/analysis/places/",
        "/api/docs/",
        "/api/incidents/?format=api",
        f"/api/incidents/{world['incident'].pk}/?format=api",
        "/api/actors/?format=api",
        "/admin/login/",
        "/no-such-page/",
    ]


def admin_pages(world):
    incident, returned = world["incident"], world["returned"]
    return [
        "/admin/",
        "/admin/incidents/incident/",
        "/admin/incidents/incident/add/",
        f"/admin/incidents/incident/{incident.pk}/change/",
        f"/admin/incidents/incident/{returned.pk}/change/",
        "/admin/incidents/location/",
        f"/admin/incidents/location/{world['place'].pk}/change/",
        f"/admin/incidents/actor/{world['actor'].pk}/change/",
        "/admin/incidents/importrun/add/",
    ]


def assert_strict(response, url):
    assert response["Content-Type"].startswith("text/html"), url
    policy = response["Content-Security-Policy"]
    assert set(policy.split("; ")) == POLICY, url
    assert "unsafe" not in policy, url
    assert inline_code(response.content.decode()) == [], url


def test_every_public_page_has_the_strict_policy_and_no_inline_code(client, world):
    for url in public_pages(world):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict(response, url)


def test_every_admin_page_has_the_strict_policy_and_no_inline_code(client, world):
    client.force_login(world["reviewer"])
    for url in admin_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response, url)
    # The draft's return note and its internal note are on the page, styled from a file.
    page = client.get(admin_pages(world)[4]).content.decode()
    assert 'class="return-note"' in page and "Seen in two sources" in page


def test_swagger_ui_start_up_script_is_a_file_of_its_own(client):
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_map_tiles_host_is_the_one_the_policy_allows():
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert any(TILE_URL.startswith(f"{source}/") for source in allowed if "://" in source)


def test_the_checker_finds_inline_code():
    html = (
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<style>b {}</style><b style="color: red" onclick="go()">x</b><a href="javascript:go()">'
    )
    assert len(inline_code(html)) == 5
