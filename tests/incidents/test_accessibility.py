"""What a keyboard or screen reader user of the public pages relies on: a skip link, a named
results table whose sorted column says so (aria-sort), and visible hints on the multiple
selects. axe-core's run over the pages is in tests/test_public_pages_browser.py."""

import re

import pytest
from django.urls import reverse

from tests.factories import CasualtyFactory

LIST = reverse("incidents:incident_list")


def headers(html):
    return re.findall(r"<th ([^>]*)>(?:<a [^>]*>)?([^<]+)", html)


@pytest.mark.parametrize(
    ("sort", "column", "direction"),
    [
        ("", "Date", "descending"),  # the table's own order: newest first
        ("-killed", "Killed", "descending"),
        ("place", "Place", "ascending"),
    ],
)
def test_the_sorted_column_says_how_it_is_sorted(client, db, sort, column, direction):
    CasualtyFactory(best=3)
    html = client.get(LIST, {"sort": sort} if sort else {}).content.decode()
    sorted_columns = {
        name: re.search(r'aria-sort="(\w+)"', attributes).group(1)
        for attributes, name in headers(html)
        if "aria-sort" in attributes
    }
    assert sorted_columns == {column: direction}


def test_the_results_table_is_named_and_headed(client, db):
    CasualtyFactory(best=3)
    html = client.get(LIST).content.decode()
    assert '<caption class="visually-hidden">Incidents</caption>' in html
    assert re.search(r'<div class="explorer-results" id="results">\s*<h2[^>]*>Results</h2>', html)


@pytest.mark.parametrize(
    ("url", "target"),
    [("/", "content"), (LIST, "results"), (reverse("analysis:series"), "results")],
)
def test_a_skip_link_comes_first_and_leads_past_the_header_or_the_panel(client, db, url, target):
    html = client.get(url).content.decode()
    body = html[html.index("<body>") :]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert first_link == f'<a class="skip-link" href="#{target}">'
    assert f'id="{target}"' in html


def test_each_multiple_select_says_how_to_choose_several(client, db):
    html = client.get(LIST).content.decode()
    for name in ("country", "admin1", "admin2", "sub_event_type"):
        select = re.search(rf'<select name="{name}"[^>]*>', html).group(0)
        assert f'aria-describedby="id_{name}_hint"' in select
        hint = re.search(rf'<p class="hint" id="id_{name}_hint">([^<]+)</p>', html).group(1)
        assert "Ctrl-click" in hint
