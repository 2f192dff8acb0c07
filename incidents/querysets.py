"""Named queries over incidents. `.public()` is the only gate for what the public may see."""

from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Prefetch, Subquery, Sum

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
        """
        from .models import Casualty

        totals = {}
        for outcome, prefix in (
            (CasualtyOutcome.KILLED, "killed"),
            (CasualtyOutcome.INJURED, "injured"),
        ):
            rows = (
                Casualty.objects.filter(incident=OuterRef("pk"), outcome=outcome)
                .order_by()
                .values("incident")
            )
            for estimate in ("low", "best", "high"):
                totals[f"{prefix}_{estimate}"] = Subquery(
                    rows.annotate(total=Sum(estimate)).values("total")
                )
        return self.update(**totals)
