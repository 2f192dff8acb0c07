"""Countries and their regions from the ISO 3166 standards, as shipped by pycountry."""

import pycountry

from .models import AdminArea, Country


def load_country(iso3):
    """Create (or find) a country and its ISO 3166-2 top-level subdivisions as admin1 areas.

    Returns the Country. Existing rows are left as they are, so calling it again changes nothing.
    """
    record = pycountry.countries.get(alpha_3=iso3.upper())
    if record is None:
        raise ValueError(f"{iso3!r} is not an ISO 3166-1 alpha-3 code")
    country, _ = Country.objects.get_or_create(
        iso3=record.alpha_3, defaults={"iso2": record.alpha_2, "name": record.name}
    )
    subdivisions = pycountry.subdivisions.get(country_code=record.alpha_2) or []
    for subdivision in subdivisions:
        if subdivision.parent_code is None:
            AdminArea.objects.get_or_create(
                iso_code=subdivision.code,
                defaults={
                    "country": country,
                    "level": AdminArea.Level.ADMIN1,
                    "name": subdivision.name,
                },
            )
    return country
