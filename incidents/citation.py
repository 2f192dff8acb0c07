"""How to cite the database: the line the about page gives researchers to copy."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .credits import ACLED, UCDP_GED

# The datasets incidents may come from, with their licences and how their authors ask to be
# cited (roles.ROLE_NAMES keys). Researchers citing our data should cite theirs too. Names of
# datasets, licences and publications stay as their authors wrote them; our own words translate.
DATASETS = {
    "ucdp": {
        "name": "UCDP Georeferenced Event Dataset (GED)",
        "url": "https://ucdp.uu.se/downloads/",
        "licence": "CC BY 4.0",
        # One text wherever the database cites a dataset: the downloads' (credits.py).
        "cite": UCDP_GED.citation,
    },
    "acled": {
        "name": "Armed Conflict Location & Event Data (ACLED)",
        "url": "https://acleddata.com/",
        "licence": gettext_lazy("ACLED's terms of use (acleddata.com)"),
        "cite": ACLED.citation,
    },
    "entered": {
        "name": gettext_lazy(
            "incidentdb analysts (and the Global Terrorism Database, where an incident has a "
            "GTD id)"
        ),
        "url": "",
        "licence": gettext_lazy(
            "The GTD's terms of use (START, University of Maryland) for its events"
        ),
        "cite": "",
    },
}


def dataset_citation(site_url, last_changed, accessed):
    """The citation line of the whole database, as of its last change: author, year, title,
    version (the day of the last change), address and the day it was read."""
    version = last_changed.date() if last_changed else accessed
    return _(
        "incidentdb (%(year)s). incidentdb: incidents of political violence in Mali and the "
        "Sahel, version of %(version)s [data set]. %(url)s (accessed %(accessed)s)."
    ) % {
        "year": version.year,
        "version": version.isoformat(),
        "url": site_url,
        "accessed": accessed.isoformat(),
    }


def datasets_with_counts(dataset_counts, labels):
    """DATASETS with each one's `label` (from `labels`, by key) and its number of published
    incidents, in the order of `dataset_counts` (IncidentQuerySet.dataset_counts)."""
    return [
        {**DATASETS[key], "label": labels[key], "incidents": incidents}
        for key, incidents in dataset_counts.items()
    ]
