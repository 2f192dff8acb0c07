"""What the public sees, without logging in: home, the incident table and incident pages."""

import datetime
import re

import pytest
from django.urls import reverse

from incidents.choices import (
    ActorRole,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    ReportQualifier,
    Status,
)
from incidents.models import Correction, IncidentVersion, Tactic
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    SourceReportFactory,
    save_incidents_in_bulk,
    save_places_in_bulk,
)

LIST_URL = reverse("incidents:incident_list")


def detail_url(incident):
    return reverse("incidents:incident_detail", args=[incident.pk])


def row_titles(response):
    return [row.record.title for row in response.context["table"].page.object_list]


@pytest.fixture
def kouakourou(db):
    """The founding report's September attack, fully described."""
    incident = IncidentFactory(
        title="Coordinated ambush near Kouakourou",
        start_date=datetime.date(2023, 9, 1),
        date_precision=DatePrecision.MONTH,
        location=LocationFactory(name="Kouakourou"),
        narrative="Gunmen ambushed a convoy on the road to Djenné.",
    )
    incident.tactics.set(Tactic.objects.filter(name__in=["Coordinated", "Ambush"]))
    CasualtyFactory(incident=incident, group="security_forces", low=12, best=15, high=20)
    CasualtyFactory(incident=incident, outcome=CasualtyOutcome.INJURED, best=4)
    IncidentActorFactory(
        incident=incident, actor=ActorFactory(name="JNIM"), role=ActorRole.PERPETRATOR
    )
    IncidentActorFactory(
        incident=incident,
        actor=ActorFactory(name="Malian Armed Forces", actor_type=1),
        role=ActorRole.TARGET,
    )
    CitationFactory(
        incident=incident,
        url="https://example.org/kouakourou",
        title="Embuscade près de Kouakourou",
    )
    return incident


def test_list_shows_an_incident_as_the_report_reads(client, kouakourou):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Kouakourou(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    # Links are inline (place and actor names link to their pages); other tags separate words.
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"</?a\b[^>]*>", "", row)))
    for expected in [
        "Sep 2023",
        "Coordinated ambush near Kouakourou",
        "Mopti, Mali",
        "Armed clash",
        "Ambush, Coordinated",
        "15 (12–20)",
        "4",
        "JNIM → Malian Armed Forces",
    ]:
        assert expected in text
    assert detail_url(kouakourou) in row
    assert "1 incident" in html


def test_list_is_sorted_newest_first_by_default(client, db):
    IncidentFactory(title="older", start_date=datetime.date(2022, 1, 1))
    IncidentFactory(title="newer", start_date=datetime.date(2023, 1, 1))
    assert row_titles(client.get(LIST_URL)) == ["newer", "older"]


@pytest.fixture
def three_incidents(db):
    gao = AdminAreaFactory(name="Gao", iso_code="ML-7")
    incidents = {
        "a": IncidentFactory(
            title="a", start_date=datetime.date(2023, 3, 1), location=LocationFactory(name="Boni")
        ),
        "b": IncidentFactory(
            title="b",
            start_date=datetime.date(2023, 1, 1),
            location=LocationFactory(name="Ansongo", admin1=gao),
            event_type_id="explosions_remote_violence",
            sub_event_type_id="suicide_bomb",
        ),
        "c": IncidentFactory(
            title="c",
            start_date=datetime.date(2023, 2, 1),
            location=LocationFactory(name="Diafarabé"),
        ),
    }
    CasualtyFactory(incident=incidents["a"], best=3)
    CasualtyFactory(incident=incidents["b"], best=40)
    return incidents


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["b", "c", "a"]),
        ("-date", ["a", "c", "b"]),
        ("-killed", ["b", "a", "c"]),  # unknown (c) last
        ("killed", ["a", "b", "c"]),  # unknown (c) last both ways
        ("place", ["b", "a", "c"]),  # Ansongo, Boni, Diafarabé
        ("event_type", ["a", "c", "b"]),  # Battles before Explosions/Remote violence
    ],
)
def test_list_sorts_by_column(client, three_incidents, sort, expected):
    assert row_titles(client.get(LIST_URL, {"sort": sort})) == expected


def test_list_pages_by_fifty_with_the_total_count(client, db):
    location = LocationFactory()
    IncidentFactory.create_batch(51, location=location)
    first = client.get(LIST_URL)
    assert len(first.context["table"].page.object_list) == 50
    assert "51 incidents" in first.content.decode()
    second = client.get(LIST_URL, {"page": 2})
    assert len(second.context["table"].page.object_list) == 1


@pytest.mark.parametrize("per_page", ["-1", "0", "37", "100000", "abc"])
def test_list_pages_by_fifty_for_a_page_size_it_does_not_offer(client, db, per_page):
    IncidentFactory.create_batch(51, location=LocationFactory())
    response = client.get(LIST_URL, {"per_page": per_page})
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 50


@pytest.mark.parametrize(("per_page", "rows", "pages"), [("25", 25, 5), ("100", 100, 2)])
def test_list_offers_page_sizes_and_keeps_the_chosen_one_across_pages(
    client, db, per_page, rows, pages
):
    IncidentFactory.create_batch(101, location=LocationFactory())
    response = client.get(LIST_URL, {"per_page": per_page, "sort": "-killed"})
    assert len(response.context["table"].page.object_list) == rows
    assert response.context["table"].paginator.num_pages == pages
    html = response.content.decode()
    sizes = re.search(r'<p class="page-sizes">.*?</p>', html, re.S).group(0)
    assert f'<strong aria-current="true">{per_page}</strong>' in sizes
    assert "per_page=500" in sizes.replace("&amp;", "&")
    pagination = re.search(r'<ul class="pagination">.*?</ul>', html, re.S).group(0)
    page_2 = re.search(r'<a href="([^"]*)">2</a>', pagination).group(1)
    assert f"per_page={per_page}" in page_2
    # Applying the filter panel keeps the page size.
    assert f'<input type="hidden" name="per_page" value="{per_page}">' in html


def test_pagination_gap_is_text_not_a_link(client, db):
    IncidentFactory.create_batch(30 * 25 + 1, location=LocationFactory())
    html = client.get(LIST_URL, {"per_page": "25", "page": "15"}).content.decode()
    pagination = re.search(r'<ul class="pagination">.*?</ul>', html, re.S).group(0)
    assert 'href="#"' not in pagination
    assert pagination.count('<span class="gap" aria-hidden="true">…</span>') == 2
    assert 'aria-current="page">15</a>' in pagination


def test_killed_header_sorts_the_deadliest_first_on_the_first_click(client, db):
    IncidentFactory()
    html = client.get(LIST_URL).content.decode()
    killed_header = re.search(r'<th [^>]*>\s*<a href="([^"]+)">Killed', html)
    assert "sort=-killed" in killed_header.group(1)
    html = client.get(LIST_URL, {"sort": "-killed"}).content.decode()
    killed_header = re.search(r'<th [^>]*>\s*<a href="([^"]+)">Killed', html)
    assert "sort=killed" in killed_header.group(1)


def test_a_column_header_sorts_from_the_first_page(client, db):
    """Sorting on page 3 shows the first rows of the new order (the deadliest first), not its
    third page; the filters stay."""
    IncidentFactory()
    html = client.get(LIST_URL, {"country": "MLI", "page": "3"}).content.decode()
    killed_header = re.search(r'<th [^>]*>\s*<a href="([^"]+)">Killed', html).group(1)
    assert killed_header == "?country=MLI&amp;sort=-killed"


def test_a_page_number_below_one_shows_the_first_page_and_one_past_the_end_the_last(client, db):
    IncidentFactory.create_batch(51)
    first, last = (row_titles(client.get(LIST_URL, {"page": n})) for n in (1, 2))
    assert len(first) == 50 and len(last) == 1
    for page in ("0", "-1"):
        assert row_titles(client.get(LIST_URL, {"page": page})) == first, page
    assert row_titles(client.get(LIST_URL, {"page": "99999999999999999999"})) == last


def test_list_filters_by_event_type_and_dates(client, three_incidents):
    assert row_titles(client.get(LIST_URL, {"event_type": "explosions_remote_violence"})) == ["b"]
    assert row_titles(
        client.get(LIST_URL, {"date_from": "2023-02-01", "date_to": "2023-02-28"})
    ) == ["c"]


def test_list_shows_a_bad_filter_value_beside_its_field(client, three_incidents):
    response = client.get(LIST_URL, {"date_from": "2023-13-45"})
    assert response.status_code == 200
    assert "date_from" in response.context["filter"].form.errors
    assert 'class="error"' in response.content.decode()


def test_a_bad_filter_value_shows_no_count_and_no_empty_table(client, three_incidents):
    html = client.get(LIST_URL, {"date_from": "2023-13-45"}).content.decode()
    assert "A filter value is not understood" in html
    assert "0 incidents" not in html
    assert 'id="result-count"' not in html
    assert "No published incident matches" not in html


def incidents_for_budget(count):
    location = LocationFactory()
    actors = [ActorFactory(), ActorFactory(actor_type=7)]
    tactics = list(Tactic.objects.all()[:2])
    places = save_places_in_bulk(LocationFactory.build_batch(count, admin1=location.admin1))
    save_incidents_in_bulk(
        [IncidentFactory.build(location=place) for place in places],
        tactics=tactics,
        roles=[(actors[0], ActorRole.PERPETRATOR), (actors[1], ActorRole.TARGET)],
        killed=lambda number: 5,
    )


@pytest.mark.parametrize("count", [5, 60])
def test_list_query_count_does_not_grow_with_incidents(
    client, db, django_assert_max_num_queries, count
):
    incidents_for_budget(count)
    # count; page rows, their tactics, their actors; five facet queries; the public data
    # version; the panel's country, region, district, event type and sub-event type choices
    # (test_list_page.py holds the budgets with filters)
    with django_assert_max_num_queries(15):
        client.get(LIST_URL)
    # The facets and the panel's lists are remembered: the count, the version and the rows.
    with django_assert_max_num_queries(5):
        client.get(LIST_URL, {"sort": "-killed", "page": 2 if count > 50 else 1})


@pytest.mark.parametrize("count", [5, 60])
def test_home_query_count_does_not_grow_with_incidents(
    client, db, django_assert_max_num_queries, count
):
    incidents_for_budget(count)
    # the totals and the first and last dates (from the count tables); the latest incidents,
    # their tactics and actors; the coverage by country (the year table) and its countries
    with django_assert_max_num_queries(7):
        client.get(reverse("home"))


def test_detail_shows_the_whole_incident(client, kouakourou):
    related = IncidentFactory(title="Second site of the ambush")
    kouakourou.related.add(related)
    response = client.get(detail_url(kouakourou))
    html = response.content.decode()
    for expected in [
        "Coordinated ambush near Kouakourou",
        "Gunmen ambushed a convoy",
        "Sep 2023",
        "Known month",
        "15 (12–20)",  # killed best with range
        "Security forces",
        "JNIM",
        "Malian Armed Forces",
        "Perpetrator",
        "Target",
        'href="https://example.org/kouakourou"',
        "Embuscade près de Kouakourou",
        "14.484300, -4.182800",  # six decimals, as GED and ACLED give them
        "Exact place",
        "Second site of the ambush",
        f"http://testserver{detail_url(kouakourou)}",  # the citation's permalink
        f"last changed {kouakourou.updated_at:%Y-%m-%d}",
        "State-based",  # rebel group against state forces
    ]:
        assert expected in html, expected


def test_detail_shows_the_coded_figure_and_the_reports_side_by_side_never_their_sum(
    client, kouakourou
):
    kouakourou.casualties.all().delete()
    afp, le_monde, others = (SourceFactory(name=name) for name in ["AFP", "Le Monde", "Others"])
    SourceReportFactory(
        incident=kouakourou,
        source=afp,
        figure=77,
        reported_on=datetime.date(2024, 9, 18),
        quote="77 morts",
    )
    SourceReportFactory(
        incident=kouakourou, source=le_monde, qualifier=ReportQualifier.AT_LEAST, figure=70
    )
    SourceReportFactory(
        incident=kouakourou, source=others, qualifier=ReportQualifier.AT_LEAST, figure=100
    )
    CasualtyFactory(incident=kouakourou, low=70, best=77, high=100, high_open=True)
    SourceReportFactory(
        incident=kouakourou,
        source=afp,
        outcome=CasualtyOutcome.INJURED,
        qualifier=ReportQualifier.NO_TOLL,
        figure=None,
    )

    html = client.get(detail_url(kouakourou)).content.decode()
    killed = re.search(r"<dt>Killed</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1)
    assert killed.startswith("77 (70–100+)")
    reports = [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r'<li class="report">(.*?)</li>', html, re.S)
    ]
    # Dated reports by date, undated ones after them, on every database.
    assert reports == [
        "AFP : 77 (18 Sep 2024) 77 morts",
        "Le Monde : at least 70",
        "Others : at least 100",
        "AFP : no toll given",
    ]
    figures = re.search(r'<section class="figures">.*?</section>', html, re.S).group(0)
    assert "247" not in killed + figures


@pytest.mark.parametrize("reports", [1, 20])
def test_detail_query_count_is_fixed(client, kouakourou, django_assert_max_num_queries, reports):
    for group in [CasualtyGroup.CIVILIANS, CasualtyGroup.ASSAILANTS, CasualtyGroup.UNKNOWN]:
        CasualtyFactory(incident=kouakourou, group=group)
    for _ in range(5):
        CitationFactory(incident=kouakourou)
        kouakourou.related.add(IncidentFactory())
        version = IncidentVersion.objects.create(
            incident=kouakourou, number=kouakourou.versions.count() + 1, kind="corrected",
            status="published", snapshot={},
        )  # fmt: skip
        Correction.objects.create(incident=kouakourou, version=version, summary="killed 1 → 2")
    for number in range(reports):
        SourceReportFactory(incident=kouakourou, figure=number)
    # incident, tactics, actors, casualties, source reports, citations, corrections, related
    with django_assert_max_num_queries(8):
        response = client.get(detail_url(kouakourou))
    assert response.content.decode().count('<li class="report">') == reports


@pytest.fixture
def hidden_incidents(db):
    return {
        status: IncidentFactory(
            title=f"SECRET {status} title", narrative=f"SECRET {status} narrative", status=status
        )
        for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED)
    }


@pytest.mark.parametrize(
    "url",
    [reverse("home"), LIST_URL, LIST_URL + "?sort=-killed", LIST_URL + "?event_type=battles"],
)
def test_unpublished_incidents_never_appear_on_public_pages(client, hidden_incidents, url):
    published = IncidentFactory(title="Published attack")
    published.related.add(*hidden_incidents.values())
    for page in (url, detail_url(published)):
        html = client.get(page).content.decode()
        assert "SECRET" not in html


def test_home_counts_only_published_incidents(client, hidden_incidents):
    CasualtyFactory(incident=hidden_incidents[Status.DRAFT], best=99)
    CasualtyFactory(incident=IncidentFactory(start_date=datetime.date(2023, 7, 1)), best=12)
    summary = client.get(reverse("home")).context["summary"]
    assert (summary["total"].incidents, summary["total"].killed_best) == (1, 12)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW])
def test_unpublished_incident_page_is_not_found(client, hidden_incidents, status):
    assert client.get(detail_url(hidden_incidents[status])).status_code == 404


def test_retracted_incident_page_says_when_and_why_without_content(client, hidden_incidents):
    retracted = hidden_incidents[Status.RETRACTED]
    response = client.get(detail_url(retracted))
    html = response.content.decode()
    assert response.status_code == 410
    assert "was retracted" in html
    assert retracted.retraction_reason in html
    assert f"{retracted.retracted_at:%Y}" in html
    assert "SECRET" not in html


def test_home_describes_the_database_and_links_onward(client, kouakourou):
    html = client.get(reverse("home")).content.decode()
    assert "Political violence in Mali and the Sahel" in html
    assert "Coordinated ambush near Kouakourou" in html
    assert f'href="{LIST_URL}"' in html
    # The period covered, from the first incident's month to the last's (here the same one).
    assert re.search(r'<span class="stat">Sep 2023 – Sep 2023</span>\s*period covered', html)
    # The latest incidents' cards, dated to the month the incident is known to.
    assert '<span class="sub">Sep 2023 · <a href=' in html


def test_unknown_incident_gets_a_readable_not_found_page(client, db):
    response = client.get(reverse("incidents:incident_detail", args=[999999]))
    assert response.status_code == 404
    assert "Browse published incidents" in response.content.decode()


def test_pages_are_compressed_for_browsers_that_accept_gzip(client, db):
    IncidentFactory.create_batch(5)

    compressed = client.get("/incidents/", headers={"accept-encoding": "gzip"})
    plain = client.get("/incidents/")

    assert compressed["Content-Encoding"] == "gzip"
    assert len(compressed.content) * 3 < len(plain.content)
    assert "Content-Encoding" not in plain
