"""Accents and case never count in a search, on PostgreSQL as on SQLite: the public q, the
admin's search box and its autocompletes."""

import datetime

import pytest
from django.urls import reverse

from incidents.choices import ActorRole, Status
from incidents.folding import fold
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Ménaka", "menaka"), ("SÉGOU", "segou"), ("Œuvre", "oeuvre"), ("Kidal", "kidal")],
)
def test_fold_drops_case_and_accents(text, folded):
    assert fold(text) == folded


@pytest.fixture
def sahel(db):
    menaka = AdminAreaFactory(name="Ménaka", iso_code="ML-9")
    faladie = IncidentFactory(
        title="Attaque près de Ségou",
        narrative="Des hommes armés ont visé le marché de Faladié.",
        location=LocationFactory(name="Ménaka", admin1=menaka),
        start_date=datetime.date(2023, 9, 12),
        status=Status.PUBLISHED,
    )
    jnim = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin")
    jnim.aliases.create(name="JNIM")
    IncidentActorFactory(incident=faladie, actor=jnim, role=ActorRole.PERPETRATOR)
    other = IncidentFactory(
        title="Clash near Gao",
        location=LocationFactory(name="Gao"),
        start_date=datetime.date(2024, 1, 5),
        status=Status.PUBLISHED,
    )
    return {"faladie": faladie, "other": other}


@pytest.mark.parametrize("q", ["Menaka", "MÉNAKA", "segou", "faladie", "jnim"])
def test_the_public_search_ignores_accents_and_case(client, sahel, q):
    response = client.get(reverse("incidents:incident_list"), {"q": q})
    titles = [row.record.title for row in response.context["table"].page.object_list]
    assert titles == ["Attaque près de Ségou"]


@pytest.mark.parametrize(
    "q",
    [
        "JNIM",  # an actor's alias
        "Muslimin",  # its name
        "Faladié",  # a word of the narrative
        "faladie",
        "Menaka",  # the place and its region
        "2023-09",  # the month
        "2023",
        '"près de Segou"',  # quoted words stay together
        "segou 2023",  # every word must match
    ],
)
def test_the_admin_search_finds_every_way_an_analyst_names_an_incident(analyst_client, sahel, q):
    response = analyst_client.get(reverse("admin:incidents_incident_changelist"), {"q": q})
    assert list(response.context["cl"].result_list) == [sahel["faladie"]]


def test_the_admin_search_needs_every_word(analyst_client, sahel):
    response = analyst_client.get(
        reverse("admin:incidents_incident_changelist"), {"q": "segou 2024"}
    )
    assert list(response.context["cl"].result_list) == []
    assert Incident.objects.matching_every_word("2024-01-05").get() == sahel["other"]


def test_the_place_autocomplete_ignores_accents(analyst_client, sahel):
    response = analyst_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "incidents",
            "model_name": "incident",
            "field_name": "location",
            "term": "menaka",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Ménaka (Ménaka)"]


def test_the_api_actor_search_ignores_accents(client, sahel):
    body = client.get("/api/actors/", {"search": "MUSLIMIN"}).json()
    assert [actor["name"] for actor in body["results"]] == ["Jama'at Nusrat al-Islam wal-Muslimin"]


@pytest.mark.parametrize("q", ["mli12345", "MLI12345", "987654"])
def test_the_admin_search_finds_an_incident_by_its_acled_or_ucdp_id(analyst_client, sahel, q):
    faladie = sahel["faladie"]
    faladie.acled_event_id, faladie.ucdp_id = "MLI12345", "987654"
    faladie.save(update_fields=["acled_event_id", "ucdp_id"])
    response = analyst_client.get(reverse("admin:incidents_incident_changelist"), {"q": q})
    assert list(response.context["cl"].result_list) == [faladie]


def test_the_admin_search_reads_the_words_of_the_narrative_not_of_other_incidents(
    analyst_client, sahel
):
    # "marché" is in the first incident's narrative only; "Clash" in the other's title only.
    changelist = reverse("admin:incidents_incident_changelist")
    marche = analyst_client.get(changelist, {"q": "marche"}).context["cl"].result_list
    clash = analyst_client.get(changelist, {"q": "clash"}).context["cl"].result_list
    assert list(marche) == [sahel["faladie"]]
    assert list(clash) == [sahel["other"]]
