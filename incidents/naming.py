"""Names of sources and actors as files write them, tidied and compared so that one publisher
or one armed group is not entered twice under near-identical spellings.

Datasets spell the same source `;"Agence France Presse`, `Agence France Presse` and
`Agence France-Presse`, and the same group "Jama'at Nusrat al-Islam wal-Muslimin" and
"Jamaat Nusrat al Islam wal Muslimin". clean_name() takes off what a file's quoting left around
a name; name_key() is what two spellings of one name have in common.
"""

import re
from functools import lru_cache

from .folding import fold
from .models import Actor, ActorAlias

# Quotes, separators and spaces a file's quoting leaves at either end of a name (UCDP's
# source_office split on ";" keeps the quote of `"Office A";"Office B"`). Typographic quotes
# are a name's own: UCDP has report titles in its offices, “We found their bodies…” included.
STRAY = " \t\r\n;,\"'"
# Apostrophes vanish from a key ("Jama'at" and "Jamaat" are one word); any other run of
# punctuation or spaces is one space ("France-Presse" and "France Presse"), except the @ of a
# social account ("@Menastream" is the account, "Menastream" the site: two sources).
APOSTROPHES = re.compile(r"['’ʼ‘`´]")
NOT_A_LETTER = re.compile(r"[^\w@]+|_+")


def clean_name(text):
    """The name as it should be stored: stray quotes and separators off its ends, inner spaces
    one each. `;"Agence France Presse"` → `Agence France Presse`."""
    return " ".join(text.strip(STRAY).split())


# A file names the same few hundred sources and actors on every row: each is keyed once.
@lru_cache(maxsize=65536)
def name_key(text):
    """What two spellings of one name share: without case, accents, apostrophes, punctuation or
    extra spaces. "Agence France-Presse" and `;"agence france presse` → "agence france presse"."""
    folded = APOSTROPHES.sub("", fold(clean_name(text)))
    return " ".join(NOT_A_LETTER.sub(" ", folded).split())


def known_names(pairs):
    """{name_key: id} of (name, id) pairs; where two names share a key, the first (the
    oldest, in id order) is the one matched."""
    known = {}
    for name, pk in sorted(pairs, key=lambda pair: pair[1]):
        known.setdefault(name_key(name), pk)
    return known


def known_actors():
    """{name_key: actor id} of every actor's name and alias, as imports match a file's actors
    (a name before an alias of the same key)."""
    known = known_names(Actor.objects.values_list("name", "pk"))
    for key, actor_id in known_names(ActorAlias.objects.values_list("name", "actor_id")).items():
        known.setdefault(key, actor_id)
    return known
