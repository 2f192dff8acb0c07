"""A reviewer merges the Kouakourou attack typed by hand with its UCDP import in a real
browser: selects both in the incident list, reads what will move, keeps the one typed by hand
and merges; the UCDP copy's public address then points to it.

See tests/browser.py for how the browser is run.
"""

from incidents.choices import ActorRole, Status
from incidents.models import Incident
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import (
    ActorFactory,
    CasualtyFactory,
    CitationFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
)
from tests.incidents.test_workflow_browser import log_in

pytestmark = BROWSER_TEST_MARKS


def test_a_reviewer_merges_an_imported_copy_into_the_incident_typed_by_hand(page, live_server):
    from playwright.sync_api import expect

    UserFactory(username="amina", group="Reviewer")
    # The UCDP copy was imported first: the page offers to keep it, the reviewer swaps.
    imported = IncidentFactory(title="Kouakourou (UCDP 497710)", ucdp_id="497710")
    typed = IncidentFactory(title="Kouakourou: JNIM attack on the army post")
    CasualtyFactory(incident=typed, best=15)
    CasualtyFactory(incident=imported, best=12)
    CitationFactory(incident=typed, source=SourceFactory(name="Studio Tamani"))
    CitationFactory(
        incident=imported, source=SourceFactory(name="UCDP GED"), url="https://ucdp.uu.se/x"
    )
    IncidentActorFactory(
        incident=imported, actor=ActorFactory(name="JNIM"), role=ActorRole.PERPETRATOR
    )

    log_in(page, live_server, "amina")
    page.goto(live_server.url + "/admin/incidents/incident/")
    for incident in (typed, imported):
        page.locator(f'input[name="_selected_action"][value="{incident.pk}"]').check()
    page.select_option('select[name="action"]', "merge_selected")
    page.get_by_role("button", name="Go").click()

    expect(page.locator("h1")).to_contain_text("Merge two incidents")
    page.get_by_role("link", name="Keep the other one instead").click()
    sides = page.locator(".merge-side h2")
    expect(sides.first).to_contain_text(f"Kept: incident {typed.pk}")
    expect(page.locator("body")).to_contain_text("https://ucdp.uu.se/x")
    expect(page.locator("body")).to_contain_text("never added up")
    screenshot(page, "merge-confirmation")
    page.fill("#id_reason", "The same attack, reported by UCDP a year later.")
    page.get_by_role("button", name="Merge and retract the duplicate").click()

    expect(page.locator(".messagelist")).to_contain_text("is merged into")
    screenshot(page, "merge-done")
    imported.refresh_from_db()
    assert imported.status == Status.RETRACTED and imported.duplicate_of_id == typed.pk
    assert Incident.objects.get(pk=typed.pk).killed_best == 15
    assert typed.citations.count() == 2 and typed.incident_actors.count() == 1

    page.goto(live_server.url + imported.get_absolute_url())
    page.locator(f'a[href="{typed.get_absolute_url()}"]').first.click()
    expect(page.locator("h1")).to_contain_text("Kouakourou: JNIM attack")
