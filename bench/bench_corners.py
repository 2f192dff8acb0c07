"""Time the pages that were slow corners at a million incidents (issue 16, point 7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_1m DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/bench_corners.py [--repeat 10] [--cold] [--explain [PAGE ...]]

The pages: the public list searched for JNIM and for Mopti, the monthly series split by
actor, a comparison of two third quarters by actor, the analysts' incident list (unfiltered,
and searched for Mopti and for JNIM) and the page of the actor in the most incidents (the
seven of the issue); then other pages found slow since: the actors' index, the list searched
for the name of the country with the most incidents, and the series split by actor by week
and for the region with the most incidents, which the actor counts do not hold; and the list
searched for a country's name with other filters (its own country, another, a year, an event
type, in French) and deep (its last page, page 3,000); deep numbered pages of searches ranked
by date (q=JNIM), in a second rank (q=Niger) and ranked by a place (q=Mopti), and frequent
words with another filter (country, event type, actor, actor type; the API too); lists
filtered by an actor or an actor type alone (the API too); and the pages a user audit found slow
(8 December 2026: searches split or compared by actor, the map's points of a search, a
country's page, deep numbered pages, the admin list sorted by killed or title, or without a
cited source). Each is
requested through django.test.Client as bench_pages.py does (middleware, view, queries,
template; no web server).
The targets are issue 16's: 300 ms warm, 600 ms with --cold (the cache emptied before every
request: a first visit). The admin pages need a staff account: the script logs in as
`bench-admin`, a superuser it creates in the database when there is none (so run it against a
database of your own, never a shared one). --explain prints each query's time on the named
pages (default: all) and EXPLAIN (ANALYZE, BUFFERS) of their slowest queries. The exit status
is 0 even when a target is missed.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.test import Client  # noqa: E402

# bench.common sets Django up, so it comes before any model.
from bench.common import (  # noqa: E402
    TimedPage,
    explain_pages,
    measure,
    print_load_average,
    print_results,
    start_run,
    warm_up,
)
from incidents.counts import NO_REGION  # noqa: E402
from incidents.models import (  # noqa: E402
    Actor,
    Country,
    Incident,
    IncidentActor,
    PublicIncidentYear,
)

WARM_TARGET_MS = 300
COLD_TARGET_MS = 600
ADMIN_LIST = "/admin/incidents/incident/"


def build_pages(target_ms):
    last_year = Incident.objects.public().summary()["last_date"].year
    # The last two whole third quarters before the data's last year, as bench_analysis.py.
    a_year, b_year = last_year - 2, last_year - 1
    compare = f"a_from={a_year}-07-01&a_to={a_year}-09-30&b_from={b_year}-07-01&b_to={b_year}-09-30"
    big_actor = (
        IncidentActor.objects.values("actor")
        .annotate(roles=Count("pk"))
        .order_by("-roles", "actor")
        .first()
    )
    by_incidents = PublicIncidentYear.objects.annotate(n=Sum("incidents")).order_by("-n")
    big_country = Country.objects.get(
        pk=by_incidents.values("country_id").annotate(n=Sum("incidents")).first()["country_id"]
    )
    big_region = (
        by_incidents.exclude(admin1_id=NO_REGION)
        .values("admin1_id")
        .annotate(n=Sum("incidents"))
        .first()["admin1_id"]
    )
    by_country = list(by_incidents.values("country_id").annotate(n=Sum("incidents"))[:2])
    second_country = Country.objects.get(pk=by_country[1]["country_id"])
    # The last numbered page of the biggest country's search: its incidents come first.
    last_page = -(-by_country[0]["n"] // 50)
    country_q = f"q={big_country.name.replace(' ', '%20')}"
    jnim = Actor.objects.filter(name__startswith="JNIM").order_by("pk").first().pk
    return [
        TimedPage("search", "list, q=JNIM", ["/incidents/?q=JNIM"], target_ms),
        TimedPage("search_mopti", "list, q=Mopti", ["/incidents/?q=Mopti"], target_ms),
        TimedPage(
            "split_actor",
            "series by month, split by actor",
            ["/analysis/?interval=month&split=actor"],
            target_ms,
        ),
        TimedPage(
            "compare_actor",
            f"Q3 {b_year} vs Q3 {a_year} by actor",
            [f"/analysis/compare/?{compare}&by=actor"],
            target_ms,
        ),
        TimedPage("admin", "admin list", [ADMIN_LIST], target_ms),
        TimedPage("admin_mopti", "admin list, q=Mopti", [f"{ADMIN_LIST}?q=Mopti"], target_ms),
        TimedPage("admin_jnim", "admin list, q=JNIM", [f"{ADMIN_LIST}?q=JNIM"], target_ms),
        TimedPage(
            "actor",
            f"actor page ({big_actor['roles']:,} roles)",
            [f"/actors/{big_actor['actor']}/"],
            target_ms,
        ),
        TimedPage("actor_index", "actors' index", ["/actors/"], target_ms),
        TimedPage(
            "search_country",
            f"list, q={big_country.name}",
            [f"/incidents/?q={big_country.name}"],
            target_ms,
        ),
        TimedPage(
            "split_actor_region",
            "series by month, split by actor, one region",
            [f"/analysis/?interval=month&split=actor&admin1={big_region}"],
            target_ms,
        ),
        TimedPage(
            "split_actor_week",
            "series by week, split by actor",
            ["/analysis/?interval=week&split=actor"],
            target_ms,
        ),
        # A country's name searched with the list's other filters, and deep (search3).
        TimedPage(
            "search_in_country",
            f"list, q={second_country.name}&country={second_country.iso3}",
            [f"/incidents/?q={second_country.name}&country={second_country.iso3}"],
            target_ms,
        ),
        TimedPage(
            "search_other_country",
            f"list, q={second_country.name}&country={big_country.iso3} (none)",
            [f"/incidents/?q={second_country.name}&country={big_country.iso3}"],
            target_ms,
        ),
        TimedPage(
            "search_country_last",
            f"list, q={big_country.name}, last page ({last_page:,})",
            [f"/incidents/?{country_q}&page={last_page}"],
            target_ms,
        ),
        TimedPage(
            "search_country_deep",
            f"list, q={second_country.name}&country={second_country.iso3}, page 3,000",
            [f"/incidents/?q={second_country.name}&country={second_country.iso3}&page=3000"],
            target_ms,
        ),
        TimedPage(
            "search_country_type",
            f"list, q={big_country.name}&event_type=battles, page 2,000",
            [f"/incidents/?{country_q}&event_type=battles&page=2000"],
            target_ms,
        ),
        TimedPage(
            "search_country_year",
            f"list, q={second_country.name} in {last_year - 1}",
            [
                f"/incidents/?q={second_country.name}"
                f"&date_from={last_year - 1}-01-01&date_to={last_year - 1}-12-31"
            ],
            target_ms,
        ),
        TimedPage(
            "search_niger_fr",
            "list in French, q=Niger&event_type=protests",
            ["/fr/incidents/?q=Niger&event_type=protests"],
            target_ms,
        ),
        # Deep numbered pages of searches (typed addresses: the list links pages 1-8 and the
        # last), and frequent words with another filter, whose first count is a pass over
        # their matches (search4).
        TimedPage(
            "search_deep", "list, q=JNIM, page 2,000", ["/incidents/?q=JNIM&page=2000"], target_ms
        ),
        TimedPage(
            "search_niger_deep",
            "list, q=Niger, page 5,000",
            ["/incidents/?q=Niger&page=5000"],
            target_ms,
        ),
        TimedPage(
            "search_mopti_deep",
            "list, q=Mopti, page 1,200",
            ["/incidents/?q=Mopti&page=1200"],
            target_ms,
        ),
        TimedPage(
            "search_word_country",
            "list, q=JNIM&country=MLI",
            ["/incidents/?q=JNIM&country=MLI"],
            target_ms,
        ),
        TimedPage(
            "search_word_type",
            "list, q=civilians&event_type=violence_against_civilians",
            ["/incidents/?q=civilians&event_type=violence_against_civilians"],
            target_ms,
        ),
        TimedPage(
            "search_word_actor",
            f"list, q=Gao&actor={jnim}",
            [f"/incidents/?q=Gao&actor={jnim}"],
            target_ms,
        ),
        TimedPage(
            "search_word_actor_type",
            "list, q=soldiers&actor_type=1",
            ["/incidents/?q=soldiers&actor_type=1"],
            target_ms,
        ),
        TimedPage(
            "api_search_country",
            "API, q=JNIM&country=BFA",
            ["/api/incidents/?q=JNIM&country=BFA"],
            target_ms,
        ),
        # Lists filtered by an actor or an actor type without a search: an actor page's "see
        # its incidents", the filter panel's actor types (counted from the actor counts' rows,
        # counts.ActorFilter).
        TimedPage("list_actor", f"list, actor={jnim}", [f"/incidents/?actor={jnim}"], target_ms),
        TimedPage("list_actor_type", "list, actor_type=1", ["/incidents/?actor_type=1"], target_ms),
        TimedPage(
            "list_actor_year",
            f"list, actor={jnim} in 2025",
            [f"/incidents/?actor={jnim}&date_from=2025-01-01&date_to=2025-12-31"],
            target_ms,
        ),
        TimedPage("api_actor", f"API, actor={jnim}", [f"/api/incidents/?actor={jnim}"], target_ms),
        # Found by the user audit of 8 December 2026 (in Chromium, at a load of 5–8): a search
        # with the split by actor or the comparison by actor, the map's points of a search,
        # a frequent word in another country, a country's page, deep numbered pages (OFFSET;
        # next and previous go by cursor), and the admin list sorted or filtered by citations.
        TimedPage(
            "series_search_actor",
            "series by month, q=JNIM, split by actor",
            ["/analysis/?q=JNIM&interval=month&split=actor"],
            target_ms,
        ),
        TimedPage(
            "compare_search_actor",
            "Q3 vs Q3 by actor, q=JNIM",
            [f"/analysis/compare/?{compare}&by=actor&q=JNIM"],
            target_ms,
        ),
        TimedPage(
            "map_search",
            "map points, q=Mopti&country=MLI",
            ["/incidents/map.json?q=Mopti&country=MLI"],
            target_ms,
        ),
        TimedPage(
            "search_word_other_country",
            "list, q=JNIM&country=NER",
            ["/incidents/?q=JNIM&country=NER"],
            target_ms,
        ),
        TimedPage(
            "country_page",
            f"country page ({big_country.iso3})",
            [f"/places/countries/{big_country.iso3}/"],
            target_ms,
        ),
        TimedPage("list_page_10000", "list, page 10,000", ["/incidents/?page=10000"], target_ms),
        TimedPage(
            "list_place_deep",
            "list by place, page 19,999",
            ["/incidents/?sort=place&page=19999"],
            target_ms,
        ),
        TimedPage(
            "list_place_middle",
            "list by place, page 10,000 (typed; the middle)",
            ["/incidents/?sort=place&page=10000"],
            target_ms,
        ),
        TimedPage("list_by_type", "list by type", ["/incidents/?sort=event_type"], target_ms),
        TimedPage(
            "list_type_middle",
            "list by type, page 10,000 (typed; the middle)",
            ["/incidents/?sort=event_type&page=10000"],
            target_ms,
        ),
        TimedPage("admin_by_killed", "admin list by killed", [f"{ADMIN_LIST}?o=-5"], target_ms),
        TimedPage("admin_by_title", "admin list by title", [f"{ADMIN_LIST}?o=2"], target_ms),
        TimedPage(
            "admin_not_cited", "admin list, no source cited", [f"{ADMIN_LIST}?cited=no"], target_ms
        ),
    ]


def logged_in_client():
    """A client logged in as the superuser bench-admin (created when missing)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username="bench-admin").first()
    if user is None:
        user = user_model.objects.create_superuser("bench-admin", "bench@example.org", None)
    client = Client()
    client.force_login(user)
    return client


def slowest_queries(queries, count=3):
    """The page's slowest queries, for EXPLAIN."""
    return sorted(queries, key=lambda query: -float(query["time"]))[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests per URL first")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    parser.add_argument(
        "--pages", nargs="*", metavar="PAGE", help="time only these pages (default: all)"
    )
    parser.add_argument(
        "--explain",
        nargs="*",
        metavar="PAGE",
        help="each query's time, and the plans of the slowest, for these pages (default: all); "
        "PostgreSQL only",
    )
    args = parser.parse_args()

    load_before = start_run("incidentdb slow-corner benchmark (issue 16, point 7)")
    print("Cache: emptied before each request (--cold)" if args.cold else "Cache: kept (warm)")
    client = logged_in_client()
    pages = build_pages(COLD_TARGET_MS if args.cold else WARM_TARGET_MS)
    if args.pages:
        pages = [page for page in pages if page.key in args.pages]
    for page in pages:
        warm_up(client, page, args.warmup, cold=args.cold)
    measure(client, pages, args.repeat, cold=args.cold)
    print_results(pages, args.warmup, args.repeat, "page, pages in turn")
    print_load_average(load_before)
    if args.explain is not None:
        wanted = args.explain or [page.key for page in pages]
        explain_pages(client, pages, wanted, slowest_queries, cold=args.cold)


if __name__ == "__main__":
    main()
