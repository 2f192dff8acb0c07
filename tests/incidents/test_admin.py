"""The analysts' workbench, through real admin requests as an analyst and a reviewer."""

import datetime

import pytest
from django.urls import reverse

from incidents import history
from incidents.choices import Status
from incidents.models import Incident, Tactic
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)

ADD_URL = reverse("admin:incidents_incident_add")


def inline_management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def kouakourou_report(location, source, actor, **overrides):
    """The admin add form filled in as the founding report reads:
    "September 2023, Kouakourou (Mopti region, Mali), coordinated ambush, 15 killed"."""
    data = {
        "start_date": "2023-09-01",
        "end_date": "",
        "date_precision": "4",
        "location": str(location.pk),
        "geo_precision": "1",
        "event_type": "battles",
        "sub_event_type": "armed_clash",
        "tactics": [
            str(Tactic.objects.get(name="Coordinated").pk),
            str(Tactic.objects.get(name="Ambush").pk),
        ],
        "title": "Coordinated ambush near Kouakourou",
        "narrative": "Gunmen ambushed a convoy.",
        "acled_event_id": "",
        "ucdp_id": "",
        **inline_management("incident_actors", 1),
        "incident_actors-0-actor": str(actor.pk),
        "incident_actors-0-role": "perpetrator",
        **inline_management("source_reports", 1),
        "source_reports-0-group": "security_forces",
        "source_reports-0-outcome": "killed",
        "source_reports-0-source": str(source.pk),
        "source_reports-0-qualifier": "range",
        "source_reports-0-figure": "12",
        "source_reports-0-figure_high": "20",
        "source_reports-0-reported_on": "2023-09-16",
        "source_reports-0-quote": "",
        **inline_management("casualties", 2),
        "casualties-0-group": "security_forces",
        "casualties-0-outcome": "killed",
        "casualties-0-low": "12",
        "casualties-0-best": "15",
        "casualties-0-high": "20",
        "casualties-0-high_open": "",
        "casualties-0-note": "",
        "casualties-1-group": "civilians",
        "casualties-1-outcome": "injured",
        "casualties-1-low": "",
        "casualties-1-best": "4",
        "casualties-1-high": "",
        "casualties-1-note": "",
        **inline_management("citations", 1),
        "citations-0-source": str(source.pk),
        "citations-0-published_on": "2023-09-16",
        "citations-0-url": "https://example.org/kouakourou",
        "citations-0-title": "Embuscade près de Kouakourou",
        "citations-0-excerpt": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


@pytest.fixture
def report_parts(db):
    return {
        "location": LocationFactory(name="Kouakourou"),
        "source": SourceFactory(name="Studio Tamani"),
        "actor": ActorFactory(name="JNIM"),
    }


def test_analyst_adds_an_incident_with_actors_casualties_and_citation(
    analyst_client, analyst, report_parts
):
    response = analyst_client.post(ADD_URL, kouakourou_report(**report_parts))
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get(title="Coordinated ambush near Kouakourou")
    assert incident.status == Status.DRAFT
    assert incident.created_by == analyst
    assert sorted(incident.tactics.values_list("name", flat=True)) == ["Ambush", "Coordinated"]
    assert list(incident.incident_actors.values_list("actor__name", "role")) == [
        ("JNIM", "perpetrator")
    ]
    assert (incident.killed_low, incident.killed_best, incident.killed_high) == (12, 15, 20)
    assert (incident.injured_low, incident.injured_best, incident.injured_high) == (4, 4, 4)
    citation = incident.citations.get()
    assert (citation.source.name, citation.published_on) == (
        "Studio Tamani",
        datetime.date(2023, 9, 16),
    )
    version = incident.versions.get()
    assert (version.number, version.kind, version.recorded_by) == (1, "created", analyst)
    assert {row["best"] for row in version.snapshot["casualties"]} == {15, 4}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "2099-01-01"}, "start_date"),
        ({"end_date": "2023-08-31"}, "end_date"),
        ({"sub_event_type": "suicide_bomb"}, "sub_event_type"),
    ],
    ids=["start date in the future", "end before start", "sub-event type of another type"],
)
def test_incident_form_refuses_with_message_on_the_field(
    analyst_client, report_parts, overrides, field
):
    response = analyst_client.post(ADD_URL, kouakourou_report(**report_parts, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("figures", "field"),
    [(("16", "15", "20"), "low"), (("12", "21", "20"), "high"), (("-1", "15", "20"), "low")],
    ids=["low above best", "best above high", "negative"],
)
def test_casualty_row_refuses_with_message_on_the_field(
    analyst_client, report_parts, figures, field
):
    low, best, high = figures
    data = kouakourou_report(
        **report_parts,
        **{"casualties-0-low": low, "casualties-0-best": best, "casualties-0-high": high},
    )
    response = analyst_client.post(ADD_URL, data)
    assert response.status_code == 200
    casualty_formset = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "casualties"
    )
    assert field in casualty_formset.formset.forms[0].errors
    assert not Incident.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("latitude", "91"), ("longitude", "-180.5")])
def test_new_place_refuses_coordinates_out_of_range(analyst_client, field, value):
    region = LocationFactory().admin1
    data = {
        "name": "Boni",
        "latitude": "15.03",
        "longitude": "-1.98",
        "country": "",
        "admin1": region.pk,
        field: value,
    }
    response = analyst_client.post(reverse("admin:incidents_location_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_analyst_adds_a_place_with_its_region(analyst_client):
    region = LocationFactory().admin1
    data = {
        "name": "Boni",
        "latitude": "15.03",
        "longitude": "-1.98",
        "country": "",
        "admin1": region.pk,
    }
    response = analyst_client.post(reverse("admin:incidents_location_add"), data)
    assert response.status_code == 302
    boni = region.country.locations.get(name="Boni")
    assert (boni.admin1, boni.country) == (region, region.country)


def test_analyst_submits_for_review_but_cannot_publish(analyst_client, analyst, report_parts):
    response = analyst_client.post(
        ADD_URL, kouakourou_report(**report_parts, _submit_for_review="1")
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.status, incident.submitted_by) == (Status.IN_REVIEW, analyst)

    change_url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = analyst_client.get(change_url)
    assert b'name="_publish"' not in page.content
    data = kouakourou_report(**report_parts, _publish="1")
    data.update(_existing_inline_rows(incident))
    assert analyst_client.post(change_url, data).status_code == 403

    changelist = analyst_client.get(reverse("admin:incidents_incident_changelist"))
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "publish" not in actions
    response = analyst_client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "publish", "_selected_action": [incident.pk]},
    )
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW


def _existing_inline_rows(incident):
    """POST data that keeps an incident's inline rows as they are (for re-saving the form),
    with the version the form was opened at."""
    data = {"opened_version": str(incident.version)}
    for prefix, rows in (
        ("incident_actors", incident.incident_actors.all()),
        ("source_reports", incident.source_reports.all()),
        ("casualties", incident.casualties.all()),
        ("citations", incident.citations.all()),
    ):
        rows = list(rows)
        data.update(inline_management(prefix, len(rows), len(rows)))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = str(row.pk)
            data[f"{prefix}-{index}-incident"] = str(incident.pk)
            for name in (
                "actor",
                "role",
                "group",
                "outcome",
                "low",
                "best",
                "high",
                "note",
                "source",
                "qualifier",
                "figure",
                "figure_high",
                "quote",
                "url",
                "title",
                "excerpt",
            ):
                if hasattr(row, name) and name != "incident":
                    value = (
                        getattr(row, f"{name}_id", None)
                        if name in ("actor", "source")
                        else getattr(row, name)
                    )
                    data[f"{prefix}-{index}-{name}"] = "" if value is None else str(value)
            if prefix == "citations":
                data[f"{prefix}-{index}-published_on"] = str(row.published_on or "")
            if prefix == "source_reports":
                data[f"{prefix}-{index}-reported_on"] = str(row.reported_on or "")
            if getattr(row, "high_open", False):
                data[f"{prefix}-{index}-high_open"] = "on"
    return data


def test_reviewer_publishes_and_is_recorded(reviewer_client, reviewer):
    incident = IncidentFactory(status=Status.IN_REVIEW, toll_unknown=True)
    CitationFactory(incident=incident)
    response = reviewer_client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "publish", "_selected_action": [incident.pk]},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.published_by) == (Status.PUBLISHED, reviewer)
    assert incident.published_at is not None


def test_reviewer_retracts_with_a_reason(reviewer_client, reviewer):
    incident = IncidentFactory(status=Status.PUBLISHED)
    retract_url = reverse("admin:incidents_incident_retract", args=[incident.pk])
    refused = reviewer_client.post(retract_url, {"reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors

    reviewer_client.post(retract_url, {"reason": "Duplicate of incident 12"})
    incident.refresh_from_db()
    assert (incident.status, incident.retracted_by) == (Status.RETRACTED, reviewer)
    assert incident.retraction_reason == "Duplicate of incident 12"


def test_analyst_cannot_retract(analyst_client):
    incident = IncidentFactory(status=Status.PUBLISHED)
    response = analyst_client.post(
        reverse("admin:incidents_incident_retract", args=[incident.pk]), {"reason": "No"}
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED


def test_published_incident_cannot_be_deleted_even_by_a_superuser(admin_client):
    incident = IncidentFactory(status=Status.PUBLISHED)
    response = admin_client.post(
        reverse("admin:incidents_incident_delete", args=[incident.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_analyst_corrects_a_casualty_row_and_totals_follow(analyst_client, analyst):
    casualty = CasualtyFactory(best=12, incident=IncidentFactory(status=Status.DRAFT))
    incident = casualty.incident
    data = {
        "start_date": "2023-09-15",
        "end_date": "",
        "date_precision": "1",
        "location": str(incident.location_id),
        "geo_precision": "1",
        "event_type": "battles",
        "sub_event_type": "armed_clash",
        "title": incident.title,
        "narrative": "",
        "acled_event_id": "",
        "ucdp_id": "",
        "_save": "Save",
    }
    data.update(_existing_inline_rows(incident))
    data["casualties-0-best"] = "30"
    data["casualties-0-high"] = "30"
    response = analyst_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]), data
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.killed_best == 30
    # The factory's incident had no version: its state before the change is recorded too.
    assert list(incident.versions.values_list("number", "kind", "recorded_by")) == [
        (2, "edited", analyst.pk),
        (1, "recorded", None),
    ]


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:incidents_incident_add",
        "admin:incidents_incident_changelist",
        "admin:incidents_location_add",
        "admin:incidents_actor_add",
        "admin:incidents_source_add",
    ],
)
def test_workbench_pages_open_for_an_analyst(analyst_client, url_name, db):
    IncidentFactory()
    assert analyst_client.get(reverse(url_name)).status_code == 200


def test_place_autocomplete_finds_places_for_the_incident_form(analyst_client):
    LocationFactory(name="Kouakourou")
    response = analyst_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Kouak",
            "app_label": "incidents",
            "model_name": "incident",
            "field_name": "location",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Kouakourou (Mopti)"]


def test_analyst_sees_a_published_incident_read_only(analyst_client):
    incident = IncidentFactory(status=Status.PUBLISHED, title="As published")
    change_url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = analyst_client.get(change_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    data = {"start_date": "2023-09-15", "title": "Quietly changed", "_save": "Save"}
    assert analyst_client.post(change_url, data).status_code == 403
    incident.refresh_from_db()
    assert incident.title == "As published"


def test_old_history_revert_address_cannot_unretract_an_incident(reviewer_client, reviewer):
    incident = IncidentFactory(status=Status.IN_REVIEW, toll_unknown=True)
    CitationFactory(incident=incident)
    history.record_current_state(incident)  # version 1, in review
    incident.publish(by=reviewer)
    incident.retract(by=reviewer, reason="Duplicate")
    # simple-history's revert form lived here; now it is the version's read-only page.
    url = f"/admin/incidents/incident/{incident.pk}/history/1/"
    response = reviewer_client.post(url, {"title": "Rewritten", "start_date": "2023-09-15"})
    assert response.status_code == 405
    incident.refresh_from_db()
    assert incident.status == Status.RETRACTED and incident.title != "Rewritten"
    assert Incident.objects.public().count() == 0


def test_retract_page_of_a_malformed_id_is_no_server_error(reviewer_client):
    response = reviewer_client.get("/admin/incidents/incident/abc/retract/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


def _unchanged_form_data(incident):
    data = {
        "start_date": str(incident.start_date), "end_date": "", "date_precision": "1",
        "location": str(incident.location_id), "geo_precision": "1",
        "event_type": "battles", "sub_event_type": "armed_clash",
        "title": incident.title, "narrative": "", "acled_event_id": "", "ucdp_id": "",
    }  # fmt: skip
    data.update(_existing_inline_rows(incident))
    return data


def test_publishing_unchanged_keeps_the_last_changed_date(reviewer_client):
    incident = CasualtyFactory(incident=IncidentFactory(status=Status.IN_REVIEW)).incident
    CitationFactory(incident=incident)
    before = incident.updated_at
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    response = reviewer_client.post(url, {**_unchanged_form_data(incident), "_publish": "1"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.updated_at) == (Status.PUBLISHED, before)


def test_correcting_only_a_casualty_row_counts_as_a_change(analyst_client, analyst):
    casualty = CasualtyFactory(best=12, incident=IncidentFactory(status=Status.DRAFT))
    incident = casualty.incident
    before = incident.updated_at
    data = {**_unchanged_form_data(incident), "_save": "Save"}
    data["casualties-0-best"] = data["casualties-0-high"] = "14"
    analyst_client.post(reverse("admin:incidents_incident_change", args=[incident.pk]), data)
    incident.refresh_from_db()
    assert incident.killed_best == 14
    assert incident.updated_at > before and incident.updated_by == analyst


@pytest.mark.parametrize("count", [5, 30])
def test_incident_changelist_query_count_does_not_grow(
    reviewer_client, db, django_assert_max_num_queries, count
):
    from incidents.models import Country as CountryModel

    niger = CountryModel.objects.create(iso3="NER", iso2="NE", name="Niger")
    for n in range(count):
        # Half the places have no region: their name then shows the country.
        location = LocationFactory(admin1=None, country=niger) if n % 2 else LocationFactory()
        IncidentFactory(location=location)
    # session, user, permissions ×2, count ×2 (the published from the count tables, the others
    # by status), rows, date hierarchy ×2, the choices of the five filters that list rows
    # (event type, sub-event type, country, region, import): fourteen with 5 incidents as with
    # 30 (it was 17 and 55 before the rows' joins were selected)
    with django_assert_max_num_queries(14):
        assert (
            reviewer_client.get(reverse("admin:incidents_incident_changelist")).status_code == 200
        )


def test_each_row_of_the_incident_list_has_django_s_action_checkbox(reviewer_client):
    """The list writes its rows' checkboxes out itself (IncidentAdmin.action_checkbox): the
    same element Django's form widget renders, so that selecting rows for an action, the
    "select all" box and their labels for screen readers work as everywhere in the admin."""
    from django import forms
    from django.contrib.admin import helpers

    # A place whose name must be escaped in the label.
    incidents = [
        IncidentFactory(location=LocationFactory(name=f"Ber & <Tin {n}>")) for n in range(3)
    ]
    response = reviewer_client.get(reverse("admin:incidents_incident_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    for incident in incidents:
        expected = forms.CheckboxInput(
            {
                "class": "action-select",
                "aria-label": f"Select this object for an action - {incident}",
            },
            check_test=lambda value: False,
        ).render(helpers.ACTION_CHECKBOX_NAME, str(incident.pk))
        assert expected in page
    assert page.count('class="action-select"') == len(incidents)
