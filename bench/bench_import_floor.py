"""PostgreSQL's own share of a bulk import: the rows an import wrote, put back with no Python.

    python bench/bench_import.py --file /tmp/bench-data/1m/events.csv --sizes 1000000 --runs 1
    python bench/bench_import_floor.py            # replays what that import left

Reads every row that an import wrote into a database (by default `incidentdb_bench_import`,
as bench_import.py leaves it) out into files, then, into a fresh copy of the migrated template,
does what the bulk import asks of PostgreSQL, in one transaction and one connection as the
import does (importers/bulk.py): sets the indexes, foreign keys and triggers aside, COPYs the
rows back table by table, writes the search entries 2,000 incidents a statement, runs
BulkLoad.finish() and the ANALYZE. Each step is timed, with the CPU of the server's backend
(its parallel index-building workers not counted).

The sum is how long a bulk import of those rows would take if reading, checking and turning
rows into COPY text cost nothing: a floor for import speed on this machine and this schema.
Compare it with bench_import.py's time for the same rows, from the same run.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_import import DATABASE, TEMPLATE, database_env, machine  # noqa: E402

FLOOR_DATABASE = f"{DATABASE}_floor"


def dump(source, tables, folder):
    """Each table's rows, in COPY's text format, into folder/<table>.txt."""
    for table in tables:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", source, "-qc",
             f"\\copy {table} TO '{folder}/{table}.txt'"],
            check=True,
        )  # fmt: skip


def replay(folder):
    """In this process's database (DATABASE_URL): the rows back through the bulk import's
    steps. Returns [(step, seconds, backend CPU seconds)]."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from incidents.importers import importing
    from incidents.models.search import search_entries_upsert

    steps = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

        def step(name, work):
            cpu, started = backend_cpu(backend), time.perf_counter()
            work()
            steps.append((name, time.perf_counter() - started, backend_cpu(backend) - cpu))
            print(f"  {name:<40} {steps[-1][1]:7.2f} s  (CPU {steps[-1][2]:6.2f} s)", flush=True)

        def copy(table):
            with open(Path(folder) / f"{table}.txt") as rows:
                cursor.copy_expert(f"COPY {table} FROM STDIN", rows, size=2**20)

        def search_entries():
            cursor.execute(f"SELECT id FROM {incident_table()} ORDER BY id")
            ids = [row[0] for row in cursor.fetchall()]
            for start in range(0, len(ids), 2000):
                cursor.execute(*search_entries_upsert(ids[start : start + 2000]))

        # The template's own (the migrations') tactics come back with the rest.
        cursor.execute(f"DELETE FROM {lookup_tables()[-1]}")
        with importing._bulk_writing():
            bulk = importing._bulk_load(True, dry_run=False)
            step("set aside indexes, keys, triggers", bulk.begin)
            step("COPY places, actors, sources, tactics", lambda: list(map(copy, lookup_tables())))
            for table in row_tables():
                step(f"COPY {table}", lambda table=table: copy(table))
            step("search entries", search_entries)
            step("finish(): counts, indexes, keys", bulk.finish)
        step("ANALYZE", importing._analyze_written_tables)
    return steps


def backend_cpu(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def incident_table():
    from incidents.models import Incident

    return Incident._meta.db_table


def lookup_tables():
    """What an import creates beside its incidents when a row names them; Tactic last."""
    from incidents.models import Actor, AdminArea, Country, Location, Source, Tactic

    return [m._meta.db_table for m in (Country, AdminArea, Location, Actor, Source, Tactic)]


def row_tables():
    from incidents.importers.writing import child_models

    return [incident_table(), *(model._meta.db_table for model in child_models())]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", default=DATABASE, help="the imported database")
    parser.add_argument("--replay", help=argparse.SUPPRESS)  # the child's part: a folder
    args = parser.parse_args()
    if args.replay:
        replay(args.replay)
        return
    os.environ.update(database_env(args.source))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(f"machine: {machine()}")
    count = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", args.source, "-tAc",
         f"SELECT count(*) FROM {incident_table()}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"workload: the {int(count):,} incidents of {args.source} and their rows")
    with tempfile.TemporaryDirectory() as folder:
        dump(args.source, [*lookup_tables(), *row_tables()], folder)
        for command in (["dropdb", "--if-exists"], ["createdb", "-T", TEMPLATE]):
            subprocess.run(
                [command[0], "-h", "127.0.0.1", "-U", "postgres", *command[1:], FLOOR_DATABASE],
                check=True,
            )
        print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--replay", folder],
            env=database_env(FLOOR_DATABASE),
            check=True,
        )
        seconds = time.perf_counter() - started
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", FLOOR_DATABASE], check=True)
    print(
        f"floor: {seconds:.1f} s for {int(count):,} incidents, {int(count) / seconds:,.0f} rows/s "
        f"with no Python per row; load average after: "
        f"{' '.join(f'{n:.2f}' for n in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
