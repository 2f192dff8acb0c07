"""Global Terrorism Database (GTD) files: the .xlsx workbook START publishes, or the same
columns as a CSV in UTF-8.

How GTD maps onto incidents (GTD codebook, 2021):
- `eventid` is the key (Incident.gtd_event_id), so a new release updates what it imported.
- Dates: iyear / imonth / iday, where 0 is "unknown". An unknown day dates the incident on the
  1st at month precision, an unknown month on 1 January at year precision. `approxdate` (GTD's
  own words, e.g. "January 19-21, 1970") is kept in the narrative. An `extended` incident
  (kidnappings lasting days) ends on `resolution` when GTD gives it.
- Place: country_txt, provstate as the region, city as the place; `specificity` 1–5 and
  `vicinity` give the geo precision (GEO_PRECISION). GTD writes the country as it was then
  (country()): a state since renamed or a land that is no state is today's country that holds
  it (HISTORIC_COUNTRIES); a state since divided (DIVIDED_STATES) is the one of its successors
  whose outline holds the coordinates. Either way GTD's name is kept in dataset_fields.
  "International" (an event in no one country) is refused, and so is a divided state's row
  without coordinates or with coordinates outside every successor.
- GTD gives no coordinates for 2–3 % of its events, yet names their country, region and city.
  Our places need coordinates: such an event is put at a point inside its country's outline
  (outlines.representative_point) at country precision, and the import report warns for each.
- Event and sub-event type follow attacktype1 and the first target's type (event_type()): a
  bombing is an explosion (a suicide bomb when `suicide` is 1), a kidnapping, barricade or
  hijacking an abduction, a facility attack property destruction, and an armed or unarmed
  assault or an assassination a battle when the target is armed (military, police, non-state
  militia) and violence against civilians otherwise. An attack of unknown type has no
  sub-event type, and its event type says only what the target tells (UNKNOWN_ATTACK).
  Civilian targeting is set only when the target is civilians (CIVILIAN_TARGETS). Every
  attack type of the row (attacktype1–3) becomes a nature of attack.
- Actors: gname is the perpetrator, gname2 and gname3 its associates, all non-state groups of
  no given type (GTD does not say which kind; ActorType.NON_STATE_UNSPECIFIED); "Unknown"
  names nobody. The first target is an actor only when GTD names it: civilians as
  "Civilians (<nationality>)", as ACLED names them; military or police by corp1 (GTD's name
  of the entity attacked), as state forces; a non-state militia by corp1.
- Figures: nkill is everyone killed, perpetrators (nkillter) included, and nwound / nwoundte
  likewise: coded as perpetrators (assailants) and the rest (group unknown), each with GTD's
  report beside it. An empty nkill is an unknown toll. When GTD's perpetrator count exceeds
  its total (its own figures disagree), the row is imported with the total as GTD gives it,
  all of unknown group, and a note saying why.
- What has no field of ours (weapon and target types, the target's name and nationality,
  doubtterr, claimed…) is kept as written in the incident's dataset_fields (KEPT_COLUMNS).
- Citations: scite1–3 are full citations in GTD's words; each is kept whole as the excerpt of
  a citation of source "GTD", with dbsource (the collection GTD took it from) as its title.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy

from ..choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
)
from ..outlines import country_containing, representative_point
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

# The source of the figures and citations a GTD file gives.
REPORT_SOURCE = "GTD"
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S"]
DATE_HINT = gettext_lazy("YYYY-MM-DD or MM/DD/YYYY")
UNKNOWN = "unknown"  # GTD's word for a name it does not know, in any case

# GTD's specificity: 1 the city's own coordinates; 2 a city whose coordinates are those of the
# smallest administrative area GTD identified; 3 not in a city, same; 4 the centroid of the
# first-order region; 5 the country's centroid.
GEO_PRECISION = {
    1: GeoPrecision.EXACT,
    2: GeoPrecision.ADMIN2,
    3: GeoPrecision.ADMIN2,
    4: GeoPrecision.ADMIN1,
    5: GeoPrecision.COUNTRY,
}

# Targets that fight back: attacking them is a battle, not violence against civilians.
ARMED_TARGETS = {"military", "police", "terrorists/non-state militia"}
STATE_TARGETS = {"military", "police"}
# Targets that are people or their property, named "Civilians (<nationality>)" as ACLED does.
CIVILIAN_TARGETS = {
    "private citizens & property",
    "business",
    "educational institution",
    "religious figures/institutions",
    "journalists & media",
    "ngo",
    "tourists",
    "transportation",
    "food or water supply",
    "telecommunication",
    "utilities",
    "airports & aircraft",
    "maritime",
    "abortion related",
}
# What GTD says that no field of ours holds, kept as written (Incident.dataset_fields).
KEPT_COLUMNS = [
    "approxdate", "doubtterr", "success", "suicide", "weaptype1_txt", "weapsubtype1_txt",
    "targtype1_txt", "targsubtype1_txt", "corp1", "target1", "natlty1_txt", "nperps",
    "claimed", "ishostkid", "nhostkid", "propextent_txt", "related",
]  # fmt: skip
# An attack of unknown type: no sub-event type is claimed, and the event type is what the
# target alone supports. ACLED's vocabulary has no "unknown"; an attack on an armed force is a
# battle in its terms and one on civilians violence against civilians, whatever its form. With
# no known target (or "Other") nothing says who was attacked or how: "Strategic developments",
# ACLED's catch-all, with its "Other" sub-event type, is the least specific type there is.
UNKNOWN_ATTACK = {
    **dict.fromkeys(ARMED_TARGETS, ("battles", None)),
    **dict.fromkeys(CIVILIAN_TARGETS, ("violence_against_civilians", None)),
}
UNKNOWN_ATTACK_DEFAULT = ("strategic_developments", "other")
ABDUCTIONS = {"hostage taking (kidnapping)", "hostage taking (barricade incident)", "hijacking"}

# GTD's names (its codebook's country list) of states since renamed or merged, and of lands
# that are no state, for the one country of today whose land each was.
HISTORIC_COUNTRIES = {
    "zaire": "COD",
    "people's republic of the congo": "COG",
    "rhodesia": "ZWE",
    "west germany (frg)": "DEU",
    "east germany (gdr)": "DEU",
    "north yemen": "YEM",
    "south yemen": "YEM",
    "south vietnam": "VNM",
    "new hebrides": "VUT",
    "west bank and gaza strip": "PSE",
    "northern ireland": "GBR",
    "corsica": "FRA",
}
# States since divided, with the countries of today on their land: a row goes to the one whose
# outline holds its coordinates. Kosovo (XKX) was part of Yugoslavia and Serbia-Montenegro.
DIVIDED_STATES = {
    "soviet union": [
        "RUS", "UKR", "BLR", "MDA", "EST", "LVA", "LTU", "GEO", "ARM", "AZE", "KAZ", "KGZ",
        "TJK", "TKM", "UZB",
    ],
    "yugoslavia": ["SRB", "MNE", "XKX", "BIH", "HRV", "SVN", "MKD"],
    "czechoslovakia": ["CZE", "SVK"],
    "serbia-montenegro": ["SRB", "MNE", "XKX"],
}  # fmt: skip
# GTD's spellings of countries of today that neither pycountry nor the gazetteer's aliases know.
GTD_COUNTRY_NAMES = {
    "democratic republic of the congo": "COD",
    "russia": "RUS",
    "great britain": "GBR",
    "macau": "MAC",
    "st. lucia": "LCA",
    "st. kitts and nevis": "KNA",
    "st. martin": "MAF",
    "vatican city": "VAT",
    "falkland islands": "FLK",
    "man, isle of": "IMN",
}
# GTD's country of an event in no one country (on a plane, at sea between states).
NO_COUNTRY = "international"


class GtdImporter(Importer):
    format_name = "gtd"
    key_field = "gtd_event_id"
    key_column = "eventid"
    required_columns = [
        "eventid",
        "iyear",
        "imonth",
        "iday",
        "country_txt",
        "latitude",
        "longitude",
        "attacktype1_txt",
        "gname",
        "nkill",
    ]

    def parse_row(self, row, row_number):
        errors = []
        cell = RowReader(row, row_number, errors, DATE_FORMATS, DATE_HINT)
        key = cell.text("eventid", required=True)
        start, date_precision = self._start(cell)
        end = self._end(cell, start)
        country_name = cell.text("country_txt")
        latitude = longitude = None
        if has_coordinates := _has_coordinates(row):
            latitude = cell.coordinate("latitude", 90)
            longitude = cell.coordinate("longitude", 180)
        country, problem = self._country(country_name, latitude, longitude, has_coordinates)
        if problem:
            errors.append(RowError(row_number, "country_txt", country_name, problem))
        elif not has_coordinates:
            # Our places need coordinates and GTD gives none: a point inside the country's
            # outline, at country precision, is the least we can say without inventing a
            # place (a namesake found in the database would change with what is there, and
            # the region has no coordinates of its own). The report warns (row_warnings).
            point = representative_point(country)
            if point is None:
                errors.append(
                    RowError(
                        row_number,
                        "latitude",
                        "",
                        gettext("no coordinates, and no outline of the country to place it in"),
                    )
                )
            else:
                latitude, longitude = (Decimal(f"{value:.2f}") for value in point)
        specificity = cell.integer("specificity", choices=range(1, 6), required=False)
        vicinity = cell.integer("vicinity", choices=range(-9, 2), required=False)
        attack = cell.text("attacktype1_txt", required=True)
        target = cell.text("targtype1_txt")
        suicide = cell.integer("suicide", choices=range(0, 2), required=False)
        killed = self._figures(cell, "nkill", "nkillter")
        injured = self._figures(cell, "nwound", "nwoundte")
        if errors:
            raise RowInvalid(errors)

        event_type, sub_event_type = event_types(attack, target, suicide == 1)
        city, region = _named(cell.text("city")), _named(cell.text("provstate"))
        place = PlaceRecord(
            country_iso3=country,
            name=city or region or row["country_txt"].strip(),
            latitude=latitude,
            longitude=longitude,
            admin1=region,
        )
        geo_precision = GEO_PRECISION.get(specificity, GeoPrecision.PART_OF_COUNTRY)
        if not has_coordinates:
            geo_precision = GeoPrecision.COUNTRY  # the point is only somewhere in the country
        elif geo_precision == GeoPrecision.EXACT and vicinity == 1:
            geo_precision = GeoPrecision.NEAR  # "in the immediate vicinity of the city"
        killed_coded = _coded(killed, CasualtyOutcome.KILLED)
        injured_coded = _coded(injured, CasualtyOutcome.INJURED)
        # GTD's report of each coded figure quotes both of its columns, as it gave them.
        reports = [
            ReportRecord.of_figure(casualty, REPORT_SOURCE, quote=quote)
            for coded, quote in (
                (killed_coded, _quote(cell, "nkill", "nkillter")),
                (injured_coded, _quote(cell, "nwound", "nwoundte")),
            )
            for casualty in coded
        ]
        return IncidentRecord(
            row=row_number,
            key=key,
            title=f"{attack} in {place.name}",
            narrative=self._narrative(cell),
            start_date=start,
            end_date=end,
            date_precision=date_precision,
            place=place,
            geo_precision=geo_precision,
            event_type=event_type,
            sub_event_type=sub_event_type,
            civilian_targeting=target.lower() in CIVILIAN_TARGETS,
            actors=self._actors(cell, target),
            casualties=killed_coded + injured_coded,
            reports=reports,
            citations=self._citations(cell),
            dataset_fields=self._dataset_fields(cell),
            tactics=[
                name
                for column in ("attacktype1_txt", "attacktype2_txt", "attacktype3_txt")
                if (name := cell.text(column)) and name.lower() != UNKNOWN
            ],
        )

    def _start(self, cell):
        """(start date, date precision) from iyear / imonth / iday, 0 meaning unknown."""
        year = cell.integer("iyear", minimum=1)
        month = cell.integer("imonth", choices=range(0, 13))
        day = cell.integer("iday", choices=range(0, 32))
        if None in (year, month, day):
            return None, None
        try:
            if month == 0:
                return date(year, 1, 1), DatePrecision.YEAR
            if day == 0:
                return date(year, month, 1), DatePrecision.MONTH
            start = date(year, month, day)
        except ValueError:
            cell.errors.append(
                RowError(
                    cell.row_number,
                    "iday",
                    str(day),
                    gettext("no such date in %(month)s") % {"month": f"{year}-{month:02}"},
                )
            )
            return None, None
        if start > date.today():
            cell.errors.append(
                RowError(cell.row_number, "iyear", str(year), gettext("in the future"))
            )
        return start, DatePrecision.DAY

    def _end(self, cell, start):
        """The resolution date of an extended incident, if GTD gives one on or after the start."""
        if cell.text("extended") != "1":
            return None
        end = cell.date("resolution")
        if end is None or start is None or end <= start:
            return None
        return end

    def row_warnings(self, row, record):
        if _has_coordinates(row):
            return []
        return [
            RowError(
                record.row,
                "latitude",
                "",
                gettext(
                    "no coordinates in the file: placed at %(latitude)s, %(longitude)s, a point "
                    "inside the country's outline, at country precision"
                )
                % {"latitude": record.place.latitude, "longitude": record.place.longitude},
            )
        ]

    def _country(self, name, latitude, longitude, has_coordinates):
        """(ISO 3166-1 alpha-3 code, None), or (None, why the row has no country)."""
        key = name.lower()
        if key == NO_COUNTRY:
            return None, gettext("GTD places the event in no one country")
        if key in DIVIDED_STATES:
            if not has_coordinates:
                return None, gettext(
                    "a state since divided, and no coordinates to tell in which of today's "
                    "countries"
                )
            if latitude is None or longitude is None:
                return None, None  # the coordinates' own error says what is wrong
            country = country_containing(latitude, longitude, DIVIDED_STATES[key])
            if country is None:
                return None, gettext(
                    "a state since divided, and the coordinates are in none of today's "
                    "countries on its land"
                )
            return country, None
        country = HISTORIC_COUNTRIES.get(key) or GTD_COUNTRY_NAMES.get(key) or country_code(name)
        return (country, None) if country else (None, gettext("unknown country"))

    def _dataset_fields(self, cell):
        fields = {column: value for column in KEPT_COLUMNS if (value := cell.text(column))}
        name = cell.text("country_txt")
        if name.lower() in HISTORIC_COUNTRIES or name.lower() in DIVIDED_STATES:
            fields["country_txt"] = name  # GTD's country, which is not today's
        return fields

    def _figures(self, cell, total_column, perpetrators_column):
        """(total, perpetrators) as GTD gives them, or None for an unknown total. GTD writes
        fractions where it averaged sources ("1.5"), which are rounded down."""
        total = _whole(cell, total_column)
        if total is None:
            return None
        return total, _whole(cell, perpetrators_column)

    def _narrative(self, cell):
        parts = [cell.text("summary")]
        if approximate := cell.text("approxdate"):
            parts.append(f"Date as GTD gives it: {approximate}.")
        return "\n\n".join(part for part in parts if part)

    def _actors(self, cell, target):
        perpetrators = [
            ActorRecord(name, role, ActorType.NON_STATE_UNSPECIFIED)
            for column, role in (
                ("gname", ActorRole.PERPETRATOR),
                ("gname2", ActorRole.PERPETRATOR_ASSOCIATE),
                ("gname3", ActorRole.PERPETRATOR_ASSOCIATE),
            )
            if (name := _named(cell.text(column)))
        ]
        if perpetrators and perpetrators[0].role != ActorRole.PERPETRATOR:
            perpetrators[0].role = ActorRole.PERPETRATOR  # gname unknown, gname2 known
        return perpetrators + self._target(cell, target.lower())

    def _target(self, cell, target):
        entity = _named(cell.text("corp1"))
        if target in CIVILIAN_TARGETS:
            nationality = _named(cell.text("natlty1_txt")) or _named(cell.text("country_txt"))
            name = f"Civilians ({nationality})" if nationality else "Civilians"
            return [ActorRecord(name, ActorRole.TARGET, ActorType.CIVILIANS)]
        if target in STATE_TARGETS and entity:
            return [ActorRecord(entity, ActorRole.TARGET, ActorType.STATE_FORCES)]
        if target == "terrorists/non-state militia" and entity:
            return [ActorRecord(entity, ActorRole.TARGET, ActorType.NON_STATE_UNSPECIFIED)]
        return []

    def _citations(self, cell):
        collection = cell.text("dbsource")
        return [
            CitationRecord(source=REPORT_SOURCE, title=collection, excerpt=citation)
            for column in ("scite1", "scite2", "scite3")
            if (citation := cell.text(column))
        ]


def event_types(attack, target, suicide):
    """(event type, sub-event type) of a GTD attack type against a GTD target type."""
    attack, target = attack.lower(), target.lower()
    if attack == "bombing/explosion":
        return "explosions_remote_violence", (
            "suicide_bomb" if suicide else "remote_explosive_landmine_ied"
        )
    if attack in ABDUCTIONS:
        return "violence_against_civilians", "abduction_forced_disappearance"
    if attack == "facility/infrastructure attack":
        return "strategic_developments", "looting_property_destruction"
    if attack == UNKNOWN:
        return UNKNOWN_ATTACK.get(target, UNKNOWN_ATTACK_DEFAULT)
    if target in ARMED_TARGETS:
        return "battles", "armed_clash"
    return "violence_against_civilians", "attack"


def _has_coordinates(row):
    return bool((row.get("latitude") or "").strip() or (row.get("longitude") or "").strip())


def _named(text):
    """The name, or "" for GTD's "Unknown"."""
    return "" if text.lower() == UNKNOWN else text


# What GTD's codebook writes in a numeric field for "unknown" (nperps, nhostkid… and, in
# some releases and in files merged from them, the casualty counts).
UNKNOWN_NUMBERS = {-99, -9}


def _whole(cell, column):
    """A GTD count: empty, -99 or -9 is unknown; a fraction (an average of sources) rounds
    down."""
    text = cell.text(column)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        cell.errors.append(RowError(cell.row_number, column, text, gettext("not a number")))
        return None
    if number in UNKNOWN_NUMBERS:
        return None
    if not number >= 0 or number > 2**31 - 1:  # also NaN
        cell.errors.append(RowError(cell.row_number, column, text, gettext("not a count")))
        return None
    return int(number)


def _quote(cell, total_column, perpetrators_column):
    perpetrators = cell.text(perpetrators_column) or "empty"
    return f"GTD: {total_column} {cell.text(total_column)}, {perpetrators_column} {perpetrators}"


def _coded(figures, outcome):
    """The coded figures of one outcome from (total, perpetrators): the perpetrators as
    assailants, the rest of unknown group; the total alone when GTD's two disagree."""
    if figures is None:
        return []
    total, perpetrators = figures
    if not perpetrators:
        return [CasualtyRecord(CasualtyGroup.UNKNOWN, outcome, total, total, total)]
    if perpetrators > total:
        note = (
            f"GTD counts {perpetrators} perpetrators among {total} in all; coded as the total "
            "GTD gives, of unknown group."
        )
        return [CasualtyRecord(CasualtyGroup.UNKNOWN, outcome, total, total, total, note=note)]
    rest = total - perpetrators
    coded = [
        CasualtyRecord(CasualtyGroup.ASSAILANTS, outcome, perpetrators, perpetrators, perpetrators)
    ]
    if rest:
        coded.append(CasualtyRecord(CasualtyGroup.UNKNOWN, outcome, rest, rest, rest))
    return coded
