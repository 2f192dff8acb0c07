"""Results kept a short while in the cache: what costs a pass over many incidents and that the
count tables cannot answer (totals by year or by place, an actor's roles), and lists that
rarely change (the filters' options)."""

from django.core.cache import cache
from django.utils.translation import get_language


def remember(key_parts, compute, seconds, keep_if=None):
    """compute()'s result, or the one kept under the same key less than `seconds` ago under
    the same public data version (counts.data_version).

    The version is read from the database, where the triggers that keep the count tables move
    it on with every change to a published incident or its place: a result remembered before a
    publication or a retraction is never served after it, even by another process or after the
    cache was emptied. The key is `key_parts` joined by ":". A new result is kept when
    keep_if(result) says it is worth it (always without keep_if); a result of None is computed
    every time.
    """
    from .counts import data_version  # counts imports the models, which import this module

    key = ":".join(map(str, [*key_parts, f"v{data_version()}", get_language()]))
    result = cache.get(key)
    if result is None:
        result = compute()
        if keep_if is None or keep_if(result):
            cache.set(key, result, seconds)
    return result
