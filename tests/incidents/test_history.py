"""An incident's versions: no lost update, the history pages, compare, revert and proposals,
through real admin requests as an analyst and a reviewer."""

import pytest
from django.test import Client
from django.urls import reverse

from incidents import history
from incidents.choices import Status, VersionKind
from incidents.models import RevertProposal, Tactic
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    UserFactory,
)
from tests.incidents.test_admin import _unchanged_form_data


def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def edit(incident, by, **fields):
    """Change the incident's own fields as a recorded edit (as the admin form does)."""
    with history.change(incident, by=by, kind=VersionKind.EDITED) as recorded:
        for name, value in fields.items():
            setattr(incident, name, value)
        incident.save()
    return recorded.version


def two_versions(status, by):
    """An incident with a casualty figure at version 1, its title and figure changed at 2."""
    casualty = CasualtyFactory(best=12, incident=IncidentFactory(status=status, title="First"))
    incident = casualty.incident
    history.record_current_state(incident)
    with history.change(incident, by=by, kind=VersionKind.EDITED):
        incident.title = "Second"
        incident.save()
        casualty.low = casualty.best = casualty.high = 14
        casualty.save()
    incident.refresh_from_db()
    return incident


# --- no lost update ----------------------------------------------------------------------


def test_stale_save_is_refused_showing_the_other_change_and_keeping_the_input(
    analyst_client, analyst
):
    incident = IncidentFactory(status=Status.DRAFT, title="Ambush near Boni")
    opened = _unchanged_form_data(incident)  # B opens the form at version 1
    colleague = UserFactory(username="colleague", group="Analyst")
    edit(incident, colleague, title="Ambush near Boni (Douentza)")  # A saves first

    response = analyst_client.post(
        change_url(incident), {**opened, "narrative": "Three trucks burned.", "_save": "Save"}
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this incident" in page
    assert "colleague" in page
    assert [
        (str(what), before, after)
        for what, before, after in response.context["conflict"]["changes"]
    ] == [("Title", "Ambush near Boni", "Ambush near Boni (Douentza)")]
    form = response.context["adminform"].form
    assert form["narrative"].value() == "Three trucks burned."  # B's input is kept
    assert form["opened_version"].value() == str(incident.version)  # with the current token
    incident.refresh_from_db()
    assert (incident.title, incident.narrative) == ("Ambush near Boni (Douentza)", "")

    # Saving again applies B's input over A's version.
    again = {**opened, "narrative": "Three trucks burned.", "_save": "Save"}
    again["opened_version"] = form["opened_version"].value()
    again["title"] = incident.title
    assert analyst_client.post(change_url(incident), again).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.narrative) == (
        "Ambush near Boni (Douentza)",
        "Three trucks burned.",
    )
    assert incident.versions.first().recorded_by == analyst


def test_stale_inline_change_is_refused_too(analyst_client):
    casualty = CasualtyFactory(best=12, incident=IncidentFactory(status=Status.DRAFT))
    incident = casualty.incident
    opened = _unchanged_form_data(incident)
    edit(incident, UserFactory(username="colleague"), title="Retitled")
    data = {**opened, "casualties-0-best": "30", "casualties-0-high": "30", "_save": "Save"}
    assert analyst_client.post(change_url(incident), data).status_code == 409
    incident.refresh_from_db()
    assert incident.killed_best == 12


def test_a_workflow_step_in_between_refuses_the_stale_form(analyst_client, reviewer):
    incident = IncidentFactory(status=Status.IN_REVIEW)
    opened = _unchanged_form_data(incident)
    incident.return_to_draft(by=reviewer, reason="Check the date")  # a version of its own
    data = {**opened, "title": "Edited meanwhile", "_save": "Save"}
    assert analyst_client.post(change_url(incident), data).status_code == 409
    incident.refresh_from_db()
    assert incident.title != "Edited meanwhile"


def test_a_form_without_its_version_token_is_refused(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT)
    data = {**_unchanged_form_data(incident), "title": "No token", "_save": "Save"}
    del data["opened_version"]
    assert analyst_client.post(change_url(incident), data).status_code == 409
    incident.refresh_from_db()
    assert incident.title != "No token"


def test_each_save_is_one_version_with_its_reason(analyst_client, analyst):
    incident = IncidentFactory(status=Status.DRAFT, title="Before")
    data = {**_unchanged_form_data(incident), "title": "After", "_save": "Save"}
    data["change_reason"] = "Title from the MINUSMA note"
    assert analyst_client.post(change_url(incident), data).status_code == 302
    latest = incident.versions.first()
    assert (latest.kind, latest.reason, latest.recorded_by, latest.status) == (
        VersionKind.EDITED,
        "Title from the MINUSMA note",
        analyst,
        Status.DRAFT,
    )
    assert latest.snapshot["title"] == "After"
    assert incident.versions.get(number=latest.number - 1).snapshot["title"] == "Before"


def test_an_unchanged_save_records_nothing_and_keeps_last_changed(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT)
    history.record_current_state(incident)
    before = (incident.updated_at, incident.version)
    data = {**_unchanged_form_data(incident), "_save": "Save"}
    data["change_reason"] = "Nothing really"
    assert analyst_client.post(change_url(incident), data).status_code == 302
    incident.refresh_from_db()
    assert (incident.updated_at, incident.version) == before
    assert incident.versions.count() == 1


def test_changing_a_published_incident_requires_a_reason(reviewer_client, reviewer):
    incident = IncidentFactory(status=Status.PUBLISHED, title="Published title")
    data = {**_unchanged_form_data(incident), "title": "Corrected title", "_save": "Save"}
    response = reviewer_client.post(change_url(incident), data)
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.title == "Published title"

    data["change_reason"] = "The place was misnamed"
    assert reviewer_client.post(change_url(incident), data).status_code == 302
    latest = incident.versions.first()
    assert (latest.kind, latest.reason) == (VersionKind.CORRECTED, "The place was misnamed")


# --- the history pages -------------------------------------------------------------------


def test_history_page_lists_versions_newest_first_with_what_changed(reviewer_client, reviewer):
    incident = two_versions(Status.DRAFT, reviewer)
    response = reviewer_client.get(reverse("admin:incidents_incident_history", args=[incident.pk]))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [(version.number, version.kind) for version, _ in entries] == [
        (2, VersionKind.EDITED),
        (1, VersionKind.RECORDED),
    ]
    assert entries[0][1] == "Title, Coded figure: civilians killed"
    assert "reviewer" in response.content.decode()


def test_a_version_page_shows_that_versions_rows_not_todays(analyst_client, analyst):
    incident = two_versions(Status.DRAFT, analyst)
    tactic = Tactic.objects.get(name="Ambush")
    incident.tactics.add(tactic)  # today only
    url = reverse("admin:incidents_incident_version", args=[incident.pk, 1])
    response = analyst_client.get(url)
    assert response.status_code == 200
    rows = dict(response.context["rows"])
    assert rows["Coded figure"] == ["civilians killed: 12"]
    assert rows["Nature of attack"] == []
    assert "First" in response.content.decode()


def test_compare_lists_every_difference_with_names(analyst_client, analyst):
    incident = two_versions(Status.DRAFT, analyst)
    actor = ActorFactory(name="JNIM")
    with history.change(incident, by=analyst, kind=VersionKind.EDITED):
        IncidentActorFactory(incident=incident, actor=actor)
        CitationFactory(incident=incident, title="Le Monde, 18 Sept.")
    url = reverse("admin:incidents_incident_compare", args=[incident.pk])
    response = analyst_client.get(url, {"v": ["3", "1"]})
    assert response.status_code == 200
    changes = [(str(what), before, after) for what, before, after in response.context["changes"]]
    assert ("Title", "First", "Second") in changes
    assert ("Coded figure: civilians killed", "12", "14") in changes
    assert ("Actor", "—", "JNIM (Perpetrator)") in changes
    assert any(what == "Citation" and "Le Monde, 18 Sept." in after for what, _, after in changes)


def test_change_form_query_count_does_not_grow_with_versions(
    reviewer_client, reviewer, django_assert_max_num_queries
):
    few = IncidentFactory(status=Status.DRAFT)
    many = IncidentFactory(status=Status.DRAFT)
    edit(few, reviewer, title="Edit 1")
    for number in range(30):
        edit(many, reviewer, title=f"Edit {number}")
    reviewer_client.get(change_url(few))  # warm the caches (content types, sessions)
    with django_assert_max_num_queries(60) as baseline:
        assert reviewer_client.get(change_url(few)).status_code == 200
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert reviewer_client.get(change_url(many)).status_code == 200


def test_history_page_query_count_does_not_grow_with_versions(
    reviewer_client, reviewer, django_assert_max_num_queries
):
    few = two_versions(Status.DRAFT, reviewer)
    many = two_versions(Status.DRAFT, reviewer)
    with history.change(few, by=reviewer, kind=VersionKind.EDITED):
        IncidentActorFactory(incident=few, actor=ActorFactory(name="Group"))
    for number in range(30):
        with history.change(many, by=reviewer, kind=VersionKind.EDITED):
            many.title = f"Edit {number}"
            many.save()
            IncidentActorFactory(incident=many, actor=ActorFactory(name=f"Group {number}"))
    reviewer_client.get(reverse("admin:incidents_incident_history", args=[few.pk]))
    with django_assert_max_num_queries(60) as baseline:
        reviewer_client.get(reverse("admin:incidents_incident_history", args=[few.pk]))
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        page = reviewer_client.get(reverse("admin:incidents_incident_history", args=[many.pk]))
    assert "Group 29 (Perpetrator)" not in page.content.decode()  # summaries name fields only
    assert len(page.context["entries"]) == 32 and "Edit 29" in page.content.decode()


# --- revert ------------------------------------------------------------------------------


def test_revert_restores_fields_and_rows_as_a_new_version(analyst_client, analyst):
    incident = two_versions(Status.DRAFT, analyst)
    url = reverse("admin:incidents_incident_revert", args=[incident.pk, 1])
    page = analyst_client.get(url)
    assert page.status_code == 200
    assert ("Title", "Second", "First") in [
        (str(what), before, after) for what, before, after in page.context["changes"]
    ]
    response = analyst_client.post(
        url, {"reason": "The second source was wrong", "opened_version": incident.version}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.killed_best, incident.status) == ("First", 12, Status.DRAFT)
    latest = incident.versions.first()
    assert (latest.number, latest.kind, latest.reason, latest.recorded_by) == (
        3,
        VersionKind.REVERTED,
        "The second source was wrong",
        analyst,
    )


def test_revert_never_changes_the_workflow_status(reviewer_client, reviewer):
    incident = two_versions(Status.PUBLISHED, reviewer)
    incident.retract(by=reviewer, reason="Double-counted")  # after both versions
    url = reverse("admin:incidents_incident_revert", args=[incident.pk, 1])
    data = {"reason": "Back", "opened_version": incident.version}
    assert reviewer_client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.status) == ("First", Status.RETRACTED)


def test_analysts_revert_of_a_published_incident_waits_for_a_reviewer(
    analyst_client, analyst, reviewer
):
    incident = two_versions(Status.PUBLISHED, reviewer)
    url = reverse("admin:incidents_incident_revert", args=[incident.pk, 1])
    data = {"reason": "The first toll was right", "opened_version": incident.version}
    assert analyst_client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.killed_best) == ("Second", 14)  # nothing written
    proposal = RevertProposal.objects.get()
    assert (proposal.proposed_by, proposal.version.number, proposal.accepted) == (analyst, 1, None)

    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    history_url = reverse("admin:incidents_incident_history", args=[incident.pk])
    assert "The first toll was right" in reviewer_client.get(history_url).content.decode()
    assert "The first toll was right" in reviewer_client.get(change_url(incident)).content.decode()
    decide = reverse("admin:incidents_incident_proposal", args=[incident.pk, proposal.pk])
    assert reviewer_client.post(decide, {"accept": "1"}).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.killed_best) == ("First", 12)
    latest = incident.versions.first()
    assert (latest.kind, latest.recorded_by) == (VersionKind.REVERTED, reviewer)
    assert "The first toll was right" in latest.reason


def test_a_rejected_proposal_says_so_to_the_analyst(analyst_client, analyst, reviewer):
    incident = two_versions(Status.PUBLISHED, reviewer)
    proposal = history.revert(incident, incident.versions.get(number=1), by=analyst, reason="Why")
    history.decide_proposal(proposal, by=reviewer, accept=False)
    page = analyst_client.get(reverse("admin:incidents_incident_history", args=[incident.pk]))
    assert "Rejected by reviewer" in page.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Second"


# --- permissions on every endpoint ---------------------------------------------------------

STATUSES = [Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED, Status.RETRACTED]


def _client_for(role):
    user = UserFactory(username=role, group=role.capitalize())
    client = Client()
    client.force_login(user)
    return client, user


def _state(incident):
    incident.refresh_from_db()
    return (incident.title, incident.killed_best, incident.status, incident.version)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ["analyst", "reviewer"])
@pytest.mark.parametrize("page", ["history", "version", "compare", "revert"])
def test_reading_pages_open_to_whoever_may_use_them(db, role, status, page):
    client, user = _client_for(role)
    incident = two_versions(status, UserFactory(username="someone"))
    urls = {
        "history": reverse("admin:incidents_incident_history", args=[incident.pk]),
        "version": reverse("admin:incidents_incident_version", args=[incident.pk, 1]),
        "compare": reverse("admin:incidents_incident_compare", args=[incident.pk]) + "?v=1&v=2",
        "revert": reverse("admin:incidents_incident_revert", args=[incident.pk, 1]),
    }
    refused = page == "revert" and role == "analyst" and status == Status.RETRACTED
    assert client.get(urls[page]).status_code == (403 if refused else 200)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_revert_post_goes_through_the_workflow(db, role, status):
    client, user = _client_for(role)
    incident = two_versions(status, UserFactory(username="someone"))
    before = _state(incident)
    url = reverse("admin:incidents_incident_revert", args=[incident.pk, 1])
    response = client.post(url, {"reason": "Back to one", "opened_version": incident.version})
    if role == "reviewer" or status in (Status.DRAFT, Status.IN_REVIEW):
        assert response.status_code == 302
        assert _state(incident) == ("First", 12, status, before[3] + 1)
    elif status == Status.PUBLISHED:
        assert response.status_code == 302
        assert _state(incident) == before
        assert RevertProposal.objects.filter(incident=incident, accepted=None).count() == 1
    else:
        assert response.status_code == 403
        assert _state(incident) == before
        assert not RevertProposal.objects.exists()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ["analyst", "reviewer"])
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_only_reviewers_decide_on_a_proposal(db, role, status, decision):
    client, user = _client_for(role)
    incident = two_versions(status, UserFactory(username="someone"))
    proposal = RevertProposal.objects.create(
        incident=incident,
        version=incident.versions.get(number=1),
        based_on=incident.version,
        reason="Back to one",
        proposed_by=UserFactory(username="proposer", group="Analyst"),
    )
    before = _state(incident)
    url = reverse("admin:incidents_incident_proposal", args=[incident.pk, proposal.pk])
    response = client.post(url, {decision: "1"})
    proposal.refresh_from_db()
    if role == "analyst":
        assert response.status_code == 403
        assert (_state(incident), proposal.accepted) == (before, None)
    elif decision == "accept":
        assert response.status_code == 302
        assert _state(incident) == ("First", 12, status, before[3] + 1)
        assert proposal.accepted is True
    else:
        assert response.status_code == 302
        assert (_state(incident), proposal.accepted) == (before, False)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ["analyst", "reviewer"])
@pytest.mark.parametrize("page", ["history", "version", "compare"])
def test_reading_pages_write_nothing_on_post(db, role, status, page):
    client, user = _client_for(role)
    incident = two_versions(status, UserFactory(username="someone"))
    before = _state(incident)
    urls = {
        "history": reverse("admin:incidents_incident_history", args=[incident.pk]),
        "version": reverse("admin:incidents_incident_version", args=[incident.pk, 1]),
        "compare": reverse("admin:incidents_incident_compare", args=[incident.pk]),
    }
    response = client.post(urls[page], {"title": "Rewritten", "start_date": "2023-09-15"})
    assert response.status_code == 405
    assert _state(incident) == before


def test_proposal_page_refuses_get(reviewer_client, reviewer):
    incident = two_versions(Status.PUBLISHED, reviewer)
    proposal = RevertProposal.objects.create(
        incident=incident,
        version=incident.versions.get(number=1),
        based_on=incident.version,
        reason="x",
    )
    url = reverse("admin:incidents_incident_proposal", args=[incident.pk, proposal.pk])
    assert reviewer_client.get(url).status_code == 405


def test_saving_the_conflict_page_as_shown_keeps_both_peoples_changes(analyst_client):
    casualty = CasualtyFactory(best=12, incident=IncidentFactory(status=Status.DRAFT))
    incident = casualty.incident
    opened = _unchanged_form_data(incident)  # B opens the form
    colleague = UserFactory(username="colleague", group="Analyst")
    with history.change(incident, by=colleague, kind=VersionKind.EDITED):  # A saves first
        incident.title = "Retitled by A"
        incident.save()
        casualty.low = casualty.best = casualty.high = 15
        casualty.save()

    # B changed only the narrative.
    response = analyst_client.post(
        change_url(incident), {**opened, "narrative": "Written by B.", "_save": "Save"}
    )
    assert response.status_code == 409
    form = response.context["adminform"].form
    assert form["title"].value() == "Retitled by A"  # not B's stale copy of it
    assert form["narrative"].value() == "Written by B."

    # The browser posts the page as shown: A's title and figure stay, B's narrative is added.
    assert analyst_client.post(change_url(incident), form.data).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.narrative) == ("Retitled by A", "Written by B.")
    assert list(incident.casualties.values_list("best", flat=True)) == [15]
    assert incident.killed_best == 15


def test_a_field_both_changed_keeps_the_editors_value_and_shows_the_other(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT, title="First")
    opened = _unchanged_form_data(incident)
    edit(incident, UserFactory(username="colleague"), title="A's title")
    response = analyst_client.post(change_url(incident), {**opened, "title": "B's title"})
    assert response.status_code == 409
    assert response.context["adminform"].form["title"].value() == "B's title"
    changes = [
        (str(what), after) for what, _before, after in response.context["conflict"]["changes"]
    ]
    assert ("Title", "A's title") in changes


def test_a_revert_leaves_out_an_actor_deleted_since(reviewer_client, reviewer):
    incident = IncidentFactory(status=Status.DRAFT, title="First")
    role = IncidentActorFactory(incident=incident, actor=ActorFactory(name="Gone since"))
    history.record_current_state(incident)  # version 1, with the actor
    actor = role.actor
    edit(incident, reviewer, title="Second")
    role.delete()
    actor.delete()
    history.revert(incident, incident.versions.get(number=1), by=reviewer, reason="Undo")
    incident.refresh_from_db()
    assert incident.title == "First"
    assert not incident.incident_actors.exists()


def test_the_history_of_an_incident_without_versions_is_a_page(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT)  # written without a version, as imports do
    url = reverse("admin:incidents_incident_history", args=[incident.pk])
    response = analyst_client.get(url)
    assert response.status_code == 200
    assert "its history starts with its next change" in response.content.decode()
