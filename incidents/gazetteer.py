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
    are, so calling it again changes nothing. Returns the Country. A few statements whatever
    the number of subdivisions (an import loads the countries of its file as it meets them):
    one finds those already there by their ISO codes, one INSERT per level adds the others.
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
    # An area with the code may exist already (in any country: the code is unique), and is
    # then the one used, as get_or_create by iso_code would.
    codes = [subdivision.code for subdivision in subdivisions]
    by_code = {area.iso_code: area for area in AdminArea.objects.filter(iso_code__in=codes)}
    regions = [s for s in subdivisions if s.parent_code is None]
    _create_missing(
        by_code,
        [
            AdminArea(country=country, level=AdminArea.Level.ADMIN1, name=s.name, iso_code=s.code)
            for s in regions
        ],
    )
    region_codes = {s.code for s in regions}
    _create_missing(
        by_code,
        [
            AdminArea(
                country=country,
                level=AdminArea.Level.ADMIN2,
                parent=by_code[s.parent_code],
                name=s.name,
                iso_code=s.code,
            )
            for s in subdivisions
            if s.parent_code in region_codes
        ],
    )
    return country


def _create_missing(by_code, areas):
    """Insert the areas whose ISO code `by_code` lacks, in one statement, and add them to it."""
    missing = {area.iso_code: area for area in areas if area.iso_code not in by_code}
    AdminArea.objects.bulk_create(missing.values())
    by_code.update(missing)


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

    def hierarchies(self, places):
        """[(country, admin1, admin2, admin3)] for each (ISO 3166-1 alpha-3, admin1 name,
        admin2 name, admin3 name) of `places`: an area None where its name is empty, and
        created where missing, under the area found above it.

        Level by level, a few statements for all the places whatever their number (a file
        names thousands of areas): one reads the areas under parents not met before, one
        INSERT adds the missing ones. An area named without the one above it (a district
        without its region) is looked for among all the country's areas of its level, after
        those of its level under a parent are in: None when the country has none of that name.
        """
        chains = [[self.country(iso3)] for iso3, *_names in places]
        for level in AdminArea.Level:
            named = [
                (chain, name)
                for chain, (_iso3, *names) in zip(chains, places, strict=True)
                if (name := names[level - 1]) and name.strip()
            ]
            under_parent = [(chain, name) for chain, name in named if _parent(chain, level)]
            without_parent = [(chain, name) for chain, name in named if not _parent(chain, level)]
            for group in (under_parent, without_parent):
                self._find_or_create(level, group)
            for chain in chains:
                if len(chain) == level:  # no name at this level
                    chain.append(None)
        return [tuple(chain) for chain in chains]

    def _find_or_create(self, level, group):
        """Append to each chain of `group` ((chain, name) pairs) the area of the name at
        `level` under the chain's last area, creating those missing in one statement."""
        self._load({(chain[0], _parent(chain, level)) for chain, _name in group}, level)
        created = []
        for chain, name in group:
            parent = _parent(chain, level)
            areas = self.areas[chain[0].pk, level, parent.pk if parent else None]
            normalized = normalize_name(name)
            if normalized not in areas and parent is None and level > AdminArea.Level.ADMIN1:
                # A district (or lower) named without the area above it and known nowhere in
                # the country: it cannot be made without a parent, and the place is kept
                # without it (the importer says so on the row) rather than the import failing.
                chain.append(None)
                continue
            if normalized not in areas:
                # Not found under this parent: a new area there, never one under another region,
                # so that a place's district is always inside its region.
                areas[normalized] = AdminArea(
                    country=chain[0], level=level, parent=parent, name=_strip_suffix(name.strip())
                )
                created.append(areas[normalized])
            chain.append(areas[normalized])
        AdminArea.objects.bulk_create(created)

    def _load(self, keys, level):
        """Read, in one query, the areas of `level` of the (country, parent) pairs not read
        before: those under the parent, or every one of the country's for no parent."""
        keys = {
            (country, parent)
            for country, parent in keys
            if (country.pk, level, parent.pk if parent else None) not in self.areas
        }
        if not keys:
            return
        found = {(country.pk, level, parent.pk if parent else None): {} for country, parent in keys}
        parents = {parent.pk for _country, parent in keys if parent}
        countries = {country.pk for country, _parent in keys}
        candidates = AdminArea.objects.filter(country__in=countries, level=level)
        if None not in {parent for _country, parent in keys}:
            candidates = candidates.filter(parent__in=parents)
        # Of two with one name, the first in name order.
        for candidate in candidates.order_by("name", "id"):
            for parent_id in (candidate.parent_id, None):
                areas = found.get((candidate.country_id, level, parent_id))
                if areas is not None:
                    areas.setdefault(normalize_name(candidate.name), candidate)
        self.areas.update(found)


def _parent(chain, level):
    """The area a chain ([country, admin1, …]) gives as the parent of its next, at `level`:
    none for a region (admin1)."""
    return chain[level - 1] if level > AdminArea.Level.ADMIN1 else None


def _strip_suffix(name):
    """ "Moyen-Cavally region" → "Moyen-Cavally": the level already says it is a region."""
    match = AREA_SUFFIXES.search(name.lower())
    return name[: match.start()].strip() if match else name
