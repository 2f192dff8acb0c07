"""Named queries over incidents. `.public()` is the only gate for what the public may see."""

import datetime
import hashlib
import re
from dataclasses import dataclass, replace

from django.apps import apps
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal

from .acled import changed_or_published_at
from .caching import remember
from .choices import ActorRole, ActorType, CasualtyOutcome, Status, ViolenceType
from .credits import DATASETS, source_dataset_condition
from .folding import fold
from .roles import ROLE_NAMES, dataset_condition
from .taxonomy import ARMED_ACTOR_TYPES
from .totals import Totals, sum_totals, totals_aggregates

PERPETRATOR_ROLES = (ActorRole.PERPETRATOR, ActorRole.PERPETRATOR_ASSOCIATE)
TARGET_ROLES = (ActorRole.TARGET, ActorRole.TARGET_ASSOCIATE)

# Counting a million rows takes about 100 ms on PostgreSQL. What the count tables cannot answer
# (incidents/counts.py), when it covers at least this many incidents, is remembered under the
# public data version, so it is never served after a publication or retraction; for at most
# COUNT_CACHE_SECONDS, because names (of places, actors) change without moving the version.
COUNT_CACHE_MIN = 10_000
COUNT_CACHE_SECONDS = 60

# The incident columns derived from its casualty rows by refresh_casualty_totals: each
# outcome's low, best and high estimates.
CASUALTY_TOTAL_FIELDS = [
    "killed_low",
    "killed_best",
    "killed_high",
    "injured_low",
    "injured_best",
    "injured_high",
]


# The place of an incident as list_item_details() reads it, its areas' names and codes beside.
LIST_LOCATION_FIELDS = [
    "id",
    "name",
    "latitude",
    "longitude",
    "country__iso3",
    "country__name",
    "admin1_id",
    "admin1__name",
    "admin1__iso_code",
    "admin2_id",
    "admin2__name",
    "admin2__iso_code",
    "admin3_id",
    "admin3__name",
    "admin3__iso_code",
]


# How deep into a ranked search page_ids() reads rank by rank, and into a search ordered by
# date alone it reads by walking the date index: the first 50 pages of 50. A deeper page of a
# search ordered by date is read from the months of its matches (_page_ids_by_month).
RANK_WALK_ROWS = 2500


@dataclass(frozen=True)
class SearchAreas:
    """The countries and regions (admin1) a public search names whole, whose published
    incidents all match it and are counted in the count tables (incidents/counts.py), and what
    else the search matches: its words, and the places and actors its text names (ids)."""

    countries: tuple  # Country ids
    regions: tuple  # AdminArea ids (admin1)
    words: SearchQuery
    places: tuple
    actors: tuple
    # The counts.Selection the search was made within (the list's other filters: period,
    # countries, regions, event types); counts.Selection() for every public incident.
    selection: object

    @property
    def hold_selection(self):
        """Whether every incident of the selection lies in the named areas, so that all of
        them match the search: `q=Mali&country=MLI`."""
        return bool(
            (self.selection.countries and set(self.selection.countries) <= set(self.countries))
            or (self.selection.regions and set(self.selection.regions) <= set(self.regions))
        )


def _placeholders(values):
    """ "%s, %s, …", one per value, for a raw query's IN (…)."""
    return ", ".join(["%s"] * len(values))


class IncidentQuerySet(models.QuerySet):
    """The incidents' named queries. Other models are reached through the incident's relations
    (_model_at()): models/incidents.py imports this module, which therefore cannot import them
    (nor incidents/counts.py, which imports them: it is imported where it is used)."""

    # The counts.Selection that holds exactly this queryset's incidents, when the count tables
    # can answer for them: set by public() on all incidents and narrowed by IncidentFilterSet
    # (with_count_selection). Any other filter, a slice or a union drops it, because only the
    # methods below that keep the rows pass it on to their clone.
    count_selection = None
    # The search entries (models.SearchEntry) of exactly this queryset's incidents, when it is
    # a search over every public incident or over every incident (PostgreSQL): set by search()
    # and matching_every_word(), so that tally() and start_month_counts() read the narrow
    # search table instead of the wide incident table. Dropped as count_selection is.
    search_entries = None
    # For a search over every public incident that names whole countries or regions (every
    # place of them matches, as "Burkina Faso" names the country's 1,028 places): a
    # SearchAreas, whose incidents tally() counts from the count tables, reading only the
    # matching entries outside them. Dropped as count_selection is.
    search_areas = None
    # For a public search (PostgreSQL) whose text names actors, within the count tables'
    # filters: a counts.ActorFilter of those actors within those filters, whose incidents all
    # match the search, so that counts by actor read them from the actor counts and only the
    # other matches from the entries (counts.searched_actors). Dropped as count_selection is.
    search_actors = None
    # For a search ranked by name on PostgreSQL (_ranked_by_entry): the rank expression it is
    # ordered by first, and the ranks it can take, best first; page_ids() reads a page rank by
    # rank. Dropped as count_selection is.
    name_rank = None
    name_rank_values = ()
    # The ids the rank's arms name exactly (_named_ids()' answer: "place", "area", "actor").
    name_rank_named = None
    # For incidents filtered by actor or actor type beside the count tables' filters
    # (IncidentFilterSet): a counts.ActorFilter, from whose rows tally() counts them on
    # PostgreSQL. Dropped as count_selection is.
    actor_filter = None

    def public(self):
        """Incidents the public may see: published ones. Drafts, reviews and retractions never."""
        from . import counts

        published = self.filter(status=Status.PUBLISHED)
        if not self.query.where and not self.query.is_sliced and not self.query.combinator:
            published.count_selection = counts.Selection()
        return published

    def with_count_selection(self, selection):
        """The same incidents, which `selection` (a counts.Selection or None) holds exactly."""
        clone = self._keeping_selection(self._chain())
        clone.count_selection = selection
        return clone

    def with_actor_filter(self, actor_filter):
        """The same incidents, which `actor_filter` (a counts.ActorFilter) holds exactly."""
        clone = self._keeping_selection(self._chain())
        clone.actor_filter = actor_filter
        return clone

    # The methods that keep the rows, and so the count selection and search entries, of the
    # queryset.
    def _keeping_selection(self, clone):
        clone.count_selection = self.count_selection
        clone.actor_filter = self.actor_filter
        clone.search_entries = self.search_entries
        clone.search_areas = self.search_areas
        clone.search_actors = self.search_actors
        clone.name_rank = self.name_rank
        clone.name_rank_values = self.name_rank_values
        clone.name_rank_named = self.name_rank_named
        return clone

    def all(self):
        return self._keeping_selection(super().all())

    def order_by(self, *field_names):
        ordered = self._keeping_selection(super().order_by(*field_names))
        # Another order is no longer the rank by name (a search sorted by date, by place…).
        ordered.name_rank, ordered.name_rank_values, ordered.name_rank_named = None, (), None
        return ordered

    def select_related(self, *fields):
        return self._keeping_selection(super().select_related(*fields))

    def prefetch_related(self, *lookups):
        return self._keeping_selection(super().prefetch_related(*lookups))

    def defer(self, *fields):
        return self._keeping_selection(super().defer(*fields))

    def only(self, *fields):
        return self._keeping_selection(super().only(*fields))

    def using(self, alias):
        return self._keeping_selection(super().using(alias))

    def retracted(self):
        return self.filter(status=Status.RETRACTED)

    # --- the workbench's queues -------------------------------------------------------------

    def drafts_of(self, user):
        """The drafts an analyst created."""
        return self.filter(status=Status.DRAFT, created_by=user)

    def returned_to(self, user):
        """Drafts a reviewer sent back to the analyst who created or submitted them."""
        return self.filter(status=Status.DRAFT, returned_at__isnull=False).filter(
            Q(created_by=user) | Q(submitted_by=user)
        )

    def waiting_for_review(self):
        return self.filter(status=Status.IN_REVIEW)

    def published_by(self, user):
        """Published incidents the user created, submitted or published."""
        return self.filter(status=Status.PUBLISHED).filter(
            Q(created_by=user) | Q(submitted_by=user) | Q(published_by=user)
        )

    def citing_no_source(self):
        """Incidents without a citation, which cannot be published: the analysts' list of what
        to source (the admin's "No source cited").

        On PostgreSQL, those the database keeps in a table of their own (models.UncitedIncident):
        usually a few drafts, where an anti-join of the incidents and their citations read all
        of them (1.4-2.3 s at a million for the admin's count and page, and longest with none to
        find)."""
        if connections[self.db].vendor == "postgresql":
            return self.filter(pk__in=self._uncited_ids())
        return self.filter(~self._has_citation())

    def citing_a_source(self):
        """Incidents with at least one citation (see citing_no_source)."""
        if connections[self.db].vendor == "postgresql":
            return self.exclude(pk__in=self._uncited_ids())
        return self.filter(self._has_citation())

    def _uncited_ids(self):
        uncited = apps.get_model("incidents", "UncitedIncident").objects.using(self.db)
        return uncited.values("incident_id")

    def _has_citation(self):
        citations = apps.get_model("incidents", "Citation").objects.using(self.db)
        return Exists(citations.filter(incident=OuterRef("pk")))

    # --- filters (used by IncidentFilterSet) ------------------------------------------------

    def in_period(self, date_from=None, date_to=None):
        """Incidents whose dates overlap the period (either end may be open): a multi-day
        incident matches every period it overlaps; one without end_date lasted one day.

        Written as "starts inside the period, or is already under way when it begins" so that
        each branch is an index range (on start_date; the few multi-day ones on end_date).
        """
        if date_from is None:
            return self if date_to is None else self.filter(start_date__lte=date_to)
        starts_inside = Q(start_date__gte=date_from)
        if date_to is not None:
            starts_inside &= Q(start_date__lte=date_to)
        under_way = Q(start_date__lt=date_from, end_date__gte=date_from)
        return self.filter(starts_inside | under_way)

    def involving_actors(self, actors):
        """Incidents in which any of the actors takes part, in any role."""
        return self.filter(self._has_actor(actor__in=actors))

    def involving_actor_types(self, actor_types):
        """Incidents with an actor of any of the ACLED inter codes, in any role.

        The actor's own type is matched, not the code a role was given in one incident (which
        the exports print, see IncidentActor.actor_type): the filter asks which kind of actor
        took part, and the count tables answering it at a million incidents (counts.ActorFilter
        over PublicIncidentActors' role sets, PostgreSQL) hold actors, not their codes per
        event; matching the role's code here would make the list and its counts disagree.
        ACLED's own API filters inter1 / inter2 per event; that is /acled-api/'s to do."""
        return self.filter(self._has_actor(actor__actor_type__in=actor_types))

    def of_violence_types(self, violence_types):
        """Incidents whose UCDP type of violence, derived from the actors' types exactly as
        taxonomy.derive_violence_type does, is any of the given ones."""
        has_actor = self._has_actor
        armed_perpetrator = has_actor(role__in=PERPETRATOR_ROLES, actor__actor_type__in=ARMED)
        armed_target = has_actor(role__in=TARGET_ROLES, actor__actor_type__in=ARMED)
        civilian_target = has_actor(role__in=TARGET_ROLES, actor__actor_type=ActorType.CIVILIANS)
        state_forces = has_actor(actor__actor_type=ActorType.STATE_FORCES)
        conditions = {
            ViolenceType.ONE_SIDED: civilian_target & ~armed_target,
            ViolenceType.STATE_BASED: armed_target & state_forces,
            ViolenceType.NON_STATE: armed_target & ~state_forces,
        }
        wanted = Q()
        for violence_type in violence_types:
            wanted |= conditions[ViolenceType(int(violence_type))]
        return self.filter(armed_perpetrator & wanted)

    def search(self, text, selection=None, entry_condition=None):
        """Incidents whose title or narrative match the words, or whose place (or its admin
        areas or country) or an actor (or an alias) is named by the text. `selection`: the
        counts.Selection these incidents are, when the caller knows it (IncidentFilterSet:
        the list's other filters); else this queryset's count_selection. `entry_condition`:
        a condition on the search entries that holds exactly these public incidents, when the
        caller knows one (IncidentFilterSet.search_entry_condition: the list's other filters,
        actors included), so that the search counts its matches from the entries alone.

        Case and accents never count ("Menaka" finds "Ménaka"; incidents/folding.py).
        PostgreSQL: full-text search over title and narrative (SEARCH_CONFIGURATION: 'simple',
        because the reports mix English and French and place names must not be stemmed, with
        unaccent) in the search entries (models.SearchEntry), after one small query for the
        places and actors the text names: the words, the places and the actors are indexes of
        the entries, ORed into one bitmap. SQLite: a folded contains-search, after two small
        queries that say whether the text names a place or an actor.
        """

        from . import counts

        names_place = self._places_named("contains", text)
        names_actor = self._actors_named("contains", text)
        if connections[self.db].vendor == "postgresql":
            words = SearchQuery(text, config=SEARCH_CONFIGURATION, search_type="websearch")
            # Every place of a country or region whose name contains the text matches, so
            # those areas are named whole.
            areas = {
                "country": self._model_at("location__country").objects.filter(
                    name__fold__contains=text
                ),
                "region": self._model_at("location__admin1").objects.filter(
                    level=1, name__fold__contains=text
                ),
            }
            named = self._named_ids(True, place=names_place, actor=names_actor, **areas)
            matched = self._with_entries(Q(document=words) | _named_arms(named), entry_condition)
            within = self.count_selection if selection is None else selection
            if within is not None:
                matched.search_areas = self._search_areas(words, named, within)
                if named["actor"]:
                    matched.search_actors = counts.ActorFilter(within, tuple(named["actor"]))
            return matched
        words = Q(title__fold__contains=text) | Q(narrative__fold__contains=text)
        # Most searches name no place or actor, so those arms are added only when they match
        # something; each arm is then a set of ids found once.
        named = []
        if names_place.exists():
            named.append(Q(location__in=names_place))
        if names_actor.exists():
            roles = self._model_at("incident_actors").objects.filter(actor__in=names_actor)
            named.append(Q(pk__in=roles.values("incident_id")))
        matches = words
        for arm in named:
            matches |= arm
        return self.filter(matches)

    def _search_areas(self, words, named, selection):
        """The SearchAreas of a public search (PostgreSQL) within `selection` (a
        counts.Selection) whose text named the countries and regions of `named` (_named_ids()'
        answer, with "country" and "region" arms), or None when it names none."""
        if not named["country"] and not named["region"]:
            return None
        return SearchAreas(
            countries=tuple(named["country"]),
            regions=tuple(named["region"]),
            words=words,
            places=tuple(named["place"]),
            actors=tuple(named["actor"]),
            selection=selection,
        )

    def _entries_outside_areas(self, areas=None):
        """The published search entries that match this search (search_areas) outside the
        countries and regions it names whole (or those of `areas`, a SearchAreas of the same
        search): by their words, or by a place or an actor the text names. Two small queries
        first say which of those places and actors lie outside."""
        areas = self.search_areas if areas is None else areas
        in_areas = Q(country__in=areas.countries) | Q(admin1__in=areas.regions)
        places_outside = (
            self._model_at("location")
            .objects.filter(pk__in=areas.places)
            .exclude(in_areas)
            .values_list("pk", flat=True)
        )
        # An actor named by the text whose published incidents all lie in the countries adds
        # none outside them, as the actor counts say (by country, any role): "Burkina Faso"
        # names 42 actors and their 324,000 incidents, all in Burkina Faso, which the entries'
        # actor index would otherwise hand over one by one to be found in the country.
        actor_counts = apps.get_model("incidents", "PublicActorMonth").objects
        actors_outside = (
            actor_counts.filter(actor_id__in=areas.actors, incidents__gt=0)
            .exclude(country_id__in=areas.countries)
            .order_by()
            .values_list("actor_id", flat=True)
            .distinct()
            if areas.actors
            else []
        )
        outside = {"place": list(places_outside), "actor": list(actors_outside)}
        entries = apps.get_model("incidents", "SearchEntry").objects.using(self.db)
        return (
            entries.filter(status=Status.PUBLISHED)
            .filter(Q(document=areas.words) | _named_arms(outside))
            .exclude(_prefixed(in_areas, "location__"))
            .filter(entries_in_selection(areas.selection))
        )

    def _named_ids(self, remembered=False, **arms):
        """{arm: [ids]} of the querysets `arms` (of any model), read in one UNION query: the
        places, actors or incidents a searched text names, which are few. `remembered`: kept
        for COUNT_CACHE_SECONDS under the public data version, as counts are (a public search
        names places and actors, whose names change without moving the version): the query
        folds and compares the names of every place and area, 20-40 ms of each search page
        at a million incidents."""
        parts = [
            names.order_by().values_list(Value(arm), "pk").distinct() for arm, names in arms.items()
        ]
        union = parts[0].union(*parts[1:], all=True)

        def read():
            named = {arm: [] for arm in arms}
            for arm, pk in union:
                named[arm].append(pk)
            return named

        if not remembered:
            return read()
        sql, params = union.query.sql_with_params()
        digest = hashlib.sha256(f"{self.db}|{sql}|{params!r}".encode()).hexdigest()
        return remember(["incident-named", digest], read, COUNT_CACHE_SECONDS)

    def _with_entries(self, condition, public_condition=None):
        """These incidents whose search entry (models.SearchEntry) meets `condition`; when they
        are all public incidents or all incidents, or the public ones whose entries meet
        `public_condition` (a condition on the entries the caller vouches for), the result
        knows its entries (see search_entries)."""
        from . import counts

        entries = (
            apps.get_model("incidents", "SearchEntry").objects.using(self.db).filter(condition)
        )
        # Joined (one entry per incident), not a semi-join: ranked_by_name() orders by the
        # entry's columns.
        matched = self.filter(_prefixed(condition, "search_entry__"))
        if self.count_selection == counts.Selection():
            matched.search_entries = entries.filter(status=Status.PUBLISHED)
        elif not self.query.where:
            matched.search_entries = entries
        elif public_condition is not None:
            # A frequent word with another filter (q=JNIM&country=MLI) counted from the entries,
            # not from the wide incident table joined to them: 950 ms for its first count at a
            # million incidents, most of it reading incidents.
            matched.search_entries = entries.filter(status=Status.PUBLISHED).filter(
                public_condition
            )
        return matched

    def ranked_by_name(self, text):
        """The incidents with those at a place named exactly `text` first (accents and case
        aside: "gao" ranks Gao before Bangao and Pobé Mengao), then those in a district, region
        or country of that name or with an actor (or alias) of that name, then the rest; each
        group newest first. For the search `q`, whose matches include names that only contain
        the text."""
        folded = fold(text.strip())
        places = self._model_at("location").objects.filter(name__fold=folded)
        areas = self._places_named("exact", folded, areas_only=True)
        actors = self._actors_named("exact", folded)
        # Which of the three names anything, in one small query: most searches name no place,
        # area or actor exactly, and then every incident ranks alike and the order is the date's
        # alone, which the database walks from its date index, stopping at the page, instead
        # of ranking and sorting every match (238,000 for `q=JNIM` at a million incidents).
        if connections[self.db].vendor == "postgresql":
            named = self._named_ids(True, place=places, area=areas, actor=actors)
            return self._ranked_by_entry(named)
        roles = self._model_at("incident_actors").objects.filter(actor__in=actors)
        arms = [
            names.order_by().values_list(Value(arm))
            for arm, names in (("place", places), ("area", areas), ("actor", actors))
        ]
        named = {arm for (arm,) in arms[0].union(*arms[1:], all=True)}
        ranks = []
        if "place" in named:
            ranks.append(When(location__in=places, then=Value(0)))
        if "area" in named or "actor" in named:
            ranks.append(
                When(Q(location__in=areas) | Q(pk__in=roles.values("incident_id")), then=Value(1))
            )
        if not ranks:
            return self.order_by("-start_date", "-id")
        return self.order_by(Case(*ranks, default=Value(2)), "-start_date", "-id")

    def _ranked_by_entry(self, named):
        """ranked_by_name() on PostgreSQL, where search() joins each incident's search entry:
        ranked by the entry's place and actors (`named`: _named_ids()' answer). Ranked by the
        incident's own columns, PostgreSQL sorted every one of a million public incidents
        before joining the entries, expecting a page's matches among the first few hundred;
        by the entry's, it sorts the matches only (`q=Mopti`, 63,000: 400 → 150 ms)."""
        ranks = []
        if named["place"]:
            ranks.append(When(search_entry__location__in=named["place"], then=Value(0)))
        area_or_actor = Q()
        if named["area"]:
            area_or_actor |= Q(search_entry__location__in=named["area"])
        if named["actor"]:
            area_or_actor |= Q(search_entry__actor_ids__overlap=named["actor"])
        if area_or_actor:
            ranks.append(When(area_or_actor, then=Value(1)))
        if not ranks:
            return self.order_by("-start_date", "-id")
        rank = Case(*ranks, default=Value(2))
        # The entry's date and id are the incident's: ordered by them, the matches are sorted
        # before any incident is read, and only the page's are.
        ranked = self.order_by(rank, "-search_entry__start_date", "-search_entry__incident_id")
        ranked.name_rank = rank
        ranked.name_rank_values = (*(when.result.value for when in ranks), 2)
        ranked.name_rank_named = named
        return ranked

    def reads_own_pages(self, top):
        """Whether page_ids() reads a page ending at `top` otherwise than by slicing this
        queryset: rank by rank (walks_ranks), from the day a page starts in its first rank
        (_areas_ranked_first), or from the month it starts in (reads_by_month)."""
        return (
            self._areas_ranked_first is not None
            or self.walks_ranks(top)
            or self.reads_by_month(top)
        )

    def reads_by_month(self, top):
        """Whether page_ids() reads a page ending at `top` from the months of this search's
        matches (_page_ids_by_month), a search whose matches are its search entries: ranked by
        the places and areas it names exactly (not by an actor, whose incidents are not
        counted by month) and not walked rank by rank, at any depth (another filter made the
        first page sort every match: `q=Gao&actor=3`, 60,000); ordered by date alone, newest
        first, deeper than RANK_WALK_ROWS."""
        if self.search_entries is None:
            return False
        if self.name_rank is not None:
            return not self.name_rank_named["actor"] and not self.walks_ranks(top)
        return top > RANK_WALK_ROWS and tuple(self.query.order_by) == ("-start_date", "-id")

    def walks_ranks(self, top):
        """Whether page_ids() reads a page ending at `top` rank by rank (see there)."""
        from . import counts

        areas = self.search_areas
        # Another filter may leave the first ranks sparse, and the walk long, unless the
        # search's areas hold all its incidents.
        return (
            self.name_rank is not None
            and areas is not None
            and (areas.selection == counts.Selection() or areas.hold_selection)
            and top <= RANK_WALK_ROWS
        )

    def page_ids(self, bottom, top):
        """The ids of the incidents from `bottom` to `top` (0-based, top excluded) in this
        queryset's order: the rows of a page.

        A search ranked by name (name_rank) is read rank by rank, each newest first, walking
        the incidents' date index and stopping at the page, instead of sorting every match by
        its rank: `q=Burkina Faso` at a million incidents ranks the 368,000 incidents of the
        country before the rest, and sorting them all spilled to disk (300 ms on a quiet
        machine). A later rank starts after the earlier ranks' incidents, counted only when
        the page starts beyond all of them.

        Only for a search naming whole countries or regions (search_areas) with no other filter,
        or only filters within those areas (SearchAreas.hold_selection), whose first ranks are
        then a large share of all incidents, and for a page near the top
        (RANK_WALK_ROWS): each rank's walk reads the date index until the page is full, and
        where another filter leaves a rank sparse or empty, or the page is deep, it read most
        of the index (`q=Mali&country=BFA` 460 → 1,600 ms, the last page of `q=Burkina Faso`
        520 → 1,200 ms). Sorting the matches is then quicker.

        A search whose first rank is exactly the incidents of the areas it names (`Burkina
        Faso`, `Mali`, with or without the list's other counted filters) is read from the day
        its page starts on instead, at any depth (_page_ids_by_day); a search ordered by date
        alone, past RANK_WALK_ROWS, or ranked by the places and areas it names and not walked
        rank by rank, from the month its page starts in (reads_by_month): an OFFSET walked the
        date index through every match before the page (`q=JNIM&page=2000`, 100,000 of them:
        750 ms at a million), and a rank's sort read every match.
        """
        areas = self._areas_ranked_first
        if areas is not None:
            return self._page_ids_by_day(bottom, top, areas)
        if self.reads_by_month(top):
            if self.name_rank is not None:
                return self._page_ids_by_rank_and_month(bottom, top)
            return _page_ids_by_month(self.search_entries, self._match_months(), bottom, top)
        if not self.walks_ranks(top):
            return list(self.values_list("pk", flat=True)[bottom:top])
        ids, before = [], 0  # before: the incidents of the ranks already read
        for value in self.name_rank_values:
            in_rank = (
                self.alias(name_rank=self.name_rank)
                .filter(name_rank=value)
                .order_by("-start_date", "-id")
            )
            start = bottom + len(ids) - before  # where the page goes on within this rank
            found = list(in_rank.values_list("pk", flat=True)[start : top - before])
            ids += found
            if len(ids) == top - bottom:
                break
            # This rank ended before the page did: it holds `start + len(found)` incidents,
            # unless the page starts beyond its last one, and then they are counted.
            before += start + len(found) if found or start == 0 else in_rank.count()
        return ids

    @cached_property
    def _areas_ranked_first(self):
        """The SearchAreas of the areas this ranked search names exactly when its first rank
        is exactly their incidents (within its selection), the rest being its other matches:
        the text names no place and no actor exactly, and the places it names exactly are
        those of whole countries or regions ("Burkina Faso"; "Niger", the country and
        Nigeria's Niger State, while Nigeria, named whole too, ranks with the rest). Else
        None."""
        areas, named = self.search_areas, self.name_rank_named
        if areas is None or named is None or named["place"] or named["actor"]:
            return None
        if self.name_rank_values != (1, 2):
            return None
        # Kept (cached_property): asked by the paginator, then by page_ids.
        return self._areas_named_exactly(areas, set(named["area"]))

    def _areas_named_exactly(self, areas, exact_places):
        """`areas` (a SearchAreas) narrowed to its countries and regions whose places are all
        among `exact_places`, when those places are exactly theirs; else None."""
        in_areas = Q(country__in=areas.countries) | Q(admin1__in=areas.regions)
        places = list(
            self._model_at("location")
            .objects.filter(in_areas)
            .values_list("pk", "country_id", "admin1_id")
        )
        outside = {"country": set(), "region": set()}  # areas with a place not named exactly
        for pk, country, region in places:
            if pk not in exact_places:
                outside["country"].add(country)
                outside["region"].add(region)
        countries = tuple(pk for pk in areas.countries if pk not in outside["country"])
        regions = tuple(pk for pk in areas.regions if pk not in outside["region"])
        covered = {
            pk for pk, country, region in places if country in countries or region in regions
        }
        if not covered or covered != exact_places:
            return None
        return replace(areas, countries=countries, regions=regions)

    def _page_ids_by_day(self, bottom, top, areas):
        """page_ids() of a search whose first rank is the incidents of the areas it names exactly
        (_areas_ranked_first), at any depth: the day table says on which day the page starts
        in that rank (its incidents by start date, newest first), so the rank is read from
        that day on, not from its first incident; the rest (its matches outside the areas)
        are read from the search entries, newest first. Sorting every match by rank read and
        sorted all of them (the last page of `q=Burkina Faso`, 368,247: 0.5-1 s at 1M)."""
        days, in_rank, in_first_rank = self._days_of_first_rank(areas, bottom)
        ids = []
        for day, incidents in days:
            if bottom < in_rank + incidents:
                # The page starts on this day, `bottom - in_rank` incidents into it.
                from_day = (
                    self._in_areas_and_selection(areas)
                    .filter(start_date__lte=day)
                    .order_by("-start_date", "-id")
                    .values_list("pk", flat=True)
                )
                ids = list(from_day[bottom - in_rank : top - in_rank])
                break
            in_rank += incidents
        if top > in_first_rank:
            # The rest from the month its part of the page starts in: its matches outside
            # the areas the search names whole (tally's pass) and the other named areas'
            # incidents (count tables), by month. An OFFSET walked the date index through
            # every entry before the page (`q=Niger&page=5000`: 775,000).
            months = _months_added(
                self._tally_and_months()["months"],
                self._months_in_areas(self.search_areas, areas),
            )
            ids += _page_ids_by_month(
                self._entries_outside_areas(areas),
                months,
                max(bottom - in_first_rank, 0),
                top - in_first_rank,
            )
        return ids

    def _match_months(self):
        """{first day of a month: how many of this search's matches start in it} (PostgreSQL):
        those read one by one in the tally's pass, and those of the areas it names whole from
        the count tables."""
        months = self._tally_and_months()["months"]
        if self.search_areas is None:
            return months
        return _months_added(months, self._months_in_areas(self.search_areas))

    def _page_ids_by_rank_and_month(self, bottom, top):
        """page_ids() of a search ranked by the places it names exactly (rank 0) and by the
        areas it names exactly (rank 1: their places), not by an actor: each rank's months
        say where the page starts in it (_page_ids_by_month). Those of ranks 0 and 1 are
        counted in the search entries of their places (one GROUP BY, remembered as the tally
        is), or in the count tables when those areas are whole; the rest's are the search's
        other months. Sorting every match by rank took 300 ms for a deep page of `q=Mopti`
        (63,000 matches) at a million incidents."""
        named = self.name_rank_named
        places, in_areas = named["place"], named["area"]
        entries = self.search_entries
        # When the areas named exactly are whole countries or regions (the region Mopti) and
        # hold the places named exactly (the town Mopti), the count tables give the months of
        # both ranks together, and only the places' entries are read.
        whole = None
        if self.search_areas is not None and in_areas and set(places) <= set(in_areas):
            whole = self._areas_named_exactly(self.search_areas, set(in_areas))
        ranked = entries.filter(location__in=places if whole else [*places, *in_areas])
        rank = Case(When(location__in=places, then=Value(0)), default=Value(1))
        rows = (
            ranked.order_by()
            .values(rank=rank if places else Value(1), month=TruncMonth("start_date"))
            .annotate(incidents=Count("*"))
            .values_list("rank", "month", "incidents")
        )
        counted = self.remembered_when_large(
            f"rank-months-{hashlib.sha256(repr(named).encode()).hexdigest()}",
            lambda: list(rows),
            lambda rows: sum(incidents for _rank, _month, incidents in rows),
        )
        by_rank = {0: {}, 1: {}}
        for value, month, incidents in counted:
            by_rank[value][month] = incidents
        if whole is not None:
            by_rank[1] = {
                month: incidents - by_rank[0].get(month, 0)
                for month, incidents in self._months_in_areas(whole).items()
                if incidents - by_rank[0].get(month, 0)
            }
        rest = {
            month: incidents - by_rank[0].get(month, 0) - by_rank[1].get(month, 0)
            for month, incidents in self._match_months().items()
        }
        in_rank = {
            0: entries.filter(location__in=places),
            1: entries.filter(location__in=in_areas).exclude(location__in=places),
            2: entries.exclude(location__in=[*places, *in_areas]),
        }
        by_rank[2] = {month: incidents for month, incidents in rest.items() if incidents}
        ids, before = [], 0  # before: the incidents of the ranks already passed
        for value in self.name_rank_values:
            size = sum(by_rank[value].values())
            if bottom < before + size and top > before:
                ids += _page_ids_by_month(
                    in_rank[value], by_rank[value], max(bottom - before, 0), top - before
                )
            before += size
        return ids

    def _months_in_areas(self, areas, leaving_out=None):
        """{first day of a month: incidents starting in it} of the public incidents in the
        countries and regions of `areas` (a SearchAreas) and not in those of `leaving_out`
        (another, narrower, or None), within the search's selection, from the count tables."""
        in_areas = Q(country_id__in=areas.countries) | Q(admin1_id__in=areas.regions)
        rows = areas.selection.rows("month").filter(in_areas)
        if leaving_out is not None:
            rows = rows.exclude(
                Q(country_id__in=leaving_out.countries) | Q(admin1_id__in=leaving_out.regions)
            )
        rows = (
            rows.values(month=TruncMonth("start_date"))
            .annotate(incidents=models.Sum("incidents"))
            .values_list("month", "incidents")
        )
        return dict(rows)

    def _days_of_first_rank(self, areas, bottom):
        """([(start date, incidents)], newest first, before, all): the first rank's incidents
        (_page_ids_by_day) by start date from the month in which its `bottom`th incident
        starts (or from its first day, when the selection's period is not whole months), how
        many start after those days, and how many it holds. Months first: grouping the day
        table's rows of a country by day took 50 ms, those of its months and then of one
        month's days 10."""
        selection = areas.selection
        in_areas = Q(country_id__in=areas.countries) | Q(admin1_id__in=areas.regions)

        def by_start(unit, **period):
            return list(
                selection.rows(unit)
                .filter(in_areas, **period)
                .values("start_date")
                .annotate(incidents=models.Sum("incidents"))
                .order_by("-start_date")
                .values_list("start_date", "incidents")
            )

        if not selection.whole_months:
            days = by_start("day")
            return days, 0, sum(incidents for _day, incidents in days)
        months = by_start("month")
        before, days = 0, []
        for month, incidents in months:
            if bottom < before + incidents:
                first, last = _month_range(month)
                days = by_start("day", start_date__gte=first, start_date__lte=last)
                break
            before += incidents
        return days, before, sum(incidents for _month, incidents in months)

    def _in_areas_and_selection(self, areas):
        """The public incidents of the areas a search names whole (a SearchAreas) within its
        selection, by their places' ids: the first rank of _page_ids_by_day. Written without
        the search's own condition, whose rank PostgreSQL could not estimate: it hashed the
        country's 317,000 incidents instead of walking the date index to the page."""
        selection = areas.selection
        places = self._model_at("location").objects.filter(
            Q(country__in=areas.countries) | Q(admin1__in=areas.regions)
        )
        if selection.countries:
            places = places.filter(country__in=selection.countries)
        if selection.regions:
            places = places.filter(admin1__in=selection.regions)
        incidents = self.model.objects.using(self.db).filter(
            status=Status.PUBLISHED, location__in=list(places.values_list("pk", flat=True))
        )
        if selection.event_types:
            incidents = incidents.filter(event_type__in=selection.event_types)
        return incidents.in_period(selection.date_from, selection.date_to)

    def start_months(self):
        """The distinct months of the incidents' start dates (first days), oldest first.

        Unfiltered, one index probe a month over incident_date_idx (a recursive query: the
        first date at or after each next month) instead of reading a million dates: 1 ms
        rather than 300 at a million incidents (the admin list's date hierarchy).
        """
        if self.query.where or self.query.is_sliced:
            return sorted(self.start_month_counts())
        table = self.model._meta.db_table
        if connections[self.db].vendor == "postgresql":
            next_month = "CAST(DATE_TRUNC('month', d) + INTERVAL '1 month' AS date)"
        else:
            next_month = "DATE(d, 'start of month', '+1 month')"
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE months(d) AS ("
                f"SELECT MIN(start_date) FROM {table} UNION ALL "
                f"SELECT (SELECT MIN(start_date) FROM {table} WHERE start_date >= {next_month}) "
                f"FROM months WHERE d IS NOT NULL) SELECT d FROM months WHERE d IS NOT NULL"
            )
            firsts = [row[0] for row in cursor.fetchall()]
        # SQLite answers with text.
        firsts = [
            d if isinstance(d, datetime.date) else datetime.date.fromisoformat(d) for d in firsts
        ]
        return [d.replace(day=1) for d in firsts]

    def count_of_every_status(self):
        """count() of the whole table (the admin's unfiltered list), from the count tables
        for the published incidents (exact, a few ms) and through incident_status_date_idx for
        the drafts, reviews and retractions, which are few beside the published many. COUNT(*)
        read every incident: 125-175 ms at a million, on each unfiltered page of the admin list.
        """
        from . import counts

        if self.query.where or self.query.is_sliced:
            return self.count()
        unpublished = [status for status in Status.values if status != Status.PUBLISHED]
        return counts.count(counts.Selection()) + self.filter(status__in=unpublished).count()

    def start_month_counts(self):
        """{first day of a month: how many of the incidents start in it}, for the months that
        have any: one GROUP BY. The admin list's count and its date hierarchy's months in one
        pass (admin.IncidentListPaginator), which a searched list would otherwise make twice,
        finding its incidents again each time (1.1-1.6 s apiece for `q=JNIM` at a million)."""
        # A search over all incidents reads its search entries (see search_entries).
        source = self if self.search_entries is None else self.search_entries
        rows = (
            source.order_by()
            .prefetch_related(None)
            .values(month=TruncMonth("start_date"))
            .annotate(incidents=Count("*"))
            .values_list("month", "incidents")
        )
        return dict(rows)

    def matching_every_word(self, text):
        """The analysts' search (the admin's search box): incidents matching every word of
        the text, accents and case aside, in the title or narrative, the place, its district,
        region or country, an actor's name or alias, or the ACLED, UCDP or GTD id; a word such as
        2023, 2023-09 or 2023-09-15 also matches the start date. "Quoted words" stay together.
        Names match any part of them ("Muslimin" finds "wal-Muslimin"); in the title and
        narrative a word matches a whole word on PostgreSQL (the full-text index), any part of
        the text on SQLite.
        """
        words = []
        for word in smart_split(text):
            word = unescape_string_literal(word) if word[:1] in "\"'" else word
            if word.strip():
                words.append(word.strip())
        if connections[self.db].vendor == "postgresql":
            condition = Q()
            for word in words:
                condition &= self._entry_matching_word(word)
            return self._with_entries(condition)
        condition = Q()
        for word in words:
            condition &= self._matching_word(word)
        return self.filter(condition)

    def _entry_matching_word(self, word):
        """The search entries matching one word of the analysts' search (PostgreSQL): its
        words, then the places, actors and incidents (by ACLED, UCDP or GTD id) it names, found
        first in one small query and matched by id, and the dates it names; each arm is an
        index of the search entries, ORed into one bitmap."""
        phrase = SearchQuery(word, config=SEARCH_CONFIGURATION, search_type="phrase")
        by_id = self.model.objects.filter(
            Q(acled_event_id__iexact=word) | Q(ucdp_id=word) | Q(gtd_event_id=word)
        )
        named = self._named_ids(
            place=self._places_named("contains", word),
            actor=self._actors_named("contains", word),
            incident=by_id,
        )
        matches = Q(document=phrase) | _named_arms(named)
        period = _named_period(word)
        if period:
            matches |= Q(start_date__gte=period[0], start_date__lt=period[1])
        return matches

    def _matching_word(self, word):
        """The incidents matching one word of the analysts' search, on SQLite (PostgreSQL:
        _entry_matching_word): the places and actors named by the word are looked up in their
        own small tables, the title and narrative folded and searched for it."""
        places = self._places_named("contains", word)
        actors = self._actors_named("contains", word)
        roles = self._model_at("incident_actors").objects.filter(actor__in=actors)
        matches = (
            Q(title__fold__contains=word)
            | Q(narrative__fold__contains=word)
            | Q(location__in=places)
            | Q(pk__in=roles.values("incident_id"))
            | Q(acled_event_id__iexact=word)
            | Q(ucdp_id=word)
            | Q(gtd_event_id=word)
        )
        date = DATE_PREFIX.fullmatch(word)
        if date:
            parts = {"start_date__year": int(date["year"])}
            if date["month"]:
                parts["start_date__month"] = int(date["month"])
            if date["day"]:
                parts["start_date__day"] = int(date["day"])
            matches |= Q(**parts)
        return matches

    def _places_named(self, lookup, text, areas_only=False):
        """Places whose name (unless areas_only) or whose commune, district, region or country
        name matches the text by `lookup` ("contains", "exact"), accents and case aside."""
        fields = ["admin1__name", "admin2__name", "admin3__name", "country__name"]
        if not areas_only:
            fields.insert(0, "name")
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__fold__{lookup}": text})
        return self._model_at("location").objects.filter(condition)

    def _actors_named(self, lookup, text):
        """Actors whose name or an alias matches the text by `lookup`, accents and case aside."""
        return self._model_at("actors").objects.filter(
            Q(**{f"name__fold__{lookup}": text}) | Q(**{f"aliases__name__fold__{lookup}": text})
        )

    # --- the list page's facets and map -----------------------------------------------------

    def facet_counts(self):
        """How the selection divides by event type, by region (admin1) and by start year:
        {"event_type": [...], "admin1": [...], "year": [...]}, each a list of
        {"value", "label", "count"}, most numerous first (then by label; years newest first).
        Incidents at a place without a region count under value None, label None, last among
        equals.

        From the count tables when they hold the selection (counts.facets), else from tally(),
        the one pass over the selection that also counts it.
        """
        from . import counts

        if self.count_selection is not None:
            return counts.facets(self.count_selection)
        facets = self.tally()["facets"]
        # The regions' names, with their country where two countries meet
        # (AdminAreaQuerySet.labelled): one small query by id, here rather than in tally(),
        # whose count is also the API's, which shows no facet.
        region_ids = [row["value"] for row in facets["admin1"] if row["value"] is not None]
        regions = self._model_at("location__admin1")
        region_labels = {
            pk: label
            for pk, label, _country in regions.objects.filter(pk__in=region_ids).labelled()
        }
        return {
            **facets,
            "admin1": counts.sorted_facet(
                {**row, "label": region_labels.get(row["value"])} for row in facets["admin1"]
            ),
        }

    def tally(self):
        """The selection's count and facets from one pass over its incidents: {"count": n,
        "facets": facet_counts()' answer, the regions unnamed}. Remembered as
        remembered_when_large says, and kept on this queryset for the current data version,
        because the list page asks for its count (cached_count) and then for its facets.

        One pass because a search finds its incidents again in every query that reads them:
        at a million incidents `q=JNIM` (238,000 of them) costs a second or more per pass,
        and the count and the three facets, one GROUP BY each, made four passes.
        """
        tally = self._tally_and_months()
        return {"count": tally["count"], "facets": tally["facets"]}

    def _tally_and_months(self):
        """tally()'s answer with the months of the pass (see _count_and_facets), remembered
        and kept as tally() says."""
        from . import counts

        version = counts.data_version()
        kept = getattr(self, "_tally", None)
        if kept is not None and kept[0] == version:
            return kept[1]
        tally = self.remembered_when_large(
            "tally-months",
            self._count_and_facets,
            lambda tally: tally["count"],
            nothing={
                "count": 0,
                "facets": {"event_type": [], "admin1": [], "year": []},
                "months": {},
            },
        )
        self._tally = (version, tally)
        return tally

    def _count_and_facets(self):
        """tally()'s answer, and "months": one query over the selection, grouped by event type,
        by region and by year, and counted. PostgreSQL groups the ways and counts in one pass
        (GROUPING SETS, hashing each: _grouped_on_postgresql); SQLite, which has no GROUPING
        SETS, runs a UNION ALL of three GROUP BYs and a count over one WITH query (a GROUP BY
        over all three at once gave Python thousands of rows). Each joins only single-valued
        relations (place, event type), so no incident counts twice.

        "months" is {first day of a month: how many of the incidents read one by one start in
        it} (for a search naming whole areas, only its matches outside them: the count tables
        hold the areas' months), from which page_ids() reads a deep page
        (_page_ids_by_month); PostgreSQL only ({} on SQLite, which reads its pages by
        OFFSET)."""
        from . import counts

        # A search over all (public) incidents reads its search entries, which hold the same
        # columns (see search_entries); one that names whole countries or regions reads only
        # those outside them (see search_areas).
        source = self if self.search_entries is None else self.search_entries
        areas = self.search_areas
        if areas is not None and not areas.hold_selection:
            source = self._entries_outside_areas()
        source = source.order_by().prefetch_related(None)
        if connections[self.db].vendor == "postgresql":
            if self.actor_filter is not None:
                # Filtered by actor: one narrow row each in the actor counts.
                matches = self.actor_filter.matches()
            else:
                matches = source.values(
                    event_type_code=F("event_type"),
                    region=F("location__admin1"),
                    day=F("start_date"),
                )
            rows = self._grouped_on_postgresql(matches, areas)
        else:
            rows = self._grouped_on_sqlite(source)
        by_type, by_region, by_year, months, total = [], [], {}, {}, 0
        for grouping, code, name, region, year, day, count in rows:
            if grouping == "event_type":
                by_type.append({"value": code, "label": name, "count": count})
            elif grouping == "admin1":
                by_region.append({"value": region, "count": count})
            elif grouping == "year" and year is not None:  # None: the matches, by day
                # PostgreSQL's EXTRACT gives a numeric.
                by_year[int(year)] = by_year.get(int(year), 0) + count
            elif grouping == "day" and day is not None:  # None: the areas' count rows
                by_year[day.year] = by_year.get(day.year, 0) + count
                month = day.replace(day=1)
                months[month] = months.get(month, 0) + count
            elif grouping == "count":
                total = count
        return {
            "months": months,
            "count": total,
            "facets": {
                "event_type": counts.sorted_facet(by_type),
                # Named and sorted by count by facet_counts(); by id here, so that one selection
                # read two ways (count tables and entries, or the entries alone) reads alike.
                "admin1": sorted(by_region, key=lambda row: (row["value"] is None, row["value"])),
                "year": [
                    {"value": year, "label": str(year), "count": count}
                    for year, count in sorted(by_year.items(), reverse=True)
                ],
            },
        }

    def _grouped_on_postgresql(self, matches, areas):
        """_count_and_facets()' rows on PostgreSQL from `matches` (rows with event_type_code,
        region and day, the start date): (grouping, event type code, its name, region, year,
        day, incidents), grouping being "event_type", "admin1", "year" (the areas' count
        rows), "day" (the incidents read one by one, by start date) or "count".

        Grouped by the start date itself and by the event type's code, whose name is joined to
        the few rows grouped: a year and a month computed for each of 238,000 matches (`q=JNIM`)
        and its type's name hashed with its code cost more than the grouping's other work."""
        event_types = apps.get_model("incidents", "EventType")._meta
        sql, params = matches.query.sql_with_params()
        rows, counted = sql, "COUNT(*)"
        sets = ["(event_type_code)", "(region)", "(day)", "()"]
        kinds = [("event_type_code", "event_type"), ("region", "admin1"), ("day", "day")]
        year = "NULL::numeric AS year"
        if areas is not None:
            # The matches outside the areas, one row each, and the areas' count rows, by year
            # (their months are in the count tables); only the count rows when the selection
            # lies in the areas (q=Mali&country=MLI).
            in_areas, in_areas_params = _counted_in_areas(areas)
            if areas.hold_selection:
                rows, params = in_areas, in_areas_params
            else:
                rows = (
                    f"SELECT event_type_code, region, NULL::numeric AS year, day, 1 AS incidents "
                    f"FROM ({sql}) matches UNION ALL {in_areas}"
                )
                params = (*params, *in_areas_params)
            counted, year = "COALESCE(SUM(incidents), 0)", "year"
            sets.insert(2, "(year)")
            kinds.insert(2, ("year", "year"))
        grouping = " ".join(f"WHEN GROUPING({column}) = 0 THEN '{kind}'" for column, kind in kinds)
        # The WITH query read four times was materialized, written out to disk at 238,000
        # rows (q=JNIM) and sorted by event type: half of the query's time.
        # PostgreSQL scans the entries with two workers only when it deems handing each row
        # over cheap: at the default parallel_tuple_cost (0.1) it read a frequent word's
        # 238,000 matches alone; handed over, the pass took about half the time (1M, load 3,
        # EXPLAIN ANALYZE: q=JNIM 1,240 -> 790 ms, q=JNIM&country=MLI 1,490 -> 730). SET LOCAL
        # in the same statement string: one implicit transaction, so it ends with the query.
        query = (
            "SET LOCAL parallel_tuple_cost = 0.01; "
            "SELECT grouped.grouping, grouped.event_type_code, event_type.name, grouped.region, "
            "grouped.year, grouped.day, grouped.incidents FROM ("
            f"SELECT CASE {grouping} ELSE 'count' END AS grouping, event_type_code, region, "
            f"{year}, day, {counted} AS incidents FROM ({rows}) selection "
            f"GROUP BY GROUPING SETS ({', '.join(sets)})) grouped "
            f"LEFT JOIN {event_types.db_table} event_type "
            f"ON event_type.{event_types.pk.column} = grouped.event_type_code"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    def _grouped_on_sqlite(self, source):
        """_count_and_facets()' rows on SQLite, as _grouped_on_postgresql gives them (no
        "day" rows: years are grouped)."""
        selection = source.values(
            event_type_code=F("event_type"),
            event_type_name=F("event_type__name"),
            region=F("location__admin1"),
            year=ExtractYear("start_date"),
        )
        sql, params = selection.query.sql_with_params()
        query = (
            f"WITH selection AS ({sql}) "
            "SELECT 'event_type', event_type_code, event_type_name, NULL, NULL, NULL, COUNT(*) "
            "FROM selection GROUP BY event_type_code, event_type_name "
            "UNION ALL SELECT 'admin1', NULL, NULL, region, NULL, NULL, COUNT(*) "
            "FROM selection GROUP BY region "
            "UNION ALL SELECT 'year', NULL, NULL, NULL, year, NULL, COUNT(*) "
            "FROM selection GROUP BY year "
            "UNION ALL SELECT 'count', NULL, NULL, NULL, NULL, NULL, COUNT(*) FROM selection"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    def map_points(self, limit):
        """The `limit` most recent incidents of the selection as dicts of what a map point
        shows: id, title, start_date, end_date, date_precision, killed_best, event_type (its
        code), location__latitude and location__longitude. One query.

        A selection that fills the map is remembered for a minute, as large counts are: its
        map then leaves out at most a minute's newly published incidents.
        """
        # The most recent ids first, from the covering incident_public_series_idx alone, then
        # those rows: sorting the whole selection's rows read 60,000 incidents from the table
        # for 50 km around Mopti (160 ms → 21 ms at a million).
        recent = self.order_by("-start_date", "-id").values("pk")[:limit]
        rows = (
            self.model.objects.filter(pk__in=recent)
            .order_by("-start_date", "-id")
            .values(
                "id",
                "title",
                "start_date",
                "end_date",
                "date_precision",
                "killed_best",
                "event_type",
                "location__latitude",
                "location__longitude",
            )
        )
        # At most `limit` points: kept when there are `limit`.
        return self.remembered_when_large(
            f"map-{limit}", lambda: list(rows), len, at_least=limit, nothing=[]
        )

    def cached_count(self):
        """count(): from the count tables when they hold the selection (exact, a few ms at a
        million), else tally()'s, which counts the facets in the same pass."""
        from . import counts

        if self.count_selection is not None:
            return counts.count(self.count_selection)
        return self.tally()["count"]

    def for_table(self):
        """The incidents with what an incident card shows (place, region, types). The public
        table reads its rows' values itself, tactics and actors included (tables.table_rows)."""
        return self.select_related(
            "location__country", "location__admin1", "event_type", "sub_event_type"
        ).defer("narrative")

    def tactics_and_actors(self, incident_ids):
        """The tactics and actors of the incidents `incident_ids` (a page's), for pages read as
        plain values (tables.table_rows, api.serializers.incident_list_rows): {incident id:
        [tactic names, by name]} and {incident id: [(role, actor id, actor name, inter code in
        this incident (the role's, else the actor's), the actor's own inter code), in role then
        entry order]}. Two queries written out in SQL: the ORM's building of them
        cost more CPU than running them (a page's whole rows are a few ms of SQL)."""
        if not incident_ids:
            return {}, {}  # IN () is not SQL
        tagged = self.model.tactics.through
        incident_actor = self._model_at("incident_actors")
        tables = {
            "tagged": tagged._meta.db_table,
            "tactic": tagged._meta.get_field("tactic").related_model._meta.db_table,
            "role": incident_actor._meta.db_table,
            "actor": incident_actor._meta.get_field("actor").related_model._meta.db_table,
            "ids": _placeholders(incident_ids),
        }
        tactics, actors = {}, {}
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                """SELECT tagged.incident_id, tactic.name FROM {tagged} tagged
                JOIN {tactic} tactic ON tactic.id = tagged.tactic_id
                WHERE tagged.incident_id IN ({ids})
                ORDER BY tactic.name, tactic.id""".format(**tables),
                list(incident_ids),
            )
            for incident_id, name in cursor.fetchall():
                tactics.setdefault(incident_id, []).append(name)
            cursor.execute(
                """SELECT involved.incident_id, involved.role, involved.actor_id, actor.name,
                    COALESCE(involved.actor_type, actor.actor_type), actor.actor_type
                FROM {role} involved JOIN {actor} actor ON actor.id = involved.actor_id
                WHERE involved.incident_id IN ({ids})
                ORDER BY involved.role, involved.id""".format(**tables),
                list(incident_ids),
            )
            for incident_id, *actor in cursor.fetchall():
                actors.setdefault(incident_id, []).append(tuple(actor))
        return tactics, actors

    def list_item_details(self, incident_ids, location_ids):
        """The places, tactics and actors of a page of incidents read as plain values
        (api.serializers.incident_list_rows): {place id: {LIST_LOCATION_FIELDS' names: value}},
        and tactics_and_actors()' two dicts. Three queries written out in SQL, because the ORM's
        building of the same three was a third of the API page's CPU (about 7 of 21 ms at
        100,000 incidents); the incidents' own query, which a filter shapes, stays the ORM's."""
        location = self._model_at("location")
        tables = {
            "place": location._meta.db_table,
            "country": location._meta.get_field("country").related_model._meta.db_table,
            "area": location._meta.get_field("admin1").related_model._meta.db_table,
            "ids": _placeholders(location_ids),
        }
        places = {}
        if not location_ids:
            return places, *self.tactics_and_actors(incident_ids)
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                """SELECT place.id, place.name, place.latitude, place.longitude, country.iso3,
                    country.name, place.admin1_id, admin1.name, admin1.iso_code, place.admin2_id,
                    admin2.name, admin2.iso_code, place.admin3_id, admin3.name, admin3.iso_code
                FROM {place} place
                JOIN {country} country ON country.id = place.country_id
                LEFT JOIN {area} admin1 ON admin1.id = place.admin1_id
                LEFT JOIN {area} admin2 ON admin2.id = place.admin2_id
                LEFT JOIN {area} admin3 ON admin3.id = place.admin3_id
                WHERE place.id IN ({ids})""".format(**tables),
                list(location_ids),
            )
            for row in cursor.fetchall():
                places[row[0]] = dict(zip(LIST_LOCATION_FIELDS, row, strict=True))
        return (places, *self.tactics_and_actors(incident_ids))

    def for_api(self):
        """Everything an API list item shows in five queries (count, page, places, tactics,
        actors) whatever the page size. Like for_table() but with places and their areas in a
        query of their own: joining place, country, region and district into the page query
        made PostgreSQL spend 14 ms planning a query that ran in 0.3 ms (1M incidents)."""
        incident_actors = self._model_at("incident_actors").objects
        locations = self._model_at("location").objects

        return (
            self.select_related("event_type", "sub_event_type")
            .defer("narrative")
            .prefetch_related(
                Prefetch(
                    "location",
                    queryset=locations.select_related("country", "admin1", "admin2", "admin3"),
                ),
                "tactics",
                Prefetch(
                    "incident_actors",
                    queryset=incident_actors.select_related("actor").order_by("role", "id"),
                ),
            )
        )

    def for_detail(self):
        """Everything the incident page shows, in a fixed number of queries."""
        incident_actors = self._model_at("incident_actors").objects
        casualties = self._model_at("casualties").objects
        source_reports = self._model_at("source_reports").objects
        citations = self._model_at("citations").objects
        corrections = self._model_at("corrections").objects

        return self.select_related(
            "location__country",
            "location__admin1",
            "location__admin2",
            "location__admin3",
            "event_type",
            "sub_event_type",
        ).prefetch_related(
            "tactics",
            Prefetch(
                "incident_actors",
                queryset=incident_actors.select_related("actor").order_by("role", "id"),
            ),
            Prefetch(
                "casualties",
                queryset=casualties.order_by("outcome", "group", "id"),
            ),
            Prefetch(
                "source_reports",
                queryset=source_reports.select_related("source").order_by(
                    "outcome", "group", F("reported_on").asc(nulls_last=True), "id"
                ),
            ),
            Prefetch("citations", queryset=citations.select_related("source")),
            Prefetch("corrections", queryset=corrections.order_by("-corrected_at", "-id")),
            Prefetch(
                "related",
                queryset=self.model.objects.public().select_related(
                    "location", "event_type", "sub_event_type"
                ),
                to_attr="public_related",
            ),
        )

    def summary(self):
        """Size of the selection: {"total": Totals, "first_date", "last_date"} (dates None
        when it is empty). From the count tables when they hold the selection, else one query,
        remembered when the incidents are many (see remembered_when_large)."""
        from . import counts

        if self.count_selection is not None:
            return counts.summary(self.count_selection)

        def compute():
            row = self.aggregate(
                **totals_aggregates(), first_date=Min("start_date"), last_date=Max("start_date")
            )
            return {
                "total": Totals.from_row(row),
                "first_date": row["first_date"],
                "last_date": row["last_date"],
            }

        return self.remembered_when_large(
            "summary", compute, lambda summary: summary["total"].incidents
        )

    def refresh_casualty_totals(self):
        """Set killed/injured low, best and high to the sums of each incident's casualty rows.

        One UPDATE for any number of incidents; an outcome without rows becomes NULL (unknown).
        Returns the number of incidents updated.
        """
        # Raw SQL because the ORM cannot assign several columns from one row subquery, and six
        # correlated subqueries (one per column) made imports several times slower. Both
        # PostgreSQL and SQLite (3.30+) accept row assignment and FILTER.
        sums = ", ".join(
            f"SUM({estimate}) FILTER (WHERE outcome = '{outcome}')"
            for outcome in (CasualtyOutcome.KILLED, CasualtyOutcome.INJURED)
            for estimate in ("low", "best", "high")
        )
        try:
            selected, params = self.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. pk__in=[]: nothing to refresh
            return 0
        incident, casualty = self.model._meta.db_table, self._model_at("casualties")._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"UPDATE {incident} SET ({', '.join(CASUALTY_TOTAL_FIELDS)}) = "
                f"(SELECT {sums} FROM {casualty} WHERE {casualty}.incident_id = {incident}.id) "
                f"WHERE id IN ({selected})",
                params,
            )
            return cursor.rowcount

    def for_export(self):
        """Each incident as a dict of its own columns and those of its place, admin areas,
        country and event types: one query, with joins.

        Dicts rather than model instances because downloads run to a million rows; their
        actors, citations and tactics are read a chunk of incidents at a time (see
        exports.export_records).
        """
        return self.values(
            "id",
            "title",
            "narrative",
            "start_date",
            "end_date",
            "date_precision",
            "geo_precision",
            "event_type_id",
            "event_type__name",
            "sub_event_type_id",
            "sub_event_type__name",
            "civilian_targeting",
            "killed_low",
            "killed_best",
            "killed_high",
            "injured_low",
            "injured_best",
            "injured_high",
            "acled_event_id",
            "ucdp_id",
            "gtd_event_id",
            "dataset_fields",
            "imported_at",
            "source_updated_at",
            "updated_at",
            "location_id",
            "location__name",
            "location__latitude",
            "location__longitude",
            "location__country__name",
            "location__country__iso3",
            "location__admin1_id",
            "location__admin1__name",
            "location__admin1__iso_code",
            "location__admin2_id",
            "location__admin2__name",
            "location__admin2__iso_code",
            "location__admin3_id",
            "location__admin3__name",
            "location__admin3__iso_code",
        )

    # --- place and actor pages ------------------------------------------------------------

    def at_place(self, location):
        """Incidents at one named place."""
        return self.filter(location=location)

    def in_area(self, area):
        """Incidents at the places inside an admin area of any level (one indexed lookup: each
        place stores its whole hierarchy)."""
        return self.filter(**{f"location__admin{area.level}": area})

    def in_country(self, country):
        """The incidents in `country`; of all public incidents, they know their count selection,
        so that the country's page counts its trend and regions from the count tables."""
        from . import counts

        in_country = self.filter(location__country=country)
        if self.count_selection == counts.Selection():
            return in_country.with_count_selection(counts.Selection(countries=(country.pk,)))
        return in_country

    def yearly_totals(self):
        """The selection's summary() with its Totals year by year (by start date), every year
        from the first incident's to the last one's, those without incidents as zeros:
        {"years": [(year, Totals), …], "total", "first_date", "last_date"}. One GROUP BY query,
        remembered for a minute when the incidents are many (see remembered_when_large); from
        the count tables when they hold the selection.
        """
        from . import counts

        if self.count_selection is not None:
            return _years_filled(*counts.yearly_totals(self.count_selection))
        rows = (
            self.order_by()
            .values(year=ExtractYear("start_date"))
            .annotate(
                **totals_aggregates(), first_date=Min("start_date"), last_date=Max("start_date")
            )
        )
        return self.remembered_when_large(
            "yearly", lambda: _by_year(rows), lambda yearly: yearly["total"].incidents
        )

    def actor_yearly_totals(self, actor):
        """yearly_totals() of these incidents in which `actor` takes part (its page's trend):
        from the actor counts when they hold the selection (counts.actor_selection), with the
        first and last days looked up in the first and last months only, else counted."""
        from . import counts

        incidents = self.involving_actors([actor])
        selection = counts.actor_selection(self)
        if selection is None:
            return incidents.yearly_totals()
        by_year, first_month, last_month = counts.actor_yearly_totals(selection, actor.pk)
        if first_month is None:
            return _years_filled({}, None, None)
        # Two queries: one over both months read the actor's incidents of every month between.
        # Each walks its month's incidents in date order and stops at the first of the actor's:
        # MIN() and MAX() joined the month's incidents to all of the actor's roles instead
        # (35 ms each for JNIM's 238,000 roles at a million incidents, against about 1 ms).
        days = incidents.values_list("start_date", flat=True)
        first = days.filter(start_date__range=_month_range(first_month)).order_by("start_date")
        last = days.filter(start_date__range=_month_range(last_month)).order_by("-start_date")
        return _years_filled(by_year, first.first(), last.first())

    def subdivision_totals(self, level, places_listed=50):
        """The Totals of each area one level below `level` (0: a country's regions; 1: a
        region's districts; 2: a district's communes) and of each place outside them (below a
        commune: of every place), most incidents first: {"areas": [{"area", "name",
        "totals"}], "places": [{"place", "name", "totals"}], "more_places": whether places after
        the first `places_listed` were left out, "total": the incidents}. Places with as many
        incidents come in the order they were recorded.

        One GROUP BY over (place, its area), ids only so that the database hashes two small
        keys instead of sorting names; then the names of the areas and of the listed places.
        A country's regions come from the count tables when they hold the selection, and only
        the incidents at places without a region are read. Remembered for a minute when the
        incidents are many (see remembered_when_large).
        """
        return self.remembered_when_large(
            f"subdivisions-{level}-{places_listed}",
            lambda: self._subdivision_totals(level, places_listed),
            lambda subdivisions: subdivisions["total"],
        )

    def _subdivision_totals(self, level, places_listed):
        from . import counts

        areas_named = self._model_at("location__admin1").objects
        places_named = self._model_at("location").objects

        area = f"location__admin{level + 1}" if level < 3 else None
        incidents = self
        rows = []
        if level == 0 and self.count_selection is not None:
            # Burkina Faso's 368,000 incidents, read and grouped by place, took 0.75 s at a
            # million incidents (cold); its regions' count rows are a few thousand.
            regions = (
                self.count_selection.rows()
                .exclude(admin1_id=counts.NO_REGION)
                .values("admin1_id")
                .annotate(**counts.totals_aggregates())
            )
            rows = [{**row, "location": None, area: row["admin1_id"]} for row in regions]
            incidents = self.filter(**{f"{area}__isnull": True})
        rows += list(
            incidents.order_by()
            .values("location", *([area] if area else []))
            .annotate(**totals_aggregates())
        )
        areas, places = {}, []
        for row in rows:
            totals = Totals.from_row(row)
            if area and row[area] is not None:
                areas.setdefault(row[area], Totals()).add(totals)
            else:
                places.append({"place": row["location"], "totals": totals})
        places.sort(key=lambda place: (-place["totals"].incidents, place["place"]))
        listed = places[:places_listed]
        names = {}
        if areas:
            names["area"] = dict(areas_named.filter(pk__in=areas).values_list("pk", "name"))
        if listed:
            ids = [place["place"] for place in listed]
            names["place"] = dict(places_named.filter(pk__in=ids).values_list("pk", "name"))
        area_totals = [
            {"area": pk, "name": names["area"][pk], "totals": totals}
            for pk, totals in areas.items()
        ]
        return {
            "areas": sorted(area_totals, key=lambda row: (-row["totals"].incidents, row["name"])),
            "places": [{**place, "name": names["place"][place["place"]]} for place in listed],
            "more_places": len(places) > places_listed,
            "total": sum(row["incidents"] for row in rows),
        }

    def actor_role_counts(self, actor):
        """The actor's roles among these incidents as each dataset gave them: for every dataset
        with any (roles.ROLE_NAMES: ACLED's actor 1 / actor 2, UCDP's side A / side B, the
        perpetrator / target of incidents entered here), {"names": RoleNames, "first": n,
        "second": n, "incidents": n}, n counting incidents (associated roles included; an
        actor on both sides of one incident counts on both, once in "incidents").

        Call it on public() rather than on public().involving_actors([actor]): the actor's own
        rows already say which incidents it is in, and a second test of that doubles the time.
        """
        from . import counts

        selection = counts.actor_selection(self)
        if selection is not None:
            by_dataset, _co_actors = self._counted_actor(selection, actor)
            return [
                {"names": names, **by_dataset[dataset]}
                for dataset, names in ROLE_NAMES.items()
                if by_dataset.get(dataset, {}).get("incidents")
            ]
        incident_actors = self._model_at("incident_actors").objects
        roles = incident_actors.filter(actor=actor, incident__in=self.order_by().values("pk"))
        counts = {}
        for dataset in ROLE_NAMES:
            in_dataset = dataset_condition(dataset, prefix="incident__")
            counts[f"{dataset}_first"] = Count(
                "incident", distinct=True, filter=in_dataset & Q(role__in=PERPETRATOR_ROLES)
            )
            counts[f"{dataset}_second"] = Count(
                "incident", distinct=True, filter=in_dataset & Q(role__in=TARGET_ROLES)
            )
            counts[f"{dataset}_incidents"] = Count("incident", distinct=True, filter=in_dataset)
        totals = self.remembered_when_large(
            f"roles-{actor.pk}",
            lambda: roles.aggregate(**counts),
            lambda totals: sum(totals[f"{dataset}_incidents"] for dataset in ROLE_NAMES),
        )
        return [
            {
                "names": names,
                "first": totals[f"{dataset}_first"],
                "second": totals[f"{dataset}_second"],
                "incidents": totals[f"{dataset}_incidents"],
            }
            for dataset, names in ROLE_NAMES.items()
            if totals[f"{dataset}_incidents"]
        ]

    def dataset_counts(self):
        """How many of the incidents each dataset gave (roles.dataset_of: ACLED's, UCDP's, and
        those entered here or from the GTD): {"acled": n, "ucdp": n, "entered": n}. One query,
        remembered when the incidents are many."""
        counts = {dataset: Count("id", filter=dataset_condition(dataset)) for dataset in ROLE_NAMES}
        return self.remembered_when_large(
            "datasets", lambda: self.aggregate(**counts), lambda counts: sum(counts.values())
        )

    def source_datasets(self, among=None):
        """The source_dataset codes (credits.source_dataset) of these incidents, looking only
        for those `among` (every dataset's unless given): one query, an EXISTS for each, which
        stops at the first incident of it. Each dataset's identifier has a partial index, so
        a dataset absent from the database costs nothing; counts.published_datasets() says
        which are present."""
        codes = [dataset.code for dataset in DATASETS if among is None or dataset.code in among]
        selection = self.order_by()
        checks = {
            f"has_{number}": Exists(selection.filter(source_dataset_condition(code)))
            for number, code in enumerate(codes)
        }
        if not checks:
            return set()
        # The EXISTS are selected on one row of the table, any row: with none, there is no
        # incident to credit either.
        carrier = self.model._base_manager.db_manager(self.db).order_by()
        answer = carrier.annotate(**checks).values_list(*checks)[:1]
        found = next(iter(answer), [False] * len(codes))
        return {code for code, present in zip(codes, found, strict=True) if present}

    def last_changed(self):
        """When the latest of the incidents was published or corrected (ACLED's timestamp
        for it, incident_changed_idx), or None when there is none."""
        return self.aggregate(last=Max(changed_or_published_at()))["last"]

    def counts_by_actor(self, actor_ids):
        """{actor id: how many of the incidents it takes part in} for a page of actors: from the
        actor counts when they hold the selection (counts.actor_selection), else from
        incident_actor_by_actor_idx (no count of every actor's incidents)."""
        from . import counts

        selection = counts.actor_selection(self)
        if selection is not None:
            return counts.incidents_by_actor(selection, actor_ids)
        incident_actors = self._model_at("incident_actors").objects
        rows = (
            incident_actors.filter(actor__in=actor_ids, incident__in=self.order_by().values("pk"))
            .order_by()
            .values("actor")
            .annotate(incidents=Count("incident", distinct=True))
        )
        return {row["actor"]: row["incidents"] for row in rows}

    def counts_by_place(self, location_ids):
        """{place id: how many of the incidents are at it} for a page of places, from
        incident_public_place_idx."""
        rows = (
            self.filter(location__in=location_ids)
            .order_by()
            .values("location")
            .annotate(incidents=Count("id"))
        )
        return {row["location"]: row["incidents"] for row in rows}

    def co_actors(self, actor, limit=10):
        """The actors that most often take part in the incidents in which `actor` does, each
        with the number of such incidents (`shared`), most first (then by name)."""
        from . import counts

        selection = counts.actor_selection(self)
        if selection is not None:
            _roles, shared = self._counted_actor(selection, actor)
            return self._model_at("actors").objects.most_shared(shared, limit)
        incidents = self.involving_actors([actor]).order_by().values("pk")
        met = (
            self._model_at("actors")
            .objects.filter(incident_roles__incident__in=incidents)
            .exclude(pk=actor.pk)
            .annotate(shared=Count("incident_roles__incident", distinct=True))
            .order_by("-shared", "name")[:limit]
        )
        # The shared incidents of the first few stand in for the actor's: many of either make
        # the query slow.
        return self.remembered_when_large(
            f"co-actors-{actor.pk}-{limit}",
            lambda: list(met),
            lambda actors: sum(other.shared for other in actors),
        )

    def _counted_actor(self, selection, actor):
        """counts.actor_roles_and_co_actors' answer, kept on this queryset for the current
        data version: the actor page asks for the roles and then for the co-actors."""
        from . import counts

        key = (counts.data_version(), actor.pk)
        kept = getattr(self, "_actor_counted", None)
        if kept is None or kept[0] != key:
            kept = (key, counts.actor_roles_and_co_actors(selection, actor.pk))
            self._actor_counted = kept
        return kept[1]

    def remembered_when_large(self, name, compute, size, at_least=None, nothing=None):
        """compute()'s result for this selection, remembered (caching.remember, under the
        public data version) for COUNT_CACHE_SECONDS when it is large: when size(result), the
        incidents it covers, reaches `at_least` (COUNT_CACHE_MIN unless given). Each costs a
        pass over its incidents, while small ones are quick to recount. The cache key is the
        selection's SQL; `nothing` is the answer for a selection that cannot match anything
        (compute()'s when not given).
        """
        try:
            sql, params = self.order_by().query.sql_with_params()
        except EmptyResultSet:
            return compute() if nothing is None else nothing
        digest = hashlib.sha256(f"{self.db}|{sql}|{params!r}".encode()).hexdigest()
        at_least = COUNT_CACHE_MIN if at_least is None else at_least
        return remember(
            [f"incident-{name}", digest],
            compute,
            COUNT_CACHE_SECONDS,
            keep_if=lambda result: size(result) >= at_least,
        )

    def _model_at(self, path):
        """The model a path of the incident's relations leads to: _model_at("location__admin1")
        is AdminArea."""
        model = self.model
        for name in path.split("__"):
            model = model._meta.get_field(name).related_model
        return model

    def _has_actor(self, **conditions):
        """EXISTS an actor row of the incident matching the conditions (no duplicate incidents,
        as a join over actors would give)."""
        incident_actors = self._model_at("incident_actors").objects
        return Exists(incident_actors.filter(incident=OuterRef("pk"), **conditions))


ARMED = sorted(ARMED_ACTOR_TYPES)


def _by_year(rows):
    """yearly_totals' answer from its GROUP BY year rows, the years without incidents filled
    in."""
    by_year = {row["year"]: row for row in rows}
    return _years_filled(
        {year: Totals.from_row(row) for year, row in by_year.items()},
        min((row["first_date"] for row in by_year.values()), default=None),
        max((row["last_date"] for row in by_year.values()), default=None),
    )


def _years_filled(by_year, first_date, last_date):
    """yearly_totals' answer from {year: Totals}, the years without incidents filled in."""
    years = [
        (year, by_year.get(year, Totals()))
        for year in range(min(by_year, default=0), max(by_year, default=-1) + 1)
    ]
    return {
        "years": years,
        "total": sum_totals(totals for _year, totals in years),
        "first_date": first_date,
        "last_date": last_date,
    }


def _month_range(first_day):
    """The first and last days of the month that begins on `first_day`."""
    next_month = (first_day + datetime.timedelta(days=31)).replace(day=1)
    return first_day, next_month - datetime.timedelta(days=1)


def _months_added(*by_month):
    """The sum of dicts {month: incidents}."""
    added = {}
    for months in by_month:
        for month, incidents in months.items():
            added[month] = added.get(month, 0) + incidents
    return added


def _page_ids_by_month(entries, months, bottom, top):
    """The incident ids from `bottom` to `top` (0-based, top excluded) of `entries` (search
    entries) newest first, whose number by start month `months` gives ({first day: n}): read
    within the months the page spans, not through every entry before it."""
    before, first, last = 0, None, None  # before: the entries of the months after `first`
    for month, incidents in sorted(months.items(), reverse=True):
        if first is None and bottom < before + incidents:
            first, skipped = month, before
        before += incidents
        if first is not None and top <= before:
            last = month
            break
    if first is None:
        return []
    # From the end of the page's first month to the start of its last one (or to the end).
    within = Q(start_date__lte=_month_range(first)[1])
    if last is not None:
        within &= Q(start_date__gte=last)
    newest_first = (
        entries.filter(within)
        .order_by("-start_date", "-incident_id")
        .values_list("incident_id", flat=True)
    )
    return list(newest_first[bottom - skipped : top - skipped])


# A year, a month or a day as analysts type them in the search box: 2023, 2023-09, 2023-09-15.
DATE_PREFIX = re.compile(
    r"(?P<year>[12][0-9]{3})(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>[0-3][0-9]))?)?"
)


def _counted_in_areas(areas):
    """(sql, params) of the count rows of the published incidents in the countries or regions
    of `areas` (a SearchAreas), as rows of _grouped_on_postgresql(): event type code, region
    (NULL for none), year, no day (NULL) and the number of incidents. From the year table,
    which holds every published incident by its place's country and region
    (incidents/counts.py)."""
    from .counts import NO_REGION

    # The rows of the search's selection (the year table's, unless a period of other days
    # needs the month or day table's) in the named areas.
    in_areas = Q(country_id__in=areas.countries) | Q(admin1_id__in=areas.regions)
    rows = areas.selection.rows().filter(in_areas)
    rows_sql, params = rows.values_list(
        "event_type_id", "admin1_id", "start_date", "incidents"
    ).query.sql_with_params()
    sql = (
        "SELECT counted.event_type_id AS event_type_code, "
        f"NULLIF(counted.admin1_id, {NO_REGION}) AS region, "
        "EXTRACT(YEAR FROM counted.start_date) AS year, NULL::date AS day, "
        f"counted.incidents AS incidents FROM ({rows_sql}) counted"
    )
    return sql, params


def entries_in_selection(selection):
    """The condition on search entries (models.SearchEntry) that their incident is in
    `selection` (a counts.Selection): its place's country and region, its event type, and the
    period as IncidentQuerySet.in_period reads it. The end date is the incident's own: those
    under way when the period starts are found first by their end date, few, rather than by
    joining every matching entry's incident (`q=Sahel&date_from=2023-01-01`, cold: 440 ms for
    the join)."""
    condition = Q()
    if selection.countries:
        condition &= Q(location__country__in=selection.countries)
    if selection.regions:
        condition &= Q(location__admin1__in=selection.regions)
    if selection.event_types:
        condition &= Q(event_type__in=selection.event_types)
    if selection.date_to is not None:
        condition &= Q(start_date__lte=selection.date_to)
    if selection.date_from is not None:
        incidents = apps.get_model("incidents", "Incident").objects
        # Published, as the entries read here are: incident_public_end_date_idx answers.
        under_way = incidents.filter(
            status=Status.PUBLISHED,
            start_date__lt=selection.date_from,
            end_date__gte=selection.date_from,
        ).values("pk")
        condition &= Q(start_date__gte=selection.date_from) | Q(
            start_date__lt=selection.date_from, incident__in=under_way
        )
    return condition


def _prefixed(condition, prefix):
    """The Q `condition` with `prefix` before each of its lookups: the same condition on a
    related model's fields."""
    children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in condition.children
    ]
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


def _named_arms(named):
    """The search entries of the places, actors and incidents in `named` (_named_ids()' answer),
    by id. Given as values, not as subqueries, so that each arm is a scan of one of the entries'
    indexes, which PostgreSQL ORs into one bitmap (a subquery in an OR is a hash probe of every
    row), and estimated from the entries' statistics: an arm that names nothing is left out, so
    that a rare word's matches are not looked for by walking the date index through a million
    incidents."""
    arms = Q()
    if named.get("place"):
        arms |= Q(location__in=named["place"])
    if named.get("actor"):
        arms |= Q(actor_ids__overlap=named["actor"])
    if named.get("incident"):
        arms |= Q(incident__in=named["incident"])
    return arms


def _named_period(word):
    """(first day, day after the last) of the year, month or day `word` names (2023, 2023-09,
    2023-09-15), or None (not a date, or no such day)."""
    date = DATE_PREFIX.fullmatch(word)
    if not date:
        return None
    year = int(date["year"])
    if not date["month"]:
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    month = int(date["month"])
    if not date["day"]:
        after = datetime.date(year + month // 12, month % 12 + 1, 1)
        return datetime.date(year, month, 1), after
    try:
        day = datetime.date(year, month, int(date["day"]))
    except ValueError:
        return None
    return day, day + datetime.timedelta(days=1)


# PostgreSQL's 'simple' text search configuration with unaccent before it (migration 0017):
# words are lower-cased and lose their accents, and are never stemmed.
SEARCH_CONFIGURATION = "incidentdb_simple_unaccent"
