"""Reference data the incidents point to: places, actors, sources, tactics and the taxonomy."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from ..models import (
    Actor,
    ActorAlias,
    AdminArea,
    Country,
    EventType,
    Incident,
    Location,
    Source,
    SubEventType,
    Tactic,
)
from ..naming import clean_name, name_key
from .merges import ActorMerge, SourceMerge
from .permissions import CheckedActionsMixin
from .unsaved import AskBeforeLeavingMixin

# What a place's outline check reads: changing any of them asks for a reviewer's reason again.
PLACE_COORDINATES = {"latitude", "longitude", "country", "admin1", "admin2", "admin3"}


class LocationForm(forms.ModelForm):
    """A place's form: coordinates outside the country's outline are refused (Location.clean)
    unless a reviewer gives the reason they are right, for these coordinates."""

    class Meta:
        model = Location
        fields = "__all__"  # noqa: DJ007 -- the admin narrows it to its fields

    def clean(self):
        cleaned = super().clean()
        moved = PLACE_COORDINATES & set(self.changed_data)
        if moved and "outline_override_reason" not in self.changed_data:
            # A reason given for other coordinates does not cover these (an analyst's form
            # shows the reason read-only: the instance's is cleared too).
            cleaned["outline_override_reason"] = self.instance.outline_override_reason = ""
        return cleaned


@admin.register(Country)
class CountryAdmin(CheckedActionsMixin, admin.ModelAdmin):
    list_display = ["name", "iso3", "iso2"]
    search_fields = ["name__fold__contains", "iso3", "iso2"]


@admin.register(AdminArea)
class AdminAreaAdmin(CheckedActionsMixin, admin.ModelAdmin):
    list_display = ["name", "level", "iso_code", "parent", "country"]
    list_filter = ["level", "country"]
    list_select_related = ["parent", "country"]
    search_fields = ["name__fold__contains", "iso_code"]
    autocomplete_fields = ["country", "parent"]


@admin.register(Location)
class LocationAdmin(AskBeforeLeavingMixin, CheckedActionsMixin, admin.ModelAdmin):
    form = LocationForm
    list_display = ["name", "admin1", "admin2", "country", "latitude", "longitude"]
    list_filter = ["country"]
    list_select_related = ["admin1", "admin2", "country"]
    search_fields = [
        "name__fold__contains",
        "admin1__name__fold__contains",
        "admin2__name__fold__contains",
    ]
    autocomplete_fields = ["country", "admin1", "admin2", "admin3"]
    fields = [
        "name",
        ("latitude", "longitude"),
        "country",
        "admin1",
        "admin2",
        "admin3",
        "outline_override_reason",
        ("outline_override_by", "outline_override_at"),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["outline_override_by", "outline_override_at"]
        if not request.user.has_perm("incidents.publish_incident"):
            # Only a reviewer may keep coordinates the outline check refuses.
            readonly.append("outline_override_reason")
        return readonly

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or not obj.outline_override_reason:
            # Who kept it outside the outline, and when, once someone has.
            fields = [
                field for field in fields if field != ("outline_override_by", "outline_override_at")
            ]
        return fields

    def save_model(self, request, obj, form, change):
        if "outline_override_reason" in form.changed_data or not obj.outline_override_reason:
            kept = bool(obj.outline_override_reason)
            obj.outline_override_by = request.user if kept else None
            obj.outline_override_at = timezone.now() if kept else None
        super().save_model(request, obj, form, change)


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


class NearCopyForm(forms.ModelForm):
    """A source's or actor's form that stores the name tidied (naming.clean_name) and refuses
    one that is another's but for case, accents or punctuation: "Agence France-Presse" when
    "Agence France Presse" exists. `names_taken` lists the (name, id) pairs it compares with."""

    def names_taken(self):
        raise NotImplementedError

    def clean_name(self):
        name = clean_name(self.cleaned_data["name"])
        key = name_key(name)
        for taken, pk in self.names_taken():
            if pk != self.instance.pk and name_key(taken) == key:
                raise forms.ValidationError(
                    _(
                        "“%(taken)s” is already entered, spelled differently: use it, or merge "
                        "the two with the list's action “Merge selected %(plural)s”."
                    )
                    % {"taken": taken, "plural": self._meta.model._meta.verbose_name_plural}
                )
        return name


class ActorForm(NearCopyForm):
    def names_taken(self):
        return [
            *Actor.objects.values_list("name", "pk"),
            *ActorAlias.objects.values_list("name", "actor_id"),
        ]


class SourceForm(NearCopyForm):
    def names_taken(self):
        return Source.objects.values_list("name", "pk")


@admin.register(Actor)
class ActorAdmin(CheckedActionsMixin, ActorMerge, admin.ModelAdmin):
    form = ActorForm
    list_display = ["name", "actor_type"]
    list_filter = ["actor_type"]
    search_fields = ["name__fold__contains", "aliases__name__fold__contains"]
    inlines = [ActorAliasInline]


@admin.register(Source)
class SourceAdmin(CheckedActionsMixin, SourceMerge, admin.ModelAdmin):
    form = SourceForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "scale", "url"]
    list_filter = ["scale"]
    search_fields = ["name__fold__contains"]  # accents and case don't count


class LabelledNameMixin:
    """Lists a vocabulary's rows by their label in the reader's language (the models' `label`:
    "Affrontement armé"), their names being stored in English (ACLED's words, which files
    hold). Read in another language, the stored name stands beside the label, as a file must
    spell it."""

    @admin.display(description=_("name"), ordering="name")
    def label(self, row):
        return row.label

    @admin.display(description=_("name as stored"), ordering="name")
    def stored_name(self, row):
        return row.name

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if get_language() != settings.LANGUAGE_CODE:
            shown.insert(shown.index("label") + 1, "stored_name")
        return shown


PROTECTED_SHOWN = 50


@admin.register(Tactic)
class TacticAdmin(LabelledNameMixin, CheckedActionsMixin, admin.ModelAdmin):
    list_display = ["label", "incident_count"]
    search_fields = ["name__fold__contains"]  # accents and case don't count

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(incident_count=Count("incidents"))

    @admin.display(description=_("incidents"), ordering="incident_count")
    def incident_count(self, tactic):
        return tactic.incident_count

    def get_deleted_objects(self, objs, request):
        # Deleting a nature of attack would silently take it off every incident tagged with
        # it (a many-to-many row has no protection of its own), published ones included and
        # with no history entry: the admin lists those incidents as protected instead.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        tagged = Incident.objects.filter(tactics__in=list(objs)).distinct()
        shown = list(tagged[:PROTECTED_SHOWN])
        protected = [
            *protected,
            *(gettext("incident: %(incident)s") % {"incident": incident} for incident in shown),
        ]
        if len(shown) == PROTECTED_SHOWN:
            protected.append(_("… and every other incident tagged with it"))
        return to_delete, model_count, perms_needed, protected


class TaxonomyAdmin(CheckedActionsMixin, admin.ModelAdmin):
    """The ACLED taxonomy comes from a migration; analysts read it, nobody edits it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventType)
class EventTypeAdmin(LabelledNameMixin, TaxonomyAdmin):
    list_display = ["label", "code"]


@admin.register(SubEventType)
class SubEventTypeAdmin(LabelledNameMixin, TaxonomyAdmin):
    list_display = ["label", "event_type", "code"]
    list_filter = ["event_type"]
    list_select_related = ["event_type"]
