"""Named queries over incidents. `.public()` is the only gate for what the public may see."""

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Count, Max, Min, Prefetch, Sum

from .choices import CasualtyOutcome, Status


class IncidentQuerySet(models.QuerySet):
    def public(self):
        """Incidents the public may see: published ones. Drafts, reviews and retractions never."""
        return self.filter(status=Status.PUBLISHED)

    def retracted(self):
        return self.filter(status=Status.RETRACTED)

    def for_table(self):
        """Everything one row of the public table shows, in a fixed number of queries."""
        from .models import IncidentActor

        return (
            self.select_related(
                "location__country", "location__admin1", "event_type", "sub_event_type"
            )
            .defer("narrative")
            .prefetch_related(
                "tactics",
                Prefetch(
                    "incident_actors",
                    queryset=IncidentActor.objects.select_related("actor").order_by("role", "id"),
                ),
            )
        )

    def for_detail(self):
        """Everything the incident page shows, in a fixed number of queries."""
        from .models import Casualty, Citation, Incident, IncidentActor

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
                queryset=IncidentActor.objects.select_related("actor").order_by("role", "id"),
            ),
            Prefetch(
                "casualties",
                queryset=Casualty.objects.select_related("source").order_by(
                    "outcome", "group", "id"
                ),
            ),
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
            Prefetch(
                "related",
                queryset=Incident.objects.public().select_related(
                    "location", "event_type", "sub_event_type"
                ),
                to_attr="public_related",
            ),
        )

    def summary(self):
        """Size of the selection: incidents, killed (best), first and last date."""
        return self.aggregate(
            incidents=Count("id"),
            killed=Sum("killed_best"),
            first_date=Min("start_date"),
            last_date=Max("start_date"),
        )

    def refresh_casualty_totals(self):
        """Set killed/injured low, best and high to the sums of each incident's casualty rows.

        One UPDATE for any number of incidents; an outcome without rows becomes NULL (unknown).
        Returns the number of incidents updated.
        """
        from .models import Casualty, Incident
        from .models.incidents import CASUALTY_TOTAL_FIELDS

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
        incident, casualty = Incident._meta.db_table, Casualty._meta.db_table
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
            "imported_at",
            "source_updated_at",
            "updated_at",
            "location__name",
            "location__latitude",
            "location__longitude",
            "location__country__name",
            "location__country__iso3",
            "location__admin1__name",
            "location__admin1__iso_code",
            "location__admin2__name",
            "location__admin2__iso_code",
            "location__admin3__name",
            "location__admin3__iso_code",
        )
