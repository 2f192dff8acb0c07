"""Print what the searched lists answer, as JSON, so that two versions of the code can be shown
to give the same answers on the same data (issue 16, point 7: the search entries).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_1m DEBUG=false SECRET_KEY=x \
        .venv/bin/python bench/search_answers.py > after.json

For each public search: the count, the facets (each as a sorted list) and the first page's ids
in the list's order; for each analysts' search: the count by month (the admin's count and date
hierarchy), the total and the first admin page's ids, newest first. Run it on two copies of one
database with the two versions and compare the files (`cmp before.json after.json`). The time
each search took goes to stderr.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# bench.common sets Django up, so it comes before any model.
import bench.common  # noqa: E402, F401
from incidents.filters import IncidentFilterSet  # noqa: E402
from incidents.models import Incident  # noqa: E402

PUBLIC = [
    "JNIM",
    "Mopti",
    "Ménaka",
    "Mali",
    "Niger",
    "Burkina Faso",
    # Whole countries and regions named (their incidents counted from the count tables), a
    # region named in several words, a text in many regions' names (Est, Nord-Est, Ouest…).
    "Tillabéri",
    "Boucle du Mouhoun",
    "Sahel",
    "Est",
    '"armed clash"',
    "Gao attack",
    "xyzzy",
    "Tombouctou JNIM",
]
# Deep pages (their first row's position) of searches ranked by name: across the end of a
# rank (Burkina Faso's 368,247 incidents of the country come first, then the rest) and beyond it.
DEEP_PAGES = {
    "Burkina Faso": [368_200, 368_300],
    "Mopti": [1_000, 3_000, 30_000, 59_950, 63_300],
    "Sahel": [71_150],
    # The country's 317,270 incidents, then its 50 other matches (search3: read from the day
    # the page starts on).
    "Mali": [150_000, 317_250, 317_300],
    "Niger": [100_000, 249_950, 276_690],
    # Searches with another filter, by their JSON (see main): across the walk's limit
    # (RANK_WALK_ROWS), deep, the last page.
    '{"country": ["MLI"], "q": "Mali"}': [2_450, 100_000, 317_250],
    '{"admin1": ["59"], "q": "Mopti"}': [2_450, 30_000],
    '{"event_type": ["battles"], "q": "Burkina Faso"}': [5_000, 120_000],
    '{"date_from": "2021-03-15", "date_to": "2022-06-30", "q": "Burkina Faso"}': [10_000],
    '{"country": ["BFA"], "date_from": "2022-01-01", "q": "Sahel"}': [3_000],
    # Searches ordered by date alone, alone and filtered (search4: read from the month the page
    # starts in, beyond RANK_WALK_ROWS): across the limit, deep, the last rows.
    "JNIM": [2_450, 2_500, 99_950, 237_890],
    "Tombouctou JNIM": [3_000],
    # Ranked by a place named exactly (search4: each rank from its months).
    '{"country": ["MLI"], "q": "Mopti"}': [5_000, 40_000],
    '{"event_type": ["battles"], "q": "Mopti"}': [3_000],
    "Ménaka": [3_000, 20_000],
    '{"country": ["MLI"], "q": "JNIM"}': [2_480, 60_000, 90_820],
    '{"actor_type": ["1"], "q": "soldiers"}': [150_000, 316_240],
    '{"actor": ["3"], "q": "Gao"}': [10_000],
    '{"country": ["BFA"], "date_from": "2021-03-15", "q": "JNIM"}': [5_000],
    # Deep in the second rank of Niger (Nigeria and the other matches, after Niger's own
    # incidents): by month from the count tables and the tally's pass.
    '{"event_type": ["strategic_developments", "protests"], "q": "Niger"}': [20_000],
}
# Searches with other filters (the incidents' general path).
FILTERED = [
    {"q": "Burkina Faso", "country": "BFA"},
    {"q": "Mali", "date_from": "2020-01-01", "date_to": "2022-06-30"},
    {"q": "Mopti", "event_type": "battles"},
    # A country's name within its own country, within another, within both; a region's name
    # within its region, its country, another country (search3: the other filters' selection
    # counted from the count tables). A filter of several values is a list: a plain string is
    # not a valid value of a multiple choice (the three above are such invalid filters, so
    # their searches run unfiltered, as the list does with an invalid parameter).
    {"q": "Mali", "country": ["MLI"]},
    {"q": "Mali", "country": ["BFA"]},
    {"q": "Mali", "country": ["MLI", "BFA"]},
    {"q": "Mopti", "admin1": ["59"]},
    {"q": "Mopti", "country": ["MLI"]},
    {"q": "Mopti", "country": ["BFA"]},
    {"q": "Burkina Faso", "country": ["BFA"], "event_type": ["battles"]},
    {"q": "Burkina Faso", "event_type": ["battles"]},
    {"q": "Burkina Faso", "date_from": "2021-03-15", "date_to": "2022-06-30"},
    {"q": "Sahel", "country": ["BFA"], "date_from": "2022-01-01"},
    {"q": "Niger", "event_type": ["strategic_developments", "protests"]},
    {"q": "JNIM", "country": ["NER"]},
    {"q": "attack", "country": ["MLI"]},
    # Frequent words with other filters, actors among them (search4: counted from the search
    # entries).
    {"q": "JNIM", "country": ["MLI"]},
    {"q": "civilians", "event_type": ["violence_against_civilians"]},
    {"q": "Gao", "actor": ["3"]},
    {"q": "soldiers", "actor_type": ["1"]},
    {"q": "JNIM", "country": ["BFA"], "date_from": "2021-03-15"},
    {"q": "attack", "actor_type": ["2", "3"], "event_type": ["battles"]},
    {"q": "Mopti", "event_type": ["battles"]},
]
ADMIN = ["Mopti", "JNIM", "2023-09", "2024 Gao", '"Group for Support"', "MLI1", "xyzzy"]


def page_ids(found, bottom, top):
    """The ids of a page as the list reads them: IncidentQuerySet.page_ids where the code has
    it, else the plain slice of the ordered search (as the code before it read the page)."""
    if hasattr(found, "page_ids"):
        return found.page_ids(bottom, top)
    return list(found.values_list("pk", flat=True)[bottom:top])


def main():
    answers = {}
    searches = [{"q": text} for text in PUBLIC] + FILTERED
    for query in searches:
        started = time.perf_counter()
        filterset = IncidentFilterSet.from_query(query)
        if query not in FILTERED[:3] and not filterset.is_valid():  # see FILTERED
            sys.exit(f"invalid filter {query}: {filterset.errors.as_json()}")
        found = filterset.qs
        facets = found.facet_counts()
        text = query["q"] if len(query) == 1 else json.dumps(query, sort_keys=True)
        answers[f"public {text}"] = {
            "count": found.cached_count(),
            "facets": {name: sorted(map(json.dumps, rows)) for name, rows in facets.items()},
            "first page": page_ids(found, 0, 50),
            # A ranked search pages by number (?page=2), not by cursor.
            "second page": page_ids(found, 50, 100),
        }
        for bottom in DEEP_PAGES.get(text, []):
            answers[f"public {text}"][f"page from {bottom}"] = page_ids(found, bottom, bottom + 50)
        print(f"public {text}: {time.perf_counter() - started:.2f} s", file=sys.stderr)
    for text in ADMIN:
        started = time.perf_counter()
        found = Incident.objects.all().matching_every_word(text).order_by("-start_date", "-id")
        months = found.start_month_counts()
        answers[f"admin {text}"] = {
            "months": {str(month): months[month] for month in sorted(months)},
            "count": sum(months.values()),
            "first page": list(found.values_list("pk", flat=True)[:100]),
        }
        print(f"admin {text}: {time.perf_counter() - started:.2f} s", file=sys.stderr)
    json.dump(answers, sys.stdout, sort_keys=True, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
