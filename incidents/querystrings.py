"""Query strings edited for links, in the style of the admin's ChangeList.get_query_string: the
list's chips, facets and "clear all", and the analysis pages' links to the list, all keep the
query they come from and change only what the link is about."""

from django.http import QueryDict


def edit_query(query, new_params=None, remove=()):
    """A copy of `query` (a QueryDict, e.g. request.GET) without its empty values, without what
    `remove` names (a parameter name: all its values; a (name, value) pair: that value), and
    with each parameter of `new_params` ({name: [values]}) set to its values, in place when
    the query already has it, last otherwise."""
    removed_names = {item for item in remove if isinstance(item, str)}
    removed_pairs = {item for item in remove if not isinstance(item, str)}
    edited = QueryDict(mutable=True)
    for name, values in query.lists():
        if name not in removed_names:
            kept = [value for value in values if value != "" and (name, value) not in removed_pairs]
            if kept:
                edited.setlist(name, kept)
    for name, values in (new_params or {}).items():
        edited.setlist(name, [str(value) for value in values if value != ""])
    return edited


def with_query(path, query):
    """path?query, or the bare path when the query is empty."""
    return f"{path}?{query.urlencode()}" if query else path


def row_id(text):
    """The row id a text gives (ASCII digits only, within the database's 64-bit range), or None.

    str.isdigit() accepts "²" and "١٢", which int() refuses or reads; an id beyond 64 bits makes
    the database raise."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value < 2**63 else None
