"""The incident list's own filters: a region picker that follows the chosen country, and
incidents that cite no source yet."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ..models import AdminArea, Citation, ImportRun
from ..querystrings import row_id

COUNTRY_PARAMETER = "location__country__id__exact"


class RegionFilter(admin.SimpleListFilter):
    """Regions (admin1) as "Country · Region", sorted by country; once a country is chosen,
    only its regions, so the list stays short."""

    title = _("region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        regions = AdminArea.objects.filter(level=AdminArea.Level.ADMIN1).select_related("country")
        country = row_id(request.GET.get(COUNTRY_PARAMETER, ""))
        if country is not None:
            regions = regions.filter(country_id=country)
        return [
            (str(region.pk), f"{region.country.name} · {region.name}")
            for region in regions.order_by("country__name", "name")
        ]

    def queryset(self, request, queryset):
        region = row_id(self.value())
        if region is not None:
            return queryset.filter(location__admin1=region)
        return queryset


class CitationFilter(admin.SimpleListFilter):
    """Incidents without a citation cannot be published: the analyst's list of what to source."""

    title = _("sources")
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("no", _("No source cited")), ("yes", _("At least one source"))]

    def queryset(self, request, queryset):
        cited = Exists(Citation.objects.filter(incident=OuterRef("pk")))
        if self.value() == "no":
            return queryset.filter(~cited)
        if self.value() == "yes":
            return queryset.filter(cited)
        return queryset


class ImportRunFilter(admin.SimpleListFilter):
    """The incidents an admin upload created or changed (Incident.import_run): the link at the
    bottom of an import's page, and the latest imports to choose from."""

    title = _("import")
    parameter_name = "import_run"
    LATEST = 10

    def lookups(self, request, model_admin):
        runs = list(
            ImportRun.objects.filter(imported_at__isnull=False).defer("content")[: self.LATEST]
        )
        chosen = row_id(self.value() or "")
        if chosen is not None and chosen not in {run.pk for run in runs}:
            runs += ImportRun.objects.filter(pk=chosen).defer("content")
        return [(str(run.pk), str(run)) for run in runs]

    def queryset(self, request, queryset):
        run = row_id(self.value() or "")
        if run is not None:
            return queryset.filter(import_run=run)
        return queryset
