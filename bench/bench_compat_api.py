"""Time a page of 500 rows from the ACLED- and UCDP-compatible APIs beside our own API's page of
500, in-process (django.test.Client, as bench_pages.py does).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_bench_1m DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/bench_compat_api.py [--repeat 20] [--cold]

Issue 15's target: each compatible page of 500 takes at most the time of our own API's page of
500 (/api/incidents/?page_size=500), first page and a page deep in a country's year. The
pages are timed in turn, so a change in the machine's load touches them alike. Fill the
database first with bench/fill_incidents.py. The exit status is 0 even when a target is missed.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.test import Client  # noqa: E402

# bench.common sets Django up, so it comes before any model.
from bench.common import (  # noqa: E402
    TimedPage,
    busiest,
    measure,
    print_load_average,
    print_results,
    start_run,
    warm_up,
)
from incidents.compat.ucdp_api import ISO3_TO_GW  # noqa: E402
from incidents.models import Country  # noqa: E402


def build_pages():
    iso3, count = busiest("location__country__iso3")
    country = Country.objects.get(iso3=iso3)
    year = "2023"
    ours = (
        f"/api/incidents/?page_size=500&country={iso3}&date_from={year}-01-01&date_to={year}-12-31"
    )
    acled = (
        f"/acled-api/acled/read?country={country.name}&event_date={year}-01-01|{year}-12-31"
        "&event_date_where=BETWEEN&limit=500"
    )
    ucdp = (
        f"/ucdp-api/gedevents/25.1?pagesize=500&Country={ISO3_TO_GW[iso3]}"
        f"&StartDate={year}-01-01&EndDate={year}-12-31"
    )
    return [
        TimedPage("api", "our API, 500 newest", ["/api/incidents/?page_size=500"]),
        TimedPage("acled", "ACLED acled/read, 500 newest", ["/acled-api/acled/read?limit=500"]),
        TimedPage(
            "ucdp", "UCDP gedevents, pagesize 500", ["/ucdp-api/gedevents/25.1?pagesize=500"]
        ),
        TimedPage("api_country", f"our API, {iso3} {year}, 500", [ours]),
        TimedPage("acled_country", f"ACLED, {country.name} {year}, 500", [acled]),
        TimedPage("acled_page5", f"ACLED, {country.name} {year}, page 5", [acled + "&page=5"]),
        TimedPage("ucdp_country", f"UCDP, GW {ISO3_TO_GW[iso3]} {year}, 500", [ucdp]),
        TimedPage("ucdp_page5", f"UCDP, GW {ISO3_TO_GW[iso3]} {year}, page 5", [ucdp + "&page=5"]),
        TimedPage(
            "acled_sync",
            "ACLED sync, last 30 days, 500",
            ["/acled-api/acled/read?limit=500&timestamp=" + str(recent_seconds())],
        ),
        TimedPage(
            "acled_sync_none",
            "ACLED sync, nothing new",
            ["/acled-api/acled/read?limit=500&timestamp=" + str(int(time.time()))],
        ),
    ]


def print_verdict(pages):
    """Issue 15's target: each compatible page at most our own API's page of 500 (the first
    page against our first page, a country's year against the same filter of ours)."""
    by_key = {page.key: page for page in pages}
    pairs = [
        ("acled", "api"),
        ("ucdp", "api"),
        ("acled_country", "api_country"),
        ("ucdp_country", "api_country"),
    ]
    for compatible, ours in pairs:
        mine, theirs = by_key[compatible], by_key[ours]
        verdict = "met" if mine.median <= theirs.median else "MISSED"
        print(
            f"{mine.label}: {mine.median:.0f} ms against {theirs.label}: "
            f"{theirs.median:.0f} ms ({verdict})"
        )


def recent_seconds():
    return int(time.time()) - 30 * 86400


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per URL first")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    args = parser.parse_args()

    load_before = start_run("incidentdb ACLED/UCDP-compatible API benchmark")
    client = Client()
    pages = build_pages()
    for page in pages:
        warm_up(client, page, args.warmup, cold=args.cold)
    measure(client, pages, args.repeat, cold=args.cold)
    print_results(pages, args.warmup, args.repeat, "page, pages in turn")
    print_verdict(pages)
    print_load_average(load_before)


if __name__ == "__main__":
    main()
