"""Importing a file through the admin: upload, read the dry-run report, confirm."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.importers import runs
from incidents.models import ImportRun, Incident
from tests.incidents.test_import_gtd import gtd_row, write_xlsx
from tests.incidents.test_import_ucdp import GLOBAL_COLUMNS, ged_row

ADD_URL = reverse("admin:incidents_importrun_add")


def ged_upload(*rows, delimiter=","):
    text = io.StringIO()
    writer = csv.DictWriter(text, GLOBAL_COLUMNS, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("ged.csv", text.getvalue().encode(), content_type="text/csv")


def upload(client, *rows, skip_invalid=False, delimiter=","):
    data = {"format": "ucdp", "file": ged_upload(*rows, delimiter=delimiter)}
    if skip_invalid:
        data["skip_invalid"] = "on"
    return client.post(ADD_URL, data)


def test_analyst_previews_then_confirms_an_import(analyst_client, analyst):
    response = upload(analyst_client, ged_row(id="1"), ged_row(id="2"))
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:incidents_importrun_change", args=[run.pk])
    assert Incident.objects.count() == 0  # a preview writes nothing

    page = analyst_client.get(response.url).content.decode()
    assert "2 rows: 2 created, 0 updated" in page
    assert 'name="_confirm_import"' in page

    analyst_client.post(response.url, {"_confirm_import": "1"})
    run.refresh_from_db()
    assert run.imported_by == analyst and run.result["created"] == 2
    # An analyst's import arrives as drafts, for a reviewer to publish.
    assert Incident.objects.count() == 2 and Incident.objects.public().count() == 0
    assert set(Incident.objects.values_list("created_by__username", flat=True)) == {"analyst"}


def test_reviewers_import_is_published(reviewer_client):
    response = upload(reviewer_client, ged_row(id="1"))
    reviewer_client.post(response.url, {"_confirm_import": "1"})
    assert Incident.objects.public().count() == 1


def test_preview_lists_rejected_rows_and_offers_no_import(analyst_client):
    response = upload(analyst_client, ged_row(id="1"), ged_row(id="2", latitude="91"))
    page = analyst_client.get(response.url).content.decode()
    assert "row 3, latitude=&#x27;91&#x27;: out of range" in page
    assert 'name="_confirm_import"' not in page
    analyst_client.post(response.url, {"_confirm_import": "1"})
    assert Incident.objects.count() == 0


def test_skip_invalid_imports_the_good_rows(analyst_client):
    response = upload(
        analyst_client, ged_row(id="1"), ged_row(id="2", latitude="91"), skip_invalid=True
    )
    analyst_client.post(response.url, {"_confirm_import": "1"})
    assert list(Incident.objects.values_list("ucdp_id", flat=True)) == ["1"]


def test_a_file_with_the_wrong_delimiter_is_refused_on_the_form(analyst_client):
    response = upload(analyst_client, ged_row(), delimiter=";")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        "The columns are separated by semicolons; use commas: in Excel, save it as "
        '"CSV UTF-8 (comma delimited)", or export it again from the dataset.'
    ]
    assert not ImportRun.objects.exists()


def test_a_run_is_imported_once(analyst_client):
    response = upload(analyst_client, ged_row(id="1"))
    analyst_client.post(response.url, {"_confirm_import": "1"})
    second = analyst_client.post(response.url, {"_confirm_import": "1"}, follow=True)
    assert "This file was already imported by analyst at " in second.content.decode()
    assert ImportRun.objects.get().result["created"] == 1
    assert Incident.objects.count() == 1


def test_a_bad_byte_deep_in_the_file_is_reported_not_a_server_error(analyst_client):
    upload = ged_upload(*(ged_row(id=str(n)) for n in range(60)))
    content = upload.read() + b"400999,caf\xe9\n"  # Latin-1, past the first 8 KiB
    bad = SimpleUploadedFile("ged.csv", content, content_type="text/csv")
    response = analyst_client.post(ADD_URL, {"format": "ucdp", "file": bad})
    page = analyst_client.get(response.url).content.decode()
    assert "File refused: The file is not UTF-8 text" in page
    assert 'name="_confirm_import"' not in page


def test_a_gtd_workbook_uploads_previews_and_imports(reviewer_client, tmp_path):
    workbook = write_xlsx(tmp_path / "gtd.xlsx", [gtd_row(), gtd_row(eventid="201511200002")])
    upload = SimpleUploadedFile(
        "globalterrorismdb.xlsx",
        workbook.read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response = reviewer_client.post(ADD_URL, {"format": "gtd", "file": upload})
    page = reviewer_client.get(response.url).content.decode()
    assert "2 rows: 2 created, 0 updated" in page
    reviewer_client.post(response.url, {"_confirm_import": "1"})
    assert set(Incident.objects.public().values_list("gtd_event_id", flat=True)) == {
        "201511200001",
        "201511200002",
    }


def test_the_upload_form_states_the_size_limit(analyst_client, settings):
    page = analyst_client.get(ADD_URL).content.decode()
    assert "of up to 100 MB" in page
    settings.IMPORT_UPLOAD_MAX_MB = 5
    page = analyst_client.get(ADD_URL).content.decode()
    assert "of up to 5 MB. Import a larger file with `manage.py import_events`" in page


def test_a_long_report_shows_ten_of_each_list_and_folds_the_rest(analyst_client):
    """Hundreds of warnings (a real ACLED file has one in a hundred rows outside its
    country's outline) fold under the first ten, so that the confirm button stays near."""
    response = upload(analyst_client, ged_row(id="1"))
    run = ImportRun.objects.get()
    warnings = [f"row {n}, latitude/longitude='13.2, 1.05': outside" for n in range(2, 502)]
    run.preview = {**run.preview, "warnings": warnings, "warning_count": 1790}
    run.save(update_fields=["preview"])
    page = analyst_client.get(response.url).content.decode()
    shown, folded = page.split('<details class="import-report-more">')
    assert "row 11, latitude" in shown and "row 12, latitude" not in shown
    assert "<summary>490 more listed here, of 1,790 in all</summary>" in folded
    assert "row 12, latitude" in folded and "row 501, latitude" in folded
    assert 'name="_confirm_import"' in folded.split("</details>")[-1]


def test_a_short_report_folds_nothing(analyst_client):
    response = upload(analyst_client, ged_row(id="1"), ged_row(id="2", latitude="91"))
    page = analyst_client.get(response.url).content.decode()
    assert "row 3, latitude=&#x27;91&#x27;: out of range" in page
    assert "<details" not in page


def test_every_warning_of_the_dry_run_downloads_with_its_row(analyst_client, monkeypatch):
    """The page keeps the first few hundred warnings (runs.PROBLEMS_SHOWN); the download has
    every one, each row once with its cells, whether found reading the row (coordinates
    outside the country) or writing it (a province the gazetteer does not know, named without
    its region)."""
    monkeypatch.setattr(runs, "PROBLEMS_SHOWN", 1)
    swapped = {"latitude": "-1.6", "longitude": "14.1"}
    response = upload(
        analyst_client,
        ged_row(id="1"),
        ged_row(id="2", **swapped),
        ged_row(id="3"),
        ged_row(id="4", **swapped, adm_1="", adm_2="Nowhere province"),
    )
    run = ImportRun.objects.get()
    assert run.preview["warning_count"] == 3 and len(run.preview["warnings"]) == 1

    page = analyst_client.get(response.url).content.decode()
    url = reverse("admin:incidents_importrun_warnings", args=[run.pk])
    assert f'<a href="{url}">Download the 3 warnings with their rows (CSV)</a>' in page
    answer = analyst_client.get(url)
    assert answer["Content-Disposition"] == 'attachment; filename="ged.warnings.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [(row["row"], row["id"], row["adm_2"]) for row in rows] == [
        ("3", "2", "Soum province"),
        ("5", "4", "Nowhere province"),
    ]
    outside = "latitude/longitude: -1.6, 14.1 is "
    assert rows[0]["warnings"].startswith(outside)
    assert rows[1]["warnings"].startswith(outside)
    assert rows[1]["warnings"].endswith(
        "; adm_2: named without the area above it and not known in the country: the place "
        "is kept without it"
    )


def test_a_dry_run_without_warnings_offers_no_warnings_file(analyst_client):
    response = upload(analyst_client, ged_row(id="1"))
    run = ImportRun.objects.get()
    assert run.preview_warnings == b""
    assert "warnings.csv" not in analyst_client.get(response.url).content.decode()
