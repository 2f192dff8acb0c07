"""The analysts' workbench in French under /fr/admin/: the incident list and its queues, the
form with its date typed the French way and its messages, the workflow steps and actions, the
duplicate warning, and the history, compare and revert pages. The same pages at /admin/ stay
in English."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from incidents import history
from incidents.choices import CasualtyGroup, CasualtyOutcome, Status, VersionKind
from incidents.models import Incident
from incidents.outlines import outline_problem
from tests.factories import ActorFactory, IncidentFactory, LocationFactory, SourceFactory
from tests.incidents.test_admin import kouakourou_report
from tests.incidents.test_history import two_versions
from tests.incidents.test_workflow import publishable

NBSP = "\u00a0"


def fr(name, *args):
    """An incident admin page's French address (/fr/admin/…), whatever language is active."""
    with translation.override("fr"):
        return reverse(f"admin:{name}", args=args)


def en(name, *args):
    """The same page's English address (/admin/…)."""
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args)


def text(response):
    """The page's visible text, tags and scripts left out, spaces collapsed."""
    html = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", response.content.decode())
    # Runs of ASCII white space only: the no-break spaces of French typography stay.
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def parts(db):
    """What kouakourou_report's form refers to."""
    return {
        "location": LocationFactory(name="Kouakourou"),
        "source": SourceFactory(name="Studio Tamani"),
        "actor": ActorFactory(name="JNIM"),
    }


# --- the list and the queues ---------------------------------------------------------------


def test_the_incident_list_speaks_french_at_fr_admin(analyst_client):
    IncidentFactory(status=Status.DRAFT, title="Embuscade près de Boni")
    response = analyst_client.get(fr("incidents_incident_changelist"))
    assert response.status_code == 200
    page = text(response)
    for french in [
        "Soumettre les incidents sélectionnés à la relecture",
        "Par file de travail",
        "Mes brouillons",
        "Renvoyés vers moi",
        "En attente de relecture",
        "Importer un fichier UCDP, ACLED ou GTD",
        "sans tenir compte des accents ni des majuscules",
        "Tués",
    ]:
        assert french in page, french
    for english in ["Submit selected incidents for review", "My drafts", "Waiting for review"]:
        assert english not in page, english


def test_the_incident_list_stays_english_at_admin(analyst_client):
    page = text(analyst_client.get(en("incidents_incident_changelist")))
    assert "Submit selected incidents for review" in page and "My drafts" in page
    assert "Soumettre" not in page and "Mes brouillons" not in page


def test_the_admin_index_lists_the_queues_in_french(analyst_client):
    page = text(analyst_client.get(fr("index")))
    assert "Vos files de travail" in page and "Publiés par moi" in page
    assert "Your queues" not in page


# --- the form ------------------------------------------------------------------------------


def test_the_add_form_says_the_french_date_format_in_french(analyst_client):
    response = analyst_client.get(fr("incidents_incident_add"))
    html = response.content.decode()
    assert 'placeholder="JJ/MM/AAAA"' in html
    page = text(response)
    assert f"Jour en premier{NBSP}: 17/09/2024 ou 2024-09-17." in page
    assert 'value="Enregistrer et soumettre à la relecture"' in html
    for french in [
        "Bilans des sources — une ligne par source",
        "Chiffres codés — un par groupe et par issue",
    ]:
        assert french in page, french
    assert "Day first" not in page and "Save and submit for review" not in page
    english = analyst_client.get(en("incidents_incident_add")).content.decode()
    assert 'placeholder="DD/MM/YYYY"' in english and "Day first: 17/09/2024" in english


def test_a_date_typed_the_french_way_is_saved_day_first_with_french_messages(analyst_client, parts):
    data = kouakourou_report(**parts, start_date="17/09/2024", date_precision="1")
    data["_submit_for_review"] = "Enregistrer et soumettre à la relecture"
    response = analyst_client.post(fr("incidents_incident_add"), data, follow=True)
    incident = Incident.objects.get()
    assert incident.start_date == datetime.date(2024, 9, 17)  # 17 September, day first
    assert incident.status == Status.IN_REVIEW
    assert response.redirect_chain[-1][0].startswith("/fr/admin/")
    messages = " ".join(messages_of(response))
    assert "a été ajouté avec succès" in messages  # Django's own message, in French
    assert "was added" not in messages
    # The form shows the date back the French way.
    form = analyst_client.get(fr("incidents_incident_change", incident.pk)).content.decode()
    assert 'value="17/09/2024"' in form


def test_a_date_the_form_cannot_read_is_refused_in_french(analyst_client, parts):
    data = kouakourou_report(**parts, start_date="31/02/2024")
    page = text(analyst_client.post(fr("incidents_incident_add"), data))
    assert "Saisissez une date au format JJ/MM/AAAA (jour en premier) ou AAAA-MM-JJ." in page
    assert "Enter a date" not in page
    assert not Incident.objects.exists()


def test_a_day_under_a_month_precision_is_refused_in_french(analyst_client, parts):
    data = kouakourou_report(**parts, start_date="2023-09", end_date="15/09/2023")
    page = text(analyst_client.post(fr("incidents_incident_add"), data))
    assert (
        "Saisissez la date de fin avec la même précision que la date de début "
        "(un jour, un mois ou une année)." in page
    )


def test_the_duplicate_warning_is_in_french(analyst_client, parts):
    first = kouakourou_report(**parts)
    assert analyst_client.post(fr("incidents_incident_add"), first).status_code == 302
    page = text(analyst_client.post(fr("incidents_incident_add"), first))
    assert "Cet incident semble déjà saisi (voir ci-dessous)." in page
    assert f"Doublons probables{NBSP}: même lieu ou à moins de 25 km" in page
    assert f"C'est un incident différent{NBSP}: enregistrer quand même" in page
    assert "This looks like" not in page
    assert Incident.objects.count() == 1


def test_a_stale_save_is_refused_in_french(analyst_client, analyst):
    incident = two_versions(Status.DRAFT, analyst)
    url = fr("incidents_incident_change", incident.pk)
    data = {"opened_version": "1", "title": "Troisième", "_save": "Enregistrer"}
    response = analyst_client.post(url, data)
    assert response.status_code == 409
    page = text(response)
    assert "Quelqu'un d'autre a modifié cet incident après que vous l'avez ouvert" in page
    assert "Someone else changed" not in page


# --- the workflow --------------------------------------------------------------------------


def test_a_workflow_step_page_and_its_message_are_in_french(reviewer_client):
    incident = publishable(status=Status.PUBLISHED, title="Attaque de Boulkessi")
    url = fr("incidents_incident_retract", incident.pk)
    page = text(reviewer_client.get(url))
    assert "Retirer cet incident" in page
    assert f"«{NBSP}Attaque de Boulkessi{NBSP}» a le statut" in page
    assert "Affiché au public à l'adresse de l'incident, à la place de son contenu." in page
    assert "Retract this incident" not in page

    refused = text(reviewer_client.post(url, {"reason": ""}))
    assert "Ce champ est obligatoire." in refused  # Django's own message, in French

    response = reviewer_client.post(url, {"reason": "Doublon"}, follow=True)
    assert messages_of(response) == [f"«{NBSP}Attaque de Boulkessi{NBSP}» est retiré."]
    assert response.redirect_chain[-1][0] == fr("incidents_incident_change", incident.pk)


def test_the_workflow_actions_count_in_french(reviewer_client):
    first, second = publishable(status=Status.IN_REVIEW), publishable(status=Status.IN_REVIEW)
    response = reviewer_client.post(
        fr("incidents_incident_changelist"),
        {"action": "publish", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "2 incidents publiés." in messages_of(response)
    draft = publishable(status=Status.DRAFT)
    response = reviewer_client.post(
        fr("incidents_incident_changelist"),
        {"action": "submit_for_review", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "1 incident soumis à la relecture." in messages_of(response)


def test_a_refused_step_is_reported_in_french(reviewer_client):
    bare = IncidentFactory(status=Status.IN_REVIEW, title="Sans source")
    response = reviewer_client.post(
        fr("incidents_incident_changelist"),
        {"action": "publish", "_selected_action": [bare.pk]},
        follow=True,
    )
    [message] = messages_of(response)
    assert message.startswith(f"Non publié{NBSP}: «{NBSP}Sans source{NBSP}» (")


def test_the_return_to_draft_page_in_french(reviewer_client):
    incident = publishable(status=Status.IN_REVIEW)
    page = text(reviewer_client.get(fr("incidents_incident_return", incident.pk)))
    assert "Renvoyer en brouillon" in page and "Ce qu'il faut corriger" in page
    assert "Send back to draft" not in page


# --- history, compare, revert ---------------------------------------------------------------


def test_history_compare_and_revert_pages_are_in_french(analyst_client, analyst):
    incident = two_versions(Status.DRAFT, analyst)
    page = text(analyst_client.get(fr("incidents_incident_history", incident.pk)))
    assert f"Historique de «{NBSP}Second{NBSP}»" in page
    assert "Cochez deux versions pour les comparer côte à côte." in page
    assert "Tick two versions" not in page

    compare = text(analyst_client.get(fr("incidents_incident_compare", incident.pk) + "?v=1&v=2"))
    assert f"Versions 1 et 2 de «{NBSP}Second{NBSP}»" in compare
    assert "Chiffre codé" in compare

    revert_url = fr("incidents_incident_revert", incident.pk, 1)
    revert = text(analyst_client.get(revert_url))
    assert f"Ramener «{NBSP}Second{NBSP}» à la version 1" in revert
    assert "Revenir à cette version remet les champs de l'incident" in revert
    response = analyst_client.post(
        revert_url, {"reason": "Source erronée", "opened_version": incident.version}, follow=True
    )
    assert messages_of(response) == ["Incident revenu à la version 1."]
    assert incident.versions.first().kind == VersionKind.REVERTED


def test_what_changed_names_figures_the_french_way():
    killed = {"group": "civilians", "outcome": "killed"}
    old = {"casualties": [{**killed, "low": 3, "best": 3, "high": 3}]}
    new = {"casualties": [{**killed, "low": 5, "best": 5, "high": 5}]}
    with translation.override("fr"):
        [(what, before, after)] = history.compare(old, new, names={})
        # The outcome first, the group after it: "tués (civils)", whatever their labels.
        figure = f"{CasualtyOutcome.KILLED.label} ({CasualtyGroup.CIVILIANS.label})".lower()
        assert (what, before, after) == (f"Chiffre codé{NBSP}: {figure}", "3", "5")
    with translation.override("en"):
        [(what, _before, _after)] = history.compare(old, new, names={})
        assert what == "Coded figure: civilians killed"


# --- messages outside the pages ------------------------------------------------------------


@pytest.mark.django_db
def test_a_place_outside_its_country_is_told_in_french_with_a_french_number():
    with translation.override("fr"):
        assert outline_problem("MLI", 48.8566, 2.3522) == (
            f"48.8566, 2.3522 est à 2{NBSP}690 km hors du contour du pays (Mali)."
        )
    with translation.override("en"):
        assert outline_problem("MLI", 48.8566, 2.3522) == (
            "48.8566, 2.3522 is 2,690 km outside Mali's outline."
        )


def test_the_internal_note_of_a_kept_duplicate_is_in_the_savers_language(analyst_client, parts):
    first = kouakourou_report(**parts)
    analyst_client.post(fr("incidents_incident_add"), first)
    again = {**first, "save_despite_duplicates": "on", "title": "Une autre embuscade"}
    assert analyst_client.post(fr("incidents_incident_add"), again).status_code == 302
    note = Incident.objects.get(title="Une autre embuscade").notes.get()
    assert note.text.startswith(
        f"Enregistré comme un incident différent malgré des doublons probables{NBSP}: "
    )


def test_a_reviewer_is_named_in_the_french_review_line(reviewer_client, reviewer):
    incident = publishable(status=Status.IN_REVIEW)
    incident.publish(by=reviewer)
    page = text(reviewer_client.get(fr("incidents_incident_change", incident.pk)))
    assert re.search(r"publié le \d{4}-\d\d-\d\d \d\d:\d\d par reviewer", page)


# --- merges --------------------------------------------------------------------------------


def test_the_merge_pages_are_in_french(reviewer_client):
    kept = publishable(status=Status.PUBLISHED, title="Attaque de Diallassagou")
    draft = publishable(status=Status.DRAFT, title="Attaque de Diallassagou (bis)")
    url = fr("incidents_incident_merge") + f"?kept={kept.pk}&duplicate={draft.pk}"
    page = text(reviewer_client.get(url))
    assert f"Conservé{NBSP}: incident {kept.pk}" in page
    assert f"Retiré comme doublon{NBSP}: incident {draft.pk}" in page
    assert f"Le doublon «{NBSP}Attaque de Diallassagou (bis){NBSP}» a le statut" in page
    assert "Kept:" not in page and "only published incidents are merged" not in page

    first, second = SourceFactory(name="AFP"), SourceFactory(name="A.F.P.")
    selection = {"action": "merge_selected", "_selected_action": [first.pk, second.pk]}
    sources = fr("incidents_source_changelist")
    page = text(reviewer_client.post(sources, selection))
    assert "Fusionner des sources" in page and "Bilans des sources" in page
    response = reviewer_client.post(sources, {**selection, "kept": first.pk}, follow=True)
    assert messages_of(response) == [
        f"Fusion de «{NBSP}A.F.P.{NBSP}» dans «{NBSP}AFP{NBSP}»{NBSP}; 0 incident l'enregistre."
    ]


def test_an_analysts_proposed_revert_and_a_note_are_answered_in_french(analyst_client, analyst):
    incident = two_versions(Status.PUBLISHED, analyst)
    response = analyst_client.post(
        fr("incidents_incident_revert", incident.pk, 1),
        {"reason": "Le premier bilan était juste", "opened_version": incident.version},
        follow=True,
    )
    assert messages_of(response) == [
        f"Votre retour à cette version est proposé{NBSP}; un relecteur l'acceptera ou le rejettera."
    ]
    page = text(response)
    assert "Retours à une version proposés" in page and "En attente d'un relecteur." in page

    response = analyst_client.post(
        fr("incidents_incident_notes", incident.pk),
        {"text": "Vérifier avec la MINUSMA"},
        follow=True,
    )
    assert messages_of(response) == ["Votre note est ajoutée."]
    response = analyst_client.post(
        fr("incidents_incident_notes", incident.pk), {"text": ""}, follow=True
    )
    assert messages_of(response) == ["Une note vide n'est pas ajoutée."]
