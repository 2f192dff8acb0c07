"""What a researcher reads before using the data: /about/ (coverage, datasets, last update, how
to cite), /codebook/ (every column, parameter and code, from the code itself), and the indexes
of actors (/actors/) and places (/places/)."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from incidents import codebook
from incidents.choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    Status,
    ViolenceType,
)
from incidents.exports import CSV_COLUMNS
from incidents.filters import FILTER_PARAMETERS
from incidents.models import ActorAlias, Tactic
from incidents.taxonomy import EVENT_TYPES
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)

ABOUT_URL = reverse("incidents:about")
CODEBOOK_URL = reverse("incidents:codebook")
ACTORS_URL = reverse("incidents:actor_index")
PLACES_URL = reverse("incidents:place_index")


def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def sahel(db):
    """Published incidents in Mali (2019, 2023) and Burkina Faso (2021), one from UCDP, one
    from ACLED; a draft in Niger that nothing may count."""
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    niger = CountryFactory(iso3="NER", iso2="NE", name="Niger")
    gao = LocationFactory(
        name="Gao", admin1=AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    )
    djibo = LocationFactory(
        name="Djibo", admin1=AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13")
    )
    first = IncidentFactory(location=gao, start_date=datetime.date(2019, 3, 1), ucdp_id="9001")
    CasualtyFactory(incident=first, best=10)
    IncidentFactory(location=gao, start_date=datetime.date(2023, 6, 1), acled_event_id="MLI7")
    IncidentFactory(location=djibo, start_date=datetime.date(2021, 1, 5))
    hidden = IncidentFactory(
        location=LocationFactory(
            name="Secret village",
            admin1=AdminAreaFactory(country=niger, name="Tillabéri", iso_code="NE-6"),
        ),
        status=Status.DRAFT,
    )
    CasualtyFactory(incident=hidden, best=500)
    return {"mali": mali, "burkina": burkina, "gao": gao, "djibo": djibo, "hidden": hidden}


# --- about -------------------------------------------------------------------------------------


def test_about_gives_coverage_by_country_and_years_from_published_incidents(client, sahel):
    response = client.get(ABOUT_URL)
    assert response.status_code == 200
    coverage = [
        (row["country"].iso3, row["first_year"], row["last_year"], row["incidents"])
        for row in response.context["coverage"]
    ]
    assert coverage == [("MLI", 2019, 2023, 2), ("BFA", 2021, 2021, 1)]
    text = text_of(response.content.decode())
    assert "Mali 2019–2023 2 10" in text
    assert "Burkina Faso 2021 1 0" in text
    assert "Niger" not in text and "Secret" not in text


def test_about_says_where_incidents_come_from_with_licences(client, sahel):
    response = client.get(ABOUT_URL)
    datasets = {row["name"][:30]: row["incidents"] for row in response.context["datasets"]}
    assert datasets == {
        "Armed Conflict Location & Even": 1,
        "UCDP Georeferenced Event Datas": 1,
        "incidentdb analysts (and the G": 1,
    }
    assert "CC BY 4.0" in response.content.decode()


def test_about_gives_the_last_update_and_a_citation_of_that_version(client, sahel):
    response = client.get(ABOUT_URL)
    last_changed = response.context["last_changed"]
    assert last_changed is not None
    citation = response.context["citation"]
    assert f"version of {last_changed.date().isoformat()} [data set]" in citation
    assert "http://testserver/" in citation
    assert f"incidentdb ({last_changed.year})" in citation
    assert html.escape(citation) in response.content.decode()


def test_about_of_an_empty_database_says_so(client, db):
    response = client.get(ABOUT_URL)
    assert response.status_code == 200
    assert "Nothing is published yet." in response.content.decode()


def test_about_queries_do_not_grow_with_incidents(client, sahel, django_assert_max_num_queries):
    # coverage (year table, countries), summary (two), datasets, last change, data version
    with django_assert_max_num_queries(8):
        client.get(ABOUT_URL)


# --- codebook ----------------------------------------------------------------------------------


VOCABULARIES = [
    ActorType,
    ActorRole,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    ViolenceType,
]


@pytest.mark.parametrize("choices", VOCABULARIES, ids=lambda choices: choices.__name__)
def test_codebook_lists_every_code_of_every_vocabulary(client, db, choices):
    page = html.unescape(client.get(CODEBOOK_URL).content.decode())
    for value, label in choices.choices:
        assert f"<code>{value}</code>" in page, value
        assert str(label) in page, label


def test_codebook_lists_every_event_and_sub_event_type(client, db):
    page = html.unescape(client.get(CODEBOOK_URL).content.decode())
    for code, (name, sub_event_types) in EVENT_TYPES.items():
        assert f"<code>{code}</code>" in page and name in page
        for sub_code, sub_name in sub_event_types:
            assert f"<code>{sub_code}</code>" in page and sub_name in page


def test_codebook_describes_every_download_column_and_filter_parameter(client, db):
    # A column added to the downloads without a description fails here.
    assert list(codebook.COLUMN_DESCRIPTIONS) == CSV_COLUMNS
    page = html.unescape(client.get(CODEBOOK_URL).content.decode())
    for column in CSV_COLUMNS:
        assert f"<code>{column}</code>" in page, column
    for parameter in FILTER_PARAMETERS:
        assert f"<code>{parameter}</code>" in page, parameter
    for tactic in Tactic.objects.values_list("name", flat=True):
        assert f"<code>{tactic}</code>" in page


def test_codebook_names_roles_as_each_dataset_does(client, db):
    text = text_of(client.get(CODEBOOK_URL).content.decode())
    assert "perpetrator Actor 1 Side A Perpetrator" in text
    assert "target Actor 2 Side B Target" in text


# --- actor and place indexes -------------------------------------------------------------------


@pytest.fixture
def actors(sahel):
    jnim = ActorFactory(name="Jama'at Nasr al-Islam wal Muslimin", actor_type=ActorType.REBEL_GROUP)
    ActorAlias.objects.create(actor=jnim, name="JNIM")
    fama = ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES)
    drafted = ActorFactory(name="Drafted group")
    for incident in sahel["gao"].incidents.all():
        IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=sahel["gao"].incidents.first(), actor=fama, role=ActorRole.TARGET)
    IncidentActorFactory(incident=sahel["hidden"], actor=drafted, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=sahel["hidden"], actor=jnim, role=ActorRole.PERPETRATOR)
    return {"jnim": jnim, "fama": fama, "drafted": drafted}


def index_rows(response):
    return [(row.name, incidents) for row, incidents in response.context["rows"]]


def test_actor_index_lists_actors_of_published_incidents_with_their_counts(client, actors):
    response = client.get(ACTORS_URL)
    assert response.status_code == 200
    # The draft's actor is not listed, and the draft is not counted for JNIM.
    assert index_rows(response) == [
        ("Jama'at Nasr al-Islam wal Muslimin", 2),
        ("Malian Armed Forces", 1),
    ]
    page = response.content.decode()
    assert f'href="/incidents/?actor={actors["jnim"].pk}"' in page
    assert "Drafted" not in page


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"search": "jnim"}, ["Jama'at Nasr al-Islam wal Muslimin"]),  # by alias
        ({"search": "malian"}, ["Malian Armed Forces"]),
        ({"actor_type": ActorType.STATE_FORCES}, ["Malian Armed Forces"]),
        ({"search": "nobody"}, []),
    ],
)
def test_actor_index_searches_by_name_alias_and_type(client, actors, params, names):
    assert [name for name, _ in index_rows(client.get(ACTORS_URL, params))] == names


def test_actor_index_shows_a_bad_value_and_no_rows(client, actors):
    response = client.get(ACTORS_URL, {"actor_type": "99"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "0 actors" not in page


def test_actor_index_pages_by_fifty_and_counts_only_its_page(
    client, sahel, django_assert_max_num_queries
):
    incident = sahel["gao"].incidents.first()
    for number in range(60):
        IncidentActorFactory(
            incident=incident, actor=ActorFactory(name=f"Group {number:02}"), role="target"
        )
    # the count, the page, the page's incident counts, the data version
    with django_assert_max_num_queries(4):
        first = client.get(ACTORS_URL)
    assert len(first.context["rows"]) == 50
    second = client.get(ACTORS_URL, {"page": 2})
    assert [name for name, _ in index_rows(second)] == [f"Group {n}" for n in range(50, 60)]
    assert 'href="?page=1"' in second.content.decode()


def test_place_index_lists_countries_and_places_with_their_counts(client, sahel):
    response = client.get(PLACES_URL)
    assert response.status_code == 200
    assert index_rows(response) == [("Djibo", 1), ("Gao", 2)]
    assert [row["country"].iso3 for row in response.context["coverage"]] == ["MLI", "BFA"]
    page = response.content.decode()
    assert f'href="/incidents/?location={sahel["gao"].pk}"' in page
    assert 'href="/places/countries/MLI/"' in page
    assert "Secret village" not in page


@pytest.mark.parametrize(
    ("params", "names"),
    [({"search": "gA"}, ["Gao"]), ({"country": "BFA"}, ["Djibo"]), ({"search": "x"}, [])],
)
def test_place_index_searches_by_name_and_country(client, sahel, params, names):
    assert [name for name, _ in index_rows(client.get(PLACES_URL, params))] == names


@pytest.mark.parametrize("url", [ABOUT_URL, CODEBOOK_URL, ACTORS_URL, PLACES_URL])
def test_every_page_links_to_the_researchers_pages(client, sahel, url):
    page = client.get(url).content.decode()
    nav = re.search(r"<nav>.*?</nav>", page, re.S).group(0)
    for target in (ACTORS_URL, PLACES_URL, ABOUT_URL):
        assert f'href="{target}"' in nav
    assert f'href="{CODEBOOK_URL}"' in page


def test_home_says_what_is_covered_and_links_to_the_indexes(client, sahel):
    response = client.get(reverse("home"))
    text = text_of(response.content.decode())
    assert "What is covered" in text
    assert "Mali 2019–2023 2 10" in text
    page = response.content.decode()
    for target in (ABOUT_URL, CODEBOOK_URL, ACTORS_URL, PLACES_URL):
        assert f'href="{target}"' in page
