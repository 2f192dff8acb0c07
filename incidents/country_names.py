"""Countries' names in the reader's language, from the ISO 3166-1 translations pycountry ships.

A country is stored under its English ISO 3166-1 name, which the CSV, the JSON and the API
write in every language; pages show country_label() instead.
"""

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language

# Where pycountry's official French name is not the one a reader of the region uses.
NAME_OVERRIDES = {
    "fr": {
        "TZA": "Tanzanie",
        "GNQ": "Guinée équatoriale",
        "LAO": "Laos",
        "MDA": "Moldavie",
        "PSE": "Palestine",
        "TWN": "Taïwan",
        "FSM": "Micronésie",
        "VAT": "Vatican",
        "BOL": "Bolivie",
        "VEN": "Venezuela",
        "IRN": "Iran",
        "SYR": "Syrie",
        "KOR": "Corée du Sud",
        "PRK": "Corée du Nord",
        "RUS": "Russie",
        "XKX": "Kosovo",
    },
}


@cache
def _iso3166_translator(language):
    """The function translating ISO 3166-1 names into `language`, from pycountry's catalogue
    (not ours: these names are not written in the code, so makemessages does not collect
    them)."""
    catalogue = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    return catalogue.gettext


def country_label(iso3, name):
    """The name of the country `iso3` in the active language; `name` (the stored English name)
    in English and for a code ISO 3166-1 does not have (Kosovo's XKX)."""
    language = (get_language() or "en").split("-")[0]
    if language == "en":
        return name
    override = NAME_OVERRIDES.get(language, {}).get(iso3)
    if override:
        return override
    record = pycountry.countries.get(alpha_3=iso3) if iso3 else None
    if record is None:
        return name
    return _iso3166_translator(language)(record.name)
