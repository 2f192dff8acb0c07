"""UCDP Georeferenced Event Dataset (GED) CSV files.

UCDP's CSV shapes are read: the global file (`best`/`low`/`high`, ISO dates), the per-country
export (`best_est`/`low_est`/`high_est`, `MM/DD/YYYY 00:00:00` dates, a trailing empty field on
every row), and the monthly candidate events (UCDP Candidate: GED's columns, dates written
`2024-01-02 00:00:00.000`, and in some releases no header row, which is told from the first row
being an event in GED's column order, GED_COLUMNS). Candidate events are not yet vetted: those
UCDP flags (a `code_status` other than "Clear", e.g. "Check deaths") are imported with the flag
in their narrative, so that nobody reads them as settled; a later release of the same event
updates it like any re-import.

How GED maps onto incidents:
- The country is found by `country_id`, Gleditsch–Ward's code (gleditsch_ward.py), and by the
  name as GED writes it ("DR Congo (Zaire)") when there is no code or no state has it today.
- `side_a` is stored as the perpetrator and `side_b` as the target. GED does not say who
  attacked; in one-sided violence `side_b` is "Civilians", and in state-based violence `side_a`
  is the government, so this reads naturally and keeps UCDP's type_of_violence derivable
  from the actors' types.
- Actor types only as GED says them: "Government of …" is state forces (ACLED inter 1),
  "Civilians" is civilians (7), and any other side an organised non-state group of no given
  type (9): GED does not say whether it is a rebel group, a militia or an ethnic group.
- Event type: state-based and non-state violence are Battles / Armed clash; one-sided violence
  is Violence against civilians / Attack, with civilian targeting.
- Deaths by side become coded killed figures by group; GED gives its low and high estimates
  only for the whole event, so they are spread over the groups in proportion to their best
  figures, and the incident's killed low / best / high equal GED's exactly. Each coded figure
  has UCDP's report beside it (source "UCDP GED"), quoting the event's three figures as given.
  Rows whose estimates do not bracket best (low 6, best 6, high 4; low 7, best 0, high 7) are
  imported: the coded figure spans the smallest to the largest, with a note saying so. GED
  records no injured: the injured totals stay unknown, not zero.
- What has no field of ours (conflict and dyad names and ids, source_original, the deaths by
  side…) is kept as written in the incident's dataset_fields (KEPT_COLUMNS).
- Optional columns: without `date_end` an event is dated by `date_start` alone; without
  `date_prec` / `where_prec` its precision is unknown (UNKNOWN_DATE_PRECISION below); without
  the deaths by side its split is unknown and the event's low / best / high still import.
"""

import re
from datetime import datetime

from django.utils.translation import gettext, gettext_lazy

from ..choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    SourceScale,
)
from ..gleditsch_ward import find_iso3_by_gw_code
from .importing import Importer
from .reading import RowReader, country_code
from .records import (
    ActorRecord,
    CasualtyRecord,
    CitationRecord,
    IncidentRecord,
    PlaceRecord,
    ReportRecord,
    RowError,
    RowInvalid,
)

# The source of the figures a GED file gives: UCDP itself (its own sources are citations).
REPORT_SOURCE = "UCDP GED"

ESTIMATE_COLUMNS = {
    "global": ("low", "best", "high"),
    "country": ("low_est", "best_est", "high_est"),
}
DEATH_COLUMNS = ["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]
# The global GED's columns in the order UCDP writes them (the GED codebook), which its candidate
# files without a header row follow too.
GED_COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low", "gwnoa", "gwnob",
]  # fmt: skip
# The code_status of a vetted event; a candidate event may carry another ("Check deaths").
CLEAR = "Clear"
# What GED says that no field of ours holds, kept as written (Incident.dataset_fields): its
# conflict, dyad and sides (names and ids, old and new numbering), its sources as first listed,
# and the deaths by side, which the casualty groups merge when both sides are non-state.
KEPT_COLUMNS = [
    "relid", "code_status", "conflict_dset_id", "conflict_new_id", "conflict_name",
    "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id",
    "side_b_dset_id", "side_b_new_id", "number_of_sources", "source_original",
    "event_clarity", "priogrid_gid", *DEATH_COLUMNS,
]  # fmt: skip
# Subsets of GED that researchers pass around (R packages among them) leave out date_end,
# date_prec, where_prec and the deaths by side. A missing or empty precision is unknown, and
# unknown is stored as the least precise value, the one that never claims more than the file
# says: filters on precision (date_precision_max, geo_precision_max) then leave such events out
# when an analyst asks for precise ones. Not "at sea" (where_prec 7), which is a kind of place.
UNKNOWN_DATE_PRECISION = DatePrecision.YEAR.value
UNKNOWN_GEO_PRECISION = GeoPrecision.COUNTRY.value
DATE_FORMATS = ["%m/%d/%Y %H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"]
DATE_HINT = gettext_lazy("MM/DD/YYYY or YYYY-MM-DD")
# source_article: "Office,YYYY-MM-DD,Headline";"Office,…" — each citation in double quotes,
# separated by ";". A headline may hold commas, quotes of its own ("eleven "terrorists"
# killed", even at its very end) and line breaks, so citations are split at `";"` and the date
# is the anchor inside each.
CITATION_SEPARATOR = '";"'
CITATION = re.compile(r"(?P<office>.*?)\s*,(?P<date>\d{4}-\d{2}-\d{2}),(?P<headline>.*)", re.DOTALL)
# The longest headline a citation's title holds; a longer one is kept whole in its excerpt.
TITLE_LENGTH = 500


class UcdpImporter(Importer):
    format_name = "ucdp"
    key_field = "ucdp_id"
    key_column = "id"
    required_columns = [
        "id",
        "type_of_violence",
        "side_a",
        "side_b",
        "country",
        "latitude",
        "longitude",
        "date_start",
    ]
    # GED names a place's district (ADM2) only; it has no column below it.
    area_columns = {"admin2": "adm_2", "admin3": "adm_2"}

    def missing_columns(self, header):
        missing = super().missing_columns(header)
        if not any(set(names) <= set(header) for names in ESTIMATE_COLUMNS.values()):
            missing.append(gettext("best, low, high (or best_est, low_est, high_est)"))
        return missing

    def headerless_columns(self, first_row):
        """GED_COLUMNS when the first row is an event in GED's order (a candidate file without
        a header row): as many cells, a numeric id, a year, and a code_status."""
        if (
            len(first_row) == len(GED_COLUMNS)
            and first_row[0].strip().isdigit()
            and first_row[2].strip().isdigit()
            and first_row[4].strip() != "code_status"
        ):
            return GED_COLUMNS
        return None

    def parse_row(self, row, row_number):
        errors = []
        cell = RowReader(row, row_number, errors, DATE_FORMATS, DATE_HINT)
        key = cell.text("id", required=True)
        start, end = cell.date_range("date_start", "date_end")
        violence = cell.integer("type_of_violence", choices=range(1, 4))
        date_precision = cell.integer("date_prec", choices=range(1, 6), required=False)
        geo_precision = cell.integer("where_prec", choices=range(1, 8), required=False)
        latitude = cell.coordinate("latitude", 90)
        longitude = cell.coordinate("longitude", 180)
        # country_id (Gleditsch–Ward) is the reliable key; the name is read when a file has
        # no country_id, or one that is no state of Gleditsch & Ward's list.
        country = find_iso3_by_gw_code(row.get("country_id")) or country_code(
            row.get("country", "")
        )
        if country is None:
            errors.append(
                RowError(row_number, "country", row.get("country", ""), gettext("unknown country"))
            )
        side_a = cell.text("side_a", required=True)
        side_b = cell.text("side_b", required=True)
        deaths = {
            column: cell.integer(column, minimum=0, required=False) for column in DEATH_COLUMNS
        }
        low_column, best_column, high_column = ESTIMATE_COLUMNS[
            "global" if "best" in row else "country"
        ]
        low = cell.integer(low_column, minimum=0)
        best = cell.integer(best_column, minimum=0)
        high = cell.integer(high_column, minimum=0)
        if best is not None and None not in deaths.values() and sum(deaths.values()) != best:
            errors.append(
                RowError(
                    row_number,
                    best_column,
                    str(best),
                    gettext("not the sum of %(columns)s (%(sum)s)")
                    % {"columns": ", ".join(DEATH_COLUMNS), "sum": sum(deaths.values())},
                )
            )
        if errors:
            raise RowInvalid(errors)

        # What UCDP said, as it said it, is the report's quote; the coded figure must have
        # low ≤ best ≤ high, which some GED rows do not (low 6, best 6, high 4).
        quote = f"UCDP GED: low {low}, best {best}, high {high}"
        note = ""
        if not low <= best <= high:
            note = (
                f"UCDP GED gives low {low}, best {best}, high {high}, which do not bracket best: "
                f"coded with low {min(low, best, high)} and high {max(low, best, high)}."
            )
            low, high = min(low, best, high), max(low, best, high)
        casualties = killed_by_group(side_a, side_b, deaths, low, best, high, note)

        one_sided = violence == 3
        place_name = row.get("where_coordinates", "").strip() or row.get("adm_2", "").strip()
        place = PlaceRecord(
            country_iso3=country,
            name=place_name or row.get("adm_1", "").strip() or row["country"].strip(),
            latitude=latitude,
            longitude=longitude,
            admin1=row.get("adm_1", ""),
            admin2=row.get("adm_2", ""),
        )
        description = row.get("where_description", "").strip()
        narrative = [f"Place as UCDP describes it: {description}."] if description else []
        code_status = row.get("code_status", "").strip()
        if code_status and code_status != CLEAR:
            narrative.append(
                f"UCDP candidate event, not yet vetted: UCDP flags it “{code_status}”."
            )
        return IncidentRecord(
            row=row_number,
            key=key,
            title=f"{side_a} – {side_b}, {place.name}",
            narrative=" ".join(narrative),
            start_date=start,
            end_date=end,
            date_precision=date_precision or UNKNOWN_DATE_PRECISION,
            place=place,
            geo_precision=geo_precision or UNKNOWN_GEO_PRECISION,
            event_type="violence_against_civilians" if one_sided else "battles",
            sub_event_type="attack" if one_sided else "armed_clash",
            civilian_targeting=one_sided,
            actors=[
                ActorRecord(side_a, ActorRole.PERPETRATOR, actor_type(side_a)),
                ActorRecord(side_b, ActorRole.TARGET, actor_type(side_b)),
            ],
            casualties=casualties,
            reports=[
                ReportRecord.of_figure(casualty, REPORT_SOURCE, quote=quote)
                for casualty in casualties
            ],
            citations=citations(row),
            dataset_fields={
                column: value for column in KEPT_COLUMNS if (value := cell.text(column))
            },
        )


def actor_type(side):
    if side.startswith("Government of"):
        return ActorType.STATE_FORCES
    if side == "Civilians":
        return ActorType.CIVILIANS
    return ActorType.NON_STATE_UNSPECIFIED


def casualty_group(side):
    return {
        ActorType.STATE_FORCES: CasualtyGroup.SECURITY_FORCES,
        ActorType.CIVILIANS: CasualtyGroup.CIVILIANS,
    }.get(actor_type(side), CasualtyGroup.ASSAILANTS)


KILLED = CasualtyOutcome.KILLED


def killed_by_group(side_a, side_b, deaths, low, best, high, note=""):
    """Killed rows by group whose low / best / high add up to the event's estimates.

    Without all four deaths by side (a subset that leaves them out, or empty cells) the split
    is unknown: one row of unknown group holds the event's estimates.
    """
    if None in deaths.values():
        return [CasualtyRecord(CasualtyGroup.UNKNOWN, KILLED, low, best, high, note=note)]
    by_group = {}
    for group, count in (
        (casualty_group(side_a), deaths["deaths_a"]),
        (casualty_group(side_b), deaths["deaths_b"]),
        (CasualtyGroup.CIVILIANS, deaths["deaths_civilians"]),
        (CasualtyGroup.UNKNOWN, deaths["deaths_unknown"]),
    ):
        if count:
            by_group[group] = by_group.get(group, 0) + count
    if not by_group:
        # No deaths counted by side: the whole band (e.g. 0 best, 12 high) belongs to no group.
        return [CasualtyRecord(CasualtyGroup.UNKNOWN, KILLED, low, best, high, note=note)]
    groups = list(by_group)
    lows = spread(low, [by_group[group] for group in groups])
    highs = spread(high, [by_group[group] for group in groups])
    return [
        CasualtyRecord(
            group, CasualtyOutcome.KILLED, group_low, by_group[group], group_high, note=note
        )
        for group, group_low, group_high in zip(groups, lows, highs, strict=True)
    ]


def spread(total, weights):
    """Split a whole number in proportion to weights (largest remainder), summing to total.

    With total ≤ sum(weights) every share is ≤ its weight; with total ≥ sum(weights), ≥ it.
    """
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


# Older GED events cite in free text ("Reuters 1996-02-21"); such text is kept whole as the
# excerpt of one citation of UCDP itself, so that no event loses its sources.
UNPARSED_SOURCE = "UCDP GED (sources as UCDP lists them)"


def citations(row):
    """Citations from source_article ("Office,date,Headline";…), else the parallel columns,
    else source_article's free text."""
    article = row.get("source_article", "").strip()
    found = quoted_citations(article)
    if found:
        return found
    offices = [office.strip() for office in row.get("source_office", "").split(";")]
    dates = row.get("source_date", "").split(";")
    headlines = row.get("source_headline", "").split(";")
    result = []
    for index, office in enumerate(offices):
        if not office:
            continue
        published = dates[index].strip() if index < len(dates) else ""
        result.append(
            CitationRecord(
                source=office,
                title=headlines[index].strip() if index < len(headlines) else "",
                published_on=_iso_date(published),
            )
        )
    if not result and article:
        result.append(CitationRecord(source=UNPARSED_SOURCE, excerpt=article.strip("\"'")))
    return result


def quoted_citations(article):
    """The citations of a source_article written as UCDP writes them since the 2010s, each
    headline exactly as given; [] when the text is not in that form (older free text)."""
    if len(article) < 2 or article[0] != '"' or article[-1] != '"':
        return []
    found = []
    for item in article[1:-1].split(CITATION_SEPARATOR):
        match = CITATION.fullmatch(item)
        if match is None or not match["office"].strip():
            return []
        headline = match["headline"].strip()
        found.append(
            CitationRecord(
                source=match["office"].strip(),
                scale=SourceScale.OTHER,
                title=headline if len(headline) <= TITLE_LENGTH else "",
                excerpt=headline if len(headline) > TITLE_LENGTH else "",
                published_on=_iso_date(match["date"]),
            )
        )
    return found


def _iso_date(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
