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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.test import Client  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

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
from incidents.models import Incident  # noqa: E402
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


def build_pages(detail_count):
    published = Incident.objects.public().count()
    last_page = max(1, -(-published // list_page_size()))
    deep_page = min(DEEP_PAGE, last_page)
    deep_label = f"list, page {deep_page:,}" + ("" if deep_page == DEEP_PAGE else " (last)")
    return [
        TimedPage("first", "list, first page", ["/incidents/"], TARGET_MS),
        TimedPage("deep", deep_label, [f"/incidents/?page={deep_page}"]),
        TimedPage("last", f"list, last page ({last_page:,})", [f"/incidents/?page={last_page}"]),
        TimedPage("killed", "list, sorted by killed", ["/incidents/?sort=-killed"]),
        TimedPage("place", "list, sorted by place", ["/incidents/?sort=place"]),
        TimedPage(
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
        TimedPage(
            "year_region",
            f"list, {RESEARCH_YEAR} in {region.name}",
            [f"/incidents/?{year}"],
            min(FILTERED_TARGET_MS, FACETS_TARGET_MS),
        ),
        TimedPage(
            "radius", f"list, {RADIUS_KM} km of {NEAR}", [f"/incidents/?{near}"], RADIUS_TARGET_MS
        ),
        TimedPage("map", "map points (their own address)", ["/incidents/map.json"]),
        TimedPage("map_year_region", "map points, same filter", [f"/incidents/map.json?{year}"]),
        TimedPage("api", "API, first page", ["/api/incidents/"], API_TARGET_MS),
        TimedPage(
            "api_year_region",
            f"API, {RESEARCH_YEAR} in {region.name}",
            [f"/api/incidents/?{year}"],
            API_TARGET_MS,
        ),
        TimedPage(
            "api_radius", "API, radius search", [f"/api/incidents/?{near}"], RADIUS_TARGET_MS
        ),
        TimedPage("region_page", f"place page, {region.name}", [f"/places/areas/{region.pk}/"]),
    ]
    return [page for page in pages if served(page.urls[0])]


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


def incident_queries(queries):
    """The page's own incident queries (count, page, facets, map …), for EXPLAIN."""
    return [query for query in queries if 'FROM "incidents_incident"' in query["sql"]]


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
            "last",
            "killed",
            "place",
            "detail",
            "year_region",
            "radius",
            "map",
            "map_year_region",
            "api",
            "api_year_region",
            "api_radius",
            "region_page",
        ],
        help="print each query's time and EXPLAIN ANALYZE of the main incident queries for "
        "these pages (default: first killed); PostgreSQL only",
    )
    args = parser.parse_args()

    load_before = start_run("incidentdb page benchmark")
    client = Client()
    pages = build_pages(args.details)
    for page in pages:
        warm_up(client, page, args.warmup)
    measure(client, pages, args.repeat, cold=args.cold)
    if args.cold:
        print("Cold: the cache was emptied before every timed request.")
    how = "page, pages in turn (detail: cycling through the incidents)"
    print_results(pages, args.warmup, args.repeat, how)
    print_load_average(load_before)

    if args.explain is not None:
        # Cold, so that every query the page can make is made (and shown).
        wanted = args.explain or ["first", "killed"]
        explain_pages(client, pages, wanted, incident_queries, cold=True)


if __name__ == "__main__":
    main()
