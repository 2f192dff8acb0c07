"""ACLED's world regions and the region of every country, by ISO 3166-1 alpha-3.

ACLED files each country under one of its regions and writes the region's name in the `region`
column of its export; its API filters on the region's number (`region=1`) and lists the regions
at `region/read`. The numbers are ACLED's own (its API user guide; 6, 8 and 10 are not used).
The countries follow ACLED's assignment where ACLED codes the country: Sudan is Northern
Africa, Mexico Central America, Turkey, Iran and Yemen the Middle East, Cyprus and Russia
Europe, the Caucasus with Central Asia, Afghanistan South Asia. The few territories ACLED has no
events for (islands, dependencies) follow the UN M49 subregion they are in, mapped to ACLED's
region of that name; the uninhabited Antarctic ones are Antarctica.

Every ISO 3166-1 country and Kosovo (XKX, see gazetteer.load_country) has exactly one region:
tests/incidents/test_acled_regions.py walks pycountry's list.
"""

ACLED_REGION_NAMES = {
    1: "Western Africa",
    2: "Middle Africa",
    3: "Eastern Africa",
    4: "Southern Africa",
    5: "Northern Africa",
    7: "South Asia",
    9: "Southeast Asia",
    11: "Middle East",
    12: "Europe",
    13: "Caucasus and Central Asia",
    14: "Central America",
    15: "South America",
    16: "Caribbean",
    17: "East Asia",
    18: "North America",
    19: "Oceania",
    20: "Antarctica",
}

REGION_COUNTRIES = {
    # Western Africa
    1: ("BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SHN SLE TGO").split(),
    # Middle Africa
    2: "AGO CAF CMR COD COG GAB GNQ STP TCD".split(),
    # Eastern Africa (with the Indian Ocean's islands and territories)
    3: (
        "BDI COM DJI ERI ETH IOT KEN MDG MOZ MUS MWI MYT REU RWA SOM SSD SYC TZA UGA ZMB ZWE"
    ).split(),
    # Southern Africa
    4: "BWA LSO NAM SWZ ZAF".split(),
    # Northern Africa
    5: "DZA EGY ESH LBY MAR SDN TUN".split(),
    # South Asia
    7: "AFG BGD BTN IND LKA MDV NPL PAK".split(),
    # Southeast Asia
    9: "BRN IDN KHM LAO MMR MYS PHL SGP THA TLS VNM".split(),
    # Middle East
    11: "ARE BHR IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR YEM".split(),
    # Europe (with Russia, Ukraine, Belarus and the Balkans)
    12: (
        "ALA ALB AND AUT BEL BGR BIH BLR CHE CYP CZE DEU DNK ESP EST FIN FRA FRO GBR GGY GIB "
        "GRC HRV HUN IMN IRL ISL ITA JEY LIE LTU LUX LVA MCO MDA MKD MLT MNE NLD NOR POL PRT "
        "ROU RUS SJM SMR SRB SVK SVN SWE UKR VAT XKX"
    ).split(),
    # Caucasus and Central Asia
    13: "ARM AZE GEO KAZ KGZ TJK TKM UZB".split(),
    # Central America (with Mexico)
    14: "BLZ CRI GTM HND MEX NIC PAN SLV".split(),
    # South America
    15: "ARG BOL BRA CHL COL ECU FLK GUF GUY PER PRY SUR URY VEN".split(),
    # Caribbean
    16: (
        "ABW AIA ATG BES BHS BLM BRB CUB CUW CYM DMA DOM GLP GRD HTI JAM KNA LCA MAF MSR MTQ "
        "PRI SXM TCA TTO VCT VGB VIR"
    ).split(),
    # East Asia
    17: "CHN HKG JPN KOR MAC MNG PRK TWN".split(),
    # North America
    18: "BMU CAN GRL SPM USA".split(),
    # Oceania
    19: (
        "ASM AUS CCK COK CXR FJI FSM GUM KIR MHL MNP NCL NFK NIU NRU NZL PCN PLW PNG PYF SLB "
        "TKL TON TUV UMI VUT WLF WSM"
    ).split(),
    # Antarctica (with the uninhabited sub-Antarctic territories)
    20: "ATA ATF BVT HMD SGS".split(),
}

REGION_OF_COUNTRY = {
    iso3: region for region, countries in REGION_COUNTRIES.items() for iso3 in countries
}


def acled_region(iso3):
    """ACLED's region number of a country (1 for Mali), or None for a code it does not hold."""
    return REGION_OF_COUNTRY.get(iso3)


def acled_region_name(iso3):
    """The `region` cell of a country's rows in ACLED's export ("Western Africa"), or None."""
    region = REGION_OF_COUNTRY.get(iso3)
    return ACLED_REGION_NAMES[region] if region is not None else None
