"""CPU seconds a page costs, the app's and its PostgreSQL backend's, which move far less than
wall time on a shared machine: compare two checkouts with it, in turn (see bench/README.md).

    DATABASE_URL=postgres://... REDIS_URL=... DEBUG=false SECRET_KEY=x PAGE_CACHE=false \
        .venv/bin/python bench/bench_backend_cpu.py [--reps 5] [--cold] URL...

Each URL is requested once to warm up, then `--reps` times through django.test.Client; the
app's CPU is time.process_time(), the backend's the utime + stime of its process in
/proc/<pid>/stat (the database must run on this machine). --cold empties the cache before
each request. Prints the median per request of each, and the load average.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# bench.common sets Django up, so it comes before any model.
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.common import load_average  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid):
    """The CPU seconds the backend process `pid` has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--cold", action="store_true")
    options = parser.parse_args()
    client = Client()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    print(f"load average before: {load_average()}")
    print(f"{'app CPU':>10} {'db CPU':>10} {'wall':>10}  url")
    for url in options.urls:
        client.get(url)
        app, database, wall = [], [], []
        for _ in range(options.reps):
            if options.cold:
                cache.clear()
            started = (time.process_time(), backend_cpu(pid), time.perf_counter())
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            app.append(time.process_time() - started[0])
            database.append(backend_cpu(pid) - started[1])
            wall.append(time.perf_counter() - started[2])
        print(
            f"{statistics.median(app) * 1000:8.0f} ms {statistics.median(database) * 1000:7.0f} ms "
            f"{statistics.median(wall) * 1000:7.0f} ms  {url}"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
