"""The codebook (/codebook/): every column of the downloads, every filter parameter and every
coded value, read from the code that defines them (choices.py, taxonomy.py, acled.py,
exports.py, roles.py, filters.py), so that the page cannot drift from what the data holds.

Only the columns' descriptions are written here: tests/incidents/test_codebook.py fails when a
column is added to the downloads without one.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .acled import DISORDER_TYPES, SOURCE_SCALE_NAMES, SUB_EVENT_DISORDER_TYPES
from .choices import (
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    ViolenceType,
)
from .exports import CSV_COLUMNS, HXL_TAGS, acled_geo_precision, acled_time_precision
from .filters import IncidentFilterSet
from .models import Tactic
from .roles import ROLE_NAMES
from .taxonomy import (
    EVENT_TYPES,
    disorder_type_label,
    event_type_label,
    sub_event_type_label,
    tactic_label,
)

# What each column of the CSV, XLSX and GeoJSON downloads holds; ACLED's columns mean what
# ACLED's codebook says, and are written so that the file re-imports as ACLED's.
COLUMN_DESCRIPTIONS = {
    "event_id_cnty": _(
        "ACLED's event id when the incident came from ACLED, else ours (IDB followed by the "
        "incident's number)."
    ),
    "event_date": _("The incident's (first) day, YYYY-MM-DD; a date cell in XLSX."),
    "year": _("The year of event_date."),
    "time_precision": _("ACLED's time precision: 1 day, 2 week, 3 month or longer."),
    "disorder_type": _(
        "ACLED's disorder type, which follows from the event type, or from the sub-event type "
        "for excessive force against protesters (Political violence; Demonstrations) and mob "
        "violence (Political violence)."
    ),
    "event_type": _("ACLED event type (see Event and sub-event types)."),
    "sub_event_type": _("ACLED sub-event type; empty when not coded."),
    "actor1": _("The first actor: the perpetrator, ACLED's actor 1 or UCDP's side A."),
    "assoc_actor_1": _("The other actors on actor 1's side, separated by semicolons."),
    "inter1": _("Actor 1's ACLED inter code (see Actor types)."),
    "actor2": _("The second actor: the target, ACLED's actor 2 or UCDP's side B."),
    "assoc_actor_2": _("The other actors on actor 2's side, separated by semicolons."),
    "inter2": _("Actor 2's ACLED inter code."),
    "interaction": _(
        "The two inter codes, smaller first (27: rebel group against civilians); inter1 "
        "followed by 0 when there is no second actor."
    ),
    "civilian_targeting": _("“Civilian targeting” when the main target was civilians."),
    "iso": _("ISO 3166-1 numeric code of the country (466 for Mali)."),
    "region": _("ACLED's world region of the country (Western Africa), from ACLED's own table."),
    "country": _("The country's name."),
    "admin1": _("The region (first administrative level)."),
    "admin2": _("The district (second level)."),
    "admin3": _("The commune (third level)."),
    "location": _("The named place."),
    "latitude": _("Latitude of the place, decimal degrees (WGS 84)."),
    "longitude": _("Longitude of the place, decimal degrees (WGS 84)."),
    "geo_precision": _("ACLED's geo precision: 1 the place, 2 near it, 3 a larger area."),
    "source": _("The sources cited, separated by semicolons."),
    "source_scale": _(
        "Their scales (see Source scales), joined by hyphens; ACLED's own words (New media, "
        "Local partner…) for an incident from ACLED that nobody changed since its import."
    ),
    "notes": _("The narrative."),
    "fatalities": _(
        "Killed, best estimate, summed over the coded casualty figures; empty when unknown "
        "(never 0 for unknown)."
    ),
    "tags": _("The nature of the attack (see Nature of attack), separated by semicolons."),
    "timestamp": _("When the record last changed, in seconds since 1970 (ACLED's timestamp)."),
    "killed_low": _("Killed, low estimate (UCDP's low)."),
    "killed_high": _("Killed, high estimate (UCDP's high)."),
    "injured_low": _("Injured, low estimate."),
    "injured_best": _("Injured, best estimate; empty when unknown."),
    "injured_high": _("Injured, high estimate."),
    "end_date": _("The last day of an incident lasting several days; empty for one day."),
    "date_precision": _("How well the date is known, UCDP's date_prec (see Date precision)."),
    "where_prec": _("How well the place is known, UCDP's where_prec (see Place precision)."),
    "ucdp_id": _("The UCDP GED event id, when the incident came from or matches UCDP."),
    "gtd_event_id": _("The Global Terrorism Database's eventid, when it came from the GTD."),
    "title": _("A short title of the incident."),
    "iso3": _("ISO 3166-1 alpha-3 code of the country (MLI)."),
    "admin1_code": _("ISO 3166-2 code of the region, where there is one (ML-5)."),
    "figures_note": _(
        "Why the coded figures differ from the dataset's own: for example UCDP's low, best "
        "and high when they do not bracket best, coded from the smallest to the largest. "
        "Empty for most incidents."
    ),
    "dataset_fields": _(
        "What the source dataset says that no other column holds, as it wrote it: UCDP's "
        "conflict, dyad and deaths by side, the GTD's target and weapon… A JSON object of "
        "texts, column by column; empty for incidents entered here."
    ),
    "source_dataset": _(
        "Where the row comes from, and so whose terms and citation apply (/about/): UCDP GED, "
        "ACLED, GTD, or incidentdb for incidents entered here."
    ),
}


@dataclass
class CodeTable:
    """One vocabulary: its anchor, title, what it is, its column headers and rows."""

    id: str
    title: str
    intro: str
    headers: list
    rows: list = field(default_factory=list)


def choices_rows(choices):
    """(stored value, label) of each choice of a TextChoices or IntegerChoices."""
    return [(value, label) for value, label in choices.choices]


def code_tables():
    """Every vocabulary of the data, in the order the codebook lists them."""
    return [
        CodeTable(
            "columns",
            _("Columns of the downloads"),
            _(
                "The CSV, XLSX and GeoJSON downloads hold these columns, in this order: ACLED's "
                "first, under ACLED's names, then ours. The HXL row (hxl=1) tags each column."
            ),
            [_("Column"), _("HXL tag"), _("Meaning")],
            [(name, HXL_TAGS[name], COLUMN_DESCRIPTIONS[name]) for name in CSV_COLUMNS],
        ),
        CodeTable(
            "filters",
            _("Filter parameters"),
            _(
                "The list page, its downloads, the trends pages and the API take these query "
                "parameters; a value that is not understood is an error, never ignored."
            ),
            [_("Parameter"), _("Label"), _("Meaning")],
            [
                (name, flt.label, flt.extra.get("help_text", ""))
                for name, flt in IncidentFilterSet.base_filters.items()
            ],
        ),
        CodeTable(
            "event-types",
            _("Event and sub-event types"),
            _(
                "ACLED's event taxonomy, with ACLED's disorder type of each event type, and of "
                "the sub-event types that have their own. The downloads write ACLED's English "
                "names, in every language."
            ),
            [_("Code"), _("Name"), _("In the CSV"), _("Sub-event of"), _("Disorder type")],
            [
                row
                for code, (name, sub_event_types) in EVENT_TYPES.items()
                for row in [
                    (
                        code,
                        event_type_label(code, name),
                        name,
                        "",
                        disorder_type_label(DISORDER_TYPES[code]),
                    ),
                    *(
                        (
                            sub_code,
                            sub_event_type_label(sub_code, sub_name),
                            sub_name,
                            event_type_label(code, name),
                            disorder_type_label(SUB_EVENT_DISORDER_TYPES[sub_code])
                            if sub_code in SUB_EVENT_DISORDER_TYPES
                            else "",
                        )
                        for sub_code, sub_name in sub_event_types
                    ),
                ]
            ],
        ),
        CodeTable(
            "actor-types",
            _("Actor types (ACLED inter codes)"),
            _(
                "Each actor's type, ACLED's inter code; 9 is ours, for an armed non-state group "
                "whose dataset does not say which kind (a type is never guessed)."
            ),
            [_("Code"), _("Actor type")],
            choices_rows(ActorType),
        ),
        CodeTable(
            "roles",
            _("Actor roles"),
            _(
                "Actors are stored in two sides and their associates. Each dataset names the "
                "sides its own way, and the pages say them so: only incidents entered here and "
                "the GTD's say who attacked whom."
            ),
            [_("Stored value"), *(names.dataset_label for names in ROLE_NAMES.values())],
            [
                (role, *(names.of(role) for names in ROLE_NAMES.values()))
                for role in ("perpetrator", "perpetrator_associate", "target", "target_associate")
            ],
        ),
        CodeTable(
            "violence-types",
            _("Type of violence (UCDP)"),
            _(
                "UCDP's type_of_violence, derived from the two sides' actor types: state-based "
                "when a state force fights an armed actor, non-state when armed non-state actors "
                "fight each other, one-sided when an organised actor attacks civilians."
            ),
            [_("Code"), _("Type of violence")],
            choices_rows(ViolenceType),
        ),
        CodeTable(
            "date-precision",
            _("Date precision"),
            _("How well the date is known: UCDP's date_prec, and ACLED's time_precision from it."),
            [_("date_precision"), _("Meaning"), _("ACLED time_precision")],
            [(value, label, acled_time_precision(value)) for value, label in DatePrecision.choices],
        ),
        CodeTable(
            "place-precision",
            _("Place precision"),
            _("How well the place is known: UCDP's where_prec, and ACLED's geo_precision from it."),
            [_("where_prec"), _("Meaning"), _("ACLED geo_precision")],
            [(value, label, acled_geo_precision(value)) for value, label in GeoPrecision.choices],
        ),
        CodeTable(
            "casualty-groups",
            _("Casualty groups"),
            _(
                "Who was killed, injured or abducted. Each incident has one coded figure (low, "
                "best, high) per group and outcome; the totals add up the groups."
            ),
            [_("Code"), _("Group")],
            choices_rows(CasualtyGroup),
        ),
        CodeTable(
            "casualty-outcomes",
            _("Casualty outcomes"),
            "",
            [_("Code"), _("Outcome")],
            choices_rows(CasualtyOutcome),
        ),
        CodeTable(
            "report-qualifiers",
            _("Report qualifiers"),
            _(
                "How a source gave its figure. What each source reported is kept as it said it "
                "and never added to another source's report of the same dead."
            ),
            [_("Code"), _("The source said")],
            choices_rows(ReportQualifier),
        ),
        CodeTable(
            "source-scales",
            _("Source scales"),
            _("ACLED's source_scale of each source."),
            [_("Code"), _("Scale"), _("In the CSV")],
            [(value, label, SOURCE_SCALE_NAMES[value]) for value, label in SourceScale.choices],
        ),
        CodeTable(
            "tactics",
            _("Nature of attack"),
            _(
                "Tags analysts give an incident's tactics (the CSV's tags column, which writes "
                "them as stored)."
            ),
            [_("Tag"), _("Name")],
            [
                (name, tactic_label(name))
                for name in Tactic.objects.order_by("name").values_list("name", flat=True)
            ],
        ),
    ]
