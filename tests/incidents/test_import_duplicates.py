"""An import's dry run names, row by row, the incidents already entered that the row probably
reports again (typed by hand, or imported from another dataset), on the command line and in
the admin's preview, and counts them in its report."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.choices import ActorRole, DatePrecision, Status
from incidents.importers import importing
from incidents.importers.importing import import_file
from incidents.importers.resemblance import DuplicateFinder
from incidents.importers.ucdp import UcdpImporter
from incidents.models import EventType, ImportRun, Incident
from tests.factories import (
    ActorFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
)
from tests.incidents.test_admin_import import upload
from tests.incidents.test_import_ucdp import ged_row, write_csv

DJIBO = (Decimal("14.10000"), Decimal("-1.60000"))  # where ged_row places its ambush


def entered(latitude=DJIBO[0], longitude=DJIBO[1], **fields):
    """An incident typed by hand near Djibo on the day of ged_row's ambush."""
    place = LocationFactory(name="Gaskindé", latitude=latitude, longitude=longitude)
    fields = {"title": "Convoy", "start_date": datetime.date(2022, 9, 26), **fields}
    return IncidentFactory(location=place, **fields)


def dry_run(tmp_path, *rows):
    return import_file(write_csv(tmp_path / "ged.csv", list(rows)), UcdpImporter(), dry_run=True)


def found_rows(report):
    return {found.row: [pk for pk, _label in found.incidents] for found in report.likely_duplicates}


def test_a_row_of_an_event_entered_by_hand_names_it(db, tmp_path):
    typed = entered(latitude=Decimal("14.15000"), longitude=Decimal("-1.55000"))  # 7 km away
    report = dry_run(tmp_path, ged_row(id="1"))
    assert found_rows(report) == {2: [typed.pk]}
    assert "2022-09-26 · Gaskindé" in str(report.likely_duplicates[0])
    assert "1 probably already entered" in report.summary()
    assert report.created == 1  # it is still a new incident to the import


@pytest.mark.parametrize(
    "change",
    [
        {"latitude": Decimal("14.40000")},  # 33 km north
        {"start_date": datetime.date(2022, 9, 28)},  # two days later, both known to the day
        {"status": Status.RETRACTED},
        {"event_type": "protests", "sub_event_type": None},  # another kind, no actor in common
    ],
)
def test_an_incident_unlike_the_row_is_not_named(db, tmp_path, change):
    if "event_type" in change:
        change["event_type"] = EventType.objects.get(code=change["event_type"])
    entered(**change)
    report = dry_run(tmp_path, ged_row(id="1"))
    assert report.likely_duplicates == []
    assert "probably" not in report.summary()


def test_a_precision_widens_the_dates_compared(db, tmp_path):
    month = entered(start_date=datetime.date(2022, 9, 1), date_precision=DatePrecision.MONTH)
    assert found_rows(dry_run(tmp_path, ged_row(id="1"))) == {2: [month.pk]}


def test_an_actor_in_common_is_enough_when_the_event_types_differ(db, tmp_path):
    jnim = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin")
    jnim.aliases.create(name="JNIM")
    other_kind = entered(event_type=EventType.objects.get(code="protests"), sub_event_type=None)
    IncidentActorFactory(incident=other_kind, actor=jnim, role=ActorRole.TARGET)
    # ged_row's side_b is "JNIM": the alias.
    assert found_rows(dry_run(tmp_path, ged_row(id="1"))) == {2: [other_kind.pk]}


def test_the_incident_a_row_updates_is_not_its_duplicate(db, tmp_path):
    import_file(write_csv(tmp_path / "first.csv", [ged_row(id="1")]), UcdpImporter())
    report = dry_run(tmp_path, ged_row(id="1", best="13", deaths_a="12"))
    assert report.updated == 1
    assert report.likely_duplicates == []


def test_rows_of_one_file_are_not_each_others_duplicates(db, tmp_path, monkeypatch):
    monkeypatch.setattr(
        importing, "CHUNK_SIZE", 2
    )  # the second chunk is read after the first is written
    typed = entered(title="Hand-typed")
    rows = [ged_row(id=str(n)) for n in range(1, 6)]
    assert found_rows(dry_run(tmp_path, *rows)) == {n: [typed.pk] for n in range(2, 7)}


def test_a_chunk_is_checked_in_a_few_queries_however_many_rows(db, django_assert_max_num_queries):
    # 300 rows at 300 places, each near an incident entered by hand, with an actor to look up.
    records = []
    importer = UcdpImporter()
    jnim = ActorFactory(name="JNIM")
    for n in range(300):
        latitude = Decimal("10") + Decimal(n) / 10
        incident = entered(
            latitude=latitude,
            event_type=EventType.objects.get(code="protests"),
            sub_event_type=None,
        )
        IncidentActorFactory(incident=incident, actor=jnim)
        row = ged_row(id=str(n + 1), latitude=str(latitude))
        records.append(importer.parse_row(row, n + 2))
    finder = DuplicateFinder(importer)
    # The grid of places, the incidents at them, the actors' names and aliases, the roles of
    # the candidates, the labels of those found.
    with django_assert_max_num_queries(6):
        found = finder.find(records)
    assert len(found) == 300


def test_the_command_lists_them_and_saves_them_all(db, tmp_path, capsys):
    typed = entered()
    path = write_csv(tmp_path / "ged.csv", [ged_row(id="1"), ged_row(id="2", latitude="9")])
    saved = tmp_path / "duplicates.csv"
    call_command("import_events", path, "--format", "ucdp", "--dry-run", "--duplicates", saved)
    out, err = capsys.readouterr()
    assert f"likely duplicate: row 2, id=1: probably incident {typed.pk}" in err
    assert "1 probably already entered" in out
    with open(saved, newline="") as lines:
        assert list(csv.reader(lines)) == [
            ["row", "id", "incident_id", "incident"],
            ["2", "1", str(typed.pk), str(typed)],
        ]
    assert Incident.objects.count() == 1


def test_the_admin_preview_links_them_and_offers_the_download(analyst_client):
    typed = entered()
    response = upload(analyst_client, ged_row(id="1"), ged_row(id="2", latitude="9"))
    page = analyst_client.get(response.url).content.decode()
    assert "Probably already entered: 1 row" in page
    assert reverse("admin:incidents_incident_change", args=[typed.pk]) in page
    assert "1 probably already entered" in page
    run = ImportRun.objects.get()
    download = analyst_client.get(
        reverse("admin:incidents_importrun_likely_duplicates", args=[run.pk])
    )
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines[1][:3] == ["2", "1", str(typed.pk)]
    assert lines[1][4].endswith(reverse("admin:incidents_incident_change", args=[typed.pk]))
    # Once imported, the run's own incidents are not listed as duplicates of its rows.
    reviewer = UserFactory(username="boss", group="Reviewer")
    analyst_client.force_login(reviewer)
    analyst_client.post(response.url, {"_confirm_import": "1"})
    download = analyst_client.get(
        reverse("admin:incidents_importrun_likely_duplicates", args=[run.pk])
    )
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert [line[2] for line in lines[1:]] == [str(typed.pk)]


def test_a_long_list_of_likely_duplicates_folds_under_its_first_ten(analyst_client):
    # A real ACLED file re-uploaded beside its own import lists thousands of them.
    response = upload(analyst_client, ged_row(id="1"))
    run = ImportRun.objects.get()
    found = [{"row": n, "incidents": [[n, f"incident {n}"]]} for n in range(2, 32)]
    run.preview = {**run.preview, "likely_duplicates": found, "likely_duplicate_count": 2148}
    run.save(update_fields=["preview"])
    page = analyst_client.get(response.url).content.decode()
    shown, folded = page.split("Probably already entered", 1)[1].split(
        '<details class="import-report-more">', 1
    )
    assert "row 11:" in shown and "row 12:" not in shown
    assert "<summary>20 more listed here, of 2,148 in all</summary>" in folded
    assert "row 31:" in folded


def test_an_incident_lasting_months_is_found_beside_shorter_ones(db, tmp_path):
    # Earlier, shorter incidents at the same place come first in time but end before the row.
    for month in range(1, 6):
        entered(start_date=datetime.date(2022, month, 3), title=f"Earlier {month}")
    siege = entered(start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2022, 12, 31))
    assert found_rows(dry_run(tmp_path, ged_row(id="1"))) == {2: [siege.pk]}
