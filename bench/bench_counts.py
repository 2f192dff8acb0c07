"""Time the pages whose numbers come from the count tables (incidents/counts.py), warm and
cold, in-process through django.test.Client:

    cd <checkout> && DATABASE_URL=postgres://postgres@127.0.0.1:5432/<1M copy> DEBUG=false \
        SECRET_KEY=x .venv/bin/python <this file> [--repeat 15] [--admin1 ID]

Warm: the median of --repeat requests after two warm-ups. Cold: the median of --repeat
requests each made right after the cache was emptied (and, where the checkout has a public data
version, after it moved on, as a publication moves it). Run from a checkout (its directory is
put first on the path), so that the same script times the code before and after a change.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()
# collectstatic's manifest is not built for benchmarks: serve static files by their names.
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def move_version_on():
    """Move the public data version on, as a publication would, if the checkout has one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('incidents_public_data_version_seq')")
        if cursor.fetchone()[0] is None:
            return
        cursor.execute(
            "UPDATE incidents_publicdataversion "
            "SET number = nextval('incidents_public_data_version_seq')"
        )


def timed(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--admin1", type=int, default=134, help="Mopti's id in the 1M db")
    args = parser.parse_args()
    pages = {
        "list /incidents/": "/incidents/",
        "list Mopti 2024": (
            f"/incidents/?admin1={args.admin1}&date_from=2024-01-01&date_to=2024-12-31"
        ),
        "api Mopti 2024": (
            f"/api/incidents/?admin1={args.admin1}&date_from=2024-01-01&date_to=2024-12-31"
        ),
        "series month MLI": "/api/analysis/series/?interval=month&country=MLI",
        "series Mopti year by type": (
            f"/api/analysis/series/?admin1={args.admin1}&date_from=2024-01-01"
            "&date_to=2024-12-31&interval=year&split=event_type&top=6"
        ),
        "home /": "/",
    }
    print(f"load average before: {os.getloadavg()}")
    client = Client()
    print(f"{'page':28} {'warm ms':>8} {'cold ms':>8} {'cold/warm':>9}")
    for name, url in pages.items():
        for _ in range(2):
            timed(client, url)
        warm = statistics.median(timed(client, url) for _ in range(args.repeat))
        colds = []
        for _ in range(args.repeat):
            cache.clear()
            move_version_on()
            colds.append(timed(client, url))
        cold = statistics.median(colds)
        print(f"{name:28} {warm:8.1f} {cold:8.1f} {cold / warm:9.2f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
