"""What the in-process page benchmarks share: timing, describing the run, EXPLAIN.

bench_pages.py, bench_analysis.py and bench_place_pages.py request pages through
django.test.Client, time them in turn and print one table in the same format. Importing this
module sets Django up (settings from the environment, as manage.py does), so a script puts the
repository root on sys.path and imports from here before it imports any model:

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import TimedPage, measure, ...  # noqa: E402
"""

import datetime
import os
import platform
import statistics
import time
import warnings
from dataclasses import dataclass, field
from itertools import cycle

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from incidents.models import AdminArea, Casualty, Incident  # noqa: E402


@dataclass
class TimedPage:
    """One page under test: its URLs (timed in turn), its target and what was measured."""

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
        if len(self.samples) < 2:  # quantiles() needs two; a single slow request is its own
            return max(self.samples)
        return statistics.quantiles(self.samples, n=10, method="inclusive")[-1]

    @property
    def fastest(self):
        return min(self.samples)

    @property
    def verdict(self):
        """The verdict column: ok or MISS (the median against the target), ERROR and the status
        code when a URL did not answer 200, blank without a target."""
        if self.status != 200:
            return f"ERROR {self.status}"
        if self.target_ms is None:
            return ""
        return "ok" if self.median <= self.target_ms else "MISS"


def start_run(title):
    """Let the test client in and print what the timings depend on; returns the load average
    before timing, for print_load_average()."""
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

    print(f"{title}, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(describe_machine())
    print(describe_workload())
    if settings.DEBUG:
        print("WARNING: DEBUG is on; timings include query logging. Run with DEBUG=false.")
    return load_average()


def describe_machine():
    """Two lines for the report: the CPU, cores, memory and OS; Python, Django and database."""
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
    """The database server and version, with PostgreSQL's memory settings that sway timings."""
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


def describe_workload():
    """One line: how many incidents (published), casualty rows, and which database."""
    incidents = Incident.objects.count()
    published = Incident.objects.public().count()
    casualties = Casualty.objects.count()
    name = connection.settings_dict["NAME"]
    return (
        f"Workload: {incidents:,} incidents ({published:,} published), "
        f"{casualties:,} casualty rows; database {name}"
    )


def load_average():
    """The 1, 5 and 15-minute load averages: how much other work shared the machine."""
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def print_load_average(before):
    print(f"Load average before/after: {before} / {load_average()} (other work skews timings)")


def busiest(field, fewest=False):
    """The value of `field` shared by the most (or the fewest) published incidents, and their
    number."""
    row = (
        Incident.objects.public()
        .exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(incidents=Count("pk"))
        .order_by("incidents" if fewest else "-incidents")
        .first()
    )
    return row[field], row["incidents"]


def busiest_region():
    """The admin1 region with the most published incidents (Mopti in the synthetic data): the
    hardest "one region" for the filtered pages."""
    region_id, _ = busiest("location__admin1")
    return AdminArea.objects.get(pk=region_id)


def warm_up(client, page, warmup, cold=False):
    """Untimed requests; the last one also counts the queries and checks the answer. `cold`
    empties the cache before each, so that the queries counted are a first visit's."""
    for url in page.urls:
        for _ in range(warmup):
            get(client, url, cold)
        with CaptureQueriesContext(connection) as captured:
            response = get(client, url, cold)
        page.queries.append(len(captured))
        page.size = max(page.size, len(response.content))
        if response.status_code != 200:
            page.status = response.status_code


def measure(client, pages, repeat, cold=False):
    """Time `repeat` requests per page, taking the pages in turn so that a burst of other work
    on the machine spreads over all of them instead of skewing one. `cold` empties the cache
    (large counts, facets, the map, filter options) before each request, outside the timing:
    a first visit's time."""
    urls = {page.key: cycle(page.urls) for page in pages}
    for _ in range(repeat):
        for page in pages:
            url = next(urls[page.key])
            if cold:
                cache.clear()
            started = time.perf_counter()
            client.get(url)
            page.samples.append((time.perf_counter() - started) * 1000)


def get(client, url, cold=False):
    """One untimed request; `cold` empties the cache first."""
    if cold:
        cache.clear()
    return client.get(url)


def print_results(pages, warmup, repeat, how, column="page", width=30):
    """The results table and the misses. `how` ends the method line: what each request is and
    the order of the requests."""
    print(
        f"Method:   django.test.Client in-process, {warmup} warm-up + {repeat} timed requests "
        f"per {how}, DEBUG={settings.DEBUG}\n"
    )
    header = (
        f"{column:<{width}} {'median':>9} {'p90':>9} {'fastest':>9} {'queries':>8} {'size':>7}  "
        f"{'target':<9}"
    )
    print(header)
    print("-" * len(header))
    for page in pages:
        queries = "/".join(str(n) for n in sorted(set(page.queries)))
        target = f"≤ {page.target_ms:.0f} ms" if page.target_ms else "—"
        print(
            f"{page.label:<{width}} {page.median:6.1f} ms {page.p90:6.1f} ms "
            f"{page.fastest:6.1f} ms {queries:>8} {page.size / 1024:4.0f} kB  {target:<9} "
            f"{page.verdict}"
        )
    misses = [page.label for page in pages if page.verdict.startswith(("MISS", "ERROR"))]
    print()
    print("MISSES: " + "; ".join(misses) if misses else "All targets met.")


def explain_pages(client, pages, wanted, pick, cold=False):
    """explain() the pages whose key is in `wanted`; PostgreSQL only."""
    if connection.vendor != "postgresql":
        print("\n--explain needs PostgreSQL.")
        return
    for page in pages:
        if page.key in wanted:
            explain(client, page, pick, cold)


def explain(client, page, pick, cold=False):
    """Print each query of one request to the page's first URL with its time, then EXPLAIN
    (ANALYZE, BUFFERS) of the queries that `pick` chooses from the captured ones. `cold` empties
    the cache first, so that every query the page can make is made (and shown)."""
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(page.urls[0])
    queries = captured.captured_queries
    print(f"\n=== {page.label}: {page.urls[0]} — {len(captured)} queries")
    for number, query in enumerate(queries, 1):
        print(f"  {number:2}. {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")
    for query in pick(queries):
        print(f"\n--- {query['sql']}\n")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            for (line,) in cursor.fetchall():
                print(f"    {line}")
