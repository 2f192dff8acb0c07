"""Every country has ACLED's world region, as ACLED's export and API name it."""

import pycountry
import pytest

from incidents.acled_regions import (
    ACLED_REGION_NAMES,
    REGION_COUNTRIES,
    acled_region,
    acled_region_name,
)


def test_every_iso_country_and_kosovo_has_exactly_one_region():
    listed = [iso3 for countries in REGION_COUNTRIES.values() for iso3 in countries]
    assert len(listed) == len(set(listed)), "a country is in two regions"
    assert set(listed) == {country.alpha_3 for country in pycountry.countries} | {"XKX"}


def test_regions_are_acleds_numbers_and_names():
    assert set(REGION_COUNTRIES) == set(ACLED_REGION_NAMES)
    assert ACLED_REGION_NAMES[1] == "Western Africa"
    assert ACLED_REGION_NAMES[13] == "Caucasus and Central Asia"
    assert not {6, 8, 10} & set(ACLED_REGION_NAMES)


@pytest.mark.parametrize(
    ("iso3", "region_name"),
    [
        ("MLI", "Western Africa"),
        ("BFA", "Western Africa"),
        ("NER", "Western Africa"),
        ("NGA", "Western Africa"),
        ("MRT", "Western Africa"),
        ("TCD", "Middle Africa"),
        ("CMR", "Middle Africa"),
        ("CAF", "Middle Africa"),
        ("SDN", "Northern Africa"),
        ("LBY", "Northern Africa"),
        ("DZA", "Northern Africa"),
        ("EGY", "Northern Africa"),
        ("SSD", "Eastern Africa"),
        ("TUR", "Middle East"),
        ("YEM", "Middle East"),
        ("RUS", "Europe"),
        ("UKR", "Europe"),
        ("XKX", "Europe"),
        ("GEO", "Caucasus and Central Asia"),
        ("AFG", "South Asia"),
        ("MEX", "Central America"),
        ("USA", "North America"),
    ],
)
def test_sahel_and_neighbours_are_where_acled_files_them(iso3, region_name):
    assert acled_region_name(iso3) == region_name


def test_an_unknown_code_has_no_region():
    assert acled_region("ZZZ") is None
    assert acled_region_name("ZZZ") is None
