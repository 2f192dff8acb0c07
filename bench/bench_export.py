"""Time the streamed CSV download of the public incident list and show its memory is flat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_bench DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/bench_export.py [--rows 10000 100000] [--runs 3] [--format csv] \
        [--gzip]

For each size it downloads /incidents.csv (or another --format) with a date_from filter that
selects about that many published incidents, newest first (all of them when the database has
fewer), through django.test.Client in-process: middleware, view, queries and the streamed
response, no network and no web server. Each run is a fresh Python process, so that its peak
memory is its own: it warms up with a small download, resets the peak resident set size
(/proc/self/clear_refs), then times the download while reading every piece of it. One extra
process per size runs under tracemalloc for the peak of Python allocations (slower; untimed).
--gzip asks for a compressed response, as browsers do: GZipMiddleware then compresses the
stream, and the size shown is the compressed one.

It prints medians over --runs of rows/s, the whole download's time, the time to the first
piece (the header) and to the first rows, peak RSS growth and queries. The target is
≥ 20,000 rows/s, with memory that does not grow with the number of rows. Fill the database
first with bench/fill_incidents.py. The exit status is 0 even when the target is missed.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.common import describe_machine  # noqa: E402
from incidents.models import Incident  # noqa: E402

TARGET_ROWS_PER_SECOND = 20_000


# --- one download, in a child process -----------------------------------------------------


def memory_status():
    """Current and peak resident set size in bytes, from /proc/self/status (Linux)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def reset_peak_memory():
    """Make the peak RSS the current RSS (Linux ≥ 4.0), so the peak is the download's own."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def download(client, url, gzip=False):
    """Read a whole download; returns its timings, size and line count (of the compressed
    bytes when gzip: not lines then)."""
    started = time.perf_counter()
    response = client.get(url, headers={"accept-encoding": "gzip"} if gzip else {})
    assert response.status_code == 200, (response.status_code, response.content[:500])
    pieces = iter(response.streaming_content)
    first = next(pieces)
    header_at = time.perf_counter()
    size, lines = len(first), first.count(b"\n")
    rows_at = None
    for piece in pieces:
        if rows_at is None:
            rows_at = time.perf_counter()
        size += len(piece)
        lines += piece.count(b"\n")
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "header_ms": (header_at - started) * 1000,
        "first_rows_ms": ((rows_at or finished) - started) * 1000,
        "bytes": size,
        "lines": lines,
    }


def run_child(url, warmup_url, traced, gzip=False):
    client = Client()
    download(client, warmup_url, gzip)  # imports, caches, the database connection
    if traced:
        tracemalloc.start()
    reset_peak_memory()
    rss_before, _ = memory_status()
    queries = []

    def count(execute, sql, params, many, context):
        # Counted, not kept: CaptureQueriesContext would keep every query's SQL, which grows
        # with the download and would show in its memory.
        queries.append(None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = download(client, url, gzip)
    _, rss_peak = memory_status()
    result["rss_before"] = rss_before
    result["rss_growth"] = rss_peak - rss_before
    result["queries"] = len(queries)
    if traced:
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(json.dumps(result))


# --- the runs, from the parent process -----------------------------------------------------


def selection_for(rows, file_format):
    """The download URL for about `rows` newest published incidents, and their exact count."""
    base = reverse("incident_download", args=[file_format])
    public = Incident.objects.public()
    total = public.count()
    if rows >= total:
        return base, total, "all published"
    start = public.order_by("-start_date", "-id").values_list("start_date", flat=True)[rows - 1]
    return (
        f"{base}?date_from={start:%Y-%m-%d}",
        public.filter(start_date__gte=start).count(),
        f"date_from={start:%Y-%m-%d}",
    )


def spawn(args, url, warmup_url, traced=False):
    command = [sys.executable, __file__, "--child", url, "--warmup-url", warmup_url]
    if traced:
        command.append("--traced")
    if args.gzip:
        command.append("--gzip")
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        sys.exit(f"child failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main_parent(args):
    print(f"incidentdb export benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(describe_machine())
    published = Incident.objects.public().count()
    print(
        f"Workload: {Incident.objects.count():,} incidents ({published:,} published) in "
        f"database {connection.settings_dict['NAME']}; /incidents.{args.format}, newest first"
        + (", Accept-Encoding: gzip (as browsers ask; size is compressed)" if args.gzip else "")
    )
    if settings.DEBUG:
        print("WARNING: DEBUG is on; timings include query logging. Run with DEBUG=false.")
    print(
        f"Method:   django.test.Client in-process, every piece read; {args.runs} runs per size, "
        f"each in a fresh process after a small warm-up download; medians shown\n"
    )
    warmup_url, _, _ = selection_for(100, args.format)
    header = (
        f"{'rows':>8} {'selection':<22} {'rows/s':>8} {'total':>8} {'header':>8} "
        f"{'1st rows':>9} {'RSS +':>8} {'traced':>8} {'queries':>7} {'size':>8}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for rows in args.rows:
        url, count, selection = selection_for(rows, args.format)
        runs = [spawn(args, url, warmup_url) for _ in range(args.runs)]
        traced = spawn(args, url, warmup_url, traced=True)
        if args.format == "csv" and not args.gzip and runs[0]["lines"] != count + 1:
            print(f"  note: {runs[0]['lines']:,} lines for {count:,} rows (multi-line cells?)")
        seconds = statistics.median(run["seconds"] for run in runs)
        rate = count / seconds
        verdicts.append(rate >= TARGET_ROWS_PER_SECOND)
        print(
            f"{count:>8,} {selection:<22} {rate:>8,.0f} {seconds:>7.2f}s "
            f"{statistics.median(run['header_ms'] for run in runs):>6.1f}ms "
            f"{statistics.median(run['first_rows_ms'] for run in runs):>7.1f}ms "
            f"{statistics.median(run['rss_growth'] for run in runs) / 2**20:>6.1f}MB "
            f"{traced['traced_peak'] / 2**20:>6.1f}MB "
            f"{runs[0]['queries']:>7} {runs[0]['bytes'] / 2**20:>6.1f}MB"
        )
    print(
        "\nrows/s and total: the whole download; header: time to the first piece; 1st rows: "
        "to the first piece of rows; RSS +: peak resident memory above the level before the "
        "download; traced: peak Python allocations under tracemalloc (separate, untimed run)."
    )
    print(
        f"Target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s: "
        + ("met." if all(verdicts) else "MISSED for some sizes.")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=["csv", "json", "geojson", "xlsx"], default="csv")
    parser.add_argument(
        "--gzip", action="store_true", help="ask for gzip, as browsers do (GZipMiddleware)"
    )
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--warmup-url", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    # WhiteNoise warns that collectstatic has not run; downloads use no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]).enable()
    if args.child:
        run_child(args.child, args.warmup_url, args.traced, args.gzip)
    else:
        main_parent(args)


if __name__ == "__main__":
    main()
