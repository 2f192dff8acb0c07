"""Public answers kept whole under the public data version, and served again without a view.

A public page costs 30–80 ms of Python to render and the same answer to everyone who asks for
the same address, until the data changes. PublicAnswers keeps each public, anonymous GET or
HEAD answer (the status, the headers and the body every middleware inside it produced, gzipped
when the client asked for it) in the shared cache, under a key made of

- the public data version (incidents.counts.data_version): a number the database's triggers
  move on with every change to a published incident, its place, its actors, casualties,
  sources, corrections, and to the names and labels public pages show (migrations 0021 and
  0026), read from the database the answer's rows are read from (with read replicas, one
  replica for the whole request). An answer kept under one version is never served under
  another: a publication or a retraction is on every page, the map's points and the API at
  once, in every process;
- for the answers that say what day it is (an incident's and the about page's citation line
  says on which day it was accessed; their views call `depends_on_the_day`), the day (UTC):
  every other answer outlives midnight;
- the method and the full address with its query (scheme and host included);
- the values of the request headers the answer's Vary names (Accept-Encoding, Accept-Language,
  Cookie): the English address is a redirect for a visitor whose cookie or browser prefers
  French, the JSON APIs' messages follow Accept-Language. Of the cookies, only the language's
  is in the key (key_value): it is the only one a kept answer depends on. A visitor's other
  cookies (a CSRF token left by the browsable API or the admin's sign-in page, a load
  balancer's) would otherwise give each visitor answers of their own, rendered for them alone.
  An answer that uses the visitor's CSRF token is never kept: Django sets the token's cookie
  again on it, and an answer that sets a cookie is not kept.

Django's CacheMiddleware keys the same way, with one difference that matters here: it drops
Accept-Language from the key and adds the language the locale middleware activated, which a
hit cannot know, since it is answered before that middleware runs (config/languages.py decides
the language and the redirect). Here every header the answer varies by is in the key, raw.

Never kept: a request with a session or messages cookie (someone signed in, a message to show),
a conditional request (If-None-Match…: the view answers its 304), an answer other than 200, one
that sets a cookie or asks not to be stored (Cache-Control private / no-store), a download
(streamed, or Content-Disposition: attachment), and any address outside PUBLIC_PATHS (the
admin, the language switcher, the API's schema and docs).

Entries are not given a lifetime for freshness (the version does that) but for memory: after
KEEP_SECONDS an entry of a version nobody asks for any more is gone. An answer still asked for
is kept on: one hit in KEEP_SAMPLE gives it and its Vary KEEP_SECONDS more, so that a day
without a publication does not send the visitors of a hot page back to a render.

Each answer kept, and a sample of the answers served, count as visits of their address
(config/page_warming.py); the first request a process answers under a new version, and any
request that may have written, ask for the most visited addresses to be rendered under the new
version by a worker, before their visitors come back.
"""

import hashlib
import random
import re
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import cc_delim_re
from django.utils.translation import get_language_from_path

from . import page_warming
from .routers import one_replica

# Addresses (without their /fr prefix) whose answers are kept: the pages, map points and JSON
# APIs the public reads. Downloads share some of these prefixes and are refused by their answer.
PUBLIC_PATHS = re.compile(
    r"^/(?:$|incidents/|places/|actors/|about/|codebook/|corrections/|analysis/"
    r"|api/(?!schema/|docs/)|acled-api/|ucdp-api/)"
)
KEEP_SECONDS = 24 * 3600
# One hit in KEEP_SAMPLE (at random) keeps its answer for KEEP_SECONDS more, at the cost of two
# more round trips to Redis (bench_load.py's mix: 707 requests/s before, 717 after).
KEEP_SAMPLE = 10
# Larger answers (an API page of 500 incidents with their narratives) are rendered each time
# rather than fill the cache.
LARGEST_BODY = 2 * 1024 * 1024
# Addresses whose Vary a process keeps (about 150 bytes each).
VARIES_KEPT = 4096
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class PublicAnswers:
    """Middleware, placed after SecurityMiddleware and WhiteNoise and before everything else
    (config/settings.py): a hit skips the other middleware and the view and is the same bytes
    and headers the miss that stored it sent."""

    def __init__(self, get_response):
        self.get_response = get_response
        # The last version this process answered under: a new one is met once per process.
        self.version_met = None
        # What each address's answer varies by (vary_key -> Vary), as read from or written to the
        # cache: a hit then costs one round trip to Redis instead of two. It never changes for a
        # version and an address, so a copy in the process cannot go stale.
        self.varies = {}

    def __call__(self, request):
        if not settings.PAGE_CACHE:
            return self.get_response(request)
        if not may_be_kept(request):
            response = self.get_response(request)
            if request.method not in SAFE_METHODS:
                # A write (an analyst's save, publication or retraction) may have moved the
                # version: have the hot pages rendered before the public comes back for them.
                page_warming.request_warming()
            return response
        # The version and the rows of the answer kept under it are read from one database.
        with one_replica():
            return self.answer(request)

    def answer(self, request):
        # counts imports the models, which need the apps loaded before this module is used.
        from incidents.counts import data_version

        version = data_version()
        warming = page_warming.is_warming(request)
        if version != self.version_met and not warming:
            self.version_met = version
            page_warming.request_warming(version)
        address_key = vary_key(request, version)
        entry = self.varies.get(address_key)
        if entry is None:
            entry = cache.get(address_key)
            if entry is not None:
                self.remember_vary(address_key, entry)
        key = None if entry is None else answer_key(request, version, entry)
        kept = None if key is None else cache.get(key)
        if kept is not None:
            if not random.randrange(KEEP_SAMPLE):
                cache.touch(key, KEEP_SECONDS)
                cache.touch(address_key, KEEP_SECONDS)
            if not warming:
                page_warming.count_visit(request, entry.headers, stored=False)
            return answer_from(kept)
        response = self.get_response(request)
        if is_keepable(response):
            entry = Vary(vary_headers(response), getattr(response, "depends_on_the_day", False))
            cache.set_many(
                {address_key: entry, answer_key(request, version, entry): stored(response)},
                KEEP_SECONDS,
            )
            self.remember_vary(address_key, entry)
            if not warming:
                page_warming.count_visit(request, entry.headers, stored=True)
        return response

    def remember_vary(self, address_key, entry):
        # Bounded: a crawler walking every page must not grow the process (issue 16, point 6).
        if len(self.varies) >= VARIES_KEPT:
            self.varies.clear()
        self.varies[address_key] = entry


def may_be_kept(request):
    """Whether the request is public and anonymous, and asks for a page of PUBLIC_PATHS."""
    cookies = request.COOKIES
    path = request.path_info
    language = get_language_from_path(path)
    if language:
        path = path.removeprefix(f"/{language}")
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
        and not any(header in request.META for header in CONDITIONAL_HEADERS)
        and PUBLIC_PATHS.match(path) is not None
    )


def is_keepable(response):
    cache_control = response.get("Cache-Control", "").lower()
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "attachment" not in response.get("Content-Disposition", "")
        and "private" not in cache_control
        and "no-store" not in cache_control
        and response.get("Vary", "") != "*"
        and len(response.content) <= LARGEST_BODY
    )


class Vary(NamedTuple):
    """What an address's answer depends on besides the version and the address, kept under
    vary_key: the request headers its Vary names (as request.META names) and whether it says
    what day it is."""

    headers: list
    by_day: bool


def depends_on_the_day(response):
    """Mark a view's answer as saying what day it is: it is kept for that day (UTC) only."""
    response.depends_on_the_day = True
    return response


def vary_headers(response):
    """The request headers (as request.META names) the answer depends on, from its Vary."""
    names = cc_delim_re.split(response.get("Vary", "")) if response.has_header("Vary") else []
    return sorted({"HTTP_" + name.strip().upper().replace("-", "_") for name in names if name})


def vary_key(request, version):
    """Where the Vary of the address's answer is kept."""
    return f"page:v{version}:vary:{address_digest(request)}"


def answer_key(request, version, vary):
    """The answer's key: the version, the day if the answer says it, the method, the address and
    the values of the headers it varies by."""
    values = hashlib.md5(usedforsecurity=False)
    for header in vary.headers:
        value = key_value(request, header)
        # An absent header must not share a key with an empty one (as Django's keys).
        values.update(b"-," if value is None else f"{len(value)}:{value},".encode())
    day = f"{timezone.now().date().isoformat()}:" if vary.by_day else ""
    return f"page:v{version}:{day}{request.method}:{address_digest(request)}:{values.hexdigest()}"


def key_value(request, header):
    """What of the request header `header` (a request.META name) a kept answer depends on: the
    header's value, or for the cookies the language cookie alone; None when absent."""
    if header != "HTTP_COOKIE":
        return request.META.get(header)
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return None if language is None else f"{settings.LANGUAGE_COOKIE_NAME}={language}"


def address_digest(request):
    return hashlib.md5(
        request.build_absolute_uri().encode("ascii"), usedforsecurity=False
    ).hexdigest()


def stored(response):
    """The answer as plain values (its status, headers and body): no pickled response object,
    whose class (TemplateResponse, DRF's Response) carries what it was rendered from."""
    return (response.status_code, list(response.items()), response.content)


def answer_from(kept):
    status, headers, body = kept
    response = HttpResponse(body, status=status)
    del response["Content-Type"]
    for name, value in headers:
        response[name] = value
    return response
