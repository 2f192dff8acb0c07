"""The first request to each hot page after a publication, against its warm median, over HTTP
against a running server (gunicorn with gunicorn.conf.py, REDIS_URL set) on PostgreSQL.

    .venv/bin/python bench/bench_publication.py --base http://127.0.0.1:8311 \\
        --database w1_1m --redis redis://127.0.0.1:6379/11 [--no-worker]
    .venv/bin/python bench/bench_publication.py --base http://127.0.0.1:8311 --hit-cost 2000

1. Warm-up: the hot pages (bench_load.py's page kinds, page 1,000, the map's points and
   --incident-pages incident pages) are asked for in turn for --warm seconds: each is kept and
   counted as hot.
2. Warm medians: seven more turns over the pages, one page after the other (hits).
3. Each round: one incident is retracted (or published again) by one UPDATE, as any write path
   would, which moves the public data version; a page outside the hot ones (/codebook/) is
   asked for, as the first visitor after the change would, which asks for the warm-up job.
   With a worker (the default) the script waits for the job (RQ's finished registry) and
   meanwhile asks for a probe page again and again (how the worker's CPU weighs on the pages
   served meanwhile); with --no-worker (none running) it does not wait. Then each hot page is
   asked for once: the first request after the publication. The incident is published again
   at the end.
It prints, per page, the warm median, the first request after each round and the ratio.

--hit-cost N: N hits of one page in a row (median and p95), to compare servers (before/after).
--publish-every S: only a publication (one incident retracted, then published again) every S
seconds for --publish-for seconds, to run beside bench_load.py's mix.
"""

import argparse
import re
import statistics
import threading
import time

import psycopg2
import redis
from bench_load import Client, load_average, machine, page_mix, percentile
from rq import Queue
from rq.job import Job
from rq.registry import FinishedJobRegistry

WARMING_JOB = "config.page_warming.warm_hot_pages"


def hot_pages(base, region, incidents):
    mix, ids = page_mix(base, region)
    pages = [
        address
        for kind, addresses in mix.items()
        if kind != "incident page"
        for address in addresses
    ]
    incident_pages = [f"/incidents/{pk}/" for pk in ids[1 : incidents + 1]]
    # The incident retracted and published again: the newest, not among the hot pages.
    return pages + ["/incidents/?page=1000", "/incidents/map.json"] + incident_pages, ids[0]


def timed(client, address):
    status, _length, _lines, seconds = client.get(address)
    if status != 200:
        raise SystemExit(f"GET {address} answered {status}")
    return seconds * 1000


def warm_up(base, pages, seconds):
    client, stop_at, sent = Client(base), time.monotonic() + seconds, 0
    while time.monotonic() < stop_at:
        for address in pages:
            timed(client, address)
            sent += 1
    client.close()
    return sent


def data_version(database):
    with psycopg2.connect(host="127.0.0.1", user="postgres", dbname=database) as connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT number FROM incidents_publicdataversion")
            return cursor.fetchone()[0]


def toggle_an_incident(database, pk):
    """Retract the incident, or publish it again if it is retracted: one UPDATE, which the
    database's triggers turn into a new public data version and new counts."""
    connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=database)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_incident SET"
            " status = CASE status WHEN 'published' THEN 'retracted' ELSE 'published' END,"
            " retracted_at = CASE status WHEN 'published' THEN now() END,"
            " retraction_reason = CASE status WHEN 'published' THEN 'bench' ELSE '' END"
            " WHERE id = %s RETURNING status",
            [pk],
        )
        status = cursor.fetchone()[0]
    connection.close()
    return status


def wait_for_the_job(queue, version, probe_base, probe_address, timeout=300):
    """The warm-up job's result for `version` and its RQ job, and the times of a probe page
    asked for again and again meanwhile (hits, once its first request has rendered it)."""
    finished = FinishedJobRegistry(queue=queue)
    probe_times, done = [], threading.Event()

    def ask_the_probe():
        client = Client(probe_base)
        timed(client, probe_address)
        while not done.is_set():
            probe_times.append(timed(client, probe_address))
            time.sleep(0.05)
        client.close()

    asking = threading.Thread(target=ask_the_probe)
    asking.start()
    stop_at = time.monotonic() + timeout
    try:
        while time.monotonic() < stop_at:
            jobs = Job.fetch_many(finished.get_job_ids(), connection=queue.connection)
            for job in jobs:
                if job is None or job.func_name != WARMING_JOB:
                    continue
                result = job.return_value()
                if result and result.get("version") == version and "seconds" in result:
                    return result, job, probe_times
            time.sleep(0.1)
        raise SystemExit(f"no warm-up job finished for version {version} in {timeout} s")
    finally:
        done.set()
        asking.join()


def measure_hit_cost(args):
    client = Client(args.base)
    address = args.hit_address
    timed(client, address)
    times = [timed(client, address) for _ in range(args.hit_cost)]
    client.close()
    print(
        f"{args.hit_cost} hits of {address}: median {statistics.median(times):.2f} ms, "
        f"p95 {percentile(times, 0.95):.2f} ms, load average {load_average()}"
    )


def publish_now_and_then(args):
    """Retract an incident and publish it again, in turns, every --publish-every seconds for
    --publish-for seconds: a publication under bench_load.py's mix, run at the same time."""
    # The 250th newest: in the counts, series and facets of bench_load.py's pages, not among
    # its 200 incident pages (a retracted one answers 410, which it counts as an error).
    incident = Client(args.base).get_json("/api/incidents/?page_size=250")["results"][-1]["id"]
    status = "published"
    stop_at = time.monotonic() + args.publish_for
    while time.monotonic() + args.publish_every < stop_at:
        time.sleep(args.publish_every)
        status = toggle_an_incident(args.database, incident)
        print(f"incident {incident} {status}, load average {load_average()}", flush=True)
    if status == "retracted":
        toggle_an_incident(args.database, incident)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8311")
    parser.add_argument("--database", default="w1_1m")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="the app's REDIS_URL")
    parser.add_argument("--region", default="Mopti", help="admin1 of the filtered pages")
    parser.add_argument("--warm", type=int, default=20, help="seconds of warm-up")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--incident-pages", type=int, default=20, help="hot incident pages")
    parser.add_argument("--no-worker", action="store_true", help="no worker runs: do not wait")
    parser.add_argument("--hit-cost", type=int, default=0, help="only N hits of --hit-address")
    parser.add_argument("--hit-address", default="/api/incidents/")
    parser.add_argument("--publish-every", type=int, default=0, help="only publications, S s apart")
    parser.add_argument("--publish-for", type=int, default=70, help="seconds of publications")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: {load_average()}")
    if args.hit_cost:
        return measure_hit_cost(args)
    if args.publish_every:
        return publish_now_and_then(args)

    pages, incident = hot_pages(args.base, args.region, args.incident_pages)
    sent = warm_up(args.base, pages, args.warm)
    print(f"warm-up: {sent} requests over {len(pages)} hot pages in {args.warm} s")
    client = Client(args.base)
    # Timed as the first requests after a publication are: one page after the other, in turns.
    passes = [{address: timed(client, address) for address in pages} for _ in range(7)]
    warm = {address: statistics.median(times[address] for times in passes) for address in pages}
    # The slowest of the seven: how far a single hit strays on this machine at this moment.
    warm_slowest = {address: max(times[address] for times in passes) for address in pages}
    queue = Queue("default", connection=redis.Redis.from_url(args.redis))
    firsts = {address: [] for address in pages}
    for round_number in range(1, args.rounds + 1):
        status = toggle_an_incident(args.database, incident)
        version = data_version(args.database)
        loads = load_average()
        timed(client, f"/codebook/?round={round_number}-{version}")  # the first visitor
        if args.no_worker:
            note = "no worker"
        else:
            result, job, probe_times = wait_for_the_job(
                queue, version, args.base, f"/api/incidents/?page_size=5&v={version}"
            )
            note = (
                f"job: {result['rendered']} pages in {result['seconds']} s "
                f"(queued → finished {(job.ended_at - job.enqueued_at).total_seconds():.1f} s); "
                f"a hit meanwhile: median {statistics.median(probe_times):.1f} ms, "
                f"p95 {percentile(probe_times, 0.95):.1f} ms over {len(probe_times)}"
            )
        # A connection open before the first page is timed, as during the warm medians: the
        # server closes one left idle for its keepalive (5 s) while the job ran.
        client.close()
        timed(client, "/static/css/site.css")
        for address in pages:
            firsts[address].append(timed(client, address))
        print(
            f"round {round_number}: incident {incident} {status}, version {version}, "
            f"load average {loads}; {note}"
        )
    client.close()
    if status == "retracted":
        toggle_an_incident(args.database, incident)

    print(
        f"\n| page | warm median (slowest of 7), ms | first after a publication, ms "
        f"({args.rounds} rounds) | worst / warm median |\n|---|---:|---:|---:|"
    )
    ratios = {address: max(firsts[address]) / warm[address] for address in pages}
    incident_pages = [address for address in pages if re.fullmatch(r"/incidents/\d+/", address)]
    for address in pages:
        if address not in incident_pages:
            shown = address if len(address) < 70 else address[:67] + "…"
            print(
                f"| `{shown}` | {warm[address]:.1f} ({warm_slowest[address]:.0f}) | "
                f"{' / '.join(f'{ms:.0f}' for ms in firsts[address])} | {ratios[address]:.1f} |"
            )
    if incident_pages:
        every_first = [ms for address in incident_pages for ms in firsts[address]]
        print(
            f"| {len(incident_pages)} incident pages | "
            f"{statistics.median(warm[address] for address in incident_pages):.1f} "
            f"({max(warm_slowest[address] for address in incident_pages):.0f}) | "
            f"median {statistics.median(every_first):.0f}, slowest {max(every_first):.0f} | "
            f"{statistics.median(ratios[address] for address in incident_pages):.1f} (median), "
            f"{max(ratios[address] for address in incident_pages):.1f} (largest) |"
        )
    print(
        f"\nworst / warm median over the {len(pages)} pages: "
        f"median {statistics.median(ratios.values()):.1f}, "
        f"largest {max(ratios.values()):.1f}; within 2× on their slowest round: "
        f"{sum(ratio <= 2 for ratio in ratios.values())} pages; "
        f"first requests within 2× of their page's warm median: "
        f"{sum(ms <= 2 * warm[a] for a in pages for ms in firsts[a])} of "
        f"{len(pages) * args.rounds}; load average after: {load_average()}"
    )


if __name__ == "__main__":
    main()
