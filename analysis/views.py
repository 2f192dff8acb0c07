"""The analysis pages, their CSV/JSON downloads and the JSON API: parse, query, respond.

Every page reads its whole state from the query string (IncidentFilterSet's parameters plus its
own form's), so any view can be bookmarked and shared; bad values re-render the page with the
messages beside their fields, and the API and downloads answer 400 with them.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import chips, filter_panel
from incidents.counts import published_datasets
from incidents.credits import credit, credits_json
from incidents.querystrings import edit_query, with_query

from . import exports
from .charts import comparison_chart, series_charts
from .comparisons import compare_periods, latest_quarter_and_year_before
from .forms import (
    AnalysisQuery,
    CompareForm,
    PlaceChoices,
    PlacesForm,
    SeriesForm,
    headline_places,
)
from .links import ListLinks
from .schema import COMPARE_SCHEMA, PLACES_SCHEMA, SERIES_SCHEMA
from .series import build_place_series, build_series, counting_rules
from .tables import comparison_table, series_tables


def read_series(query):
    """The series the request asks for, or None (its errors then are on the forms)."""
    if not query.is_valid():
        return None
    options = query.options
    try:
        return build_series(
            query.incidents,
            interval=options["interval"],
            split=options["split"],
            top=options["top"],
            measure=options["measure"],
            date_from=query.date_from,
            date_to=query.date_to,
            rolling=options["rolling"],
        )
    except ValidationError as error:
        query.form.add_error("interval", error)
        return None


def read_place_series(query):
    if not query.is_valid():
        return None
    try:
        return build_place_series(
            query.incidents,
            query.options["place"],
            interval=query.options["interval"],
            date_from=query.date_from,
            date_to=query.date_to,
            rolling=query.options["rolling"],
        )
    except ValidationError as error:
        query.form.add_error("interval", error)
        return None


def read_comparison(query):
    if not query.is_valid():
        return None
    options = query.options
    return compare_periods(
        query.incidents,
        options["a_from"],
        options["a_to"],
        options["b_from"],
        options["b_to"],
        by=options["by"],
        top=options["top"],
    )


def clean_url(request):
    """The page's address without the empty values a form sends for every field left blank
    (without JavaScript, which leaves them out), or None when it has none: the address in the
    browser is the one a reader copies and shares."""
    if all("" not in values for _name, values in request.GET.lists()):
        return None
    return with_query(request.path, edit_query(request.GET))


def page_context(request, query):
    """The filter panel of the incident list (its chips too), beside the page's own controls,
    which "Clear all" keeps."""
    form = query.filterset.form
    filter_panel.prepare_panel(form)
    keep = list(query.form.fields)
    return {
        "query": query,
        "filter_query": ListLinks(request.GET).query_string(),
        **filter_panel.panel_context(form),
        "chips": chips.filter_chips(request.path, query.filterset.data, form),
        "clear_url": chips.clear_url(request.path, query.filterset.data, keep=keep),
    }


def series_context(request, series):
    """What a series page shows beside its forms: charts, tables and the rules."""
    if series is None or series.is_empty:
        return {"series": series}
    links = ListLinks(request.GET)
    period_urls = links.period_urls(series)
    return {
        "series": series,
        "charts": series_charts(series, period_urls),
        "tables": series_tables(series, links, period_urls),
        "rules": counting_rules(series.interval, series.split),
    }


def series_page(request):
    """/analysis/: incidents and killed per period, optionally split into groups."""
    if clean := clean_url(request):
        return redirect(clean)
    query = AnalysisQuery(request.GET, SeriesForm)
    series = read_series(query)
    return render(
        request,
        "analysis/series.html",
        {**page_context(request, query), **series_context(request, series)},
    )


def places_page(request):
    """/analysis/places/: up to four places side by side. Without any place= yet, it answers
    its headline question, Gao against Mopti (when the database has them), or only offers the
    choice (no "choose a place" error before the reader has chosen)."""
    if clean := clean_url(request):
        return redirect(clean)
    chosen = any(value.strip() for value in request.GET.getlist("place"))
    query = AnalysisQuery(request.GET, PlacesForm, chosen=chosen)
    if not chosen and (headline := headline_places()):
        query.choose(headline)
        chosen = True
    series = read_place_series(query) if chosen else None
    data = query.form.data if query.form.is_bound else request.GET
    return render(
        request,
        "analysis/places.html",
        {
            **page_context(request, query),
            "chosen": chosen,
            "place_choices": PlaceChoices(data, query.options.get("place")),
            **series_context(request, series),
        },
    )


def compare_page(request):
    """/analysis/compare/: period A against period B, per region, country, type or actor.
    Without any period yet, it compares the latest quarter of the selected incidents with the
    same quarter a year before (or, without incidents, only offers the choice)."""
    if clean := clean_url(request):
        return redirect(clean)
    chosen = any(request.GET.get(name) for name in ("a_from", "a_to", "b_from", "b_to"))
    query = AnalysisQuery(request.GET, CompareForm, chosen=chosen)
    if not chosen and query.filterset.is_valid():
        if periods := latest_quarter_and_year_before(query.incidents):
            query.choose(periods)
            chosen = True
    comparison = read_comparison(query) if chosen else None
    context = {**page_context(request, query), "chosen": chosen, "comparison": comparison}
    if comparison is not None:
        context["table"] = comparison_table(comparison, ListLinks(request.GET))
        context["charts"] = [
            comparison_chart(comparison, "incidents"),
            comparison_chart(comparison, "killed"),
        ]
        context["rules"] = counting_rules("year", comparison.by)[2:4]
    return render(request, "analysis/compare.html", context)


# --- downloads and the API ---------------------------------------------------------------------


def parameters_of(request):
    """The request's parameters, echoed in JSON so that a saved file says what it holds."""
    given = edit_query(request.GET)
    return {name: values if len(values) > 1 else values[0] for name, values in given.lists()}


class InvalidParameters(Exception):
    """The request's parameters cannot be answered; `answer` is the 400's body,
    {"errors": {"parameter": ["message", …]}}."""

    def __init__(self, answer):
        super().__init__(answer)
        self.answer = answer


@dataclass
class Answer:
    """What a download or the API gives for one view: the file's name, the JSON data and the
    CSV rows (an iterator, read once)."""

    name: str
    data: dict
    csv_header: list
    csv_rows: object


def series_answer(request):
    query = AnalysisQuery(request.GET, SeriesForm)
    return series_as_answer("series", request, query, read_series(query))


def places_answer(request):
    """A places view is a series whose groups are the chosen places."""
    query = AnalysisQuery(request.GET, PlacesForm)
    return series_as_answer("places", request, query, read_place_series(query))


def series_as_answer(name, request, query, series):
    if series is None:
        raise InvalidParameters(query.errors_answer())
    return Answer(
        name,
        exports.series_as_dict(series, parameters_of(request)),
        exports.SERIES_CSV_HEADER,
        exports.series_csv_rows(series),
    )


def comparison_answer(request):
    query = AnalysisQuery(request.GET, CompareForm)
    comparison = read_comparison(query)
    if comparison is None:
        raise InvalidParameters(query.errors_answer())
    return Answer(
        "comparison",
        exports.comparison_as_dict(comparison, parameters_of(request)),
        exports.COMPARISON_CSV_HEADER,
        exports.comparison_csv_rows(comparison),
    )


# The download URL names the view: /analysis/<view>.<file_format>.
ANSWERS = {"series": series_answer, "places": places_answer, "compare": comparison_answer}


def download(request, view, file_format):
    """/analysis/series.csv, /analysis/compare.json …: the page's numbers as a file."""
    try:
        answer = ANSWERS[view](request)
    except InvalidParameters as invalid:
        return JsonResponse(invalid.answer, status=400)
    datasets = published_datasets()
    if file_format == "csv":
        response = exports.csv_response(answer.name, answer.csv_header, answer.csv_rows)
        return credit(response, datasets)
    return credit(exports.json_download(answer.name, credited(answer.data, datasets)), datasets)


def credited(data, datasets):
    """An answer's data with its `credits`, as the incident API's. A series counts incidents
    without reading them: it credits the datasets of all published incidents (a remembered
    value), of which its own are some, rather than pass over them again to tell which."""
    return {**data, "credits": credits_json(datasets)}


class AnalysisAPIView(APIView):
    """Read-only and public, JSON only, with the errors in the downloads' shape. `answer` reads
    the request (DRF's, whose GET is its query parameters) into an Answer."""

    answer = None
    renderer_classes = [JSONRenderer]

    def get(self, request):
        try:
            answer = self.answer(request)
        except InvalidParameters as invalid:
            return Response(invalid.answer, status=400)
        datasets = published_datasets()
        return credit(Response(credited(answer.data, datasets)), datasets)


@extend_schema(**SERIES_SCHEMA)
class SeriesAPI(AnalysisAPIView):
    """Incidents and killed (low, best, high) per week, month, quarter or year of the incidents
    the filter selects, optionally split into the top regions, countries, event types or actors
    plus "Other". The `rules` list says how the numbers are counted."""

    answer = staticmethod(series_answer)


@extend_schema(**COMPARE_SCHEMA)
class CompareAPI(AnalysisAPIView):
    """Period A against period B per region, country, event type or actor: incidents and
    killed in each, the change and the % change ("new" when A is zero), and the totals."""

    answer = staticmethod(comparison_answer)


@extend_schema(**PLACES_SCHEMA)
class PlacesAPI(AnalysisAPIView):
    """Up to four places side by side: one group per place, as in the split series."""

    answer = staticmethod(places_answer)
