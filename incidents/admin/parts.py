"""The rows entered inside an incident's form: its casualty figures, actors and citations."""

from django.contrib import admin
from django.db import models

from ..models import Casualty, Citation, IncidentActor
from .permissions import IncidentPartInline


class IncidentActorInline(IncidentPartInline, admin.TabularInline):
    model = IncidentActor
    autocomplete_fields = ["actor"]
    extra = 1


class CasualtyInline(IncidentPartInline, admin.TabularInline):
    model = Casualty
    autocomplete_fields = ["source"]
    fields = ["group", "outcome", "low", "best", "high", "source"]
    extra = 1


class CitationInline(IncidentPartInline, admin.StackedInline):
    model = Citation
    # Reports are on the web today: a URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    autocomplete_fields = ["source"]
    fields = [("source", "published_on"), "url", "title", "excerpt"]
    extra = 1
