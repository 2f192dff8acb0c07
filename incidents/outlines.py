"""Is a place where its country is? Coordinates tested against the country's outline.

The outlines are the Natural Earth 1:50m country polygons the public map already ships
(static/vendor/world-atlas-2.0.2/, keyed by ISO 3166-1 numeric code). At that scale, and
rounded to 0.01°, a border is drawn a kilometre or two from where it runs, so a point within
BORDER_TOLERANCE_KM outside the outline still counts as inside: a border village must not be
refused. A country the file does not cover (outside Africa's north and west) is not checked.

Plain Python: the ray-casting test over a country's few hundred vertices is fast enough for a
form, and an import asks once per distinct place (outline_problem is cached).
"""

import json
import math
from functools import cache, lru_cache
from pathlib import Path

import pycountry
from django.conf import settings
from django.utils.translation import gettext as _

from .formatting import format_count

OUTLINES_FILE = (
    Path(settings.BASE_DIR)
    / "static/vendor/world-atlas-2.0.2/north-africa-sahel-countries-50m.json"
)
# A few km: what the 1:50m outline's drawing and rounding move a border by, with a margin.
BORDER_TOLERANCE_KM = 5
KM_PER_DEGREE_LATITUDE = 110.574
KM_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111.320


@cache
def outlines():
    """{ISO 3166-1 numeric code: [polygon, …]}, each polygon a list of rings of (lon, lat)."""
    with OUTLINES_FILE.open(encoding="utf-8") as file:
        features = json.load(file)["features"]
    shapes = {}
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        shapes[feature["id"]] = [[[tuple(point) for point in ring] for ring in p] for p in polygons]
    return shapes


def outline_of(iso3):
    """The country's polygons, or None when the outlines do not cover it."""
    country = pycountry.countries.get(alpha_3=iso3)
    return outlines().get(country.numeric) if country else None


def outline_problem(iso3, latitude, longitude, country_name=None):
    """None when the point lies inside the country's outline (or within BORDER_TOLERANCE_KM of
    it, or the country has no outline here); otherwise what an analyst reads, e.g. "48.8566,
    2.3522 is 3,905 km outside Mali's outline." (with a hint when latitude and longitude look
    swapped)."""
    latitude, longitude = float(latitude), float(longitude)
    distance, swapped = _outside(iso3, latitude, longitude)
    if distance is None:
        return None
    message = _("%(lat)s, %(lon)s is %(km)s km outside %(country)s's outline.") % {
        "lat": f"{latitude:g}",
        "lon": f"{longitude:g}",
        "km": format_count(round(distance)),  # 3,905 / 3 905
        "country": country_name or _country_name(iso3),
    }
    if swapped:
        message += " " + _("Latitude and longitude look swapped.")
    return message


@lru_cache(maxsize=100_000)  # an import asks once per place, not once per row
def _outside(iso3, latitude, longitude):
    """(km outside the outline, whether the swapped point is inside), or (None, False) when the
    point counts as inside."""
    polygons = outline_of(iso3)
    if polygons is None or _inside(polygons, longitude, latitude):
        return None, False
    distance = _distance_km(polygons, longitude, latitude)
    if distance <= BORDER_TOLERANCE_KM:
        return None, False
    return distance, abs(longitude) <= 90 and _inside(polygons, latitude, longitude)


def _country_name(iso3):
    country = pycountry.countries.get(alpha_3=iso3)
    return getattr(country, "common_name", None) or country.name


def _inside(polygons, x, y):
    """Even-odd ray casting over every ring (holes included)."""
    inside = False
    for polygon in polygons:
        for ring in polygon:
            previous_x, previous_y = ring[-1]
            for point_x, point_y in ring:
                if (point_y > y) != (previous_y > y) and x < previous_x + (y - previous_y) * (
                    point_x - previous_x
                ) / (point_y - previous_y):
                    inside = not inside
                previous_x, previous_y = point_x, point_y
    return inside


def _distance_km(polygons, x, y):
    """The distance from the point to the nearest edge, on a plane tangent at the point (exact
    enough for the few km the tolerance is about; far points are far either way)."""
    x_scale = KM_PER_DEGREE_LONGITUDE_AT_EQUATOR * math.cos(math.radians(y))
    nearest = math.inf
    for polygon in polygons:
        for ring in polygon:
            ax, ay = (ring[-1][0] - x) * x_scale, (ring[-1][1] - y) * KM_PER_DEGREE_LATITUDE
            for point_x, point_y in ring:
                bx, by = (point_x - x) * x_scale, (point_y - y) * KM_PER_DEGREE_LATITUDE
                nearest = min(nearest, _distance_to_segment(ax, ay, bx, by))
                ax, ay = bx, by
    return nearest


def _distance_to_segment(ax, ay, bx, by):
    """The distance from the origin to the segment from a to b."""
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    return math.hypot(ax + t * dx, ay + t * dy)
