"""Credit travels with the data: every download and API answer says where its incidents come
from (a `source_dataset` column and field) and under which terms (an HTTP Link header, an XLSX
"About" sheet, the JSON download's credits), in a way that keeps each format valid."""

import csv
import datetime
import io
import json
import re
from html import unescape

import openpyxl
import pytest
from django.urls import reverse

from incidents.acled import ACLED_COLUMNS
from incidents.credits import UCDP_GED, source_dataset
from incidents.exports import CSV_COLUMNS
from incidents.models import Incident
from tests.factories import CountryFactory, IncidentFactory

IMPORTED = datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)


@pytest.fixture
def from_each_dataset(db):
    """{name: incident id}: one incident imported from each dataset, one entered here, one
    entered here and noted as an ACLED event, and one re-imported from our own CSV."""
    made = {
        "UCDP GED": IncidentFactory(title="ged", ucdp_id="400001"),
        "ACLED": IncidentFactory(title="acled", acled_event_id="MLI33501"),
        "GTD": IncidentFactory(title="gtd", gtd_event_id="201501010001"),
        "ours re-imported": IncidentFactory(title="ours again", acled_event_id="IDB12"),
    }
    Incident.objects.update(imported_at=IMPORTED)
    made["ours"] = IncidentFactory(title="ours")
    made["cross-referenced"] = IncidentFactory(title="noted", acled_event_id="MLI777")
    return {name: incident.pk for name, incident in made.items()}


EXPECTED = {
    "ged": "UCDP GED",
    "acled": "ACLED",
    "gtd": "GTD",
    "ours": "incidentdb",
    "noted": "ACLED",
    "ours again": "incidentdb",
}


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_csv_says_where_each_row_comes_from_in_a_last_column(client, from_each_dataset):
    response = client.get(reverse("incident_download", args=["csv"]))
    header, *rows = list(csv.reader(io.StringIO(body(response).decode())))

    # ACLED's columns keep their places; the new column comes after every other.
    assert header[: len(ACLED_COLUMNS)] == ACLED_COLUMNS
    assert header == CSV_COLUMNS and header[-1] == "source_dataset"
    title = header.index("title")
    assert {row[title]: row[-1] for row in rows} == EXPECTED


def test_json_download_credits_each_incident_and_the_datasets_it_holds(client, from_each_dataset):
    answer = json.loads(body(client.get(reverse("incident_download", args=["json"]))))

    assert {item["title"]: item["source_dataset"] for item in answer["incidents"]} == EXPECTED
    assert [credit["source_dataset"] for credit in answer["credits"]] == [
        "UCDP GED",
        "ACLED",
        "GTD",
        "incidentdb",
    ]
    ged = answer["credits"][0]
    assert ged["licence"] == "CC BY 4.0"
    assert "Sundberg" in ged["citation"]


def test_json_download_credits_only_the_datasets_present(client, db):
    IncidentFactory(ucdp_id="1")
    Incident.objects.update(imported_at=IMPORTED)
    answer = json.loads(body(client.get(reverse("incident_download", args=["json"]))))
    assert [credit["source_dataset"] for credit in answer["credits"]] == ["UCDP GED"]


def test_xlsx_has_an_about_sheet_crediting_the_datasets_in_the_file(client, db):
    IncidentFactory(ucdp_id="1")
    IncidentFactory(gtd_event_id="201501010001")
    Incident.objects.update(imported_at=IMPORTED)
    IncidentFactory()  # entered here
    response = client.get(reverse("incident_download", args=["xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True)

    assert workbook.sheetnames == ["incidents", "Columns", "About"]
    header, *rows = workbook["incidents"].iter_rows(values_only=True)
    assert header[-1] == "Source dataset"
    assert sorted(row[-1] for row in rows) == ["GTD", "UCDP GED", "incidentdb"]
    lines = [row[0] for row in workbook["About"].iter_rows(values_only=True) if row[0]]
    credits = [line for line in lines if ": " in line and "Licence" in line]
    assert [line.split(":")[0] for line in credits] == ["UCDP GED", "GTD", "incidentdb"]
    assert "creativecommons.org/licenses/by/4.0" in credits[0]
    assert not any(line.startswith("ACLED") for line in lines)


def test_geojson_properties_carry_the_source_dataset(client, from_each_dataset):
    answer = json.loads(body(client.get(reverse("incident_download", args=["geojson"]))))
    assert {
        feature["properties"]["title"]: feature["properties"]["source_dataset"]
        for feature in answer["features"]
    } == EXPECTED


def test_api_items_carry_the_source_dataset(client, from_each_dataset):
    items = client.get(reverse("incidents_api:incident_list")).json()["results"]
    assert {item["title"]: item["source_dataset"] for item in items} == EXPECTED
    ged = client.get(
        reverse("incidents_api:incident_detail", args=[from_each_dataset["UCDP GED"]])
    ).json()
    assert ged["source_dataset"] == "UCDP GED"


def license_links(response):
    links = [link.strip() for link in response.get("Link", "").split(",")]
    return {link for link in links if 'rel="license"' in link}


def license_titles(response):
    """The source_dataset values the Link header names terms for."""
    return {link.split('title="')[1].split(":")[0] for link in license_links(response)}


@pytest.fixture
def ged_in_senegal(db):
    """UCDP-only data: GED events in Senegal and Mali, as `make run` imports the shared sample."""
    senegal = CountryFactory(iso3="SEN", iso2="SN", name="Senegal")
    events = [
        IncidentFactory(ucdp_id="5001", location__country=senegal),
        IncidentFactory(ucdp_id="5002", location__country=senegal),
        IncidentFactory(ucdp_id="5003"),
    ]
    Incident.objects.update(imported_at=IMPORTED)
    return events


def answers(incident):
    """Every kind of download and API answer holding (or counting) incidents."""
    return [
        reverse("incident_download", args=["csv"]) + "?country=SEN",
        reverse("incident_download", args=["json"]) + "?country=SEN",
        reverse("incident_download", args=["xlsx"]) + "?country=SEN",
        reverse("incident_download", args=["geojson"]) + "?country=SEN",
        reverse("incidents_api:incident_list") + "?country=SEN",
        reverse("incidents_api:incident_detail", args=[incident.pk]),
        reverse("acled_api:acled_events"),
        reverse("acled_api:acled_events") + "?_format=csv",
        reverse("acled_api:acled_countries"),
        reverse("ucdp_api:ucdp_events", args=["25.1"]),
        reverse("analysis_api:series"),
        reverse("analysis:download", args=["series", "csv"]),
    ]


def test_every_download_and_api_answer_names_only_its_datasets_terms(client, ged_in_senegal):
    for url in answers(ged_in_senegal[0]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert license_titles(response) == {"UCDP GED"}, url
        assert (
            '<https://creativecommons.org/licenses/by/4.0/>; rel="license"; '
            'title="UCDP GED: CC BY 4.0"' in response["Link"]
        ), url


def test_the_link_header_names_the_datasets_of_the_incidents_chosen(client, from_each_dataset):
    acled = Incident.objects.get(pk=from_each_dataset["ACLED"])
    csv_url = reverse("incident_download", args=["csv"])
    every = client.get(csv_url)
    assert license_titles(every) == {"UCDP GED", "ACLED", "GTD", "incidentdb"}
    one = client.get(csv_url, {"q": acled.title})
    assert license_titles(one) == {"ACLED"}
    none = client.get(csv_url, {"q": "no such incident"})
    assert license_titles(none) == set()
    assert 'rel="cite-as"' in none["Link"]
    # An API page names the datasets of its own incidents.
    page = client.get(reverse("incidents_api:incident_list"), {"page_size": 1})
    (item,) = page.json()["results"]
    assert license_titles(page) == {item["source_dataset"]}


def test_our_api_answers_carry_credits_as_the_json_download_does(client, from_each_dataset):
    download = json.loads(body(client.get(reverse("incident_download", args=["json"]))))
    listed = client.get(reverse("incidents_api:incident_list")).json()
    assert listed["credits"] == download["credits"]
    assert list(listed) == ["count", "next", "previous", "results", "credits"]

    gtd = client.get(reverse("incidents_api:incident_detail", args=[from_each_dataset["GTD"]]))
    assert gtd.json()["credits"] == [
        credit for credit in download["credits"] if credit["source_dataset"] == "GTD"
    ]
    assert gtd.json()["credits"][0]["licence_url"] == "https://www.start.umd.edu/gtd/terms-of-use/"


def test_acled_and_ucdp_compatible_answers_add_credits_after_their_own_keys(
    client, from_each_dataset
):
    acled = client.get(reverse("acled_api:acled_events")).json()
    # ACLED's keys first and as they were, every row still exactly ACLED's columns.
    assert list(acled) == ["status", "success", "count", "messages", "data", "credits"]
    assert all(list(row) == ACLED_COLUMNS for row in acled["data"])
    assert [credit["source_dataset"] for credit in acled["credits"]] == [
        "UCDP GED",
        "ACLED",
        "GTD",
        "incidentdb",
    ]
    countries = client.get(reverse("acled_api:acled_countries")).json()
    assert countries["success"] is True and countries["credits"] == acled["credits"]

    ged = client.get(reverse("ucdp_api:ucdp_events", args=["25.1"]), {"pagesize": 1}).json()
    assert list(ged) == [
        "TotalCount",
        "TotalPages",
        "PreviousPageUrl",
        "NextPageUrl",
        "Result",
        "credits",
    ]
    # GED's order is oldest first: the page's one event is credited, not the others.
    (event,) = ged["Result"]
    (credit,) = ged["credits"]
    assert source_dataset(vars(Incident.objects.get(pk=event["id"]))) == credit["source_dataset"]


def test_analysis_answers_credit_the_datasets_they_count(client, ged_in_senegal):
    for url in (
        reverse("analysis_api:series"),
        reverse("analysis:download", args=["series", "json"]),
    ):
        answer = json.loads(body(client.get(url)))
        assert [credit["source_dataset"] for credit in answer["credits"]] == ["UCDP GED"]


def test_answers_without_incidents_carry_no_terms(client, from_each_dataset):
    for url in (
        reverse("incidents_api:actor_list"),
        reverse("incidents_api:location_list"),
        reverse("incident_download", args=["csv"]) + "?date_from=nonsense",
    ):
        assert license_links(client.get(url)) == set(), url


def test_crediting_an_api_page_costs_no_query_and_a_download_one(
    client, ged_in_senegal, django_assert_max_num_queries, django_assert_num_queries
):
    # The list's own budget (test_api.py) is unchanged: its page says its datasets.
    client.get(reverse("incident_download", args=["csv"]))  # the published datasets, kept
    # Filter checks and the data version; the datasets of the chosen incidents: one query.
    with django_assert_max_num_queries(3) as queries:
        client.get(reverse("incident_download", args=["csv"]), {"country": "SEN"})
    assert sum("EXISTS" in query["sql"] for query in queries.captured_queries) == 1


def test_a_download_names_the_list_page_to_cite(client, db):
    IncidentFactory(location__country=CountryFactory(iso3="MLI"))
    response = client.get(reverse("incident_download", args=["csv"]), {"country": "MLI"})
    assert '<http://testserver/incidents/?country=MLI>; rel="cite-as"' in response["Link"]


def test_pages_carry_no_credit_links(client, db):
    assert "Link" not in client.get(reverse("incidents:incident_list"))


def test_an_incident_is_credited_to_the_dataset_whose_sides_it_shows(db):
    # An ACLED event naming UCDP's id is ACLED's, as its actor page reads its sides; our own
    # IDB… ids (a re-imported export of ours) are not ACLED's.
    both = IncidentFactory(acled_event_id="MLI1", ucdp_id="777")
    ours = IncidentFactory(acled_event_id="IDB12", ucdp_id="778")
    entered = IncidentFactory(acled_event_id="IDB13")
    for incident, code, roles in [
        (both, "ACLED", "acled"),
        (ours, "UCDP GED", "ucdp"),
        (entered, "incidentdb", "entered"),
    ]:
        assert source_dataset(vars(incident)) == code
        assert incident.role_names.dataset == roles


def text_of(html):
    """A page's text as a reader sees it: tags and escapes gone, spaces folded (no-break
    spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def test_every_place_cites_ucdp_with_the_same_text(client, db):
    ged = IncidentFactory(ucdp_id="5001")
    Incident.objects.update(imported_at=IMPORTED)
    citation = UCDP_GED.citation
    # What UCDP asks for: the GED's article and the latest yearly one (Davies et al., 2024).
    assert "Sundberg, Ralph and Erik Melander (2013)" in citation
    assert "Davies, Shawn, Garoun Engström, Therése Pettersson and Magnus Öberg (2024)" in citation

    (credit,) = json.loads(body(client.get(reverse("incident_download", args=["json"]))))["credits"]
    assert credit["citation"] == citation
    workbook = openpyxl.load_workbook(
        io.BytesIO(body(client.get(reverse("incident_download", args=["xlsx"])))), read_only=True
    )
    about = [row[0] for row in workbook["About"].iter_rows(values_only=True) if row[0]]
    assert any(line.endswith(f"Cite: {citation}") for line in about)
    for page in (reverse("incidents:incident_detail", args=[ged.pk]), reverse("incidents:about")):
        assert citation in text_of(client.get(page).content.decode()), page
    # The footer of every page too.
    assert citation in text_of(client.get(reverse("incidents:incident_list")).content.decode())


@pytest.mark.parametrize(
    ("identifiers", "credit", "terms"),
    [
        (
            {"ucdp_id": "5001"},
            "This incident comes from the UCDP Georeferenced Event Dataset (Uppsala Conflict "
            "Data Program), published under CC BY 4.0.",
            "https://creativecommons.org/licenses/by/4.0/",
        ),
        (
            {"acled_event_id": "MLI33501"},
            "This incident comes from the Armed Conflict Location & Event Data (ACLED), "
            "published under ACLED's terms of use.",
            "https://acleddata.com/terms-of-use/",
        ),
        (
            {"gtd_event_id": "201501010001"},
            "This incident comes from the Global Terrorism Database (START, University of "
            "Maryland), published under START's terms of use of the GTD.",
            "https://www.start.umd.edu/gtd/terms-of-use/",
        ),
    ],
)
def test_an_imported_incidents_page_credits_its_dataset(client, db, identifiers, credit, terms):
    incident = IncidentFactory(**identifiers)
    html = client.get(reverse("incidents:incident_detail", args=[incident.pk])).content.decode()
    assert credit in text_of(html)
    assert f'<a href="{terms}">' in html
    assert "Cite it as its publisher asks: " in text_of(html)


@pytest.mark.parametrize(
    ("identifiers", "credit"),
    [
        (
            {"ucdp_id": "5001"},
            "Source de cet incident\u00a0: UCDP Georeferenced Event Dataset (Uppsala Conflict "
            "Data Program, jeu de données géoréférencé des événements)\u00a0; conditions de "
            "réutilisation\u00a0: CC BY 4.0.",
        ),
        (
            {"acled_event_id": "MLI33501"},
            "Source de cet incident\u00a0: Armed Conflict Location & Event Data (ACLED)\u00a0; "
            "conditions de réutilisation\u00a0: Conditions d'utilisation d'ACLED.",
        ),
        (
            {"gtd_event_id": "201501010001"},
            "Source de cet incident\u00a0: Global Terrorism Database (START, université du "
            "Maryland)\u00a0; conditions de réutilisation\u00a0: Conditions d'utilisation de la "
            "GTD fixées par START.",
        ),
    ],
)
def test_an_imported_incidents_page_credits_its_dataset_in_french(client, db, identifiers, credit):
    incident = IncidentFactory(**identifiers)
    html = client.get(f"/fr/incidents/{incident.pk}/").content.decode()
    assert credit in text_of(html)
    assert "À citer comme le demande son éditeur\u00a0: " in text_of(html)


def test_an_incident_entered_here_credits_no_dataset(client, db):
    incident = IncidentFactory()
    html = client.get(reverse("incidents:incident_detail", args=[incident.pk])).content.decode()
    assert "This incident comes from" not in html
