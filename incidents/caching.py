"""Results kept a short while in the cache: what costs a pass over many incidents (large counts,
totals, facets) and lists that rarely change (the filters' options)."""

from django.core.cache import cache


def remember(key_parts, compute, seconds, keep_if=None):
    """compute()'s result, or the one kept under the same key less than `seconds` ago.

    The key is `key_parts` joined by ":". A new result is kept when keep_if(result) says it
    is worth it (always without keep_if); a result of None is computed every time.
    """
    key = ":".join(map(str, key_parts))
    result = cache.get(key)
    if result is None:
        result = compute()
        if keep_if is None or keep_if(result):
            cache.set(key, result, seconds)
    return result
