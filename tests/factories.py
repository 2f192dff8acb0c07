"""Factories for the domain models; tests build exactly the rows they talk about."""

import datetime
import functools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from incidents.choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    CasualtyOutcome,
    DatePrecision,
    GeoPrecision,
    ReportQualifier,
    SourceScale,
    Status,
)
from incidents.models import (
    Actor,
    AdminArea,
    Casualty,
    Citation,
    Country,
    EventType,
    Incident,
    IncidentActor,
    Location,
    Source,
    SourceReport,
    SubEventType,
)


@functools.cache
def _taxonomy_row(model, code):
    fields = [field.attname for field in model._meta.concrete_fields]
    return fields, model.objects.filter(pk=code).values_list(*fields).get()


def taxonomy(model, code):
    """The event type or sub-event type of this code, as if just read from the database.

    Migrations seed these rows and no test changes them, so each is read once per run: two
    queries less for every incident the factories make (a third of an incident's cost)."""
    return model.from_db(DEFAULT_DB_ALIAS, *_taxonomy_row(model, code))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def group(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))
        if create:
            user.save()


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["iso3"]

    iso3 = "MLI"
    iso2 = "ML"
    name = "Mali"


class AdminAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminArea
        django_get_or_create = ["country", "level", "name"]

    country = factory.SubFactory(CountryFactory)
    level = AdminArea.Level.ADMIN1
    name = "Mopti"
    iso_code = "ML-5"

    @classmethod
    def _get_or_create(cls, model_class, *args, **kwargs):
        area = super()._get_or_create(model_class, *args, **kwargs)
        # An area found (not created) knows its country's id only; give it the country it was
        # looked up by, which a location then takes without another query.
        country = kwargs.get("country")
        if isinstance(country, Country) and country.pk == area.country_id:
            area.country = country
        return area


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Village {n}")
    latitude = Decimal("14.48430")
    longitude = Decimal("-4.18280")
    admin1 = factory.SubFactory(AdminAreaFactory)
    country = factory.LazyAttribute(lambda location: location.admin1.country)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Armed group {n}")
    actor_type = ActorType.REBEL_GROUP


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Journal du Mali {n}")
    scale = SourceScale.NATIONAL


class IncidentFactory(factory.django.DjangoModelFactory):
    """A published armed clash; pass status=Status.DRAFT (etc.) for the other states."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Attack number {n}")
    start_date = datetime.date(2023, 9, 15)
    date_precision = DatePrecision.DAY
    location = factory.SubFactory(LocationFactory)
    geo_precision = GeoPrecision.EXACT
    event_type = factory.LazyFunction(lambda: taxonomy(EventType, "battles"))
    sub_event_type = factory.LazyFunction(lambda: taxonomy(SubEventType, "armed_clash"))
    status = Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda incident: (
            timezone.now() if incident.status in (Status.PUBLISHED, Status.RETRACTED) else None
        )
    )
    retracted_at = factory.LazyAttribute(
        lambda incident: timezone.now() if incident.status == Status.RETRACTED else None
    )
    retraction_reason = factory.LazyAttribute(
        lambda incident: (
            "Duplicate of another incident" if incident.status == Status.RETRACTED else ""
        )
    )


class CasualtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Casualty

    incident = factory.SubFactory(IncidentFactory)
    group = CasualtyGroup.CIVILIANS
    outcome = CasualtyOutcome.KILLED
    best = 5


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    incident = factory.SubFactory(IncidentFactory)
    source = factory.SubFactory(SourceFactory)
    url = "https://example.org/report"
    title = "Report"


class IncidentActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentActor

    incident = factory.SubFactory(IncidentFactory)
    actor = factory.SubFactory(ActorFactory)
    role = ActorRole.PERPETRATOR


def save_places_in_bulk(places):
    """Save places made by LocationFactory.build(…) (with saved areas) with one INSERT."""
    for place in places:
        place.fill_hierarchy()  # what Location.save() does
    return Location.objects.bulk_create(places)


def save_incidents_in_bulk(incidents, *, tactics=(), roles=(), killed=None, source=None):
    """Save incidents made by IncidentFactory.build(location=<a saved place>, …) with the given
    tactics, the actors of `roles` [(actor, role)], a row of `killed(number)` civilians killed
    (unless `killed` is None), a citation of `source` (if given) and its report of the killed
    figure (if both are given); return them.

    One INSERT per table and one UPDATE of the casualty totals, where the factories take a
    dozen queries per incident: for the query-budget tests, which need many incidents with
    their related rows to expose an N+1. Bulk inserts write no history rows.
    """
    incidents = Incident.objects.bulk_create(incidents)
    Incident.tactics.through.objects.bulk_create(
        Incident.tactics.through(incident=incident, tactic=tactic)
        for incident in incidents
        for tactic in tactics
    )
    IncidentActor.objects.bulk_create(
        IncidentActor(incident=incident, actor=actor, role=role)
        for incident in incidents
        for actor, role in roles
    )
    if killed is not None:
        casualties = [
            CasualtyFactory.build(incident=incident, best=killed(number))
            for number, incident in enumerate(incidents)
        ]
        for casualty in casualties:
            casualty.fill_estimates()  # what Casualty.save() does
        Casualty.objects.bulk_create(casualties)
        Incident.objects.filter(
            pk__in=[incident.pk for incident in incidents]
        ).refresh_casualty_totals()
    if source is not None:
        Citation.objects.bulk_create(
            CitationFactory.build(incident=incident, source=source) for incident in incidents
        )
    if source is not None and killed is not None:
        # What the source said: the figure the casualty row codes.
        SourceReport.objects.bulk_create(
            SourceReportFactory.build(incident=incident, source=source, figure=killed(number))
            for number, incident in enumerate(incidents)
        )
    return incidents


class SourceReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceReport

    incident = factory.SubFactory(IncidentFactory)
    group = CasualtyGroup.CIVILIANS
    outcome = CasualtyOutcome.KILLED
    source = factory.SubFactory(SourceFactory)
    qualifier = ReportQualifier.EXACT
    figure = 5
