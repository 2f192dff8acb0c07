"""Gleditsch–Ward codes and GED's country names: every country of UCDP GED resolves to its
ISO 3166-1 code, by country_id and by name alone."""

import csv

import pycountry
import pytest

from incidents.gazetteer import find_country_code
from incidents.gleditsch_ward import GW_TO_ISO3, find_iso3_by_gw_code
from tests.incidents.test_import_ucdp import sample_path

# Countries as the UCDP GED codebook and releases write them (`country`, `country_id`), with
# the ISO 3166-1 alpha-3 code each is expected to resolve to. Historic names in parentheses
# are UCDP's own; states that no longer exist resolve to their successor.
GED_COUNTRIES = [
    # (GED country name, country_id (Gleditsch–Ward), ISO 3166-1 alpha-3)
    ("United States of America", 2, "USA"),
    ("Canada", 20, "CAN"),
    ("Cuba", 40, "CUB"),
    ("Haiti", 41, "HTI"),
    ("Dominican Republic", 42, "DOM"),
    ("Jamaica", 51, "JAM"),
    ("Trinidad and Tobago", 52, "TTO"),
    ("Grenada", 55, "GRD"),
    ("Mexico", 70, "MEX"),
    ("Guatemala", 90, "GTM"),
    ("Honduras", 91, "HND"),
    ("El Salvador", 92, "SLV"),
    ("Nicaragua", 93, "NIC"),
    ("Costa Rica", 94, "CRI"),
    ("Panama", 95, "PAN"),
    ("Colombia", 100, "COL"),
    ("Venezuela", 101, "VEN"),
    ("Guyana", 110, "GUY"),
    ("Suriname", 115, "SUR"),
    ("Ecuador", 130, "ECU"),
    ("Peru", 135, "PER"),
    ("Brazil", 140, "BRA"),
    ("Bolivia", 145, "BOL"),
    ("Paraguay", 150, "PRY"),
    ("Chile", 155, "CHL"),
    ("Argentina", 160, "ARG"),
    ("Uruguay", 165, "URY"),
    ("United Kingdom", 200, "GBR"),
    ("Ireland", 205, "IRL"),
    ("Netherlands", 210, "NLD"),
    ("Belgium", 211, "BEL"),
    ("France", 220, "FRA"),
    ("Switzerland", 225, "CHE"),
    ("Spain", 230, "ESP"),
    ("Portugal", 235, "PRT"),
    ("Germany", 255, "DEU"),
    ("Poland", 290, "POL"),
    ("Austria", 305, "AUT"),
    ("Hungary", 310, "HUN"),
    ("Czech Republic", 316, "CZE"),
    ("Slovakia", 317, "SVK"),
    ("Italy", 325, "ITA"),
    ("Albania", 339, "ALB"),
    ("Montenegro", 341, "MNE"),
    ("Macedonia, FYR", 343, "MKD"),
    ("Croatia", 344, "HRV"),
    ("Serbia (Yugoslavia)", 345, "SRB"),
    ("Bosnia-Herzegovina", 346, "BIH"),
    ("Kosovo", 347, "XKX"),
    ("Slovenia", 349, "SVN"),
    ("Greece", 350, "GRC"),
    ("Cyprus", 352, "CYP"),
    ("Bulgaria", 355, "BGR"),
    ("Moldova", 359, "MDA"),
    ("Romania", 360, "ROU"),
    ("Russia (Soviet Union)", 365, "RUS"),
    ("Estonia", 366, "EST"),
    ("Latvia", 367, "LVA"),
    ("Lithuania", 368, "LTU"),
    ("Ukraine", 369, "UKR"),
    ("Belarus", 370, "BLR"),
    ("Armenia", 371, "ARM"),
    ("Georgia", 372, "GEO"),
    ("Azerbaijan", 373, "AZE"),
    ("Finland", 375, "FIN"),
    ("Sweden", 380, "SWE"),
    ("Norway", 385, "NOR"),
    ("Denmark", 390, "DNK"),
    ("Cape Verde", 402, "CPV"),
    ("Guinea-Bissau", 404, "GNB"),
    ("Equatorial Guinea", 411, "GNQ"),
    ("Gambia", 420, "GMB"),
    ("Mali", 432, "MLI"),
    ("Senegal", 433, "SEN"),
    ("Benin", 434, "BEN"),
    ("Mauritania", 435, "MRT"),
    ("Niger", 436, "NER"),
    ("Ivory Coast", 437, "CIV"),
    ("Guinea", 438, "GIN"),
    ("Burkina Faso", 439, "BFA"),
    ("Liberia", 450, "LBR"),
    ("Sierra Leone", 451, "SLE"),
    ("Ghana", 452, "GHA"),
    ("Togo", 461, "TGO"),
    ("Cameroon", 471, "CMR"),
    ("Nigeria", 475, "NGA"),
    ("Gabon", 481, "GAB"),
    ("Central African Republic", 482, "CAF"),
    ("Chad", 483, "TCD"),
    ("Congo", 484, "COG"),
    ("DR Congo (Zaire)", 490, "COD"),
    ("Uganda", 500, "UGA"),
    ("Kenya", 501, "KEN"),
    ("Tanzania", 510, "TZA"),
    ("Burundi", 516, "BDI"),
    ("Rwanda", 517, "RWA"),
    ("Somalia", 520, "SOM"),
    ("Djibouti", 522, "DJI"),
    ("Ethiopia", 530, "ETH"),
    ("Eritrea", 531, "ERI"),
    ("Angola", 540, "AGO"),
    ("Mozambique", 541, "MOZ"),
    ("Zambia", 551, "ZMB"),
    ("Zimbabwe (Rhodesia)", 552, "ZWE"),
    ("Malawi", 553, "MWI"),
    ("South Africa", 560, "ZAF"),
    ("Namibia", 565, "NAM"),
    ("Lesotho", 570, "LSO"),
    ("Botswana", 571, "BWA"),
    ("Kingdom of eSwatini (Swaziland)", 572, "SWZ"),
    ("Madagascar (Malagasy)", 580, "MDG"),
    ("Comoros", 581, "COM"),
    ("Morocco", 600, "MAR"),
    ("Algeria", 615, "DZA"),
    ("Tunisia", 616, "TUN"),
    ("Libya", 620, "LBY"),
    ("Sudan", 625, "SDN"),
    ("South Sudan", 626, "SSD"),
    ("Iran", 630, "IRN"),
    ("Turkey", 640, "TUR"),
    ("Iraq", 645, "IRQ"),
    ("Egypt", 651, "EGY"),
    ("Syria", 652, "SYR"),
    ("Lebanon", 660, "LBN"),
    ("Jordan", 663, "JOR"),
    ("Israel", 666, "ISR"),
    ("Saudi Arabia", 670, "SAU"),
    ("Yemen (North Yemen)", 678, "YEM"),
    ("South Yemen", 680, "YEM"),
    ("Kuwait", 690, "KWT"),
    ("Bahrain", 692, "BHR"),
    ("Qatar", 694, "QAT"),
    ("United Arab Emirates", 696, "ARE"),
    ("Oman", 698, "OMN"),
    ("Afghanistan", 700, "AFG"),
    ("Turkmenistan", 701, "TKM"),
    ("Tajikistan", 702, "TJK"),
    ("Kyrgyzstan", 703, "KGZ"),
    ("Uzbekistan", 704, "UZB"),
    ("Kazakhstan", 705, "KAZ"),
    ("China", 710, "CHN"),
    ("Mongolia", 712, "MNG"),
    ("Taiwan", 713, "TWN"),
    ("North Korea", 731, "PRK"),
    ("South Korea", 732, "KOR"),
    ("Japan", 740, "JPN"),
    ("India", 750, "IND"),
    ("Bhutan", 760, "BTN"),
    ("Pakistan", 770, "PAK"),
    ("Bangladesh", 771, "BGD"),
    ("Myanmar (Burma)", 775, "MMR"),
    ("Sri Lanka", 780, "LKA"),
    ("Maldives", 781, "MDV"),
    ("Nepal", 790, "NPL"),
    ("Thailand", 800, "THA"),
    ("Cambodia (Kampuchea)", 811, "KHM"),
    ("Laos", 812, "LAO"),
    ("Vietnam (North Vietnam)", 816, "VNM"),
    ("South Vietnam", 817, "VNM"),
    ("Malaysia", 820, "MYS"),
    ("Singapore", 830, "SGP"),
    ("Brunei", 835, "BRN"),
    ("Philippines", 840, "PHL"),
    ("Indonesia", 850, "IDN"),
    ("East Timor", 860, "TLS"),
    ("Australia", 900, "AUS"),
    ("Papua New Guinea", 910, "PNG"),
    ("New Zealand", 920, "NZL"),
    ("Vanuatu", 935, "VUT"),
    ("Solomon Islands", 940, "SLB"),
    ("Fiji", 950, "FJI"),
]


@pytest.mark.parametrize(("name", "gw_code", "iso3"), GED_COUNTRIES)
def test_every_ged_country_resolves_by_its_gleditsch_ward_code(name, gw_code, iso3):
    assert find_iso3_by_gw_code(str(gw_code)) == iso3


@pytest.mark.parametrize(("name", "gw_code", "iso3"), GED_COUNTRIES)
def test_every_ged_country_resolves_by_its_name_alone(name, gw_code, iso3):
    assert find_country_code(name) == iso3


@pytest.mark.parametrize(
    ("gw_code", "iso3"),
    [(260, "DEU"), (265, "DEU"), (345, "SRB"), (680, "YEM"), (817, "VNM"), (511, "TZA")],
)
def test_states_that_no_longer_exist_resolve_to_their_successor(gw_code, iso3):
    assert find_iso3_by_gw_code(str(gw_code)) == iso3


@pytest.mark.parametrize("cell", ["", "  ", "315", "999", "Mali"])
def test_a_code_of_no_state_with_a_successor_is_not_guessed(cell):
    # Czechoslovakia (315) split in two: such a row falls back to its country name.
    assert find_iso3_by_gw_code(cell) is None


def test_the_table_maps_only_to_iso_3166_codes_or_kosovo():
    for gw_code, iso3 in GW_TO_ISO3.items():
        assert iso3 == "XKX" or pycountry.countries.get(alpha_3=iso3), gw_code


def test_every_country_of_the_shared_sample_is_in_the_list_and_resolves():
    listed = {(name, str(gw_code)): iso3 for name, gw_code, iso3 in GED_COUNTRIES}
    with open(sample_path(), encoding="utf-8", newline="") as f:
        pairs = {(row["country"], row["country_id"]) for row in csv.DictReader(f)}
    assert pairs
    for name, gw_code in pairs:
        assert (name, gw_code) in listed
        assert find_iso3_by_gw_code(gw_code) == find_country_code(name) == listed[name, gw_code]


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("dr congo (zaire)", "COD"),
        ("Côte d'Ivoire", "CIV"),
        ("cote d'ivoire", "CIV"),
        ("Chad (Tchad)", "TCD"),  # an unknown historic name: tried without it
        ("BFA", "BFA"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_names_are_compared_loosely_with_their_parentheses(name, iso3):
    assert find_country_code(name) == iso3
