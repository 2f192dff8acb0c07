"""A place's coordinates must lie in its country: the admin refuses a Mali place at Paris's
coordinates unless a reviewer keeps it with a reason, and an import warns about such a row."""

import pytest
from django.urls import reverse

from incidents.importers.acled import AcledImporter
from incidents.importers.importing import import_file
from incidents.models import Location
from incidents.outlines import (
    BORDER_TOLERANCE_KM,
    country_containing,
    outline_problem,
    representative_point,
)
from tests.factories import AdminAreaFactory, CountryFactory, LocationFactory
from tests.incidents.test_admin_import import upload
from tests.incidents.test_import_acled import acled_file, acled_row  # noqa: F401 F811
from tests.incidents.test_import_ucdp import ged_row

ADD_URL = reverse("admin:incidents_location_add")
PARIS = ("48.8566", "2.3522")


@pytest.mark.parametrize(
    ("iso3", "latitude", "longitude"),
    [
        ("MLI", 12.6392, -8.0029),  # Bamako
        ("MLI", 14.6425, -4.2575),  # Kouakourou
        ("MLI", 16.2666, -0.0400),  # Gao
        ("MLI", 14.4470, -11.4400),  # Kayes, 50 km from Senegal
        ("BFA", 12.3714, -1.5197),  # Ouagadougou
        ("NER", 13.5116, 2.1254),  # Niamey, on the Niger
        ("FRA", 48.8566, 2.3522),  # Paris: the rest of the world has outlines too
        ("RUS", 55.7558, 37.6173),  # Moscow
        ("XKX", 42.6629, 21.1655),  # Pristina: Kosovo, which has no ISO code, has an outline
        ("GIB", 40.0, 0.0),  # Natural Earth draws no Gibraltar at 1:50m: not checked
    ],
)
def test_places_inside_their_country_pass(iso3, latitude, longitude):
    assert outline_problem(iso3, latitude, longitude) is None


def test_countries_outside_africa_are_checked_too():
    assert "outside France's outline" in outline_problem("FRA", 12.6392, -8.0029)
    assert "outside Kosovo's outline" in outline_problem("XKX", 48.8566, 2.3522)


@pytest.mark.parametrize(
    ("latitude", "longitude", "candidates", "expected"),
    [
        (50.4501, 30.5234, ["RUS", "UKR", "BLR"], "UKR"),  # Kyiv
        (55.7558, 37.6173, ["UKR", "RUS"], "RUS"),  # Moscow
        (42.6629, 21.1655, ["SRB", "MNE", "XKX"], "XKX"),  # Pristina
        (48.1486, 17.1077, ["CZE", "SVK"], "SVK"),  # Bratislava, on the Austrian border
        (48.8566, 2.3522, ["CZE", "SVK"], None),  # Paris
        (40.0, 0.0, ["GIB"], None),  # no outline
    ],
)
def test_the_country_containing_a_point_is_found_among_candidates(
    latitude, longitude, candidates, expected
):
    assert country_containing(latitude, longitude, candidates) == expected


@pytest.mark.parametrize("iso3", ["MLI", "RUS", "CHL", "IDN", "HRV", "VNM", "XKX", "USA"])
def test_a_country_s_representative_point_is_inside_it(iso3):
    latitude, longitude = representative_point(iso3)
    assert outline_problem(iso3, latitude, longitude) is None
    assert country_containing(latitude, longitude, [iso3]) == iso3


def test_a_country_without_an_outline_has_no_representative_point():
    assert representative_point("GIB") is None


def test_a_point_a_little_over_the_border_passes_and_one_farther_does_not():
    # On the 14.9° parallel Mali's outline ends at -11.932° (the Senegal river, west of Kayes):
    # 0.04° further west is about 3 km out, 0.1° about 8 km.
    assert outline_problem("MLI", 14.9, -11.972) is None
    assert "is 8 km outside Mali's outline" in outline_problem("MLI", 14.9, -12.032)
    assert 3 < BORDER_TOLERANCE_KM < 8


def test_paris_is_thousands_of_km_outside_mali():
    assert outline_problem("MLI", 48.8566, 2.3522, "Mali") == (
        "48.8566, 2.3522 is 2,690 km outside Mali's outline."
    )


def test_swapped_coordinates_are_named():
    problem = outline_problem("MLI", -4.2575, 14.6425, "Mali")
    assert problem.endswith("Latitude and longitude look swapped.")


def place_form(region, latitude, longitude, **extra):
    return {
        "name": "Kouakourou",
        "latitude": latitude,
        "longitude": longitude,
        "country": "",
        "admin1": region.pk,
        **extra,
    }


@pytest.fixture
def mopti(db):
    return AdminAreaFactory(country=CountryFactory(), name="Mopti", iso_code="ML-5")


def test_an_analyst_cannot_save_a_mali_place_in_paris(analyst_client, mopti):
    response = analyst_client.post(ADD_URL, place_form(mopti, *PARIS))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["latitude"]
    assert errors == [
        "48.8566, 2.3522 is 2,690 km outside Mali's outline. Check the coordinates and the "
        "country; a reviewer can keep them with a reason."
    ]
    assert not Location.objects.exists()


def test_an_analyst_cannot_give_the_reviewers_reason(analyst_client, mopti):
    form = place_form(mopti, *PARIS, outline_override_reason="I am sure")
    assert analyst_client.post(ADD_URL, form).status_code == 200
    assert not Location.objects.exists()


def test_a_reviewer_keeps_a_place_outside_the_outline_with_a_reason(
    reviewer_client, reviewer, mopti
):
    form = place_form(mopti, "14.9", "-13.5", outline_override_reason="Camp across the border")
    assert reviewer_client.post(ADD_URL, form).status_code == 302
    place = Location.objects.get()
    assert place.outline_override_reason == "Camp across the border"
    assert place.outline_override_by == reviewer
    assert place.outline_override_at is not None


def test_moving_a_kept_place_asks_for_the_reason_again(reviewer_client, mopti):
    place = LocationFactory(
        admin1=mopti, latitude="14.9", longitude="-13.5", outline_override_reason="Camp"
    )
    url = reverse("admin:incidents_location_change", args=[place.pk])
    form = place_form(mopti, *PARIS, outline_override_reason="Camp")
    response = reviewer_client.post(url, form)
    assert response.status_code == 200
    assert "latitude" in response.context["adminform"].form.errors
    # Moved back inside Mali, it saves, and the reason no longer stands.
    response = reviewer_client.post(url, place_form(mopti, "14.6425", "-4.2575"))
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.outline_override_reason, place.outline_override_by) == ("", None)


def test_a_place_inside_its_country_saves_without_a_reason(analyst_client, mopti):
    response = analyst_client.post(ADD_URL, place_form(mopti, "14.6425", "-4.2575"))
    assert response.status_code == 302
    assert Location.objects.get().outline_override_reason == ""


# --- imports: a row placed outside its country is imported, with a warning ------------------


def test_an_import_warns_about_a_row_outside_its_country(db, acled_file):  # noqa: F811
    paris = acled_row(event_id_cnty="MLI30002", latitude="48.8566", longitude="2.3522")
    report = import_file(acled_file(acled_row(), paris), AcledImporter(), dry_run=True)
    assert report.created == 2  # a warning refuses nothing
    assert [(w.row, w.column) for w in report.warnings] == [(3, "latitude/longitude")]
    assert "is 2,690 km outside Mali's outline" in report.warnings[0].reason
    assert report.summary().endswith("0 rejected, 1 warning (dry run, nothing written).")


def test_the_admin_preview_lists_the_warnings(analyst_client):
    response = upload(
        analyst_client, ged_row(id="1"), ged_row(id="2", latitude="-1.6", longitude="14.1")
    )
    page = analyst_client.get(response.url).content.decode()
    assert "Imported all the same; look at these places:" in page
    assert "row 3, latitude/longitude=&#x27;-1.6, 14.1&#x27;" in page
    assert "Latitude and longitude look swapped." in page
    assert 'name="_confirm_import"' in page
