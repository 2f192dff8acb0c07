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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.test import Client  # noqa: E402

# bench.common sets Django up, so it comes before any model.
from bench.common import (  # noqa: E402
    TimedPage,
    busiest_region,
    explain_pages,
    measure,
    print_load_average,
    print_results,
    start_run,
    warm_up,
)
from incidents.models import AdminArea, Incident  # noqa: E402


def build_cases():
    region = busiest_region()
    first, last = data_years()
    # The last two whole third quarters of the data: "was Q3 worse than the year before?"
    a_year, b_year = last - 2, last - 1
    compare = f"a_from={a_year}-07-01&a_to={a_year}-09-30&b_from={b_year}-07-01&b_to={b_year}-09-30"
    mopti, gao = region_ids("Mopti", "Gao")
    return [
        TimedPage("all", "series, everything (API)", ["/api/analysis/series/?interval=month"], 300),
        TimedPage("all_page", "series, everything (page)", ["/analysis/?interval=month"], 300),
        TimedPage(
            "region",
            f"series, {region.name} (API)",
            [f"/api/analysis/series/?interval=month&admin1={region.pk}"],
            100,
        ),
        TimedPage(
            "region_page",
            f"series, {region.name} (page)",
            [f"/analysis/?interval=month&admin1={region.pk}"],
            100,
        ),
        TimedPage(
            "compare",
            f"Q3 {b_year} vs Q3 {a_year} by region (API)",
            [f"/api/analysis/compare/?{compare}&by=admin1"],
            300,
        ),
        TimedPage(
            "compare_page",
            f"Q3 {b_year} vs Q3 {a_year} by region (page)",
            [f"/analysis/compare/?{compare}&by=admin1"],
            300,
        ),
        TimedPage(
            "weekly", "series by week, everything (API)", ["/api/analysis/series/?interval=week"]
        ),
        TimedPage(
            "split_region",
            "series split by region (page)",
            ["/analysis/?interval=month&split=admin1"],
        ),
        TimedPage(
            "split_actor",
            "series split by actor (page)",
            ["/analysis/?interval=month&split=actor"],
        ),
        TimedPage(
            "compare_actor",
            f"Q3 {b_year} vs Q3 {a_year} by actor (page)",
            [f"/analysis/compare/?{compare}&by=actor"],
        ),
        TimedPage(
            "places",
            "places: Mopti, Gao, Burkina Faso (page)",
            [f"/analysis/places/?interval=month&place={mopti}&place={gao}&place=BFA"],
        ),
    ]


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


def group_by_queries(queries):
    """The series' and comparisons' GROUP BY queries, for EXPLAIN."""
    return [query for query in queries if "GROUP BY" in query["sql"]]


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

    load_before = start_run("incidentdb analysis benchmark")
    client = Client()
    cases = build_cases()
    if args.only:
        cases = [case for case in cases if case.key in args.only]
    for case in cases:
        warm_up(client, case, args.warmup)
    measure(client, cases, args.repeat, cold=args.cold)
    cached = "cache cleared before each" if args.cold else "filter options cached"
    how = f"URL, URLs in turn, {cached}"
    print_results(cases, args.warmup, args.repeat, how, column="view", width=44)
    print_load_average(load_before)

    if args.explain is not None:
        wanted = args.explain or ["all", "region", "compare"]
        explain_pages(client, cases, wanted, group_by_queries)


if __name__ == "__main__":
    main()
