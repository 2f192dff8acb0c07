"""Reference data the incidents point to: places, actors, sources, tactics and the taxonomy."""

from django.contrib import admin
from django.db import models

from ..models import (
    Actor,
    ActorAlias,
    AdminArea,
    Country,
    EventType,
    Location,
    Source,
    SubEventType,
    Tactic,
)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso3", "iso2"]
    search_fields = ["name", "iso3", "iso2"]


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "iso_code", "parent", "country"]
    list_filter = ["level", "country"]
    list_select_related = ["parent", "country"]
    search_fields = ["name", "iso_code"]
    autocomplete_fields = ["country", "parent"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "admin1", "admin2", "country", "latitude", "longitude"]
    list_filter = ["country"]
    list_select_related = ["admin1", "admin2", "country"]
    search_fields = ["name", "admin1__name", "admin2__name"]
    autocomplete_fields = ["country", "admin1", "admin2", "admin3"]
    fields = ["name", ("latitude", "longitude"), "country", "admin1", "admin2", "admin3"]


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "actor_type"]
    list_filter = ["actor_type"]
    search_fields = ["name", "aliases__name"]
    inlines = [ActorAliasInline]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "scale", "url"]
    list_filter = ["scale"]
    search_fields = ["name"]


@admin.register(Tactic)
class TacticAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TaxonomyAdmin(admin.ModelAdmin):
    """The ACLED taxonomy comes from a migration; analysts read it, nobody edits it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventType)
class EventTypeAdmin(TaxonomyAdmin):
    list_display = ["name", "code"]


@admin.register(SubEventType)
class SubEventTypeAdmin(TaxonomyAdmin):
    list_display = ["name", "event_type", "code"]
    list_filter = ["event_type"]
    list_select_related = ["event_type"]
