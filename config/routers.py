"""Public reads on PostgreSQL read replicas, everything else on the primary.

With DATABASE_REPLICA_URLS set (config/settings.py), the databases are "default", the primary,
and "replica1", "replica2", …, copies kept by PostgreSQL's streaming replication. The public
pages, API and downloads are nearly all of the reading, and may lag the primary by the
replication delay (usually well under a second). What must see the latest write reads the
primary:

- every write, and every read inside a transaction (a save and the checks around it);
- every request of a signed-in person (the admin, an analyst previewing the public page after
  a save): PrimaryForSignedInRequests marks them, so an analyst always sees their own save;
- the tables behind signing in (sessions, users, login attempts), whatever the request.
"""

import contextlib
import contextvars
import functools
import random

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# Set for the length of a request that must read the primary.
reads_on_primary = contextvars.ContextVar("reads_on_primary", default=False)

# Set for the length of a request whose reads must all come from one replica: a public answer
# kept under the data version read at its start (config/page_cache.py) must hold rows at least
# as new as that version, which another replica, lagging further, might not have.
request_replica = contextvars.ContextVar("request_replica", default=None)

# Apps whose rows decide who is signed in: read where they were just written.
PRIMARY_ONLY_APPS = {"auth", "sessions", "admin", "axes", "contenttypes"}


def reading_the_primary(function):
    """Decorator: the function reads the primary throughout. For background jobs, which read
    the rows a request has just written (an upload) and outside any transaction would
    otherwise read a replica that may not have them yet."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        token = reads_on_primary.set(True)
        try:
            return function(*args, **kwargs)
        finally:
            reads_on_primary.reset(token)

    return wrapper


@contextlib.contextmanager
def one_replica():
    """Within the block, every read that would go to a replica goes to the same one."""
    replicas = replica_aliases()
    token = request_replica.set(random.choice(replicas) if replicas else None)
    try:
        yield
    finally:
        request_replica.reset(token)


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]


class PrimaryReplicaRouter:
    """Django's database router (settings.DATABASE_ROUTERS) for a primary and its replicas."""

    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if (
            not replicas
            or reads_on_primary.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        # Each read picks a replica, unless the request keeps to one; a page's queries may come
        # from different ones, which all hold the same data up to their lag.
        return request_replica.get() or random.choice(replicas)

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the primary's rows: any two rows may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas receive the schema through replication; they are never migrated.
        return db == DEFAULT_DB_ALIAS


class PrimaryForSignedInRequests:
    """Middleware: a request from someone signed in (a session cookie) or one that may write
    (POST and the like) reads the primary throughout.

    It goes before SessionMiddleware and decides from the cookie alone, so that reading the
    session itself already goes to the primary. A download streams its rows after the view has
    returned, so from a replica even for someone signed in: public rows, at most the
    replication delay old.
    """

    SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        primary = (
            request.method not in self.SAFE_METHODS
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.path.startswith("/admin/")
        )
        token = reads_on_primary.set(primary)
        try:
            return self.get_response(request)
        finally:
            # gthread reuses threads, and a thread keeps its context: reset, never leave set.
            reads_on_primary.reset(token)
