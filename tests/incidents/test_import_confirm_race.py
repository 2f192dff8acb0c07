"""Two confirms of one import at the same moment, each in its own connection: one imports,
the other writes nothing and is told so.

A module of its own, as every module with transactional tests: the flush after such a test
loses the seeded taxonomy and groups, and its module is scheduled after the others."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from incidents.models import ImportRun, Incident
from tests.factories import UserFactory
from tests.incidents.test_admin_import import upload
from tests.incidents.test_import_ucdp import ged_row


# The SQLite test database lives in memory with a shared cache, where a second connection's
# write fails at once with "table is locked" instead of waiting: two connections cannot even
# take turns there. test_admin_import.py's sequential double confirm runs on both databases.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two writing connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_confirms_import_once(client):
    analyst = UserFactory(username="analyst", group="Analyst")
    client.force_login(analyst)
    rows = [ged_row(id=str(n)) for n in range(1, 301)]  # long enough for the two to overlap
    change_url = upload(client, *rows).url
    start = threading.Barrier(2)

    def confirm():
        tab = Client()
        tab.force_login(analyst)
        start.wait()
        try:
            return tab.post(change_url, {"_confirm_import": "1"}, follow=True).content.decode()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(lambda _: confirm(), range(2)))

    told = [
        page
        for page in pages
        if "This file is being imported" in page or "This file was already imported" in page
    ]
    assert len(told) == 1
    assert Incident.objects.count() == 300
    run = ImportRun.objects.get()
    assert run.imported_by == analyst and run.result["created"] == 300
