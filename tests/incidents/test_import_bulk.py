"""The bulk path of a big import on PostgreSQL (importers/bulk.py BulkLoad): the same database
contents as the row-by-row path, and every index and foreign key back once it is done."""

import csv

import pytest
from django.db import DataError, IntegrityError, connection, models, transaction

from incidents import counts
from incidents.acled import ACLED_COLUMNS
from incidents.choices import Status
from incidents.importers import bulk as bulk_module
from incidents.importers import importing
from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from incidents.importers.writing import IncidentWriter, bulk_written_tables, child_models
from incidents.models import (
    Actor,
    AdminArea,
    Country,
    Incident,
    IncidentActor,
    Location,
    PublicIncidentDay,
    PublicIncidentMonth,
    PublicIncidentYear,
    SearchEntry,
    Source,
    Tactic,
)
from tests.incidents.test_import_acled import acled_row

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk path is PostgreSQL's (SQLite has one)"
)

# What a row of each table is named by in a snapshot, instead of ids that differ between runs.
NATURAL_KEYS = {
    Incident: "acled_event_id",
    Location: "name",
    Actor: "name",
    Source: "name",
    Tactic: "name",
    Country: "iso3",
    AdminArea: "name",
}


def varied_rows(changed=False):
    """Thirty ACLED rows over a few places, actors, sources and tags; `changed` gives every
    third one more death and a new second source."""
    rows = []
    for n in range(30):
        more = changed and n % 3 == 0
        rows.append(
            acled_row(
                event_id_cnty=f"MLI{n}",
                event_date=f"2023-09-{n % 28 + 1:02d}",
                location=f"Village {n % 7}",
                latitude=f"14.{n % 7}",
                admin2=["Djenne", "Mopti", ""][n % 3],
                actor1=f"Armed group {n % 4}",
                # ACLED codes per event: groups 1 and 3 are 8 in some rows, 2 in the others.
                inter1="8" if n % 6 == 1 else "2",
                assoc_actor_1="Militia A; Militia B" if n % 5 == 0 else "",
                actor2="" if n % 4 == 0 else "Civilians (Mali)",
                inter2="0" if n % 4 == 0 else "7",
                assoc_actor_2="" if n % 4 == 0 else "Wagner Group",
                source="Studio Tamani; AFP; RFI" if more else f"Source {n % 3}; AFP",
                # ACLED's words, which each incident keeps as written (dataset_fields).
                source_scale=["National", "New media-National", "Local partner-Other"][n % 3],
                fatalities=str(n % 9 + (1 if more else 0)) if n % 6 else "",
                tags="Coordinated; Ambush" if n % 2 else "",
                notes=f"Event {n} near village {n % 7}.",
            )
        )
    return rows


def acled_file(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot():
    """Every row of the tables an import writes and of the public count tables, without ids
    or timestamps: foreign keys as the natural key of the row they point to."""
    tables = {}
    # The count tables name a country and a region by id, not by a foreign key.
    areas = {
        "country_id": dict(Country.objects.values_list("pk", "iso3")),
        "admin1_id": {0: "", **dict(AdminArea.objects.values_list("pk", "name"))},
    }
    for model in [
        Incident,
        Location,
        Actor,
        Source,
        Tactic,
        *child_models(),
        PublicIncidentDay,
        PublicIncidentMonth,
        PublicIncidentYear,
    ]:
        names = []
        for field in model._meta.concrete_fields:
            if field.primary_key or isinstance(field, models.DateTimeField):
                continue
            target = field.related_model if field.is_relation else None
            names.append(
                f"{field.name}__{NATURAL_KEYS[target]}" if target in NATURAL_KEYS else field.attname
            )
        rows = model.objects.values_list(*names, named=True)
        if model in (PublicIncidentDay, PublicIncidentMonth, PublicIncidentYear):
            rows = [
                row._replace(**{name: areas[name][getattr(row, name)] for name in areas})
                for row in rows
            ]
        tables[model.__name__] = sorted(map(repr, rows))
    return tables


def catalog():
    """The indexes and constraints of the tables an import writes, and of the actor counts
    that a bulk import fills again at its end, as PostgreSQL defines them."""
    tables = [*bulk_written_tables(), *(m._meta.db_table for m in importing.ACTOR_COUNT_MODELS)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY (%s::regclass[]) "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY (%s::regclass[])",
            [tables, tables],
        )
        return sorted(cursor.fetchall())


def imported_twice(path_first, path_second, bulk):
    """The snapshot after importing both files, the second one with `bulk`; rolled back."""
    with transaction.atomic():
        import_file(path_first, AcledImporter(), bulk=False)
        report = import_file(path_second, AcledImporter(), bulk=bulk)
        assert report.written and not report.rejected
        contents = snapshot()
        transaction.set_rollback(True)
    return contents, report


def test_a_bulk_import_writes_what_a_row_by_row_import_writes(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 7)  # several chunks, the last one short
    first = acled_file(tmp_path / "first.csv", varied_rows()[:12])
    second = acled_file(tmp_path / "second.csv", varied_rows(changed=True))
    indexes_and_keys = catalog()

    row_by_row, report = imported_twice(first, second, bulk=False)
    bulk, bulk_report = imported_twice(first, second, bulk=True)

    assert (bulk_report.created, bulk_report.updated) == (report.created, report.updated)
    assert (report.created, report.updated) == (18, 4)  # rows 0, 3, 6, 9 of the first twelve
    assert bulk == row_by_row
    assert len(bulk["Incident"]) == 30 and bulk["PublicIncidentDay"]
    assert sum("{'source_scale': 'Local partner-Other'}" in row for row in bulk["Incident"]) == 10
    assert catalog() == indexes_and_keys


def test_a_bulk_import_keeps_each_roles_inter_code(db, tmp_path):
    import_file(acled_file(tmp_path / "a.csv", varied_rows()), AcledImporter(), bulk=True)
    roles = IncidentActor.objects.values_list("incident__acled_event_id", "role", "actor_type")
    coded = {(key, role): code for key, role, code in roles}
    assert (coded["MLI1", "perpetrator"], coded["MLI5", "perpetrator"]) == (8, 2)  # group 1
    assert coded["MLI1", "target"] == 7
    assert coded["MLI5", "perpetrator_associate"] is None  # Militia A and B: never coded
    assert Actor.objects.get(name="Militia A").actor_type is None


def test_a_bulk_import_leaves_every_index_and_foreign_key_as_it_was(db, tmp_path):
    before = catalog()
    assert any("incident_acled_id_folded_idx" in name for name, _definition in before)
    assert any("publicincidentactors_region_idx" in name for name, _definition in before)
    report = import_file(acled_file(tmp_path / "a.csv", varied_rows()), AcledImporter(), bulk=True)
    assert report.created == 30
    assert catalog() == before
    # The foreign keys are back and checked: a missing place is refused at the commit.
    with pytest.raises(IntegrityError, match="incidents_location"):
        with transaction.atomic():
            Incident.objects.filter(acled_event_id="MLI1").update(location_id=-1)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_bulk_import_that_fails_leaves_the_tables_as_they_were(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 10)
    before = catalog()
    rows = varied_rows()
    rows[25]["event_date"] = "someday"  # after two chunks went in
    report = import_file(acled_file(tmp_path / "a.csv", rows), AcledImporter(), bulk=True)
    assert report.rejected and not report.written
    assert Incident.objects.count() == 0
    assert catalog() == before


def test_an_import_into_a_big_table_keeps_its_indexes(db, tmp_path, monkeypatch):
    # Rebuilding them over what the table already holds would cost more than it saves, and
    # lock readers out: only an (almost) empty table, or an import asked to, goes the bulk way.
    monkeypatch.setattr(importing, "BULK_LOAD_MAX_INCIDENTS", 5)
    import_file(acled_file(tmp_path / "a.csv", varied_rows()[:6]), AcledImporter())
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = import_file(acled_file(tmp_path / "b.csv", varied_rows()), AcledImporter())
    assert report.created == 24
    assert not [sql for sql in statements if sql.startswith(("DROP", "ALTER", "CREATE"))]


def test_a_childs_incident_index_is_set_aside_only_where_a_unique_index_can_stand_in(db, tmp_path):
    # A re-import deletes a changed incident's child rows by incident: through the unique index
    # that starts with incident_id where the table has one (casualties, actor roles, tactics),
    # else through the incident_id index, which then stays while the rows go in.
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        import_file(acled_file(tmp_path / "a.csv", varied_rows()), AcledImporter(), bulk=True)
    dropped = " ".join(sql for sql in statements if sql.startswith("DROP INDEX"))
    for table in ("casualty", "incidentactor", "incident_tactics"):
        assert f"incidents_{table}_incident_id_" in dropped
    for table in ("sourcereport", "citation"):
        assert f"incidents_{table}_incident_id_" not in dropped


@pytest.mark.parametrize("bulk", [True, False])
def test_a_copy_that_fails_in_its_thread_fails_the_import_and_writes_nothing(
    db, tmp_path, monkeypatch, bulk
):
    # The COPYs run in a thread of their own (bulk.RowInserter), while the next chunk is built:
    # their error must still reach the import, roll it back and leave the connection usable.
    monkeypatch.setattr(importing, "CHUNK_SIZE", 7)
    copy_statement = bulk_module.copy_statement
    incident_copies = []

    def second_incident_copy_broken(connection, model, columns, rows):
        sql, text = copy_statement(connection, model, columns, rows)
        if model is Incident:
            incident_copies.append(sql)
            if len(incident_copies) == 2:
                return sql, "not a number\n"
        return sql, text

    monkeypatch.setattr(bulk_module, "copy_statement", second_incident_copy_broken)
    with pytest.raises(DataError):
        import_file(acled_file(tmp_path / "a.csv", varied_rows()), AcledImporter(), bulk=bulk)
    assert Incident.objects.count() == 0
    assert not Location.objects.exists()


def derived_triggers():
    """The transaction's setting that the derived tables' triggers read ("off" silences them),
    or None when never set."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [bulk_module.DERIVED_TRIGGERS])
        return cursor.fetchone()[0] or None


def test_a_bulk_import_counts_and_moves_the_data_version_on_as_its_triggers_would(
    db, tmp_path, monkeypatch
):
    # The count tables' and the incidents' parts' triggers are off while a bulk load's rows go
    # in: the tables are counted again at its end, and the data version moves on once, so that
    # nothing remembered before the import is served after it.
    monkeypatch.setattr(importing, "CHUNK_SIZE", 7)
    import_file(acled_file(tmp_path / "a.csv", varied_rows()[:5]), AcledImporter(), bulk=False)
    version = counts.read_data_version()
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = import_file(
            acled_file(tmp_path / "b.csv", varied_rows(changed=True)), AcledImporter(), bulk=True
        )
    assert (report.created, report.updated) == (25, 2)
    # Off by a setting of the transaction, which takes no lock, not by DISABLE TRIGGER.
    assert "SET LOCAL incidentdb.derived_triggers = 'off'" in statements
    assert not [sql for sql in statements if "DISABLE TRIGGER" in sql]
    assert counts.differences() == []
    assert PublicIncidentYear.objects.get().incidents == 30
    assert counts.read_data_version() > version
    assert derived_triggers() == "on"


def test_after_a_bulk_import_the_counts_and_the_version_follow_each_change_again(db, tmp_path):
    import_file(acled_file(tmp_path / "a.csv", varied_rows()), AcledImporter(), bulk=True)
    version = counts.read_data_version()
    Incident.objects.filter(acled_event_id="MLI3").update(status=Status.DRAFT)
    assert counts.differences() == []
    assert PublicIncidentYear.objects.get().incidents == 29
    assert counts.read_data_version() > version
    version = counts.read_data_version()
    Incident.objects.get(acled_event_id="MLI4").casualties.update(note="Checked again.")
    assert counts.read_data_version() > version


def test_a_failed_bulk_import_leaves_the_count_triggers_on(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 10)
    rows = varied_rows()
    rows[25]["event_date"] = "someday"
    report = import_file(acled_file(tmp_path / "a.csv", rows), AcledImporter(), bulk=True)
    assert report.rejected and not report.written
    assert derived_triggers() is None  # the rollback to the import's savepoint took it back
    import_file(acled_file(tmp_path / "b.csv", varied_rows()[:3]), AcledImporter(), bulk=False)
    assert counts.differences() == []
    assert PublicIncidentYear.objects.get().incidents == 3


# --- the derived tables' triggers off by a setting (migration 0032) ----------------------------


def triggers_of_derived_tables():
    """(name, definition) of each trigger that keeps a derived table, but TRUNCATE's."""
    prefixes = [bulk_module.like_prefix(p) for p in bulk_module.DERIVED_TRIGGER_PREFIXES]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgname LIKE ANY (%s) AND tgtype & 32 = 0",
            [prefixes],
        )
        return cursor.fetchall()


def test_every_trigger_of_the_derived_tables_reads_the_setting(db):
    # A trigger added later without the condition would fire in a bulk load and a dry run.
    triggers = triggers_of_derived_tables()
    assert len(triggers) > 30
    assert [name for name, sql in triggers if "incidentdb.derived_triggers" not in sql] == []


def test_a_dry_run_writes_no_derived_rows_and_the_write_after_it_does(db, tmp_path, monkeypatch):
    seen = []
    write = IncidentWriter.write

    def write_and_look(self, records):
        write(self, records)
        derived = SearchEntry.objects.count(), PublicIncidentDay.objects.count()
        seen.append((Incident.objects.count(), *derived))

    monkeypatch.setattr(IncidentWriter, "write", write_and_look)
    path = acled_file(tmp_path / "a.csv", varied_rows())
    version = counts.read_data_version()
    report = import_file(path, AcledImporter(), dry_run=True)
    assert report.created == 30 and not report.written
    assert seen == [(30, 0, 0)]  # the rows were written, and nothing derived from them
    assert counts.read_data_version() == version
    # In the same transaction (the test's), the next import's triggers fire again.
    import_file(path, AcledImporter(), bulk=False)
    assert SearchEntry.objects.count() == 30
    assert counts.differences() == []
    assert counts.read_data_version() > version
