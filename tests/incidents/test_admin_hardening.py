"""The workbench refuses what would break it or lose data, with a message instead of an error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Tactic
from tests.factories import IncidentFactory, UserFactory


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_a_nature_of_attack_in_use_cannot_be_deleted(superuser_client):
    ambush = Tactic.objects.create(name="Ambush at dawn")
    incident = IncidentFactory(title="Ambush near Boni")
    incident.tactics.add(ambush)
    url = f"/admin/incidents/tactic/{ambush.pk}/delete/"
    page = superuser_client.get(url).content.decode()
    assert "would require deleting the following protected related objects" in page
    assert "incident: 2023-09-15" in page
    superuser_client.post(url, {"post": "yes"})
    assert Tactic.objects.filter(pk=ambush.pk).exists()
    assert list(incident.tactics.all()) == [ambush]


def test_an_unused_nature_of_attack_can_be_deleted(superuser_client):
    unused = Tactic.objects.create(name="Never used")
    superuser_client.post(f"/admin/incidents/tactic/{unused.pk}/delete/", {"post": "yes"})
    assert not Tactic.objects.filter(pk=unused.pk).exists()


@pytest.mark.parametrize("value", ["abc", "1.5", str(2**70)])
def test_an_action_on_ids_that_are_not_ids_is_refused_with_a_message(superuser_client, value):
    Tactic.objects.create(name="Ambush at dawn")
    response = superuser_client.post(
        "/admin/incidents/tactic/",
        {"action": "delete_selected", "_selected_action": [value], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert f"“{value}” is not an id of this list." in response.content.decode()
    assert Tactic.objects.filter(name="Ambush at dawn").exists()


def test_an_upload_over_the_size_limit_is_refused_with_the_limit(superuser_client, settings):
    settings.IMPORT_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("big.csv", b"event_id_cnty\n" + b"x" * (1024 * 1024 + 1))
    response = superuser_client.post(
        "/admin/incidents/importrun/add/", {"format": "acled", "file": big}
    )
    assert response.status_code == 200
    assert "the admin takes files of up to 1 MB" in response.content.decode()
