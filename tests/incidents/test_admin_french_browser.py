"""An analyst in Mopti works in French: she signs in at /fr/admin/, enters an attack with its
date typed the French way (17/09/2024), saves it, reads the admin's messages in French, and
submits it for review. See tests/browser.py for how the browser runs."""

import datetime

from incidents.choices import DatePrecision, Status, VersionKind
from incidents.models import Incident
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import LocationFactory, UserFactory
from tests.incidents.test_figures_browser import choose

pytestmark = BROWSER_TEST_MARKS


def test_an_analyst_enters_and_submits_an_incident_in_french(page, live_server):
    from playwright.sync_api import expect

    LocationFactory(name="Kouakourou")
    UserFactory(username="awa", group="Analyst")  # password "password"
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    page.goto(live_server.url + "/fr/admin/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.fill("#id_username", "awa")
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Connexion").click()
    expect(page.locator("#queues")).to_contain_text("Vos files de travail")
    expect(page.locator("#queues")).to_contain_text("Mes brouillons")

    page.goto(live_server.url + "/fr/admin/incidents/incident/add/")
    start = page.locator("#id_start_date")
    expect(start).to_have_attribute("placeholder", "JJ/MM/AAAA")
    expect(page.locator("#id_start_date_helptext")).to_contain_text(
        "Jour en premier\u00a0: 17/09/2024"
    )
    start.fill("17/09/2024")
    page.select_option("#id_date_precision", str(DatePrecision.DAY))
    choose(page, "id_location", "Kouakourou")
    page.select_option("#id_event_type", "battles")
    page.fill("#id_title", "Embuscade contre un convoi près de Kouakourou")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()

    expect(page.locator("ul.messagelist")).to_contain_text("a été ajouté avec succès")
    incident = Incident.objects.get()
    assert incident.start_date == datetime.date(2024, 9, 17)  # 17 September, day first
    expect(page.locator("#id_start_date")).to_have_value("17/09/2024")
    expect(page.locator(".field-workflow, #notes").first).to_be_visible()
    expect(page.locator("#notes")).to_contain_text("Notes internes")
    screenshot(page, "admin-french-entry")

    page.get_by_role("button", name="Enregistrer et soumettre à la relecture").click()
    expect(page.locator("ul.messagelist")).to_contain_text("a été modifié avec succès")
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW
    # The date shown back as 17/09/2024 and posted again is no change: no edit was recorded.
    assert not incident.versions.filter(kind=VersionKind.EDITED).exists()
    assert page.url.startswith(live_server.url + "/fr/admin/")

    # The analyst's queue, in French, no longer holds it as a draft of hers to finish.
    page.goto(live_server.url + "/fr/admin/incidents/incident/?queue=my_drafts")
    expect(page.locator("#changelist-filter")).to_contain_text("Par file de travail")
    expect(page.locator("#result_list")).to_have_count(0)
    assert page_errors == []
