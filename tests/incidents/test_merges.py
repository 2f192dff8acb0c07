"""A reviewer merges what was entered twice: two incidents of one event, two spellings of one
source, two names of one actor. Nothing is lost (every citation, report and role is counted
before and after), nothing is summed, and the histories say what happened."""

import pytest
from django.urls import reverse

from incidents.choices import ActorRole, CasualtyOutcome, Status, VersionKind
from incidents.history import StaleVersion
from incidents.merges import merge_actors, merge_incidents, merge_sources, plan_incident_merge
from incidents.models import (
    Actor,
    ActorAlias,
    Citation,
    Incident,
    IncidentActor,
    Source,
    SourceReport,
)
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    SourceReportFactory,
)


@pytest.fixture
def pair(db):
    """Kouakourou typed by hand (15 killed, Studio Tamani, JNIM against the army) and imported
    from UCDP (12 killed, UCDP's report, JNIM and a militia)."""
    jnim, army, militia = (
        ActorFactory(name="JNIM"),
        ActorFactory(name="Military Forces of Mali"),
        ActorFactory(name="Dan Na Ambassagou"),
    )
    tamani, ucdp = SourceFactory(name="Studio Tamani"), SourceFactory(name="UCDP GED")
    kept = IncidentFactory(title="Kouakourou attack")
    duplicate = IncidentFactory(title="Kouakourou (UCDP)", ucdp_id="497710")
    CasualtyFactory(incident=kept, best=15)
    CasualtyFactory(incident=duplicate, best=12)
    CitationFactory(incident=kept, source=tamani, url="https://studiotamani.org/1")
    CitationFactory(incident=duplicate, source=ucdp, url="https://ucdp.uu.se/event/497710")
    CitationFactory(incident=duplicate, source=tamani, url="https://studiotamani.org/1")
    CitationFactory(incident=duplicate, source=tamani, url="https://studiotamani.org/2")
    SourceReportFactory(incident=kept, source=tamani, figure=15)
    SourceReportFactory(incident=duplicate, source=ucdp, figure=12)
    SourceReportFactory(incident=duplicate, source=tamani, figure=13)
    IncidentActorFactory(incident=kept, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=kept, actor=army, role=ActorRole.TARGET)
    IncidentActorFactory(incident=duplicate, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=duplicate, actor=militia, role=ActorRole.TARGET_ASSOCIATE)
    return kept, duplicate


def rows_of(incident):
    return (
        set(incident.citations.values_list("source__name", "url")),
        sorted(incident.source_reports.values_list("source__name", "figure")),
        set(incident.incident_actors.values_list("actor__name", "role")),
    )


def test_merging_moves_every_citation_report_and_role_and_sums_no_figure(pair, reviewer):
    kept, duplicate = pair
    citations, reports, roles = (
        rows_of(kept)[0] | rows_of(duplicate)[0],
        sorted(rows_of(kept)[1] + rows_of(duplicate)[1]),
        rows_of(kept)[2] | rows_of(duplicate)[2],
    )
    counts_before = (Citation.objects.count(), SourceReport.objects.count())

    merge_incidents(kept, duplicate, by=reviewer)

    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert rows_of(kept) == (citations, reports, roles)
    assert (Citation.objects.count(), SourceReport.objects.count()) == counts_before
    assert len(reports) == 3 and len(roles) == 3 and len(citations) == 3
    # The hand-typed coded figure stays 15: neither 27 nor 12.
    assert kept.killed_best == 15
    assert list(kept.casualties.values_list("outcome", "best")) == [(CasualtyOutcome.KILLED, 15)]
    # The same citation, and JNIM as perpetrator, stay on the duplicate rather than doubled.
    assert duplicate.citations.count() == 1
    assert list(duplicate.incident_actors.values_list("actor__name", flat=True)) == ["JNIM"]


def test_the_duplicate_is_retracted_pointing_to_the_one_kept_and_both_histories_say_so(
    pair, reviewer, client
):
    kept, duplicate = pair
    merge_incidents(kept, duplicate, by=reviewer, reason="Same ambush.")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RETRACTED
    assert duplicate.duplicate_of == kept
    retraction = duplicate.versions.latest()
    assert retraction.kind == VersionKind.RETRACTED
    assert f"Duplicate of incident {kept.pk}" in retraction.reason
    assert "Same ambush." in retraction.reason
    # The duplicate's rows before the merge stay in its history (it had no version yet).
    before = duplicate.versions.get(number=retraction.number - 1)
    assert len(before.snapshot["citations"]) == 3
    merged = kept.versions.latest()
    assert merged.kind == VersionKind.CORRECTED
    assert f"Merged with incident {duplicate.pk}" in merged.reason
    assert "2 citations, 2 source reports, 1 actor role" in merged.reason
    # The duplicate's public address points to the incident kept.
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 410
    assert kept.get_absolute_url() in response.content.decode()


def test_a_reimport_of_the_kept_incident_does_not_undo_the_merge(pair, reviewer):
    kept, duplicate = pair
    Incident.objects.filter(pk=kept.pk).update(imported_at=kept.updated_at)
    merge_incidents(kept, duplicate, by=reviewer)
    kept.refresh_from_db()
    assert kept.changed_since_import


def test_earlier_duplicates_of_the_duplicate_point_to_the_one_kept(pair, reviewer):
    kept, duplicate = pair
    older = IncidentFactory(title="Older copy")
    older.retract_as_duplicate(by=reviewer, of=duplicate)
    merge_incidents(kept, duplicate, by=reviewer)
    older.refresh_from_db()
    assert older.duplicate_of == kept


@pytest.mark.parametrize("which", ["kept", "duplicate"])
def test_only_published_incidents_merge(pair, reviewer, which):
    kept, duplicate = pair
    Incident.objects.filter(pk=locals()[which].pk).update(status=Status.IN_REVIEW)
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert plan_incident_merge(kept, duplicate).problems
    with pytest.raises(Exception) as refused:
        merge_incidents(kept, duplicate, by=reviewer)
    assert refused.type.__name__ == "ValidationError"
    assert kept.citations.count() == 1


def test_a_merge_from_a_stale_page_writes_nothing(pair, reviewer):
    kept, duplicate = pair
    with pytest.raises(StaleVersion):
        merge_incidents(
            kept, duplicate, by=reviewer, versions=(kept.version, duplicate.version - 1)
        )
    assert kept.citations.count() == 1
    duplicate.refresh_from_db()
    assert duplicate.status == Status.PUBLISHED


def test_an_analyst_may_not_merge(pair, analyst):
    kept, duplicate = pair
    with pytest.raises(Exception) as refused:
        merge_incidents(kept, duplicate, by=analyst)
    assert refused.type.__name__ == "PermissionDenied"


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_action_shows_what_moves_then_merges(pair, reviewer_client):
    kept, duplicate = pair
    changelist = reverse("admin:incidents_incident_changelist")
    response = reviewer_client.post(
        changelist, {"action": "merge_selected", "_selected_action": [kept.pk, duplicate.pk]}
    )
    assert response.status_code == 302
    page = reviewer_client.get(response["Location"])
    text = page.content.decode()
    assert "https://studiotamani.org/2" in text and "Dan Na Ambassagou" in text
    assert "never added up" in text
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["reason"] = "Same ambush."
    done = reviewer_client.post(reverse("admin:incidents_incident_merge"), data)
    assert done["Location"] == reverse("admin:incidents_incident_change", args=[kept.pk])
    assert Incident.objects.get(pk=duplicate.pk).duplicate_of_id == kept.pk
    assert kept.citations.count() == 3


def test_the_admin_action_can_keep_the_other_one(pair, reviewer_client):
    kept, duplicate = pair
    url = reverse("admin:incidents_incident_merge")
    page = reviewer_client.get(url, {"kept": kept.pk, "duplicate": duplicate.pk})
    swapped = reviewer_client.get(page.context["swap_url"])
    assert swapped.context["plan"].kept == duplicate


def test_the_merge_page_is_for_reviewers(pair, analyst_client):
    kept, duplicate = pair
    url = reverse("admin:incidents_incident_merge")
    assert analyst_client.get(url, {"kept": kept.pk, "duplicate": duplicate.pk}).status_code == 403


# --- sources and actors -----------------------------------------------------------------------


def test_merging_sources_moves_every_citation_and_report_with_history(db, reviewer):
    afp = SourceFactory(name="Agence France-Presse")
    copies = [SourceFactory(name='";Agence France Presse'), SourceFactory(name="AFP")]
    incidents = [IncidentFactory() for _ in range(3)]
    CitationFactory(incident=incidents[0], source=copies[0])
    CitationFactory(incident=incidents[1], source=copies[1])
    CitationFactory(incident=incidents[1], source=afp)
    SourceReportFactory(incident=incidents[2], source=copies[0])
    citations, reports = Citation.objects.count(), SourceReport.objects.count()

    touched = merge_sources(afp, copies, by=reviewer)

    assert touched == 3
    assert Citation.objects.filter(source=afp).count() == citations == 3
    assert SourceReport.objects.filter(source=afp).count() == reports == 1
    assert list(Source.objects.values_list("name", flat=True)) == ["Agence France-Presse"]
    for incident in incidents:
        assert "Sources merged" in incident.versions.latest().reason


def test_merging_actors_moves_every_role_and_keeps_the_names_as_aliases(db, reviewer):
    jnim = ActorFactory(name="JNIM")
    jnim.aliases.create(name="GSIM")
    copy = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin")
    copy.aliases.create(name="Nusrat al-Islam")
    both = IncidentFactory()
    IncidentActorFactory(incident=both, actor=jnim, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=both, actor=copy, role=ActorRole.PERPETRATOR)
    IncidentActorFactory(incident=both, actor=copy, role=ActorRole.TARGET)
    other = IncidentFactory()
    IncidentActorFactory(incident=other, actor=copy, role=ActorRole.PERPETRATOR)

    merge_actors(jnim, [copy], by=reviewer)

    assert set(both.incident_actors.values_list("actor__name", "role")) == {
        ("JNIM", ActorRole.PERPETRATOR),
        ("JNIM", ActorRole.TARGET),
    }
    assert list(other.actors.values_list("name", flat=True)) == ["JNIM"]
    assert set(jnim.aliases.values_list("name", flat=True)) == {
        "GSIM",
        "Nusrat al-Islam",
        "Jama'at Nusrat al-Islam wal-Muslimin",
    }
    assert list(Actor.objects.values_list("name", flat=True)) == ["JNIM"]
    assert IncidentActor.objects.count() == 3
    assert "Actors merged" in other.versions.latest().reason
    assert ActorAlias.objects.count() == 3


@pytest.mark.parametrize(
    "model, factory, changelist",
    [
        (Source, SourceFactory, "admin:incidents_source_changelist"),
        (Actor, ActorFactory, "admin:incidents_actor_changelist"),
    ],
)
def test_the_admin_asks_which_to_keep_then_merges(db, reviewer_client, model, factory, changelist):
    one, other = factory(), factory()
    url = reverse(changelist)
    selected = {"action": "merge_selected", "_selected_action": [one.pk, other.pk]}
    page = reviewer_client.post(url, selected)
    assert page.status_code == 200
    assert str(one) in page.content.decode() and 'name="kept"' in page.content.decode()
    assert model.objects.count() == 2
    reviewer_client.post(url, {**selected, "kept": other.pk})
    assert list(model.objects.values_list("pk", flat=True)) == [other.pk]


def test_analysts_are_not_offered_the_reference_merge(db, analyst_client):
    one, other = SourceFactory(), SourceFactory()
    response = analyst_client.post(
        reverse("admin:incidents_source_changelist"),
        {"action": "merge_selected", "_selected_action": [one.pk, other.pk], "kept": one.pk},
    )
    assert Source.objects.count() == 2
    assert response.status_code in (200, 302, 403)
