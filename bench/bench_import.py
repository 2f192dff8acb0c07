"""Import speed: ACLED-format rows into an empty PostgreSQL database, then imported again.

    make bench-import                      # the shared 1M ACLED file: first 100,000 rows, all
    python bench/bench_import.py 100000 [--runs 3] [--reimport] [--changed 100]
    python bench/bench_import.py --file /tmp/bench-data/1m/events.csv --sizes 100000 1000000

Writes a deterministic ACLED CSV (realistic mix: a few hundred places in Mali, Burkina Faso
and Niger, ~60 actors, heavy-tailed fatalities, 1–3 sources per event), or takes --file, then
times `import_events --format acled` into a fresh database `incidentdb_bench_import` (made
from a migrated template, `incidentdb_bench_import_template`, kept between runs), in a child
process whose own peak memory is measured (os.wait4). Prints the workload, the machine, and
for N/10 and N rows (or the file's) the median over --runs of the time and rows/s, each run's
time, the largest peak RSS, to show whether memory grows with the file, and the CPU seconds
of the import process and of its PostgreSQL backend (medians). With --file and --sizes, the
first N rows of the file for each N. With --reimport, the second import of the same file
(every row unchanged, nothing written) is timed too; with --changed K, a third import of the
file with K rows changed (their fatalities) is timed. The machine is shared: the load average
is printed before and after each line; compare medians. BENCH_IMPORT_DATABASE names the
database (and, with "_template", its template) instead of incidentdb_bench_import.
"""

import argparse
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# BENCH_IMPORT_DATABASE names the database (and, with _template, its template) so that two
# sessions on one server each import into their own.
DATABASE = os.environ.get("BENCH_IMPORT_DATABASE", "incidentdb_bench_import")

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
COUNTRIES = [
    ("Mali", "466", ["Mopti", "Gao", "Tombouctou", "Kidal", "Ménaka", "Ségou"], 14.5, -3.5),
    (
        "Burkina Faso",
        "854",
        ["Sahel", "Est", "Centre-Nord", "Nord", "Boucle du Mouhoun"],
        12.8,
        -1.2,
    ),
    ("Niger", "562", ["Tillabéri", "Tahoua", "Diffa", "Maradi"], 14.8, 3.5),
]
EVENTS = [
    ("Battles", "Armed clash", 30),
    ("Violence against civilians", "Attack", 30),
    ("Violence against civilians", "Abduction/forced disappearance", 6),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", 10),
    ("Explosions/Remote violence", "Air/drone strike", 6),
    ("Explosions/Remote violence", "Suicide bomb", 2),
    ("Strategic developments", "Looting/property destruction", 6),
    ("Protests", "Peaceful protest", 6),
    ("Riots", "Mob violence", 4),
]
ACTORS = (
    [(f"Armed group {n}", 2) for n in range(30)]
    + [(f"Military Forces of country {n}", 1) for n in range(10)]
    + [(f"Communal militia {n}", 4) for n in range(15)]
    + [("Civilians", 7), ("Protesters", 6)]
)
SOURCES = [
    (f"Source {n}", scale)
    for n, scale in enumerate(["National", "Local", "International", "Regional"] * 25)
]


def write_acled_file(path, rows):
    rng = random.Random(42)
    places = []
    for country, iso, regions, lat, lon in COUNTRIES:
        for n in range(150):
            places.append(
                (country, iso, rng.choice(regions), f"Village {country[:3]} {n}",
                 round(lat + rng.uniform(-2, 2), 4), round(lon + rng.uniform(-2, 2), 4))
            )  # fmt: skip
    events, weights = zip(*(((e, s), w) for e, s, w in EVENTS), strict=True)
    start = date(2012, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            event_type, sub_event_type = rng.choices(events, weights)[0]
            country, iso, region, location, lat, lon = rng.choice(places)
            actor1, inter1 = rng.choice(ACTORS)
            actor2, inter2 = rng.choice(ACTORS)
            day = start + timedelta(days=rng.randrange(4700))
            fatalities = min(int(rng.paretovariate(1.3)) - 1, 500)
            sources = rng.sample(SOURCES, rng.randint(1, 3))
            writer.writerow([
                f"BENCH{n}", day.isoformat(), day.year, rng.choice([1, 1, 1, 2, 3]),
                "Political violence", event_type, sub_event_type, actor1, "", inter1, actor2, "",
                inter2, f"{min(inter1, inter2)}{max(inter1, inter2)}",
                "Civilian targeting" if inter2 == 7 else "", iso, "Western Africa", country,
                region, "", "", location, lat, lon, rng.choice([1, 1, 2, 3]),
                "; ".join(name for name, _ in sources), "-".join(s for _, s in sources),
                f"Synthetic event {n}.", fatalities, "", 1700000000 + n,
            ])  # fmt: skip


TEMPLATE = f"{DATABASE}_template"


def migrated_template():
    """A migrated empty database to copy for each run (a copy takes a second, a migrate a
    minute): made once, and again when the tree has a migration it has not."""
    env = database_env(TEMPLATE)
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", TEMPLATE], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)


def database_env(name):
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "DEBUG": "false",
        "SECRET_KEY": "bench",
    }


def fresh_database():
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", TEMPLATE, DATABASE], check=True
    )


def timed_import(path):
    """(seconds, peak RSS in MiB, CPU s of the process, CPU s of its PostgreSQL backend) of
    `import_events` of the file, in a child process."""
    command = [sys.executable, str(ROOT / "manage.py"), "import_events", str(path)]
    started = time.perf_counter()
    child = subprocess.Popen([*command, "--format", "acled"], env=database_env(DATABASE))
    backend = BackendCpu(child)
    backend.start()
    # The child's own rusage: RUSAGE_CHILDREN would be the largest of every child so far.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    backend.join()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"import_events failed with status {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, backend.seconds


class BackendCpu(threading.Thread):
    """The CPU time of the PostgreSQL backend serving the import, read from /proc every 0.2 s
    until the import ends (so up to 0.2 s short): the server's share of the work."""

    def __init__(self, child):
        super().__init__(daemon=True)
        self.child, self.seconds = child, 0.0

    def run(self):
        pid = None
        while self.child.poll() is None:
            if pid is None:
                pid = subprocess.run(
                    ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
                     "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
                     f"AND datname = '{DATABASE}' ORDER BY backend_start DESC LIMIT 1"],
                    capture_output=True, text=True,
                ).stdout.strip() or None  # fmt: skip
            else:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    break
                self.seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            time.sleep(0.2)


def with_changes(path, changed, folder):
    """A copy of the ACLED file with `changed` rows spread through it given one more death."""
    with open(path, newline="", encoding="utf-8") as source:
        rows = sum(1 for _ in source) - 1
    every = max(rows // max(changed, 1), 1)
    copy = Path(folder) / f"changed-{changed}-{Path(path).name}"
    with (
        open(path, newline="", encoding="utf-8") as source,
        open(copy, "w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, reader.fieldnames)
        writer.writeheader()
        for n, row in enumerate(reader):
            if n % every == 0 and n // every < changed:
                row["fatalities"] = str(int(row["fatalities"] or 0) + 1)
            writer.writerow(row)
    return copy


def first_rows(path, rows, folder):
    """A copy of the CSV file with its header and first `rows` rows (read as CSV: a cell may
    hold line breaks)."""
    copy = Path(folder) / f"first-{rows}-{Path(path).name}"
    with (
        open(path, newline="", encoding="utf-8") as source,
        open(copy, "w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(source), csv.writer(out)
        for _ in range(rows + 1):
            if (row := next(reader, None)) is None:
                break
            writer.writerow(row)
    return copy


def run_series(path, reimport, changed, folder):
    """{what: (seconds, peak RSS, CPU s, backend CPU s)} of an import into a fresh database
    and, when asked, of a re-import of the same file and of a re-import with `changed` rows
    changed."""
    fresh_database()
    times = {"import": timed_import(path)}
    if reimport:
        times["re-import, unchanged"] = timed_import(path)
    if changed:
        times[f"re-import, {changed} changed"] = timed_import(with_changes(path, changed, folder))
    return times


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    server = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {server}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--file", type=Path, help="an ACLED CSV to import instead of N rows")
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="with --file: import its first N rows, for each N"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reimport", action="store_true", help="time an unchanged re-import")
    parser.add_argument("--changed", type=int, default=0, help="time a re-import with K changes")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    migrated_template()
    with tempfile.TemporaryDirectory() as folder:
        if args.file:
            with open(args.file, newline="", encoding="utf-8") as source:
                total = sum(1 for _ in csv.reader(source)) - 1
            files = [
                (first_rows(args.file, size, folder) if size < total else args.file, size)
                for size in sorted(min(size, total) for size in args.sizes or [total])
            ]
        else:
            files = []
            for size in (args.rows // 10, args.rows):
                path = Path(folder) / f"acled-{size}.csv"
                write_acled_file(path, size)
                files.append((path, size))
        for path, size in files:
            series = [
                run_series(path, args.reimport, args.changed, folder) for _ in range(args.runs)
            ]
            for what in series[0]:
                runs = [times[what] for times in series]
                seconds = statistics.median(run[0] for run in runs)
                print(
                    f"{what} {size:>9,} ACLED rows ({path.stat().st_size / 2**20:.1f} MiB): "
                    f"{seconds:6.1f} s, {size / seconds:7,.0f} rows/s (target ≥ 10,000), "
                    f"peak RSS of the import process {max(run[1] for run in runs):.0f} MiB, "
                    f"CPU s Python {statistics.median(run[2] for run in runs):.1f} / "
                    f"PostgreSQL {statistics.median(run[3] for run in runs):.1f}; "
                    f"median of {len(runs)} runs: {', '.join(f'{run[0]:.1f}' for run in runs)} s; "
                    f"load {' '.join(f'{n:.2f}' for n in os.getloadavg())}",
                    flush=True,
                )
    print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
