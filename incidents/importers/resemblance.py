"""The existing incidents an import's rows probably duplicate: the same event typed by hand or
imported from another dataset (an ACLED row of an attack UCDP's import already brought in).

The rule is incidents/duplicates.py's, applied to a file's records: within
DUPLICATE_DISTANCE_KM of the row's place, periods that overlap once each date's precision is
taken into account, and the same event type or an actor in common. The incident a row updates
(the same dataset id) is no duplicate of it, nor is a retracted incident, nor anything the
import itself writes; rows of one file that resemble each other are not looked for.

A file of 100,000 rows must be checked in about the time it takes to read it, so nothing here
runs a query per row. The places are read once into a grid of cells (one query), each place's
incidents the first time a row falls near it (one query per chunk of rows, for the places no
earlier chunk needed), and the actors of the candidates left once a chunk's candidates are
known (one query more): a few queries per chunk of rows, and no incident read twice.
"""

import csv
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Max
from django.utils.translation import gettext

from ..choices import Status
from ..duplicates import DUPLICATE_DISTANCE_KM, SHOWN, period, periods_overlap
from ..models import Incident, IncidentActor, Location
from ..models.places import EARTH_RADIUS_KM
from ..naming import known_actors, name_key
from ..taxonomy import event_type_label, sub_event_type_label
from .bulk import batched
from .reading import open_table
from .records import RowInvalid

# The grid's cells, in degrees: a cell is taller than DUPLICATE_DISTANCE_KM, so a row's near
# places are in its own row of cells and the one above and below.
CELL_DEGREES = 0.25
# Places whose incidents are read in one query.
PLACES_PER_QUERY = 500


@dataclass
class LikelyDuplicate:
    """A row of a file, and the existing incidents it probably duplicates (nearest in time
    first): [(id, "2023-09-15 · Kouakourou · Armed clash")]."""

    row: int
    key_column: str
    key: str
    incidents: list = field(default_factory=list)

    def __str__(self):
        found = "; ".join(
            gettext("incident %(id)s (%(label)s)") % {"id": pk, "label": label}
            for pk, label in self.incidents
        )
        return gettext("row %(row)s, %(column)s=%(value)s: probably %(incidents)s") % {
            "row": self.row,
            "column": self.key_column,
            "value": self.key,
            "incidents": found,
        }

    def as_dict(self):
        return {"row": self.row, "key": self.key, "incidents": self.incidents}


@dataclass(frozen=True)
class _Candidate:
    pk: int
    first: object  # the first and last day it may have happened on (duplicates.period)
    last: object
    start_date: object
    event_type_id: str
    key: str


class _Timeline:
    """The incidents at one place, in the order of their periods' first days, so that those
    overlapping a period are found by bisection: a place's hundreds of incidents over the
    years are not each compared with every row there."""

    def __init__(self, candidates):
        self.candidates = sorted(candidates, key=lambda candidate: candidate.first)
        self.firsts = [candidate.first for candidate in self.candidates]
        # No period here is longer: none starting before `first - longest` can reach `first`.
        self.longest = max((c.last - c.first for c in candidates), default=timedelta(0))

    def overlapping(self, first, last):
        """The candidates whose period shares a day with first–last."""
        start = bisect_left(self.firsts, first - self.longest)
        end = bisect_right(self.firsts, last)
        return [
            c
            for c in self.candidates[start:end]
            if periods_overlap((first, last), (c.first, c.last))
        ]


class DuplicateFinder:
    """Finds, chunk by chunk, the existing incidents each record probably duplicates."""

    def __init__(self, importer, run=None):
        self.importer = importer
        # An admin run's own incidents, once it is imported, are its rows, not duplicates.
        self.run = run
        # Incidents the import writes later come after this id: they are never candidates.
        self.last_existing = Incident.objects.aggregate(last=Max("pk"))["last"] or 0
        self.cells = None  # {(lat cell, lon cell): [(place id, lat, lon)]}
        self.at_place = {}  # {place id: _Timeline}, for the places read so far
        self.actors = None  # {name_key: actor id}, names and aliases
        self.labels = {}  # {incident id: its label}, for those found so far

    def find(self, records):
        """[LikelyDuplicate] of the records that probably duplicate an existing incident."""
        if not self.last_existing:
            return []
        near = {id(record): self._places_near(record.place) for record in records}
        self._read_places({pk for places in near.values() for pk in places})
        found = {}  # id(record): [_Candidate], of the same place and period
        for record in records:
            first, last = period(record.start_date, record.end_date, record.date_precision)
            candidates = [
                candidate
                for place in near[id(record)]
                for candidate in self.at_place[place].overlapping(first, last)
                if candidate.key != record.key
            ]
            if candidates:
                found[id(record)] = candidates
        if not found:
            return []
        sharing = self._sharing_an_actor(records, found)
        results = []
        for record in records:
            alike = [
                candidate
                for candidate in found.get(id(record), [])
                if candidate.event_type_id == record.event_type
                or (id(record), candidate.pk) in sharing
            ]
            if alike:
                alike.sort(key=lambda c: (abs((c.start_date - record.start_date).days), c.pk))
                results.append((record, [candidate.pk for candidate in alike[:SHOWN]]))
        return self._described(results)

    # --- places ------------------------------------------------------------------------------

    def _places_near(self, place):
        """The ids of the existing places within DUPLICATE_DISTANCE_KM of a record's place."""
        if self.cells is None:
            self.cells = defaultdict(list)
            for pk, latitude, longitude in Location.objects.values_list(
                "pk", "latitude", "longitude"
            ).order_by():
                latitude, longitude = float(latitude), float(longitude)
                self.cells[_cell(latitude), _cell(longitude)].append((pk, latitude, longitude))
        latitude, longitude = float(place.latitude), float(place.longitude)
        # The longitudes the circle spans widen towards the poles (a cell spans less there).
        cos_latitude = max(math.cos(math.radians(latitude)), 0.01)
        span = math.degrees(DUPLICATE_DISTANCE_KM / EARTH_RADIUS_KM / cos_latitude)
        lat_cell = _cell(latitude)
        near = []
        for lon_cell in range(_cell(longitude - span), _cell(longitude + span) + 1):
            for row in (lat_cell - 1, lat_cell, lat_cell + 1):
                for pk, other_lat, other_lon in self.cells.get((row, lon_cell), ()):
                    if _km(latitude, longitude, other_lat, other_lon) <= DUPLICATE_DISTANCE_KM:
                        near.append(pk)
        return near

    def _read_places(self, places):
        """Read the incidents at the places not read before, PLACES_PER_QUERY a query."""
        new = sorted(place for place in places if place not in self.at_place)
        key_field = self.importer.key_field
        read = defaultdict(list)
        for batch in batched(new, PLACES_PER_QUERY):
            incidents = Incident.objects.filter(location__in=batch, pk__lte=self.last_existing)
            if self.run is not None:
                incidents = incidents.exclude(import_run=self.run)
            rows = (
                incidents.exclude(status=Status.RETRACTED)
                .order_by()
                .values_list(
                    "pk",
                    "location_id",
                    "start_date",
                    "end_date",
                    "date_precision",
                    "event_type_id",
                    key_field,
                )
            )
            for pk, place, start_date, end_date, precision, event_type_id, key in rows:
                first, last = period(start_date, end_date, precision)
                read[place].append(_Candidate(pk, first, last, start_date, event_type_id, key))
        for place in new:
            self.at_place[place] = _Timeline(read[place])

    # --- actors ------------------------------------------------------------------------------

    def _sharing_an_actor(self, records, found):
        """{(id(record), candidate id)} where the record names an actor of the candidate (by
        its name or an alias, as the import would match it). One query for the chunk."""
        if self.actors is None:
            self.actors = known_actors()
        named = {}
        for record in records:
            actor_ids = {self.actors.get(name_key(actor.name)) for actor in record.actors}
            actor_ids.discard(None)
            if actor_ids and id(record) in found:
                named[id(record)] = actor_ids
        if not named:
            return set()
        candidates = {c.pk for key in named for c in found[key]}
        actors = {actor for ids in named.values() for actor in ids}
        roles = defaultdict(set)
        for batch in batched(sorted(candidates), PLACES_PER_QUERY * 2):
            for incident_id, actor_id in IncidentActor.objects.filter(
                incident__in=batch, actor__in=actors
            ).values_list("incident_id", "actor_id"):
                roles[incident_id].add(actor_id)
        return {
            (key, candidate.pk)
            for key, actor_ids in named.items()
            for candidate in found[key]
            if roles[candidate.pk] & actor_ids
        }

    def _described(self, results):
        """LikelyDuplicates with each incident's label ("date · place · type", as
        Incident.__str__ writes it): one query for the incidents no earlier chunk labelled."""
        labels = self.labels
        new = sorted({pk for _record, found in results for pk in found if pk not in labels})
        for batch in batched(new, PLACES_PER_QUERY * 2):
            # Values rather than model instances: a busy place is named on thousands of rows.
            rows = Incident.objects.filter(pk__in=batch).values_list(
                "pk",
                "start_date",
                "location__name",
                "sub_event_type_id",
                "sub_event_type__name",
                "event_type_id",
                "event_type__name",
            )
            for pk, start_date, place, sub_code, sub_name, code, name in rows:
                # The types by their labels in the report's language.
                kind = sub_event_type_label(sub_code, sub_name) if sub_code else None
                kind = kind or event_type_label(code, name)
                labels[pk] = f"{start_date:%Y-%m-%d} · {place} · {kind}"
        return [
            LikelyDuplicate(
                row=record.row,
                key_column=self.importer.key_column,
                key=record.key,
                incidents=[(pk, labels[pk]) for pk in found],
            )
            for record, found in results
        ]


def _cell(degrees):
    return math.floor(degrees / CELL_DEGREES)


def _km(lat1, lon1, lat2, lon2):
    """The great-circle (haversine) distance, as Location.objects.within_km measures it."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_chord = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half_chord)))


def find_in_file(source, importer, run=None, chunk_size=1000):
    """Every LikelyDuplicate of a file's readable rows, without importing it: what a dry run
    found, for a download of them all (a run's report keeps the first few hundred). `run`, the
    admin's ImportRun of the file: the incidents it imported are left out."""
    finder = DuplicateFinder(importer, run=run)
    found, chunk = [], []
    for row_number, row in open_table(source, importer.missing_columns).rows():
        try:
            chunk.append(importer.parse_row(row, row_number))
        except RowInvalid:
            continue  # a rejected row: the rejects file says why
        if len(chunk) == chunk_size:
            found += finder.find(chunk)
            chunk = []
    return found + finder.find(chunk) if chunk else found


def write_likely_duplicates(found, out, key_column, link=None):
    """The LikelyDuplicates as CSV into `out`, one line per row and incident; `link(pk)`, when
    given, fills a column with the incident's address."""
    writer = csv.writer(out)
    writer.writerow(["row", key_column, "incident_id", "incident", *(["link"] if link else [])])
    for duplicate in found:
        for pk, label in duplicate.incidents:
            extra = [link(pk)] if link else []
            writer.writerow([duplicate.row, duplicate.key, pk, label, *extra])
