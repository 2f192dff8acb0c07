"""Work that outlasts a request (an upload's dry run and import): on RQ workers (django-rq),
with the Redis the site already uses for its cache, or at once, inside the request, when
REDIS_URL is unset, so that `make run` needs nothing more.

Workers: `manage.py rqworker default` (docs/deployment.md). A job reads everything it needs
from the database by id, so any worker on any machine can run it.
"""

import django_rq
from django.conf import settings

QUEUE = "default"


def in_background():
    """Whether jobs go to workers (REDIS_URL is set) rather than run in the request."""
    return bool(settings.REDIS_URL)


def queue():
    return django_rq.get_queue(QUEUE)


def run_later(function, *args):
    """Queue function(*args) for a worker. Call it once the rows the job reads are committed
    (transaction.on_commit), or a worker may look for them before they exist."""
    queue().enqueue(function, *args, job_timeout=settings.RQ_JOB_TIMEOUT)
