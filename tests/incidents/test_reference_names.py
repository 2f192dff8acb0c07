"""Imports find the sources and actors already known under another spelling (case, accents,
punctuation, stray quotes, an actor's alias) instead of entering near-copies of them."""

import pytest
from django.urls import reverse

from incidents.importers.importing import import_file
from incidents.importers.ucdp import UcdpImporter
from incidents.models import Actor, Citation, Incident, Source
from incidents.naming import clean_name, name_key
from tests.factories import ActorFactory, SourceFactory
from tests.incidents.test_import_ucdp import ged_row, write_csv


@pytest.mark.parametrize(
    "written, stored",
    [
        (';"Agence France Presse', "Agence France Presse"),
        ('"Studio Tamani"', "Studio Tamani"),
        ("  Radio   Kledu ; ", "Radio Kledu"),
        ("Agence France-Presse", "Agence France-Presse"),
    ],
)
def test_a_name_is_stored_without_what_the_files_quoting_left(written, stored):
    assert clean_name(written) == stored


@pytest.mark.parametrize(
    "one, other",
    [
        ("Agence France-Presse", "Agence France Presse"),
        (';"agence france presse', "AGENCE FRANCE PRESSE"),
        ("Jama'at Nusrat al-Islam wal-Muslimin", "Jamaat Nusrat al Islam wal Muslimin"),
        ("Ménaka", "Menaka"),
    ],
)
def test_spellings_of_one_name_share_a_key(one, other):
    assert name_key(one) == name_key(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("Military Forces of Mali (2021-)", "Military Forces of Mali (2012-2021)"),
        ("AFP", "Agence France Presse"),
    ],
)
def test_different_names_keep_different_keys(one, other):
    assert name_key(one) != name_key(other)


def import_rows(tmp_path, *rows):
    return import_file(write_csv(tmp_path / "ged.csv", list(rows)), UcdpImporter())


def test_an_import_cites_the_known_source_under_its_other_spellings(db, tmp_path):
    afp = SourceFactory(name="Agence France-Presse")
    faso = SourceFactory(name="Le Faso.net")
    import_rows(
        tmp_path,
        ged_row(
            id="1",
            source_article="",
            # UCDP's quoting of each office, split on ";", leaves a quote on either side.
            source_office='"agence france presse";"LE FASO.NET"',
            source_date="2022-09-27;2022-09-28",
            source_headline="One;Two",
        ),
        ged_row(
            id="2",
            source_article="",
            source_office='Agence France Presse;"Radio  Omega"',
            source_date="2022-09-27;2022-09-28",
            source_headline="One;Two",
        ),
    )
    assert set(Citation.objects.filter(incident__ucdp_id="1").values_list("source", flat=True)) == {
        afp.pk,
        faso.pk,
    }
    assert Citation.objects.filter(incident__ucdp_id="2", source=afp).exists()
    # A source met for the first time is stored as it should read.
    assert Source.objects.filter(name="Radio Omega").exists()
    assert not Source.objects.filter(name__contains='"').exists()


def test_an_import_finds_an_actor_through_its_alias_whatever_the_spelling(db, tmp_path):
    jnim = ActorFactory(name="JNIM")
    jnim.aliases.create(name="Jama'at Nusrat al-Islam wal-Muslimin")
    army = ActorFactory(name="Military Forces of Burkina Faso")
    import_rows(
        tmp_path,
        ged_row(
            id="1",
            side_a="military forces of burkina faso",
            side_b="Jamaat Nusrat al Islam wal-Muslimin",
        ),
    )
    incident = Incident.objects.get(ucdp_id="1")
    assert set(incident.actors.values_list("pk", flat=True)) == {jnim.pk, army.pk}
    assert Actor.objects.count() == 2


def test_a_social_account_is_not_the_site_of_the_same_name():
    assert name_key("@Menastream") != name_key("Menastream")
    assert name_key("@menastream") == name_key(" @MENASTREAM;")


def test_the_admin_refuses_a_source_spelled_like_another(reviewer_client):
    SourceFactory(name="Agence France Presse")
    url = reverse("admin:incidents_source_add")
    response = reviewer_client.post(url, {"name": "Agence France-Presse", "scale": "international"})
    assert response.status_code == 200
    assert "“Agence France Presse” is already entered" in response.content.decode()
    reviewer_client.post(url, {"name": ' "Studio  Tamani";', "scale": "national"})
    assert set(Source.objects.values_list("name", flat=True)) == {
        "Agence France Presse",
        "Studio Tamani",
    }


def test_the_admin_refuses_an_actor_named_as_another_actors_alias(reviewer_client):
    jnim = ActorFactory(name="JNIM")
    jnim.aliases.create(name="Jama'at Nusrat al-Islam wal-Muslimin")
    response = reviewer_client.post(
        reverse("admin:incidents_actor_add"),
        {
            "name": "Jamaat Nusrat al Islam wal Muslimin",
            "actor_type": 2,
            "aliases-TOTAL_FORMS": 0,
            "aliases-INITIAL_FORMS": 0,
        },
    )
    assert "is already entered" in response.content.decode()
    assert Actor.objects.count() == 1
