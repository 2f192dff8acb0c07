"""Time the analysis pages and API (compare over time) in-process against their targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_bench_1m DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/bench_analysis.py [--repeat 30] [--explain [all region compare]]

Each URL is requested through django.test.Client (middleware, view, the GROUP BY queries,
charts and template rendering; no network), a few times to warm up and then --repeat times,
the URLs in turn. It prints the median, 90th percentile and fastest time in milliseconds, the
queries per request and the response size, and marks those over their target (issue 5, at a
million incidents): the monthly series of everything ≤ 300 ms, of one region ≤ 100 ms, a
comparison ≤ 300 ms. The targets apply to the JSON API (the series itself) and to the page
(with its charts and tables). --explain adds EXPLAIN ANALYZE of the series' GROUP BY queries.
The series and comparisons themselves are never cached; the pages keep the filter panel's
option lists for a minute (analysis.forms.AnalysisQuery.cache_filter_choices), and --cold
clears the cache before every request to time a first visit. Fill the database first with
bench/fill_incidents.py; the exit status is 0 even when a target is missed.
"""

import argparse
import datetime
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench_pages sets Django up; its descriptions of the machine and database are shared.
from bench_pages import describe_machine, describe_workload, load_average  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from incidents.models import AdminArea, Incident  # noqa: E402


@dataclass
class Case:
    key: str
    label: str
    url: str
    target_ms: float | None = None
    samples: list = field(default_factory=list)
    queries: int = 0
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


def build_cases():
    region = busiest_region()
    first, last = data_years()
    # The last two whole third quarters of the data: "was Q3 worse than the year before?"
    a_year, b_year = last - 2, last - 1
    compare = f"a_from={a_year}-07-01&a_to={a_year}-09-30&b_from={b_year}-07-01&b_to={b_year}-09-30"
    mopti, gao = region_ids("Mopti", "Gao")
    return [
        Case("all", "series, everything (API)", "/api/analysis/series/?interval=month", 300),
        Case("all_page", "series, everything (page)", "/analysis/?interval=month", 300),
        Case(
            "region",
            f"series, {region.name} (API)",
            f"/api/analysis/series/?interval=month&admin1={region.pk}",
            100,
        ),
        Case(
            "region_page",
            f"series, {region.name} (page)",
            f"/analysis/?interval=month&admin1={region.pk}",
            100,
        ),
        Case(
            "compare",
            f"Q3 {b_year} vs Q3 {a_year} by region (API)",
            f"/api/analysis/compare/?{compare}&by=admin1",
            300,
        ),
        Case(
            "compare_page",
            f"Q3 {b_year} vs Q3 {a_year} by region (page)",
            f"/analysis/compare/?{compare}&by=admin1",
            300,
        ),
        Case("weekly", "series by week, everything (API)", "/api/analysis/series/?interval=week"),
        Case(
            "split_region",
            "series split by region (page)",
            "/analysis/?interval=month&split=admin1",
        ),
        Case(
            "split_actor",
            "series split by actor (page)",
            "/analysis/?interval=month&split=actor",
        ),
        Case(
            "compare_actor",
            f"Q3 {b_year} vs Q3 {a_year} by actor (page)",
            f"/analysis/compare/?{compare}&by=actor",
        ),
        Case(
            "places",
            "places: Mopti, Gao, Burkina Faso (page)",
            f"/analysis/places/?interval=month&place={mopti}&place={gao}&place=BFA",
        ),
    ]


def busiest_region():
    """The admin1 region with most published incidents: the hardest "one region"."""
    counts = (
        Incident.objects.public().values("location__admin1").annotate(n=Count("id")).order_by("-n")
    )
    region_id = next(row["location__admin1"] for row in counts if row["location__admin1"])
    return AdminArea.objects.get(pk=region_id)


def region_ids(*names):
    areas = dict(
        AdminArea.objects.filter(level=1, name__in=names).values_list("name", "pk").distinct()
    )
    return [areas.get(name, "") for name in names]


def data_years():
    summary = Incident.objects.public().summary()
    if summary["first_date"] is None:
        sys.exit("No published incident: fill the database first (bench/fill_incidents.py).")
    return summary["first_date"].year, summary["last_date"].year


def warm_up(client, case, warmup):
    for _ in range(warmup):
        client.get(case.url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(case.url)
    case.queries = len(captured)
    case.size = len(response.content)
    case.status = response.status_code


def measure(client, cases, repeat, cold):
    """`repeat` requests per URL, the URLs in turn, so that a burst of other work on the shared
    machine spreads over all of them instead of skewing one."""
    for _ in range(repeat):
        for case in cases:
            if cold:
                cache.clear()
            started = time.perf_counter()
            client.get(case.url)
            case.samples.append((time.perf_counter() - started) * 1000)


def explain(client, case):
    with CaptureQueriesContext(connection) as captured:
        client.get(case.url)
    print(f"\n=== {case.label}: {case.url} — {len(captured)} queries")
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"  {number:2}. {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")
    for query in captured.captured_queries:
        if "GROUP BY" in query["sql"]:
            print(f"\n--- {query['sql']}\n")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                for (line,) in cursor.fetchall():
                    print(f"    {line}")


def print_results(cases, warmup, repeat, cold):
    cached = "cache cleared before each" if cold else "filter options cached"
    print(
        f"Method:   django.test.Client in-process, {warmup} warm-up + {repeat} timed requests "
        f"per URL, URLs in turn, {cached}, DEBUG={settings.DEBUG}\n"
    )
    header = (
        f"{'view':<44} {'median':>9} {'p90':>9} {'fastest':>9} {'queries':>8} {'size':>7}  "
        f"{'target':<9}"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        target = f"≤ {case.target_ms:.0f} ms" if case.target_ms else "—"
        print(
            f"{case.label:<44} {case.median:6.1f} ms {case.p90:6.1f} ms {case.fastest:6.1f} ms "
            f"{case.queries:>8} {case.size / 1024:4.0f} kB  {target:<9} {case.verdict}"
        )
    misses = [case.label for case in cases if case.verdict.startswith(("MISS", "ERROR"))]
    print()
    print("MISSES: " + "; ".join(misses) if misses else "All targets met.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per URL first")
    parser.add_argument(
        "--cold", action="store_true", help="clear the cache before every timed request"
    )
    parser.add_argument(
        "--only", nargs="*", metavar="CASE", help="time only these cases (keys as in --explain)"
    )
    parser.add_argument(
        "--explain",
        nargs="*",
        metavar="CASE",
        help="EXPLAIN ANALYZE the GROUP BY queries of these cases (default: all region "
        "compare); PostgreSQL only",
    )
    args = parser.parse_args()

    warnings.filterwarnings("ignore", message="No directory at")
    override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()

    print(f"incidentdb analysis benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(describe_machine())
    print(describe_workload())
    if settings.DEBUG:
        print("WARNING: DEBUG is on; timings include query logging. Run with DEBUG=false.")
    load_before = load_average()
    client = Client()
    cases = build_cases()
    if args.only:
        cases = [case for case in cases if case.key in args.only]
    for case in cases:
        warm_up(client, case, args.warmup)
    measure(client, cases, args.repeat, args.cold)
    print_results(cases, args.warmup, args.repeat, args.cold)
    print(f"Load average before/after: {load_before} / {load_average()} (other work skews timings)")

    if args.explain is not None:
        if connection.vendor != "postgresql":
            print("\n--explain needs PostgreSQL.")
            return
        wanted = args.explain or ["all", "region", "compare"]
        for case in cases:
            if case.key in wanted:
                explain(client, case)


if __name__ == "__main__":
    main()
