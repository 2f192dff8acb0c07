"""ACLED's read API (https://acleddata.com/api/…), over our published incidents, so that a script
written for ACLED runs unchanged with its host set to https://<our site>/acled-api.

Endpoints, parameters and answers follow ACLED's API as its clients send and read them (PyPI's
`acled`, R's `acled.api`): `acled/read` rows carry the ACLED columns of /incidents.csv, with
the same values, because they are written by the export's own csv_row(); `deleted/read` lists
retracted incidents; `actor/read`, `actortype/read`, `country/read` and `region/read` count
published incidents by actor, actor type, country and ACLED's world region. A JSON answer adds
`credits` after ACLED's keys (its clients read `success` and `data`): the datasets of the rows'
incidents with their terms and citations, as our own API gives them.

Filters: a column name with a value, and `<column>_where` for the operator: `=` (the default;
`a|b` for any of several, case-insensitive as ACLED's database compares), `LIKE` (contains),
`>`, `<` (strict) and `BETWEEN` (`a|b`, both ends included). A parameter we cannot answer
exactly (a column made of several rows, such as `actor1`, or an operator a derived column
cannot take) answers 400 in ACLED's error shape: a mirror must never receive a list
silently different from the one it asked for.

`key` and `email` are ACLED's legacy credentials. Our data are public and need none: they are
accepted, so that a script that sends them runs unchanged, and otherwise ignored (neither
checked nor stored).
"""

import datetime
from dataclasses import dataclass
from functools import cache

import pycountry
from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..acled import (
    ACLED_COLUMNS,
    CIVILIAN_TARGETING,
    DISORDER_TYPES,
    INTER_WORDS,
    SUB_EVENT_DISORDER_TYPES,
    changed_or_published_at,
    incident_pk_of_own_event_id,
    own_event_id,
)
from ..acled_regions import ACLED_REGION_NAMES, REGION_COUNTRIES
from ..choices import DatePrecision, GeoPrecision
from ..counts import published_datasets
from ..exports import (
    CSV_COLUMNS,
    acled_geo_precision,
    acled_time_precision,
    csv_row,
    export_records,
    iso_numeric,
)
from ..models import Incident, IncidentActor

# ACLED answers 5,000 rows a page unless told otherwise, and so do we; larger pages are refused
# (the whole selection is one download away: /incidents.csv).
DEFAULT_LIMIT = 5000
MAX_LIMIT = 5000
# Parameters every endpoint takes besides its filters.
COMMON_PARAMETERS = {"key", "email", "limit", "page", "_format", "fields"}
FORMATS = {"json", "csv"}
OPERATORS = {"=", "LIKE", ">", "<", "BETWEEN"}
EQUAL_ONLY = {"="}
COMPARISONS = {"=", ">", "<", "BETWEEN"}


class BadParameter(Exception):
    """A parameter we cannot honour exactly; its message is sent back with status 400."""


# --- reading one filter --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """How an ACLED filter column is answered: `field` is the queryset field it compares
    (None when `condition` builds the Q itself), `parse` turns one value into what the field
    holds, `operators` are the `_where` operators it can take exactly."""

    field: str | None
    parse: object = str
    operators: frozenset = frozenset(OPERATORS)
    condition: object = None


def whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise BadParameter(_("'%(value)s' is not a whole number.") % {"value": text}) from None


def iso_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            _("'%(value)s' is not a date in the form yyyy-mm-dd.") % {"value": text}
        ) from None


def unix_time(text):
    """ACLED's timestamp: unix seconds, or a date (its midnight, UTC), as clients send both."""
    if text.isdigit():
        return datetime.datetime.fromtimestamp(int(text), tz=datetime.UTC)
    date = iso_date(text)
    return datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.UTC)


def compare(field, operator, values, parse):
    """The Q for `field <operator> values` (values already split on "|")."""
    if operator == "BETWEEN":
        if len(values) != 2:
            raise BadParameter(
                _("BETWEEN takes two values separated by '|', e.g. 2023-01-01|2023-12-31.")
            )
        low, high = map(parse, values)
        return Q(**{f"{field}__gte": low, f"{field}__lte": high})
    if operator == "LIKE":
        condition = Q()
        for value in values:
            condition |= Q(**{f"{field}__icontains": value.strip("%")})
        return condition
    if len(values) != 1 and operator != "=":
        raise BadParameter(
            _("'%(operator)s' takes one value, not several separated by '|'.")
            % {"operator": operator}
        )
    if operator == ">":
        return Q(**{f"{field}__gt": parse(values[0])})
    if operator == "<":
        return Q(**{f"{field}__lt": parse(values[0])})
    parsed = [parse(value) for value in values]
    if parse is str:
        condition = Q()
        for value in parsed:
            condition |= Q(**{f"{field}__iexact": value})
        return condition
    return Q(**{f"{field}__in": parsed})


def values_of(text):
    return [value.strip() for value in text.split("|")]


def build_conditions(params, columns, defaults=None):
    """The Q of every filter in `params` (a QueryDict) over `columns` {name: Column}; raises
    BadParameter for any parameter that is neither a column, its `_where`, nor a common one."""
    defaults = defaults or {}
    condition = Q()
    for name in params:
        if name in COMMON_PARAMETERS or name in columns:
            continue
        if name.endswith("_where") and name[: -len("_where")] in columns:
            if name[: -len("_where")] not in params:
                raise BadParameter(
                    _("%(name)s is given without %(column)s.")
                    % {"name": name, "column": name[: -len("_where")]}
                )
            continue
        raise BadParameter(_("Unknown or unsupported parameter: %(name)s.") % {"name": name})
    for name, column in columns.items():
        if name not in params:
            continue
        operator = defaults.get(name, "=")
        if f"{name}_where" in params:
            operator = params[f"{name}_where"].strip().upper()
            if operator not in OPERATORS:
                raise BadParameter(
                    _("%(name)s_where must be one of =, LIKE, >, <, BETWEEN.") % {"name": name}
                )
        if operator not in column.operators:
            allowed = ", ".join(sorted(column.operators))
            raise BadParameter(
                _("%(name)s can be filtered with %(operators)s only.")
                % {"name": name, "operators": allowed}
            )
        values = values_of(params[name])
        if column.condition is not None:
            condition &= column.condition(operator, values)
        else:
            condition &= compare(column.field, operator, values, column.parse)
    return condition


def page_bounds(params):
    """(offset, limit) from ACLED's `limit` and 1-based `page`."""
    limit = whole_number(params.get("limit", str(DEFAULT_LIMIT)))
    page = whole_number(params.get("page", "1"))
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(
            _("limit must be from 1 to %(max)s; the whole selection is at /incidents.csv.")
            % {"max": MAX_LIMIT}
        )
    if page < 1:
        raise BadParameter(_("page starts at 1."))
    return (page - 1) * limit, limit


def answer_format(params):
    answer = params.get("_format", "json").lower()
    if answer not in FORMATS:
        raise BadParameter(_("_format must be json or csv."))
    return answer


def chosen_fields(params, columns):
    """The columns `fields` names ("a|b|c"), in ACLED's order, or all of them."""
    if "fields" not in params:
        return list(columns)
    wanted = values_of(params["fields"])
    unknown = [name for name in wanted if name not in columns]
    if unknown:
        raise BadParameter(
            ngettext("Unknown field: %(fields)s.", "Unknown fields: %(fields)s.", len(unknown))
            % {"fields": ", ".join(unknown)}
        )
    return [name for name in columns if name in wanted]


# --- acled/read ----------------------------------------------------------------------------


@cache
def precision_codes(choices, acled_precision):
    """{ACLED precision: [our precisions that map to it]}, from the export's own mapping."""
    codes = {}
    for value in choices.values:
        codes.setdefault(acled_precision(value), []).append(value)
    return codes


def precision_column(field, choices, acled_precision):
    def condition(operator, values):
        codes = precision_codes(choices, acled_precision)
        wanted = [code for value in values for code in codes.get(whole_number(value), [])]
        return Q(**{f"{field}__in": wanted})

    return Column(None, operators=frozenset(EQUAL_ONLY), condition=condition)


def event_id_condition(operator, values):
    """Our own ids (IDB123) are incident ids; other ids are the ACLED ids incidents were
    imported with."""
    condition = Q()
    for value in values:
        pk = incident_pk_of_own_event_id(value)
        condition |= Q(pk=pk) if pk is not None else Q(acled_event_id__iexact=value)
    return condition


def disorder_type_condition(operator, values):
    """The incidents whose disorder_type (acled.disorder_type) is one of the values, as the
    rows write it: their event type's, unless their sub-event type has its own."""
    wanted = {value.lower() for value in values}
    event_types = [code for code, disorder in DISORDER_TYPES.items() if disorder.lower() in wanted]
    sub_event_types = [
        code for code, disorder in SUB_EVENT_DISORDER_TYPES.items() if disorder.lower() in wanted
    ]
    by_event_type = Q(event_type__in=event_types) & ~Q(
        sub_event_type__in=list(SUB_EVENT_DISORDER_TYPES)
    )
    return by_event_type | Q(sub_event_type__in=sub_event_types)


def iso3_codes(values):
    """The alpha-3 codes of ACLED's `iso` values (ISO 3166-1 numeric, 466 for Mali); a number
    ISO does not assign matches nothing."""
    codes = []
    for value in values:
        country = pycountry.countries.get(numeric=f"{whole_number(value):03d}")
        if country is not None:
            codes.append(country.alpha_3)
    return codes


def iso_condition(operator, values):
    return Q(location__country__iso3__in=iso3_codes(values))


def region_codes(operator, values):
    """ACLED's region numbers for `region` values: numbers as ACLED's API takes them (1 for
    Western Africa), or names ("Western Africa"; with LIKE, a part of one). A number ACLED does
    not use matches nothing, as an unknown country does."""
    if operator == "LIKE":
        parts = [value.strip("%").lower() for value in values]
        return [
            code
            for code, name in ACLED_REGION_NAMES.items()
            if any(part in name.lower() for part in parts)
        ]
    names = {name.lower(): code for code, name in ACLED_REGION_NAMES.items()}
    return [
        whole_number(value) if value.isdigit() else names.get(value.lower())
        for value in values
        if value.isdigit() or value.lower() in names
    ]


def region_condition(operator, values):
    countries = [
        iso3 for code in region_codes(operator, values) for iso3 in REGION_COUNTRIES.get(code, ())
    ]
    return Q(location__country__iso3__in=countries)


def civilian_targeting_condition(operator, values):
    if any(value.lower() != CIVILIAN_TARGETING.lower() for value in values):
        raise BadParameter(
            _("civilian_targeting takes one value: %(value)s.") % {"value": CIVILIAN_TARGETING}
        )
    return Q(civilian_targeting=True)


def timestamp_condition(operator, values):
    """Changed (or published) since, in whole seconds as the CSV writes them: `timestamp >= t`
    (ACLED's default operator for timestamp) keeps every row changed at t or later."""
    if operator == "BETWEEN":
        if len(values) != 2:
            raise BadParameter(_("BETWEEN takes two values separated by '|'."))
        low, high = map(unix_time, values)
        return Q(acled_changed__gte=low, acled_changed__lt=high + datetime.timedelta(seconds=1))
    if len(values) != 1:
        raise BadParameter(_("timestamp takes one value."))
    moment = unix_time(values[0])
    second = datetime.timedelta(seconds=1)
    if operator == ">":
        return Q(acled_changed__gte=moment + second)
    if operator == "<":
        return Q(acled_changed__lt=moment)
    if operator == "=":
        return Q(acled_changed__gte=moment, acled_changed__lt=moment + second)
    return Q(acled_changed__gte=moment)  # ">=", ACLED's default


EVENT_COLUMNS = {
    "event_id_cnty": Column(None, operators=frozenset(EQUAL_ONLY), condition=event_id_condition),
    "event_date": Column("start_date", parse=iso_date, operators=frozenset(COMPARISONS)),
    "year": Column("start_date__year", parse=whole_number, operators=frozenset(COMPARISONS)),
    "time_precision": precision_column("date_precision", DatePrecision, acled_time_precision),
    "disorder_type": Column(
        None, operators=frozenset(EQUAL_ONLY), condition=disorder_type_condition
    ),
    "event_type": Column("event_type__name", operators=frozenset({"=", "LIKE"})),
    "sub_event_type": Column("sub_event_type__name", operators=frozenset({"=", "LIKE"})),
    "civilian_targeting": Column(
        None, operators=frozenset(EQUAL_ONLY), condition=civilian_targeting_condition
    ),
    "iso": Column(None, operators=frozenset(EQUAL_ONLY), condition=iso_condition),
    "region": Column(None, operators=frozenset({"=", "LIKE"}), condition=region_condition),
    "country": Column("location__country__name", operators=frozenset({"=", "LIKE"})),
    "admin1": Column("location__admin1__name", operators=frozenset({"=", "LIKE"})),
    "admin2": Column("location__admin2__name", operators=frozenset({"=", "LIKE"})),
    "admin3": Column("location__admin3__name", operators=frozenset({"=", "LIKE"})),
    "location": Column("location__name", operators=frozenset({"=", "LIKE"})),
    "geo_precision": precision_column("geo_precision", GeoPrecision, acled_geo_precision),
    "notes": Column("narrative", operators=frozenset({"LIKE"})),
    "fatalities": Column("killed_best", parse=whole_number, operators=frozenset(COMPARISONS)),
    "timestamp": Column(
        None, operators=frozenset({"=", ">", "<", "BETWEEN", ">="}), condition=timestamp_condition
    ),
}
# ACLED's default operator where it is not "=".
EVENT_DEFAULT_OPERATORS = {"timestamp": ">=", "notes": "LIKE"}
# Columns the export derives from several rows (actors, sources, tags): filtering on them is
# refused rather than answered approximately.
UNFILTERABLE = sorted(set(ACLED_COLUMNS) - set(EVENT_COLUMNS))


def event_page(params):
    """(format, fields, rows, datasets) of one acled/read page: rows are dicts of the chosen
    columns, in the list's order (newest first), with the values csv_row() writes to
    /incidents.csv; datasets are the rows' source_dataset codes."""
    for name in params:
        if name in UNFILTERABLE or name.removesuffix("_where") in UNFILTERABLE:
            raise BadParameter(
                _("%(name)s cannot be filtered here; filterable columns: %(columns)s.")
                % {"name": name.removesuffix("_where"), "columns": ", ".join(EVENT_COLUMNS)}
            )
    export_type = params.get("export_type", "dyadic")
    if export_type != "dyadic":
        raise BadParameter(_("Only export_type=dyadic (one row per event) is served."))
    params = params.copy()
    params.pop("export_type", None)
    answer = answer_format(params)
    fields = chosen_fields(params, ACLED_COLUMNS)
    offset, limit = page_bounds(params)
    condition = build_conditions(params, EVENT_COLUMNS, EVENT_DEFAULT_OPERATORS)
    incidents = Incident.objects.public()
    if "timestamp" in params:
        incidents = incidents.alias(acled_changed=changed_or_published_at())
    incidents = incidents.filter(condition).order_by("-start_date", "-id")
    # The page's ids first, then their rows through the export: the export's readers stay the
    # one place that knows how a row is made.
    ids = list(incidents.values_list("id", flat=True)[offset : offset + limit])
    records = export_records(
        Incident.objects.filter(id__in=ids).order_by("-start_date", "-id"),
        # ACLED's columns have no note on the figures: one query a page less.
        figure_notes=False,
    )
    indexes = [ACLED_COLUMNS.index(name) for name in fields]
    cells = list(map(csv_row, records))
    rows = [
        {name: row[index] for name, index in zip(fields, indexes, strict=True)} for row in cells
    ]
    # The CSV row's source_dataset, which ACLED's columns do not include, says whom to credit.
    credited = CSV_COLUMNS.index("source_dataset")
    return answer, fields, rows, {row[credited] for row in cells}


# --- deleted/read --------------------------------------------------------------------------

DELETED_FIELDS = ["event_id_cnty", "deleted_timestamp"]


def deleted_condition(operator, values):
    if operator == "BETWEEN":
        low, high = map(unix_time, values) if len(values) == 2 else (None, None)
        if low is None:
            raise BadParameter(_("BETWEEN takes two values separated by '|'."))
        return Q(retracted_at__gte=low, retracted_at__lt=high + datetime.timedelta(seconds=1))
    if len(values) != 1:
        raise BadParameter(_("deleted_timestamp takes one value."))
    moment = unix_time(values[0])
    second = datetime.timedelta(seconds=1)
    return {
        ">": Q(retracted_at__gte=moment + second),
        "<": Q(retracted_at__lt=moment),
        "=": Q(retracted_at__gte=moment, retracted_at__lt=moment + second),
        ">=": Q(retracted_at__gte=moment),
    }[operator]


DELETED_COLUMNS = {
    "event_id_cnty": EVENT_COLUMNS["event_id_cnty"],
    "deleted_timestamp": Column(
        None, operators=frozenset({"=", ">", "<", "BETWEEN", ">="}), condition=deleted_condition
    ),
}


def deleted_page(params):
    """Retracted incidents, oldest withdrawal first: each one's event_id_cnty (as the CSV wrote
    it while it was published) and deleted_timestamp (unix seconds of the retraction)."""
    answer = answer_format(params)
    fields = chosen_fields(params, DELETED_FIELDS)
    offset, limit = page_bounds(params)
    condition = build_conditions(params, DELETED_COLUMNS, {"deleted_timestamp": ">="})
    retracted = (
        Incident.objects.retracted()
        .filter(condition)
        .order_by("retracted_at", "id")
        .values_list("id", "acled_event_id", "retracted_at")[offset : offset + limit]
    )
    rows = []
    for pk, acled_event_id, retracted_at in retracted:
        row = {
            "event_id_cnty": acled_event_id or own_event_id(pk),
            "deleted_timestamp": int(retracted_at.timestamp()),
        }
        rows.append({name: row[name] for name in fields})
    # Withdrawn incidents, of which nothing but the id is said: no dataset to credit.
    return answer, fields, rows, set()


# --- actor/read, actortype/read, country/read ----------------------------------------------

EVENT_SPAN_COLUMNS = {
    "first_event_date": Column(
        "first_event_date", parse=iso_date, operators=frozenset(COMPARISONS)
    ),
    "last_event_date": Column("last_event_date", parse=iso_date, operators=frozenset(COMPARISONS)),
    "event_count": Column("event_count", parse=whole_number, operators=frozenset(COMPARISONS)),
}


def summary_page(params, groups, columns, fields, row):
    """One page of `groups` (a values() queryset, one row per group, annotated with
    first_event_date, last_event_date and event_count) filtered by `columns`, each turned into
    its answer by `row`."""
    answer = answer_format(params)
    fields = chosen_fields(params, fields)
    offset, limit = page_bounds(params)
    condition = build_conditions(params, {**columns, **EVENT_SPAN_COLUMNS})
    rows = [
        {name: value for name, value in row(group).items() if name in fields}
        for group in groups.filter(condition)[offset : offset + limit]
    ]
    # Counts of published incidents: credited to the datasets of all of them (a remembered
    # value), not to those of each group, which would cost a pass over the incidents counted.
    return answer, fields, rows, published_datasets() if rows else set()


def event_span(incident_path):
    prefix = f"{incident_path}__" if incident_path else ""
    return {
        "first_event_date": Min(f"{prefix}start_date"),
        "last_event_date": Max(f"{prefix}start_date"),
        "event_count": Count(f"{prefix}id" if prefix else "id", distinct=bool(prefix)),
    }


def span_of(group):
    return {
        "first_event_date": group["first_event_date"].isoformat(),
        "last_event_date": group["last_event_date"].isoformat(),
        "event_count": group["event_count"],
    }


def actor_page(params):
    """Actors of published incidents: actor_name, first and last event date, event count."""
    roles = IncidentActor.objects.filter(incident__in=Incident.objects.public())
    groups = (
        roles.values(actor_name=F("actor__name"))
        .annotate(**event_span("incident"))
        .order_by("actor_name")
    )
    return summary_page(
        params,
        groups,
        {"actor_name": Column("actor_name", operators=frozenset({"=", "LIKE"}))},
        ["actor_name", "first_event_date", "last_event_date", "event_count"],
        lambda group: {"actor_name": group["actor_name"], **span_of(group)},
    )


def actor_type_condition(operator, values):
    wanted = {value.lower() for value in values}
    codes = [code for code, name in INTER_WORDS.items() if name.lower() in wanted]
    return Q(actor_type_id__in=codes)


def actor_type_page(params):
    """ACLED's actor types (inter codes 1–8) of published incidents' actors: each role's code
    in its incident (ACLED codes them per event), else its actor's; actors of no known type
    are left out."""
    roles = IncidentActor.objects.filter(incident__in=Incident.objects.public())
    groups = (
        roles.values(
            actor_type_id=Coalesce("actor_type", "actor__actor_type", output_field=IntegerField())
        )
        .filter(actor_type_id__isnull=False)
        .annotate(**event_span("incident"))
        .order_by("actor_type_id")
    )
    return summary_page(
        params,
        groups,
        {
            "actor_type_id": Column(
                "actor_type_id", parse=whole_number, operators=frozenset(EQUAL_ONLY)
            ),
            "actor_type_name": Column(
                None, operators=frozenset(EQUAL_ONLY), condition=actor_type_condition
            ),
        },
        ["actor_type_id", "actor_type_name", "first_event_date", "last_event_date", "event_count"],
        lambda group: {
            "actor_type_id": group["actor_type_id"],
            "actor_type_name": INTER_WORDS[group["actor_type_id"]],
            **span_of(group),
        },
    )


def country_page(params):
    """Countries of published incidents: country, iso (numeric), iso3, first and last event
    date, event count."""
    groups = (
        Incident.objects.public()
        .values(country=F("location__country__name"), iso3=F("location__country__iso3"))
        .annotate(**event_span(""))
        .order_by("country")
    )
    return summary_page(
        params,
        groups,
        {
            "country": Column("country", operators=frozenset({"=", "LIKE"})),
            "iso": Column(
                None,
                operators=frozenset(EQUAL_ONLY),
                condition=lambda operator, values: Q(iso3__in=iso3_codes(values)),
            ),
            "iso3": Column("iso3", operators=frozenset(EQUAL_ONLY)),
        },
        ["country", "iso", "iso3", "first_event_date", "last_event_date", "event_count"],
        lambda group: {
            "country": group["country"],
            "iso": iso_numeric(group["iso3"]),
            "iso3": group["iso3"],
            **span_of(group),
        },
    )


def region_number():
    """ACLED's region number of an incident's country (acled_regions), as a database
    expression, so that regions are grouped and filtered like the other summaries."""
    return Case(
        *(
            When(location__country__iso3__in=countries, then=Value(region))
            for region, countries in REGION_COUNTRIES.items()
        ),
        output_field=IntegerField(),
    )


def region_name_condition(operator, values):
    return Q(region__in=region_codes(operator, values))


def region_page(params):
    """ACLED's world regions of published incidents: region (ACLED's number), region_name,
    first and last event date, event count."""
    groups = (
        Incident.objects.public()
        .values(region=region_number())
        .annotate(**event_span(""))
        .filter(region__isnull=False)
        .order_by("region")
    )
    return summary_page(
        params,
        groups,
        {
            "region": Column("region", parse=whole_number, operators=frozenset(EQUAL_ONLY)),
            "region_name": Column(
                None, operators=frozenset({"=", "LIKE"}), condition=region_name_condition
            ),
        },
        ["region", "region_name", "first_event_date", "last_event_date", "event_count"],
        lambda group: {
            "region": group["region"],
            "region_name": ACLED_REGION_NAMES[group["region"]],
            **span_of(group),
        },
    )
