"""Importing ACLED CSV files: every column, both date styles, bad rows, re-imports."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import history
from incidents.acled import ACLED_COLUMNS
from incidents.choices import (
    ActorRole,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    VersionKind,
)
from incidents.gazetteer import load_country
from incidents.importers import importing
from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from incidents.importers.reading import FileRefused
from incidents.models import Actor, AdminArea, Incident, Location, Source
from tests.factories import ActorFactory, CitationFactory, SourceFactory, UserFactory
from tests.incidents.test_exports import (
    content,
    csv_records,
    download_url,
    empty_the_database,
)


def acled_row(**overrides):
    """ACLED's record of the Kouakourou ambush, September 2023."""
    row = {
        "event_id_cnty": "MLI30001", "event_date": "15 September 2023", "year": "2023",
        "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "JNIM: Group for Support of Islam and Muslims",
        "assoc_actor_1": "", "inter1": "2", "actor2": "Military Forces of Mali (2021-)",
        "assoc_actor_2": "Wagner Group", "inter2": "1", "interaction": "12",
        "civilian_targeting": "", "iso": "466", "region": "Western Africa", "country": "Mali",
        "admin1": "Mopti", "admin2": "Djenne", "admin3": "Kewa", "location": "Kouakourou",
        "latitude": "14.0667", "longitude": "-4.5833", "geo_precision": "2",
        "source": "Studio Tamani; AFP", "source_scale": "National-International",
        "notes": "On 15 September 2023, JNIM militants ambushed a FAMa convoy near Kouakourou.",
        "fatalities": "15", "tags": "Coordinated; Ambush", "timestamp": "1695772800",
    }  # fmt: skip
    row.update(overrides)
    return row


@pytest.fixture
def acled_file(tmp_path):
    def write(*rows, columns=ACLED_COLUMNS):
        path = tmp_path / "acled.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


def run(path, **options):
    return import_file(path, AcledImporter(), **options)


def test_acled_row_maps_every_column(db, acled_file):
    assert run(acled_file(acled_row())).created == 1
    incident = Incident.objects.get(acled_event_id="MLI30001")
    assert str(incident.start_date) == "2023-09-15"
    assert (incident.date_precision, incident.geo_precision) == (
        DatePrecision.DAY,
        GeoPrecision.NEAR,
    )
    assert (incident.event_type_id, incident.sub_event_type_id) == ("battles", "armed_clash")
    assert not incident.civilian_targeting
    location = incident.location
    assert (location.name, location.country.iso3, location.admin1.iso_code) == (
        "Kouakourou",
        "MLI",
        "ML-5",
    )
    assert (location.admin2.name, location.admin3.name) == ("Djenne", "Kewa")
    assert (location.latitude, location.longitude) == (Decimal("14.06670"), Decimal("-4.58330"))
    roles = [
        (link.actor.name, link.role, link.actor_type, link.actor.actor_type)
        for link in incident.incident_actors.order_by("id")
    ]
    # Each main actor keeps its row's code on its role; ACLED codes no associated actor.
    assert roles == [
        ("JNIM: Group for Support of Islam and Muslims", ActorRole.PERPETRATOR, 2, 2),
        ("Military Forces of Mali (2021-)", ActorRole.TARGET, 1, 1),
        ("Wagner Group", ActorRole.TARGET_ASSOCIATE, None, None),
    ]
    assert incident.violence_type == 1
    assert [(c.source.name, c.source.scale) for c in incident.citations.order_by("id")] == [
        ("Studio Tamani", "national"),
        ("AFP", "international"),
    ]
    assert incident.narrative.startswith("On 15 September 2023")
    assert list(incident.casualties.values_list("group", "outcome", "low", "best", "high")) == [
        (CasualtyGroup.UNKNOWN, CasualtyOutcome.KILLED, 15, 15, 15)
    ]
    assert incident.injured_best is None
    assert sorted(incident.tactics.values_list("name", flat=True)) == ["Ambush", "Coordinated"]
    assert incident.source_updated_at == datetime(2023, 9, 27, tzinfo=UTC)
    assert incident.title == "Armed clash in Kouakourou"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"event_date": "2023-09-15", "time_precision": "3"}, ("2023-09-15", DatePrecision.MONTH)),
        (
            {"event_date": "1 February 2024", "time_precision": "2"},
            ("2024-02-01", DatePrecision.WEEK),
        ),
        ({"event_date": "2023-9-5", "time_precision": "1"}, ("2023-09-05", DatePrecision.DAY)),
        ({"event_date": "16-May-2025", "time_precision": "1"}, ("2025-05-16", DatePrecision.DAY)),
        ({"event_date": "16-Sep-2025", "time_precision": "1"}, ("2025-09-16", DatePrecision.DAY)),
        ({"event_date": "16 Sep 2025", "time_precision": "1"}, ("2025-09-16", DatePrecision.DAY)),
    ],
)
def test_both_acled_date_styles_and_time_precision(db, acled_file, overrides, expected):
    run(acled_file(acled_row(**overrides)))
    incident = Incident.objects.get()
    assert (str(incident.start_date), incident.date_precision) == expected


def test_civilian_targeting_and_empty_fatalities(db, acled_file):
    row = acled_row(
        event_type="Violence against civilians",
        sub_event_type="Attack",
        actor2="Civilians (Mali)",
        inter2="7",
        civilian_targeting="Civilian targeting",
        fatalities="",
    )
    run(acled_file(row))
    incident = Incident.objects.get()
    assert incident.civilian_targeting
    assert incident.killed_best is None  # empty is unknown, not zero
    assert incident.violence_type == 3


def test_known_actors_and_sources_are_reused_not_duplicated(db, acled_file):
    jnim = ActorFactory(name="JNIM: Group for Support of Islam and Muslims")
    SourceFactory(name="AFP")
    run(
        acled_file(
            acled_row(),
            acled_row(
                event_id_cnty="MLI30002",
                assoc_actor_1="JNIM: Group for Support of Islam and Muslims",
            ),
        )
    )
    assert Actor.objects.filter(name__startswith="JNIM").get() == jnim
    assert Source.objects.filter(name="AFP").count() == 1


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"event_id_cnty": ""}, "event_id_cnty", "required"),
        ({"event_date": ""}, "event_date", "required"),
        ({"event_date": "2023-W37-5"}, "event_date", "not a date"),  # an ISO week date
        ({"event_date": "2023-02-30"}, "event_date", "not a date"),
        ({"event_type": "Skirmish"}, "event_type", "not an ACLED event type"),
        ({"sub_event_type": "Suicide bomb"}, "sub_event_type", "not a sub-event type of Battles"),
        ({"fatalities": "many"}, "fatalities", "not a whole number"),
        ({"fatalities": "-3"}, "fatalities", "below 0"),
        ({"latitude": "-95"}, "latitude", "out of range"),
        ({"time_precision": "4"}, "time_precision", "not one of 1–3"),
        ({"inter1": "10"}, "inter1", "not 0–9 nor one of: State forces, Rebel group,"),
        ({"inter2": "Police"}, "inter2", "not 0–9 nor one of: State forces, Rebel group,"),
        ({"inter2": "0"}, "inter2", "0 (no actor) but actor2 names one; give its type (1–9)"),
        ({"inter1": "0"}, "inter1", "0 (no actor) but actor1 names one"),
        ({"actor2": "", "inter2": "0"}, "inter2", "0 (no actor) but assoc_actor_2 names one"),
        ({"country": "Atlantis", "iso": "999"}, "country", "unknown country"),
        ({"civilian_targeting": "yes"}, "civilian_targeting", "neither"),
        ({"timestamp": "yesterday"}, "timestamp", "not a whole number"),
    ],
)
def test_bad_acled_row_is_reported(db, acled_file, overrides, column, reason):
    bad = acled_row(**{"event_id_cnty": "MLI2", **overrides})
    report = run(acled_file(acled_row(), bad))
    assert not report.written and Incident.objects.count() == 0
    assert (report.rejected[0].row, report.rejected[0].column) == (3, column)
    assert reason in report.rejected[0].reason


@pytest.mark.parametrize("inter2", ["0", ""])
def test_inter2_zero_or_empty_is_no_second_actor(db, acled_file, inter2):
    # ACLED's exports before 2024 write 0 for "no second actor" (interaction 20).
    row = acled_row(
        event_type="Protests",
        sub_event_type="Peaceful protest",
        actor1="Protesters (Mali)",
        inter1="6",
        actor2="",
        assoc_actor_2="",
        inter2=inter2,
        interaction="60",
    )
    assert run(acled_file(row)).created == 1
    incident = Incident.objects.get()
    assert [(a.name, a.actor_type) for a in incident.perpetrators] == [("Protesters (Mali)", 6)]
    assert incident.targets == []


def test_inter1_zero_is_no_perpetrator(db, acled_file):
    assert run(acled_file(acled_row(actor1="", inter1="0"))).created == 1
    assert Incident.objects.get().perpetrators == []


def test_current_acled_export_gives_actor_types_as_words(db, acled_file):
    # ACLED's export since 2024: inter1 / inter2 / interaction are words, read in any case.
    rows = [
        acled_row(
            inter1="Rebel group", inter2="State forces", interaction="State forces-Rebel group"
        ),
        acled_row(
            event_id_cnty="MLI30002",
            actor1="Dozo Communal Militia (Mali)",
            inter1="identity MILITIA",
            actor2="Civilians (Mali)",
            assoc_actor_2="",
            inter2=" Civilians ",
            interaction="Identity militia-Civilians",
        ),
        acled_row(
            event_id_cnty="MLI30003",
            actor1="MINUSMA: United Nations Mission in Mali (2013-2023)",
            inter1="External/Other forces",
            actor2="",
            assoc_actor_2="",
            inter2="",
            interaction="External/Other forces only",
        ),
    ]
    assert run(acled_file(*rows)).created == 3
    types = dict(Actor.objects.values_list("name", "actor_type"))
    assert types == {
        "JNIM: Group for Support of Islam and Muslims": 2,
        "Military Forces of Mali (2021-)": 1,
        "Wagner Group": None,  # associated: ACLED gives it no code
        "Dozo Communal Militia (Mali)": 4,
        "Civilians (Mali)": 7,
        rows[2]["actor1"]: 8,
    }


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("State forces", 1),
        ("Rebel group", 2),
        ("Political militia", 3),
        ("Identity militia", 4),
        ("Rioters", 5),
        ("Protesters", 6),
        ("Civilians", 7),
        ("External/Other forces", 8),
    ],
)
def test_every_acled_actor_type_word_is_read(db, acled_file, word, code):
    assert run(acled_file(acled_row(inter1=word))).created == 1
    assert Incident.objects.get().perpetrators[0].actor_type == code


@pytest.mark.parametrize("event_date", ["05/10/2024", "17/09/2024", "9/17/2024"])
def test_a_file_saved_again_by_a_spreadsheet_is_refused_in_one_line(db, acled_file, event_date):
    rows = [acled_row(), acled_row(event_id_cnty="MLI30002", event_date=event_date)]
    with pytest.raises(FileRefused) as refused:
        run(acled_file(*rows))
    assert str(refused.value) == (
        f"Row 3: event_date {event_date} is day/month or month/day, as a spreadsheet saves "
        "dates, and is not read by guessing which: export the file again from ACLED, or save it "
        "with event_date as YYYY-MM-DD (2023-09-15)."
    )
    assert not Incident.objects.exists()


def test_file_without_acled_columns_is_refused(db, acled_file):
    with pytest.raises(FileRefused) as refused:
        run(acled_file(acled_row(), columns=[c for c in ACLED_COLUMNS if c != "fatalities"]))
    assert str(refused.value) == "Missing required columns: fatalities."


def test_the_required_columns_are_acleds_own():
    # An ACLED file as ACLED exports it (ACLED_COLUMNS, as our export writes them) imports.
    assert set(AcledImporter.required_columns) <= set(ACLED_COLUMNS)


def test_acled_reimport_is_a_no_op_and_updates_a_changed_row(db, acled_file):
    run(acled_file(acled_row()))
    again = run(acled_file(acled_row()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = run(acled_file(acled_row(fatalities="17", timestamp="1696000000")))
    assert (changed.updated, Incident.objects.get().killed_best) == (1, 17)


def test_acled_fatalities_are_acleds_report_beside_the_coded_figure(db, acled_file):
    run(acled_file(acled_row(fatalities="15")))
    incident = Incident.objects.get()
    figure = incident.casualties.get()
    assert (figure.group, figure.outcome, figure.low, figure.best, figure.high) == (
        "unknown",
        "killed",
        15,
        15,
        15,
    )
    report = incident.source_reports.get()
    assert (report.source.name, report.qualifier, report.figure) == ("ACLED", "exact", 15)
    # A re-import with other figures replaces ACLED's report; it adds no second one.
    run(acled_file(acled_row(fatalities="17", timestamp="1696000000")))
    assert [r.figure_text for r in incident.source_reports.all()] == ["17"]
    assert Source.objects.filter(name="ACLED").count() == 1


def test_a_reimport_that_changes_an_incident_moves_its_version_on(db, acled_file):
    run(acled_file(acled_row()))
    opened = Incident.objects.get().version
    run(acled_file(acled_row()))
    assert Incident.objects.get().version == opened  # unchanged: not touched
    run(acled_file(acled_row(fatalities="17", timestamp="1696000000")))
    incident = Incident.objects.get()
    # An analyst's edit opened at `opened` is now stale; imports record no versions.
    assert incident.version == opened + 1
    assert not incident.versions.exists()


def test_a_row_without_a_perpetrator_is_accepted(db, acled_file):
    run(acled_file(acled_row(actor1="", inter1="")))
    incident = Incident.objects.get()
    assert incident.perpetrators == [] and [a.name for a in incident.targets] == [
        "Military Forces of Mali (2021-)",
        "Wagner Group",
    ]


def test_an_hxl_hashtag_row_under_the_header_is_not_data(db, tmp_path):
    path = tmp_path / "hxl.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ACLED_COLUMNS)
        writer.writeheader()
        writer.writerow({column: f"#tag+{n}" for n, column in enumerate(ACLED_COLUMNS)})
        writer.writerow(acled_row())
    report = run(path)
    assert (report.rows, report.created) == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"latitude": "NaN"}, "latitude", "out of range"),
        ({"fatalities": "3000000000"}, "fatalities", "above 2,147,483,647"),
        ({"event_date": "2099-01-01"}, "event_date", "in the future"),
        ({"notes": "bad\x00byte"}, "notes", "NUL"),
    ],
)
def test_hostile_values_are_row_errors_not_crashes(db, acled_file, overrides, column, reason):
    report = run(acled_file(acled_row(**overrides)))
    assert [(e.column, reason in e.reason) for e in report.rejected] == [(column, True)]


def test_a_timestamp_beyond_any_calendar_is_a_row_error(db, acled_file):
    report = run(acled_file(acled_row(timestamp="99999999999999999")))
    assert [(e.column, e.reason) for e in report.rejected] == [("timestamp", "above 2,147,483,647")]


def test_reimporting_our_own_export_into_the_same_database_duplicates_nothing(db, client, tmp_path):
    from tests.factories import IncidentFactory

    IncidentFactory(title="Entered by hand")
    IncidentFactory(title="From UCDP", ucdp_id="400001")
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(client.get("/incidents.csv").streaming_content))
    report = run(path)
    assert (report.created, report.updated, len(report.conflicts)) == (0, 0, 2)
    assert Incident.objects.count() == 2


def test_a_ucdp_id_held_by_another_incident_is_a_conflict(db, acled_file):
    from tests.factories import IncidentFactory

    IncidentFactory(ucdp_id="400001")
    report = run(acled_file(acled_row(ucdp_id="400001"), columns=[*ACLED_COLUMNS, "ucdp_id"]))
    assert report.created == 0
    assert "ucdp_id 400001 is incident" in report.conflicts[0]


def test_one_ucdp_id_on_two_rows_is_rejected(db, acled_file):
    rows = [acled_row(ucdp_id="7"), acled_row(event_id_cnty="MLI2", ucdp_id="7")]
    report = run(acled_file(*rows, columns=[*ACLED_COLUMNS, "ucdp_id"]))
    assert [(e.row, e.column) for e in report.rejected] == [(3, "ucdp_id")]


def test_an_analysts_import_does_not_change_a_published_incident(db, acled_file):
    run(acled_file(acled_row()))  # published
    report = run(acled_file(acled_row(fatalities="30")), publish=False)
    assert report.updated == 0 and "only a reviewer" in report.conflicts[0]
    assert Incident.objects.get().killed_best == 15


def test_an_event_of_today_is_accepted_and_one_of_tomorrow_is_not(db, acled_file):
    today = timezone.localdate()
    report = run(
        acled_file(
            acled_row(event_date=today.isoformat()),
            acled_row(event_id_cnty="MLI2", event_date=(today + timedelta(days=1)).isoformat()),
        )
    )
    assert [(e.row, e.column, e.reason) for e in report.rejected] == [
        (3, "event_date", "in the future")
    ]


@pytest.mark.parametrize(
    "notes",
    [
        'Commas, "quotes" and\nline breaks\r\nstay as written.',
        "\\.",  # PostgreSQL's end-of-data mark in COPY
        "\\N",  # and its NULL in COPY's text format
        "back\\slash\\ and\ttab",
        "",
    ],
)
def test_a_narrative_comes_back_exactly_as_written(db, acled_file, notes):
    run(acled_file(acled_row(notes=notes)))
    assert Incident.objects.get().narrative == notes


def test_an_imported_incident_is_recorded_as_imported_before_its_first_change(db, acled_file):
    run(acled_file(acled_row()))
    incident = Incident.objects.get()
    assert not incident.versions.exists()  # an import writes in bulk, without versions
    editor = UserFactory(username="editor")
    with history.change(incident, by=editor, kind=VersionKind.EDITED, opened_version=1):
        incident.title = "Corrected title"
        incident.save()
    versions = list(incident.versions.order_by("number"))
    assert [(v.number, v.kind, v.recorded_by) for v in versions] == [
        (1, VersionKind.IMPORTED, None),
        (2, VersionKind.CORRECTED, editor),  # the import published it
    ]
    assert versions[0].snapshot["acled_event_id"] == "MLI30001"
    assert versions[0].snapshot["title"] != "Corrected title"


def test_a_place_is_created_once_across_chunks_and_imports(db, acled_file, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 1)
    run(acled_file(acled_row(), acled_row(event_id_cnty="MLI2", location="Kouakourou ")))
    run(acled_file(acled_row(event_id_cnty="MLI3")))  # a new import finds it in the database
    assert Location.objects.count() == 1
    assert {incident.location.name for incident in Incident.objects.all()} == {"Kouakourou"}


def _hierarchy(location):
    return tuple(
        area.name if area else None for area in (location.admin1, location.admin2, location.admin3)
    )


def test_an_unknown_district_named_without_its_region_leaves_the_place_without_it(db, acled_file):
    # A district cannot be made without the region above it: the event is imported all the
    # same, at its place without the district, and the row says so; the import goes on.
    rows = [
        acled_row(event_id_cnty="MLI1", admin1="", admin2="Nulle Part", admin3="", location="Ici"),
        acled_row(event_id_cnty="MLI2", admin1="", admin2="", admin3="Quelque", location="Là"),
        acled_row(event_id_cnty="MLI3", admin1="Mopti", admin2="Djenne", location="Sofara"),
    ]
    report = run(acled_file(*rows))
    assert report.created == 3 and not report.rejected
    places = {location.name: _hierarchy(location) for location in Location.objects.all()}
    assert places == {
        "Ici": (None, None, None),
        "Là": (None, None, None),
        "Sofara": ("Mopti", "Djenne", "Kewa"),
    }
    told = {(warning.row, warning.column, warning.value) for warning in report.warnings}
    assert {(2, "admin2", "Nulle Part"), (3, "admin3", "Quelque")} <= told
    assert not AdminArea.objects.filter(name__in=["Nulle Part", "Quelque"]).exists()


def test_the_admin_areas_a_file_names_are_found_or_created_once_each(db, acled_file, monkeypatch):
    # One name of an area, however a file spells it, is one area; under another region it is
    # another area; a district named without its region is the one already known by that name.
    monkeypatch.setattr(importing, "CHUNK_SIZE", 4)
    places = [
        ("Mopti", "Djenne", "Kewa", "Kouakourou"),  # the ISO region ML-5
        ("Mopti region", "DJENNE", "Kéwa", "Sofara"),  # the same three areas
        ("Gao", "Djenne", "", "Ansongo"),  # another Djenne, under Gao
        ("Nouvelle Region", "Cercle A", "Commune 1", "Village"),  # new at every level
        ("", "Djenne", "", "Somewhere"),  # no region: the Djenne of the first chunk
        ("nouvelle region", "Cercle A", "", "Hamlet"),  # the next chunk finds them again
    ]
    rows = [
        acled_row(event_id_cnty=f"MLI{n}", admin1=a1, admin2=a2, admin3=a3, location=name)
        for n, (a1, a2, a3, name) in enumerate(places)
    ]
    assert run(acled_file(*rows)).created == 6
    locations = {location.name: location for location in Location.objects.all()}
    assert {name: _hierarchy(location) for name, location in locations.items()} == {
        "Kouakourou": ("Mopti", "Djenne", "Kewa"),
        "Sofara": ("Mopti", "Djenne", "Kewa"),
        "Ansongo": ("Gao", "Djenne", None),
        "Village": ("Nouvelle", "Cercle A", "Commune 1"),
        "Somewhere": ("Mopti", "Djenne", None),  # its region from its district
        "Hamlet": ("Nouvelle", "Cercle A", None),
    }
    assert locations["Kouakourou"].admin1.iso_code == "ML-5"
    assert locations["Sofara"].admin3 == locations["Kouakourou"].admin3
    assert locations["Somewhere"].admin2 == locations["Kouakourou"].admin2
    assert locations["Ansongo"].admin2 != locations["Kouakourou"].admin2
    assert locations["Hamlet"].admin2 == locations["Village"].admin2
    made_here = AdminArea.objects.filter(iso_code="").order_by("level", "name", "parent__name")
    assert [(a.level, a.name, a.parent and a.parent.name) for a in made_here] == [
        (1, "Nouvelle", None),
        (2, "Cercle A", "Nouvelle"),
        (2, "Djenne", "Gao"),
        (2, "Djenne", "Mopti"),
        (3, "Commune 1", "Cercle A"),
        (3, "Kewa", "Djenne"),
    ]


def test_a_chunks_new_admin_areas_go_in_with_a_statement_per_level(db, acled_file):
    # A real file names thousands of districts and communes: one INSERT each, with the read of
    # the areas already under each parent, was most of the statements of an import's start.
    load_country("MLI")
    rows = [
        acled_row(
            event_id_cnty=f"MLI{n}",
            admin1=f"Region {n % 3}",
            admin2=f"Cercle {n % 7}",
            admin3=f"Commune {n}",
            location=f"Village {n}",
        )
        for n in range(40)
    ]
    path = acled_file(*rows)
    with CaptureQueriesContext(connection) as queries:
        assert run(path).created == 40
    areas = [q["sql"] for q in queries if '"incidents_adminarea"' in q["sql"]]
    inserts = [sql for sql in areas if sql.startswith("INSERT")]
    assert len(inserts) == 3  # regions, districts, communes
    # Whether the country's areas are loaded, then per level the areas under the parents.
    assert len(areas) - len(inserts) <= 1 + 3
    assert AdminArea.objects.filter(iso_code="").count() == 3 + 3 * 7 + 40


def test_a_country_is_loaded_with_its_subdivisions_in_a_few_statements(db):
    with CaptureQueriesContext(connection) as queries:
        burkina = load_country("BFA")
    regions = AdminArea.objects.filter(country=burkina, level=1)
    provinces = AdminArea.objects.filter(country=burkina, level=2)
    assert (regions.count(), provinces.count()) == (13, 45)
    assert provinces.get(iso_code="BF-GNA").parent.name == "Est"
    assert len(queries) <= 8
    with CaptureQueriesContext(connection) as again:
        assert load_country("BFA") == burkina
    assert not [q for q in again if q["sql"].startswith("INSERT")]
    assert AdminArea.objects.filter(country=burkina).count() == 58


# --- what ACLED writes that our fields cannot say: source_scale, disorder_type ---------------


def acled_events_of_each_kind():
    """ACLED rows with source scales in ACLED's own words, which our five scales cannot say,
    and events of each disorder type, as ACLED's export gives them."""
    protest = {"actor1": "Protesters (Mali)", "inter1": "6", "assoc_actor_2": ""}
    return [
        acled_row(event_id_cnty="MLI1", event_date="2023-09-11", source="Twitter",
                  source_scale="New media"),
        acled_row(event_id_cnty="MLI2", event_date="2023-09-12",
                  source="Studio Tamani; Kisal", source_scale="Local partner-Other"),
        acled_row(event_id_cnty="MLI3", event_date="2023-09-13",
                  source="Radio Jamana; Studio Tamani", source_scale="Subnational-National",
                  disorder_type="Political violence; Demonstrations", event_type="Protests",
                  sub_event_type="Excessive force against protesters",
                  actor1="Police Forces of Mali (2021-)", inter1="1",
                  actor2="Protesters (Mali)", inter2="6", interaction="16", assoc_actor_2=""),
        acled_row(event_id_cnty="MLI4", event_date="2023-09-14", source="Facebook; RFI",
                  source_scale="New media-Regional", disorder_type="Political violence",
                  event_type="Riots", sub_event_type="Mob violence", actor1="Rioters (Mali)",
                  inter1="5", actor2="Civilians (Mali)", inter2="7", interaction="57",
                  assoc_actor_2=""),
        acled_row(event_id_cnty="MLI5", event_date="2023-09-15",
                  disorder_type="Demonstrations", event_type="Protests",
                  sub_event_type="Protest with intervention", actor2="Police Forces of Mali",
                  interaction="16", **protest),
        acled_row(event_id_cnty="MLI6", event_date="2023-09-16",
                  disorder_type="Demonstrations", event_type="Riots",
                  sub_event_type="Violent demonstration", actor1="Rioters (Mali)", inter1="5",
                  actor2="", inter2="", interaction="50", assoc_actor_2=""),
        acled_row(event_id_cnty="MLI7", event_date="2023-09-17",
                  disorder_type="Demonstrations", event_type="Protests",
                  sub_event_type="Peaceful protest", actor2="", inter2="", interaction="60",
                  **protest),
    ]  # fmt: skip


def test_our_csv_gives_acleds_source_scale_and_disorder_type_as_acled_wrote_them(
    client, db, acled_file, tmp_path
):
    """Issue 17: an ACLED file imported and downloaded again says what ACLED said, and the
    download imported into an empty database downloads as the same file."""
    rows = acled_events_of_each_kind()
    call_command("import_events", str(acled_file(*rows)), format="acled", verbosity=0)
    exported = content(client.get(download_url("csv"), {"sort": "date"}))
    written = csv.DictReader(io.StringIO(exported.decode()))

    def as_acled_says(rows):
        return {row["event_id_cnty"]: (row["source_scale"], row["disorder_type"]) for row in rows}

    assert as_acled_says(written) == as_acled_says(rows)
    # The ACLED-compatible API writes the same cells.
    events = client.get("/acled-api/acled/read", {"fields": "event_id_cnty|source_scale"}).json()
    assert {event["event_id_cnty"]: event["source_scale"] for event in events["data"]} == {
        row["event_id_cnty"]: row["source_scale"] for row in rows
    }

    empty_the_database()
    path = tmp_path / "incidents.csv"
    path.write_bytes(exported)
    call_command("import_events", str(path), format="acled", verbosity=0)
    assert content(client.get(download_url("csv"), {"sort": "date"})) == exported


def test_an_analysts_change_writes_the_scales_of_the_incidents_sources(client, db, acled_file):
    """ACLED's words stand for the sources ACLED cited; once an analyst changes the incident
    (here: cites one more source), the row is ours and says its sources' scales in our words."""
    run(acled_file(acled_row(source="Twitter", source_scale="New media")))
    incident = Incident.objects.get()
    (row,) = csv_records(client.get(download_url("csv")))
    assert row["source_scale"] == "New media"

    CitationFactory(incident=incident, source=SourceFactory(name="AFP", scale="international"))
    incident.mark_changed(by=UserFactory())
    (row,) = csv_records(client.get(download_url("csv")))
    assert (row["source"], row["source_scale"]) == ("Twitter; AFP", "Other-International")


def test_a_dataset_fields_cell_that_is_not_a_json_object_of_texts_is_a_row_error(db, acled_file):
    columns = [*ACLED_COLUMNS, "dataset_fields"]
    report = run(
        acled_file(
            acled_row(event_id_cnty="IDB1", dataset_fields='{"deaths_a": 3}'),
            acled_row(event_id_cnty="IDB2", dataset_fields="[1]"),
            acled_row(event_id_cnty="IDB3", dataset_fields="{not json"),
            acled_row(event_id_cnty="IDB4", dataset_fields='{"deaths_a": "3"}'),
            columns=columns,
        ),
        skip_invalid=True,
    )
    assert [(e.row, e.column, e.reason) for e in report.rejected] == [
        (row, "dataset_fields", "not a JSON object of texts") for row in (2, 3, 4)
    ]
    assert Incident.objects.get().dataset_fields == {"deaths_a": "3"}
