"""Time the public incident pages in-process and compare them with their targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_bench DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/bench_pages.py [--repeat 30] [--explain [first killed ...]]

Each page is requested through django.test.Client (the whole Django stack: middleware, view,
queries, template rendering; no network and no web server), a few times to warm up and then
--repeat times, the pages in turn. It prints the median, 90th percentile and fastest time in
milliseconds, the queries per request and the response size, and marks the pages that miss
their target (first page and detail: median ≤ 50 ms). --explain adds each query's time and
EXPLAIN ANALYZE of the pages' COUNT and page queries. Fill the database first with
bench/fill_incidents.py. The exit status is 0 even when a target is missed.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from incidents.models import AdminArea, Casualty, Incident  # noqa: E402
from incidents.views import IncidentListView  # noqa: E402

TARGET_MS = 50
DEEP_PAGE = 1_000
# Issue 4's targets at 1,000,000 incidents.
FILTERED_TARGET_MS = 60
FACETS_TARGET_MS = 200
API_TARGET_MS = 50
RADIUS_TARGET_MS = 100
# The research pages' workload: one year and the busiest region, and 50 km around Mopti town.
RESEARCH_YEAR = 2023
NEAR = "14.49,-4.19"
RADIUS_KM = 50


@dataclass
class Page:
    key: str
    label: str
    urls: list
    target_ms: float | None = None
    samples: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    size: int = 0
    status: int = 200

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def p90(self):
        return statistics.quantiles(self.samples, n=10, method="inclusive")[-1]

    @property
    def fastest(self):
        return min(self.samples)

    @property
    def verdict(self):
        if self.status != 200:
            return f"ERROR {self.status}"
        if self.target_ms is None:
            return ""
        return "ok" if self.median <= self.target_ms else "MISS"


def build_pages(detail_count):
    published = Incident.objects.public().count()
    last_page = max(1, -(-published // list_page_size()))
    deep_page = min(DEEP_PAGE, last_page)
    deep_label = f"list, page {deep_page:,}" + ("" if deep_page == DEEP_PAGE else " (last)")
    return [
        Page("first", "list, first page", ["/incidents/"], TARGET_MS),
        Page("deep", deep_label, [f"/incidents/?page={deep_page}"]),
        Page("killed", "list, sorted by killed", ["/incidents/?sort=-killed"]),
        Page("place", "list, sorted by place", ["/incidents/?sort=place"]),
        Page(
            "detail",
            f"detail ({detail_count} incidents)",
            [f"/incidents/{pk}/" for pk in spread_public_ids(detail_count)],
            TARGET_MS,
        ),
        *research_pages(),
    ]


def research_pages():
    """Issue 4's filtered pages: one year and one region, a radius search, the API."""
    region = busiest_region()
    year = f"date_from={RESEARCH_YEAR}-01-01&date_to={RESEARCH_YEAR}-12-31&admin1={region.pk}"
    near = f"near={NEAR}&radius_km={RADIUS_KM}"
    pages = [
        # The list page always shows its facets (event type, region, year), so this one page
        # is held to both the "filtered list" and the "with facets" targets.
        Page(
            "year_region",
            f"list, {RESEARCH_YEAR} in {region.name}",
            [f"/incidents/?{year}"],
            min(FILTERED_TARGET_MS, FACETS_TARGET_MS),
        ),
        Page(
            "radius", f"list, {RADIUS_KM} km of {NEAR}", [f"/incidents/?{near}"], RADIUS_TARGET_MS
        ),
        Page("api", "API, first page", ["/api/incidents/"], API_TARGET_MS),
        Page(
            "api_year_region",
            f"API, {RESEARCH_YEAR} in {region.name}",
            [f"/api/incidents/?{year}"],
            API_TARGET_MS,
        ),
        Page("api_radius", "API, radius search", [f"/api/incidents/?{near}"], RADIUS_TARGET_MS),
        Page("region_page", f"place page, {region.name}", [f"/places/areas/{region.pk}/"]),
    ]
    return [page for page in pages if served(page.urls[0])]


def busiest_region():
    """The admin1 region with the most incidents (Mopti in the synthetic data)."""
    busiest = (
        Incident.objects.values("location__admin1")
        .annotate(incidents=Count("id"))
        .order_by("-incidents")
        .first()
    )
    return AdminArea.objects.get(pk=busiest["location__admin1"])


def served(url):
    """Whether the project has this page yet (the benchmark runs on older checkouts too)."""
    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def list_page_size():
    """Rows per list page, wherever the view sets it (django-tables2 or ListView)."""
    view = IncidentListView
    return (view.table_pagination or {}).get("per_page") or view.paginate_by or 25


def spread_public_ids(count):
    """Published incident ids evenly spread over the table: old and new, small and large."""
    ids = list(Incident.objects.public().order_by("id").values_list("id", flat=True))
    if not ids:
        sys.exit("No published incident: fill the database first (bench/fill_incidents.py).")
    step = max(1, len(ids) // count)
    return ids[step // 2 :: step][:count]


def warm_up(client, page, warmup):
    """Untimed requests; the last one also counts the queries and checks the answer."""
    for url in page.urls:
        for _ in range(warmup):
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        page.queries.append(len(captured))
        page.size = max(page.size, len(response.content))
        if response.status_code != 200:
            page.status = response.status_code


def measure(client, pages, repeat, cold=False):
    """Time `repeat` requests per page, taking the pages in turn so that a burst of other work
    on the machine spreads over all of them instead of skewing one. `cold` empties the cache
    (large counts, facets, the map) before each request: a first visit's time."""
    urls = {page.key: cycle(page.urls) for page in pages}
    for _ in range(repeat):
        for page in pages:
            url = next(urls[page.key])
            if cold:
                cache.clear()
            started = time.perf_counter()
            client.get(url)
            page.samples.append((time.perf_counter() - started) * 1000)


def explain(client, page):
    """EXPLAIN ANALYZE the page's own incident queries (count, page, facets, map …)."""
    cache.clear()  # so that every query the page can make is made (and shown)
    with CaptureQueriesContext(connection) as captured:
        client.get(page.urls[0])
    print(f"\n=== {page.label}: {page.urls[0]} — {len(captured)} queries")
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"  {number:2}. {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")
    main_queries = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "incidents_incident"' in query["sql"]
    ]
    for sql in main_queries:
        print(f"\n--- {sql}\n")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print(f"    {line}")


def describe_machine():
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line)
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
        memory = f", {kib / 1024**2:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    lines = [
        f"Machine:  {cpu}, {os.cpu_count()} cores{memory}, {platform.system()} "
        f"{platform.release()}",
        f"Software: Python {platform.python_version()}, Django {django.get_version()}, "
        f"{database_version()}",
    ]
    return "\n".join(lines)


def database_version():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            shared_buffers = cursor.fetchone()[0]
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
            return f"PostgreSQL {version} (shared_buffers {shared_buffers}, work_mem {work_mem})"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        return connection.vendor


def load_average():
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def describe_workload():
    incidents = Incident.objects.count()
    published = Incident.objects.public().count()
    casualties = Casualty.objects.count()
    name = connection.settings_dict["NAME"]
    return (
        f"Workload: {incidents:,} incidents ({published:,} published), "
        f"{casualties:,} casualty rows; database {name}"
    )


def print_results(pages, warmup, repeat):
    print(
        f"Method:   django.test.Client in-process, {warmup} warm-up + {repeat} timed requests "
        f"per page, pages in turn (detail: cycling through the incidents), "
        f"DEBUG={settings.DEBUG}\n"
    )
    header = (
        f"{'page':<30} {'median':>9} {'p90':>9} {'fastest':>9} {'queries':>8} {'size':>7}  "
        f"{'target':<9}"
    )
    print(header)
    print("-" * len(header))
    for page in pages:
        queries = "/".join(str(n) for n in sorted(set(page.queries)))
        target = f"≤ {page.target_ms:.0f} ms" if page.target_ms else "—"
        print(
            f"{page.label:<30} {page.median:6.1f} ms {page.p90:6.1f} ms {page.fastest:6.1f} ms "
            f"{queries:>8} {page.size / 1024:4.0f} kB  {target:<9} {page.verdict}"
        )
    misses = [page.label for page in pages if page.verdict.startswith(("MISS", "ERROR"))]
    print()
    print("MISSES: " + "; ".join(misses) if misses else "All targets met.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per URL first")
    parser.add_argument("--details", type=int, default=10, help="incidents for the detail page")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="empty the cache before every request (counts, facets and the map are computed "
        "each time, as on a first visit)",
    )
    parser.add_argument(
        "--explain",
        nargs="*",
        metavar="PAGE",
        choices=[
            "first",
            "deep",
            "killed",
            "place",
            "detail",
            "year_region",
            "radius",
            "api",
            "api_year_region",
            "api_radius",
            "region_page",
        ],
        help="print each query's time and EXPLAIN ANALYZE of the main incident queries for "
        "these pages (default: first killed); PostgreSQL only",
    )
    args = parser.parse_args()

    # WhiteNoise warns that collectstatic has not run; the pages only link to static files.
    warnings.filterwarnings("ignore", message="No directory at")
    # The test client's host, and static URLs without the manifest that collectstatic writes.
    override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()

    print(f"incidentdb page benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(describe_machine())
    print(describe_workload())
    if settings.DEBUG:
        print("WARNING: DEBUG is on; timings include query logging. Run with DEBUG=false.")
    load_before = load_average()
    client = Client()
    pages = build_pages(args.details)
    for page in pages:
        warm_up(client, page, args.warmup)
    measure(client, pages, args.repeat, cold=args.cold)
    if args.cold:
        print("Cold: the cache was emptied before every timed request.")
    print_results(pages, args.warmup, args.repeat)
    print(f"Load average before/after: {load_before} / {load_average()} (other work skews timings)")

    if args.explain is not None:
        if connection.vendor != "postgresql":
            print("\n--explain needs PostgreSQL.")
            return
        wanted = args.explain or ["first", "killed"]
        for page in pages:
            if page.key in wanted:
                explain(client, page)


if __name__ == "__main__":
    main()
