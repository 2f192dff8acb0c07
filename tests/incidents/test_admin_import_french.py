"""An import through the admin in French (/fr/admin/): the upload form, the dry-run report (a
row error, a warning, the summary line), the confirm and its report, the rejects download, all
in French; the same through /admin/ in English. A report is written once, in the language of
whoever started the work, and a background job writes it in that language too. The incident
list's own filters (period, actor, region, sub-event type) are labelled in French."""

import csv
import gc
import html
import io
import re
import sys

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from incidents import jobs
from incidents.importers import runs
from incidents.models import ImportRun, Incident, Tactic
from tests.factories import IncidentFactory, SourceFactory
from tests.incidents.test_admin_import import ged_upload
from tests.incidents.test_import_duplicates import entered
from tests.incidents.test_import_ucdp import ged_row

NBSP = "\u00a0"


def url_in(language, name, *args):
    with translation.override(language):
        return reverse(name, args=args)


ADD_URL = url_in("en", "admin:incidents_importrun_add")
FRENCH_ADD_URL = url_in("fr", "admin:incidents_importrun_add")
INCIDENT_LIST = url_in("fr", "admin:incidents_incident_changelist")


def text_of(response):
    """The page as a reader sees it (entities such as ' read back)."""
    return html.unescape(response.content.decode())


def words_of(response):
    """The page's text without its tags."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", text_of(response)))


def good_bad_and_swapped():
    """A good row, a rejected one (latitude 91) and one imported with a warning (latitude and
    longitude swapped): rows 2, 3 and 4 of the file."""
    return (
        ged_row(id="1"),
        ged_row(id="2", latitude="91"),
        ged_row(id="3", latitude="-1.6", longitude="14.1"),
    )


def upload(client, url, *rows, skip_invalid=True, delimiter=","):
    data = {"format": "ucdp", "file": ged_upload(*rows, delimiter=delimiter)}
    if skip_invalid:
        data["skip_invalid"] = "on"
    return client.post(url, data)


def test_a_french_import_reports_in_french_from_upload_to_confirm(reviewer_client):
    form = text_of(reviewer_client.get(FRENCH_ADD_URL))
    assert "Fichier" in form and "Envoyer et vérifier" in form
    assert "Un fichier CSV en UTF-8 tel que l'exportent l'UCDP ou ACLED" in form
    assert "de 100 Mo au plus" in form

    response = upload(reviewer_client, FRENCH_ADD_URL, *good_bad_and_swapped())
    run = ImportRun.objects.get()
    assert response.url == url_in("fr", "admin:incidents_importrun_change", run.pk)
    page = text_of(reviewer_client.get(response.url))
    assert (
        f"Import UCDP, 3 lignes{NBSP}: 2 créées, 0 mise à jour, 0 inchangée, 0 en conflit, "
        "1 rejetée, 1 avertissement (essai à blanc, rien n'a été écrit)."
    ) in page
    assert f"ligne 3, latitude='91'{NBSP}: hors limites (−90 à 90)" in page
    assert f"Importées quand même{NBSP}; vérifiez ces lieux{NBSP}:" in page
    assert "ligne 4, latitude/longitude='-1.6, 14.1'" in page
    assert "Télécharger les lignes rejetées avec leurs motifs (CSV)" in page
    assert "Télécharger la ligne signalée, avec son avertissement (CSV)" in page
    assert "Confirmer l'import" in page and "essai à blanc" in page
    # Nothing of the report is left in English.
    for english in ("rows:", " created", "out of range", "look at these places", "(dry run"):
        assert english not in page
    # Stored as the French it was written in: nobody reads it back as English.
    assert run.preview["summary"].startswith("Import UCDP, 3 lignes")

    done = reviewer_client.post(response.url, {"_confirm_import": "1"}, follow=True)
    page = text_of(done)
    assert "Import UCDP, 3 lignes" in page and "1 rejetée, 1 avertissement (enregistré)." in page
    assert "2 incidents créés ou modifiés par cet import" in page
    assert Incident.objects.count() == 2
    listed = text_of(reviewer_client.get(url_in("fr", "admin:incidents_importrun_changelist")))
    assert "Résultat" in listed and "1 avertissement (enregistré)." in listed


def test_the_same_import_through_the_english_admin_reports_in_english(reviewer_client):
    response = upload(reviewer_client, ADD_URL, *good_bad_and_swapped())
    assert not response.url.startswith("/fr/")
    page = text_of(reviewer_client.get(response.url))
    assert (
        "UCDP import, 3 rows: 2 created, 0 updated, 0 unchanged, 0 conflicts, 1 rejected, "
        "1 warning (dry run, nothing written)."
    ) in page
    assert "row 3, latitude='91': out of range (−90 to 90)" in page
    assert "Imported all the same; look at these places:" in page
    assert "lignes" not in page and "essai à blanc" not in page

    done = reviewer_client.post(response.url, {"_confirm_import": "1"}, follow=True)
    assert "2 incidents created or changed by this import" in text_of(done)


def test_a_french_rejects_file_gives_its_reasons_in_french_under_the_same_columns(
    analyst_client,
):
    response = upload(analyst_client, FRENCH_ADD_URL, ged_row(id="1"), ged_row(id="2", best="x"))
    run = ImportRun.objects.get()
    rejects = analyst_client.get(url_in("fr", "admin:incidents_importrun_rejects", run.pk))
    rows = list(csv.reader(io.StringIO(rejects.content.decode())))
    assert rows[0][0] == "row" and rows[0][-1] == "reasons"  # column names stay
    assert rows[1][0] == "3" and rows[1][-1] == f"best{NBSP}: n'est pas un nombre entier"
    assert response.status_code == 302


def test_a_file_refused_on_the_french_form_says_why_in_french(analyst_client):
    response = upload(analyst_client, FRENCH_ADD_URL, ged_row(), delimiter=";")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        f"Les colonnes sont séparées par des points-virgules{NBSP}; utilisez des virgules{NBSP}: "
        f"dans Excel, enregistrez le fichier au format «{NBSP}CSV UTF-8 (délimité par des "
        f"virgules){NBSP}», ou exportez-le à nouveau depuis le jeu de données."
    ]


@pytest.fixture
def queued(monkeypatch, settings, django_capture_on_commit_callbacks):
    """Jobs go to a list instead of a worker; `run_jobs()` runs them as a worker would: in a
    process where no request has chosen a language."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"  # in_background(); nothing connects
    waiting = []
    monkeypatch.setattr(jobs, "run_later", lambda function, *args: waiting.append((function, args)))

    def run_jobs():
        with translation.override(None):
            while waiting:
                function, args = waiting.pop(0)
                function(*args)

    return django_capture_on_commit_callbacks, run_jobs


def test_a_background_dry_run_and_import_report_in_the_language_of_whoever_asked(
    reviewer_client, queued
):
    capture, run_jobs = queued
    with capture(execute=True):
        response = upload(reviewer_client, FRENCH_ADD_URL, ged_row(id="1"), ged_row(id="2"))
    page = text_of(reviewer_client.get(response.url))
    assert "Vérification du fichier…" in page and "En attente d'un processus" in page

    run_jobs()
    run = ImportRun.objects.get()
    assert run.preview["summary"] == (
        f"Import UCDP, 2 lignes{NBSP}: 2 créées, 0 mise à jour, 0 inchangée, 0 en conflit, "
        "0 rejetée (essai à blanc, rien n'a été écrit)."
    )
    with capture(execute=True):
        confirmed = reviewer_client.post(response.url, {"_confirm_import": "1"}, follow=True)
    assert "L'import a commencé" in text_of(confirmed)
    run_jobs()
    run.refresh_from_db()
    assert run.result["summary"].endswith("0 rejetée (enregistré).")


def test_a_background_job_of_an_english_upload_reports_in_english(reviewer_client, queued):
    capture, run_jobs = queued
    with capture(execute=True), translation.override("fr"):
        # Whatever the server process happens to speak, the uploader's language counts.
        upload(reviewer_client, ADD_URL, ged_row(id="1"))
    with translation.override("fr"):
        run_jobs()
    assert ImportRun.objects.get().preview["summary"].startswith("UCDP import, 1 row: 1 created")


def test_a_workers_jobs_import_with_the_import_commands_settings_and_a_request_without(
    reviewer_client, queued, monkeypatch, settings
):
    # A worker's job runs in a process of its own, which may run the import as the command's
    # does (few garbage collections, quick thread switches: importers/process.py); an import in
    # a request must leave them alone, for the other requests' threads. Both come back after.
    seen = []
    real_import_file = runs.import_file

    def noting_the_settings(*args, **kwargs):
        seen.append((kwargs["dry_run"], sys.getswitchinterval(), gc.get_threshold()[0]))
        return real_import_file(*args, **kwargs)

    monkeypatch.setattr(runs, "import_file", noting_the_settings)
    before = (sys.getswitchinterval(), gc.get_threshold())
    capture, run_jobs = queued
    with capture(execute=True):
        response = upload(reviewer_client, ADD_URL, ged_row(id="1"))
    run_jobs()
    with capture(execute=True):
        reviewer_client.post(response.url, {"_confirm_import": "1"})
    run_jobs()
    assert seen == [(True, 0.0005, 100_000), (False, 0.0005, 100_000)]
    assert (sys.getswitchinterval(), gc.get_threshold()) == before
    assert Incident.objects.count() == 1

    settings.REDIS_URL = ""  # no worker: the dry run and the import run in the request
    seen.clear()
    response = upload(reviewer_client, ADD_URL, ged_row(id="2"))
    reviewer_client.post(response.url, {"_confirm_import": "1"})
    assert [dry_run for dry_run, *_settings in seen] == [True, False]
    assert {(interval, threshold) for _dry, interval, threshold in seen} == {
        (before[0], before[1][0])
    }
    assert Incident.objects.count() == 2


# --- the incident list's own filters ------------------------------------------------------


def test_the_admin_filters_are_labelled_in_french(analyst_client):
    IncidentFactory()  # a region (Mopti) to choose
    page = text_of(analyst_client.get(INCIDENT_LIST))
    for label in ("période", "acteur", "région", "sous-type d'événement", "sources"):
        assert f"Par {label}" in page, label
    assert ">Du" in page and ">Au" in page
    assert "Toutes les régions" in page and "Aucune source citée" in page
    assert "Batailles · Affrontement armé" in page  # the sub-event types by their labels
    assert "By period" not in page and "Any region" not in page and "Armed clash" not in page


def test_a_bad_period_is_explained_in_french(analyst_client):
    page = text_of(analyst_client.get(INCIDENT_LIST, {"date_from": "09/17/2023"}))
    assert "Un jour (17/09/2024), un mois (2023-09) ou une année." in page
    page = text_of(
        analyst_client.get(INCIDENT_LIST, {"date_from": "2023-09", "date_to": "2023-08"})
    )
    assert "La fin de la période précède son début." in page


# --- reference data -----------------------------------------------------------------------


def test_the_taxonomy_is_listed_by_its_french_labels_beside_the_names_files_hold(
    reviewer_client,
):
    page = text_of(reviewer_client.get(url_in("fr", "admin:incidents_subeventtype_changelist")))
    assert "Affrontement armé" in page and "nom enregistré" in page.lower()
    assert "Armed clash" in page  # as an ACLED file spells it
    english = text_of(reviewer_client.get(url_in("en", "admin:incidents_subeventtype_changelist")))
    assert "Armed clash" in english and "Affrontement armé" not in english
    assert "as stored" not in english  # in English the label is the stored name


def test_a_near_copy_of_a_source_is_refused_in_french(reviewer_client):
    SourceFactory(name="Agence France Presse")
    response = reviewer_client.post(
        url_in("fr", "admin:incidents_source_add"),
        {"name": "Agence France-Presse", "scale": "international", "url": ""},
    )
    assert response.context["adminform"].form.errors["name"] == [
        f"«{NBSP}Agence France Presse{NBSP}» est déjà saisi, avec une autre graphie{NBSP}: "
        "utilisez-le, ou fusionnez les deux avec l'action de fusion de la liste des sources."
    ]


def test_a_tagged_nature_of_attack_lists_its_incidents_in_french(reviewer_client, admin_user):
    ambush = Tactic.objects.create(name="Ambush at dawn")
    IncidentFactory().tactics.add(ambush)
    reviewer_client.force_login(admin_user)
    page = text_of(reviewer_client.get(url_in("fr", "admin:incidents_tactic_delete", ambush.pk)))
    assert f"incident{NBSP}: 2023-09-15" in page


def test_a_french_preview_names_the_likely_duplicates_in_french(analyst_client):
    typed = entered()  # a battle near Djibo, typed by hand: Batailles · Affrontement armé
    response = upload(analyst_client, FRENCH_ADD_URL, ged_row(id="1"), skip_invalid=False)
    page = words_of(analyst_client.get(response.url))
    assert f"Probablement déjà saisie{NBSP}: 1 ligne" in page
    assert f"ligne 2{NBSP}: incident {typed.pk} (2022-09-26 · Gaskindé · Affrontement armé)" in page
    assert f"0 rejetée{NBSP}; 1 probablement déjà saisie (essai à blanc" in page
    assert "Télécharger tous les doublons probables avec leurs incidents (CSV)" in page


def test_a_french_page_says_how_far_a_worker_is_and_folds_long_lists_in_french(
    reviewer_client,
):
    response = upload(reviewer_client, FRENCH_ADD_URL, ged_row(id="1"))
    run = ImportRun.objects.get()
    run.preview = {**run.preview, "warnings": [f"ligne {n}" for n in range(2, 502)]}
    run.save(update_fields=["preview"])
    assert "490 autres" in words_of(reviewer_client.get(response.url))

    ImportRun.objects.filter(pk=run.pk).update(import_requested_at=timezone.now())
    runs._Progress(run.pk, rows_in_file=150_000).writing(76_000)
    page = words_of(reviewer_client.get(response.url))
    assert (
        f"Import en cours… 76{NBSP}000 sur environ 150{NBSP}000 lignes comparées ou écrites "
        f"(50{NBSP}%)"
    ) in page
