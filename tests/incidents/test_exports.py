"""A researcher filters the public list and downloads it: the file holds exactly what the table
shows, every page, in the same order, in ACLED's CSV columns, JSON, XLSX or GeoJSON."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from itertools import cycle

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents import exports
from incidents.acled import ACLED_COLUMNS
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
)
from incidents.exports import CSV_COLUMNS, EXTRA_COLUMNS, HXL_TAGS
from incidents.models import (
    Actor,
    AdminArea,
    Casualty,
    Country,
    Incident,
    Location,
    Source,
    Tactic,
)
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
    SourceReportFactory,
    save_incidents_in_bulk,
    save_places_in_bulk,
)
from tests.shared_rows import rows_per_module

# How a date parameter that is not YYYY-MM-DD is refused (incidents/filters.iso_date).
DATE_REFUSED = "Enter the date as YYYY-MM-DD, for example 2023-10-05."


LIST_URL = reverse("incidents:incident_list")
FORMATS = ["csv", "json", "xlsx", "geojson"]


def download_url(file_format):
    return reverse("incident_download", args=[file_format])


def content(response):
    return b"".join(response.streaming_content)


def csv_table(response):
    """The CSV as a list of rows (lists of strings), header included."""
    return list(csv.reader(io.StringIO(content(response).decode("utf-8"))))


def csv_records(response):
    header, *rows = csv_table(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_table(response):
    workbook = openpyxl.load_workbook(io.BytesIO(content(response)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def listed_ids(client, params):
    """The ids the public list shows for these parameters, page after page."""
    ids, page = [], 1
    while True:
        table = client.get(LIST_URL, {**params, "page": page}).context["table"]
        ids += [row.record.pk for row in table.page.object_list]
        if not table.page.has_next():
            return ids
        page += 1


def exported_ids(client, file_format, params):
    response = client.get(download_url(file_format), params)
    assert response.status_code == 200
    if file_format == "csv":
        return [int(row["event_id_cnty"].removeprefix("IDB")) for row in csv_records(response)]
    if file_format == "xlsx":
        return [int(row[0].removeprefix("IDB")) for row in xlsx_table(response)[1:]]
    if file_format == "json":
        return [incident["id"] for incident in json.loads(content(response))["incidents"]]
    return [feature["id"] for feature in json.loads(content(response))["features"]]


@rows_per_module
def hundred_incidents_rows():
    """100 published incidents a week apart from January 2022, mostly battles, in five places,
    with varied killed (some unknown): every list below runs over more than one page."""
    places = [
        LocationFactory(name=name) for name in ["Boni", "Ansongo", "Diafarabé", "Gao", "Mopti"]
    ]
    kinds = cycle(
        [
            ("battles", "armed_clash"),
            ("battles", "armed_clash"),
            ("battles", "government_regains_territory"),
            ("explosions_remote_violence", "suicide_bomb"),
            ("battles", "non_state_actor_overtakes_territory"),
            ("violence_against_civilians", "attack"),
        ]
    )
    incidents = []
    for number in range(100):
        event_type, sub_event_type = next(kinds)
        incidents.append(
            IncidentFactory(
                start_date=datetime.date(2022, 1, 1) + datetime.timedelta(weeks=number),
                location=places[number % 5],
                event_type_id=event_type,
                sub_event_type_id=sub_event_type,
            )
        )
    Casualty.objects.bulk_create(
        Casualty(incident=incident, group=CasualtyGroup.CIVILIANS, best=number % 7)
        for number, incident in enumerate(incidents)
        if number % 4  # every fourth incident has no reported deaths: unknown
    )
    return incidents


@pytest.fixture
def hundred_incidents(hundred_incidents_rows, db):
    return hundred_incidents_rows


@pytest.fixture
def hidden_incidents(db):
    return [
        IncidentFactory(title=f"SECRET {status}", narrative=f"SECRET {status}", status=status)
        for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED)
    ]


LISTS = {
    "everything, newest first": {},
    "battles from Feb 2022 to Aug 2023, most killed first": {
        "event_type": "battles",
        "date_from": "2022-02-01",
        "date_to": "2023-08-31",
        "sort": "-killed",
    },
    "by place": {"sort": "place"},
    "oldest first, up to a date": {"sort": "date", "date_to": "2023-06-30"},
    "by type, then killed ascending": {"sort": "event_type,killed"},
    "an unknown sort is ignored as on the list": {"sort": "nonsense"},
}


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("params", LISTS.values(), ids=LISTS.keys())
def test_download_holds_exactly_the_listed_incidents_in_order(
    client, hundred_incidents, hidden_incidents, file_format, params
):
    listed = listed_ids(client, params)
    assert len(listed) > 50  # more than one page of the list
    assert exported_ids(client, file_format, params) == listed


@pytest.mark.parametrize("file_format", FORMATS)
def test_downloads_never_hold_unpublished_incidents(client, hidden_incidents, file_format):
    published = IncidentFactory(title="Published attack")
    response = client.get(download_url(file_format))
    assert exported_ids(client, file_format, {}) == [published.pk]
    if file_format != "xlsx":  # a zip file; its ids are checked above
        assert b"SECRET" not in content(response)


def test_csv_header_is_acleds_columns_then_ours(client, db):
    header = csv_table(client.get(download_url("csv")))[0]
    assert header[:31] == [
        "event_id_cnty",
        "event_date",
        "year",
        "time_precision",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
        "assoc_actor_1",
        "inter1",
        "actor2",
        "assoc_actor_2",
        "inter2",
        "interaction",
        "civilian_targeting",
        "iso",
        "region",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "source_scale",
        "notes",
        "fatalities",
        "tags",
        "timestamp",
    ]
    assert header == ACLED_COLUMNS + EXTRA_COLUMNS
    assert header[31:] == [
        "killed_low",
        "killed_high",
        "injured_low",
        "injured_best",
        "injured_high",
        "end_date",
        "date_precision",
        "where_prec",
        "ucdp_id",
        "gtd_event_id",
        "title",
        "iso3",
        "admin1_code",
        "figures_note",
        "dataset_fields",
        "source_dataset",
    ]


IMPORTED_AT = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
SOURCE_UPDATED_AT = datetime.datetime(2024, 2, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def kouakourou(db):
    """An imported IED attack near Kouakourou with every field filled in."""
    mopti = AdminAreaFactory(name="Mopti", iso_code="ML-5")
    djenne = AdminAreaFactory(
        name="Djenné", level=AdminArea.Level.ADMIN2, parent=mopti, iso_code=""
    )
    commune = AdminAreaFactory(
        name="Pondori", level=AdminArea.Level.ADMIN3, parent=djenne, iso_code=""
    )
    incident = IncidentFactory(
        title="IED and ambush on a convoy near Kouakourou",
        narrative='On 1 September, JNIM militants hit an army convoy; "heavy losses".',
        start_date=datetime.date(2023, 9, 1),
        end_date=datetime.date(2023, 9, 3),
        date_precision=DatePrecision.DAYS,
        location=LocationFactory(
            name="Kouakourou",
            latitude=Decimal("14.06670"),
            longitude=Decimal("-4.56670"),
            admin1=mopti,
            admin2=djenne,
            admin3=commune,
        ),
        geo_precision=GeoPrecision.NEAR,
        event_type_id="explosions_remote_violence",
        sub_event_type_id="remote_explosive_landmine_ied",
        civilian_targeting=True,
        acled_event_id="MLI31337",
        ucdp_id="523011",
    )
    incident.tactics.set(Tactic.objects.filter(name__in=["IED", "Ambush", "Coordinated"]))
    for name, actor_type, role in [
        ("JNIM", ActorType.REBEL_GROUP, ActorRole.PERPETRATOR),
        ("Katiba Macina", ActorType.REBEL_GROUP, ActorRole.PERPETRATOR),
        ("Dozo Militia", ActorType.IDENTITY_MILITIA, ActorRole.PERPETRATOR_ASSOCIATE),
        ("Military Forces of Mali", ActorType.STATE_FORCES, ActorRole.TARGET),
        ("Wagner Group", ActorType.EXTERNAL_OTHER, ActorRole.TARGET_ASSOCIATE),
    ]:
        IncidentActorFactory(
            incident=incident, actor=ActorFactory(name=name, actor_type=actor_type), role=role
        )
    studio_tamani = SourceFactory(name="Studio Tamani", scale=SourceScale.NATIONAL)
    for source, published_on in [
        (studio_tamani, datetime.date(2023, 9, 2)),
        (SourceFactory(name="AFP", scale=SourceScale.INTERNATIONAL), datetime.date(2023, 9, 3)),
        (studio_tamani, datetime.date(2023, 9, 4)),
    ]:
        CitationFactory(incident=incident, source=source, published_on=published_on)
    CasualtyFactory(
        incident=incident, group=CasualtyGroup.SECURITY_FORCES, low=12, best=15, high=20
    )
    CasualtyFactory(incident=incident, group=CasualtyGroup.CIVILIANS, best=3)
    CasualtyFactory(incident=incident, outcome=CasualtyOutcome.INJURED, low=4, best=6, high=9)
    # Imported after its last change, with ACLED's own timestamp.
    Incident.objects.filter(pk=incident.pk).update(
        imported_at=IMPORTED_AT, source_updated_at=SOURCE_UPDATED_AT
    )
    return incident


def test_csv_row_of_a_fully_described_incident(client, kouakourou):
    (row,) = csv_records(client.get(download_url("csv")))
    assert row == {
        "event_id_cnty": "MLI31337",
        "event_date": "2023-09-01",
        "year": "2023",
        "time_precision": "2",  # UCDP's "2–6 days" is ACLED's "a week"
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED",
        "actor1": "JNIM",
        "assoc_actor_1": "Katiba Macina; Dozo Militia",
        "inter1": "2",
        "actor2": "Military Forces of Mali",
        "assoc_actor_2": "Wagner Group",
        "inter2": "1",
        "interaction": "12",
        "civilian_targeting": "Civilian targeting",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": "Mopti",
        "admin2": "Djenné",
        "admin3": "Pondori",
        "location": "Kouakourou",
        "latitude": "14.066700",
        "longitude": "-4.566700",
        "geo_precision": "2",
        "source": "Studio Tamani; AFP",
        "source_scale": "National-International",
        "notes": 'On 1 September, JNIM militants hit an army convoy; "heavy losses".',
        "fatalities": "18",
        "tags": "Ambush; Coordinated; IED",
        "timestamp": str(int(SOURCE_UPDATED_AT.timestamp())),  # 1706788800
        "killed_low": "15",
        "killed_high": "23",
        "injured_low": "4",
        "injured_best": "6",
        "injured_high": "9",
        "end_date": "2023-09-03",
        "date_precision": "2",
        "where_prec": "2",
        "ucdp_id": "523011",
        "gtd_event_id": "",
        "title": "IED and ambush on a convoy near Kouakourou",
        "iso3": "MLI",
        "admin1_code": "ML-5",
        "figures_note": "",
        "dataset_fields": "",
        "source_dataset": "ACLED",  # its ACLED id first, as credits.source_dataset reads it
    }


def test_csv_timestamp_is_the_last_change_once_an_analyst_edits_an_imported_incident(
    client, kouakourou
):
    Incident.objects.filter(pk=kouakourou.pk).update(imported_at=kouakourou.updated_at)
    kouakourou.refresh_from_db()
    kouakourou.title = "Corrected title"
    kouakourou.save()
    (row,) = csv_records(client.get(download_url("csv")))
    assert row["timestamp"] == str(int(kouakourou.updated_at.timestamp()))


def test_csv_row_of_a_bare_incident_leaves_unknowns_empty(client, db):
    incident = IncidentFactory(
        sub_event_type=None, location=LocationFactory(admin1=None, country=CountryFactory())
    )
    (row,) = csv_records(client.get(download_url("csv")))
    assert row["event_id_cnty"] == f"IDB{incident.pk}"
    assert row["timestamp"] == str(int(incident.updated_at.timestamp()))  # never imported
    empty = [column for column, value in row.items() if value == ""]
    assert empty == [
        "sub_event_type",
        "actor1",
        "assoc_actor_1",
        "inter1",
        "actor2",
        "assoc_actor_2",
        "inter2",
        "interaction",
        "civilian_targeting",
        "admin1",
        "admin2",
        "admin3",
        "source",
        "source_scale",
        "notes",
        "fatalities",  # unknown, which is not 0
        "tags",
        "killed_low",
        "killed_high",
        "injured_low",
        "injured_best",
        "injured_high",
        "end_date",
        "ucdp_id",
        "gtd_event_id",
        "admin1_code",
        "figures_note",
        "dataset_fields",
    ]


def test_csv_fatalities_are_empty_when_unknown_and_0_when_reported_as_0(client, db):
    unknown = IncidentFactory(start_date=datetime.date(2023, 1, 2))
    none_killed = CasualtyFactory(incident__start_date=datetime.date(2023, 1, 1), best=0).incident
    rows = csv_records(client.get(download_url("csv")))
    assert [(row["event_id_cnty"], row["fatalities"]) for row in rows] == [
        (f"IDB{unknown.pk}", ""),
        (f"IDB{none_killed.pk}", "0"),
    ]


@pytest.mark.parametrize(
    ("perpetrators", "targets", "inter1", "inter2", "interaction"),
    [
        ([2], [7], "2", "7", "27"),
        ([7], [2], "7", "2", "27"),  # smaller code first
        ([1], [1], "1", "1", "11"),
        ([2], [], "2", "", "20"),  # no second actor
        ([], [7], "", "7", ""),  # no first actor
        ([], [], "", "", ""),
    ],
)
def test_csv_interaction_combines_the_two_inter_codes(
    client, db, perpetrators, targets, inter1, inter2, interaction
):
    incident = IncidentFactory()
    for role, codes in ((ActorRole.PERPETRATOR, perpetrators), (ActorRole.TARGET, targets)):
        for code in codes:
            IncidentActorFactory(incident=incident, actor=ActorFactory(actor_type=code), role=role)
    (row,) = csv_records(client.get(download_url("csv")))
    assert (row["inter1"], row["inter2"], row["interaction"]) == (inter1, inter2, interaction)


@pytest.mark.parametrize(
    ("event_type", "sub_event_type", "disorder_type"),
    [
        ("battles", "armed_clash", "Political violence"),
        ("explosions_remote_violence", "air_drone_strike", "Political violence"),
        ("violence_against_civilians", "abduction_forced_disappearance", "Political violence"),
        ("protests", "peaceful_protest", "Demonstrations"),
        ("protests", "protest_with_intervention", "Demonstrations"),
        # ACLED's own rule: force that hurts protesters is political violence against a
        # demonstration, both; a mob's violence is political violence, no demonstration.
        ("protests", "excessive_force_against_protesters", "Political violence; Demonstrations"),
        ("riots", "violent_demonstration", "Demonstrations"),
        ("riots", "mob_violence", "Political violence"),
        ("riots", None, "Demonstrations"),
        ("strategic_developments", "looting_property_destruction", "Strategic developments"),
    ],
)
def test_disorder_type_is_acleds_for_the_event_and_sub_event_type(
    client, db, event_type, sub_event_type, disorder_type
):
    IncidentFactory(event_type_id=event_type, sub_event_type_id=sub_event_type)
    (row,) = csv_records(client.get(download_url("csv")))
    assert row["disorder_type"] == disorder_type
    (item,) = json.loads(content(client.get(download_url("json"))))["incidents"]
    assert item["disorder_type"] == disorder_type


def test_csv_with_hxl_has_a_hashtag_row_under_the_header(client, kouakourou):
    header, hashtags, row = csv_table(client.get(download_url("csv"), {"hxl": "1"}))
    assert header == CSV_COLUMNS
    assert hashtags[:5] == [
        "#event+code",
        "#date+occurred",
        "#date+year",
        "#date+precision",
        "#event+type+disorder",
    ]
    assert dict(zip(header, hashtags, strict=True)) == HXL_TAGS
    assert all(re.fullmatch(r"#[a-z0-9_]+(\+[a-z0-9_]+)*", tag) for tag in hashtags)
    assert len(set(hashtags)) == len(hashtags)
    assert row[0] == "MLI31337"


def test_csv_without_hxl_has_no_hashtag_row(client, kouakourou):
    assert len(csv_table(client.get(download_url("csv"), {"hxl": "0"}))) == 2


def test_json_describes_the_incident_in_our_own_words(client, kouakourou):
    response = client.get(download_url("json"))
    assert response["Content-Type"] == "application/json"
    document = json.loads(content(response))
    assert document["count"] == 1
    (incident,) = document["incidents"]
    assert incident["id"] == kouakourou.pk
    assert incident["url"] == f"http://testserver/api/incidents/{kouakourou.pk}/"
    assert incident["html_url"] == f"http://testserver/incidents/{kouakourou.pk}/"
    assert incident["start_date"] == "2023-09-01"
    assert incident["end_date"] == "2023-09-03"
    assert incident["sub_event_type"] == {
        "code": "remote_explosive_landmine_ied",
        "name": "Remote explosive/landmine/IED",
    }
    assert incident["tactics"] == ["Ambush", "Coordinated", "IED"]
    location = kouakourou.location
    assert incident["location"] == {
        "id": location.pk,
        "name": "Kouakourou",
        "latitude": 14.0667,
        "longitude": -4.5667,
        "country": {"iso3": "MLI", "name": "Mali"},
        "admin1": {"id": location.admin1_id, "name": "Mopti", "code": "ML-5"},
        "admin2": {"id": location.admin2_id, "name": "Djenné", "code": ""},
        "admin3": {"id": location.admin3_id, "name": "Pondori", "code": ""},
    }
    assert incident["geo_precision"] == 2
    assert incident["killed"] == {"low": 15, "best": 18, "high": 23}
    assert incident["injured"] == {"low": 4, "best": 6, "high": 9}
    assert incident["actors"][0] == {
        "id": Actor.objects.get(name="JNIM").pk,
        "name": "JNIM",
        "actor_type": 2,
        "role": "perpetrator",
    }
    assert [actor["role"] for actor in incident["actors"]] == [
        "perpetrator",
        "perpetrator",
        "perpetrator_associate",
        "target",
        "target_associate",
    ]
    assert [citation["source"] for citation in incident["citations"]] == [
        "Studio Tamani",
        "AFP",
        "Studio Tamani",
    ]
    assert (incident["acled_event_id"], incident["ucdp_id"]) == ("MLI31337", "523011")
    assert incident["updated_at"] == kouakourou.updated_at.isoformat().replace("+00:00", "Z")


def test_json_download_describes_each_incident_as_the_api_does(client, kouakourou):
    """One representation: every name the API gives an incident, the download gives with the
    same value; the download only adds (its narrative, figures, sources)."""
    IncidentFactory(killed_best=None)  # blanks and nulls too
    api_items = client.get(reverse("incidents_api:incident_list")).json()["results"]
    downloaded = json.loads(content(client.get(download_url("json"))))["incidents"]
    assert len(api_items) == len(downloaded) == 2
    for api_item, download_item in zip(api_items, downloaded, strict=True):
        assert {name: download_item[name] for name in api_item} == api_item
    assert set(downloaded[0]) - set(api_items[0]) == {
        "narrative",
        "disorder_type",
        "casualties",
        "reports",
        "citations",
        "gtd_event_id",
        "dataset_fields",
    }


def test_json_carries_the_coded_figures_and_what_each_source_reported(client, kouakourou):
    afp = kouakourou.citations.get(source__name="AFP").source
    SourceReportFactory(
        incident=kouakourou,
        group=CasualtyGroup.SECURITY_FORCES,
        source=afp,
        qualifier=ReportQualifier.AT_LEAST,
        figure=20,
        reported_on=datetime.date(2023, 9, 3),
    )
    kouakourou.casualties.filter(group=CasualtyGroup.SECURITY_FORCES).update(high_open=True)
    (incident,) = json.loads(content(client.get(download_url("json"))))["incidents"]
    assert incident["casualties"] == [
        {
            "group": "civilians",
            "outcome": "injured",
            "low": 4,
            "best": 6,
            "high": 9,
            "high_open": False,
            "note": "",
        },
        {
            "group": "civilians",
            "outcome": "killed",
            "low": 3,
            "best": 3,
            "high": 3,
            "high_open": False,
            "note": "",
        },
        {
            "group": "security_forces",
            "outcome": "killed",
            "low": 12,
            "best": 15,
            "high": 20,
            "high_open": True,
            "note": "",
        },
    ]
    assert incident["reports"] == [
        {
            "group": "security_forces",
            "outcome": "killed",
            "source": "AFP",
            "qualifier": "at_least",
            "figure": 20,
            "figure_high": None,
            "reported_on": "2023-09-03",
            "quote": "",
        }
    ]
    assert incident["killed"] == {"low": 15, "best": 18, "high": 23}  # the coded figures' sum


def test_json_of_an_empty_list_is_valid(client, db):
    assert json.loads(content(client.get(download_url("json")))) == {
        "incidents": [],
        "count": 0,
        "credits": [],
    }


def test_geojson_is_a_feature_collection_of_points_with_the_csv_columns(client, kouakourou):
    response = client.get(download_url("geojson"))
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(content(response))
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-4.5667, 14.0667]}
    properties = feature["properties"]
    assert list(properties) == [*CSV_COLUMNS, "url"]
    (row,) = csv_records(client.get(download_url("csv")))
    assert {
        column: "" if value is None else str(value)
        for column, value in properties.items()
        if column not in ("url", "latitude", "longitude")
    } == {column: value for column, value in row.items() if column not in ("latitude", "longitude")}
    assert properties["fatalities"] == 18
    assert properties["region"] == "Western Africa"
    assert properties["url"] == f"http://testserver/incidents/{kouakourou.pk}/"


def test_xlsx_opens_with_the_csv_header_and_rows(client, kouakourou, hundred_incidents):
    params = {"sort": "-killed"}
    csv_rows = csv_table(client.get(download_url("csv"), params))
    response = client.get(download_url("xlsx"), params)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    xlsx_rows = xlsx_table(response)
    # The header labels each column for people; the "Columns" sheet names it as the CSV does.
    assert xlsx_rows[0] == [str(exports.COLUMN_LABELS[column]) for column in CSV_COLUMNS]
    assert xlsx_rows[0][:3] == ["Event id", "Date", "Year"]
    assert len(xlsx_rows) == len(csv_rows) == 102

    def as_csv_text(value):
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()  # dates are date cells in the workbook
        if isinstance(value, float):
            return f"{value:.6f}"  # coordinates are numbers in the workbook
        return str(value)

    assert [[as_csv_text(value) for value in row] for row in xlsx_rows[1:]] == csv_rows[1:]


def test_xlsx_keeps_a_narrative_that_looks_like_a_formula_as_text(client, db):
    IncidentFactory(narrative='=HYPERLINK("http://evil.example")')
    assert xlsx_table(client.get(download_url("xlsx")))[1][CSV_COLUMNS.index("notes")] == (
        '=HYPERLINK("http://evil.example")'
    )


def test_xlsx_larger_than_a_worksheet_is_refused_with_a_reason(client, db, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    IncidentFactory.create_batch(3)
    response = client.get(download_url("xlsx"))
    assert response.status_code == 400
    assert "at most 2 incidents" in response.json()["errors"]["__all__"][0]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"date_from": "2023-13-45"}, {"date_from": [DATE_REFUSED]}),
        (
            {"event_type": "earthquakes"},
            {
                "event_type": [
                    "Select a valid choice. earthquakes is not one of the available choices."
                ]
            },
        ),
        ({"hxl": "yes"}, {"hxl": ["Use hxl=1 for an HXL hashtag row, or leave it out."]}),
        (
            {"excel": "true"},
            {"excel": ["Use excel=1 for a CSV that Excel opens, or leave it out."]},
        ),
    ],
)
def test_bad_parameter_is_answered_400_with_the_errors(client, db, file_format, params, errors):
    response = client.get(download_url(file_format), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"errors": errors}


@pytest.mark.parametrize(
    ("file_format", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("json", "application/json"),
        ("geojson", "application/geo+json"),
    ],
)
def test_text_downloads_stream_as_attachments_named_after_their_filter(
    client, db, file_format, content_type
):
    CountryFactory(iso3="MLI", name="Mali")
    params = {"country": "mli", "date_from": "2023-01-01", "date_to": "2023-12-31"}
    response = client.get(download_url(file_format), params)
    assert response.streaming
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="incidents_MLI_2023.{file_format}"'
    )


def test_xlsx_is_an_attachment_named_after_its_filter(client, db):
    CountryFactory(iso3="BFA", name="Burkina Faso")
    response = client.get(download_url("xlsx"), {"country": "BFA", "event_type": "battles"})
    assert response["Content-Disposition"] == ('attachment; filename="incidents_BFA_battles.xlsx"')


@pytest.mark.parametrize(
    ("params", "filename"),
    [
        ({}, "incidents_all.csv"),
        ({"date_from": "2022-01-01", "date_to": "2023-12-31"}, "incidents_2022-2023.csv"),
        (
            {"date_from": "2023-03-01", "date_to": "2023-06-30"},
            "incidents_2023-03-01_2023-06-30.csv",
        ),
        ({"date_from": "2023-03-01"}, "incidents_from_2023-03-01.csv"),
        ({"date_to": "2023-06-30"}, "incidents_to_2023-06-30.csv"),
        ({"q": "Embuscade à Ségou"}, "incidents_embuscade-a-segou.csv"),
        (
            {"sub_event_type": "suicide_bomb", "date_from": "2024-01-01", "date_to": "2024-12-31"},
            "incidents_suicide_bomb_2024.csv",
        ),
        # A filter a name cannot say short marks the file as narrowed, never as all of 2023.
        (
            {"killed_min": "10", "date_from": "2023-01-01", "date_to": "2023-12-31"},
            "incidents_2023_filtered.csv",
        ),
    ],
)
def test_download_file_name_says_what_was_filtered(client, db, params, filename):
    response = client.get(download_url("csv"), params)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_download_file_name_names_regions_and_actors(client, db):
    mopti = AdminAreaFactory(name="Mopti")
    jnim = ActorFactory(name="JNIM")
    # Filters take places and actors of published incidents only.
    IncidentActorFactory(actor=jnim, incident=IncidentFactory(location__admin1=mopti))
    response = client.get(download_url("json"), {"admin1": mopti.pk, "actor": jnim.pk})
    assert response["Content-Disposition"] == 'attachment; filename="incidents_mopti_jnim.json"'


def test_csv_for_excel_starts_with_a_byte_order_mark(client, db):
    IncidentFactory(location=LocationFactory(name="Ségou"))
    for_excel = content(client.get(download_url("csv"), {"excel": "1"}))
    plain = content(client.get(download_url("csv")))
    assert for_excel.startswith(b"\xef\xbb\xbfevent_id_cnty,")
    assert for_excel.decode("utf-8-sig") == plain.decode("utf-8")
    assert not plain.startswith(b"\xef\xbb\xbf")


def test_csv_for_excel_keeps_the_hxl_row(client, db):
    IncidentFactory()
    rows = content(client.get(download_url("csv"), {"excel": "1", "hxl": "1"})).decode("utf-8-sig")
    assert rows.splitlines()[1].startswith("#event+code,")


def test_xlsx_dates_are_date_cells_written_as_year_month_day(client, db):
    IncidentFactory(start_date=datetime.date(2023, 9, 15), end_date=datetime.date(2023, 9, 17))
    IncidentFactory(start_date=datetime.date(2023, 9, 1), end_date=None)
    response = client.get(download_url("xlsx"), {"sort": "-date"})
    sheet = openpyxl.load_workbook(io.BytesIO(content(response))).active
    event_date = sheet.cell(row=2, column=CSV_COLUMNS.index("event_date") + 1)
    end_date = sheet.cell(row=2, column=CSV_COLUMNS.index("end_date") + 1)
    assert event_date.is_date and event_date.value == datetime.datetime(2023, 9, 15)
    assert event_date.number_format == "yyyy-mm-dd"
    assert end_date.is_date and end_date.value == datetime.datetime(2023, 9, 17)
    assert sheet.cell(row=3, column=CSV_COLUMNS.index("end_date") + 1).value is None


def test_each_incident_keeps_its_own_actors_sources_and_tactics_across_chunks(
    client, db, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)  # the links are read a chunk at a time
    for day in range(1, 7):
        incident = IncidentFactory(
            start_date=datetime.date(2024, 1, day), acled_event_id=f"DAY{day}"
        )
        if day != 3:  # one incident in the middle of a chunk names nobody and nothing
            IncidentActorFactory(incident=incident, actor=ActorFactory(name=f"Group {day}"))
            CitationFactory(incident=incident, source=SourceFactory(name=f"Source {day}"))
            incident.tactics.add(Tactic.objects.create(name=f"Tactic {day}"))
    records = csv_records(client.get(download_url("csv")))
    assert [(r["event_id_cnty"], r["actor1"], r["source"], r["tags"]) for r in records] == [
        ("DAY6", "Group 6", "Source 6", "Tactic 6"),
        ("DAY5", "Group 5", "Source 5", "Tactic 5"),
        ("DAY4", "Group 4", "Source 4", "Tactic 4"),
        ("DAY3", "", "", ""),
        ("DAY2", "Group 2", "Source 2", "Tactic 2"),
        ("DAY1", "Group 1", "Source 1", "Tactic 1"),
    ]


def test_csv_header_arrives_before_any_row_is_read(client, db, django_assert_num_queries):
    IncidentFactory()
    response = client.get(download_url("csv"))
    with django_assert_num_queries(0):
        first_piece = next(iter(response.streaming_content))
    assert first_piece.startswith(b"event_id_cnty,event_date,")


def incidents_for_budget(count):
    location = LocationFactory()
    actors = [ActorFactory(), ActorFactory(actor_type=ActorType.CIVILIANS)]
    tactics = list(Tactic.objects.all()[:2])
    source = SourceFactory()
    places = save_places_in_bulk(LocationFactory.build_batch(count, admin1=location.admin1))
    save_incidents_in_bulk(
        [IncidentFactory.build(location=place) for place in places],
        tactics=tactics,
        roles=[(actors[0], ActorRole.PERPETRATOR), (actors[1], ActorRole.TARGET)],
        killed=lambda number: 5,
        source=source,
    )


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("count", [5, 60])
def test_download_query_count_does_not_grow_with_incidents(
    client, db, django_assert_max_num_queries, file_format, count
):
    incidents_for_budget(count)
    # the event type (filter), the incidents, their tactics, actors and citations; JSON also
    # reads their coded figures and source reports, the others the notes on their figures.
    # Then the credits: the datasets of the incidents chosen, among those of the published
    # incidents (remembered under the public data version, which is read)
    with django_assert_max_num_queries(10 if file_format == "json" else 9):
        response = client.get(download_url(file_format), {"event_type": "battles"})
        assert len(content(response)) > 0


def test_list_links_to_downloads_of_the_same_filter_and_sort(client, db):
    IncidentFactory()
    params = "event_type=battles&date_from=2023-01-01&sort=-killed"
    html = client.get(f"{LIST_URL}?{params}&page=1").content.decode()
    downloads = re.search(r'<p class="downloads">.*?</p>', html, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', downloads)
    assert [link.replace("&amp;", "&") for link in links] == [
        f"/incidents.csv?{params}",
        f"/incidents.csv?{params}&excel=1",
        f"/incidents.csv?{params}&hxl=1",
        f"/incidents.json?{params}",
        f"/incidents.xlsx?{params}",
        f"/incidents.geojson?{params}",
    ]
    assert "CSV with HXL" in downloads
    assert "CSV for Excel" in downloads
    # At the top, with the count, not under fifty rows of table.
    assert html.index('class="downloads"') < html.index('class="incident-table"')
    assert html.index('id="result-count"') < html.index('class="downloads"')


def test_list_with_a_bad_filter_offers_no_download(client, db):
    html = client.get(LIST_URL, {"date_from": "2023-13-45"}).content.decode()
    assert 'class="downloads"' not in html


def empty_the_database():
    """What a fresh install holds: the seeded taxonomy and tactics, no incident or place."""
    Incident.objects.all().delete()
    Location.objects.all().delete()
    for level in (AdminArea.Level.ADMIN3, AdminArea.Level.ADMIN2, AdminArea.Level.ADMIN1):
        AdminArea.objects.filter(level=level).delete()
    Country.objects.all().delete()
    Actor.objects.all().delete()
    Source.objects.all().delete()


@pytest.mark.parametrize("params", [{"sort": "date"}, {}], ids=["oldest first", "newest first"])
def test_csv_export_reimports_into_an_empty_database_as_the_same_file(
    client, kouakourou, tmp_path, params
):
    for day, extra in [
        (2, {"event_type_id": "violence_against_civilians", "sub_event_type": None}),
        (3, {"acled_event_id": "BFA101", "location": LocationFactory(name="Djibo")}),
        (4, {"civilian_targeting": True}),
        # Oldest first, two incidents of one day keep their order too (a re-import numbers
        # them in file order; newest first, it would number them the other way round).
        *(
            [(4, {"acled_event_id": "MLI104", "location": LocationFactory(name="Boni")})]
            if params
            else []
        ),
    ]:
        incident = IncidentFactory(start_date=datetime.date(2024, 1, day), **extra)
        actor, _new = Actor.objects.get_or_create(
            name=f"Group {day}", defaults={"actor_type": ActorType.REBEL_GROUP}
        )
        IncidentActorFactory(incident=incident, actor=actor)
        if day != 4:  # and the last one's fatalities stay unknown
            CasualtyFactory(incident=incident, best=day, high=day * 2)
    exported = content(client.get(download_url("csv"), params))

    empty_the_database()
    path = tmp_path / "incidents.csv"
    path.write_bytes(exported)
    call_command("import_events", str(path), format="acled", verbosity=0)

    assert content(client.get(download_url("csv"), params)) == exported


# --- inter codes as each ACLED row gave them -------------------------------------------------

BURKINA_FORCES = "Military Forces of Burkina Faso (2022-)"
NIGER_FORCES = "Military Forces of Niger (2023-)"


def acled_events(**overrides):
    """ACLED-format rows of the Mali–Burkina–Niger border, each a dict of its cells."""
    from tests.incidents.test_import_acled import acled_row

    return acled_row(**{"assoc_actor_2": "", **overrides})


def import_acled(tmp_path, name, *rows):
    from incidents.importers.acled import AcledImporter
    from incidents.importers.importing import import_file

    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ACLED_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    report = import_file(path, AcledImporter())
    assert (report.created, report.rejected) == (len(rows), [])


def inter_codes(client, file_format="csv"):
    """{event_id_cnty: (inter1, inter2, interaction)} of a download, as text."""
    if file_format == "csv":
        rows = csv_records(client.get(download_url("csv")))
    else:  # the workbook's header labels the columns in CSV_COLUMNS' order
        _labels, *cells = xlsx_table(client.get(download_url("xlsx")))
        rows = [
            {
                name: "" if value is None else str(value)
                for name, value in zip(CSV_COLUMNS, row, strict=True)
            }
            for row in cells
        ]
    return {
        row["event_id_cnty"]: (row["inter1"], row["inter2"], row["interaction"]) for row in rows
    }


@pytest.fixture
def forces_abroad(db, tmp_path):
    """Two ACLED files: the earlier codes Burkina Faso's forces 1 at home, the later 8
    (External/Other forces) in Mali, as ACLED codes a state's forces abroad; Niger's forces
    are first met abroad (8), then at home (1), in the current export's words."""
    import_acled(
        tmp_path,
        "earlier.csv",
        acled_events(
            event_id_cnty="BFA10231", event_date="2023-09-10", country="Burkina Faso",
            admin1="Sahel", admin2="Soum", admin3="Djibo", location="Djibo",
            latitude="14.1008", longitude="-1.6280",
            actor2=BURKINA_FORCES, inter2="1", interaction="12",
        ),
        acled_events(
            event_id_cnty="MLI40002", event_date="2023-09-12", admin1="Menaka", admin2="Menaka",
            admin3="Anderamboukane", location="Anderamboukane",
            latitude="15.4200", longitude="3.0250",
            actor1="Islamic State (Sahel)", inter1="2",
            actor2=NIGER_FORCES, inter2="8", interaction="28",
        ),
    )  # fmt: skip
    import_acled(
        tmp_path,
        "later.csv",
        acled_events(
            event_id_cnty="MLI40007", event_date="2023-10-02", admin2="Douentza",
            admin3="Mondoro", location="Boulkessi", latitude="14.5800", longitude="-1.4800",
            actor2=BURKINA_FORCES, assoc_actor_2="Wagner Group",
            inter1="Rebel group", inter2="External/Other forces",
            interaction="Rebel group-External/Other forces",
        ),
        acled_events(
            event_id_cnty="NER9101", event_date="2023-10-05", country="Niger",
            admin1="Tillaberi", admin2="Ouallam", admin3="Tondikiwindi", location="Tondikiwindi",
            latitude="14.6300", longitude="1.4100",
            actor1="Islamic State (Sahel)", inter1="Rebel group",
            actor2=NIGER_FORCES, inter2="State forces",
            interaction="Rebel group-State forces",
        ),
    )  # fmt: skip


EXPECTED_INTER_CODES = {
    "BFA10231": ("2", "1", "12"),
    "MLI40002": ("2", "8", "28"),
    "MLI40007": ("2", "8", "28"),
    "NER9101": ("2", "1", "12"),
}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_each_row_exports_the_inter_codes_acled_gave_it(client, forces_abroad, file_format):
    # One actor each, coded differently from one event to the next: the actor keeps the type
    # it was first given, and each row its own codes.
    types = dict(Actor.objects.values_list("name", "actor_type"))
    assert (types[BURKINA_FORCES], types[NIGER_FORCES]) == (1, 8)
    assert inter_codes(client, file_format) == EXPECTED_INTER_CODES


def test_the_json_download_and_the_apis_give_each_role_its_own_inter_code(client, forces_abroad):
    incident = Incident.objects.get(acled_event_id="MLI40007")
    expected = [
        {"name": "JNIM: Group for Support of Islam and Muslims", "actor_type": 2},
        {"name": BURKINA_FORCES, "actor_type": 8},
        {"name": "Wagner Group", "actor_type": None},  # associated: never coded
    ]

    def names_and_types(actors):
        return [{"name": a["name"], "actor_type": a["actor_type"]} for a in actors]

    downloaded = json.loads(content(client.get(download_url("json"))))["incidents"]
    (download_item,) = [item for item in downloaded if item["id"] == incident.pk]
    assert names_and_types(download_item["actors"]) == expected
    listed = client.get(reverse("incidents_api:incident_list")).json()["results"]
    (api_item,) = [item for item in listed if item["id"] == incident.pk]
    assert names_and_types(api_item["actors"]) == expected
    detail = client.get(reverse("incidents_api:incident_detail", args=[incident.pk])).json()
    assert names_and_types(detail["actors"]) == expected
    events = client.get("/acled-api/acled/read", {"limit": 10}).json()["data"]
    assert {
        event["event_id_cnty"]: (event["inter1"], event["inter2"], event["interaction"])
        for event in events
    } == {key: tuple(int(code) for code in codes) for key, codes in EXPECTED_INTER_CODES.items()}


def test_an_associated_actor_takes_no_type_until_a_row_codes_it(client, forces_abroad, tmp_path):
    assert Actor.objects.get(name="Wagner Group").actor_type is None
    import_acled(
        tmp_path,
        "wagner.csv",
        acled_events(
            event_id_cnty="MLI40011", event_date="2023-10-09", actor1="Wagner Group",
            inter1="8", actor2="Civilians (Mali)", inter2="7", interaction="78",
            event_type="Violence against civilians", sub_event_type="Attack",
            civilian_targeting="Civilian targeting",
        ),
    )  # fmt: skip
    assert Actor.objects.get(name="Wagner Group").actor_type == 8
    # MLI40007's role stays uncoded, as ACLED gave it.
    assert inter_codes(client)["MLI40011"] == ("8", "7", "78")
    assert inter_codes(client)["MLI40007"] == EXPECTED_INTER_CODES["MLI40007"]


def test_acled_codes_survive_export_and_import_into_an_empty_database(
    client, forces_abroad, tmp_path
):
    exported = content(client.get(download_url("csv")))
    empty_the_database()
    path = tmp_path / "incidents.csv"
    path.write_bytes(exported)
    call_command("import_events", str(path), format="acled", verbosity=0)
    assert inter_codes(client) == EXPECTED_INTER_CODES
    assert content(client.get(download_url("csv"))) == exported
