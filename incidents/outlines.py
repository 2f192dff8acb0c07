"""Is a place where its country is? Coordinates tested against the country's outline.

The outlines are the Natural Earth 1:50m country polygons (static/vendor/world-atlas-2.0.2/,
keyed by ISO 3166-1 numeric code, Kosovo by XKX): the public map's file for Africa's north and
west, and the rest of the world's, derived the same way. At that scale, and rounded to 0.01°, a
border is drawn a kilometre or two from where it runs, so a point within BORDER_TOLERANCE_KM
outside the outline still counts as inside: a border village must not be refused. A country
Natural Earth draws no outline of at that scale (Tuvalu, Gibraltar; France's overseas
departments are drawn as part of France) is not checked.

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

OUTLINES_FOLDER = Path(settings.BASE_DIR) / "static/vendor/world-atlas-2.0.2"
# The map's file, the one an install for the Sahel reads; the rest of the world's is read only
# for a country the first does not hold: its polygons take some 20 MiB in a process, which a
# web server saving a place in Mali should not carry (issue 16, point 6).
SAHEL_OUTLINES = OUTLINES_FOLDER / "north-africa-sahel-countries-50m.json"
WORLD_OUTLINES = OUTLINES_FOLDER / "rest-of-world-countries-50m.json"
# A few km: what the 1:50m outline's drawing and rounding move a border by, with a margin.
BORDER_TOLERANCE_KM = 5
KM_PER_DEGREE_LATITUDE = 110.574
KM_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111.320


@cache
def outlines(path):
    """{ISO 3166-1 numeric code: [polygon, …]} of an outlines file, each polygon a list of
    rings of (lon, lat)."""
    with path.open(encoding="utf-8") as file:
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
    key = country.numeric if country else iso3  # XKX, Kosovo, is no ISO code
    return outlines(SAHEL_OUTLINES).get(key) or outlines(WORLD_OUTLINES).get(key)


def country_containing(latitude, longitude, candidates):
    """The first of `candidates` (ISO 3166-1 alpha-3 codes) whose outline holds the point, or
    failing that the nearest one within BORDER_TOLERANCE_KM of it; None when the point is in
    none of them (or none has an outline)."""
    latitude, longitude = float(latitude), float(longitude)
    nearest = None, BORDER_TOLERANCE_KM
    for iso3 in candidates:
        polygons = outline_of(iso3)
        if polygons is None:
            continue
        if _inside(polygons, longitude, latitude):
            return iso3
        distance = _distance_km(polygons, longitude, latitude)
        if distance <= nearest[1]:
            nearest = iso3, distance
    return nearest[0]


@cache
def representative_point(iso3):
    """(latitude, longitude) of a point inside the country's outline, or None when it has no
    outline: on the parallel through the middle of its largest polygon, the middle of the
    longest stretch of that parallel inside the polygon (a centroid can fall outside a country
    shaped like a crescent, or in a lake). Rounded to 0.01°, the outlines' own precision."""
    polygons = outline_of(iso3)
    if polygons is None:
        return None
    largest = max(polygons, key=lambda polygon: abs(_ring_area(polygon[0])))
    latitudes = [y for _x, y in largest[0]]
    y = (min(latitudes) + max(latitudes)) / 2
    if any(point_y == y for ring in largest for _x, point_y in ring):
        y += 0.005  # off the vertices, whose crossings would count twice
    crossings = sorted(
        previous_x + (y - previous_y) * (point_x - previous_x) / (point_y - previous_y)
        for ring in largest
        for (previous_x, previous_y), (point_x, point_y) in _edges(ring)
        if (point_y > y) != (previous_y > y)
    )
    # Even-odd: the stretches inside run from each even crossing to the next.
    stretches = zip(crossings[::2], crossings[1::2], strict=True)
    start, end = max(stretches, key=lambda stretch: stretch[1] - stretch[0])
    return round(y, 2), round((start + end) / 2, 2)


def _edges(ring):
    """The ring's edges as (start, end) pairs of points, the closing edge first."""
    return zip(ring[-1:] + ring[:-1], ring, strict=True)


def _ring_area(ring):
    """Twice the signed area of a ring in square degrees (the shoelace formula)."""
    return sum(
        previous_x * point_y - point_x * previous_y
        for (previous_x, previous_y), (point_x, point_y) in _edges(ring)
    )


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
    if country is None:
        return "Kosovo" if iso3 == "XKX" else iso3
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
