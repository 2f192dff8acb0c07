"""Import speed: N synthetic ACLED-format rows into an empty PostgreSQL database.

    make bench-import                      # 100,000 rows (BENCH_INCIDENTS to change)
    python bench/bench_import.py 100000 [--runs 3] [--reimport]

Writes a deterministic ACLED CSV (realistic mix: a few hundred places in Mali, Burkina Faso
and Niger, ~60 actors, heavy-tailed fatalities, 1–3 sources per event), then times
`import_events --format acled` into a fresh database `incidentdb_bench_import`, in a child
process whose own peak memory is measured (os.wait4). Prints the workload, the machine, and
for N/10 and N rows the median over --runs of the time and rows/s, each run's time, and the
largest peak RSS, to show whether memory grows with the file. With --reimport the file is
imported once untimed, and the second import (every row unchanged) is timed. The machine is
shared: compare medians.
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
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "incidentdb_bench_import"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"

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


def run_import(path, reimport=False):
    """Import into a fresh database in a child process; return (seconds, peak RSS in MiB) of
    the import, or of the second import of the same file when reimport."""
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "DEBUG": "false", "SECRET_KEY": "bench"}
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    command = [*manage, "import_events", str(path), "--format", "acled"]
    if reimport:
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env)
    # The child's own rusage: RUSAGE_CHILDREN would be the largest of every child so far.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"import_events failed with status {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss / 1024


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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reimport", action="store_true", help="time a second, unchanged import")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    what = "re-import (every row unchanged)" if args.reimport else "import"
    with tempfile.TemporaryDirectory() as folder:
        for size in (args.rows // 10, args.rows):
            path = Path(folder) / f"acled-{size}.csv"
            write_acled_file(path, size)
            runs = [run_import(path, reimport=args.reimport) for _ in range(args.runs)]
            seconds = statistics.median(time for time, _ in runs)
            print(
                f"{what} {size:>9,} ACLED rows ({path.stat().st_size / 2**20:.1f} MiB): "
                f"{seconds:6.1f} s, {size / seconds:7,.0f} rows/s (target ≥ 5,000), "
                f"peak RSS of the import process {max(rss for _, rss in runs):.0f} MiB; "
                f"median of {len(runs)} runs: {', '.join(f'{time:.1f}' for time, _ in runs)} s"
            )


if __name__ == "__main__":
    main()
