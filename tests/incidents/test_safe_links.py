"""Only http and https addresses become links: a citation or source URL with another scheme,
written through the ORM or an import, is shown as text, never as an href."""

import html
import io
import re

import pytest

from incidents import history
from incidents.choices import Status, VersionKind
from incidents.formatting import web_link
from incidents.importers.importing import import_file
from incidents.importers.ucdp import UcdpImporter
from incidents.models import Citation
from tests.factories import CitationFactory, IncidentFactory, SourceFactory, UserFactory
from tests.incidents.test_admin_import import ged_upload
from tests.incidents.test_import_ucdp import ged_row

HOSTILE_URLS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "http:alert(1)",
]


def assert_no_hostile_link(page):
    # Every hostile URL above carries one of these; no other href on the pages does.
    for href in re.findall(r'href="([^"]*)"', page):
        href = html.unescape(href)
        assert not any(mark in href for mark in ("alert", "msgbox", "evil.example")), href


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_web_link_refuses_every_other_scheme(url):
    assert web_link(url) == ""


@pytest.mark.parametrize("url", ["https://example.org/report?a=1", "HTTP://example.org/"])
def test_web_link_keeps_web_addresses(url):
    assert web_link(url) == url


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_incident_page_shows_a_hostile_citation_url_as_text(client, db, url):
    citation = CitationFactory(url=url, title="")
    CitationFactory(incident=citation.incident, url=url, title="Titled report")
    page = client.get(citation.incident.get_absolute_url()).content.decode()
    assert "Titled report" in page
    assert_no_hostile_link(page)


def test_the_incident_page_links_a_web_citation_url(client, db):
    citation = CitationFactory(url="https://example.org/report", title="Titled report")
    page = client.get(citation.incident.get_absolute_url()).content.decode()
    assert 'href="https://example.org/report"' in page


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.DRAFT])
def test_no_admin_page_links_a_hostile_url(client, db, status):
    url = "javascript:alert(1)"
    reviewer = UserFactory(username="root", is_superuser=True, is_staff=True)
    analyst = UserFactory(username="analyst", group="Analyst")
    incident = IncidentFactory(status=status)
    source = SourceFactory(url=url)
    CitationFactory(incident=incident, source=source, url=url, title="Titled report")
    history.record_version(incident, by=reviewer, kind=VersionKind.EDITED, reason="test")
    CitationFactory(incident=incident, source=source, url="vbscript:msgbox(1)")
    history.record_version(incident, by=reviewer, kind=VersionKind.EDITED, reason="test")
    incident.refresh_from_db()
    base = f"/admin/incidents/incident/{incident.pk}"
    paths = [
        f"{base}/change/",
        f"{base}/history/",
        f"{base}/history/{incident.version}/",
        f"{base}/history/compare/?v={incident.version - 1}&v={incident.version}",
        f"/admin/incidents/source/{source.pk}/change/",
        "/admin/incidents/source/",
        "/admin/incidents/citation/",
    ]
    for user in (reviewer, analyst):  # the analyst sees a published incident read-only
        client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 302, 403, 404), path
            assert_no_hostile_link(response.content.decode())


class UcdpWithLinks(UcdpImporter):
    """UCDP's format with a URL on each citation, as a format that reads one would give."""

    def __init__(self, url):
        self.url = url

    def parse_row(self, row, row_number):
        record = super().parse_row(row, row_number)
        for citation in record.citations:
            citation.url = self.url
        return record


@pytest.mark.parametrize(
    ("url", "stored"),
    [("javascript:alert(1)", ""), ("data:text/html,x", ""), ("https://example.org/r", None)],
)
def test_an_import_keeps_only_web_addresses(db, url, stored):
    upload = ged_upload(ged_row(id="1"))
    report = import_file(io.BytesIO(upload.read()), UcdpWithLinks(url))
    assert report.created == 1
    urls = set(Citation.objects.values_list("url", flat=True))
    assert urls == {url if stored is None else stored}
