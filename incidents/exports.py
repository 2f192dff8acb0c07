"""Downloads of the public incident list: CSV, JSON, XLSX and GeoJSON.

Every writer takes incidents already gated by `.public()`, filtered by IncidentFilterSet and
ordered as the list shows them (see views.incident_download), and reads them through
export_records(): IncidentQuerySet.for_export() 2,000 rows at a time, plus a query per 2,000
rows for each of their actors, citations, tactics and the notes on their figures, so memory does
not grow with the download.
CSV, JSON and GeoJSON stream; XLSX is written row by row to a temporary file (xlsxwriter's
constant_memory mode) and then sent.

CSV: ACLED's columns under ACLED's names (acled.ACLED_COLUMNS), so the file re-imports with
`import_events --format acled`, then our own (EXTRA_COLUMNS). `hxl=True` adds the HXL hashtag
row humanitarian data tools expect under the header.

CSV, JSON and GeoJSON are for programs: their names and values are the same in every language,
byte for byte. XLSX is for people: it holds the CSV's rows, but its sheet names, its header (a
label per column, COLUMN_LABELS, with the column's name as the header cell's note), its
"Columns" sheet (label, column name, meaning) and its "About" sheet (when, which filters,
credits) are in the language of the request: /fr/incidents.xlsx in French.

JSON: each incident as the API describes it (incidents.api.serializers.IncidentSerializer,
/api/docs/), the same names, shapes and values, plus what only a download carries::

    {"incidents": [
        {"id": 12, "url": "https://…/api/incidents/12/", "html_url": "https://…/incidents/12/",
         "title": "…", "narrative": "…",                       # narrative: download only
         "start_date": "2023-09-15", "end_date": null,
         "date_precision": 1, "acled_time_precision": 1,      # UCDP date_prec 1–5, ACLED 1–3
         "event_type": {"code": "battles", "name": "Battles"},
         "sub_event_type": {"code": "armed_clash", "name": "Armed clash"},   # or null
         "disorder_type": "Political violence",                # download only
         "location": {"id": 4, "name": "Kouakourou", "latitude": 14.4843, "longitude": -4.1828,
                      "country": {"iso3": "MLI", "name": "Mali"},
                      "admin1": {"id": 7, "name": "Mopti", "code": "ML-5"},   # each level or null
                      "admin2": null, "admin3": null},
         "geo_precision": 1, "acled_geo_precision": 1,         # UCDP where_prec 1–7, ACLED 1–3
         "killed": {"low": 12, "best": 15, "high": 20},   # null figures are unknown, not 0
         "injured": {"low": null, "best": null, "high": null},
         "casualties": [{"group": "civilians", "outcome": "killed", "low": 70, "best": 77,
                         "high": 100, "high_open": true, "note": ""}, …],
                                            # download only: the coded figures the totals add up
         "reports": [{"group": "civilians", "outcome": "killed", "source": "AFP",
                      "qualifier": "at_least", "figure": 70, "figure_high": null,
                      "reported_on": "2024-09-18", "quote": ""}, …],
                                            # download only: what each source said; never added
         "civilian_targeting": false,
         "type_of_violence": 1,                                # UCDP's, or null
         "actors": [{"id": 3, "name": "JNIM", "actor_type": 2, "role": "perpetrator"}, …],
                                            # role order, actor_type is ACLED's inter code
                                            # in this incident (the actor's, when the role
                                            # has none); null for an actor of no known type
         "tactics": ["Ambush", "Coordinated"],
         "citations": [{"source": "…", "source_scale": "national", "url": "…",
                        "title": "…", "published_on": "2023-09-16"}, …],   # download only
         "acled_event_id": null, "ucdp_id": null, "gtd_event_id": null,    # null when none
         "dataset_fields": {"dyad_name": "…", "deaths_a": "3", …},
                                            # download only: what the source dataset says that
                                            # no field holds, as it wrote it
         "updated_at": "2024-01-05T10:00:00Z"},
        …],
     "count": 1}

`count` comes last: it is the number of incidents written, so a reader can check that it has
the whole file without the server running a second query.

GeoJSON: a FeatureCollection of Point features ([longitude, latitude]) whose properties are
the CSV columns (null where the CSV cell is empty) plus the incident's `url`.
"""

import datetime
import io
import json
import tempfile
from functools import cache
from itertools import groupby, islice
from operator import itemgetter

import pycountry
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, IntegerField, Lookup
from django.db.models.functions import Coalesce
from django.http import FileResponse, StreamingHttpResponse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from . import csv_in_sql
from .acled import (
    ACLED_COLUMNS,
    CIVILIAN_TARGETING,
    KEPT_COLUMNS,
    SOURCE_SCALE_NAMES,
    disorder_type,
    own_event_id,
)
from .acled_regions import acled_region_name
from .choices import ActorRole
from .credits import credit, credit_lines, credits_json, source_dataset
from .models import Casualty, Citation, Incident, IncidentActor, SourceReport
from .spreadsheets import SafeWriter
from .taxonomy import derive_violence_type
from .url_templates import url_template

# Rows fetched per query; prefetch_related runs its queries once per chunk.
CHUNK_SIZE = 2000
# Rows per piece of a streamed response: big enough that per-piece overhead doesn't show,
# small enough that the first rows arrive at once.
ROWS_PER_PIECE = 250

# What we hold beyond ACLED: the UCDP-style estimates and precisions, and our own identifiers.
EXTRA_COLUMNS = [
    "killed_low",
    "killed_high",
    "injured_low",
    "injured_best",
    "injured_high",
    "end_date",
    "date_precision",
    "where_prec",
    "ucdp_id",
    "gtd_event_id",
    "title",
    "iso3",
    "admin1_code",
    # Why the coded figures are not the dataset's own as given (UCDP figures that do not
    # bracket best, coded from the smallest to the largest), in the coded figures' own notes:
    # empty for most incidents, so a spreadsheet filter finds the others.
    "figures_note",
    # What the source dataset says that no other column holds, as it wrote it (UCDP's conflict
    # and dyad, GTD's target…): the incident's dataset_fields as JSON, which the ACLED importer
    # reads back. Empty for incidents entered here and most of ACLED's.
    "dataset_fields",
    # Last, so that ACLED's columns and ours keep their places: where the row comes from, and
    # so under which terms (credits.py).
    "source_dataset",
]
CSV_COLUMNS = ACLED_COLUMNS + EXTRA_COLUMNS

# The HXL hashtag of each column (https://hxlstandard.org), for the optional second row.
HXL_TAGS = {
    "event_id_cnty": "#event+code",
    "event_date": "#date+occurred",
    "year": "#date+year",
    "time_precision": "#date+precision",
    "disorder_type": "#event+type+disorder",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "actor1": "#group+name+first",
    "assoc_actor_1": "#group+name+first+assoc",
    "inter1": "#group+code+first",
    "actor2": "#group+name+second",
    "assoc_actor_2": "#group+name+second+assoc",
    "inter2": "#group+code+second",
    "interaction": "#group+code+interaction",
    "civilian_targeting": "#affected+civilians+targeted",
    "iso": "#country+code+num",
    "region": "#region+name",
    "country": "#country+name",
    "admin1": "#adm1+name",
    "admin2": "#adm2+name",
    "admin3": "#adm3+name",
    "location": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "geo_precision": "#geo+precision",
    "source": "#meta+source",
    "source_scale": "#meta+source+scale",
    "notes": "#description",
    "fatalities": "#affected+killed",
    "tags": "#meta+tags",
    "timestamp": "#date+updated",
    "killed_low": "#affected+killed+min",
    "killed_high": "#affected+killed+max",
    "injured_low": "#affected+injured+min",
    "injured_best": "#affected+injured",
    "injured_high": "#affected+injured+max",
    "end_date": "#date+end",
    "date_precision": "#date+precision+ucdp",
    "where_prec": "#geo+precision+ucdp",
    "ucdp_id": "#event+code+ucdp",
    "gtd_event_id": "#event+code+gtd",
    "title": "#event+title",
    "iso3": "#country+code",
    "admin1_code": "#adm1+code",
    "figures_note": "#meta+figures+note",
    "dataset_fields": "#meta+dataset+fields",
    "source_dataset": "#meta+source+dataset",
}

PERPETRATOR = ActorRole.PERPETRATOR
# Each role's side: ACLED's actor1 and its associates, or actor2 and its associates.
SIDES = {
    ActorRole.PERPETRATOR: ActorRole.PERPETRATOR,
    ActorRole.PERPETRATOR_ASSOCIATE: ActorRole.PERPETRATOR,
    ActorRole.TARGET: ActorRole.TARGET,
    ActorRole.TARGET_ASSOCIATE: ActorRole.TARGET,
}

# The header of the XLSX download: each column's label for people, in the language of the
# request. The column's name stays findable (the header cell's note, the "Columns" sheet).
COLUMN_LABELS = {
    "event_id_cnty": gettext_lazy("Event id"),
    "event_date": gettext_lazy("Date"),
    "year": gettext_lazy("Year"),
    "time_precision": gettext_lazy("Date precision (ACLED)"),
    "disorder_type": gettext_lazy("Disorder type"),
    "event_type": gettext_lazy("Event type"),
    "sub_event_type": gettext_lazy("Sub-event type"),
    "actor1": gettext_lazy("Actor 1"),
    "assoc_actor_1": gettext_lazy("Associated actors 1"),
    "inter1": gettext_lazy("Actor type 1"),
    "actor2": gettext_lazy("Actor 2"),
    "assoc_actor_2": gettext_lazy("Associated actors 2"),
    "inter2": gettext_lazy("Actor type 2"),
    "interaction": gettext_lazy("Interaction"),
    "civilian_targeting": gettext_lazy("Civilian targeting"),
    "iso": gettext_lazy("Country code (ISO numeric)"),
    "region": gettext_lazy("World region (ACLED)"),
    "country": gettext_lazy("Country"),
    "admin1": gettext_lazy("Region"),
    "admin2": gettext_lazy("District"),
    "admin3": gettext_lazy("Commune"),
    "location": gettext_lazy("Place"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
    "geo_precision": gettext_lazy("Geo precision (ACLED)"),
    "source": gettext_lazy("Sources"),
    "source_scale": gettext_lazy("Source scale"),
    "notes": gettext_lazy("Narrative"),
    "fatalities": gettext_lazy("Fatalities"),
    "tags": gettext_lazy("Nature of attack"),
    "timestamp": gettext_lazy("Last changed (Unix time)"),
    "killed_low": gettext_lazy("Killed, low estimate"),
    "killed_high": gettext_lazy("Killed, high estimate"),
    "injured_low": gettext_lazy("Injured, low estimate"),
    "injured_best": gettext_lazy("Injured, best estimate"),
    "injured_high": gettext_lazy("Injured, high estimate"),
    "end_date": gettext_lazy("End date"),
    "date_precision": gettext_lazy("Date precision (UCDP)"),
    "where_prec": gettext_lazy("Geo precision (UCDP)"),
    "ucdp_id": gettext_lazy("UCDP GED id"),
    "gtd_event_id": gettext_lazy("GTD id"),
    "title": gettext_lazy("Title"),
    "iso3": gettext_lazy("Country code (ISO alpha-3)"),
    "admin1_code": gettext_lazy("Region code (ISO 3166-2)"),
    "figures_note": gettext_lazy("Note on the figures"),
    "dataset_fields": gettext_lazy("Source dataset's own fields"),
    "source_dataset": gettext_lazy("Source dataset"),
}

# How XLSX shows its date cells: year first in English, as in the CSV; day first in French,
# as French readers write dates. The cell holds the same date either way.
XLSX_DATE_FORMATS = {"fr": "dd/mm/yyyy"}
XLSX_DATE_FORMAT = "yyyy-mm-dd"

# The record fields written as date cells in XLSX, and their columns.
XLSX_DATE_COLUMNS = {
    "start_date": CSV_COLUMNS.index("event_date"),
    "end_date": CSV_COLUMNS.index("end_date"),
}

# Excel's last row is 1,048,576; one is the header.
XLSX_MAX_ROWS = 1_048_575


class TooManyRows(Exception):
    """The selection does not fit in one worksheet."""


def download_filename(extension, stem=None):
    """`stem`.`extension`, the stem naming the filter (filenames.filtered_stem); without one,
    incidents-2026-11-24.csv: what was downloaded, and on which day."""
    if stem is None:
        stem = f"incidents-{timezone.localdate():%Y-%m-%d}"
    return f"{stem}.{extension}"


def incident_url_template(request):
    """An absolute incident URL with "{}" where the id goes, reversed once per download rather
    than once per row."""
    return address_template("incidents:incident_detail", request)


def address_template(view_name, request):
    """url_template() of a page's address without a language prefix (/incidents/{}/), in
    every language: the downloads and the API are the same bytes whatever the language of the
    request, and that address shows a visitor who prefers French the French page."""
    with translation.override(settings.LANGUAGE_CODE):
        return url_template(view_name, request=request)


def export_records(incidents, with_figures=False, figure_notes=True):
    """Each incident's dict from for_export(), with its "actors" ((role, name, inter code, actor
    id, the actor's own inter code), …) in role order (actor_links), "citations" ((source,
    scale, url, title, published_on), …) in citation order and "tactics" (name, …) by name
    added; with_figures adds its coded figures as "casualties"
    ((group, outcome, low, best, high, high_open, note), …) and its "reports" ((group, outcome,
    source, qualifier, figure, figure_high, reported_on, quote), …), two more queries a chunk;
    without, it adds the distinct notes on its coded figures as "figure_notes" (note, …), which
    the CSV's rows show, one more query a chunk, unless `figure_notes` is False (for a reader
    of ACLED's columns alone: csv_row() then leaves the column empty).

    Reads CHUNK_SIZE incidents at a time and runs a few more queries per chunk, whatever the
    number of rows: what prefetch_related does, without a model instance per row.
    """
    # Inside a transaction PostgreSQL's server-side cursor needs no WITH HOLD, which would
    # compute the whole result before handing over the first row. Read-only: no savepoint. The
    # transaction is on the database the router reads from (a replica, when there are some).
    database = incidents.db
    with transaction.atomic(using=database, savepoint=False):
        rows = incidents.using(database).for_export().iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(islice(rows, CHUNK_SIZE)):
            ids = [row["id"] for row in chunk]
            actors = links_by_incident(actor_links(ids))
            citations = links_by_incident(citation_links(ids))
            tactics = links_by_incident(tactic_links(ids), single=True)
            if with_figures:
                casualties = links_by_incident(casualty_links(ids))
                reports = links_by_incident(report_links(ids))
            elif figure_notes:
                notes = links_by_incident(figure_note_links(ids), single=True)
            for row in chunk:
                row["actors"] = actors.get(row["id"], ())
                row["citations"] = citations.get(row["id"], ())
                row["tactics"] = tactics.get(row["id"], ())
                if with_figures:
                    row["casualties"] = casualties.get(row["id"], ())
                    row["reports"] = reports.get(row["id"], ())
                elif figure_notes:
                    row["figure_notes"] = notes.get(row["id"], ())
                yield row


# The links of a chunk of incidents, by `incident_id IN (…)` so that PostgreSQL reads them
# through the foreign key's index (a join from the incidents scans the whole link table).


class InIds(Lookup):
    """`lhs IN (ids)` for a list of ids that need no preparing: `incident_id__in=ids` has the
    ORM prepare every id on its own, which for a chunk's 2,000 ids in each of three queries was
    a sixth of an export's time. PostgreSQL gets the list as one array parameter (`= ANY`,
    what it makes of `IN (…)` anyway, so the plan is the same)."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*params, ids)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*params, *ids)


def actor_links(ids):
    """(incident id, role, actor name, inter code, actor id, the actor's own inter code) of
    the incidents' roles. The inter code is the one the role was coded with in this incident
    (ACLED codes it per event), else the actor's own; the actor's own is what the filters
    match and what type_of_violence is derived from (export_violence_type)."""
    return (
        IncidentActor.objects.filter(InIds(F("incident_id"), ids))
        .order_by("incident_id", "role", "id")
        .values_list(
            "incident_id",
            "role",
            "actor__name",
            Coalesce("actor_type", "actor__actor_type", output_field=IntegerField()),
            "actor_id",
            "actor__actor_type",
        )
    )


def citation_links(ids):
    # Undated citations last on every database (SQLite and PostgreSQL differ by default).
    return (
        Citation.objects.filter(InIds(F("incident_id"), ids))
        .order_by("incident_id", F("published_on").asc(nulls_last=True), "id")
        .values_list("incident_id", "source__name", "source__scale", "url", "title", "published_on")
    )


def casualty_links(ids):
    return (
        Casualty.objects.filter(InIds(F("incident_id"), ids))
        .order_by("incident_id", "outcome", "group")
        .values_list("incident_id", "group", "outcome", "low", "best", "high", "high_open", "note")
    )


def report_links(ids):
    return (
        SourceReport.objects.filter(InIds(F("incident_id"), ids))
        .order_by("incident_id", "outcome", "group", F("reported_on").asc(nulls_last=True), "id")
        .values_list(
            "incident_id",
            "group",
            "outcome",
            "source__name",
            "qualifier",
            "figure",
            "figure_high",
            "reported_on",
            "quote",
        )
    )


def tactic_links(ids):
    return (
        Incident.tactics.through.objects.filter(InIds(F("incident_id"), ids))
        .order_by("incident_id", "tactic__name")
        .values_list("incident_id", "tactic__name")
    )


def figure_note_links(ids):
    """Each incident's distinct notes on its coded figures, in text order (csv_in_sql's too):
    most coded figures have none, and the notes of one incident's groups are often the same
    (UCDP's side A, side B and civilians)."""
    return (
        Casualty.objects.filter(InIds(F("incident_id"), ids))
        .exclude(note="")
        .order_by("incident_id", "note")
        .values_list("incident_id", "note")
        .distinct()
    )


# How the CSV joins an incident's notes on its figures in one cell.
FIGURE_NOTES_SEPARATOR = " | "


def links_by_incident(rows, single=False):
    """{incident id: (the rest of each row, in order)} from rows ordered by incident id; just
    the one value after the id when single.

    Tuples, not lists: the collector stops walking a tuple of plain values once it has seen
    it, and a chunk's links stay alive while it is written (a tenth of an export's time went
    to collections)."""
    rest = itemgetter(1) if single else itemgetter(slice(1, None))
    return {
        incident_id: tuple(map(rest, group))
        for incident_id, group in groupby(rows, key=itemgetter(0))
    }


# --- CSV rows (also XLSX and GeoJSON properties) -------------------------------------------


@cache
def iso_numeric(iso3):
    """ISO 3166-1 numeric code (466 for Mali), or None for a code ISO does not assign."""
    country = pycountry.countries.get(alpha_3=iso3)
    return int(country.numeric) if country else None


@cache
def acled_time_precision(date_precision):
    """Incident.acled_time_precision, looked up once per value instead of once per row."""
    return Incident(date_precision=date_precision).acled_time_precision


@cache
def acled_geo_precision(geo_precision):
    """Incident.acled_geo_precision, looked up once per value instead of once per row."""
    return Incident(geo_precision=geo_precision).acled_geo_precision


def acled_interaction(inter1, inter2):
    """ACLED's interaction: the two inter codes, smaller first (27); inter1 and 0 when there is
    no second actor (20); None when there is no first actor."""
    if inter1 is None:
        return None
    if inter2 is None:
        return inter1 * 10
    low, high = sorted((inter1, inter2))
    return low * 10 + high


def acled_actors(actors):
    """ACLED's (actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2) from the
    incident's actors in role order: actor1 is the first perpetrator, assoc_actor_1 the other
    perpetrators then their associates, inter1 actor1's inter code in this incident; likewise
    for the targets."""
    main = {ActorRole.PERPETRATOR: (None, None), ActorRole.TARGET: (None, None)}
    associated = {ActorRole.PERPETRATOR: [], ActorRole.TARGET: []}
    for role, name, actor_type, *_ids_and_own_type in actors:
        side = SIDES[role]
        # Role order puts each side's main actors before their associates.
        if role == side and main[side][0] is None:
            main[side] = (name, actor_type)
        else:
            associated[side].append(name)
    (actor1, inter1), (actor2, inter2) = main[ActorRole.PERPETRATOR], main[ActorRole.TARGET]
    return (
        actor1,
        "; ".join(associated[ActorRole.PERPETRATOR]) or None,
        inter1,
        actor2,
        "; ".join(associated[ActorRole.TARGET]) or None,
        inter2,
    )


def export_violence_type(actors):
    """Incident.violence_type for a record's actors (actor_links' rows): from the actors' own
    types, as Incident.violence_type and the type_of_violence filter derive it."""
    perpetrator_types = [actor[-1] for actor in actors if SIDES[actor[0]] == PERPETRATOR]
    target_types = [actor[-1] for actor in actors if SIDES[actor[0]] != PERPETRATOR]
    return derive_violence_type(perpetrator_types, target_types)


def as_imported(row):
    """True when nobody changed the incident since its import, the opposite of
    Incident.changed_since_import: its row is still its dataset's."""
    return row["imported_at"] is not None and row["updated_at"] <= row["imported_at"]


def last_changed_at(row):
    """ACLED's timestamp: the source dataset's when nobody changed the incident since its
    import, else our own last change."""
    if row["source_updated_at"] is not None and as_imported(row):
        return row["source_updated_at"]
    return row["updated_at"]


def acled_source_scale(row, sources):
    """ACLED's source_scale: as ACLED wrote it (kept in dataset_fields by the ACLED importer)
    while the incident is as imported, since our five scales cannot say "New media" or "Local
    partner-Other"; else the scale words of its sources ((name, scale), …), each once, in the
    order they first appear. An analyst's change (to its citations, say) makes the row ours,
    described in our words, as its timestamp becomes ours."""
    kept = row["dataset_fields"].get("source_scale")
    if kept and as_imported(row):
        return kept
    return "-".join(unique(SOURCE_SCALE_NAMES[scale] for _source, scale in sources)) or None


def dataset_fields_cell(fields):
    """An incident's dataset_fields as the CSV writes them, without what the row's own ACLED
    columns say (acled.KEPT_COLUMNS: source_scale, read back from its column); None when
    nothing is left.

    The text is PostgreSQL's of a jsonb object, which csv_in_sql writes as it comes (ordering
    the keys otherwise made the SQL writer's cell five times dearer): keys shortest first, then
    in byte order, ", " and ": " between them, texts escaped as json.dumps does."""
    shown = sorted(
        (item for item in fields.items() if item[0] not in KEPT_COLUMNS),
        key=lambda item: (len(item[0].encode()), item[0].encode()),
    )
    return json.dumps(dict(shown), ensure_ascii=False) if shown else None


def csv_row(row):
    """One record from export_records() as a list in CSV_COLUMNS order; None where the cell is
    empty."""
    actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2 = acled_actors(row["actors"])
    sources = unique((citation[0], citation[1]) for citation in row["citations"])
    end_date = row["end_date"]
    return [
        # ACLED_COLUMNS
        row["acled_event_id"] or own_event_id(row["id"]),
        row["start_date"].isoformat(),
        row["start_date"].year,
        acled_time_precision(row["date_precision"]),
        disorder_type(row["event_type_id"], row["sub_event_type_id"]),
        row["event_type__name"],
        row["sub_event_type__name"],
        actor1,
        assoc_actor_1,
        inter1,
        actor2,
        assoc_actor_2,
        inter2,
        acled_interaction(inter1, inter2),
        CIVILIAN_TARGETING if row["civilian_targeting"] else None,
        iso_numeric(row["location__country__iso3"]),
        acled_region_name(row["location__country__iso3"]),
        row["location__country__name"],
        row["location__admin1__name"],
        row["location__admin2__name"],
        row["location__admin3__name"],
        row["location__name"],
        row["location__latitude"],
        row["location__longitude"],
        acled_geo_precision(row["geo_precision"]),
        "; ".join(source for source, _scale in sources) or None,
        acled_source_scale(row, sources),
        row["narrative"] or None,
        row["killed_best"],
        "; ".join(row["tactics"]) or None,
        int(last_changed_at(row).timestamp()),
        # EXTRA_COLUMNS
        row["killed_low"],
        row["killed_high"],
        row["injured_low"],
        row["injured_best"],
        row["injured_high"],
        end_date.isoformat() if end_date else None,
        row["date_precision"],
        row["geo_precision"],
        row["ucdp_id"] or None,
        row["gtd_event_id"] or None,
        row["title"],
        row["location__country__iso3"],
        row["location__admin1__iso_code"] or None,
        FIGURE_NOTES_SEPARATOR.join(row.get("figure_notes", ())) or None,
        dataset_fields_cell(row["dataset_fields"]),
        source_dataset(row),
    ]


def unique(items):
    """The distinct items, in order of first appearance."""
    return list(dict.fromkeys(items))


class _Lines(io.StringIO):
    """A buffer that hands over what was written since the last call."""

    def take(self):
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


# Excel on Windows reads a CSV without a byte-order mark in the machine's code page, garbling
# Ségou and Ménaka; with one it reads UTF-8. Optional, because other tools (and ACLED's own
# files) have none, and some keep the mark as part of the first column's name.
BYTE_ORDER_MARK = "\ufeff"


def stream_csv(incidents, hxl=False, excel=False):
    """The CSV text in pieces: the header (and HXL row) at once, then the rows, which
    PostgreSQL writes itself (csv_in_sql: about 4× faster, bench/README.md) and SQLite leaves
    to Python. `excel` starts the text with a byte-order mark."""
    buffer = _Lines()
    if excel:
        buffer.write(BYTE_ORDER_MARK)
    writer = SafeWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    if hxl:
        writer.writerow([HXL_TAGS[column] for column in CSV_COLUMNS])
    yield buffer.take()
    if connections[incidents.db].vendor == "postgresql":
        yield from csv_in_sql.copy_csv_rows(incidents)
    else:
        yield from stream_csv_rows(incidents)


def stream_csv_rows(incidents):
    """The CSV rows written by Python: SQLite's path, and the reference csv_in_sql is tested
    against byte for byte."""
    buffer = _Lines()
    writer = SafeWriter(buffer)
    rows = map(csv_row, export_records(incidents))
    while piece := list(islice(rows, ROWS_PER_PIECE)):
        writer.writerows(piece)
        yield buffer.take()


def csv_response(incidents, *, hxl=False, excel=False, stem=None):
    response = StreamingHttpResponse(
        stream_csv(incidents, hxl=hxl, excel=excel), content_type="text/csv; charset=utf-8"
    )
    return attach(response, download_filename("csv", stem))


def attach(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- JSON and GeoJSON ----------------------------------------------------------------------


def json_default(value):
    """Coordinates are Decimals in the database and plain numbers in JSON."""
    return float(value)


def dump(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=json_default)


def stream_json_items(opening, items, closing):
    """`opening`, the items as a JSON array's elements, then `closing(number of items)`."""
    yield opening
    count = 0
    while piece := list(islice(items, ROWS_PER_PIECE)):
        text = ",".join(map(dump, piece))
        yield text if count == 0 else "," + text
        count += len(piece)
    yield closing(count)


def incident_json(row, url_template, api_url_template):
    """One record from export_records(with_figures=True) as the API describes an incident
    (incidents.api.serializers.IncidentSerializer: the same names, shapes and values, which
    tests/incidents/test_exports.py checks), with what a download adds: the narrative, the
    disorder type, the coded figures and source reports, the citations, the GTD id and the
    source dataset's own fields. The shape is in the module docstring."""
    end_date = row["end_date"]
    sub_event_type = row["sub_event_type_id"]
    violence_type = export_violence_type(row["actors"])
    return {
        "id": row["id"],
        "url": api_url_template.format(row["id"]),
        "html_url": url_template.format(row["id"]),
        "title": row["title"],
        "narrative": row["narrative"],
        "start_date": row["start_date"].isoformat(),
        "end_date": end_date.isoformat() if end_date else None,
        "date_precision": row["date_precision"],
        "acled_time_precision": acled_time_precision(row["date_precision"]),
        "event_type": {"code": row["event_type_id"], "name": row["event_type__name"]},
        "sub_event_type": (
            {"code": sub_event_type, "name": row["sub_event_type__name"]}
            if sub_event_type
            else None
        ),
        "disorder_type": disorder_type(row["event_type_id"], sub_event_type),
        "location": {
            "id": row["location_id"],
            "name": row["location__name"],
            "latitude": row["location__latitude"],
            "longitude": row["location__longitude"],
            "country": {
                "iso3": row["location__country__iso3"],
                "name": row["location__country__name"],
            },
            "admin1": area_json(row, "location__admin1"),
            "admin2": area_json(row, "location__admin2"),
            "admin3": area_json(row, "location__admin3"),
        },
        "geo_precision": row["geo_precision"],
        "acled_geo_precision": acled_geo_precision(row["geo_precision"]),
        "killed": estimate_json(row, "killed"),
        "injured": estimate_json(row, "injured"),
        "casualties": [
            {
                "group": group,
                "outcome": outcome,
                "low": low,
                "best": best,
                "high": high,
                "high_open": high_open,
                "note": note,
            }
            for group, outcome, low, best, high, high_open, note in row["casualties"]
        ],
        "reports": [
            {
                "group": group,
                "outcome": outcome,
                "source": source,
                "qualifier": qualifier,
                "figure": figure,
                "figure_high": figure_high,
                "reported_on": reported_on.isoformat() if reported_on else None,
                "quote": quote,
            }
            for group, outcome, source, qualifier, figure, figure_high, reported_on, quote in row[
                "reports"
            ]
        ],
        "civilian_targeting": row["civilian_targeting"],
        "type_of_violence": None if violence_type is None else int(violence_type),
        "actors": [
            {"id": actor_id, "name": name, "actor_type": actor_type, "role": role}
            for role, name, actor_type, actor_id, _own_type in row["actors"]
        ],
        "tactics": list(row["tactics"]),
        "citations": [
            {
                "source": source,
                "source_scale": scale,
                "url": url,
                "title": title,
                "published_on": published_on.isoformat() if published_on else None,
            }
            for source, scale, url, title, published_on in row["citations"]
        ],
        # Blank identifiers are null, as in the API.
        "acled_event_id": row["acled_event_id"] or None,
        "ucdp_id": row["ucdp_id"] or None,
        "gtd_event_id": row["gtd_event_id"] or None,
        "dataset_fields": row["dataset_fields"],
        "source_dataset": source_dataset(row),
        "updated_at": api_moment(row["updated_at"]),
    }


def api_moment(moment):
    """A time as the API writes it (DRF's DateTimeField): ISO 8601 in UTC, written "Z"."""
    text = timezone.localtime(moment, datetime.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def estimate_json(row, outcome):
    """An incident's killed or injured totals as the API writes them: {low, best, high}."""
    return {
        "low": row[f"{outcome}_low"],
        "best": row[f"{outcome}_best"],
        "high": row[f"{outcome}_high"],
    }


def area_json(row, prefix):
    """An admin area as the API writes it: its id (what the admin1/admin2 filters take), name
    and ISO 3166-2 code (empty where there is none); null when the place has no such level."""
    area_id = row[f"{prefix}_id"]
    if area_id is None:
        return None
    return {"id": area_id, "name": row[f"{prefix}__name"], "code": row[f"{prefix}__iso_code"]}


def json_response(incidents, *, url_template, api_url_template, stem=None):
    datasets = set()

    def items():
        for row in export_records(incidents, with_figures=True):
            item = incident_json(row, url_template, api_url_template)
            datasets.add(item["source_dataset"])
            yield item

    def closing(count):
        # After the incidents, so that the credits name exactly the datasets the file holds.
        # In English whatever the page's language: the JSON is the same bytes in every one.
        with translation.override("en"):
            credits = dump(credits_json(datasets))
        return f'],"count":{count},"credits":{credits}}}\n'

    response = StreamingHttpResponse(
        stream_json_items('{"incidents":[', items(), closing),
        content_type="application/json",
    )
    return attach(response, download_filename("json", stem))


def incident_feature(row, url_template):
    """One record from export_records() as a GeoJSON Point feature whose properties are its
    CSV row."""
    properties = dict(zip(CSV_COLUMNS, csv_row(row), strict=True))
    properties["url"] = url_template.format(row["id"])
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {
            "type": "Point",
            "coordinates": [row["location__longitude"], row["location__latitude"]],
        },
        "properties": properties,
    }


def geojson_response(incidents, *, url_template, stem=None):
    features = (incident_feature(row, url_template) for row in export_records(incidents))
    response = StreamingHttpResponse(
        stream_json_items(
            '{"type":"FeatureCollection","features":[', features, lambda count: "]}\n"
        ),
        content_type="application/geo+json",
    )
    return attach(response, download_filename("geojson", stem))


# --- XLSX ------------------------------------------------------------------------------------


def write_xlsx(incidents, file, *, filters=(), list_url=None):
    """The CSV's rows under a header of column labels, as one worksheet written to `file` in
    constant memory; then a "Columns" sheet (each label's column name and meaning) and an
    "About" sheet (when, the `filters` chosen on `list_url`, the credit each dataset asks for).
    Labels, sheet names and texts are in the active language.

    Returns the source_dataset codes of its rows. Raises TooManyRows before writing past
    Excel's last row.
    """
    # Imported here: loaded at start-up, xlsxwriter held ~2 MiB in every web process until
    # its first XLSX download (issue 16's memory goal counts the processes' RSS).
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        file,
        {
            # Rows go to disk as they are written instead of staying in memory.
            "constant_memory": True,
            # A narrative that starts with "=" is text, never a formula; links stay text too
            # (and a worksheet holds at most 65,530 links).
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    worksheet = workbook.add_worksheet(pgettext("sheet name", "incidents"))
    worksheet.write_row(0, 0, [str(COLUMN_LABELS[column]) for column in CSV_COLUMNS], bold)
    # The column's name, as the CSV, the API and the codebook write it, on the label's note.
    for number, column in enumerate(CSV_COLUMNS):
        worksheet.write_comment(0, number, column)
    worksheet.freeze_panes(1, 0)
    # The dates are date cells, so that a spreadsheet sorts, filters and groups them as dates;
    # the CSV's text would be text. Written over the row's text cells (constant_memory allows
    # any order within the row being written).
    date_format = workbook.add_format(
        {"num_format": XLSX_DATE_FORMATS.get(translation.get_language(), XLSX_DATE_FORMAT)}
    )
    for column in XLSX_DATE_COLUMNS.values():
        worksheet.set_column(column, column, 11)
    datasets = set()
    for number, row in enumerate(export_records(incidents), start=1):
        if number > XLSX_MAX_ROWS:
            workbook.close()
            raise TooManyRows
        cells = csv_row(row)
        datasets.add(cells[-1])  # source_dataset
        worksheet.write_row(number, 0, cells)
        for field, column in XLSX_DATE_COLUMNS.items():
            if row[field] is not None:
                worksheet.write_datetime(number, column, row[field], date_format)
    write_columns_sheet(workbook.add_worksheet(pgettext("sheet name", "Columns")), bold)
    write_about_sheet(
        workbook.add_worksheet(pgettext("sheet name", "About")), bold, datasets, filters, list_url
    )
    workbook.close()
    return datasets


def write_columns_sheet(worksheet, bold):
    """Each column of the incidents sheet: its label, its name in the CSV and the API, and what
    it holds (the codebook's words)."""
    # Imported here: the codebook describes this module's columns, so it imports this module.
    from .codebook import COLUMN_DESCRIPTIONS

    worksheet.set_column(0, 1, 30)
    worksheet.set_column(2, 2, 100)
    worksheet.write_row(0, 0, [_("Label"), _("Column name"), _("Meaning")], bold)
    worksheet.freeze_panes(1, 0)
    for number, column in enumerate(CSV_COLUMNS, start=1):
        worksheet.write_row(
            number, 0, [str(COLUMN_LABELS[column]), column, str(COLUMN_DESCRIPTIONS[column])]
        )


def write_about_sheet(worksheet, bold, datasets, filters=(), list_url=None):
    """What the workbook holds, the filters that chose its rows (one a line, as the list's
    chips say them), and the credit each of its datasets asks for."""
    worksheet.set_column(0, 0, 120)
    lines = [
        (_("About this file"), bold),
        (
            _(
                "Incidents downloaded from incidentdb on %(date)s. The “Columns” sheet gives "
                "each column's name in the CSV download and the API, and its meaning. The "
                "source dataset column says where each row comes from; credit each dataset as "
                "below."
            )
            % {"date": formats.date_format(timezone.localdate(), "DATE_FORMAT")},
            None,
        ),
    ]
    if list_url:
        lines.append((_("The same incidents on the site: %(url)s") % {"url": list_url}, None))
    lines += [("", None), (_("Filters"), bold)]
    lines += [(label, None) for label in filters] or [(_("None: every published incident."), None)]
    lines += [("", None), (_("Credits"), bold)]
    lines += [(line, None) for line in credit_lines(datasets)]
    for number, (text, cell_format) in enumerate(lines):
        if text:
            worksheet.write(number, 0, text, cell_format)


def xlsx_response(incidents, *, stem=None, filters=(), list_url=None):
    """The workbook in a temporary file, sent once complete: xlsxwriter writes the zip only
    when the workbook is closed. Raises TooManyRows."""
    file = tempfile.TemporaryFile()
    try:
        datasets = write_xlsx(incidents, file, filters=filters, list_url=list_url)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    response = FileResponse(
        file,
        as_attachment=True,
        filename=download_filename("xlsx", stem),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    # Sent once written: the Link header names the datasets the About sheet credits.
    return credit(response, datasets)
