"""The incident form's source reports and coded figures, through real admin requests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.choices import CasualtyGroup, ReportQualifier, Status
from incidents.models import Casualty, Incident
from tests.factories import (
    CasualtyFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    SourceReportFactory,
)

ADD_URL = reverse("admin:incidents_incident_add")


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def bamako_form(location, reports, coded=(), **overrides):
    """The add form of the 17 September 2024 attack in Bamako, with `reports` [(source,
    qualifier, figure)] of civilians killed and `coded` [(group, low, best, high, note)]."""
    data = {
        "start_date": "2024-09-17",
        "end_date": "",
        "date_precision": "1",
        "location": str(location.pk),
        "geo_precision": "1",
        "event_type": "battles",
        "sub_event_type": "armed_clash",
        "title": "Attack on the gendarmerie school in Bamako",
        "narrative": "",
        "acled_event_id": "",
        "ucdp_id": "",
        **management("incident_actors", 0),
        **management("citations", 0),
        **management("source_reports", len(reports)),
        **management("casualties", len(coded)),
        "_save": "Save",
    }
    for index, (source, qualifier, figure) in enumerate(reports):
        prefix = f"source_reports-{index}"
        data.update(
            {
                f"{prefix}-group": "civilians",
                f"{prefix}-outcome": "killed",
                f"{prefix}-source": str(source.pk),
                f"{prefix}-qualifier": qualifier,
                f"{prefix}-figure": str(figure),
                f"{prefix}-figure_high": "",
                f"{prefix}-reported_on": "2024-09-18",
                f"{prefix}-quote": "",
            }
        )
    for index, (group, low, best, high, note) in enumerate(coded):
        prefix = f"casualties-{index}"
        data.update(
            {
                f"{prefix}-group": group,
                f"{prefix}-outcome": "killed",
                f"{prefix}-low": str(low),
                f"{prefix}-best": str(best),
                f"{prefix}-high": str(high),
                f"{prefix}-note": note,
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def bamako_reports(db):
    afp, le_monde, others = (SourceFactory(name=name) for name in ["AFP", "Le Monde", "Others"])
    return [
        (afp, ReportQualifier.EXACT, 77),
        (le_monde, ReportQualifier.AT_LEAST, 70),
        (others, ReportQualifier.AT_LEAST, 100),
    ]


def test_reports_without_a_coded_figure_are_coded_as_they_propose(analyst_client, bamako_reports):
    response = analyst_client.post(
        ADD_URL, bamako_form(LocationFactory(), bamako_reports), follow=True
    )
    assert response.redirect_chain, response.context["adminform"].form.errors
    incident = Incident.objects.get()
    coded = incident.casualties.get()
    assert (coded.group, coded.outcome) == ("civilians", "killed")
    assert (coded.low, coded.best, coded.high, coded.high_open) == (70, 77, 100, True)
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (70, 77, 100)
    assert incident.source_reports.count() == 3
    messages = [str(message) for message in response.context["messages"]]
    assert "Killed (civilians) coded 70 / 77 / 100+ from 3 reports." in messages


def test_a_coded_figure_outside_the_reports_needs_a_note(analyst_client, bamako_reports):
    summed = [("civilians", 247, 247, 247, "")]
    response = analyst_client.post(ADD_URL, bamako_form(LocationFactory(), bamako_reports, summed))
    assert response.status_code == 200
    formset = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "casualties"
    )
    (error,) = formset.forms[0].errors["note"]
    assert "The sources reported 70–100+ for Killed (civilians)" in error
    assert not Incident.objects.exists()

    explained = [("civilians", 70, 110, 120, "The ministry's later count, not yet published.")]
    response = analyst_client.post(
        ADD_URL, bamako_form(LocationFactory(name="Bamako"), bamako_reports, explained)
    )
    assert response.status_code == 302
    coded = Casualty.objects.get()
    assert (coded.low, coded.best, coded.high) == (70, 110, 120)


def test_one_coded_figure_per_group_and_outcome(analyst_client, bamako_reports):
    twice = [("civilians", 77, 77, 77, ""), ("civilians", 70, 70, 70, "")]
    response = analyst_client.post(ADD_URL, bamako_form(LocationFactory(), bamako_reports, twice))
    assert response.status_code == 200
    formset = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "casualties"
    )
    assert any("coded twice" in error for error in formset.non_form_errors())
    assert "coded twice" in response.content.decode()
    assert not Incident.objects.exists()


def test_change_form_shows_what_the_reports_propose_and_the_toll_unknown_box(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT)
    CasualtyFactory(incident=incident, low=70, best=77, high=100, high_open=True)
    for qualifier, figure in [("exact", 77), ("at_least", 70), ("at_least", 100)]:
        SourceReportFactory(incident=incident, qualifier=qualifier, figure=figure)
    html = analyst_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    assert "70 / 77 / 100+ from 3 reports" in html
    assert 'name="toll_unknown"' in html
    assert "Source reports" in html and "Coded figures" in html
    # The old help that invited one casualty row per source is gone.
    assert "The source that reported these figures" not in html


def test_change_form_query_count_does_not_grow_with_reports(reviewer_client):
    incident = IncidentFactory(status=Status.DRAFT)
    CasualtyFactory(incident=incident, group=CasualtyGroup.CIVILIANS)
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    counts = {}
    for reports in (1, 20):
        while incident.source_reports.count() < reports:
            SourceReportFactory(incident=incident, figure=incident.source_reports.count())
        reviewer_client.get(url)  # the session and content types, read once
        with CaptureQueriesContext(connection) as captured:
            assert reviewer_client.get(url).status_code == 200
        counts[reports] = len(captured)
    assert counts[1] == counts[20], counts


def test_analyst_sees_a_published_incidents_reports_and_figures_read_only(analyst_client):
    incident = IncidentFactory(status=Status.PUBLISHED)
    CasualtyFactory(incident=incident, low=70, best=77, high=100, high_open=True)
    SourceReportFactory(incident=incident, source=SourceFactory(name="AFP"), figure=77)
    response = analyst_client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "AFP" in html and "77 from 1 report" in html
    assert 'name="source_reports-0-figure"' not in html  # nothing to edit


@pytest.mark.parametrize(
    ("qualifier", "figure", "figure_high", "message"),
    [
        ("range", "20", "", "A range needs its upper end"),
        ("range", "20", "10", "A range needs its upper end"),
        ("at_least", "", "", "Give the figure as reported"),
        ("exact", "20", "30", "A range needs its upper end"),
    ],
)
def test_a_report_the_source_could_not_have_given_is_refused_with_a_message(
    analyst_client, bamako_reports, qualifier, figure, figure_high, message
):
    data = bamako_form(LocationFactory(), bamako_reports[:1])
    data.update(
        {
            "source_reports-0-qualifier": qualifier,
            "source_reports-0-figure": figure,
            "source_reports-0-figure_high": figure_high,
        }
    )
    response = analyst_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Incident.objects.exists()
