"""The count tables (incidents/counts.py, kept by migration 0021's triggers): every write path
leaves them equal to a recount of the published incidents, and the pages, the API and the
series answer from them exactly what the incidents themselves give."""

import datetime
import importlib
from dataclasses import asdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import ExtractYear
from django.urls import reverse

from analysis.series import build_series
from incidents import counts
from incidents.choices import CasualtyGroup, DatePrecision, Status
from incidents.filters import IncidentFilterSet
from incidents.models import EventType, Incident, Location, PublicIncidentMonth
from tests.factories import (
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
    save_incidents_in_bulk,
)

LIST_URL = reverse("incidents:incident_list")
API_URL = "/api/incidents/"
API_SERIES = reverse("analysis_api:series")


def day(text):
    return datetime.date.fromisoformat(text)


@pytest.fixture
def sahel(db):
    """Published incidents in two Malian regions, a Burkinabè one and a place known only to its
    country, of two types, over 2023-2024: one-day, multi-day (across the year's end and across
    a month's end), dated only to the month or the year, toll known or not; and a draft and a
    retraction, which never count."""
    mali = CountryFactory(iso3="MLI", iso2="ML", name="Mali")
    burkina = CountryFactory(iso3="BFA", iso2="BF", name="Burkina Faso")
    mopti = AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    gao = AdminAreaFactory(country=mali, name="Gao", iso_code="ML-7")
    sahel_region = AdminAreaFactory(country=burkina, name="Sahel", iso_code="BF-13")
    places = {
        "mopti": LocationFactory(admin1=mopti),
        "gao": LocationFactory(admin1=gao),
        "djibo": LocationFactory(admin1=sahel_region),
        "mali": LocationFactory(admin1=None, country=mali),
    }
    specs = [
        # (place, start, end, precision, event type, killed)
        ("mopti", "2023-09-15", None, DatePrecision.DAY, "battles", 15),
        ("mopti", "2023-12-28", "2024-01-03", DatePrecision.DAY, "battles", 4),
        ("mopti", "2024-01-31", "2024-02-02", DatePrecision.DAY, "violence_against_civilians", 7),
        ("mopti", "2024-03-01", None, DatePrecision.MONTH, "battles", None),
        ("gao", "2024-01-01", None, DatePrecision.YEAR, "battles", 2),
        ("gao", "2024-06-10", None, DatePrecision.DAY, "violence_against_civilians", None),
        ("djibo", "2024-06-11", None, DatePrecision.DAY, "battles", 30),
        ("djibo", "2023-02-02", None, DatePrecision.DAY, "violence_against_civilians", 1),
        ("mali", "2024-12-31", "2025-01-02", DatePrecision.DAY, "battles", 0),
    ]
    incidents = save_incidents_in_bulk(
        [
            IncidentFactory.build(
                location=places[place],
                start_date=day(start),
                end_date=day(end) if end else None,
                date_precision=precision,
                event_type_id=event_type,
                sub_event_type=None,
            )
            for place, start, end, precision, event_type, _killed in specs
        ],
        killed=lambda number: specs[number][5] or 0,
    )
    # An unknown toll has no casualty row: its totals are NULL.
    unknown = [
        incident.pk for incident, spec in zip(incidents, specs, strict=True) if spec[5] is None
    ]
    Incident.objects.filter(pk__in=unknown).update(
        killed_low=None, killed_best=None, killed_high=None
    )
    IncidentFactory(location=places["mopti"], status=Status.DRAFT, start_date=day("2024-02-01"))
    IncidentFactory(location=places["gao"], status=Status.RETRACTED, start_date=day("2024-02-01"))
    return {"mali": mali, "mopti": mopti, "gao": gao, "places": places, "incidents": incidents}


def assert_counts_exact(published):
    assert counts.differences() == []
    assert Incident.objects.public().count() == published
    for table in counts.TABLES:
        assert sum(table.objects.values_list("incidents", flat=True)) == published


# --- every write path keeps the tables exact --------------------------------------------------


def reviewer():
    return UserFactory(username="reviewer", group="Reviewer")


def save_an_edit(sahel):
    incident = Incident.objects.get(pk=sahel["incidents"][0].pk)
    incident.start_date, incident.location = day("2024-05-05"), sahel["places"]["gao"]
    incident.save()
    return 9


def publish_a_draft(sahel):
    draft = Incident.objects.get(status=Status.DRAFT)
    draft.toll_unknown = True
    draft.save()
    CitationFactory(incident=draft)
    draft.publish(by=reviewer())
    return 10


def retract(sahel):
    Incident.objects.get(pk=sahel["incidents"][1].pk).retract(by=reviewer(), reason="Wrong")
    return 8


def import_in_bulk(sahel):
    save_incidents_in_bulk(
        [IncidentFactory.build(location=sahel["places"]["mali"]) for _ in range(3)],
        killed=lambda number: number + 1,
    )
    return 12


def update_a_queryset(sahel):
    Incident.objects.filter(location=sahel["places"]["mopti"]).update(
        event_type=EventType.objects.get(pk="protests"),
        sub_event_type=None,
        date_precision=DatePrecision.WEEK,
        end_date=None,
    )
    return 9


def code_a_casualty_figure(sahel):
    # Casualty.save refreshes the incident's totals with refresh_casualty_totals' raw UPDATE.
    CasualtyFactory(incident=sahel["incidents"][5], best=12, group=CasualtyGroup.ASSAILANTS)
    CasualtyFactory(incident=sahel["incidents"][0], best=3, group=CasualtyGroup.ASSAILANTS)
    assert Incident.objects.get(pk=sahel["incidents"][0].pk).killed_best == 15 + 3
    return 9


def delete(sahel):
    Incident.objects.filter(pk__in=[sahel["incidents"][2].pk, sahel["incidents"][6].pk]).delete()
    return 7


def move_a_place_to_another_region(sahel):
    Location.objects.filter(pk=sahel["places"]["mopti"].pk).update(admin1=sahel["gao"])
    place = sahel["places"]["mali"]
    place.admin1 = sahel["mopti"]
    place.save()
    return 9


def import_a_file(sahel, tmp_path):
    from tests.incidents.test_csv_injection import import_acled

    assert import_acled(tmp_path).created == 1
    assert import_acled(tmp_path, fatalities="12").updated == 1
    return 10


@pytest.mark.parametrize(
    "write",
    [
        save_an_edit,
        publish_a_draft,
        retract,
        import_in_bulk,
        update_a_queryset,
        code_a_casualty_figure,
        delete,
        move_a_place_to_another_region,
        import_a_file,
    ],
)
def test_every_write_path_leaves_the_count_tables_equal_to_a_recount(sahel, tmp_path, write):
    assert_counts_exact(9)
    arguments = (sahel, tmp_path) if write is import_a_file else (sahel,)
    assert_counts_exact(write(*arguments))


def test_a_place_moved_moves_its_incidents_between_regions_in_the_facets(sahel):
    Location.objects.filter(pk=sahel["places"]["gao"].pk).update(admin1=sahel["mopti"])
    regions = {
        row["label"]: row["count"] for row in Incident.objects.public().facet_counts()["admin1"]
    }
    # Named with their countries: the facet holds regions of Mali and of Burkina Faso.
    assert regions == {"Mopti (Mali)": 6, "Sahel (Burkina Faso)": 2, None: 1}


def test_the_rebuild_command_finds_and_mends_a_difference(sahel):
    PublicIncidentMonth.objects.filter(pk=PublicIncidentMonth.objects.first().pk).update(
        incidents=99
    )
    with pytest.raises(CommandError):
        call_command("rebuild_public_counts", "--check")
    call_command("rebuild_public_counts")
    call_command("rebuild_public_counts", "--check")
    assert_counts_exact(9)


# --- the answers equal the incidents' own ----------------------------------------------------

SELECTIONS = [
    {},
    {"country": ["MLI"]},
    {"admin1": ["{mopti}"]},
    {"admin1": ["{mopti}", "{gao}"], "event_type": ["battles"]},
    {"event_type": ["violence_against_civilians"]},
    # whole years: the year table
    {"date_from": "2024-01-01", "date_to": "2024-12-31"},
    {"date_from": "2024-01-01", "admin1": ["{mopti}"]},
    # whole months: the month table
    {"date_from": "2024-01-01", "date_to": "2024-01-31"},
    {"date_from": "2024-02-01"},
    {"date_to": "2023-12-31", "country": ["MLI"]},
    # days: the day table (multi-day incidents under way on date_from count)
    {"date_from": "2024-01-02", "date_to": "2024-06-10"},
    {"date_from": "2024-02-02"},
    {"date_to": "2024-06-10", "admin1": ["{gao}"]},
    {"date_from": "2023-12-30", "date_to": "2023-12-30"},
]


def selected(sahel, query):
    ids = {"mopti": sahel["mopti"].pk, "gao": sahel["gao"].pk}
    query = {
        name: [value.format(**ids) for value in values] if isinstance(values, list) else values
        for name, values in query.items()
    }
    counted = IncidentFilterSet.from_query(query).qs
    assert counted.count_selection is not None
    return counted, counted.with_count_selection(None)


@pytest.mark.parametrize("query", SELECTIONS)
def test_counts_facets_and_summary_equal_the_incidents_own(sahel, query):
    counted, recounted = selected(sahel, query)
    assert counted.cached_count() == recounted.count() == recounted.cached_count()
    assert counted.facet_counts() == recounted.facet_counts()
    assert counted.summary() == recounted.summary()


@pytest.mark.parametrize("query", SELECTIONS)
@pytest.mark.parametrize("interval", ["week", "month", "quarter", "year"])
@pytest.mark.parametrize("split", [None, "event_type", "admin1", "country"])
def test_series_equal_the_incidents_own(sahel, query, interval, split):
    counted, recounted = selected(sahel, query)
    dates = {
        "date_from": day(query["date_from"]) if "date_from" in query else None,
        "date_to": day(query["date_to"]) if "date_to" in query else None,
    }
    series = build_series(counted, interval=interval, split=split, top=2, **dates)
    expected = build_series(recounted, interval=interval, split=split, top=2, **dates)
    assert asdict(series) == asdict(expected)
    assert series.grand_total.incidents + series.unplaced.incidents > 0 or not recounted.exists()


def test_other_filters_are_counted_from_the_incidents(sahel):
    for query in ({"killed_min": "1"}, {"q": "Attack"}, {"date_precision_max": "1"}):
        incidents = IncidentFilterSet.from_query(query).qs
        assert incidents.count_selection is None
    incidents = IncidentFilterSet.from_query({"killed_min": "5", "country": ["MLI"]}).qs
    assert incidents.cached_count() == 2
    assert sum(row["count"] for row in incidents.facet_counts()["year"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Mopti"},
        {"q": "Mali"},
        {"q": "Mopti", "event_type": ["battles"], "date_from": "2024-01-01"},
        {"killed_min": "5"},
    ],
)
def test_the_count_and_facets_of_other_filters_equal_a_query_for_each(sahel, query):
    incidents = IncidentFilterSet.from_query(query).qs
    assert incidents.count_selection is None
    plain = incidents.order_by()

    def counted(**group):
        return {row["value"]: row["n"] for row in plain.values(**group).annotate(n=Count("*"))}

    def facet(name):
        return {row["value"]: row["count"] for row in incidents.facet_counts()[name]}

    assert 0 < incidents.cached_count() == plain.count()
    assert facet("event_type") == counted(value=F("event_type"))
    assert facet("admin1") == counted(value=F("location__admin1"))
    assert facet("year") == counted(value=ExtractYear("start_date"))
    labels = {row["value"]: row["label"] for row in incidents.facet_counts()["admin1"]}
    assert labels.get(sahel["mopti"].pk, "Mopti").startswith("Mopti")  # with "(Mali)" or not
    assert labels.get(None) is None


def test_a_selection_narrowed_after_the_filter_is_counted_from_the_incidents(sahel):
    incidents = IncidentFilterSet.from_query({"country": ["MLI"]}).qs
    assert incidents.order_by("-start_date").select_related("location").count_selection
    narrowed = incidents.filter(killed_best__gte=5)
    assert narrowed.count_selection is None
    assert narrowed.cached_count() == 2
    assert incidents.none().count_selection is None
    assert Incident.objects.filter(title="x").public().count_selection is None


def test_the_list_page_and_the_api_count_what_the_incidents_give(client, sahel):
    for query in ({}, {"admin1": sahel["mopti"].pk, "date_from": "2024-01-01"}, {"killed_min": 1}):
        expected = IncidentFilterSet.from_query(
            {name: [str(value)] if name == "admin1" else value for name, value in query.items()}
        ).qs.with_count_selection(None)
        assert client.get(LIST_URL, query).context["count"] == expected.count()
        assert client.get(API_URL, query).json()["count"] == expected.count()


def test_a_retraction_leaves_the_count_facets_and_series_at_once(client, sahel):
    query = {"country": "MLI"}
    before = client.get(LIST_URL, query).context
    series_before = client.get(API_SERIES, {**query, "interval": "year"}).json()
    assert before["count"] == 7
    Incident.objects.get(pk=sahel["incidents"][0].pk).retract(by=reviewer(), reason="Wrong")
    after = client.get(LIST_URL, query).context
    assert after["count"] == 6
    years = {value.label: value.count for value in after["facets"][2].values}
    assert years["2023"] == 1
    series = client.get(API_SERIES, {**query, "interval": "year"}).json()
    assert [p["incidents"] for p in series["periods"]] == [
        p["incidents"] - (p["label"] == "2023") for p in series_before["periods"]
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers (PostgreSQL's: 0026)")
def test_every_data_version_trigger_of_0026_is_in_place_on_sqlite(db):
    """A later migration that remakes a table on SQLite (any change to a column) drops the
    triggers on it unless it installs them again (0024, 0034): then the kept pages go stale."""
    migration = importlib.import_module(
        "incidents.migrations.0026_public_data_version_covers_pages"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        installed = {name for (name,) in cursor.fetchall()}
    assert set(migration.sqlite_triggers()) <= installed
