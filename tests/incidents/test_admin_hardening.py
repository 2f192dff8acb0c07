"""The workbench refuses what would break it or lose data, with a message instead of an error."""

import re

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Incident, Tactic
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


def incident_admin_paths(object_id):
    """Every address of IncidentAdmin that names an incident, for this id (other numbers in
    the address, a version or a proposal, are 1)."""
    paths = []
    for pattern in admin.site._registry[Incident].urls:
        route = str(pattern.pattern)
        if "object_id" not in route:
            continue
        route = re.sub(r"<(int|path):object_id>", object_id, route)
        paths.append("/admin/incidents/incident/" + re.sub(r"<int:\w+>", "1", route))
    return paths


NOT_AN_INCIDENT = ["None", "abc", "²", "1.5", str(2**63), str(2**70), "999999"]


@pytest.mark.parametrize("object_id", NOT_AN_INCIDENT)
def test_incident_admin_addresses_with_no_such_incident_are_not_server_errors(
    superuser_client, object_id
):
    IncidentFactory()  # one incident that none of these ids names
    paths = incident_admin_paths(object_id)
    assert len(paths) >= 12
    for path in paths:
        for method in (superuser_client.get, superuser_client.post):
            status = method(path).status_code
            assert status in (302, 404, 405), f"{method.__name__.upper()} {path}: {status}"


@pytest.mark.parametrize("value", ["abc", "None", "²", str(2**70)])
def test_an_incident_action_on_ids_that_are_not_ids_is_refused_with_a_message(
    superuser_client, value
):
    incident = IncidentFactory(status="draft")
    response = superuser_client.post(
        "/admin/incidents/incident/",
        {"action": "submit_for_review", "_selected_action": [value, incident.pk], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert f"“{value}” is not an id of this list." in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "draft"
