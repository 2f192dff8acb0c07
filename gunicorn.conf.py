"""gunicorn's settings for incidentdb: `.venv/bin/gunicorn config.wsgi` reads this file.

gunicorn reads ./gunicorn.conf.py from the directory it is started in without being told
(its `-c` default), so the README's production command and the peer benchmark's plain
`gunicorn config.wsgi --bind … --workers 3` both run with it; options on the command line win
over what is set here. Every value can be changed through the environment, parsed strictly:
a typo stops the server at start-up instead of running with a default.

The numbers come from bench/bench_load.py on a 2-core machine with a million incidents
(docs/deployment.md has the measurements and a sizing table).
"""

import ctypes
import gc
import os


def env_int(name, default):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r}: use a whole number") from None


wsgi_app = "config.wsgi"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes. Each worker is a Python interpreter with Django loaded (about 100–120 MiB once
# warm; the master about 25 MiB), and runs Python on one core at a time. One worker with
# threads is the default: 145 MiB for the whole server under 50 connections, where two workers
# took 246 MiB for 15 % more requests per second on two cores (the database uses the other
# core's time anyway; docs/deployment.md has the measurements). Give a bigger machine more:
# WEB_CONCURRENCY (the name Heroku, Render and gunicorn's docs use) = its cores.
workers = env_int("WEB_CONCURRENCY", 1)

# Threads, not one request per process: a download of a million rows streams for tens of
# seconds, mostly waiting on PostgreSQL and on the reader's connection, and with the sync worker
# it held the worker's only slot, so ten downloads queued every page behind them. With gthread
# each request has a thread; pages keep being answered while downloads stream, as long as
# there are more threads than downloads at once: 12 leave pages two threads beside ten
# downloads (with 8, ten downloads took every thread and pages waited for a download to end).
# More threads also let more pages be rendered at once, which costs memory: under 50
# connections the server's RSS peaked at 132 MiB with 8 threads, 145 MiB with 12.
# A thread is cheap (its stack and, while CONN_MAX_AGE lasts, one PostgreSQL connection:
# workers × threads connections per app server, plus two for each CSV download in progress).
worker_class = "gthread"
threads = env_int("GUNICORN_THREADS", 12)

# The heartbeat. A gthread worker's main thread tells the master it is alive every second
# whatever its request threads are doing, so this is not a limit on a request's length (the
# sync worker's `timeout` is one: its default 30 s cut the whole-table CSV at 514,000 rows). A
# worker silent for this long is stuck and is replaced.
timeout = env_int("GUNICORN_TIMEOUT", 30)

# On a restart or reload (SIGHUP, a deploy) and when a worker is recycled (max_requests below),
# the old worker stops accepting and gets this long to finish what it is sending: long enough
# for a whole-table CSV of a million incidents (80 s measured on a 2-core machine busy with
# other work), several of them side by side, with a margin.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 300)

# Seconds an idle client connection stays open for its next request. Behind a load balancer
# or proxy that reuses connections to the app, make it longer than the proxy's own idle timeout,
# or the proxy may send a request on a connection gunicorn is closing (a 502).
keepalive = env_int("GUNICORN_KEEPALIVE", 5)

# A worker is replaced after this many requests (plus up to `max_requests_jitter`, so that
# workers are not all replaced at once): whatever a long-running process accumulates
# (fragmented memory, caches) is given back. The old worker finishes its requests first
# (graceful_timeout) and its replacement starts only when it has exited, so with a single
# worker every recycling would stop new requests for as long as the longest download in
# flight: recycling is on by default only with two workers or more. 0 turns it off.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 2000 if workers > 1 else 0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The heartbeat is a file each worker touches; in memory rather than on a disk that a busy
# download or backup can stall (gunicorn's docs advise /dev/shm where there is one).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs to stdout/stderr for the service manager or container runtime to collect. The access
# log gives each request's status, size and time in milliseconds (%(M)s);
# GUNICORN_ACCESS_LOG= (empty) turns it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

proc_name = "incidentdb"

# gunicorn's control socket (for `gunicornc`) defaults to one path per user account, so two
# servers on one machine (a deploy's old and new one, two apps) would take it from each other:
# off unless GUNICORN_CONTROL_SOCKET names a path of this server's own.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


# glibc gives threads that allocate at the same time malloc arenas of their own, up to eight per
# core, and memory freed in one arena does not serve another: with 8 threads a worker's memory
# spreads over many arenas and its RSS grows. Two arenas are plenty for threads that mostly wait
# on the database or the network (bench: docs/deployment.md). MALLOC_ARENA_MAX in the
# environment would come too late: workers are forked, not started, so it is set in each new
# worker before its threads exist. 0 leaves glibc's default.
MALLOC_ARENAS = env_int("GUNICORN_MALLOC_ARENAS", 2)
M_ARENA_MAX = -8  # mallopt()'s parameter number, from glibc's malloc.h


# Python's cycle collector: each page's template context holds reference cycles, so it is
# freed by a full collection, which scans every object the process holds, Django's own
# included: 60-100 ms, in one request of eight or so of the big pages (bench/README.md). Once a
# worker has loaded the app, gc.freeze() sets what exists then aside for good, and a full
# collection costs a few ms. 0 leaves the collector as Python has it.
GC_FREEZE = env_int("GUNICORN_GC_FREEZE", 1)


def post_worker_init(worker):
    if GC_FREEZE:
        gc.collect()
        gc.freeze()


def post_fork(server, worker):
    if MALLOC_ARENAS:
        try:
            ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, MALLOC_ARENAS)
        except (OSError, AttributeError):
            pass  # not glibc (macOS, musl): nothing to tune
