"""Importing UCDP GED files: the real per-country export, crafted rows for every mapping and
every kind of bad row or bad file, re-imports and conflicts."""

import csv
import io
import json
import os
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from incidents.choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    DatePrecision,
    GeoPrecision,
    Status,
)
from incidents.importers import importing
from incidents.importers.importing import import_file
from incidents.importers.reading import FileRefused
from incidents.importers.ucdp import DEATH_COLUMNS, GED_COLUMNS, UcdpImporter, spread
from incidents.importers.writing import IncidentWriter
from incidents.models import Casualty, Citation, Incident, Location, Source
from tests.incidents.test_exports import content, download_url, empty_the_database
from tests.shared_rows import rows_per_module

SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "data" / "ucdp_ged_west_africa_sample.csv"
ISO3 = {
    "Burkina Faso": "BFA",
    "Ivory Coast": "CIV",
    "Senegal": "SEN",
    "Togo": "TGO",
    "Benin": "BEN",
    "Guinea-Bissau": "GNB",
}

GLOBAL_COLUMNS = [
    "id", "relid", "year", "type_of_violence", "side_a", "side_b", "source_article",
    "source_office", "source_date", "source_headline", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "country", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low",
]  # fmt: skip


def ged_row(**overrides):
    """One global-GED row: JNIM ambushes the army near Djibo, 12 (10–15) killed."""
    row = {
        "id": "400001", "relid": "BFO-2022-1-1", "year": "2022", "type_of_violence": "1",
        "side_a": "Government of Burkina Faso", "side_b": "JNIM",
        "source_article": '"Le Faso.net,2022-09-27,Attaque d\'un convoi à Gaskindé";'
                          '"AFP,2022-09-28,Burkina: 11 soldiers killed"',
        "source_office": "Le Faso.net;AFP", "source_date": "2022-09-27;2022-09-28",
        "source_headline": "Attaque d'un convoi à Gaskindé;Burkina: 11 soldiers killed",
        "where_prec": "1", "where_coordinates": "Gaskindé village",
        "where_description": "Gaskindé, Soum province", "adm_1": "Sahel region",
        "adm_2": "Soum province", "latitude": "14.1", "longitude": "-1.6",
        "country": "Burkina Faso", "date_prec": "1", "date_start": "2022-09-26",
        "date_end": "2022-09-26", "deaths_a": "11", "deaths_b": "0", "deaths_civilians": "1",
        "deaths_unknown": "0", "best": "12", "high": "15", "low": "10",
    }  # fmt: skip
    row.update(overrides)
    return row


def write_csv(path, rows, columns=GLOBAL_COLUMNS, delimiter=",", encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as out:
        writer = csv.DictWriter(out, columns, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def ged_file(tmp_path):
    return lambda *rows, **options: write_csv(tmp_path / "ged.csv", list(rows), **options)


def run(path, **options):
    return import_file(path, UcdpImporter(), **options)


def sample_path():
    if not SAMPLE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SAMPLE} is missing")
        pytest.skip(f"{SAMPLE} is not beside this checkout")
    return SAMPLE


@pytest.fixture
def sample():
    return sample_path()


@rows_per_module
def sample_import_rows():
    """The real export imported once into an empty database."""
    return run(sample_path())


@pytest.fixture
def sample_import(sample_import_rows, db):
    """The report of that import."""
    return sample_import_rows


def expected_from_csv(path):
    """Per country: events, and killed low / best / high, computed straight from the CSV; rows
    whose estimates do not bracket best (low ≤ best ≤ high) count from their smallest to their
    largest figure, as they are coded."""
    totals = defaultdict(lambda: [0, 0, 0, 0])
    inconsistent = 0
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            low, best, high = int(row["low_est"]), int(row["best_est"]), int(row["high_est"])
            if not low <= best <= high:
                inconsistent += 1
                low, high = min(low, best, high), max(low, best, high)
            country = totals[ISO3[row["country"]]]
            country[0] += 1
            country[1] += low
            country[2] += best
            country[3] += high
    return {iso3: tuple(values) for iso3, values in totals.items()}, inconsistent


def imported_totals():
    totals = defaultdict(lambda: [0, 0, 0, 0])
    for iso3, low, best, high in Incident.objects.values_list(
        "location__country__iso3", "killed_low", "killed_best", "killed_high"
    ):
        country = totals[iso3]
        country[0] += 1
        country[1] += low
        country[2] += best
        country[3] += high
    return {iso3: tuple(values) for iso3, values in totals.items()}


def test_real_ucdp_export_imports_with_its_counts_and_deaths_per_country(sample, sample_import):
    expected, inconsistent = expected_from_csv(sample)
    report = sample_import
    assert report.written
    assert (report.rows, report.created, report.rejected) == (2365, 2365, [])
    assert inconsistent == 33
    assert imported_totals() == expected
    # Its rows whose estimates do not bracket best are coded with a note saying so.
    assert (
        Incident.objects.filter(casualties__note__contains="do not bracket best").distinct().count()
        == inconsistent
    )
    # UCDP's report of every incident's figures is beside them.
    assert not Incident.objects.filter(source_reports__isnull=True).exists()
    # Every incident's totals are the sums of its casualty rows.
    for incident in Incident.objects.all()[:200]:
        rows = Casualty.objects.filter(incident=incident)
        assert incident.killed_best == sum(row.best for row in rows)


def test_real_ucdp_export_reimport_changes_nothing(sample, sample_import):
    again = run(sample)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2365)


def test_real_ucdp_export_keeps_every_citation_as_written(sample, sample_import):
    """Each quoted source_article gives as many citations as source_office names sources, with
    its headline whole: quotes, a quote at its very end and line breaks included."""
    expected = {}
    with open(sample, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            article = row["source_article"].strip()
            if article.startswith('"'):
                expected[row["id"]] = article[1:-1].split('";"')
    imported = defaultdict(list)
    for ucdp_id, source, published_on, title, excerpt in Citation.objects.filter(
        incident__ucdp_id__in=expected
    ).values_list("incident__ucdp_id", "source__name", "published_on", "title", "excerpt"):
        # A source is one Source whatever the case a row writes it in ("Lefaso", "lefaso").
        imported[ucdp_id].append(f"{source.lower()},{published_on},{title or excerpt}")
    assert sum(map(len, expected.values())) == sum(map(len, imported.values()))
    multi_line = [ucdp_id for ucdp_id, items in expected.items() if "\n" in "".join(items)]
    assert len(multi_line) == 7
    for ucdp_id in [*multi_line, *list(expected)[:300]]:
        written = []
        for item in expected[ucdp_id]:
            office, date, headline = re.split(r",(\d{4}-\d{2}-\d{2}),", item, maxsplit=1)
            written.append(f"{office.strip().lower()},{date},{headline.strip()}")
        assert sorted(imported[ucdp_id]) == sorted(written), ucdp_id


def test_real_ucdp_export_keeps_what_has_no_field_as_written(sample, sample_import, client):
    with open(sample, encoding="utf-8", newline="") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    kept = dict(Incident.objects.values_list("ucdp_id", "dataset_fields"))
    assert kept.keys() == rows.keys()
    for ucdp_id, row in rows.items():
        for column in ("conflict_name", "dyad_name", "dyad_new_id", "source_original"):
            assert kept[ucdp_id].get(column, "") == row[column].strip(), (ucdp_id, column)
        # The deaths by side, which both sides' casualty group merges when both are non-state.
        deaths = [kept[ucdp_id].get(column) for column in DEATH_COLUMNS]
        assert deaths == [row[column] for column in DEATH_COLUMNS]
    incident = Incident.objects.get(ucdp_id="508003")
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "As the source dataset records it" in page
    assert (
        f'<code>dyad_name</code></dt><dd class="as-written">{rows["508003"]["dyad_name"]}' in page
    )
    api = client.get(f"/api/incidents/{incident.pk}/").json()
    assert api["dataset_fields"]["conflict_name"] == rows["508003"]["conflict_name"]


def test_an_actor_name_longer_than_200_characters_is_kept_whole(db, ged_file):
    coalition = "Coalition of " + ", ".join(f"armed movement number {n}" for n in range(12))
    assert len(coalition) > 300
    run(ged_file(ged_row(side_b=coalition, type_of_violence="2", side_a="JNIM")))
    names = set(Incident.objects.get().incident_actors.values_list("actor__name", flat=True))
    assert names == {"JNIM", coalition}


def test_headlines_keep_their_quotes_and_line_breaks(db, ged_file):
    article = (
        '"Le Monde,2022-08-15,In Burkina, NGOs denounce the "extrajudicial execution of more '
        'than 40 people"";"All Africa,2018-12-31,Islamist Attacks Prompt State of Emergency\n'
        'CR \tDeutsche Welle";"Reuters, Africa desk,2018-12-31,Burkina, Mali: talks"'
    )
    run(ged_file(ged_row(source_article=article)))
    citations = [
        (c.source.name, str(c.published_on), c.title)
        for c in Citation.objects.order_by("id").select_related("source")
    ]
    assert citations == [
        (
            "Le Monde",
            "2022-08-15",
            'In Burkina, NGOs denounce the "extrajudicial execution of more than 40 people"',
        ),
        (
            "All Africa",
            "2018-12-31",
            "Islamist Attacks Prompt State of Emergency\nCR \tDeutsche Welle",
        ),
        ("Reuters, Africa desk", "2018-12-31", "Burkina, Mali: talks"),
    ]
    assert not Source.objects.filter(name__startswith=";").exists()


def test_ucdp_figures_are_written_as_ucdps_report_beside_each_coded_figure(db, ged_file):
    run(ged_file(ged_row()))
    incident = Incident.objects.get()
    coded = {(c.group, c.outcome): (c.low, c.best, c.high) for c in incident.casualties.all()}
    assert set(coded) == {("security_forces", "killed"), ("civilians", "killed")}
    reports = incident.source_reports.all()
    assert {r.source.name for r in reports} == {"UCDP GED"}
    assert {r.quote for r in reports} == {"UCDP GED: low 10, best 12, high 15"}
    for report in reports:
        low, _best, high = coded[report.group, report.outcome]
        assert (report.figure, report.figure_high or report.figure) == (low, high)


@pytest.mark.parametrize(
    ("estimates", "coded"),
    [
        (("6", "6", "4"), (4, 6, 6)),
        (("7", "0", "7"), (0, 0, 7)),
        (("13", "12", "15"), (12, 12, 15)),
    ],
)
def test_estimates_that_do_not_bracket_best_import_as_given_beside_a_normalised_figure(
    db, ged_file, estimates, coded
):
    low, best, high = estimates
    row = ged_row(low=low, best=best, high=high, deaths_a="", deaths_b="", deaths_civilians="")
    report = run(ged_file(row))
    assert (report.created, report.rejected) == (1, [])
    incident = Incident.objects.get()
    figure = incident.casualties.get()
    assert (figure.low, figure.best, figure.high) == coded
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == coded
    assert f"UCDP GED gives low {low}, best {best}, high {high}" in figure.note
    source_report = incident.source_reports.get()
    assert source_report.source.name == "UCDP GED"
    assert source_report.quote == f"UCDP GED: low {low}, best {best}, high {high}"
    assert (source_report.qualifier, source_report.figure, source_report.figure_high) == (
        "range",
        coded[0],
        coded[2],
    )


def test_the_note_on_figures_that_do_not_bracket_best_is_a_csv_column_and_round_trips(
    client, db, ged_file, tmp_path
):
    """Point 1 of issue 17: the stated rule is flagged in the CSV too, and our own CSV read
    back as ACLED's layout keeps it, so that the next export is the same file."""
    unbracketed = ged_row(
        id="1", low="6", best="6", high="4", deaths_a="", deaths_b="", deaths_civilians=""
    )
    run(ged_file(unbracketed, ged_row(id="2", date_start="2022-09-25")))
    exported = content(client.get(download_url("csv")))
    rows = {row["ucdp_id"]: row for row in csv.DictReader(io.StringIO(exported.decode()))}
    assert rows["1"]["figures_note"] == (
        "UCDP GED gives low 6, best 6, high 4, which do not bracket best: coded with low 4 and "
        "high 6."
    )
    assert rows["2"]["figures_note"] == ""

    kept = dict(Incident.objects.values_list("ucdp_id", "dataset_fields"))
    assert (kept["1"]["relid"], kept["2"]["deaths_a"]) == ("BFO-2022-1-1", "11")

    empty_the_database()
    path = tmp_path / "incidents.csv"
    path.write_bytes(exported)
    call_command("import_events", str(path), format="acled", verbosity=0)
    assert content(client.get(download_url("csv"))) == exported
    assert dict(Incident.objects.values_list("ucdp_id", "dataset_fields")) == kept


def test_real_ucdp_export_round_trips_through_our_csv_with_what_has_no_field(
    sample, sample_import, client, tmp_path
):
    """Issue 17's round trip: export, import into an empty database, export again gives the
    same file, and each incident keeps what GED says that no field holds (conflict, dyad,
    sources as first listed, deaths by side), which the CSV's dataset_fields column carries."""
    kept = dict(Incident.objects.values_list("ucdp_id", "dataset_fields"))
    exported = content(client.get(download_url("csv"), {"sort": "date"}))
    rows = {row["ucdp_id"]: row for row in csv.DictReader(io.StringIO(exported.decode()))}
    assert json.loads(rows["508003"]["dataset_fields"]) == kept["508003"]

    empty_the_database()
    path = tmp_path / "incidents.csv"
    path.write_bytes(exported)
    call_command("import_events", str(path), format="acled", verbosity=0)

    assert dict(Incident.objects.values_list("ucdp_id", "dataset_fields")) == kept
    assert content(client.get(download_url("csv"), {"sort": "date"})) == exported


def test_global_ged_row_maps_every_field(db, ged_file):
    report = run(ged_file(ged_row()))
    assert report.created == 1
    incident = Incident.objects.get(ucdp_id="400001")
    location = incident.location
    assert (location.name, location.country.iso3) == ("Gaskindé village", "BFA")
    assert (location.admin1.name, location.admin1.iso_code) == ("Sahel", "BF-12")
    assert (location.admin2.name, location.admin2.iso_code) == ("Soum", "BF-SOM")
    assert (location.latitude, location.longitude) == (Decimal("14.1"), Decimal("-1.6"))
    assert (incident.start_date.isoformat(), incident.end_date) == ("2022-09-26", None)
    assert (incident.date_precision, incident.geo_precision) == (1, 1)
    assert (incident.event_type_id, incident.sub_event_type_id) == ("battles", "armed_clash")
    assert incident.status == Status.PUBLISHED
    assert incident.violence_type == 1  # state-based, as UCDP's type_of_violence says
    roles = {
        (link.actor.name, link.role, link.actor.actor_type)
        for link in incident.incident_actors.all()
    }
    assert roles == {
        ("Government of Burkina Faso", ActorRole.PERPETRATOR, 1),
        # GED gives no kind of non-state group: never a guessed "rebel group" (2).
        ("JNIM", ActorRole.TARGET, ActorType.NON_STATE_UNSPECIFIED),
    }
    rows = {(c.group, c.low, c.best, c.high) for c in incident.casualties.all()}
    assert rows == {(CasualtyGroup.SECURITY_FORCES, 9, 11, 14), (CasualtyGroup.CIVILIANS, 1, 1, 1)}
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (10, 12, 15)
    assert incident.injured_best is None  # GED records no injured: unknown, not zero
    citations = [(c.source.name, c.title, str(c.published_on)) for c in incident.citations.all()]
    assert citations == [
        ("Le Faso.net", "Attaque d'un convoi à Gaskindé", "2022-09-27"),
        ("AFP", "Burkina: 11 soldiers killed", "2022-09-28"),
    ]
    assert "Gaskindé, Soum province" in incident.narrative


def test_per_country_export_shape_with_us_dates_and_trailing_field(db, tmp_path):
    columns = [c for c in GLOBAL_COLUMNS if c not in ("best", "high", "low")]
    columns += ["best_est", "high_est", "low_est"]
    path = tmp_path / "country.csv"
    row = ged_row(date_start="09/26/2022 00:00:00", date_end="09/28/2022 00:00:00",
                  best_est="12", high_est="15", low_est="10")  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*columns, ""])
        writer.writerow([*(row[c] for c in columns), ""])
    assert run(path).created == 1
    incident = Incident.objects.get()
    assert (str(incident.start_date), str(incident.end_date)) == ("2022-09-26", "2022-09-28")
    assert incident.killed_best == 12


OPTIONAL_COLUMNS = [
    "date_end", "where_prec", "date_prec",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
]  # fmt: skip


def assert_imported_with_unknown_precisions_and_split(report):
    assert report.created == 1, report.rejected
    incident = Incident.objects.get()
    assert (str(incident.start_date), incident.end_date) == ("2022-09-26", None)
    # Unknown precision is the least precise: a known year, the country only.
    assert (incident.date_precision, incident.geo_precision) == (
        DatePrecision.YEAR,
        GeoPrecision.COUNTRY,
    )
    assert (incident.location.latitude, incident.location.longitude) == (
        Decimal("14.1"),
        Decimal("-1.6"),
    )
    # The split between the sides is unknown; the event's estimates are whole.
    rows = [(c.group, c.outcome, c.low, c.best, c.high) for c in incident.casualties.all()]
    assert rows == [(CasualtyGroup.UNKNOWN, "killed", 10, 12, 15)]
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (10, 12, 15)


def test_ged_subset_without_optional_columns_imports(db, ged_file):
    columns = [c for c in GLOBAL_COLUMNS if c not in OPTIONAL_COLUMNS]
    report = run(ged_file(ged_row(), columns=columns))
    assert_imported_with_unknown_precisions_and_split(report)


def test_ged_subset_with_optional_columns_empty_imports(db, ged_file):
    report = run(ged_file(ged_row(**dict.fromkeys(OPTIONAL_COLUMNS, ""))))
    assert_imported_with_unknown_precisions_and_split(report)


def test_per_country_subset_without_optional_columns_imports(db, tmp_path):
    columns = [c for c in GLOBAL_COLUMNS if c not in (*OPTIONAL_COLUMNS, "best", "high", "low")]
    row = ged_row(date_start="09/26/2022 00:00:00", best_est="12", high_est="15", low_est="10")
    path = write_csv(tmp_path / "subset.csv", [row], [*columns, "best_est", "high_est", "low_est"])
    assert_imported_with_unknown_precisions_and_split(run(path))


def test_deaths_by_side_with_one_empty_cell_are_an_unknown_split(db, ged_file):
    # Three sides' figures without the fourth cannot be told apart from a wrong sum.
    run(ged_file(ged_row(deaths_unknown="")))
    incident = Incident.objects.get()
    assert list(incident.casualties.values_list("group", "low", "best", "high")) == [
        (CasualtyGroup.UNKNOWN, 10, 12, 15)
    ]


def test_end_date_alone_missing_keeps_the_given_precisions(db, ged_file):
    columns = [c for c in GLOBAL_COLUMNS if c != "date_end"]
    run(ged_file(ged_row(date_prec="2", where_prec="3"), columns=columns))
    incident = Incident.objects.get()
    assert (incident.end_date, incident.date_precision, incident.geo_precision) == (None, 2, 3)


def test_one_sided_violence_targets_civilians(db, ged_file):
    run(ged_file(ged_row(type_of_violence="3", side_a="JNIM", side_b="Civilians",
                         deaths_a="0", deaths_civilians="12")))  # fmt: skip
    incident = Incident.objects.get()
    assert (incident.event_type_id, incident.sub_event_type_id) == (
        "violence_against_civilians",
        "attack",
    )
    assert incident.civilian_targeting
    assert incident.violence_type == 3
    assert list(incident.casualties.values_list("group", "best")) == [("civilians", 12)]


def test_ivory_coast_and_region_names_match_iso_3166(db, ged_file):
    run(ged_file(ged_row(country="Ivory Coast", adm_1="Lagunes district", adm_2="")))
    location = Incident.objects.get().location
    assert (location.country.iso3, location.admin1.iso_code) == ("CIV", "CI-LG")


@pytest.mark.parametrize(
    ("country", "country_id", "iso3"),
    [
        ("DR Congo (Zaire)", "490", "COD"),
        ("Yemen (North Yemen)", "678", "YEM"),
        ("Kingdom of eSwatini (Swaziland)", "572", "SWZ"),
        ("Bosnia-Herzegovina", "346", "BIH"),
        ("Turkey", "640", "TUR"),
        ("Macedonia, FYR", "343", "MKD"),
        ("Kosovo", "347", "XKX"),
        ("A name no release ever used", "552", "ZWE"),  # the code wins over the name
        ("Myanmar (Burma)", "", "MMR"),  # no code: the name as GED writes it
        ("Russia (Soviet Union)", "315", "RUS"),  # a code of no state today: the name
    ],
)
def test_ged_country_is_found_by_country_id_then_by_name(db, ged_file, country, country_id, iso3):
    row = ged_row(country=country, country_id=country_id, adm_1="", adm_2="")
    report = run(ged_file(row, columns=[*GLOBAL_COLUMNS, "country_id"]))
    assert report.created == 1, report.rejected
    assert Incident.objects.get().location.country.iso3 == iso3


def test_gao_region_and_gao_are_one_region(db, ged_file):
    run(
        ged_file(
            ged_row(country="Mali", adm_1="Gao region", adm_2="", where_coordinates="Gao town")
        )
    )
    assert Incident.objects.get().location.admin1.iso_code == "ML-7"


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"id": ""}, "id", "required"),
        ({"date_start": ""}, "date_start", "required"),
        ({"date_start": "2022-02-30"}, "date_start", "not a date"),
        ({"date_end": "2022-09-01"}, "date_end", "before date_start"),
        ({"best": "twelve"}, "best", "not a whole number"),
        ({"deaths_a": "-1"}, "deaths_a", "below 0"),
        ({"deaths_a": "5"}, "best", "not the sum"),
        ({"latitude": "91"}, "latitude", "out of range"),
        ({"longitude": "east"}, "longitude", "not a number"),
        ({"country": "Atlantis"}, "country", "unknown country"),
        ({"type_of_violence": "4"}, "type_of_violence", "not one of 1–3"),
        ({"where_prec": "9"}, "where_prec", "not one of 1–7"),
    ],
)
def test_bad_row_is_reported_with_row_column_value_and_reason(
    db, ged_file, overrides, column, reason
):
    good = ged_row(id="1")
    bad = ged_row(id=overrides.pop("id", "2"), **overrides)
    report = run(ged_file(good, bad))
    assert not report.written and Incident.objects.count() == 0
    [error] = report.rejected
    assert (error.row, error.column) == (3, column)
    assert error.value == bad[column]
    assert reason in error.reason


def test_the_same_id_twice_in_a_file_is_rejected(db, ged_file):
    report = run(ged_file(ged_row(), ged_row()))
    assert [(e.row, e.column, e.reason) for e in report.rejected] == [
        (3, "id", "the same id is on row 2")
    ]


def test_skip_invalid_writes_good_rows_and_saves_the_bad_ones(db, ged_file, tmp_path):
    path = ged_file(ged_row(id="1"), ged_row(id="2", latitude="91"), ged_row(id="3"))
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(SystemExit) as exited:
        call_command(
            "import_events", path, "--format", "ucdp", "--skip-invalid", "--rejects", rejects
        )
    assert exited.value.code == 3  # rows were rejected
    assert sorted(Incident.objects.values_list("ucdp_id", flat=True)) == ["1", "3"]
    with open(rejects, encoding="utf-8") as f:
        [rejected] = list(csv.DictReader(f))
    assert (rejected["row"], rejected["id"]) == ("3", "2")
    assert "latitude: out of range" in rejected["reasons"]


def test_the_rows_warned_about_are_saved_with_their_warnings(db, ged_file, tmp_path):
    # Latitude and longitude swapped: imported, and warned about.
    path = ged_file(ged_row(id="1"), ged_row(id="2", latitude="-1.6", longitude="14.1"))
    warnings = tmp_path / "warnings.csv"
    call_command("import_events", path, "--format", "ucdp", "--warnings", warnings)
    assert sorted(Incident.objects.values_list("ucdp_id", flat=True)) == ["1", "2"]
    with open(warnings, encoding="utf-8") as f:
        [warned] = list(csv.DictReader(f))
    assert (warned["row"], warned["id"], warned["latitude"]) == ("3", "2", "-1.6")
    assert warned["warnings"].endswith("outline. Latitude and longitude look swapped.")


def test_rejects_go_to_the_current_directory_not_beside_the_imported_file(
    db, ged_file, tmp_path, monkeypatch
):
    # Files to import often sit in folders one may not write to (shared/data is read-only).
    path = ged_file(ged_row(id="1"), ged_row(id="2", latitude="91"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    with pytest.raises(SystemExit) as exited:
        call_command("import_events", path, "--format", "ucdp", "--skip-invalid")
    assert exited.value.code == 3
    assert (workdir / "ged.rejects.csv").exists()
    assert not path.with_suffix(".rejects.csv").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"delimiter": ";"}, "separated by semicolons"),
        ({"delimiter": "\t"}, "separated by tabs"),
        ({"columns": [c for c in GLOBAL_COLUMNS if c not in ("side_a", "date_start")]},
         "Missing required columns: side_a, date_start."),
        ({"columns": [c for c in GLOBAL_COLUMNS if c != "best"]}, "best, low, high"),
        ({"encoding": "latin-1"}, "not UTF-8"),
    ],
)  # fmt: skip
def test_bad_file_is_refused_with_one_clear_line(db, ged_file, options, message):
    path = ged_file(ged_row(where_coordinates="Gaskindé"), **options)
    with pytest.raises(FileRefused) as refused:
        run(path)
    assert message in str(refused.value)
    with pytest.raises(CommandError) as failed:
        call_command("import_events", path, "--format", "ucdp")
    assert message in str(failed.value) and "\n" not in str(failed.value)
    assert Incident.objects.count() == 0


def test_dry_run_reports_exact_counts_and_writes_nothing(db, ged_file):
    run(ged_file(ged_row(id="1")))
    report = run(ged_file(ged_row(id="1", best="13", deaths_a="12"), ged_row(id="2")), dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert not report.written
    assert list(Incident.objects.values_list("ucdp_id", "killed_best")) == [("1", 12)]


def test_reimport_updates_what_changed_and_leaves_the_rest(db, ged_file):
    run(ged_file(ged_row(id="1"), ged_row(id="2")))
    report = run(
        ged_file(ged_row(id="1"), ged_row(id="2", best="20", high="20", deaths_unknown="8"))
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    incident = Incident.objects.get(ucdp_id="2")
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (10, 20, 20)
    assert incident.casualties.count() == 3
    assert Incident.objects.count() == 2


def test_coordinates_keep_geds_six_decimals_through_a_reimport_and_the_downloads(
    db, ged_file, client
):
    path = ged_file(ged_row(latitude="14.098126", longitude="-1.623457"))
    run(path)
    location = Incident.objects.get().location
    assert (location.latitude, location.longitude) == (
        Decimal("14.098126"),
        Decimal("-1.623457"),
    )

    again = run(path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    (row,) = csv.DictReader(io.StringIO(client.get("/incidents.csv").getvalue().decode()))
    assert (row["latitude"], row["longitude"]) == ("14.098126", "-1.623457")
    (incident,) = json.loads(client.get("/incidents.json").getvalue())["incidents"]
    assert (incident["location"]["latitude"], incident["location"]["longitude"]) == (
        14.098126,
        -1.623457,
    )
    (feature,) = json.loads(client.get("/incidents.geojson").getvalue())["features"]
    assert feature["geometry"]["coordinates"] == [-1.623457, 14.098126]


def test_a_place_stored_with_five_decimals_is_refined_by_a_reimport_not_doubled(db, ged_file):
    # Places imported before coordinates kept six decimals hold them rounded to five.
    place = {"latitude": "14.098126", "longitude": "-1.623457"}
    run(ged_file(ged_row(**place)))
    Location.objects.update(latitude=Decimal("14.09813"), longitude=Decimal("-1.62346"))

    # A later release revises the event (an unchanged row is not read again).
    report = run(ged_file(ged_row(**place, best="13", high="15", deaths_a="12")))

    assert report.updated == 1

    location = Location.objects.get()
    assert Incident.objects.get().location == location
    assert (location.latitude, location.longitude) == (
        Decimal("14.098126"),
        Decimal("-1.623457"),
    )


def test_reimport_keeps_an_analysts_correction_and_reports_a_conflict(db, ged_file, analyst):
    run(ged_file(ged_row(id="1")))
    incident = Incident.objects.get()
    incident.title = "Ambush of a supply convoy near Gaskindé"
    incident.updated_by = analyst
    incident.save()
    report = run(ged_file(ged_row(id="1", best="13", high="15", deaths_a="12")))
    assert (report.updated, len(report.conflicts)) == (0, 1)
    assert "id=1" in report.conflicts[0] and "analyst" in report.conflicts[0]
    incident.refresh_from_db()
    assert (incident.title, incident.killed_best) == ("Ambush of a supply convoy near Gaskindé", 12)


def test_an_import_that_fails_midway_writes_nothing(db, ged_file, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 1)
    original = IncidentWriter.write
    calls = Counter()

    def fail_on_second_chunk(self, records):
        calls["chunks"] += 1
        if calls["chunks"] == 2:
            raise RuntimeError("database went away")
        return original(self, records)

    monkeypatch.setattr(IncidentWriter, "write", fail_on_second_chunk)
    with pytest.raises(RuntimeError):
        run(ged_file(ged_row(id="1"), ged_row(id="2")))
    assert Incident.objects.count() == 0


def test_draft_option_keeps_new_incidents_unpublished(db, ged_file):
    run(ged_file(ged_row()), publish=False)
    assert Incident.objects.public().count() == 0


def test_an_uploaded_file_object_is_read_like_a_path(db):
    text = io.StringIO()
    writer = csv.DictWriter(text, GLOBAL_COLUMNS)
    writer.writeheader()
    writer.writerow(ged_row())
    upload = io.BytesIO(("\ufeff" + text.getvalue()).encode())  # with a byte-order mark
    assert run(upload).created == 1
    assert not upload.closed


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [(10, [11, 1], [9, 1]), (15, [11, 1], [14, 1]), (0, [3, 4], [0, 0]), (7, [3, 4], [3, 4])],
)
def test_spread_keeps_sums_and_order_of_estimates(total, weights, expected):
    assert spread(total, weights) == expected


def test_publishing_an_imported_draft_does_not_block_later_updates(db, ged_file, reviewer):
    run(ged_file(ged_row(id="1")), publish=False)
    Incident.objects.get().publish(by=reviewer)
    report = run(ged_file(ged_row(id="1", best="13", high="15", deaths_a="12")))
    assert (report.updated, report.conflicts) == (1, [])


def test_dry_run_counts_the_good_rows_even_when_some_are_rejected(db, ged_file):
    report = run(ged_file(ged_row(id="1"), ged_row(id="2", latitude="91")), dry_run=True)
    assert (report.created, len(report.rejected_rows), report.written) == (1, 1, False)
    assert Incident.objects.count() == 0


def test_free_text_sources_of_older_events_are_kept(db, ged_file):
    row = ged_row(source_article="'Reuters 1996-02-21'", source_office="", source_date="",
                  source_headline="")  # fmt: skip
    run(ged_file(row))
    citation = Incident.objects.get().citations.get()
    assert (citation.source.name, citation.excerpt) == (
        "UCDP GED (sources as UCDP lists them)",
        "Reuters 1996-02-21",
    )


# --- UCDP Candidate: the monthly releases of events not yet vetted ---------------------------


def candidate_row(**overrides):
    """One event as UCDP's monthly candidate file writes it: GED's 49 columns, dates with
    milliseconds, the old dataset ids empty, and a code_status that may flag it."""
    row = dict.fromkeys(GED_COLUMNS, "")
    row.update(
        {
            "id": "563101", "relid": "BFO-2025-1-1234-56", "year": "2025", "active_year": "False",
            "code_status": "Check deaths", "type_of_violence": "3",
            "conflict_new_id": "13681", "conflict_name": "JNIM - Civilians",
            "dyad_new_id": "13681", "dyad_name": "JNIM - Civilians",
            "side_a_new_id": "6516", "side_a": "JNIM", "side_b_new_id": "1",
            "side_b": "Civilians", "number_of_sources": "2",
            "source_article": '"Le Faso.net,2025-01-14,Attaque à Djibo";"AFP,2025-01-15,Burkina"',
            "where_prec": "1", "where_coordinates": "Djibo town",
            "where_description": "Djibo, Soum province", "adm_1": "Sahel region",
            "adm_2": "Soum province", "latitude": "14.101968", "longitude": "-1.627741",
            "geom_wkt": "POINT (-1.627741 14.101968)", "priogrid_gid": "149406",
            "country": "Burkina Faso", "country_id": "439", "region": "Africa",
            "event_clarity": "1", "date_prec": "1",
            "date_start": "2025-01-13 00:00:00.000", "date_end": "2025-01-13 00:00:00.000",
            "deaths_a": "0", "deaths_b": "0", "deaths_civilians": "9", "deaths_unknown": "0",
            "best": "9", "high": "12", "low": "9", "gwnoa": "", "gwnob": "",
        }
    )  # fmt: skip
    row.update(overrides)
    return row


def write_headerless(path, rows):
    """A candidate file as UCDP publishes some months: no header row, every cell quoted."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerows([row[column] for column in GED_COLUMNS] for row in rows)
    return path


@pytest.mark.parametrize("with_header", [True, False])
def test_candidate_events_import_with_or_without_a_header_row(db, tmp_path, with_header):
    rows = [candidate_row(), candidate_row(id="563102", code_status="Clear", best="2", low="2",
                                            high="2", deaths_civilians="2")]  # fmt: skip
    path = tmp_path / "GEDEvent_v25_0_1.csv"
    if with_header:
        write_csv(path, rows, columns=GED_COLUMNS)
    else:
        write_headerless(path, rows)

    report = run(path)

    assert (report.created, len(report.rejected)) == (2, 0)
    flagged = Incident.objects.get(ucdp_id="563101")
    assert (flagged.start_date.isoformat(), flagged.killed_best, flagged.killed_high) == (
        "2025-01-13",
        9,
        12,
    )
    assert (flagged.location.latitude, flagged.location.longitude) == (
        Decimal("14.101968"),
        Decimal("-1.627741"),
    )
    assert "“Check deaths”" in flagged.narrative
    assert flagged.dataset_fields["code_status"] == "Check deaths"
    assert flagged.dataset_fields["event_clarity"] == "1"
    assert "conflict_dset_id" not in flagged.dataset_fields  # empty in the file: not invented
    assert [c.source.name for c in flagged.citations.order_by("id")] == ["Le Faso.net", "AFP"]
    vetted = Incident.objects.get(ucdp_id="563102")
    assert "candidate" not in vetted.narrative


def test_a_later_candidate_release_updates_the_event_it_revises(db, tmp_path):
    write_headerless(tmp_path / "v25_0_1.csv", [candidate_row()])
    run(tmp_path / "v25_0_1.csv")
    revised = candidate_row(code_status="Clear", best="11", high="14", deaths_civilians="11")
    write_headerless(tmp_path / "v25_0_2.csv", [revised])

    report = run(tmp_path / "v25_0_2.csv")

    assert (report.created, report.updated) == (0, 1)
    incident = Incident.objects.get(ucdp_id="563101")
    assert (incident.killed_best, incident.killed_high) == (11, 14)
    assert "candidate" not in incident.narrative


def test_a_headerless_candidate_files_rejects_keep_its_columns(db, tmp_path):
    path = write_headerless(
        tmp_path / "candidate.csv", [candidate_row(), candidate_row(id="563102", latitude="91")]
    )
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(SystemExit) as exited:
        call_command(
            "import_events", path, "--format", "ucdp", "--skip-invalid", "--rejects", rejects
        )
    assert exited.value.code == 3
    with open(rejects, encoding="utf-8") as f:
        [rejected] = list(csv.DictReader(f))
    assert (rejected["row"], rejected["id"], rejected["latitude"]) == ("2", "563102", "91")


def test_a_file_whose_first_row_is_a_header_is_not_taken_for_data(db, ged_file):
    assert UcdpImporter().headerless_columns(GED_COLUMNS) is None
    assert UcdpImporter().headerless_columns(GLOBAL_COLUMNS) is None
