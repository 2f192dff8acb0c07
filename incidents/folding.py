"""Accent- and case-insensitive matching that gives the same answers on PostgreSQL and SQLite.

`name__fold__contains="Menaka"` finds "Ménaka", and "ségou" finds "Segou": both sides of the
comparison are folded (lower case, accents off) by the database itself, with PostgreSQL's
`unaccent` extension (migration 0017) or, on SQLite, with fold() registered as the SQL
function incidentdb_fold (apps.py). The public `q` and the admin's search use it.
"""

import unicodedata

from django.db.models import CharField, TextField, Transform
from django.db.models.lookups import Contains

# Letters that have no decomposition but that unaccent writes out, so that SQLite agrees.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def fold(text):
    """Lower case without accents: "Ménaka" → "menaka", "Œuvre" → "oeuvre"."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_sql(connection, sql):
    if connection.vendor == "postgresql":
        return f"UNACCENT(LOWER({sql}))"
    if connection.vendor == "sqlite":
        return f"incidentdb_fold({sql})"
    return f"LOWER({sql})"


class Fold(Transform):
    lookup_name = "fold"

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return fold_sql(connection, sql), params


@Fold.register_lookup
class FoldedContains(Contains):
    """fold(column) LIKE fold('%text%'): the searched text is folded the same way."""

    def process_rhs(self, compiler, connection):
        sql, params = super().process_rhs(compiler, connection)
        return fold_sql(connection, sql), params


CharField.register_lookup(Fold)
TextField.register_lookup(Fold)


def register_sqlite_function(sender, connection, **kwargs):
    """connection_created receiver: give SQLite the fold() function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("incidentdb_fold", 1, fold, deterministic=True)
