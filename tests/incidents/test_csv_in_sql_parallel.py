"""Outside a transaction (a real request), the CSV download's chunks are copied side by side
on connections of their own; the file is still the Python writer's, byte for byte.

A module of its own, as every module with transactional tests: the flush after such a test
loses the seeded taxonomy and groups."""

import pytest
from django.db import connection
from django.urls import reverse

from incidents import csv_in_sql, exports
from tests.incidents.test_csv_in_sql import varied_incidents

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL writer is PostgreSQL's"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_chunks_copied_on_parallel_connections_keep_their_order(client, monkeypatch):
    # Committed rows: outside a test's transaction the chunks are copied PARALLEL_COPIES at a
    # time, each on a connection of its own.
    varied_incidents()
    monkeypatch.setattr(csv_in_sql, "CHUNK_SIZE", 2)
    copies = []
    real_copy_chunk = csv_in_sql.copy_chunk
    monkeypatch.setattr(
        csv_in_sql,
        "copy_chunk",
        lambda cursor, sql, chunk: (
            copies.append(cursor.connection) or real_copy_chunk(cursor, sql, chunk)
        ),
    )
    url = reverse("incident_download", args=["csv"])
    from_sql = b"".join(client.get(url, {"sort": "place"}).streaming_content)

    monkeypatch.setattr(csv_in_sql, "copy_csv_rows", exports.stream_csv_rows)
    from_python = b"".join(client.get(url, {"sort": "place"}).streaming_content)

    assert len(set(map(id, copies))) == csv_in_sql.PARALLEL_COPIES
    assert connection.connection not in copies
    assert from_sql.decode() == from_python.decode()
