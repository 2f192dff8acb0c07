"""The shared vocabulary in French: event and sub-event types, natures of attack, countries,
the coded values and the models' own messages are translated once, where they are defined,
while the stored names (and so the downloads) stay ACLED's English ones."""

import csv
import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from incidents import codebook, credits, figures
from incidents.choices import (
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    Status,
    VersionKind,
    ViolenceType,
)
from incidents.country_names import country_label
from incidents.models import Country, EventType, Incident, SourceReport, SubEventType, Tactic
from incidents.taxonomy import (
    EVENT_TYPES,
    SUB_EVENT_TYPE_LABELS,
    TACTICS,
    event_type_label,
    sub_event_type_label,
    tactic_label,
)
from tests.factories import CountryFactory, IncidentFactory, LocationFactory

CODEBOOK_URL = reverse("incidents:codebook")
VOCABULARIES = [
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    Status,
    VersionKind,
    ViolenceType,
]
# Labels whose French is the English word.
SAME_IN_FRENCH = {"Grenade", "Raid"}


def french(text):
    with translation.override("fr"):
        return str(text)


def test_english_labels_are_the_stored_acled_names():
    for code, (name, sub_event_types) in EVENT_TYPES.items():
        assert str(event_type_label(code)) == name
        for sub_code, sub_name in sub_event_types:
            assert str(sub_event_type_label(sub_code)) == sub_name
    assert set(SUB_EVENT_TYPE_LABELS) == {
        code for _name, subs in EVENT_TYPES.values() for code, _sub_name in subs
    }


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("battles", "Batailles"),
        ("violence_against_civilians", "Violence contre les civils"),
        ("explosions_remote_violence", "Explosions / violence à distance"),
        ("riots", "Émeutes"),
        ("protests", "Manifestations"),
        ("strategic_developments", "Développements stratégiques"),
    ],
)
def test_event_types_read_in_french(db, code, expected):
    event_type = EventType.objects.get(code=code)
    with translation.override("fr"):
        assert event_type.label == expected
        assert str(event_type) == expected
    with translation.override("en"):
        assert str(event_type) == event_type.name


def test_every_event_sub_event_type_and_seeded_tag_has_a_french_label(db):
    for sub_event_type in SubEventType.objects.all():
        with translation.override("fr"):
            label = sub_event_type.label
        assert label and (label != sub_event_type.name or label in SAME_IN_FRENCH), label
    for name in TACTICS:
        with translation.override("fr"):
            label = tactic_label(name)
        assert label != name or name in SAME_IN_FRENCH, name
    with translation.override("fr"):
        assert SubEventType.objects.get(code="armed_clash").label == "Affrontement armé"
        assert str(Tactic.objects.get(name="Ambush")) == "Embuscade"


def test_a_tag_an_analyst_added_shows_as_entered(db):
    tactic = Tactic.objects.create(name="Blocus")
    assert french(tactic) == "Blocus"


def test_every_coded_value_has_a_french_label():
    for choices in VOCABULARIES:
        for value, label in choices.choices:
            assert french(label) != str(label), (choices.__name__, value)
    assert french(ActorType.STATE_FORCES.label) == "Forces de l'État"
    assert french(CasualtyGroup.PEACEKEEPERS.label) == "Casques bleus"
    assert french(ReportQualifier.NO_TOLL.label) == "aucun bilan donné"
    assert french(Status.IN_REVIEW.label) == "En relecture"


@pytest.mark.parametrize(
    ("iso3", "name", "expected"),
    [
        ("MLI", "Mali", "Mali"),
        ("BEN", "Benin", "Bénin"),
        ("TCD", "Chad", "Tchad"),
        ("MRT", "Mauritania", "Mauritanie"),
        ("SEN", "Senegal", "Sénégal"),
        ("GIN", "Guinea", "Guinée"),
        ("CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
        ("DZA", "Algeria", "Algérie"),
        ("LBY", "Libya", "Libye"),
        ("CMR", "Cameroon", "Cameroun"),
        ("TZA", "Tanzania, United Republic of", "Tanzanie"),
        ("XKX", "Kosovo", "Kosovo"),
    ],
)
def test_countries_read_in_french_and_keep_their_english_name(iso3, name, expected):
    with translation.override("fr"):
        assert country_label(iso3, name) == expected
    with translation.override("en"):
        assert country_label(iso3, name) == name


def test_country_label_and_str_follow_the_language(db):
    chad = CountryFactory(iso3="TCD", iso2="TD", name="Chad")
    with translation.override("fr"):
        assert chad.label == "Tchad" and str(chad) == "Tchad"
    assert Country.objects.get(iso3="TCD").name == "Chad"


def test_model_names_and_field_labels_are_translated():
    with translation.override("fr"):
        assert str(Incident._meta.verbose_name_plural) == "incidents"
        assert str(Incident._meta.get_field("start_date").verbose_name) == "date de début"
        assert str(Incident._meta.get_field("event_type").verbose_name) == "type d'événement"
        assert str(Country._meta.verbose_name_plural) == "pays"
    assert str(Incident._meta.get_field("start_date").verbose_name) == "start date"


def test_model_validation_messages_are_in_french(db):
    incident = IncidentFactory.build(
        location=LocationFactory(),
        start_date=datetime.date.today() + datetime.timedelta(days=2),
        end_date=datetime.date.today() + datetime.timedelta(days=1),
    )
    with translation.override("fr"):
        with pytest.raises(ValidationError) as raised:
            incident.clean()
        assert raised.value.message_dict == {
            "start_date": ["La date de début est dans le futur."],
            "end_date": ["La date de fin est antérieure à la date de début."],
        }


def test_coded_figures_are_grouped_the_french_way():
    assert figures.format_coded(1200, 1234, 15000, True) == "1,234 (1,200–15,000+)"
    with translation.override("fr"):
        assert figures.format_coded(1200, 1234, 15000, True) == (
            "1\u00a0234 (1\u00a0200–15\u00a0000+)"
        )
        assert figures.describe("civilians", "killed") == "Tués (civils)"


def test_credits_read_in_french_but_json_credits_stay_english():
    with translation.override("fr"):
        (line,) = credits.credit_lines({"GTD"})
        (entry,) = credits.credits_json({"GTD"})
        links = credits.credit_links(frozenset({"GTD"}))
    assert line.startswith("GTD\u00a0: Global Terrorism Database (START, université du Maryland)")
    assert "Conditions d'utilisation de la GTD" in line
    assert entry["licence"] == "START's terms of use of the GTD"
    assert "université" not in links and "START's terms of use of the GTD" in links


def test_codebook_tables_in_french(db):
    with translation.override("fr"):
        tables = {table.id: table for table in codebook.code_tables()}
        assert str(tables["event-types"].title) == "Types et sous-types d'événements"
        rows = {row[0]: [str(cell) for cell in row] for row in tables["event-types"].rows}
        description = str(codebook.COLUMN_DESCRIPTIONS["latitude"])
    assert rows["battles"] == ["battles", "Batailles", "Battles", "", "Violence politique"]
    assert rows["armed_clash"] == [
        "armed_clash",
        "Affrontement armé",
        "Armed clash",
        "Batailles",
        "",
    ]
    # A sub-event type whose disorder type is not its event type's says so.
    assert rows["excessive_force_against_protesters"][-1] == (
        "Violence politique\u00a0; manifestations et émeutes"
    )
    assert rows["mob_violence"][-1] == "Violence politique"
    assert description == "Latitude du lieu, en degrés décimaux (WGS 84)."


def test_codebook_page_in_french(client, db):
    response = client.get(f"/fr{CODEBOOK_URL}")
    assert response.status_code == 200 and response["Content-Language"] == "fr"
    page = response.content.decode()
    for text in [
        "<h1>Guide de codage</h1>",
        "Types et sous-types d&#x27;événements",
        "Violence contre les civils",
        "Enlèvement / disparition forcée",
        "Forces de l&#x27;État",
        "Casques bleus",
        "aucun bilan donné",
        "Colonnes des téléchargements",
        "Latitude du lieu, en degrés décimaux (WGS 84).",
    ]:
        assert text in page, text
    # The column names, codes and the CSV's names stay as the files write them.
    assert "<code>event_date</code>" in page and "<code>violence_against_civilians</code>" in page
    assert "<td>Violence against civilians</td>" in page
    for english in ["Event and sub-event types", "Columns of the downloads", "State forces"]:
        assert english not in page, english
    english_page = client.get(CODEBOOK_URL).content.decode()
    assert "Event and sub-event types" in english_page and "Batailles" not in english_page


def test_csv_keeps_the_english_names_for_a_french_reader(client, db):
    chad = CountryFactory(iso3="TCD", iso2="TD", name="Chad")
    IncidentFactory(location=LocationFactory(admin1=None, country=chad))
    response = client.get(f"/fr{reverse('incident_download', args=['csv'])}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8")
    header, row = list(csv.reader(io.StringIO(content)))
    record = dict(zip(header, row, strict=True))
    assert record["event_type"] == "Battles"
    assert record["sub_event_type"] == "Armed clash"
    assert record["country"] == "Chad"
    assert record["disorder_type"] == "Political violence"


def test_a_source_report_reads_in_french():
    report = SourceReport(qualifier=ReportQualifier.AT_LEAST, figure=70)
    assert str(report) == "unknown source: at least 70"
    with translation.override("fr"):
        assert str(report) == "source inconnue\u00a0: au moins 70"


def test_a_country_page_names_the_country_in_french(client, db):
    chad = CountryFactory(iso3="TCD", iso2="TD", name="Chad")
    IncidentFactory(location=LocationFactory(admin1=None, country=chad))
    address = reverse("incidents:country_detail", args=["TCD"])
    french_page = client.get(f"/fr{address}").content.decode()
    assert "<h1>Tchad</h1>" in french_page
    assert re.search(r"<title>Tchad\b", french_page)
    assert "<h1>Chad</h1>" in client.get(address).content.decode()
