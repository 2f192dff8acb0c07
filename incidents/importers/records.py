"""What an import handles: a dataset row in incidentdb's terms (IncidentRecord and the records
it holds), what is wrong with a row (RowError), and what an import did (ImportReport)."""

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext

from ..choices import ReportQualifier, SourceScale
from ..formatting import format_count


@dataclass
class RowError:
    row: int  # the row as a spreadsheet numbers it: the header is row 1
    column: str
    value: str
    reason: str

    def __str__(self):
        # In the language active when it is shown; `reason` is in the one active when found
        # (an import's, runs.py).
        return gettext("row %(row)s, %(column)s=%(value)s: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "value": repr(self.value),
            "reason": self.reason,
        }


class RowInvalid(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def unguarded_repr(cls):
    """The dataclass with the __repr__ that dataclasses wrote for it, without the guard put
    around it against a record holding itself (none does). The text is the same; the
    fingerprint is the repr of a row's every record, and the guard was a third of its time."""
    cls.__repr__ = getattr(cls.__repr__, "__wrapped__", cls.__repr__)
    return cls


@unguarded_repr
@dataclass
class PlaceRecord:
    country_iso3: str
    name: str
    latitude: Decimal
    longitude: Decimal
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""


@dataclass(repr=False)
class ActorRecord:
    """An actor in a role. `actor_type` is the type a new actor gets (None: none given);
    `role_type` the type the row codes for this role, kept on the role (ACLED's inter1 /
    inter2, which ACLED codes per event); None when the row codes none."""

    name: str
    role: str
    actor_type: int | None = None
    role_type: int | None = None

    def __repr__(self):
        # The dataclass's repr, with role_type only when there is one: a row that codes none
        # (UCDP's, GTD's) keeps the fingerprint (the repr of its records) its earlier imports
        # stored, and is not taken for a changed row; an ACLED row's changes, and its incident
        # is written again once, with its roles' codes.
        text = f"ActorRecord(name={self.name!r}, role={self.role!r}, actor_type={self.actor_type!r}"
        if self.role_type is not None:
            text += f", role_type={self.role_type!r}"
        return text + ")"


@unguarded_repr
@dataclass
class CasualtyRecord:
    """A coded figure."""

    group: str
    outcome: str
    low: int
    best: int
    high: int
    high_open: bool = False
    note: str = ""


@unguarded_repr
@dataclass
class ReportRecord:
    """What a source (the dataset itself, for an import) said about one group and outcome."""

    group: str
    outcome: str
    source: str
    qualifier: str
    figure: int | None
    figure_high: int | None = None
    quote: str = ""
    scale: str = SourceScale.OTHER

    @classmethod
    def of_figure(cls, casualty, source, quote=""):
        """The dataset's report of a coded figure: exactly best, or the range low–high."""
        exact = casualty.low == casualty.best == casualty.high
        return cls(
            group=casualty.group,
            outcome=casualty.outcome,
            source=source,
            qualifier=ReportQualifier.EXACT if exact else ReportQualifier.RANGE,
            figure=casualty.best if exact else casualty.low,
            figure_high=None if exact else casualty.high,
            quote=quote,
        )


@unguarded_repr
@dataclass
class CitationRecord:
    source: str
    scale: str = SourceScale.OTHER
    url: str = ""
    title: str = ""
    published_on: date | None = None
    excerpt: str = ""


@unguarded_repr
@dataclass
class IncidentRecord:
    """One row of a dataset in incidentdb's terms."""

    row: int
    key: str
    title: str
    start_date: date
    date_precision: int
    place: PlaceRecord
    geo_precision: int
    event_type: str
    sub_event_type: str | None = None
    end_date: date | None = None
    narrative: str = ""
    civilian_targeting: bool = False
    actors: list[ActorRecord] = field(default_factory=list)
    casualties: list[CasualtyRecord] = field(default_factory=list)
    reports: list[ReportRecord] = field(default_factory=list)
    citations: list[CitationRecord] = field(default_factory=list)
    tactics: list[str] = field(default_factory=list)
    source_updated_at: object = None  # an aware datetime, when the dataset says
    # Identifiers in the other datasets, e.g. {"ucdp_id": "497710"} on an ACLED row.
    other_ids: dict = field(default_factory=dict)
    # What the row says that no field of ours holds, column by column as the dataset wrote it
    # (Incident.dataset_fields).
    dataset_fields: dict = field(default_factory=dict)

    @cached_property
    def fingerprint(self):
        """A hash of everything the row says, to tell an unchanged row from a changed one.

        The dataclasses' repr spells out every field and nested record in a fixed order. The
        text is repr(replace(self, row=0)), made without copying the record (a copy cost a
        tenth of the time to read a row): `row`, the first field, is swapped in the repr.
        (Django's cached_property: functools' takes a lock on the first read of each record.)
        """
        name, text = type(self).__qualname__, repr(self)
        head = f"{name}(row={self.row!r}, "
        text = f"{name}(row=0, {text[len(head) :]}" if text.startswith(head) else None
        return hashlib.sha256((text or repr(replace(self, row=0))).encode()).hexdigest()


def record_as_values(record):
    """The record, with its fingerprint, as nested tuples and lists of plain values (str, int,
    bool, None, dict), which `marshal` turns into bytes and back several times faster than
    pickle does the records: how the import's checking process (importing.CheckingProcess)
    sends them. record_from_values() makes the record again: equal to this one, with the same
    fingerprint; its choices are plain values (ActorRole.TARGET as "target"), which compare,
    hash and print as the members do.

    Every field of every record class is listed here: a field added to one must be added here
    and in record_from_values (tests/incidents/test_importing.py checks both)."""
    place = record.place
    return (
        record.row,
        record.key,
        record.title,
        record.start_date.toordinal(),
        int(record.date_precision),
        (
            _plain(place.country_iso3),
            place.name,
            str(place.latitude),
            str(place.longitude),
            place.admin1,
            place.admin2,
            place.admin3,
        ),
        int(record.geo_precision),
        _plain(record.event_type),
        _plain(record.sub_event_type),
        _ordinal(record.end_date),
        record.narrative,
        record.civilian_targeting,
        [
            (
                actor.name,
                _plain(actor.role),
                None if actor.actor_type is None else int(actor.actor_type),
                None if actor.role_type is None else int(actor.role_type),
            )
            for actor in record.actors
        ],
        [
            (
                _plain(item.group),
                _plain(item.outcome),
                item.low,
                item.best,
                item.high,
                item.high_open,
                item.note,
            )
            for item in record.casualties
        ],
        [
            (
                _plain(item.group),
                _plain(item.outcome),
                item.source,
                _plain(item.qualifier),
                item.figure,
                item.figure_high,
                item.quote,
                _plain(item.scale),
            )
            for item in record.reports
        ],
        [
            (
                item.source,
                _plain(item.scale),
                item.url,
                item.title,
                _ordinal(item.published_on),
                item.excerpt,
            )
            for item in record.citations
        ],
        record.tactics,
        None if record.source_updated_at is None else record.source_updated_at.isoformat(),
        record.other_ids,
        record.dataset_fields,
        record.fingerprint,
    )


def record_from_values(values):
    """The IncidentRecord of record_as_values(record)'s values, its fingerprint included."""
    (
        row,
        key,
        title,
        start_date,
        date_precision,
        place,
        geo_precision,
        event_type,
        sub_event_type,
        end_date,
        narrative,
        civilian_targeting,
        actors,
        casualties,
        reports,
        citations,
        tactics,
        source_updated_at,
        other_ids,
        dataset_fields,
        fingerprint,
    ) = values
    country_iso3, name, latitude, longitude, admin1, admin2, admin3 = place
    record = IncidentRecord(
        row,
        key,
        title,
        _from_ordinal(start_date),
        date_precision,
        PlaceRecord(
            country_iso3, name, Decimal(latitude), Decimal(longitude), admin1, admin2, admin3
        ),
        geo_precision,
        event_type,
        sub_event_type,
        None if end_date is None else _from_ordinal(end_date),
        narrative,
        civilian_targeting,
        [ActorRecord(*actor) for actor in actors],
        [CasualtyRecord(*item) for item in casualties],
        [ReportRecord(*item) for item in reports],
        [
            CitationRecord(
                source, scale, url, title, None if day is None else _from_ordinal(day), excerpt
            )
            for source, scale, url, title, day, excerpt in citations
        ],
        tactics,
        None if source_updated_at is None else datetime.fromisoformat(source_updated_at),
        other_ids,
        dataset_fields,
    )
    record.__dict__["fingerprint"] = fingerprint  # what cached_property keeps
    return record


def _plain(text):
    # A TextChoices member as its plain str (marshal takes only str itself); None stays None.
    return None if text is None else str.__str__(text)


def _ordinal(day):
    return None if day is None else day.toordinal()


_from_ordinal = date.fromordinal


@dataclass
class ImportReport:
    format: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    # Rows that probably duplicate an existing incident (resemblance.LikelyDuplicate), found
    # by a dry run.
    likely_duplicates: list = field(default_factory=list)
    # Rows imported all the same, with something an analyst should look at (a place outside
    # its country's outline).
    warnings: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def rejected_rows(self):
        return sorted({error.row for error in self.rejected})

    def summary(self):
        """The one line a person reads at the end of an import, in the active language."""
        conflicts, rejected, warnings = (
            len(self.conflicts),
            len(self.rejected_rows),
            len(self.warnings),
        )
        # Each part names its own count ("2 created, 0 updated"), so that each agrees with it.
        counts = [
            ngettext("%(count)s created", "%(count)s created", self.created)
            % {"count": format_count(self.created)},
            ngettext("%(count)s updated", "%(count)s updated", self.updated)
            % {"count": format_count(self.updated)},
            ngettext("%(count)s unchanged", "%(count)s unchanged", self.unchanged)
            % {"count": format_count(self.unchanged)},
            ngettext("%(count)s conflict", "%(count)s conflicts", conflicts)
            % {"count": format_count(conflicts)},
            ngettext("%(count)s rejected", "%(count)s rejected", rejected)
            % {"count": format_count(rejected)},
        ]
        if warnings:
            counts.append(
                ngettext("%(count)s warning", "%(count)s warnings", warnings)
                % {"count": format_count(warnings)}
            )
        if self.likely_duplicates:
            duplicates = len(self.likely_duplicates)
            counts[-1] += ngettext(
                "; %(count)s probably already entered",
                "; %(count)s probably already entered",
                duplicates,
            ) % {"count": format_count(duplicates)}
        if self.dry_run:
            outcome = gettext("dry run, nothing written")
        elif not self.written:
            outcome = gettext("nothing written: fix the rejected rows or use --skip-invalid")
        else:
            outcome = gettext("written")
        return gettext("%(format)s import, %(rows)s: %(counts)s (%(outcome)s).") % {
            "format": self.format.upper(),
            "rows": ngettext("%(count)s row", "%(count)s rows", self.rows)
            % {"count": format_count(self.rows)},
            "counts": ", ".join(counts),
            "outcome": outcome,
        }
