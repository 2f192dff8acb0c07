"""Print what the pages counted by actor answer, so that two versions of the code can be shown to
give the same answers on the same data (issue 16, point 7: the actor counts).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidentdb_1m DEBUG=false SECRET_KEY=x \
        PAGE_CACHE=false .venv/bin/python bench/actor_answers.py > after.txt

For each selection (unfiltered, a country, whole months, a date range that is not whole
months, regions and event types, which the actor counts by month cannot answer): the series
split by actor (month, quarter, year, week; incidents and killed) and the comparison by actor, as
the CSV downloads give them, and the biggest actors' pages' numbers (years, roles,
co-actors). Run it on two copies of one database with the two versions and compare the
files (`cmp before.txt after.txt`). The time each answer took goes to stderr.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# bench.common sets Django up, so it comes before any model.
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

import bench.common  # noqa: E402, F401
from incidents.models import Actor, AdminArea, Incident, IncidentActor  # noqa: E402

SELECTIONS = [
    "",
    "country=MLI",
    "country=BFA&country=NER",
    "date_from=2020-03-01&date_to=2023-08-31",
    "country=MLI&date_from=2021-01-01&date_to=2021-12-31",
    "date_from=2020-03-05&date_to=2023-08-20",
    "event_type=battles",
    "actor_type=1",
]
SERIES = [
    "interval=month&split=actor",
    "interval=month&split=actor&measure=killed&top=7",
    "interval=quarter&split=actor&top=3",
    "interval=year&split=actor",
    "interval=week&split=actor&date_from=2024-01-01&date_to=2024-06-30",
    "interval=week&split=actor",
    "interval=week&split=actor&measure=killed&date_from=2023-02-15&date_to=2023-11-20",
]
COMPARISONS = [
    "a_from=2024-07-01&a_to=2024-09-30&b_from=2025-07-01&b_to=2025-09-30",
    "a_from=2023-01-01&a_to=2023-12-31&b_from=2024-01-01&b_to=2024-12-31&top=3",
    "a_from=2024-07-02&a_to=2024-09-30&b_from=2025-07-01&b_to=2025-09-30",
]


def show(client, url):
    started = time.perf_counter()
    response = client.get(url)
    print(f"{url}: {response.status_code}", file=sys.stderr, end=" ")
    print(f"{(time.perf_counter() - started) * 1000:.0f} ms", file=sys.stderr)
    print(f"== {url}")
    print(response.content.decode())


def main():
    client = Client()
    region = AdminArea.objects.filter(name="Mopti").values_list("pk", flat=True).first()
    biggest_region = bench.common.busiest_region().pk
    selections = [
        *SELECTIONS,
        f"admin1={region}",
        # The region with the most incidents, alone, with an event type, and over days.
        f"admin1={biggest_region}",
        f"admin1={biggest_region}&event_type=explosions_remote_violence",
        f"admin1={biggest_region}&admin1={region}&date_from=2022-02-03&date_to=2024-05-06",
        "event_type=battles&event_type=protests&country=NER",
    ]
    for selection in selections:
        for series in SERIES:
            show(client, f"/analysis/series.csv?{series}&{selection}")
        for comparison in COMPARISONS:
            show(client, f"/analysis/compare.csv?{comparison}&by=actor&{selection}")
    show(client, f"/analysis/compare.csv?{COMPARISONS[0]}&by=actor&top=")
    biggest = (
        IncidentActor.objects.values("actor")
        .annotate(roles=Count("pk"))
        .order_by("-roles", "actor")[:3]
    )
    public = Incident.objects.public()
    for row in biggest:
        actor = Actor.objects.get(pk=row["actor"])
        started = time.perf_counter()
        incidents = public.involving_actors([actor])
        trend = incidents.yearly_totals()
        print(f"== actor {actor.pk}")
        print(trend)
        print(public.actor_role_counts(actor))
        print([(other.pk, other.shared) for other in public.co_actors(actor)])
        print(f"actor {actor.pk}: {(time.perf_counter() - started) * 1000:.0f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
