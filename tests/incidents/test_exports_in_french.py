"""A French-speaking analyst downloads the list from the French site (/fr/incidents.xlsx): the
workbook, the human format, is in French (sheet names, column labels, the Columns and About
sheets), while every column name and value a program reads stays as in English. CSV, JSON and
GeoJSON are the same bytes in both languages."""

import datetime
import io

import openpyxl
import pytest
from django.utils import translation

from incidents import exports
from incidents.exports import CSV_COLUMNS
from tests.factories import CountryFactory, IncidentFactory, LocationFactory

DOWNLOAD_DAY = datetime.date(2024, 9, 17)


@pytest.fixture
def incidents_in_mali(db, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: DOWNLOAD_DAY)
    mali = CountryFactory(iso3="MLI", name="Mali")
    IncidentFactory(
        start_date=datetime.date(2023, 9, 15),
        end_date=datetime.date(2023, 9, 17),
        location=LocationFactory(name="Ségou", country=mali),
        narrative="Des hommes armés ont attaqué le marché.",
        ucdp_id="1",
    )
    IncidentFactory(start_date=datetime.date(2023, 9, 1), location__country=mali)


def download(client, file_format, language, params=None):
    """The download from the site in `language`: /fr/incidents.xlsx in French, whoever asks."""
    prefix = "/fr" if language == "fr" else ""
    response = client.get(f"{prefix}/incidents.{file_format}", params or {})
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return b"".join(response.streaming_content) if response.streaming else response.content


def workbook(client, language, params=None):
    return openpyxl.load_workbook(io.BytesIO(download(client, "xlsx", language, params)))


def column_values(sheet, column):
    return [cell.value for cell in sheet[column]]


def test_xlsx_in_french_names_its_sheets_and_columns_in_french(client, incidents_in_mali):
    book = workbook(client, "fr")
    assert book.sheetnames == ["incidents", "Colonnes", "À propos"]
    header = [cell.value for cell in book["incidents"][1]]
    labels = dict(zip(CSV_COLUMNS, header, strict=True))
    assert labels["event_date"] == "Date"
    assert labels["event_type"] == "Type d'événement"
    assert labels["sub_event_type"] == "Sous-type d'événement"
    assert labels["fatalities"] == "Morts"
    assert labels["killed_low"] == "Tués, estimation basse"
    assert labels["admin2"] == "Cercle / département"
    assert labels["source_dataset"] == "Jeu de données source"
    # Every label is translated: none is left as its English label.
    with translation.override("en"):
        english = {column: str(exports.COLUMN_LABELS[column]) for column in CSV_COLUMNS}
    same = {"event_date", "interaction", "admin3", "latitude", "longitude", "source"}
    assert [column for column in CSV_COLUMNS if labels[column] == english[column]] == [
        column for column in CSV_COLUMNS if column in same
    ]


def test_xlsx_header_cells_note_the_column_names_in_every_language(client, incidents_in_mali):
    for language in ("en", "fr"):
        header = workbook(client, language)["incidents"][1]
        assert [cell.comment.text for cell in header] == CSV_COLUMNS


def test_xlsx_columns_sheet_maps_each_label_to_its_column_name_and_meaning(
    client, incidents_in_mali
):
    book = workbook(client, "fr")
    header, *rows = book["Colonnes"].iter_rows(values_only=True)
    assert header == ("Libellé", "Nom de la colonne", "Signification")
    assert [row[1] for row in rows] == CSV_COLUMNS
    assert [row[0] for row in rows] == [cell.value for cell in book["incidents"][1]]
    assert all(row[2] for row in rows)

    english = workbook(client, "en")
    header, *rows = english["Columns"].iter_rows(values_only=True)
    assert header == ("Label", "Column name", "Meaning")
    assert rows[CSV_COLUMNS.index("event_type")][:2] == ("Event type", "event_type")


def test_xlsx_rows_hold_the_same_values_in_both_languages(client, incidents_in_mali):
    french = list(workbook(client, "fr")["incidents"].iter_rows(min_row=2, values_only=True))
    english = list(workbook(client, "en")["incidents"].iter_rows(min_row=2, values_only=True))
    assert french == english
    event_type = CSV_COLUMNS.index("event_type")
    assert {row[event_type] for row in french} == {"Battles"}  # ACLED's value, as in the CSV


def test_xlsx_dates_read_day_first_in_french(client, incidents_in_mali):
    date_column = CSV_COLUMNS.index("event_date") + 1
    french = workbook(client, "fr")["incidents"].cell(row=2, column=date_column)
    english = workbook(client, "en")["incidents"].cell(row=2, column=date_column)
    assert french.value == english.value == datetime.datetime(2023, 9, 15)
    assert french.number_format == "dd/mm/yyyy"
    assert english.number_format == "yyyy-mm-dd"


def test_xlsx_about_sheet_in_french_says_when_which_filters_and_whose_data(
    client, incidents_in_mali
):
    lines = column_values(workbook(client, "fr", {"country": "MLI"})["À propos"], "A")
    assert lines[0] == "À propos de ce fichier"
    assert lines[1].startswith("Incidents téléchargés depuis incidentdb le 17 septembre 2024.")
    assert "La feuille «\u00a0Colonnes\u00a0»" in lines[1]
    assert lines[2].startswith("Les mêmes incidents sur le site\u00a0: http://testserver/")
    assert lines[2].endswith("incidents/?country=MLI")
    filters = lines.index("Filtres")
    assert "Mali" in lines[filters + 1]
    credits = lines.index("Crédits")
    assert lines[credits + 1].startswith("UCDP GED")
    assert lines[credits + 2].startswith("incidentdb")


def test_xlsx_about_sheet_in_english(client, incidents_in_mali):
    lines = column_values(workbook(client, "en")["About"], "A")
    assert lines[0] == "About this file"
    assert lines[1].startswith("Incidents downloaded from incidentdb on Sept. 17, 2024.")
    assert lines[2] == "The same incidents on the site: http://testserver/incidents/"
    filters = lines.index("Filters")
    assert lines[filters + 1] == "None: every published incident."
    assert "Credits" in lines


def test_xlsx_too_large_is_refused_in_french(client, db, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    IncidentFactory.create_batch(3)
    response = client.get("/fr/incidents.xlsx")
    assert response.status_code == 400
    (message,) = response.json()["errors"]["__all__"]
    assert message.startswith("Un fichier XLSX contient au plus 2 incidents\u00a0:")


@pytest.mark.parametrize(
    ("file_format", "params"),
    [("csv", {}), ("csv", {"hxl": "1", "excel": "1"}), ("json", {}), ("geojson", {})],
)
def test_machine_downloads_are_the_same_bytes_in_french(
    client, incidents_in_mali, file_format, params
):
    french = download(client, file_format, "fr", params)
    english = download(client, file_format, "en", params)
    assert french == english
    assert b"Battles" in french and b"Batailles" not in french
