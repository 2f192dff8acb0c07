"""Gleditsch–Ward state codes and the ISO 3166-1 alpha-3 code of the country each is today.

UCDP identifies countries by the codes of Gleditsch & Ward's list of independent states
(Gleditsch, K. S. & Ward, M. D. 1999, "Interstate System Membership: A Revised List of the
Independent States since 1816", International Interactions 25; the list "iisystem" with its
microstates list), as the UCDP GED codebook says for `country_id`. The code is the reliable key:
GED's country names carry historic names ("DR Congo (Zaire)") and change between releases.

Every state of the list that has an ISO 3166-1 successor is here, not only those GED has
events for so far. A state that no longer exists maps to the country that holds its territory
today when there is exactly one: West Germany (260), Germany (255) and East Germany (265) →
DEU; Yugoslavia / Serbia (345) and Serbia before 1918 (340) → SRB; Yemen (North Yemen, 678)
and South Yemen (680) → YEM; the Soviet Union / Russia (365) → RUS; both Vietnams (815, 816,
817) → VNM; Zanzibar (511) → TZA. States split among several of today's countries
(Czechoslovakia 315, Austria-Hungary 300) or absorbed long before GED begins (Hanover, Bavaria,
the Italian and German states, Korea before 1910) are left out: a row with such a code falls
back to its country name.

Kosovo (347) has no ISO 3166-1 code. It maps to XKX, the user-assigned code the European
Union, the IMF and the World Bank use, which gazetteer.load_country creates as a country of its
own (with no ISO 3166-2 subdivisions, so its areas are created from the names in the data).
"""

GW_TO_ISO3 = {
    # The Americas
    2: "USA",
    20: "CAN",
    31: "BHS",
    40: "CUB",
    41: "HTI",
    42: "DOM",
    51: "JAM",
    52: "TTO",
    53: "BRB",
    54: "DMA",
    55: "GRD",
    56: "LCA",
    57: "VCT",
    58: "ATG",
    60: "KNA",
    70: "MEX",
    80: "BLZ",
    90: "GTM",
    91: "HND",
    92: "SLV",
    93: "NIC",
    94: "CRI",
    95: "PAN",
    100: "COL",
    101: "VEN",
    110: "GUY",
    115: "SUR",
    130: "ECU",
    135: "PER",
    140: "BRA",
    145: "BOL",
    150: "PRY",
    155: "CHL",
    160: "ARG",
    165: "URY",
    # Europe
    200: "GBR",
    205: "IRL",
    210: "NLD",
    211: "BEL",
    212: "LUX",
    220: "FRA",
    221: "MCO",
    223: "LIE",
    225: "CHE",
    230: "ESP",
    232: "AND",
    235: "PRT",
    255: "DEU",  # Germany (Prussia until 1945; reunified Germany since 1990)
    260: "DEU",  # West Germany (German Federal Republic), 1949–1990
    265: "DEU",  # East Germany (German Democratic Republic), 1949–1990
    290: "POL",
    305: "AUT",
    310: "HUN",
    316: "CZE",
    317: "SVK",
    325: "ITA",
    331: "SMR",
    338: "MLT",
    339: "ALB",
    340: "SRB",  # Serbia, 1878–1915
    341: "MNE",
    343: "MKD",
    344: "HRV",
    345: "SRB",  # Yugoslavia, then Serbia and Montenegro, then Serbia: GED's "Serbia (Yugoslavia)"
    346: "BIH",
    347: "XKX",  # Kosovo: no ISO 3166-1 code; see the module docstring
    349: "SVN",
    350: "GRC",
    352: "CYP",
    355: "BGR",
    359: "MDA",
    360: "ROU",
    365: "RUS",  # Russia, and the Soviet Union before 1991: GED's "Russia (Soviet Union)"
    366: "EST",
    367: "LVA",
    368: "LTU",
    369: "UKR",
    370: "BLR",
    371: "ARM",
    372: "GEO",
    373: "AZE",
    375: "FIN",
    380: "SWE",
    385: "NOR",
    390: "DNK",
    395: "ISL",
    # Africa
    402: "CPV",
    403: "STP",
    404: "GNB",
    411: "GNQ",
    420: "GMB",
    432: "MLI",
    433: "SEN",
    434: "BEN",
    435: "MRT",
    436: "NER",
    437: "CIV",
    438: "GIN",
    439: "BFA",
    450: "LBR",
    451: "SLE",
    452: "GHA",
    461: "TGO",
    471: "CMR",
    475: "NGA",
    481: "GAB",
    482: "CAF",
    483: "TCD",
    484: "COG",
    490: "COD",
    500: "UGA",
    501: "KEN",
    510: "TZA",
    511: "TZA",  # Zanzibar, 1963–1964
    516: "BDI",
    517: "RWA",
    520: "SOM",
    522: "DJI",
    530: "ETH",
    531: "ERI",
    540: "AGO",
    541: "MOZ",
    551: "ZMB",
    552: "ZWE",
    553: "MWI",
    560: "ZAF",
    565: "NAM",
    570: "LSO",
    571: "BWA",
    572: "SWZ",
    580: "MDG",
    581: "COM",
    590: "MUS",
    591: "SYC",
    600: "MAR",
    615: "DZA",
    616: "TUN",
    620: "LBY",
    625: "SDN",
    626: "SSD",
    # The Middle East
    630: "IRN",
    640: "TUR",
    645: "IRQ",
    651: "EGY",
    652: "SYR",
    660: "LBN",
    663: "JOR",
    666: "ISR",
    670: "SAU",
    678: "YEM",  # Yemen Arab Republic (North Yemen), and united Yemen since 1990
    680: "YEM",  # People's Democratic Republic of Yemen (South Yemen), 1967–1990
    690: "KWT",
    692: "BHR",
    694: "QAT",
    696: "ARE",
    698: "OMN",
    # Asia
    700: "AFG",
    701: "TKM",
    702: "TJK",
    703: "KGZ",
    704: "UZB",
    705: "KAZ",
    710: "CHN",
    712: "MNG",
    713: "TWN",
    731: "PRK",
    732: "KOR",
    740: "JPN",
    750: "IND",
    760: "BTN",
    770: "PAK",
    771: "BGD",
    775: "MMR",
    780: "LKA",
    781: "MDV",
    790: "NPL",
    800: "THA",
    811: "KHM",
    812: "LAO",
    815: "VNM",  # Vietnam (Annam), before 1893
    816: "VNM",  # Vietnam (Democratic Republic of Vietnam, North Vietnam), and Vietnam since 1976
    817: "VNM",  # Republic of Vietnam (South Vietnam), 1954–1975
    820: "MYS",
    830: "SGP",
    835: "BRN",
    840: "PHL",
    850: "IDN",
    860: "TLS",
    # Oceania
    900: "AUS",
    910: "PNG",
    920: "NZL",
    935: "VUT",
    940: "SLB",
    946: "KIR",
    947: "TUV",
    950: "FJI",
    955: "TON",
    970: "NRU",
    983: "MHL",
    986: "PLW",
    987: "FSM",
    990: "WSM",
}

# The same table keyed by the text a CSV cell holds, so a row costs one dict lookup.
_BY_TEXT = {str(code): iso3 for code, iso3 in GW_TO_ISO3.items()}


def find_iso3_by_gw_code(code):
    """ISO 3166-1 alpha-3 (or XKX) for a Gleditsch–Ward code as a CSV cell writes it, or None."""
    return _BY_TEXT.get((code or "").strip())
