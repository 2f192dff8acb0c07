"""The review loop through the workbench: who may take each step on an incident in each state,
the reasons the steps ask for and record, the publishing requirements, the analysts' queues
and the internal notes."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from incidents.choices import Status, VersionKind
from incidents.models import Incident, IncidentNote
from tests.factories import CasualtyFactory, CitationFactory, IncidentFactory, UserFactory

CHANGELIST_URL = reverse("admin:incidents_incident_changelist")


def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def step_url(name, incident):
    return reverse(f"admin:incidents_incident_{name}", args=[incident.pk])


def publishable(**fields):
    """An incident that may be published: it cites a source and has a coded killed figure."""
    incident = IncidentFactory(**fields)
    CitationFactory(incident=incident)
    CasualtyFactory(incident=incident, best=3)
    return incident


def change_form_data(client, incident):
    """The change form's data as the page shows it (the incident's fields and its inline
    rows unchanged), ready to post with one of the form's buttons."""
    page = client.get(change_url(incident))
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms.extend([inline.formset.management_form, *inline.formset.forms])
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [str(item) for item in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else str(value)
    return data


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- every workflow endpoint, as analyst and reviewer, on an incident in every state ----------


def submit_action(client, incident, kept):
    return client.post(
        CHANGELIST_URL, {"action": "submit_for_review", "_selected_action": [incident.pk]}
    )


def submit_button(client, incident, kept):
    data = change_form_data(client, incident)
    return client.post(change_url(incident), {**data, "_submit_for_review": "1"})


def publish_action(client, incident, kept):
    return client.post(CHANGELIST_URL, {"action": "publish", "_selected_action": [incident.pk]})


def publish_button(client, incident, kept):
    data = change_form_data(client, incident)
    return client.post(change_url(incident), {**data, "_publish": "1"})


def return_action(client, incident, kept):
    return client.post(
        CHANGELIST_URL,
        {"action": "return_to_draft", "_selected_action": [incident.pk], "reason": "Check it"},
    )


def return_page(client, incident, kept):
    return client.post(step_url("return", incident), {"reason": "Check the toll"})


def retract_page(client, incident, kept):
    return client.post(step_url("retract", incident), {"reason": "Not political violence"})


def duplicate_page(client, incident, kept):
    return client.post(step_url("duplicate", incident), {"kept": kept.pk, "reason": ""})


def reinstate_page(client, incident, kept):
    return client.post(step_url("reinstate", incident), {"reason": "Retracted by mistake"})


def note_page(client, incident, kept):
    return client.post(step_url("notes", incident), {"text": "Is the date right?"})


# endpoint: (take it, who may, the status it applies to, the status after, version recorded)
STEPS = {
    "submit action": (submit_action, {"analyst", "reviewer"}, Status.DRAFT, Status.IN_REVIEW),
    "submit button": (submit_button, {"analyst", "reviewer"}, Status.DRAFT, Status.IN_REVIEW),
    "publish action": (publish_action, {"reviewer"}, Status.IN_REVIEW, Status.PUBLISHED),
    "publish button": (publish_button, {"reviewer"}, Status.IN_REVIEW, Status.PUBLISHED),
    "return action": (return_action, {"reviewer"}, Status.IN_REVIEW, Status.DRAFT),
    "return page": (return_page, {"reviewer"}, Status.IN_REVIEW, Status.DRAFT),
    "retract page": (retract_page, {"reviewer"}, Status.PUBLISHED, Status.RETRACTED),
    "duplicate page": (duplicate_page, {"reviewer"}, Status.PUBLISHED, Status.RETRACTED),
    "reinstate page": (reinstate_page, {"reviewer"}, Status.RETRACTED, Status.PUBLISHED),
}
# A reviewer also publishes a draft directly.
ALSO_ALLOWED = {("publish action", Status.DRAFT), ("publish button", Status.DRAFT)}
PAGES = {"return page", "retract page", "duplicate page", "reinstate page"}


@pytest.mark.parametrize("status", list(Status), ids=[str(s) for s in Status])
@pytest.mark.parametrize("persona", ["analyst", "reviewer"])
@pytest.mark.parametrize("endpoint", list(STEPS))
def test_each_workflow_step_is_taken_only_by_whom_and_when_it_may_be(
    db, client, request, endpoint, persona, status
):
    take, personas, applies_to, after = STEPS[endpoint]
    client.force_login(request.getfixturevalue(persona))
    incident = publishable(status=status)
    kept = IncidentFactory(status=Status.PUBLISHED)
    versions_before = incident.versions.count()

    response = take(client, incident, kept)

    incident.refresh_from_db()
    allowed = persona in personas and (status == applies_to or (endpoint, status) in ALSO_ALLOWED)
    if allowed:
        assert incident.status == after, messages_of(response)
        assert incident.versions.count() > versions_before
    else:
        assert incident.status == status
        assert incident.versions.count() == versions_before
    if endpoint in PAGES and persona == "analyst":
        assert response.status_code == 403


@pytest.mark.parametrize("status", list(Status), ids=[str(s) for s in Status])
@pytest.mark.parametrize("persona", ["analyst", "reviewer"])
def test_analysts_and_reviewers_add_internal_notes_in_any_state(
    db, client, request, persona, status
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    incident = IncidentFactory(status=status)
    response = note_page(client, incident, None)
    assert response.status_code == 302
    note = IncidentNote.objects.get(incident=incident)
    assert (note.text, note.written_by) == ("Is the date right?", user)


def test_a_staff_user_without_the_incident_permission_adds_no_note(client, db):
    client.force_login(UserFactory(username="visitor"))
    incident = IncidentFactory()
    assert note_page(client, incident, None).status_code == 403
    assert not IncidentNote.objects.exists()


def test_notes_are_added_by_post_only(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT)
    assert analyst_client.get(step_url("notes", incident)).status_code == 403


# --- reasons ---------------------------------------------------------------------------------


def test_back_to_draft_asks_a_reason_which_the_analyst_then_sees(client, analyst, reviewer):
    incident = publishable(status=Status.DRAFT, created_by=analyst, title="Attack on Boni")
    incident.submit_for_review(by=analyst)
    client.force_login(reviewer)

    refused = client.post(step_url("return", incident), {"reason": "  "})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW

    client.post(step_url("return", incident), {"reason": "The toll is from one source only."})
    incident.refresh_from_db()
    assert (incident.status, incident.returned_by) == (Status.DRAFT, reviewer)
    assert incident.return_reason == "The toll is from one source only."
    version = incident.versions.latest()
    assert (version.kind, version.reason, version.recorded_by) == (
        VersionKind.RETURNED,
        "The toll is from one source only.",
        reviewer,
    )

    client.force_login(analyst)
    page = client.get(change_url(incident)).content.decode()
    assert "Sent back to draft by reviewer" in page
    assert "The toll is from one source only." in page
    queue = client.get(CHANGELIST_URL, {"queue": "returned_to_me"})
    assert [row.title for row in queue.context["cl"].result_list] == ["Attack on Boni"]


def test_the_bulk_back_to_draft_asks_a_reason_on_a_page_of_its_own(reviewer_client, reviewer):
    first = publishable(status=Status.IN_REVIEW, title="First")
    second = publishable(status=Status.IN_REVIEW, title="Second")
    selection = {"action": "return_to_draft", "_selected_action": [first.pk, second.pk]}

    asked = reviewer_client.post(CHANGELIST_URL, {**selection, "index": "0"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "First" in page and "Second" in page and 'name="reason"' in page
    assert set(Incident.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}

    # The page's form posts the selection again without a reason: asked again.
    again = reviewer_client.post(CHANGELIST_URL, {**selection, "reason": ""})
    assert again.status_code == 200 and "reason" in again.context["form"].errors

    done = reviewer_client.post(CHANGELIST_URL, {**selection, "reason": "Sources missing"})
    assert done.status_code == 302
    for incident in (first, second):
        incident.refresh_from_db()
        assert (incident.status, incident.return_reason) == (Status.DRAFT, "Sources missing")


def test_a_retracted_incident_is_reinstated_with_a_reason_and_the_retraction_is_kept(
    reviewer_client, reviewer
):
    incident = publishable(status=Status.PUBLISHED)
    incident.retract(by=reviewer, reason="Thought to be criminal")
    refused = reviewer_client.post(step_url("reinstate", incident), {"reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors

    reviewer_client.post(step_url("reinstate", incident), {"reason": "JNIM claimed it"})
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED
    assert (incident.retracted_at, incident.retraction_reason) == (None, "")
    assert Incident.objects.public().filter(pk=incident.pk).exists()
    kinds = list(incident.versions.order_by("number").values_list("kind", "reason"))
    assert kinds[-2:] == [
        (VersionKind.RETRACTED, "Thought to be criminal"),
        (VersionKind.REINSTATED, "JNIM claimed it"),
    ]


def test_retract_as_duplicate_points_to_the_incident_kept(reviewer_client):
    kept = IncidentFactory(status=Status.PUBLISHED, title="Attack on Boulkessi")
    duplicate = IncidentFactory(status=Status.PUBLISHED)
    page = reviewer_client.get(step_url("duplicate", duplicate))
    assert page.status_code == 200

    itself = reviewer_client.post(step_url("duplicate", duplicate), {"kept": duplicate.pk})
    assert "kept" in itself.context["form"].errors
    draft = IncidentFactory(status=Status.DRAFT)
    unpublished = reviewer_client.post(step_url("duplicate", duplicate), {"kept": draft.pk})
    assert "kept" in unpublished.context["form"].errors

    reviewer_client.post(step_url("duplicate", duplicate), {"kept": kept.pk, "reason": ""})
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Status.RETRACTED, kept)
    assert duplicate.retraction_reason == (
        f"Duplicate of incident {kept.pk}, “Attack on Boulkessi”."
    )


def test_each_step_takes_the_status_of_the_live_incident(reviewer, analyst):
    incident = publishable(status=Status.DRAFT)
    stale = Incident.objects.get(pk=incident.pk)  # loaded by a page opened earlier
    incident.submit_for_review(by=analyst)
    incident.publish(by=reviewer)
    with pytest.raises(Exception, match="published"):
        stale.submit_for_review(by=analyst)
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED


# --- publishing requirements -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("citation", "killed", "toll_unknown", "published"),
    [
        (True, True, False, True),
        (True, False, True, True),
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
    ],
    ids=[
        "citation and killed figure",
        "citation and toll unknown",
        "no killed figure",
        "no citation",
        "toll unknown without a citation",
    ],
)
def test_publishing_needs_a_citation_and_a_killed_figure_or_toll_unknown(
    reviewer_client, citation, killed, toll_unknown, published
):
    incident = IncidentFactory(status=Status.IN_REVIEW, toll_unknown=toll_unknown)
    if citation:
        CitationFactory(incident=incident)
    if killed:
        CasualtyFactory(incident=incident, best=4)
    else:
        CasualtyFactory(incident=incident, outcome="injured", best=4)  # injured is no toll
    response = publish_button(reviewer_client, incident, None)
    incident.refresh_from_db()
    assert (incident.status == Status.PUBLISHED) is published
    if not published:
        assert any(message.startswith("Not published:") for message in messages_of(response))


def test_the_change_form_offers_toll_unknown(analyst_client):
    incident = IncidentFactory(status=Status.DRAFT)
    assert 'name="toll_unknown"' in analyst_client.get(change_url(incident)).content.decode()


def test_bulk_publish_publishes_those_that_pass_and_lists_the_others_with_why(reviewer_client):
    ready = publishable(status=Status.IN_REVIEW, title="Ready")
    uncited = IncidentFactory(status=Status.IN_REVIEW, title="Uncited", toll_unknown=True)
    bare = IncidentFactory(status=Status.DRAFT, title="Bare")
    response = reviewer_client.post(
        CHANGELIST_URL,
        {"action": "publish", "_selected_action": [ready.pk, uncited.pk, bare.pk]},
        follow=True,
    )
    statuses = dict(Incident.objects.values_list("title", "status"))
    assert statuses == {
        "Ready": Status.PUBLISHED,
        "Uncited": Status.IN_REVIEW,
        "Bare": Status.DRAFT,
    }
    messages = messages_of(response)
    assert "1 incident published." in messages
    refused = [message for message in messages if message.startswith("Not published:")]
    # One message names each refused incident (in the list's order) and why.
    assert refused == [
        "Not published: “Bare” (it cites no source; it has no coded killed figure and “toll "
        "unknown” is not checked), “Uncited” (it cites no source)."
    ]


# --- queues ----------------------------------------------------------------------------------


def test_queues_list_my_drafts_the_drafts_returned_to_me_and_those_waiting_for_review(
    client, analyst, reviewer
):
    other = UserFactory(username="other", group="Analyst")
    IncidentFactory(status=Status.DRAFT, created_by=analyst, title="Mine")
    IncidentFactory(status=Status.DRAFT, created_by=other, title="Theirs")
    returned = publishable(status=Status.DRAFT, created_by=analyst, title="Returned")
    returned.submit_for_review(by=analyst)
    returned.return_to_draft(by=reviewer, reason="Add the second source")
    IncidentFactory(status=Status.IN_REVIEW, created_by=other, title="Waiting")
    IncidentFactory(status=Status.PUBLISHED, created_by=analyst, title="Published")

    client.force_login(analyst)

    def queue(name):
        page = client.get(CHANGELIST_URL, {"queue": name})
        return sorted(row.title for row in page.context["cl"].result_list)

    assert queue("my_drafts") == sorted(["Mine", "Returned"])
    assert queue("returned_to_me") == ["Returned"]
    assert queue("waiting_for_review") == ["Waiting"]
    changelist = client.get(CHANGELIST_URL).content.decode()
    assert "?queue=returned_to_me" in changelist and "Returned to me" in changelist


def test_a_resubmitted_draft_leaves_returned_to_me(analyst, reviewer):
    incident = publishable(status=Status.IN_REVIEW, created_by=analyst)
    incident.return_to_draft(by=reviewer, reason="Fix the date")
    assert list(Incident.objects.returned_to(analyst)) == [incident]
    incident.submit_for_review(by=analyst)
    assert not Incident.objects.returned_to(analyst).exists()


# --- notes -----------------------------------------------------------------------------------


def test_notes_show_newest_first_with_author_and_time_and_survive_an_edit(
    client, analyst, reviewer
):
    incident = IncidentFactory(status=Status.DRAFT)
    client.force_login(analyst)
    client.post(step_url("notes", incident), {"text": "First: is it Boni or Hombori?"})
    client.force_login(reviewer)
    client.post(step_url("notes", incident), {"text": "Second: Boni, per MINUSMA."})

    page = client.get(change_url(incident)).content.decode()
    assert page.index("Second: Boni") < page.index("First: is it Boni")
    assert "analyst" in page and "reviewer" in page

    data = change_form_data(client, incident)
    data["title"] = "Attack on Boni"
    client.post(change_url(incident), {**data, "_save": "Save"})
    incident.refresh_from_db()
    assert incident.title == "Attack on Boni"
    assert incident.notes.count() == 2


def test_notes_are_never_public(client, analyst_client):
    incident = IncidentFactory(status=Status.PUBLISHED)
    analyst_client.post(step_url("notes", incident), {"text": "SECRET internal remark"})
    client.logout()
    for url in (
        incident.get_absolute_url(),
        reverse("incidents_api:incident_detail", args=[incident.pk]),
        "/incidents.csv",
        "/incidents.json",
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"SECRET internal remark" not in body


@pytest.mark.parametrize("notes", [1, 20])
def test_change_form_queries_do_not_grow_with_notes(
    reviewer_client, reviewer, django_assert_max_num_queries, notes
):
    incident = IncidentFactory(status=Status.PUBLISHED)
    for number in range(notes):
        IncidentNote.objects.create(incident=incident, text=f"note {number}", written_by=reviewer)
    reviewer_client.get(change_url(incident))  # warm the caches (taxonomy choices, session)
    with django_assert_max_num_queries(40) as queries:
        assert reviewer_client.get(change_url(incident)).status_code == 200
    note_queries = [q for q in queries.captured_queries if "incidentnote" in q["sql"]]
    assert len(note_queries) == 1


@pytest.mark.parametrize("name", ["return", "retract", "duplicate", "reinstate"])
def test_step_pages_open_for_reviewers_only(analyst_client, reviewer, name):
    incident = IncidentFactory(status=Status.PUBLISHED)
    assert analyst_client.get(step_url(name, incident)).status_code == 403
    analyst_client.force_login(reviewer)
    assert analyst_client.get(step_url(name, incident)).status_code == 200
