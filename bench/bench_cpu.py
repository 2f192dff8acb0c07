"""The Python CPU a request costs, in-process (django.test.Client: middleware, view, queries and
rendering, no HTTP server), beside its wall time, SQL time, queries and size; optionally with
cProfile. CPU time (time.process_time) moves far less than wall time when other work shares
the machine: compare two checkouts with it, alternating runs (see bench/README.md).

    DATABASE_URL=... REDIS_URL=... DEBUG=false SECRET_KEY=x ALLOWED_HOSTS=127.0.0.1 \
        .venv/bin/python bench/bench_cpu.py [--reps 15] [--cold] [--profile [--sort tottime]] URL...

--cold empties the cache before each request (a first visit after a publication or expiry).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def measure(client, url, reps, cold, profile):
    """(status, CPU ms, wall ms, SQL ms medians, queries, bytes) of `reps` requests."""
    cpus, walls, sqls = [], [], []
    for _ in range(reps):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            cpu, wall = time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            response = client.get(url)
            body = response.content
            if profile:
                profile.disable()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        sqls.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    medians = (statistics.median(values) for values in (cpus, walls, sqls))
    return response.status_code, *medians, len(queries.captured_queries), len(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order")
    parser.add_argument("--top", type=int, default=40, help="cProfile's lines")
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    print("load average", " ".join(open("/proc/loadavg").read().split()[:3]))
    print(f"{'URL':70} status  CPU ms  wall ms  SQL ms  queries  bytes")
    for url in args.urls:
        for _ in range(args.warmup):
            client.get(url)
        profile = cProfile.Profile() if args.profile else None
        status, cpu, wall, sql, count, size = measure(client, url, args.reps, args.cold, profile)
        print(f"{url[:70]:70} {status:6} {cpu:7.1f} {wall:8.1f} {sql:7.1f} {count:8} {size:6}")
        if profile:
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
