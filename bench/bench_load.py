"""The app under load, over HTTP, against a running server (gunicorn with gunicorn.conf.py).

    .venv/bin/python bench/bench_load.py --base http://127.0.0.1:8000 --pid <gunicorn master>
    .venv/bin/python bench/bench_load.py --downloads 10 --pid <gunicorn master>

Default mode: CONNECTIONS clients (threads, each on its own keep-alive connection) send the
page mix below, one request after another, for DURATION seconds after WARMUP seconds, and it
prints requests/s, median and p95 (overall and per page) and the errors (any status but 200,
any broken connection). `--downloads N`: N clients download the whole table as CSV at the
same time while one client opens a light page (an incident's page) every half second; it
prints the light page's times during the downloads and each download's length and time.

With `--pid`, the RSS of the server's whole process tree (gunicorn's master and workers) is
sampled every second: the largest sum is printed. Standard library only; loopback only.
"""

import argparse
import http.client
import json
import os
import platform
import random
import statistics
import threading
import time
import urllib.parse


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load_average():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def cpu_seconds(pid):
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return found


def postgres_backends(database):
    """PIDs of the PostgreSQL backends serving `database` (their process title names it)."""
    pids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                title = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace").split()
        except OSError:
            continue
        if title[:1] == ["postgres:"] and database in title[2:4]:
            pids.append(int(entry))
    return pids


class CpuMeter:
    """CPU seconds spent by the server's processes and by its database's backends: busy
    machines stretch wall-clock times, but the CPU a request costs stays about the same, and
    says how many requests a given number of cores can serve."""

    def __init__(self, pid, database):
        self.pid, self.database = pid, database
        self.server, self.postgres = {}, {}

    def sample(self):
        for current in descendants(self.pid) if self.pid else []:
            self.server[current] = cpu_seconds(current)
        for current in postgres_backends(self.database) if self.database else []:
            self.postgres[current] = cpu_seconds(current)

    def totals(self):
        return sum(self.server.values()), sum(self.postgres.values())


def tree_rss(pid):
    """The summed VmRSS (bytes) of pid and all its descendants, and how many processes."""
    total, count, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            count += 1
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return total, count


class RssSampler(threading.Thread):
    """The largest summed RSS of the server's process tree, sampled every second."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.largest, self.processes, self.running = pid, 0, 0, True

    def run(self):
        while self.running:
            total, count = tree_rss(self.pid)
            if total > self.largest:
                self.largest, self.processes = total, count
            time.sleep(1)


class Client:
    """One keep-alive HTTP connection; reconnects after an error."""

    def __init__(self, base):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.connection = None

    def get(self, path, read_chunk=None, encoding="gzip"):
        """(status, body length, lines, seconds); status 0 for a broken connection. Pages are
        asked for gzipped, as browsers do; downloads as they are, so their lines can be
        counted (and as the peer benchmark asks for them)."""
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
            self.connection.request("GET", path, headers={"Accept-Encoding": encoding})
            response = self.connection.getresponse()
            length = lines = 0
            while piece := response.read(read_chunk or 1 << 16):
                length += len(piece)
                lines += piece.count(b"\n")
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, length, lines, time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, 0, 0, time.perf_counter() - started

    def get_json(self, path):
        self.connection = self.connection or http.client.HTTPConnection(self.host, self.port)
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"setup: GET {path} answered {response.status}")
        return json.loads(body)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def page_mix(base, region):
    """The mix a busy day sends: lists, filtered lists, incident pages, the API, a series and
    the facets. Incident ids come from the API's first pages, so every page exists."""
    setup = Client(base)
    areas = setup.get_json("/api/admin-areas/?" + urllib.parse.urlencode({"level": 1}))
    admin1 = next(area["id"] for area in areas if area["name"] == region)
    ids = [
        incident["id"] for incident in setup.get_json("/api/incidents/?page_size=200")["results"]
    ]
    setup.close()
    year = {"admin1": admin1, "date_from": "2024-01-01", "date_to": "2024-12-31"}
    q = urllib.parse.urlencode
    return {
        "list, first page": ["/incidents/"],
        "list, one region and year": [f"/incidents/?{q(year)}"],
        "incident page": [f"/incidents/{pk}/" for pk in ids],
        "API page": ["/api/incidents/", f"/api/incidents/?{q(year)}"],
        "monthly series": ["/api/analysis/series/?interval=month&country=MLI"],
        "facets (event types of a year)": [
            f"/api/analysis/series/?{q({**year, 'interval': 'year', 'split': 'event_type'})}"
        ],
    }, ids


def run_mix(args):
    mix, _ids = page_mix(args.base, args.region)
    kinds = list(mix)
    results = []  # (kind, status, seconds), after the warm-up
    sent = [0]  # every request, warm-up included: what the CPU was spent on
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, stop_at = start + args.warmup, start + args.warmup + args.duration

    def client_loop(number):
        client, rng = Client(args.base), random.Random(number)
        turn = number  # clients start at different pages of the mix
        while (now := time.perf_counter()) < stop_at:
            kind = kinds[turn % len(kinds)]
            turn += 1
            status, _length, _lines, seconds = client.get(rng.choice(mix[kind]))
            with lock:
                sent[0] += 1
                if now >= measure_from:
                    results.append((kind, status, seconds))
        client.close()

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = [seconds for _kind, _status, seconds in results]
    errors = sum(status != 200 for _kind, status, _seconds in results)
    print(
        f"{len(results)} requests in {args.duration} s: {len(results) / args.duration:.1f} "
        f"requests/s, median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {percentile(times, 0.95) * 1000:.0f} ms, errors {errors}"
    )
    print("| page | requests | median ms | p95 ms | errors |\n|---|---:|---:|---:|---:|")
    for kind in kinds:
        mine = [(status, seconds) for k, status, seconds in results if k == kind]
        seconds = [s for _status, s in mine]
        if seconds:
            print(
                f"| {kind} | {len(mine)} | {statistics.median(seconds) * 1000:.0f} | "
                f"{percentile(seconds, 0.95) * 1000:.0f} | "
                f"{sum(status != 200 for status, _s in mine)} |"
            )
    return sent[0]


def run_downloads(args):
    _mix, ids = page_mix(args.base, args.region)
    downloads = []  # (status, bytes, lines, seconds)
    running = threading.Event()
    running.set()

    def download():
        client = Client(args.base)
        downloads.append(client.get(args.download_path, read_chunk=1 << 20, encoding="identity"))
        client.close()

    threads = [threading.Thread(target=download) for _ in range(args.downloads)]
    for thread in threads:
        thread.start()
    light, client = [], Client(args.base)
    time.sleep(1)  # every download has started
    while any(thread.is_alive() for thread in threads):
        status, _length, _lines, seconds = client.get(f"/incidents/{random.choice(ids)}/")
        light.append((status, seconds))
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    times = [seconds for _status, seconds in light]
    print(
        f"{args.downloads} downloads of {args.download_path} at once: "
        + ", ".join(
            f"{lines - 1:,} rows in {seconds:.1f} s"
            + ("" if status == 200 else f" (HTTP {status})")
            for status, _length, lines, seconds in sorted(downloads, key=lambda d: d[3])
        )
    )
    if times:
        print(
            f"an incident page meanwhile ({len(times)} requests): median "
            f"{statistics.median(times) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f}"
            f" ms, slowest {max(times) * 1000:.0f} ms, errors "
            f"{sum(status != 200 for status, _s in light)}"
        )
    return 0  # CPU per request means nothing here


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds measured")
    parser.add_argument("--warmup", type=int, default=10, help="seconds sent, not measured")
    parser.add_argument("--downloads", type=int, default=0, help="N whole-table CSVs at once")
    parser.add_argument(
        "--download-path", default="/incidents.csv", help="what --downloads fetches"
    )
    parser.add_argument("--region", default="Mopti", help="admin1 of the filtered pages")
    parser.add_argument("--pid", type=int, help="the gunicorn master, for its tree's RSS")
    parser.add_argument("--database", help="the app's database, for its backends' CPU")
    args = parser.parse_args()

    print(f"machine: {machine()}; load average before: {load_average()}")
    if args.downloads:
        print(f"workload: {args.downloads} × {args.download_path} + a light page, {args.base}")
    else:
        print(
            f"workload: {args.connections} connections, the page mix, {args.warmup} s warm-up"
            f" + {args.duration} s measured, {args.base}"
        )
    sampler = RssSampler(args.pid) if args.pid else None
    if sampler:
        sampler.start()
    before = CpuMeter(args.pid, args.database)
    before.sample()
    after = CpuMeter(args.pid, args.database)
    sampler_stop = threading.Event()

    def sample_cpu():  # processes come and go (recycled workers, new connections)
        while not sampler_stop.wait(1):
            after.sample()

    threading.Thread(target=sample_cpu, daemon=True).start()
    served = (run_downloads if args.downloads else run_mix)(args)
    sampler_stop.set()
    after.sample()
    print(f"load average after: {load_average()}")
    if served and (args.pid or args.database):
        server = sum(after.server.get(p, 0) - before.server.get(p, 0) for p in after.server)
        postgres = sum(after.postgres.get(p, 0) - before.postgres.get(p, 0) for p in after.postgres)
        per_request = (server + postgres) / served
        print(
            f"CPU per request: server {server / served * 1000:.1f} ms + PostgreSQL "
            f"{postgres / served * 1000:.1f} ms; on {os.cpu_count()} idle cores that is at most "
            f"{os.cpu_count() / per_request:.0f} requests/s"
        )
    if sampler:
        sampler.running = False
        print(
            f"server RSS, largest sum over its {sampler.processes} processes: "
            f"{sampler.largest / 2**20:.0f} MiB"
        )


if __name__ == "__main__":
    main()
