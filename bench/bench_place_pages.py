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
import datetime
import os
import sys
import warnings
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

from bench.bench_pages import (  # noqa: E402
    Page,
    describe_machine,
    describe_workload,
    load_average,
    measure,
    print_results,
    warm_up,
)
from incidents.models import Incident, IncidentActor  # noqa: E402

TARGET_MS = 200


class ColdClient(Client):
    """A test client that empties the cache before each request: every page computes its
    aggregates, as the first visitor after a minute does."""

    def get(self, *args, **kwargs):
        cache.clear()
        return super().get(*args, **kwargs)


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
        Page("region", f"region ({region_n:,} incidents)", [f"/places/areas/{region}/"], TARGET_MS),
        Page("region2", "same, page 2 by killed", [f"/places/areas/{region}/?page=2&sort=-killed"]),
        Page("small_region", f"region ({small_region_n:,})", [f"/places/areas/{small_region}/"]),
        Page("district", f"district ({district_n:,})", [f"/places/areas/{district}/"]),
        Page("place", f"place ({place_n:,})", [f"/places/{place}/"]),
        Page("small_place", f"place ({small_place_n:,})", [f"/places/{small_place}/"]),
        Page("country", f"country ({country_n:,})", [f"/places/countries/{country}/"]),
        Page("actor", f"actor ({big_actor['roles']:,} roles)", [f"/actors/{big_actor['actor']}/"]),
        Page(
            "small_actor",
            f"actor ({small_actor['roles']:,} roles)",
            [f"/actors/{small_actor['actor']}/"],
        ),
    ]


def explain(client, page, slowest=3):
    with CaptureQueriesContext(connection) as captured:
        client.get(page.urls[0])
    print(f"\n=== {page.label}: {page.urls[0]} — {len(captured)} queries")
    queries = captured.captured_queries
    for number, query in enumerate(queries, 1):
        print(f"  {number:2}. {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")
    for query in sorted(queries, key=lambda query: -float(query["time"]))[:slowest]:
        print(f"\n--- {query['sql']}\n")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            for (line,) in cursor.fetchall():
                print(f"    {line}")


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

    warnings.filterwarnings("ignore", message="No directory at")
    override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()

    print(f"incidentdb place and actor page benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(describe_machine())
    print(describe_workload())
    if settings.DEBUG:
        print("WARNING: DEBUG is on; timings include query logging. Run with DEBUG=false.")
    load_before = load_average()
    client = ColdClient() if args.cold else Client()
    print("Cache: emptied before each request (--cold)" if args.cold else "Cache: kept (warm)")
    pages = build_pages()
    for page in pages:
        warm_up(client, page, args.warmup)
    measure(client, pages, args.repeat)
    print_results(pages, args.warmup, args.repeat)
    print(f"Load average before/after: {load_before} / {load_average()} (other work skews timings)")
    if args.explain is not None and connection.vendor == "postgresql":
        wanted = args.explain or ["region", "actor"]
        for page in pages:
            if page.key in wanted:
                explain(client, page)


if __name__ == "__main__":
    main()
