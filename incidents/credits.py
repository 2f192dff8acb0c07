"""Where each incident comes from and under which terms: the credit every download and API
answer carries (issue 17, point 6).

An incident is credited to the dataset whose identifier it carries, whatever an analyst changed
since: the dataset it was imported from, or the one an analyst noted it as the same event of (a
cross-reference is credited too, rather than too little). Its identifier, not the time of an
import, decides, so that an export re-imported elsewhere and exported again is credited alike.
Every other incident was entered here and is credited to incidentdb. The credit is the
`source_dataset` column of the CSV (and of XLSX and GeoJSON), a field of each JSON incident, the
`credits` of a JSON answer (credits_json()), an XLSX "About" sheet, the credit line of an
incident's page, and the HTTP `Link` header (credit_links()) of every download and API answer,
which names the datasets of that answer's incidents only (the view says which: credit()).

Names and terms are human text: the About sheet writes them in the reader's language. The JSON
credits and the Link header are read by scripts, and stay in English in every language.
"""

from dataclasses import dataclass
from functools import cache

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .acled import OWN_EVENT_ID_PREFIX
from .roles import dataset_condition


@dataclass(frozen=True)
class Dataset:
    """A dataset incidents come from: its `source_dataset` value (`code`), its name, the terms
    it is published under and the work its publisher asks to be cited."""

    code: str
    name: str  # translated (gettext_lazy), as are licence and, for incidentdb, citation
    licence: str
    licence_url: str
    citation: str


UCDP_GED = Dataset(
    code="UCDP GED",
    name=_("UCDP Georeferenced Event Dataset (Uppsala Conflict Data Program)"),
    licence="CC BY 4.0",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    # What UCDP asks users of the GED to cite: the dataset's article and the latest yearly
    # article on its data. The about page, the incident page and every download say this text.
    citation=(
        "Sundberg, Ralph and Erik Melander (2013). Introducing the UCDP Georeferenced Event "
        "Dataset. Journal of Peace Research 50(4): 523–532; Davies, Shawn, Garoun Engström, "
        "Therése Pettersson and Magnus Öberg (2024). Organized violence 1989–2023, and the "
        "prevalence of organized crime groups. Journal of Peace Research 61(4): 673–693; for "
        "candidate events, Hegre, "
        "Håvard, Mihai Croicu, Kristine Eck and Stina Högbladh (2020). Introducing the UCDP "
        "Candidate Events Dataset. Research & Politics 7(3). https://ucdp.uu.se/downloads/"
    ),
)
ACLED = Dataset(
    code="ACLED",
    name="Armed Conflict Location & Event Data (ACLED)",
    licence=_("ACLED's terms of use"),
    licence_url="https://acleddata.com/terms-of-use/",
    citation=(
        "Raleigh, Clionadh, Andrew Linke, Håvard Hegre and Joakim Karlsen (2010). Introducing "
        "ACLED: An Armed Conflict Location and Event Dataset. Journal of Peace Research 47(5): "
        "651–660. https://acleddata.com"
    ),
)
GTD = Dataset(
    code="GTD",
    name=_("Global Terrorism Database (START, University of Maryland)"),
    licence=_("START's terms of use of the GTD"),
    licence_url="https://www.start.umd.edu/gtd/terms-of-use/",
    citation=(
        "National Consortium for the Study of Terrorism and Responses to Terrorism (START). "
        "Global Terrorism Database. https://www.start.umd.edu/gtd"
    ),
)
INCIDENTDB = Dataset(
    code="incidentdb",
    name=_("incidentdb (entered and reviewed by this site's analysts)"),
    licence="CC BY 4.0",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    citation=_("incidentdb, with each incident's own citation line on its page."),
)
DATASETS = [UCDP_GED, ACLED, GTD, INCIDENTDB]


def source_dataset(row):
    """The `source_dataset` of an incident given as a dict of its fields (export_records(), or
    a model instance's vars()): the dataset whose identifier it carries, else incidentdb."""
    # ACLED's id first, as roles.dataset_of reads an incident's sides. Our own event ids (IDB…)
    # come back in a re-imported export of ours: those are not ACLED's.
    acled_id = row["acled_event_id"]
    if acled_id and not acled_id.startswith(OWN_EVENT_ID_PREFIX):
        return ACLED.code
    if row["ucdp_id"]:
        return UCDP_GED.code
    if row["gtd_event_id"]:
        return GTD.code
    return INCIDENTDB.code


def source_dataset_condition(code):
    """The Q that selects the incidents source_dataset() credits to `code`, in SQL: ACLED's
    and UCDP's as roles.dataset_condition tells them; its "entered" ones split by a GTD id."""
    if code == ACLED.code:
        return dataset_condition("acled")
    if code == UCDP_GED.code:
        return dataset_condition("ucdp")
    gtd = Q(gtd_event_id="") if code == INCIDENTDB.code else ~Q(gtd_event_id="")
    return dataset_condition("entered") & gtd


def credit_lines(codes):
    """One line per dataset of `codes` (in DATASETS order): name, terms, what to cite, in the
    active language."""
    return [
        gettext("%(code)s: %(name)s. Licence: %(licence)s (%(url)s). Cite: %(citation)s")
        % {
            "code": dataset.code,
            "name": dataset.name,
            "licence": dataset.licence,
            "url": dataset.licence_url,
            "citation": dataset.citation,
        }
        for dataset in DATASETS
        if dataset.code in codes
    ]


def credits_json(codes):
    """The datasets of `codes` as JSON answers list them, in English whatever the language."""
    with translation.override("en"):
        return [
            {
                "source_dataset": dataset.code,
                "name": str(dataset.name),
                "licence": str(dataset.licence),
                "licence_url": dataset.licence_url,
                "citation": str(dataset.citation),
            }
            for dataset in DATASETS
            if dataset.code in codes
        ]


def datasets_of(items):
    """The source_dataset codes of an answer's incidents, each a dict with "source_dataset"
    (the API's and the downloads' items): what its credits and its Link header name."""
    return {item["source_dataset"] for item in items}


@cache
def credit_links(codes):
    """The terms (rel="license") of each dataset of `codes` (a frozenset), in DATASETS order,
    each titled with the source_dataset value it applies to. In English; built once per set."""
    with translation.override("en"):
        return ", ".join(
            f'<{dataset.licence_url}>; rel="license"; title="{dataset.code}: {dataset.licence}"'
            for dataset in DATASETS
            if dataset.code in codes
        )


def credit(response, codes):
    """Mark `response` as holding incidents of the datasets `codes`: the CreditLinks
    middleware names their terms, and only theirs, in its Link header."""
    response.credited_datasets = frozenset(codes)
    return response


def add_credit_links(response, codes, cite_as=None):
    """The Link header of a download or an API answer: the terms of the datasets `codes` and,
    when given, the page to cite for it (rel="cite-as", RFC 8574). No header when there is
    neither (an answer that holds no incident)."""
    links = [credit_links(frozenset(codes))] if codes else []
    if cite_as:
        links.append(f'<{cite_as}>; rel="cite-as"')
    if links:
        response["Link"] = ", ".join(links)
    return response


DATASETS_BY_CODE = {dataset.code: dataset for dataset in DATASETS}


def credited_dataset(row):
    """The Dataset an incident (a dict of its fields, or a model instance's vars()) is
    credited to, or None when it was entered here: what its page's credit line names."""
    code = source_dataset(row)
    return None if code == INCIDENTDB.code else DATASETS_BY_CODE[code]
