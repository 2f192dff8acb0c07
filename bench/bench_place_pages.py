"""Time the place and actor pages in-process, the biggest and smallest of each kind.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_bench_1m DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/bench_place_pages.py [--repeat 20] [--cold] [--explain [PAGE ...]]

The pages: the country, region, district and place with the most published incidents, the
actor in the most incidents, and the smallest region, place and actor, each requested through
django.test.Client as bench_pages.py does (middleware, view, queries, template; no web server).
Target: a median well under 200 ms for a big region. The aggregates of subjects with 10,000
incidents or more are remembered for a minute (IncidentQuerySet.remembered_when_large), so
repeated requests time the warm page; --cold empties the cache before every request to time the
page that computes them. --explain prints each query's time on the named pages (default:
region, actor) and EXPLAIN (ANALYZE, BUFFERS) of their slowest queries.
Fill the database first with bench/fill_incidents.py. The exit status is 0 even when a target is
missed.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

# bench.common sets Django up, so it comes before any model.
from bench.common import (  # noqa: E402
    TimedPage,
    busiest,
    explain_pages,
    measure,
    print_load_average,
    print_results,
    start_run,
    warm_up,
)
from incidents.models import IncidentActor  # noqa: E402

TARGET_MS = 200


def build_pages():
    country, country_n = busiest("location__country__iso3")
    region, region_n = busiest("location__admin1")
    small_region, small_region_n = busiest("location__admin1", fewest=True)
    district, district_n = busiest("location__admin2")
    place, place_n = busiest("location")
    small_place, small_place_n = busiest("location", fewest=True)
    actors = IncidentActor.objects.values("actor").annotate(roles=Count("pk")).order_by("roles")
    small_actor, big_actor = actors.first(), actors.last()
    return [
        TimedPage(
            "region", f"region ({region_n:,} incidents)", [f"/places/areas/{region}/"], TARGET_MS
        ),
        TimedPage(
            "region2", "same, page 2 by killed", [f"/places/areas/{region}/?page=2&sort=-killed"]
        ),
        TimedPage(
            "small_region", f"region ({small_region_n:,})", [f"/places/areas/{small_region}/"]
        ),
        TimedPage("district", f"district ({district_n:,})", [f"/places/areas/{district}/"]),
        TimedPage("place", f"place ({place_n:,})", [f"/places/{place}/"]),
        TimedPage("small_place", f"place ({small_place_n:,})", [f"/places/{small_place}/"]),
        TimedPage("country", f"country ({country_n:,})", [f"/places/countries/{country}/"]),
        TimedPage(
            "actor", f"actor ({big_actor['roles']:,} roles)", [f"/actors/{big_actor['actor']}/"]
        ),
        TimedPage(
            "small_actor",
            f"actor ({small_actor['roles']:,} roles)",
            [f"/actors/{small_actor['actor']}/"],
        ),
    ]


def slowest_queries(queries, count=3):
    """The page's slowest queries, for EXPLAIN."""
    return sorted(queries, key=lambda query: -float(query["time"]))[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per URL first")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    parser.add_argument(
        "--explain",
        nargs="*",
        metavar="PAGE",
        help="each query's time, and the plans of the slowest, for these pages (default: region "
        "actor); PostgreSQL only",
    )
    args = parser.parse_args()

    load_before = start_run("incidentdb place and actor page benchmark")
    # --cold: every request, the counted warm-up and EXPLAIN included, computes the aggregates,
    # as the first visitor after a minute does.
    client = Client()
    print("Cache: emptied before each request (--cold)" if args.cold else "Cache: kept (warm)")
    pages = build_pages()
    for page in pages:
        warm_up(client, page, args.warmup, cold=args.cold)
    measure(client, pages, args.repeat, cold=args.cold)
    how = "page, pages in turn (detail: cycling through the incidents)"
    print_results(pages, args.warmup, args.repeat, how)
    print_load_average(load_before)
    if args.explain is not None:
        wanted = args.explain or ["region", "actor"]
        explain_pages(client, pages, wanted, slowest_queries, cold=args.cold)


if __name__ == "__main__":
    main()
