"""The most-asked public addresses rendered again as soon as the public data version moves, so
that their visitors after a publication find them kept (config/page_cache.py) instead of
waiting for a render.

- Counting: every answer PublicAnswers keeps, and one in HIT_SAMPLE it serves, counts to its
  address in a Redis sorted set of the day (UTC), one ZINCRBY. An entry is what it takes to
  ask for the same answer again: the method, the full address and the values of the request
  headers the answer varies by (Accept-Encoding, Accept-Language, Cookie; an answer kept for
  cookies other than the language's is one visitor's own, and not counted). The set keeps its
  best and lives two days; the ranking counts yesterday's visits at half weight, so that
  yesterday's fashion fades and the ranking is not empty just after midnight.
- Asking: the first request a process answers under a version it has not met, any request that
  may have written (an analyst's save, publication or retraction in the admin) and the end of
  an import ask for a job, once per version, and not while one asked for has not started (it
  reads the version when it starts): a burst of versions (an import publishing chunk by chunk)
  queues one job, not one per version.
- Rendering: the job (`warm_hot_pages`, on the RQ worker) renders the PAGE_WARMING_ADDRESSES
  hottest addresses under the version current when it starts, hottest first, through Django's
  own WSGI handler and middleware, so that PublicAnswers stores each answer exactly as for a
  visitor's miss. An address already kept under the version is a hit and costs nothing more.
  It stops as soon as the version moves again: the job asked for by that move renders for it.

Without REDIS_URL (`make run`, one process and its own cache) nothing is counted and nothing is
rendered in advance: the first visitor of each address after a change renders it, as before.
"""

import datetime
import io
import itertools
import json
import logging
import random
import sys
import time
from urllib.parse import unquote_to_bytes, urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from . import page_cache
from .routers import one_replica

logger = logging.getLogger(__name__)

# The WSGI environ key that marks the job's own requests (a client cannot send it: every header
# becomes HTTP_…): they are neither counted as visits nor taken as a sign of a new version.
WARMING = "incidentdb.warming"
# How many addresses a day's set keeps at least (the best-counted; twice the addresses rendered
# if more), trimmed every TRIM_EVERY visits a process counts.
HOT_KEPT = 1000
TRIM_EVERY = 1000
# Hits are counted one in HIT_SAMPLE (at random), each for HIT_SAMPLE visits: the addresses
# asked for often rank the same, and nine hits in ten make no Redis round trip (counting every
# hit, the server answered ~10 % fewer requests per second under bench_load.py's mix).
HIT_SAMPLE = 10
# A job asked for and not started within this long (no worker, or one busy with an import) no
# longer keeps another from being asked for.
PENDING_SECONDS = 300
PENDING_KEY = "page:warming:pending"

_visits_counted = itertools.count(1)
_connections = {}


def is_warming(request):
    return request.META.get(WARMING, False)


def hot_key(day):
    return f"page:hot:{day.isoformat()}"


def hot_set():
    """The Redis connection the sorted sets live in, or None when nothing is rendered in
    advance (no REDIS_URL, no kept answers, or PAGE_WARMING_ADDRESSES=0)."""
    url = settings.REDIS_URL
    if not url or not settings.PAGE_CACHE or settings.PAGE_WARMING_ADDRESSES <= 0:
        return None
    if url not in _connections:
        _connections[url] = redis.Redis.from_url(url)
    return _connections[url]


def count_visit(request, headers, stored):
    """Count a visit of the request's address (method, full address, the values of `headers`,
    the request headers its answer varies by) in today's set: the visit whose answer was just
    `stored` always, a hit one time in HIT_SAMPLE, as HIT_SAMPLE visits."""
    weight = 1 if stored else HIT_SAMPLE
    if not stored and random.randrange(HIT_SAMPLE):
        return
    connection = hot_set()
    if connection is None:
        return
    # What the answer's key holds of each header (of the cookies, the language's alone), which
    # the warming sends again.
    values = {header: page_cache.key_value(request, header) for header in headers}
    address = [
        request.method,
        request.build_absolute_uri(),
        {header: value for header, value in values.items() if value is not None},
    ]
    key = hot_key(timezone.now().date())
    pipeline = connection.pipeline(transaction=False)
    pipeline.zincrby(key, weight, json.dumps(address, sort_keys=True))
    pipeline.expire(key, 2 * 24 * 3600)
    if next(_visits_counted) % TRIM_EVERY == 0:
        pipeline.zremrangebyrank(key, 0, -hot_kept() - 1)
    pipeline.execute()


def hot_kept():
    return max(HOT_KEPT, 2 * settings.PAGE_WARMING_ADDRESSES)


def hottest(number):
    """The `number` most visited addresses, most visited first, as (method, full address,
    {request.META name: value}): today's visits count whole, yesterday's half."""
    connection = hot_set()
    if connection is None or number <= 0:
        return []
    today = timezone.now().date()
    scores = {}
    for day, weight in ((today, 1.0), (today - datetime.timedelta(days=1), 0.5)):
        for member, score in connection.zrevrange(hot_key(day), 0, number - 1, withscores=True):
            scores[member] = scores.get(member, 0.0) + weight * score
    ranked = sorted(scores, key=lambda member: (-scores[member], member))[:number]
    return [tuple(json.loads(member)) for member in ranked]


def request_warming(version=None):
    """Ask a worker to render the hottest addresses under the public data version (`version`,
    or the primary's current one), once per version. Called inside a transaction, it asks once
    the transaction commits (the version moves with the commit)."""
    if hot_set() is None:
        return

    def ask():
        from incidents import jobs
        from incidents.counts import read_data_version

        asked_version = version if version is not None else read_data_version(DEFAULT_DB_ALIAS)
        if cache.add(f"page:warming:v{asked_version}", True, 24 * 3600) and cache.add(
            PENDING_KEY, True, PENDING_SECONDS
        ):
            jobs.run_later(warm_hot_pages)

    transaction.on_commit(ask)


def warm_hot_pages():
    """The job: render the hottest addresses under the version current now, unless another job
    has done or is doing it. Returns what it did, which RQ keeps as the job's result."""
    from incidents.counts import data_version

    # From here on, a new version asks for a job of its own.
    cache.delete(PENDING_KEY)
    version = current_version(data_version)
    if not cache.add(f"page:warmed:v{version}", True, 24 * 3600):
        return {"version": version, "rendered": 0, "skipped": "another job has this version"}
    # Requests that meet this version from now on need not ask for it.
    cache.set(f"page:warming:v{version}", True, 24 * 3600)
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    started = time.monotonic()
    rendered = 0
    for address in hottest(settings.PAGE_WARMING_ADDRESSES):
        if current_version(data_version) != version:
            break
        render(handler, *address)
        rendered += 1
    seconds = round(time.monotonic() - started, 2)
    logger.info("rendered %d hot addresses under version %s in %s s", rendered, version, seconds)
    return {"version": version, "rendered": rendered, "seconds": seconds}


def current_version(data_version):
    # Read where the job's requests read it (one replica), so that the job renders under the
    # version its answers are kept under.
    with one_replica():
        return data_version()


def render(handler, method, address, headers):
    """Ask `handler` (Django's WSGI handler, every middleware included) for one address, as a
    WSGI server would pass a visitor's request on."""
    parts = urlsplit(address)
    secure = parts.scheme == "https"
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        # A WSGI server hands the path over decoded, its bytes as latin-1 (PEP 3333).
        "PATH_INFO": unquote_to_bytes(parts.path).decode("iso-8859-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if secure else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        WARMING: True,
        **headers,
    }
    if secure and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        name, value = settings.SECURE_PROXY_SSL_HEADER
        environ[name] = value
    response = handler(environ, lambda status, response_headers, exc_info=None: None)
    # What a WSGI server does after sending the answer: the request_finished signal.
    response.close()
    return response
