"""A Malian analyst reads the place, actor, index, about, codebook and correction pages, the
corrections feed and the error pages in French under /fr/: French words, French dates
(2 mars 2021) and numbers (1 234), charts included; the English pages stay as they were."""

import datetime
import html
import re
from xml.etree import ElementTree

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from incidents import history
from incidents.choices import ActorRole, ActorType, Status, VersionKind
from incidents.corrections import describe_changes
from incidents.models import ActorAlias, AdminArea, Correction
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
)

NBSP = "\u00a0"
ATOM = "{http://www.w3.org/2005/Atom}"


def url(name, *args):
    """A page's English address (reverse() gives the French one while French is active, as
    it stays after a request to a French address)."""
    with translation.override("en"):
        return reverse(name, args=args)


def french(path):
    """The French address of an English page."""
    return f"/fr{path}"


def text_of(page):
    """The page's text, its runs of white space one space; no-break spaces stay as they are."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page), flags=re.ASCII))


@pytest.fixture
def mopti(db):
    """Mali › Mopti › Djenné › Kouakourou: incidents in 2021 and 2024 with 1,234 killed in
    all (low 1,200, high 1,500), one with an unknown toll; JNIM (alias GSIM) and the FAMa."""
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    region = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    district = AdminAreaFactory(
        country=mali, level=AdminArea.Level.ADMIN2, parent=region, name="Djenné", iso_code=""
    )
    place = LocationFactory(
        name="Kouakourou",
        admin1=region,
        admin2=district,
        latitude="14.171300",
        longitude="-4.493400",
    )
    jnim = ActorFactory(name="Jama'at Nasr al-Islam wal Muslimin", actor_type=ActorType.REBEL_GROUP)
    ActorAlias.objects.create(actor=jnim, name="GSIM")
    fama = ActorFactory(name="Malian Armed Forces", actor_type=ActorType.STATE_FORCES)
    incidents = []
    for date, killed in (
        ("2021-03-02", (1200, 1234, 1500)),
        ("2024-02-10", None),
    ):
        incident = IncidentFactory(
            location=place,
            start_date=datetime.date.fromisoformat(date),
            status=Status.PUBLISHED,
            title=f"Attack near Kouakourou on {date}",
        )
        if killed:
            low, best, high = killed
            CasualtyFactory(incident=incident, low=low, best=best, high=high)
        IncidentActorFactory(incident=incident, actor=jnim, role=ActorRole.PERPETRATOR)
        IncidentActorFactory(incident=incident, actor=fama, role=ActorRole.TARGET)
        incidents.append(incident)
    return {
        "mali": mali,
        "region": region,
        "district": district,
        "place": place,
        "jnim": jnim,
        "fama": fama,
        "incidents": incidents,
    }


# --- place pages --------------------------------------------------------------------------------


def test_region_page_reads_in_french_with_french_dates_and_numbers(client, mopti):
    path = url("incidents:area_detail", mopti["region"].pk)
    page = client.get(french(path)).content.decode()
    text = text_of(page)
    assert f"1{NBSP}234 tués (estimation retenue)" in text
    assert f"fourchette 1{NBSP}200–1{NBSP}500" in text
    assert "1 incident au bilan inconnu" in text
    assert "2 mars 2021 – 10 février 2024" in text
    assert "premier et dernier incident" in text
    assert "Année par année" in text and "Cercles et départements" in text
    assert "Fil d'Ariane" in page  # the breadcrumbs' label
    for english in ("published incidents", "killed (best estimate)", "Year by year", "Districts"):
        assert english not in text


@pytest.mark.parametrize(
    ("killed", "french_totals", "english_totals"),
    [
        (1, "1 incident publié 1 tué (estimation retenue)", "1 published incident 1 killed"),
        (2, "1 incident publié 2 tués (estimation retenue)", "1 published incident 2 killed"),
    ],
)
def test_place_totals_agree_with_their_numbers(client, db, killed, french_totals, english_totals):
    incident = IncidentFactory(status=Status.PUBLISHED, start_date=datetime.date(2024, 9, 17))
    CasualtyFactory(incident=incident, low=killed, best=killed, high=killed)
    path = url("incidents:place_detail", incident.location_id)
    text = text_of(client.get(french(path)).content.decode())
    assert french_totals in text
    assert "17 septembre 2024 premier et dernier incident" in text  # one day, said once
    assert english_totals in text_of(client.get(path).content.decode())


def test_region_charts_speak_french(client, mopti):
    path = url("incidents:area_detail", mopti["region"].pk)
    page = client.get(french(path)).content.decode()
    assert "Incidents par année" in page and "Personnes tuées par année" in page
    assert "Année de la date de début" in page
    assert "Tués, estimation retenue" in page and "Estimations basse–haute" in page
    # Hovering a year says its numbers the French way.
    hover = f"2021{NBSP}: 1 incident, tués{NBSP}: 1{NBSP}234 (1{NBSP}200–1{NBSP}500)"
    assert f"<title>{hover}</title>" in page
    assert f"<title>2022{NBSP}: 0 incident, tués{NBSP}: 0</title>" in page
    # The killed chart's axis: 1 500 and more, grouped the French way.
    assert re.search(rf">1{NBSP}\d00</text>", page)
    for english in ("Incidents per year", "People killed", "Year of the start date"):
        assert english not in page


def test_english_region_page_is_unchanged(client, mopti):
    page = client.get(url("incidents:area_detail", mopti["region"].pk)).content
    text = text_of(page.decode())
    assert "1,234 killed (best estimate)" in text
    assert "2 Mar 2021 – 10 Feb 2024" in text
    assert "<title>2021: 1 incident, 1,234 (1,200–1,500) killed</title>" in page.decode()
    assert "tués" not in text


def test_place_page_in_french_keeps_coordinates_and_map_link_as_numbers(client, mopti):
    place = mopti["place"]
    page = client.get(french(url("incidents:place_detail", place.pk))).content
    page = page.decode()
    text = text_of(page)
    assert "Lieu · " in text
    assert "14.171300, -4.493400" in text  # not 14,171300: the comma separates the two
    assert "mlat=14.171300&amp;mlon=-4.493400" in page
    assert f"Incidents à proximité{NBSP}: à moins de 10{NBSP}km" in text
    assert f"Télécharger{NBSP}: CSV" in text and "CSV avec HXL" in text
    assert "Les voir tous dans la liste des incidents" in text


def test_country_page_in_french_names_its_regions(client, mopti):
    page = client.get(french(url("incidents:country_detail", "MLI"))).content
    text = text_of(page.decode())
    assert "Pays · ISO 3166-1 MLI" in text
    assert "Régions Nom Incidents Tués Mopti 2" in text


def test_place_index_in_french(client, mopti):
    text = text_of(client.get(french(url("incidents:place_index"))).content.decode())
    assert "Localités" in text and "1 lieu" in text
    assert "Tués (estimation retenue)" in text  # the countries' table
    assert "Les villes et villages des incidents publiés" in text
    assert "Named places" not in text


# --- actor pages --------------------------------------------------------------------------------


def test_actor_page_in_french(client, mopti):
    path = url("incidents:actor_detail", mopti["jnim"].pk)
    text = text_of(client.get(french(path)).content.decode())
    assert "Acteur · " in text and "(code inter ACLED 2)" in text
    assert f"Autres noms{NBSP}: GSIM" in text
    assert "Le plus souvent dans les mêmes incidents" in text
    assert "Rôles, tels que chaque jeu de données les enregistre" in text
    assert f"Auteur{NBSP}: 2 · Cible{NBSP}: 0" in text
    for english in ("Also reported as", "Most often", "Roles, as each"):
        assert english not in text


def test_actor_index_in_french(client, mopti):
    text = text_of(client.get(french(url("incidents:actor_index"))).content.decode())
    assert "2 acteurs" in text and "Nom ou alias" in text and "Type (code inter ACLED)" in text
    assert "No actor" not in text and "Armed groups" not in text


# --- about and codebook ---------------------------------------------------------------------


def test_about_page_in_french(client, mopti):
    page = client.get(french(url("incidents:about"))).content.decode()
    text = text_of(page)
    assert "incidentdb est une base de données ouverte sur la violence politique" in text
    assert "2 incidents publiés, 2 mars 2021 – 10 février 2024." in text
    assert "D'où viennent les incidents" in text and "Comment citer" in text
    assert f"Le guide de codage</a>{NBSP}: chaque colonne" in page
    assert "Analystes d'incidentdb (et la Global Terrorism Database" in text
    assert "version du " in text and "[jeu de données]" in text and "(consulté le " in text
    last_update = r"Dernière publication ou correction\xa0: \d+ \w+ \d{4} à \d\d:\d\d UTC\."
    assert re.search(last_update, text)
    assert "UCDP Georeferenced Event Dataset (GED)" in text  # dataset names stay as they are
    for english in ("Where the incidents come from", "How to cite", "The codebook", "Coverage"):
        assert english not in text


def test_codebook_page_frame_in_french(client, db):
    text = text_of(client.get(french(url("incidents:codebook"))).content.decode())
    assert "Guide de codage" in text and "Chaque colonne des téléchargements" in text


# --- corrections --------------------------------------------------------------------------------


@pytest.fixture
def corrected(mopti, reviewer):
    """The 2021 incident's toll corrected 1,234 → 1,300 and its date moved a day, by a reviewer
    working in the French admin."""
    incident = mopti["incidents"][0]
    CitationFactory(incident=incident)
    casualty = incident.casualties.get()
    with translation.override("fr"):
        with history.change(
            incident, by=reviewer, kind=VersionKind.EDITED, reason="Bilan de l'AFP"
        ):
            casualty.low, casualty.best, casualty.high = 1250, 1300, 1500
            casualty.save()
            incident.start_date = datetime.date(2021, 3, 3)
            incident.save()
    return incident


def test_a_correction_recorded_in_french_is_stored_in_english(corrected):
    correction = Correction.objects.get(incident=corrected)
    assert correction.summary == (
        "killed 1234 (1200–1500) → 1300 (1250–1500); date 2 March 2021 → 3 March 2021"
    )


def test_corrections_page_in_french_writes_the_summary_in_french(client, corrected):
    text = text_of(client.get(french(url("incidents:correction_list"))).content.decode())
    assert (
        f"tués{NBSP}: 1234 (1200–1500) → 1300 (1250–1500){NBSP}; "
        f"date{NBSP}: 2 mars 2021 → 3 mars 2021{NBSP}; motif{NBSP}: Bilan de l'AFP"
    ) in text
    assert "Corrections des incidents publiés" not in text  # the feed's title is in the head
    assert "Flux Atom" in text
    english = text_of(client.get(url("incidents:correction_list")).content.decode())
    assert "killed 1234 (1200–1500) → 1300 (1250–1500); date 2 March 2021" in english
    assert "reason: Bilan de l'AFP" in english


def test_the_incident_page_in_french_writes_its_corrections_in_french(client, corrected):
    page = client.get(french(url("incidents:incident_detail", corrected.pk))).content.decode()
    text = text_of(page)
    assert (
        f"tués{NBSP}: 1234 (1200–1500) → 1300 (1250–1500){NBSP}; "
        f"date{NBSP}: 2 mars 2021 → 3 mars 2021{NBSP}; motif{NBSP}: Bilan de l'AFP"
    ) in text
    assert "killed 1234" not in text
    english = client.get(url("incidents:incident_detail", corrected.pk)).content.decode()
    assert (
        "killed 1234 (1200–1500) → 1300 (1250–1500); date 2 March 2021 → 3 March 2021; "
        "reason: Bilan de l'AFP"
    ) in text_of(english)


def test_corrections_page_in_french_costs_a_few_queries_for_any_number(
    client, corrected, reviewer, django_assert_max_num_queries
):
    casualty = corrected.casualties.get()
    for best in range(1301, 1311):
        with history.change(corrected, by=reviewer, kind=VersionKind.EDITED):
            casualty.best = best
            casualty.save()
    # count, page, the versions, the names (none changed here)
    with django_assert_max_num_queries(3):
        page = client.get(french(url("incidents:correction_list"))).content.decode()
    assert page.count("tués\u00a0: ") == 11


def test_french_summary_names_places_and_actors(mopti):
    before = {
        "location_id": mopti["place"].pk,
        "actors": [{"actor_id": mopti["jnim"].pk, "role": ActorRole.PERPETRATOR}],
    }
    other = LocationFactory(name="Sofara")
    after = {
        "location_id": other.pk,
        "actors": [{"actor_id": mopti["fama"].pk, "role": ActorRole.PERPETRATOR}],
    }
    with translation.override("fr"):
        changes = describe_changes(before, after)
    assert changes[0] == f"lieu{NBSP}: Kouakourou (Mopti) → Sofara (Mopti)"
    assert changes[1].startswith(f"acteur ajouté{NBSP}: Malian Armed Forces (")
    assert changes[2].startswith(f"acteur retiré{NBSP}: Jama'at Nasr al-Islam wal Muslimin (")


def test_corrections_feed_in_french(client, corrected):
    response = client.get(french(url("incidents:correction_feed")))
    feed = ElementTree.fromstring(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.find(f"{ATOM}title").text == f"incidentdb{NBSP}: corrections des incidents publiés"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == (
        f"{corrected.title}{NBSP}: tués{NBSP}: 1234 (1200–1500) → 1300 (1250–1500){NBSP}; "
        f"date{NBSP}: 2 mars 2021 → 3 mars 2021"
    )
    # The item links to the incident's French page.
    incident_path = french(url("incidents:incident_detail", corrected.pk))
    correction = corrected.corrections.get()
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{incident_path}#correction-{correction.pk}"
    english = ElementTree.fromstring(client.get(url("incidents:correction_feed")).content)
    assert english.find(f"{ATOM}title").text == "incidentdb: corrections to published incidents"


# --- error pages --------------------------------------------------------------------------------


def test_not_found_in_french_under_fr(client, db):
    response = client.get("/fr/places/areas/999999/")
    assert response.status_code == 404
    text = text_of(response.content.decode())
    assert "Cette page n'existe pas" in text and "Parcourir les incidents publiés" in text
    english = client.get("/places/areas/999999/")
    assert "This page does not exist" in english.content.decode()


def test_server_error_page_says_it_in_both_languages():
    page = get_template("500.html").render()
    assert "Something went wrong on our side" in page
    assert '<div lang="fr"><h2>Une erreur s\'est produite de notre côté</h2>' in page


def test_a_lockout_at_the_french_admin_says_it_in_french(client, db):
    UserFactory(username="analyst", group="Analyst", password="sahel-incidents-2024-long")
    for _attempt in range(5):
        locked = client.post(
            "/fr/admin/login/",
            {"username": "analyst", "password": "wrong-guess-123456", "next": "/fr/admin/"},
            REMOTE_ADDR="198.51.100.7",
        )
    assert locked.status_code == 429
    text = text_of(locked.content.decode())
    assert "Trop d'échecs de connexion" in text
    assert "Réessayez plus tard, ou demandez à un administrateur de le débloquer." in text
