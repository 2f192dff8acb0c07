from django.apps import apps
from django.db import models
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..choices import ActorType, Status


class ActorQuerySet(models.QuerySet):
    def public(self):
        """Actors of published incidents; the public sees no other (an actor entered for a
        draft says what is being worked on).

        Each actor is tested by looking for its first published role, which stops there: as an
        EXISTS, PostgreSQL joined all the actors' roles instead, 80-135 ms for one actor (an
        actor's page, a list filtered by an actor) at a million incidents, where this takes
        2 ms; and for all the actors of that database it takes half the time (120 ms)."""
        roles = apps.get_model("incidents", "IncidentActor").objects
        first_published_role = (
            roles.filter(actor=OuterRef("pk"), incident__status=Status.PUBLISHED)
            .order_by()
            .values("pk")[:1]
        )
        return self.alias(published_role=Subquery(first_published_role)).filter(
            published_role__isnull=False
        )

    def most_shared(self, shared, limit):
        """The `limit` actors with the largest numbers in `shared` ({actor id: incidents}),
        each with its number as `shared`, most first then by name (as the database orders
        names): only those tied with the last one kept are read."""
        numbers = sorted(shared.values(), reverse=True)
        if not numbers:
            return []
        at_least = numbers[min(limit, len(numbers)) - 1]
        kept = {pk: number for pk, number in shared.items() if number >= at_least}
        number = Case(
            *[When(pk=pk, then=Value(n)) for pk, n in kept.items()],
            output_field=models.IntegerField(),
        )
        return list(
            self.filter(pk__in=kept).annotate(shared=number).order_by("-shared", "name")[:limit]
        )


class Actor(models.Model):
    """An armed group, state force, peacekeeping mission, militia or civilian group."""

    # Long enough for the longest names datasets give (UCDP's coalitions), which are never cut.
    name = models.CharField(_("name"), max_length=500, unique=True)
    # Empty when no dataset gave one: an actor first met as an associated actor of an ACLED
    # event (ACLED codes only actor1 and actor2), until a row or an analyst types it.
    actor_type = models.PositiveSmallIntegerField(
        _("actor type"),
        choices=ActorType.choices,
        null=True,
        blank=True,
        help_text=_("ACLED inter code"),
    )
    description = models.TextField(_("description"), blank=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:actor_detail", args=[self.pk])


class ActorAlias(models.Model):
    """Another name an actor is reported under (e.g. "JNIM")."""

    actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("actor")
    )
    name = models.CharField(_("name"), max_length=500, unique=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("actor alias")
        verbose_name_plural = _("actor aliases")

    def __str__(self):
        return self.name
