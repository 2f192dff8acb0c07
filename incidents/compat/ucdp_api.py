"""UCDP's GED API (ucdpapi.pcr.uu.se/api/gedevents/<version>) over our published incidents, so
that a script written for UCDP runs with its base URL set to https://<our site>/ucdp-api.

Parameters as UCDP's API documentation gives them: `pagesize` (1–1000, default 100), `page`
(from 0), `Country` (Gleditsch–Ward codes, comma-separated), `StartDate` / `EndDate`
(yyyy-mm-dd: events that start on or after StartDate, and end on or before EndDate),
`TypeOfViolence` (1 state-based, 2 non-state, 3 one-sided; comma-separated) and `Geography`
("lat lon,lat lon", two corners of a box). Any other parameter answers 400 with
{"error": "…"}: a script is never handed a list filtered differently from what it asked.

Answer: {"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result": [...]}, each
result under GED's field names and JSON types, and after UCDP's keys (which its clients read,
ignoring others) "credits": the datasets of the page's events with their terms and citations, as
our own API gives them (an incident not born in GED is not UCDP's).

`id` is our incident id (GED's own id, for an incident imported from GED, is `ged_id`, the one
field GED does not have). Fields that belong to UCDP's own coding and that we do not hold
(conflict and dyad ids, code_status, event_clarity, the GW codes of the sides) are null, never
invented.
"""

import datetime
import math

from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..choices import ActorType, CasualtyGroup, CasualtyOutcome
from ..credits import credits_json, source_dataset
from ..exports import acled_actors, export_records, export_violence_type
from ..gleditsch_ward import GW_TO_ISO3
from ..models import Incident

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
PARAMETERS = {"pagesize", "page", "Country", "StartDate", "EndDate", "TypeOfViolence", "Geography"}

# Today's country of each GW code; where several codes map to one country (West Germany and
# Germany, both Vietnams, both Yemens, Yugoslavia and Serbia…) the state that exists today.
CURRENT_STATE = {"DEU": 255, "VNM": 816, "YEM": 678, "SRB": 345, "RUS": 365}
ISO3_TO_GW = {iso3: code for code, iso3 in sorted(GW_TO_ISO3.items(), reverse=True)}
ISO3_TO_GW.update({iso3: code for iso3, code in CURRENT_STATE.items() if code in GW_TO_ISO3})


class BadParameter(Exception):
    """A parameter we cannot honour exactly; its message is sent back with status 400."""


def codes(text, name, allowed=None):
    try:
        values = [int(value) for value in text.split(",") if value.strip()]
    except ValueError:
        raise BadParameter(
            _("%(name)s takes whole numbers separated by commas.") % {"name": name}
        ) from None
    if not values or (allowed is not None and not set(values) <= allowed):
        raise BadParameter(
            _("%(name)s: %(value)s is not a list of known codes.")
            % {"name": name, "value": repr(text)}
        )
    return values


def day(text, name):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise BadParameter(_("%(name)s takes a date as yyyy-mm-dd.") % {"name": name}) from None


def box(text):
    """Geography "lat lon,lat lon" → (south, north, west, east)."""
    try:
        (lat1, lon1), (lat2, lon2) = (map(float, corner.split()) for corner in text.split(","))
    except ValueError:
        raise BadParameter(_("Geography takes two corners as 'lat lon,lat lon'.")) from None
    return min(lat1, lat2), max(lat1, lat2), min(lon1, lon2), max(lon1, lon2)


def select_events(params):
    """Published incidents filtered by UCDP's parameters, in GED's order (oldest first)."""
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise BadParameter(
            ngettext(
                "Unknown or unsupported parameter: %(names)s.",
                "Unknown or unsupported parameters: %(names)s.",
                len(unknown),
            )
            % {"names": ", ".join(unknown)}
        )
    incidents = Incident.objects.public()
    if "Country" in params:
        gw_codes = codes(params["Country"], "Country")
        unknown = [code for code in gw_codes if code not in GW_TO_ISO3]
        if unknown:
            raise BadParameter(
                _("Country: no Gleditsch–Ward state %(code)s we can place.") % {"code": unknown[0]}
            )
        incidents = incidents.filter(
            location__country__iso3__in={GW_TO_ISO3[code] for code in gw_codes}
        )
    if "StartDate" in params:
        incidents = incidents.filter(start_date__gte=day(params["StartDate"], "StartDate"))
    if "EndDate" in params:
        incidents = incidents.alias(last_day=Coalesce("end_date", "start_date")).filter(
            last_day__lte=day(params["EndDate"], "EndDate")
        )
    if "TypeOfViolence" in params:
        violence = codes(params["TypeOfViolence"], "TypeOfViolence", allowed={1, 2, 3})
        incidents = incidents.of_violence_types(violence)
    if "Geography" in params:
        south, north, west, east = box(params["Geography"])
        incidents = incidents.filter(
            location__latitude__gte=south,
            location__latitude__lte=north,
            location__longitude__gte=west,
            location__longitude__lte=east,
        )
    return incidents.order_by("start_date", "id")


def page_of_events(params, page_url):
    """The whole answer for one page; page_url(page) is the URL of another page."""
    try:
        page_size = int(params.get("pagesize", DEFAULT_PAGE_SIZE))
        page = int(params.get("page", 0))
    except ValueError:
        raise BadParameter(_("pagesize and page take whole numbers.")) from None
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadParameter(_("pagesize must be from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE})
    if page < 0:
        raise BadParameter(_("page starts at 0."))
    incidents = select_events(params)
    total = incidents.count()
    pages = math.ceil(total / page_size)
    ids = list(incidents.values_list("id", flat=True)[page * page_size : (page + 1) * page_size])
    records = list(
        export_records(
            Incident.objects.filter(id__in=ids).order_by("start_date", "id"), with_figures=True
        )
    )
    return {
        "TotalCount": total,
        "TotalPages": pages,
        "PreviousPageUrl": page_url(page - 1) if 0 < page <= pages else "",
        "NextPageUrl": page_url(page + 1) if page + 1 < pages else "",
        "Result": [ged_event(row) for row in records],
        "credits": credits_json({source_dataset(row) for row in records}),
    }


def ucdp_datetime(date):
    return f"{date.isoformat()}T00:00:00.000Z" if date else None


def priogrid_gid(latitude, longitude):
    """PRIO-GRID's cell (half a degree, numbered from 1 at 90°S 180°W, row by row)."""
    row = math.floor((float(latitude) + 90) * 2)
    column = math.floor((float(longitude) + 180) * 2)
    return row * 720 + column + 1


def killed(casualties, groups):
    figures = [
        best
        for group, outcome, low, best, high, *rest in casualties
        if group in groups and outcome == CasualtyOutcome.KILLED and best is not None
    ]
    return sum(figures) if figures else 0


def side_group(actor_type):
    """The casualty group a side's dead are coded under (as importers/ucdp.casualty_group
    codes them)."""
    if actor_type == ActorType.STATE_FORCES:
        return CasualtyGroup.SECURITY_FORCES
    if actor_type == ActorType.CIVILIANS:
        return CasualtyGroup.CIVILIANS
    return CasualtyGroup.ASSAILANTS


def side_deaths(casualties, group, other_group):
    """A side's dead; civilians' dead are GED's deaths_civilians, not a side's (0, as GED
    writes it); None when both sides' dead are coded under one group, which GED would split
    and we cannot."""
    if group == CasualtyGroup.CIVILIANS:
        return 0
    if group == other_group:
        return None
    return killed(casualties, {group})


# GED's own coding of an event imported from GED (or its candidate releases), as the importer
# kept it (Incident.dataset_fields, text as written), with the type UCDP's API gives each.
GED_CODING = {
    "relid": str,
    "code_status": str,
    "conflict_dset_id": str,
    "conflict_new_id": int,
    "conflict_name": str,
    "dyad_dset_id": str,
    "dyad_new_id": int,
    "dyad_name": str,
    "side_a_dset_id": str,
    "side_a_new_id": int,
    "side_b_dset_id": str,
    "side_b_new_id": int,
    "source_original": str,
    "event_clarity": int,
}


def ged_coding(dataset_fields):
    """The GED_CODING fields an imported event kept, typed as UCDP's API writes them (a number
    that is not one is left out, never guessed)."""
    coding = {}
    for name, kind in GED_CODING.items():
        text = dataset_fields.get(name, "").strip()
        if kind is int and text.lstrip("-").isdigit():
            coding[name] = int(text)
        elif kind is str and text:
            coding[name] = text
    return coding


def ged_event(row):
    """One record of exports.export_records(with_figures=True) as GED's API writes an event."""
    actor1, _assoc1, inter1, actor2, _assoc2, inter2 = acled_actors(row["actors"])
    violence = export_violence_type(row["actors"])
    casualties = row["casualties"]
    group_a, group_b = side_group(inter1), side_group(inter2)
    citations = row["citations"]
    latitude, longitude = row["location__latitude"], row["location__longitude"]
    iso3 = row["location__country__iso3"]
    return {
        "id": row["id"],
        "relid": None,
        "year": row["start_date"].year,
        "active_year": None,
        "code_status": None,
        "type_of_violence": int(violence) if violence else None,
        "conflict_dset_id": None,
        "conflict_new_id": None,
        "conflict_name": None,
        "dyad_dset_id": None,
        "dyad_new_id": None,
        "dyad_name": f"{actor1} - {actor2}" if actor1 and actor2 else None,
        "side_a_dset_id": None,
        "side_a_new_id": None,
        "side_a": actor1,
        "side_b_dset_id": None,
        "side_b_new_id": None,
        "side_b": actor2,
        "number_of_sources": len(citations),
        "source_article": None,
        "source_office": ";".join(source for source, *_ in citations) or None,
        "source_date": ";".join(published.isoformat() for *_, published in citations if published)
        or None,
        "source_headline": ";".join(title for _s, _sc, _u, title, _p in citations if title) or None,
        "source_original": None,
        "where_prec": row["geo_precision"],
        "where_coordinates": row["location__name"],
        "where_description": None,
        "adm_1": row["location__admin1__name"],
        "adm_2": row["location__admin2__name"],
        "latitude": float(latitude),
        "longitude": float(longitude),
        "geom_wkt": f"POINT ({float(longitude)} {float(latitude)})",
        "priogrid_gid": priogrid_gid(latitude, longitude),
        "country": row["location__country__name"],
        "country_id": ISO3_TO_GW.get(iso3),
        "region": None,
        "event_clarity": None,
        "date_prec": row["date_precision"],
        "date_start": ucdp_datetime(row["start_date"]),
        "date_end": ucdp_datetime(row["end_date"] or row["start_date"]),
        "deaths_a": side_deaths(casualties, group_a, group_b) if actor1 else None,
        "deaths_b": side_deaths(casualties, group_b, group_a) if actor2 else None,
        "deaths_civilians": killed(casualties, {CasualtyGroup.CIVILIANS}),
        "deaths_unknown": killed(casualties, {CasualtyGroup.UNKNOWN}),
        "best": row["killed_best"],
        "high": row["killed_high"],
        "low": row["killed_low"],
        "gwnoa": None,
        "gwnob": None,
        "ged_id": int(row["ucdp_id"]) if row["ucdp_id"].isdigit() else None,
    } | (ged_coding(row["dataset_fields"]) if row["ucdp_id"] else {})
