"""Writing an import's records: IncidentWriter turns each chunk of records into a few bulk
statements (see importing.py for when a record creates, updates or conflicts)."""

from decimal import Decimal
from operator import itemgetter

from django.db import connections, router
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from ..choices import CasualtyOutcome, Status
from ..formatting import web_link
from ..gazetteer import AreaFinder
from ..models import (
    Actor,
    Casualty,
    Citation,
    Incident,
    IncidentActor,
    Location,
    PublicIncidentDay,
    PublicIncidentMonth,
    PublicIncidentYear,
    SearchEntry,
    Source,
    SourceReport,
    Tactic,
    UncitedIncident,
)
from ..models.search import search_entries_upsert
from ..naming import clean_name, known_actors, known_names, name_key
from ..querysets import CASUALTY_TOTAL_FIELDS
from .bulk import RowInserter
from .records import RowError

# How coordinates were stored before migration 0023 (six decimals since).
FIVE_DECIMALS = Decimal("0.00001")


class IncidentWriter:
    """Writes chunks of records with a few bulk statements each, remembering places, actors,
    sources and tactics it has already resolved.

    New incidents go in as rows of values, without a model instance or save() each, and with
    their casualty totals summed here from the very casualty rows written with them
    (casualty_totals), so that no second UPDATE of every new incident brings them in step.
    """

    def __init__(self, importer, report, *, user=None, publish=True, run=None, chunk_size=None):
        self.importer = importer
        self.report = report
        self.user_id = user.pk if user else None
        self.run_id = run.pk if run else None
        self.publish = publish
        self.areas = AreaFinder()
        self.locations = {}
        # {place key: [(level column, name)]}: the areas a place named that it is kept without
        # (a district named without its region and unknown in the country), told on each row.
        self.areas_left_out = {}
        self.actors = None
        self.untyped_actors = None  # ids of the actors without a type
        self.sources = None
        self.tactics = None
        # A bulk.BulkLoad to begin before the first new incidents go in, when the import has one.
        self.bulk_load = None
        # Whether the incident table held no incident when the first chunk came: then no row
        # of the file can find one (a row repeating an earlier row's id is rejected before it
        # is written), and the chunks do not look. Looking cost ~15 µs a row of a big import
        # into an empty table, whose planner statistics still say "empty": PostgreSQL read the
        # whole table, growing with every chunk, instead of using the ids' unique index.
        self.found_nothing_before = None
        # The rows go in through it (on PostgreSQL, in a thread of its own: see RowInserter).
        self.rows = RowInserter(connections[router.db_for_write(Incident)])
        # The size of the import's chunks: after a full one, another probably follows, whose
        # new incidents' ids are taken ahead.
        self.chunk_size = chunk_size

    def write(self, records):
        """Write a chunk of records (see importing.py for when a record creates, updates or
        conflicts), counting what each did in the report."""
        to_create, to_update = self._sort(records)
        location_ids = self._resolve_places(to_create + [record for _, record in to_update])
        if to_create and self.bulk_load:
            self.bulk_load.begin()
        now = timezone.now()
        created_ids = self._create(to_create, location_ids[: len(to_create)], now)
        self._update(to_update, location_ids[len(to_create) :], now)
        written = list(zip(created_ids, to_create, strict=True)) + [
            (incident.pk, record) for incident, record in to_update
        ]
        self._write_children(written)
        if written and self.bulk_load and self.bulk_load.writes_search_entries:
            self.rows.execute_after(*search_entries_upsert([pk for pk, _record in written]))
        more_to_come = len(records) == self.chunk_size
        self.rows.send(ids_ahead=(Incident, len(to_create)) if more_to_come and to_create else None)
        self.report.created += len(to_create)
        self.report.updated += len(to_update)

    def _sort(self, records):
        """(the records of new incidents, (incident, record) pairs of incidents to update); the
        unchanged rows and the conflicts are counted in the report.

        One query finds which keys exist and their fingerprints; only the incidents whose row
        changed are read whole (a re-import of an unchanged file reads none)."""
        if self.found_nothing_before is None:
            self.found_nothing_before = not Incident.objects.exists()
        if self.found_nothing_before:
            known, other_ids = {}, {}
        else:
            known = self.importer.find_fingerprints([record.key for record in records])
            other_ids = self._other_ids_in_use(records)
        changed = {
            known[record.key][0]
            for record in records
            if record.key in known and known[record.key][1] != record.fingerprint
        }
        incidents = Incident.objects.select_related("updated_by").in_bulk(changed)
        to_create, to_update = [], []
        for record in records:
            own_pk, fingerprint = known.get(record.key, (None, None))
            taken = [
                gettext("%(column)s %(value)s is incident %(incident)s's")
                % {"column": id_field, "value": value, "incident": holder}
                for id_field, value in record.other_ids.items()
                if (holder := other_ids.get((id_field, value))) not in (None, own_pk)
            ]
            if taken:
                self._conflict(record, "; ".join(taken))
            elif own_pk is None:
                to_create.append(record)
            elif fingerprint == record.fingerprint:
                self.report.unchanged += 1
            elif (incident := incidents[own_pk]).imported_at is None:
                self._conflict(record, gettext("entered here, not imported; kept as it is"))
            elif incident.changed_since_import:
                self._conflict(record, _changed_since_import(incident))
            elif incident.has_public_page and not self.publish:
                self._conflict(record, gettext("public: only a reviewer's import may change it"))
            else:
                to_update.append((incident, record))
        return to_create, to_update

    def _conflict(self, record, reason):
        self.report.conflicts.append(
            gettext("row %(row)s, %(column)s=%(value)s: %(reason)s")
            % {
                "row": record.row,
                "column": self.importer.key_column,
                "value": record.key,
                "reason": reason,
            }
        )

    def _other_ids_in_use(self, records):
        """{(id field, value): incident id} for the other datasets' ids the records carry."""
        in_use = {}
        for id_field in {name for record in records for name in record.other_ids}:
            values = {
                record.other_ids[id_field] for record in records if id_field in record.other_ids
            }
            # Non-empty said, as in Importer.find_fingerprints, for their partial indexes.
            holders = Incident.objects.filter(**{f"{id_field}__in": values}).exclude(
                **{id_field: ""}
            )
            for pk, value in holders.values_list("pk", id_field):
                in_use[id_field, value] = pk
        return in_use

    def _imported_values(self, record, location_id, now):
        """{attname: value} of the incident columns an import writes, for a new incident or an
        update (IMPORTED_FIELDS and the casualty totals)."""
        return {
            "title": record.title[:300],
            "narrative": record.narrative,
            "start_date": record.start_date,
            "end_date": record.end_date,
            "date_precision": record.date_precision,
            "location_id": location_id,
            "geo_precision": record.geo_precision,
            "event_type_id": record.event_type,
            "sub_event_type_id": record.sub_event_type,
            "civilian_targeting": record.civilian_targeting,
            "source_updated_at": record.source_updated_at,
            "dataset_fields": record.dataset_fields,
            "import_run_id": self.run_id,
            **record.other_ids,
            "import_fingerprint": record.fingerprint,
            # The same instant for both: a later change by anyone makes updated_at the later one.
            "imported_at": now,
            "updated_at": now,
            "updated_by_id": self.user_id,
            **casualty_totals(record.casualties),
        }

    def _create(self, records, location_ids, now):
        """Insert the new incidents of the records, at their places' ids; returns their ids."""
        if not records:
            return []
        columns = [field.attname for field in Incident._meta.concrete_fields]
        columns.remove(Incident._meta.pk.attname)
        # Every other column as a new incident has it (model defaults, workflow state).
        template = Incident(created_at=now, created_by_id=self.user_id)
        if self.publish:
            template.status = Status.PUBLISHED
            template.published_at, template.published_by_id = now, self.user_id
        defaults = {name: getattr(template, name) for name in columns}
        key_field = self.importer.key_field
        values = itemgetter(*columns)
        rows = []
        for record, location_id in zip(records, location_ids, strict=True):
            imported = self._imported_values(record, location_id, now)
            rows.append(values({**defaults, key_field: record.key, **imported}))
        return self.rows.insert(Incident, columns, rows, returning_ids=True)

    def _update(self, pairs, location_ids, now):
        """Update the incidents of (incident, record) pairs, replacing their
        casualties, source reports, actors, citations and tactics (written again by
        _write_children), and moving their version on: an analyst's edit opened before the
        import is then refused as stale, not written over it."""
        if not pairs:
            return
        ids = [incident.pk for incident, _ in pairs]
        # Before the update: deleting casualty rows refreshes the totals, which it then sets.
        Casualty.objects.filter(incident__in=ids).delete()
        SourceReport.objects.filter(incident__in=ids).delete()
        IncidentActor.objects.filter(incident__in=ids).delete()
        Citation.objects.filter(incident__in=ids).delete()
        Incident.tactics.through.objects.filter(incident__in=ids).delete()
        incidents = []
        for (incident, record), location_id in zip(pairs, location_ids, strict=True):
            for name, value in self._imported_values(record, location_id, now).items():
                setattr(incident, name, value)
            incident.version = F("version") + 1
            incidents.append(incident)
        Incident.objects.bulk_update(
            incidents, [*IMPORTED_FIELDS, *CASUALTY_TOTAL_FIELDS, "version"]
        )

    def _write_children(self, pairs):
        """The coded figures, source reports, actor roles, citations and tactics of (incident
        id, record) pairs. Choices (group, outcome, role …) go as they are: a Choices member's
        str() is a Python call, and copy_statement makes the text of each distinct value once."""
        casualties, reports, roles, citations, tactics = [], [], [], [], []
        for incident_id, record in pairs:
            for item in record.casualties:
                casualties.append(
                    (
                        incident_id,
                        item.group,
                        item.outcome,
                        item.low,
                        item.best,
                        item.high,
                        item.high_open,
                        item.note,
                    )
                )
            for item in record.reports:
                reports.append(
                    (
                        incident_id,
                        item.group,
                        item.outcome,
                        self._source(item),
                        item.qualifier,
                        item.figure,
                        item.figure_high,
                        item.quote,
                    )
                )
            seen_roles = set()
            for item in record.actors:
                actor_id = self._actor(item)
                if (actor_id, item.role) not in seen_roles:
                    seen_roles.add((actor_id, item.role))
                    roles.append((incident_id, actor_id, item.role, item.role_type))
            for item in record.citations:
                citations.append(
                    (
                        incident_id,
                        self._source(item),
                        # Only a web address is kept: a link to anything else is never shown.
                        web_link(item.url)[:500],
                        item.title[:500],
                        item.published_on,
                        item.excerpt,
                    )
                )
            for name in dict.fromkeys(record.tactics):
                tactics.append((incident_id, self._tactic(name)))
        # The incidents' totals went in with them, summed from these same rows (casualty_totals).
        self.rows.insert(
            Casualty,
            ["incident_id", "group", "outcome", "low", "best", "high", "high_open", "note"],
            casualties,
        )
        self.rows.insert(
            SourceReport,
            [
                "incident_id",
                "group",
                "outcome",
                "source_id",
                "qualifier",
                "figure",
                "figure_high",
                "quote",
            ],
            reports,
        )
        self.rows.insert(IncidentActor, ["incident_id", "actor_id", "role", "actor_type"], roles)
        self.rows.insert(
            Citation,
            ["incident_id", "source_id", "url", "title", "published_on", "excerpt"],
            citations,
        )
        self.rows.insert(Incident.tactics.through, ["incident_id", "tactic_id"], tactics)

    def _reason(self):
        return f"{self.importer.format_name.upper()} import"

    # --- things a row names, found or created once per import ---------------------------

    def _resolve_places(self, records):
        """Find or create the places of records not met before: one query for those already
        in the database and one insert for the rest, per chunk rather than per place (a real
        ACLED file names thousands of places), and so for their admin areas, level by level
        (AreaFinder.hierarchies). Returns the location id of each record."""
        keys = [place_key(record.place) for record in records]
        new = {}
        for key, record in zip(keys, records, strict=True):
            if key not in self.locations:
                new.setdefault(key, record.place)
        if new:
            self._create_places(new)
        for key, record in zip(keys, records, strict=True):
            for column, name in self.areas_left_out.get(key, ()):
                self.report.warnings.append(
                    RowError(
                        record.row,
                        column,
                        name,
                        gettext(
                            "named without the area above it and not known in the country: the "
                            "place is kept without it"
                        ),
                    )
                )
        return [self.locations[key] for key in keys]

    def _create_places(self, new):
        """Find or create the places of `new` ({place_key: PlaceRecord}), remembered in
        self.locations."""
        # A place is the same when all of these are: what get_or_create would match on.
        keys_by_values = {}
        hierarchies = self.areas.hierarchies(
            [(p.country_iso3, p.admin1, p.admin2, p.admin3) for p in new.values()]
        )
        for (key, place), (country, admin1, admin2, admin3) in zip(
            new.items(), hierarchies, strict=True
        ):
            if admin3 is not None and admin2 is None:
                admin3 = None  # an admin3 cannot hang without its admin2
            left_out = [
                (self.importer.area_columns[column], name)
                for column, name, area in (
                    ("admin2", place.admin2, admin2),
                    ("admin3", place.admin3, admin3),
                )
                if name.strip() and area is None
            ]
            if left_out:
                self.areas_left_out[key] = left_out
            values = (
                country.pk,
                admin1.pk if admin1 else None,
                admin2.pk if admin2 else None,
                admin3.pk if admin3 else None,
                place.name.strip()[: Location._meta.get_field("name").max_length],
                place.latitude,
                place.longitude,
            )
            keys_by_values.setdefault(values, []).append(key)
        found = Location.objects.filter(
            country__in={values[0] for values in keys_by_values},
            name__in={values[4] for values in keys_by_values},
        ).order_by("-pk")  # the oldest last, so that it is the one kept
        pks = {values[1:]: values[0] for values in found.values_list("pk", *LOCATION_FIELDS)}
        missing = [values for values in keys_by_values if values not in pks]
        if missing:
            missing = self._refine_coordinates(missing, pks)
        if missing:
            created = [
                Location(**dict(zip(LOCATION_FIELDS, values, strict=True))) for values in missing
            ]
            for location in created:
                location.fill_hierarchy()  # what Location.save() does, which bulk_create skips
            Location.objects.bulk_create(created)
            pks.update(zip(missing, (location.pk for location in created), strict=True))
        for values, keys in keys_by_values.items():
            for key in keys:
                self.locations[key] = pks[values]

    @staticmethod
    def _refine_coordinates(missing, pks):
        """The places of `missing` not stored before with their coordinates rounded to five
        decimals: places imported before coordinates kept six (migration 0023) are the same
        places, now known more finely, and take the file's coordinates rather than a twin."""
        left = []
        for values in missing:
            rounded = (*values[:5], *(value.quantize(FIVE_DECIMALS) for value in values[5:]))
            pk = pks.get(rounded)
            if rounded == values or pk is None:
                left.append(values)
                continue
            Location.objects.filter(pk=pk).update(latitude=values[5], longitude=values[6])
            pks[values] = pk
        return left

    def _actor(self, item):
        # Matched by name_key (case, accents, punctuation) on names and aliases, so that a
        # file's spelling of a known group finds it instead of making a near-copy.
        if self.actors is None:
            self.actors = known_actors()
            self.untyped_actors = set(
                Actor.objects.filter(actor_type__isnull=True).values_list("pk", flat=True)
            )
        key = name_key(item.name)
        if key not in self.actors:
            # A new actor takes the type its row gives, or none (ACLED's associated actors):
            # a type is never guessed.
            actor = Actor.objects.create(
                name=clean_name(item.name)[: Actor._meta.get_field("name").max_length],
                actor_type=item.actor_type,
            )
            self.actors[key] = actor.pk
            if item.actor_type is None:
                self.untyped_actors.add(actor.pk)
        actor_id = self.actors[key]
        if item.actor_type is not None and actor_id in self.untyped_actors:
            # The first type a row gives an actor without one becomes its own: one statement
            # per such actor, not per row.
            Actor.objects.filter(pk=actor_id).update(actor_type=item.actor_type)
            self.untyped_actors.discard(actor_id)
        return actor_id

    def _source(self, item):
        if self.sources is None:
            self.sources = known_names(Source.objects.values_list("name", "pk"))
        key = name_key(item.source)
        if key not in self.sources:
            source = Source.objects.create(
                name=clean_name(item.source)[: Source._meta.get_field("name").max_length],
                scale=item.scale,
            )
            self.sources[key] = source.pk
        return self.sources[key]

    def _tactic(self, name):
        if self.tactics is None:
            self.tactics = {n.lower(): pk for n, pk in Tactic.objects.values_list("name", "pk")}
        key = name.strip().lower()
        if key not in self.tactics:
            self.tactics[key] = Tactic.objects.create(name=name.strip()[:100]).pk
        return self.tactics[key]


def child_models():
    """The models of an incident's rows that an import writes beside it."""
    return [Casualty, SourceReport, IncidentActor, Citation, Incident.tactics.through]


def bulk_written_tables():
    """The tables an import fills in bulk (and the actors it names), whose planner statistics
    it leaves out of date: with the public count tables, which the incidents' triggers fill
    (a new place or day each adds a row) and the list's counts and facets read, and the search
    entries and the uncited incidents, which triggers fill too (PostgreSQL, the only database
    this is used on)."""
    models = [
        Incident,
        *child_models(),
        Location,
        Actor,
        PublicIncidentDay,
        PublicIncidentMonth,
        PublicIncidentYear,
        SearchEntry,
        UncitedIncident,
    ]
    return [model._meta.db_table for model in models]


def _changed_since_import(incident):
    if incident.updated_by is None:
        text = gettext("changed on %(date)s since its import; kept that version")
    else:
        text = gettext("changed by %(user)s on %(date)s since its import; kept that version")
    return text % {
        "user": incident.updated_by,
        "date": date_format(incident.updated_at, "DATE_FORMAT"),
    }


def place_key(place):
    """What tells two of a file's places apart: names compared without case or spaces around."""
    return (
        place.country_iso3,
        place.admin1.strip().lower(),
        place.admin2.strip().lower(),
        place.admin3.strip().lower(),
        place.name.strip().lower(),
        place.latitude,
        place.longitude,
    )


# The columns _resolve_places matches a place on, in the order of its tuples.
LOCATION_FIELDS = [
    "country_id",
    "admin1_id",
    "admin2_id",
    "admin3_id",
    "name",
    "latitude",
    "longitude",
]


def casualty_totals(casualties):
    """{total field: value}: an incident's killed and injured low / best / high as the sums
    of its casualty records by outcome, None for an outcome no record reports (unknown): what
    IncidentQuerySet.refresh_casualty_totals computes from the rows in the database."""
    totals = dict.fromkeys(CASUALTY_TOTAL_FIELDS)
    for item in casualties:
        names = TOTAL_FIELDS.get(item.outcome)
        if names is None:
            continue
        for name, value in zip(names, (item.low, item.best, item.high), strict=True):
            totals[name] = value if totals[name] is None else totals[name] + value
    return totals


# The total fields of an outcome: its low, best and high.
TOTAL_FIELDS = {
    CasualtyOutcome.KILLED: ("killed_low", "killed_best", "killed_high"),
    CasualtyOutcome.INJURED: ("injured_low", "injured_best", "injured_high"),
}


# The incident fields an import writes (and a re-import updates), besides the casualty totals.
IMPORTED_FIELDS = [
    "title",
    "narrative",
    "start_date",
    "end_date",
    "date_precision",
    "location",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "source_updated_at",
    "acled_event_id",
    "ucdp_id",
    "gtd_event_id",
    "dataset_fields",
    "import_run",
    "import_fingerprint",
    "imported_at",
    "updated_at",
    "updated_by",
]
