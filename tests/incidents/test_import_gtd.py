"""Importing Global Terrorism Database files: the .xlsx workbook START publishes and the same
columns as CSV, rows shaped like the GTD codebook's examples, every mapping, bad rows, re-imports
and the round trip through our own export."""

import csv
import datetime
import json
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from incidents.choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    Status,
)
from incidents.importers.gtd import GtdImporter, event_types
from incidents.importers.importing import import_file
from incidents.importers.reading import FileRefused
from incidents.models import Incident, SourceReport
from incidents.outlines import outline_problem, representative_point
from tests.incidents.test_exports import content, download_url, empty_the_database

# The columns of GTD's release that the importer reads, in the release's order, and a few it
# does not (region_txt, doubtterr, weaptype1_txt), which must not get in the way.
COLUMNS = [
    "eventid", "iyear", "imonth", "iday", "approxdate", "extended", "resolution", "country",
    "country_txt", "region_txt", "provstate", "city", "latitude", "longitude", "specificity",
    "vicinity", "summary", "doubtterr", "suicide", "attacktype1_txt", "attacktype2_txt",
    "attacktype3_txt", "targtype1_txt", "corp1", "target1", "natlty1_txt", "gname", "gname2",
    "gname3", "weaptype1_txt", "nkill", "nkillter", "nwound", "nwoundte", "scite1", "scite2",
    "scite3", "dbsource",
]  # fmt: skip


def gtd_row(**overrides):
    """A siege of a hotel in Bamako, as GTD records such events: two groups, a barricade
    hostage taking, 22 killed of whom 2 perpetrators, the day known."""
    row = {
        "eventid": "201511200001", "iyear": "2015", "imonth": "11", "iday": "20",
        "approxdate": "", "extended": "0", "resolution": "", "country": "118",
        "country_txt": "Mali", "region_txt": "Sub-Saharan Africa", "provstate": "Bamako",
        "city": "Bamako", "latitude": "12.639232", "longitude": "-8.002889",
        "specificity": "1", "vicinity": "0",
        "summary": "11/20/2015: Assailants stormed a hotel in Bamako city, Mali.",
        "doubtterr": "0", "suicide": "0",
        "attacktype1_txt": "Hostage Taking (Barricade Incident)",
        "attacktype2_txt": "Armed Assault", "attacktype3_txt": "",
        "targtype1_txt": "Business", "corp1": "Radisson Blu Hotel", "target1": "Guests",
        "natlty1_txt": "Mali", "gname": "Al-Mourabitoun",
        "gname2": "Al-Qaida in the Islamic Maghreb (AQIM)", "gname3": "",
        "weaptype1_txt": "Firearms", "nkill": "22", "nkillter": "2", "nwound": "7",
        "nwoundte": "0",
        "scite1": '"Gunmen seize hostages at Bamako hotel," Agence France Presse, '
                  "November 20, 2015.",
        "scite2": '"Mali hotel siege ends," BBC News, November 21, 2015.', "scite3": "",
        "dbsource": "START Primary Collection",
    }  # fmt: skip
    row.update(overrides)
    return row


def write_csv(path, rows, columns=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, columns=COLUMNS):
    """The workbook as GTD publishes it: numbers as numbers, the resolution date as a date."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column, "")
            if column == "resolution" and value:
                value = datetime.datetime.fromisoformat(value)
            elif value and column not in ("eventid",) and _is_number(value):
                value = float(value) if "." in value else int(value)
            values.append(value if value != "" else None)
        sheet.append(values)
    workbook.save(path)
    return path


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.fixture
def gtd_file(tmp_path):
    return lambda *rows, **options: write_csv(tmp_path / "gtd.csv", list(rows), **options)


def run(path, **options):
    return import_file(path, GtdImporter(), **options)


def test_gtd_row_maps_every_column(db, gtd_file):
    report = run(gtd_file(gtd_row()))
    assert (report.created, report.rejected) == (1, [])
    incident = Incident.objects.get(gtd_event_id="201511200001")
    assert incident.status == Status.PUBLISHED
    assert (incident.start_date, incident.end_date) == (datetime.date(2015, 11, 20), None)
    assert (incident.date_precision, incident.geo_precision) == (
        DatePrecision.DAY,
        GeoPrecision.EXACT,
    )
    place = incident.location
    assert (place.name, place.country.iso3, place.admin1.name) == ("Bamako", "MLI", "Bamako")
    # GTD's six decimals are kept to the five our places hold (about a metre).
    assert (place.latitude, place.longitude) == (Decimal("12.639232"), Decimal("-8.002889"))
    assert (incident.event_type_id, incident.sub_event_type_id) == (
        "violence_against_civilians",
        "abduction_forced_disappearance",
    )
    assert incident.civilian_targeting is True
    assert incident.title == "Hostage Taking (Barricade Incident) in Bamako"
    assert incident.narrative.startswith("11/20/2015: Assailants stormed a hotel")
    roles = {
        (link.actor.name, link.role, link.actor.actor_type)
        for link in incident.incident_actors.all()
    }
    assert roles == {
        ("Al-Mourabitoun", ActorRole.PERPETRATOR, ActorType.NON_STATE_UNSPECIFIED),
        (
            "Al-Qaida in the Islamic Maghreb (AQIM)",
            ActorRole.PERPETRATOR_ASSOCIATE,
            ActorType.NON_STATE_UNSPECIFIED,
        ),
        ("Civilians (Mali)", ActorRole.TARGET, ActorType.CIVILIANS),
    }
    assert incident.violence_type == 3  # one-sided, from the actors' types
    coded = {(c.group, c.outcome, c.best) for c in incident.casualties.all()}
    assert coded == {
        (CasualtyGroup.ASSAILANTS, CasualtyOutcome.KILLED, 2),
        (CasualtyGroup.UNKNOWN, CasualtyOutcome.KILLED, 20),
        (CasualtyGroup.UNKNOWN, CasualtyOutcome.INJURED, 7),
    }
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (22, 22, 22)
    assert incident.injured_best == 7
    quotes = set(SourceReport.objects.filter(incident=incident).values_list("quote", flat=True))
    assert quotes == {"GTD: nkill 22, nkillter 2", "GTD: nwound 7, nwoundte 0"}
    assert {t.name for t in incident.tactics.all()} == {
        "Hostage Taking (Barricade Incident)",
        "Armed Assault",
    }
    assert incident.dataset_fields == {
        "doubtterr": "0",
        "suicide": "0",
        "weaptype1_txt": "Firearms",
        "targtype1_txt": "Business",
        "corp1": "Radisson Blu Hotel",
        "target1": "Guests",
        "natlty1_txt": "Mali",
    }
    citations = [(c.source.name, c.title, c.excerpt) for c in incident.citations.all()]
    assert citations == [
        (
            "GTD",
            "START Primary Collection",
            '"Gunmen seize hostages at Bamako hotel," Agence France Presse, November 20, 2015.',
        ),
        (
            "GTD",
            "START Primary Collection",
            '"Mali hotel siege ends," BBC News, November 21, 2015.',
        ),
    ]


def test_the_workbook_and_its_csv_import_the_same_incidents(db, tmp_path):
    rows = [
        gtd_row(),
        gtd_row(
            eventid="201806000002",
            iyear="2018",
            imonth="6",
            iday="0",
            extended="1",
            resolution="2018-06-20",
        ),
        gtd_row(eventid="197001000003", iyear="1970", imonth="0", iday="0", nkill="1.5"),
    ]

    def imported():
        return sorted(
            Incident.objects.values_list(
                "gtd_event_id",
                "start_date",
                "end_date",
                "date_precision",
                "killed_best",
                "injured_best",
                "location__latitude",
                "title",
            )
        )

    assert run(write_xlsx(tmp_path / "gtd.xlsx", rows)).created == 3
    from_workbook = imported()
    Incident.objects.all().delete()
    assert run(write_csv(tmp_path / "gtd.csv", rows)).created == 3
    assert imported() == from_workbook
    assert from_workbook[0][1:4] == (
        datetime.date(1970, 1, 1),
        None,
        DatePrecision.YEAR,
    )
    assert from_workbook[0][4] == 1  # GTD's averaged 1.5 rounds down
    assert from_workbook[2][1:4] == (
        datetime.date(2018, 6, 1),
        datetime.date(2018, 6, 20),
        DatePrecision.MONTH,
    )


EXPLOSION, IED, SUICIDE = (
    "explosions_remote_violence",
    "remote_explosive_landmine_ied",
    "suicide_bomb",
)
AGAINST_CIVILIANS, ABDUCTION = "violence_against_civilians", "abduction_forced_disappearance"
CLASH = ("battles", "armed_clash")
CITIZENS = "Private Citizens & Property"


@pytest.mark.parametrize(
    ("attack", "target", "suicide", "expected"),
    [
        ("Bombing/Explosion", "Military", False, (EXPLOSION, IED)),
        ("Bombing/Explosion", CITIZENS, True, (EXPLOSION, SUICIDE)),
        ("Armed Assault", "Military", False, CLASH),
        ("Armed Assault", "Police", False, CLASH),
        ("Armed Assault", "Terrorists/Non-State Militia", False, CLASH),
        ("Armed Assault", CITIZENS, False, (AGAINST_CIVILIANS, "attack")),
        ("Assassination", "Government (General)", False, (AGAINST_CIVILIANS, "attack")),
        ("Hostage Taking (Kidnapping)", "Military", False, (AGAINST_CIVILIANS, ABDUCTION)),
        ("Hijacking", "Transportation", False, (AGAINST_CIVILIANS, ABDUCTION)),
        (
            "Facility/Infrastructure Attack",
            "Educational Institution",
            False,
            ("strategic_developments", "looting_property_destruction"),
        ),
        # An attack of unknown type claims no sub-event type; its target alone says what it is.
        ("Unknown", "Unknown", False, ("strategic_developments", "other")),
        ("Unknown", "Other", False, ("strategic_developments", "other")),
        ("Unknown", "Government (General)", False, ("strategic_developments", "other")),
        ("Unknown", "Military", False, ("battles", None)),
        ("Unknown", CITIZENS, False, (AGAINST_CIVILIANS, None)),
    ],
)
def test_attack_and_target_types_give_the_event_type(attack, target, suicide, expected):
    assert event_types(attack, target, suicide) == expected


def test_military_target_is_the_entity_gtd_names_as_state_forces(db, gtd_file):
    row = gtd_row(
        attacktype1_txt="Armed Assault",
        attacktype2_txt="",
        targtype1_txt="Military",
        corp1="Malian Armed Forces (FAMa)",
        gname="Unknown",
        gname2="Jamaat Nusrat al-Islam wal Muslimin (JNIM)",
        specificity="1",
        vicinity="1",
    )
    run(gtd_file(row))
    incident = Incident.objects.get()
    roles = {
        (link.actor.name, link.role, link.actor.actor_type)
        for link in incident.incident_actors.all()
    }
    # "Unknown" names nobody: the group GTD names second is then the perpetrator.
    assert roles == {
        (
            "Jamaat Nusrat al-Islam wal Muslimin (JNIM)",
            ActorRole.PERPETRATOR,
            ActorType.NON_STATE_UNSPECIFIED,
        ),
        ("Malian Armed Forces (FAMa)", ActorRole.TARGET, ActorType.STATE_FORCES),
    }
    assert incident.violence_type == 1  # state-based
    assert incident.geo_precision == GeoPrecision.NEAR  # "in the vicinity of" the city
    assert incident.civilian_targeting is False


@pytest.mark.parametrize(
    ("specificity", "precision"),
    [
        ("2", GeoPrecision.ADMIN2),
        ("3", GeoPrecision.ADMIN2),
        ("4", GeoPrecision.ADMIN1),
        ("5", GeoPrecision.COUNTRY),
        ("", GeoPrecision.PART_OF_COUNTRY),
    ],
)
def test_specificity_gives_the_geo_precision(db, gtd_file, specificity, precision):
    run(gtd_file(gtd_row(specificity=specificity, city="Unknown")))
    incident = Incident.objects.get()
    assert incident.geo_precision == precision
    assert incident.location.name == "Bamako"  # the region, when GTD knows no city


def test_perpetrators_counted_above_the_total_import_with_a_note(db, gtd_file):
    report = run(gtd_file(gtd_row(nkill="3", nkillter="5")))
    assert (report.created, report.rejected) == (1, [])
    killed = Incident.objects.get().casualties.get(outcome=CasualtyOutcome.KILLED)
    assert (killed.group, killed.low, killed.best, killed.high) == (CasualtyGroup.UNKNOWN, 3, 3, 3)
    assert "GTD counts 5 perpetrators among 3 in all" in killed.note


@pytest.mark.parametrize("unknown", ["", "-99", "-9"])
def test_an_empty_nkill_is_an_unknown_toll_not_zero(db, gtd_file, unknown):
    # GTD's codebook writes -99 (and -9) for "unknown" in its numeric fields.
    report = run(gtd_file(gtd_row(nkill=unknown, nkillter="", nwound=unknown, nwoundte="")))
    assert report.rejected == []
    incident = Incident.objects.get()
    assert (incident.killed_best, incident.injured_best) == (None, None)
    assert not incident.casualties.exists()


def test_an_attack_and_target_both_unknown_is_no_violence_against_civilians(db, gtd_file):
    """A row like eventid 201705010004: GTD knows neither how nor whom; nothing says civilians
    were targeted, and no civilian target is made up."""
    row = gtd_row(
        eventid="201705010004",
        iyear="2017",
        imonth="5",
        iday="1",
        attacktype1_txt="Unknown",
        attacktype2_txt="",
        targtype1_txt="Unknown",
        corp1="Unknown",
        target1="Unknown",
        natlty1_txt="",
        gname="Unknown",
        gname2="",
        nkill="1",
        nkillter="",
        nwound="0",
        nwoundte="",
    )
    assert run(gtd_file(row)).created == 1
    incident = Incident.objects.get()
    assert (incident.event_type_id, incident.sub_event_type_id) == (
        "strategic_developments",
        "other",
    )
    assert incident.civilian_targeting is False
    assert not incident.incident_actors.exists()
    assert not incident.tactics.exists()
    assert incident.dataset_fields["targtype1_txt"] == "Unknown"


def test_civilian_targeting_needs_a_civilian_target(db, gtd_file):
    row = gtd_row(
        attacktype1_txt="Hostage Taking (Kidnapping)",
        attacktype2_txt="",
        targtype1_txt="Military",
        corp1="Malian Armed Forces (FAMa)",
    )
    run(gtd_file(row))
    incident = Incident.objects.get()
    assert incident.sub_event_type_id == ABDUCTION
    assert incident.civilian_targeting is False


@pytest.mark.parametrize(
    ("name", "latitude", "longitude", "iso3"),
    [
        ("Soviet Union", "41.715138", "44.827096", "GEO"),  # Tbilisi, April 1989
        ("Soviet Union", "54.687157", "25.279652", "LTU"),  # Vilnius, January 1991
        ("Soviet Union", "55.755826", "37.617300", "RUS"),  # Moscow
        ("Yugoslavia", "45.815011", "15.981919", "HRV"),  # Zagreb
        ("Yugoslavia", "42.662914", "21.165503", "XKX"),  # Pristina
        ("Yugoslavia", "41.997346", "21.427996", "MKD"),  # Skopje
        ("Serbia-Montenegro", "42.430420", "19.259364", "MNE"),  # Podgorica
        ("Czechoslovakia", "48.148596", "17.107748", "SVK"),  # Bratislava
        ("Czechoslovakia", "50.075538", "14.437800", "CZE"),  # Prague
        ("West Germany (FRG)", "50.110922", "8.682127", "DEU"),  # Frankfurt
        ("East Germany (GDR)", "52.520007", "13.404954", "DEU"),  # East Berlin
        ("Zaire", "-4.441931", "15.266293", "COD"),  # Kinshasa
        ("Rhodesia", "-17.825166", "31.033510", "ZWE"),  # Salisbury, now Harare
        ("People's Republic of the Congo", "-4.263360", "15.242885", "COG"),  # Brazzaville
        ("South Yemen", "12.785497", "45.018654", "YEM"),  # Aden
        ("North Yemen", "15.369445", "44.191007", "YEM"),  # Sanaa
        ("South Vietnam", "10.823099", "106.629664", "VNM"),  # Saigon
        ("West Bank and Gaza Strip", "31.501641", "34.466830", "PSE"),  # Gaza
        ("Northern Ireland", "54.597285", "-5.930120", "GBR"),  # Belfast
        ("New Hebrides", "-17.733251", "168.327325", "VUT"),  # Port Vila
    ],
)
def test_historic_gtd_countries_are_today_s_country_with_gtd_s_name_kept(
    db, gtd_file, name, latitude, longitude, iso3
):
    row = gtd_row(
        country_txt=name,
        provstate="Unknown",
        city="Unknown",
        natlty1_txt=name,
        latitude=latitude,
        longitude=longitude,
    )
    report = run(gtd_file(row))
    assert (report.created, report.rejected, report.warnings) == (1, [], [])
    incident = Incident.objects.get()
    assert incident.location.country.iso3 == iso3
    assert incident.dataset_fields["country_txt"] == name


@pytest.mark.parametrize(
    ("name", "iso3"), [("Falkland Islands", "FLK"), ("Man, Isle of", "IMN"), ("Russia", "RUS")]
)
def test_gtd_spellings_of_today_s_countries_resolve(db, gtd_file, name, iso3):
    run(gtd_file(gtd_row(country_txt=name, provstate="", latitude="", longitude="")))
    incident = Incident.objects.get()
    assert incident.location.country.iso3 == iso3
    assert "country_txt" not in incident.dataset_fields  # GTD's name is today's


def test_a_row_without_coordinates_is_placed_in_its_country_at_country_precision(db, gtd_file):
    """About 2–3 % of GTD's rows name a country, a region and a city, without coordinates."""
    row = gtd_row(
        eventid="201603140012",
        provstate="Mopti",
        city="Boni",
        latitude="",
        longitude="",
        specificity="1",
    )
    report = run(gtd_file(row))
    assert (report.created, report.rejected) == (1, [])
    incident = Incident.objects.get()
    place = incident.location
    assert (place.country.iso3, place.admin1.name, place.name) == ("MLI", "Mopti", "Boni")
    # Not Boni's coordinates, which GTD does not give: a point inside Mali, and said so.
    assert outline_problem("MLI", place.latitude, place.longitude) is None
    assert incident.geo_precision == GeoPrecision.COUNTRY
    latitude, longitude = representative_point("MLI")
    assert (place.latitude, place.longitude) == (Decimal(str(latitude)), Decimal(str(longitude)))
    [warning] = report.warnings
    assert (warning.row, warning.column) == (2, "latitude")
    assert warning.reason == (
        f"no coordinates in the file: placed at {latitude}, {longitude}, a point "
        "inside the country's outline, at country precision"
    )


def test_a_historic_country_without_coordinates_is_placed_in_today_s(db, gtd_file):
    run(gtd_file(gtd_row(country_txt="Zaire", provstate="Kinshasa", latitude="", longitude="")))
    place = Incident.objects.get().location
    assert place.country.iso3 == "COD"
    assert outline_problem("COD", place.latitude, place.longitude) is None


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        (
            {"country_txt": "Gibraltar", "latitude": "", "longitude": ""},
            "latitude",
            "no outline of the country",
        ),
        (
            {"country_txt": "Soviet Union", "latitude": "", "longitude": ""},
            "country_txt",
            "no coordinates",
        ),
        ({"country_txt": "Yugoslavia"}, "country_txt", "in none of today's countries"),
        ({"country_txt": "International"}, "country_txt", "no one country"),
        ({"country_txt": "Atlantis"}, "country_txt", "unknown country"),
        ({"imonth": "2", "iday": "30"}, "iday", "no such date"),
        ({"iyear": "2999"}, "iyear", "in the future"),
        ({"nkill": "many"}, "nkill", "not a number"),
        ({"specificity": "9"}, "specificity", "not one of 1–5"),
    ],
)
def test_bad_rows_are_refused_with_the_reason(db, gtd_file, overrides, column, reason):
    report = run(gtd_file(gtd_row(**overrides)))
    assert report.created == 0
    assert [(e.column, reason in e.reason) for e in report.rejected] == [(column, True)]


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Zaire", "COD"),
        ("Ivory Coast", "CIV"),
        ("West Bank and Gaza Strip", "PSE"),
        ("Burkina Faso", "BFA"),
        ("Niger", "NER"),
    ],
)
def test_gtd_country_names_resolve(db, gtd_file, name, iso3):
    run(gtd_file(gtd_row(country_txt=name, provstate="", city="Somewhere")))
    assert Incident.objects.get().location.country.iso3 == iso3


def test_a_reimport_changes_only_what_changed(db, gtd_file):
    rows = [gtd_row(), gtd_row(eventid="201511200002", nkill="1", nkillter="0")]
    run(gtd_file(*rows))
    again = run(gtd_file(*rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[1]["nkill"] = "4"
    changed = run(gtd_file(*rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Incident.objects.get(gtd_event_id="201511200002").killed_best == 4


def test_counts_and_sums_per_country_equal_the_raw_rows(db, tmp_path):
    kyiv, skopje, belgrade = ("50.4501", "30.5234"), ("41.9973", "21.4280"), ("44.8125", "20.4612")
    rows = [
        gtd_row(
            eventid=f"19900101{n:04}",
            country_txt=country,
            latitude=place[0],
            longitude=place[1],
            nkill=killed,
            nkillter="0",
        )
        for n, (country, place, killed) in enumerate(
            [
                ("Mali", ("12.6392", "-8.0029"), "3"),
                ("Mali", ("", ""), ""),  # no coordinates: still Mali's
                ("Burkina Faso", ("12.3714", "-1.5197"), "12"),
                ("Niger", ("13.5116", "2.1254"), "0"),
                ("Mali", ("14.6425", "-4.2575"), "7"),
                ("Soviet Union", kyiv, "2"),
                ("Yugoslavia", skopje, "4"),
                ("Yugoslavia", belgrade, "1"),
                ("Zaire", ("", ""), "5"),
                ("International", ("", ""), "9"),  # in no one country: refused
            ]
        )
    ]
    report = run(write_xlsx(tmp_path / "gtd.xlsx", rows), skip_invalid=True)
    assert [error.value for error in report.rejected] == ["International"]
    # Today's country of each row, by hand: the divided states' by the city at the coordinates.
    iso3 = {
        ("Mali", ""): "MLI",
        ("Burkina Faso", ""): "BFA",
        ("Niger", ""): "NER",
        ("Soviet Union", kyiv[0]): "UKR",
        ("Yugoslavia", skopje[0]): "MKD",
        ("Yugoslavia", belgrade[0]): "SRB",
        ("Zaire", ""): "COD",
    }
    expected = defaultdict(lambda: [0, 0])
    for row in rows:
        country = row["country_txt"]
        key = (country, row["latitude"] if country in ("Soviet Union", "Yugoslavia") else "")
        if key in iso3:
            expected[iso3[key]][0] += 1
            expected[iso3[key]][1] += int(row["nkill"] or 0)
    got = defaultdict(lambda: [0, 0])
    for country, killed in Incident.objects.values_list("location__country__iso3", "killed_best"):
        got[country][0] += 1
        got[country][1] += killed or 0
    assert got == expected


def test_a_file_that_is_not_a_workbook_is_refused_in_one_line(db, tmp_path):
    path = tmp_path / "gtd.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileRefused, match="cannot be read as an .xlsx workbook"):
        run(path)


def test_a_workbook_without_gtd_columns_is_refused(db, tmp_path):
    path = write_xlsx(tmp_path / "gtd.xlsx", [gtd_row()], columns=["eventid", "iyear"])
    with pytest.raises(FileRefused, match="Missing required columns: imonth, iday"):
        run(path)


def test_gtd_incidents_round_trip_through_our_export(client, db, tmp_path):
    rows = [
        gtd_row(),
        gtd_row(
            eventid="201901150001",
            iday="15",
            imonth="1",
            iyear="2019",
            attacktype1_txt="Bombing/Explosion",
            attacktype2_txt="",
            targtype1_txt="Military",
            corp1="Malian Armed Forces (FAMa)",
            nkill="",
            nkillter="",
        ),
    ]
    run(write_xlsx(tmp_path / "gtd.xlsx", rows))
    as_json = client.get(download_url("json"))
    by_id = {row["gtd_event_id"]: row for row in json.loads(content(as_json))["incidents"]}
    assert by_id["201511200001"]["dataset_fields"]["corp1"] == "Radisson Blu Hotel"
    kept = dict(Incident.objects.values_list("gtd_event_id", "dataset_fields"))
    exported = content(client.get(download_url("csv")))
    header = exported.decode().splitlines()[0].split(",")
    assert "gtd_event_id" in header
    assert b"201511200001" in exported

    empty_the_database()
    path = tmp_path / "incidents.csv"
    path.write_bytes(exported)
    call_command("import_events", str(path), format="acled", verbosity=0)

    assert set(Incident.objects.values_list("gtd_event_id", flat=True)) == {
        "201511200001",
        "201901150001",
    }
    assert content(client.get(download_url("csv"))) == exported
    # What GTD says that no field holds (target, weapon, claimed…) came back with them.
    assert dict(Incident.objects.values_list("gtd_event_id", "dataset_fields")) == kept
