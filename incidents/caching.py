"""Results kept a short while in the cache: what costs a pass over many incidents (large counts,
totals, facets) and lists that rarely change (the filters' options)."""

import time

from django.core.cache import cache

# Moved on whenever an incident is published, retracted or sent back to draft: every key
# includes it, so what was remembered before is never served again.
GENERATION_KEY = "public-incidents-generation"


def public_incidents_changed():
    """Forget every remembered result: the set of public incidents changed, and a retracted
    incident (or its place, actor, figures) must leave every page and download at once."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not in the cache yet (or evicted): any new value is a new generation
        cache.set(GENERATION_KEY, time.time_ns(), None)


def remember(key_parts, compute, seconds, keep_if=None):
    """compute()'s result, or the one kept under the same key less than `seconds` ago, since
    the public incidents last changed (public_incidents_changed).

    The key is `key_parts` joined by ":". A new result is kept when keep_if(result) says it
    is worth it (always without keep_if); a result of None is computed every time.
    """
    generation = cache.get(GENERATION_KEY, 0)
    key = ":".join(map(str, [*key_parts, f"g{generation}"]))
    result = cache.get(key)
    if result is None:
        result = compute()
        if keep_if is None or keep_if(result):
            cache.set(key, result, seconds)
    return result
