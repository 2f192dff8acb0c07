"""Settings of a Python process that runs an import and nothing else: the import command's
process, or a worker's job (RQ forks a process for each). Both change the whole interpreter, so
an import that runs inside a web request (no REDIS_URL) goes without them: the request's
threads beside it would run under them too. Each setting comes back when the import ends."""

import gc
import sys
from contextlib import contextmanager

# Whether the process runs an import alone (inside importing_alone): then import_file may check
# the rows in a process of its own (importing.CheckingProcess, settings.IMPORT_CHECKING_PROCESS),
# forked from this one. A process serving web requests does not fork: its other threads may
# hold locks the copy would inherit.
_alone = False


@contextmanager
def importing_alone():
    """few_garbage_collections and quick_thread_switches, for the import in the block, which
    may fork (runs_alone)."""
    global _alone
    was_alone, _alone = _alone, True
    try:
        with few_garbage_collections(), quick_thread_switches():
            yield
    finally:
        _alone = was_alone


def runs_alone():
    """Whether the process runs an import and nothing else (importing_alone)."""
    return _alone


@contextmanager
def few_garbage_collections():
    """The garbage collector run rarely, and Django's own objects left out of its walks.

    An import keeps a chunk of records alive while it makes and frees millions of objects, none
    in a reference cycle: at the collector's default pace (every 700 allocations not yet freed)
    it walked the live chunk some forty times a chunk, a fifth of the import's time. Reference
    counting frees the rest, so memory stays flat.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def quick_thread_switches():
    """Python's threads handed the GIL on every half millisecond instead of every five.

    An import runs three threads (importers/importing.py): one reads and parses the file, one
    builds the rows, and one sends them to PostgreSQL (bulk.RowInserter), which needs the GIL
    for a moment before and after each of its statements and otherwise waits for the server.
    At Python's default interval it waited up to 5 ms for each of those moments, several a
    statement, while the server had nothing to do.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
