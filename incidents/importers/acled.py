"""ACLED CSV files (ACLED's export columns), and incidentdb's own CSV export, which is ACLED's
columns followed by extra ones (see incidents/exports.py): an export re-imports as it was.
ACLED's words (columns, source scales, our own event ids) are in incidents/acled.py, which the
export reads too.

How ACLED maps onto incidents:
- actor1 is the perpetrator and actor2 the target, typed by inter1 / inter2. ACLED codes
  them per event (a state's forces abroad are 8 in one event, 1 at home), so each role keeps
  its row's code, which the exports write back; a new actor also takes it as its own type.
  The actors in assoc_actor_1 / assoc_actor_2 (separated by "; ") are associated with them;
  ACLED gives them no code, so their roles have none and a new one has no type (it gets the
  first one a later row codes for it). inter1 / inter2 are codes 1–8 (0 for no actor) in
  ACLED's exports before 2024 and words ("State forces", "Rebel group" …) since; each cell is
  read as it comes. Our own export also writes 9, a non-state group of no given type
  (ActorType).
- time_precision 1 / 2 / 3 is an exact day / a known week / a known month; geo_precision 1 / 2
  / 3 is the place / near it / the district. The extra columns date_precision and where_prec
  (UCDP's finer scales) win when present.
- source (separated by "; ") gives one citation per source; source_scale ("National",
  "National-International") gives the scale of sources not yet known. ACLED's words are more
  than our five scales ("New media", "Local partner-Other", "Subnational-National"), so a row
  of ACLED's (an event id that is not our own IDB…) also keeps its source_scale cell as written
  in the incident's dataset_fields (acled.KEPT_COLUMNS). The exports write it back as long as
  nobody changed the incident since its import, the rule ACLED's timestamp follows too; once an
  analyst changes it (its citations among the rest), they write the scales of its sources in
  our words (exports.acled_source_scale).
- fatalities is the killed best estimate as one row for an unknown group; an empty value is
  unknown, not zero. The extra columns killed_low / killed_high and injured_* add the ranges
  and the injured, and figures_note the note on them. Each figure is written twice: as the
  coded figure, and as ACLED's source report of it (source "ACLED"), beside any report an
  analyst adds.
- tags become "nature of attack" tags; notes is the narrative; timestamp is when ACLED last
  changed the event. disorder_type and interaction are derived from the event and sub-event
  types (acled.disorder_type) and the actors' types and are not read; region (ACLED's world
  region) is not stored.
- Our export's dataset_fields column (what UCDP or the GTD said that no field holds, as
  JSON: an object of texts) becomes the incident's dataset_fields again, so that UCDP- and
  GTD-born incidents keep it through a CSV round trip.
"""

import json
import re
from datetime import UTC, datetime

from django.utils.translation import gettext, gettext_lazy

from ..acled import (
    CIVILIAN_TARGETING,
    INTER_WORDS,
    KEPT_COLUMNS,
    OWN_EVENT_ID_PREFIX,
    SOURCE_SCALE_NAMES,
    incident_pk_of_own_event_id,
)
from ..choices import (
    ActorRole,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    SourceScale,
)
from ..models import Incident
from ..taxonomy import EVENT_TYPES
from .importing import Importer
from .reading import FileRefused, RowReader, country_code
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

# The source of the figures an ACLED file gives: ACLED itself (its own sources are citations).
REPORT_SOURCE = "ACLED"

# As ACLED's export tool and API write event_date: 2025-05-16, 16 May 2025, 16-May-2025, and
# the same with the month abbreviated (16-Sep-2025).
DATE_FORMATS = ["%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y"]
# ACLED writes month names in English, and only those are read.
DATE_HINT = gettext_lazy("YYYY-MM-DD or 15 September 2023")
# A date a spreadsheet saved again: day/month/year in a French locale, month/day/year in a US
# one. Which it is cannot be told from the cell, so the file is refused rather than read with
# day and month perhaps swapped.
SLASHED_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
TIME_PRECISION = {1: DatePrecision.DAY, 2: DatePrecision.WEEK, 3: DatePrecision.MONTH}
GEO_PRECISION = {1: GeoPrecision.EXACT, 2: GeoPrecision.NEAR, 3: GeoPrecision.ADMIN2}
EVENT_TYPE_CODES = {name.lower(): code for code, (name, _) in EVENT_TYPES.items()}
SUB_EVENT_TYPE_CODES = {
    (code, sub_name.lower()): sub_code
    for code, (_, sub_types) in EVENT_TYPES.items()
    for sub_code, sub_name in sub_types
}
SCALES = {name.lower(): scale.value for scale, name in SOURCE_SCALE_NAMES.items()}
TARGETING_VALUES = ("", CIVILIAN_TARGETING.lower())  # as the cell reads in lower case
# inter1 / inter2 in either generation of ACLED's export: the code (before 2024; 0 is "no
# actor") or the words (since 2024; an empty cell is "no actor"), read by one lookup per cell.
NO_ACTOR = 0
INTER_CODES = {
    "0": NO_ACTOR,
    **{str(int(code)): int(code) for code in INTER_WORDS},
    **{word.lower(): int(code) for code, word in INTER_WORDS.items()},
}


class AcledImporter(Importer):
    format_name = "acled"
    key_field = "acled_event_id"
    key_column = "event_id_cnty"
    required_columns = [
        "event_id_cnty",
        "event_date",
        "time_precision",
        "event_type",
        "sub_event_type",
        "actor1",
        "country",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "fatalities",
    ]

    def parse_row(self, row, row_number):
        errors = []
        cell = RowReader(row, row_number, errors, DATE_FORMATS, DATE_HINT)
        if SLASHED_DATE.fullmatch(event_date := cell.text("event_date")):
            raise FileRefused(
                gettext(
                    "Row %(row)s: event_date %(date)s is day/month or month/day, as a "
                    "spreadsheet saves dates, and is not read by guessing which: export the file "
                    "again from ACLED, or save it with event_date as YYYY-MM-DD (2023-09-15)."
                )
                % {"row": row_number, "date": event_date}
            )
        key = cell.text("event_id_cnty", required=True)
        start, end = cell.date_range("event_date", "end_date")
        time_precision = cell.integer("time_precision", choices=range(1, 4))
        date_precision = cell.integer("date_precision", choices=range(1, 6), required=False)
        geo_precision = cell.integer("geo_precision", choices=range(1, 4))
        where_prec = cell.integer("where_prec", choices=range(1, 8), required=False)
        event_type, sub_event_type = self._event_type(row, row_number, errors)
        latitude = cell.coordinate("latitude", 90)
        longitude = cell.coordinate("longitude", 180)
        country = self._country(row)
        if country is None:
            errors.append(
                RowError(row_number, "country", row.get("country", ""), gettext("unknown country"))
            )
        # Empty when nobody is named as perpetrator (our own export writes such incidents).
        actor1 = cell.text("actor1")
        inter1 = self._inter(row, row_number, "inter1", "actor1", "assoc_actor_1", errors)
        inter2 = self._inter(row, row_number, "inter2", "actor2", "assoc_actor_2", errors)
        killed = self._estimate(cell, "killed_low", "fatalities", "killed_high", errors)
        injured = self._estimate(cell, "injured_low", "injured_best", "injured_high", errors)
        targeting = cell.text("civilian_targeting").lower()
        if targeting not in TARGETING_VALUES:
            errors.append(
                RowError(
                    row_number,
                    "civilian_targeting",
                    row["civilian_targeting"],
                    gettext('neither "%(value)s" nor empty') % {"value": CIVILIAN_TARGETING},
                )
            )
        updated_at = None
        if cell.text("timestamp"):
            seconds = cell.integer("timestamp", minimum=0)
            if seconds is not None:  # bounded by RowReader.integer, so a real date
                updated_at = datetime.fromtimestamp(seconds, tz=UTC)
        location = cell.text("location", required=True)
        dataset_fields = self._dataset_fields(cell, key, errors)
        if errors:
            raise RowInvalid(errors)

        casualties = []
        if killed:
            casualties.append(
                CasualtyRecord(CasualtyGroup.UNKNOWN, CasualtyOutcome.KILLED, *killed)
            )
        if injured:
            casualties.append(
                CasualtyRecord(CasualtyGroup.UNKNOWN, CasualtyOutcome.INJURED, *injured)
            )
        # Our own export's note on its figures (a UCDP-born incident whose estimates did not
        # bracket best) goes back on the first of them, where the next export reads it again.
        if casualties and (figures_note := cell.text("figures_note")):
            casualties[0].note = figures_note
        # ACLED's figures are its report of the toll, and the coded figure as they stand.
        reports = [ReportRecord.of_figure(casualty, REPORT_SOURCE) for casualty in casualties]
        sub_event_name = row["sub_event_type"].strip()
        return IncidentRecord(
            row=row_number,
            key=key,
            title=cell.text("title")
            or f"{sub_event_name or row['event_type'].strip()} in {location}",
            narrative=cell.text("notes"),
            start_date=start,
            end_date=end,
            date_precision=date_precision or TIME_PRECISION[time_precision],
            place=PlaceRecord(
                country_iso3=country,
                name=location,
                latitude=latitude,
                longitude=longitude,
                admin1=cell.text("admin1"),
                admin2=cell.text("admin2"),
                admin3=cell.text("admin3"),
            ),
            geo_precision=where_prec or GEO_PRECISION[geo_precision],
            event_type=event_type,
            sub_event_type=sub_event_type,
            civilian_targeting=bool(targeting),
            actors=self._actors(row, actor1, inter1, inter2),
            casualties=casualties,
            reports=reports,
            citations=self._citations(row),
            tactics=_split(row.get("tags", "")),
            source_updated_at=updated_at,
            # Only the ids the row gives: an empty cell must not erase one already known.
            other_ids={
                id_field: value
                for id_field in ("ucdp_id", "gtd_event_id")
                if (value := cell.text(id_field))
            },
            dataset_fields=dataset_fields,
        )

    def find_fingerprints(self, keys):
        """Also find our own incidents by the IDB<id> our CSV export gives those without an
        ACLED id, so that re-importing an export updates them instead of duplicating them."""
        found = super().find_fingerprints(keys)
        own_ids = {incident_pk_of_own_event_id(key): key for key in keys}
        own_ids.pop(None, None)
        if own_ids:
            own = Incident.objects.filter(pk__in=own_ids, acled_event_id="")
            for pk, fingerprint in own.values_list("pk", "import_fingerprint"):
                found[own_ids[pk]] = (pk, fingerprint)
        return found

    def _event_type(self, row, row_number, errors):
        name = (row.get("event_type") or "").strip()
        code = EVENT_TYPE_CODES.get(name.lower())
        if code is None:
            errors.append(
                RowError(row_number, "event_type", name, gettext("not an ACLED event type"))
            )
            return None, None
        sub_name = (row.get("sub_event_type") or "").strip()
        if not sub_name:
            return code, None
        sub_code = SUB_EVENT_TYPE_CODES.get((code, sub_name.lower()))
        if sub_code is None:
            errors.append(
                RowError(
                    row_number,
                    "sub_event_type",
                    sub_name,
                    gettext("not a sub-event type of %(event_type)s") % {"event_type": name},
                )
            )
        return code, sub_code

    def _country(self, row):
        for column in ("iso3", "iso", "country"):
            code = country_code(row.get(column, ""))
            if code:
                return code
        return None

    def _dataset_fields(self, cell, key, errors):
        """The incident's dataset_fields: those our export's dataset_fields column gives (a
        JSON object of texts), and on a row of ACLED's own the cells of KEPT_COLUMNS as written,
        which win: the row's cell is what the file says now."""
        fields = {}
        if text := cell.text("dataset_fields"):
            try:
                fields = json.loads(text)
            except ValueError:
                fields = None
            if not isinstance(fields, dict) or not all(
                isinstance(value, str) for value in fields.values()
            ):
                reason = gettext("not a JSON object of texts")
                errors.append(RowError(cell.row_number, "dataset_fields", text, reason))
                return {}
        if not key.startswith(OWN_EVENT_ID_PREFIX):
            fields.update(
                (column, value) for column in KEPT_COLUMNS if (value := cell.text(column))
            )
        return fields

    def _estimate(self, cell, low_column, best_column, high_column, errors):
        """(low, best, high) from the columns, or None when best is empty (unknown)."""
        best = cell.integer(best_column, minimum=0, required=False)
        low = cell.integer(low_column, minimum=0, required=False)
        high = cell.integer(high_column, minimum=0, required=False)
        if best is None:
            return None
        low = best if low is None else low
        high = best if high is None else high
        if low > best:
            reason = gettext("above %(column)s (%(value)s)") % {
                "column": best_column,
                "value": best,
            }
            errors.append(RowError(cell.row_number, low_column, str(low), reason))
        if best > high:
            reason = gettext("below %(column)s (%(value)s)") % {
                "column": best_column,
                "value": best,
            }
            errors.append(RowError(cell.row_number, high_column, str(high), reason))
        return low, best, high

    def _inter(self, row, row_number, column, actor, associates, errors):
        """The ActorType of inter1 / inter2, or None for no actor (0 or empty) or a bad cell.

        0 says the side has no actor, so a side that names one with 0 is refused rather than
        imported: a new actor needs a type, and the row gives none to take.
        """
        value = row.get(column)
        if not value:  # most second actors of pre-2024 files are 0, not empty
            return None
        code = INTER_CODES.get(value)
        if code is None:  # words in another case, or spaces around the cell
            code = INTER_CODES.get(" ".join(value.split()).lower())
        if code is None:
            # ACLED's words, as its files write them, in any language.
            reason = gettext("not 0–9 nor one of: %(words)s") % {
                "words": ", ".join(INTER_WORDS.values())
            }
            errors.append(RowError(row_number, column, value, reason))
            return None
        if code == NO_ACTOR:
            named = [name for name in (actor, associates) if (row.get(name) or "").strip()]
            if named:
                reason = gettext("0 (no actor) but %(column)s names one; give its type (1–9)") % {
                    "column": named[0]
                }
                errors.append(RowError(row_number, column, value, reason))
            return None
        return code

    def _actors(self, row, actor1, inter1, inter2):
        actors = [ActorRecord(actor1, ActorRole.PERPETRATOR, inter1, inter1)] if actor1 else []
        # Associated actors have no inter code of their own: none is given them.
        actors += [
            ActorRecord(name, ActorRole.PERPETRATOR_ASSOCIATE)
            for name in _split(row.get("assoc_actor_1", ""))
        ]
        actor2 = (row.get("actor2") or "").strip()
        if actor2:
            actors.append(ActorRecord(actor2, ActorRole.TARGET, inter2, inter2))
        actors += [
            ActorRecord(name, ActorRole.TARGET_ASSOCIATE)
            for name in _split(row.get("assoc_actor_2", ""))
        ]
        return actors

    def _citations(self, row):
        sources = _split(row.get("source", ""))
        scales = [
            SCALES.get(part.strip().lower(), SourceScale.OTHER)
            for part in (row.get("source_scale") or "").split("-")
            if part.strip()
        ]
        if len(scales) != len(sources):
            # ACLED writes one scale for several sources ("National") or a combination that
            # does not line up with them; then the first scale stands for all.
            scales = [scales[0] if scales else SourceScale.OTHER] * len(sources)
        return [
            CitationRecord(source=name, scale=scale)
            for name, scale in zip(sources, scales, strict=True)
        ]


def _split(text):
    if not text:  # most cells of the lists are empty
        return []
    return [part.strip() for part in text.split(";") if part.strip()]
