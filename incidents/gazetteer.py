"""Countries and their administrative areas: ISO 3166 from pycountry, and matching the names
that datasets use ("Gao region", "Centre Nord region", "Ivory Coast") to them."""

import re

import pycountry

from .folding import fold
from .models import AdminArea, Country

# Country names in UCDP and ACLED that pycountry does not know, with their ISO 3166-1 alpha-3.
# GED writes a country's historic name in parentheses; the keys keep it, so that the name as GED
# writes it is what is looked up (fold_name below compares them loosely).
_COUNTRY_NAME_ALIASES = {
    "Ivory Coast": "CIV",
    "Cote d'Ivoire": "CIV",
    "DR Congo (Zaire)": "COD",
    "DR Congo": "COD",
    "Democratic Republic of Congo": "COD",
    "Congo": "COG",
    "Russia (Soviet Union)": "RUS",
    "Yemen (North Yemen)": "YEM",
    "South Yemen": "YEM",
    "Cambodia (Kampuchea)": "KHM",
    "Myanmar (Burma)": "MMR",
    "Madagascar (Malagasy)": "MDG",
    "Zimbabwe (Rhodesia)": "ZWE",
    "Serbia (Yugoslavia)": "SRB",
    "Kingdom of eSwatini (Swaziland)": "SWZ",
    "eSwatini": "SWZ",
    "Swaziland": "SWZ",
    "Bosnia-Herzegovina": "BIH",
    "Turkey": "TUR",
    "Macedonia, FYR": "MKD",
    "Macedonia": "MKD",
    "North Macedonia": "MKD",
    "South Vietnam": "VNM",
    "Cape Verde": "CPV",
    "Brunei": "BRN",
    "East Timor": "TLS",
    "Kosovo": "XKX",
}

# Words datasets append to area names: UCDP writes "Sahel region", "Soum province".
AREA_SUFFIXES = re.compile(
    r"\s+(region|province|district|department|prefecture|state|governorate|county|commune|"
    r"cercle|circle|municipality|sector|autonomous district)$"
)


def fold_name(name):
    """A name compared loosely: case, accents and punctuation (hyphens, apostrophes, dots,
    commas) don't count; "(…)" stays, so GED's "Yemen (North Yemen)" is not "Yemen"."""
    text = re.sub(r"[-_'’.,]", " ", fold(name))
    return re.sub(r"\s+", " ", text).strip()


def normalize_name(name):
    """Compare place names loosely: fold_name, and neither "(…)" (pycountry's "Maritime
    (Région)") nor a trailing "region" counts."""
    return AREA_SUFFIXES.sub("", fold_name(re.sub(r"\(.*?\)", " ", name)))


COUNTRY_NAME_ALIASES = {fold_name(name): iso3 for name, iso3 in _COUNTRY_NAME_ALIASES.items()}


def find_country_code(name_or_code):
    """ISO 3166-1 alpha-3 for a country name or code as datasets write it, or None.

    The aliases are read before anything is stripped from the name; a name with a historic
    name in parentheses that no alias knows is tried without it ("Chad (Tchad)" → Chad).
    """
    text = (name_or_code or "").strip()
    if not text:
        return None
    without_parentheses = re.sub(r"\s*\(.*?\)", "", text).strip()
    for candidate in dict.fromkeys((text, without_parentheses)):
        if not candidate:
            continue
        alias = COUNTRY_NAME_ALIASES.get(fold_name(candidate))
        if alias:
            return alias
        try:
            return pycountry.countries.lookup(candidate).alpha_3
        except LookupError:
            continue
    return None


def load_country(iso3):
    """Create (or find) a country with its ISO 3166-2 subdivisions as admin1 and admin2 areas.

    Top-level subdivisions become admin1 areas; subdivisions whose parent is top-level become
    admin2 areas (Burkina Faso's provinces under its regions). Existing rows are left as they
    are, so calling it again changes nothing. Returns the Country.
    """
    if iso3 == "XKX":  # Kosovo has no ISO 3166-1 code; XKX is the common user-assigned one.
        country, _ = Country.objects.get_or_create(
            iso3="XKX", defaults={"iso2": "XK", "name": "Kosovo"}
        )
        return country
    record = pycountry.countries.get(alpha_3=iso3.upper())
    if record is None:
        raise ValueError(f"{iso3!r} is not an ISO 3166-1 alpha-3 code")
    country, created = Country.objects.get_or_create(
        iso3=record.alpha_3, defaults={"iso2": record.alpha_2, "name": record.name}
    )
    if not created and country.admin_areas.exists():
        return country
    subdivisions = list(pycountry.subdivisions.get(country_code=record.alpha_2) or [])
    regions = {}
    for subdivision in subdivisions:
        if subdivision.parent_code is None:
            regions[subdivision.code], _ = AdminArea.objects.get_or_create(
                iso_code=subdivision.code,
                defaults={
                    "country": country,
                    "level": AdminArea.Level.ADMIN1,
                    "name": subdivision.name,
                },
            )
    for subdivision in subdivisions:
        parent = regions.get(subdivision.parent_code)
        if parent is not None:
            AdminArea.objects.get_or_create(
                iso_code=subdivision.code,
                defaults={
                    "country": country,
                    "level": AdminArea.Level.ADMIN2,
                    "parent": parent,
                    "name": subdivision.name,
                },
            )
    return country


class AreaFinder:
    """Finds or creates admin areas by the names a dataset uses, remembering what it found.

    "Gao region" and "Gao" are one area: names are compared after normalize_name, so a dataset's
    region names land on the ISO 3166-2 regions that load_country created.
    """

    def __init__(self):
        self.countries = {}
        self.areas = {}  # {(country id, level, parent id): {normalised name: AdminArea}}

    def country(self, iso3):
        if iso3 not in self.countries:
            self.countries[iso3] = load_country(iso3)
        return self.countries[iso3]

    def area(self, country, level, name, parent=None):
        """The admin area of this level and name (under parent), created when missing."""
        if not name or not name.strip():
            return None
        normalized = normalize_name(name)
        # Every area of a level under one parent is read once: a file names thousands.
        areas = self._areas(country, level, parent)
        if normalized not in areas:
            # Not found under this parent: a new area there, never one under another region,
            # so that a place's district is always inside its region.
            areas[normalized] = AdminArea.objects.create(
                country=country, level=level, parent=parent, name=_strip_suffix(name.strip())
            )
        return areas[normalized]

    def _areas(self, country, level, parent):
        key = (country.pk, level, parent.pk if parent else None)
        if key not in self.areas:
            candidates = AdminArea.objects.filter(country=country, level=level)
            if parent is not None:
                candidates = candidates.filter(parent=parent)
            found = {}
            for candidate in candidates:  # of two with one name, the first in name order
                found.setdefault(normalize_name(candidate.name), candidate)
            self.areas[key] = found
        return self.areas[key]


def _strip_suffix(name):
    """ "Moyen-Cavally region" → "Moyen-Cavally": the level already says it is a region."""
    match = AREA_SUFFIXES.search(name.lower())
    return name[: match.start()].strip() if match else name
