"""Entering incidents in a real browser as an analyst does (issue 12): a date typed the French
way is read day first, a Mali place at Paris's coordinates is refused, the queues on the admin's
first page list the right incidents, the incident list fits 1280 px with its filters, and a
form with unsaved changes asks before it is left. See tests/browser.py for how the browser runs.
"""

import datetime
import re

from incidents.choices import DatePrecision, Status
from incidents.models import Incident, IncidentActor, Location
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CountryFactory,
    IncidentFactory,
    LocationFactory,
    UserFactory,
)
from tests.incidents.test_figures_browser import choose, log_in

pytestmark = BROWSER_TEST_MARKS


def test_a_date_typed_the_french_way_is_stored_day_first(page, live_server):
    from playwright.sync_api import expect

    LocationFactory(name="Bamako")
    UserFactory(username="awa", group="Analyst")
    page_errors, dialogs = [], []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))

    log_in(page, live_server, "awa")
    page.goto(live_server.url + "/admin/incidents/incident/add/")
    start = page.locator("#id_start_date")
    expect(start).to_have_attribute("placeholder", "DD/MM/YYYY")
    expect(page.locator("#id_start_date_helptext")).to_contain_text("Day first: 17/09/2024")
    start.fill("05/10/2024")
    choose(page, "id_location", "Bamako")
    page.select_option("#id_event_type", "battles")
    page.fill("#id_title", "Attack reported on 5 October")
    screenshot(page, "entry-french-date")
    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")

    incident = Incident.objects.get()
    assert incident.start_date == datetime.date(2024, 10, 5)  # 5 October, never 10 May
    assert incident.date_precision == DatePrecision.DAY
    expect(page.locator("#id_start_date")).to_have_value("2024-10-05")

    # Known only to the month: typed as such, it is stored and shown back with that precision.
    page.locator("#id_start_date").fill("2024-09")
    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#id_start_date")).to_have_value("2024-09")
    expect(page.locator("#id_date_precision")).to_have_value(str(DatePrecision.MONTH))
    incident.refresh_from_db()
    assert (incident.start_date, incident.date_precision) == (
        datetime.date(2024, 9, 1),
        DatePrecision.MONTH,
    )
    assert dialogs == []  # saving never asks about unsaved changes
    assert page_errors == []


def test_a_mali_place_at_paris_is_refused_until_a_reviewer_keeps_it(page, live_server):
    from playwright.sync_api import expect

    AdminAreaFactory(country=CountryFactory(), name="Mopti", iso_code="ML-5")
    UserFactory(username="awa", group="Analyst")
    UserFactory(username="amina", group="Reviewer")
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    log_in(page, live_server, "awa")
    page.goto(live_server.url + "/admin/incidents/location/add/")
    page.fill("#id_name", "Kouakourou")
    page.fill("#id_latitude", "48.8566")
    page.fill("#id_longitude", "2.3522")
    choose(page, "id_admin1", "Mopti")
    page.get_by_role("button", name="Save", exact=True).click()
    errors = page.locator(".field-latitude .errorlist")
    expect(errors).to_contain_text("48.8566, 2.3522 is 2,690 km outside Mali's outline.")
    expect(errors).to_contain_text("a reviewer can keep them with a reason")
    # The analyst cannot give that reason.
    expect(page.locator("#id_outline_override_reason")).to_have_count(0)
    screenshot(page, "entry-place-in-paris-refused")
    assert not Location.objects.exists()

    # At the right coordinates it saves.
    page.fill("#id_latitude", "14.6425")
    page.fill("#id_longitude", "-4.2575")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    place = Location.objects.get()

    # A reviewer keeps a camp across the border, with the reason.
    log_in(page, live_server, "amina")
    page.goto(live_server.url + f"/admin/incidents/location/{place.pk}/change/")
    page.fill("#id_longitude", "-13.5")
    page.fill("#id_latitude", "14.9")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".field-latitude .errorlist")).to_contain_text("outside Mali's outline")
    page.fill("#id_outline_override_reason", "Refugee camp across the border, as AFP places it.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".fieldBox.field-outline_override_by")).to_contain_text("amina")
    place.refresh_from_db()
    assert place.outline_override_by.username == "amina"
    assert page_errors == []


def test_the_analysts_queues_list_the_right_incidents(page, live_server):
    from playwright.sync_api import expect

    awa = UserFactory(username="awa", group="Analyst")
    colleague = UserFactory(username="colleague", group="Analyst")
    IncidentFactory(status=Status.DRAFT, created_by=awa, title="My draft")
    IncidentFactory(status=Status.DRAFT, created_by=colleague, title="A colleague's draft")
    IncidentFactory(
        status=Status.DRAFT,
        created_by=awa,
        returned_at=datetime.datetime.now(datetime.UTC),
        return_reason="Add a source",
        title="Returned draft",
    )
    IncidentFactory(status=Status.IN_REVIEW, created_by=colleague, title="In review")
    IncidentFactory(status=Status.PUBLISHED, created_by=awa, title="Published by awa")
    IncidentFactory(status=Status.PUBLISHED, created_by=colleague, title="Published by another")
    expected = {
        "My drafts": {"My draft", "Returned draft"},
        "Returned to me": {"Returned draft"},
        "Waiting for review": {"In review"},
        "Published by me": {"Published by awa"},
    }

    log_in(page, live_server, "awa")
    for queue, titles in expected.items():
        page.goto(live_server.url + "/admin/")
        row = page.locator("#queues tr").filter(has=page.get_by_role("link", name=queue))
        expect(row.locator("td")).to_have_text(str(len(titles)))
        row.get_by_role("link").click()  # one click from the admin's first page
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(len(titles))
        listed = {rows.nth(i).locator(".field-title").inner_text() for i in range(len(titles))}
        assert listed == titles, queue
    screenshot(page, "entry-queue-published-by-me")


def test_the_incident_list_fits_1280_px_and_its_boxes_filter(page, live_server):
    from playwright.sync_api import expect

    mali = CountryFactory()
    segou = AdminAreaFactory(country=mali, name="Ségou", iso_code="ML-4")
    AdminAreaFactory(country=mali, name="Mopti", iso_code="ML-5")
    niger = CountryFactory(iso3="NER", iso2="NE", name="Niger")
    AdminAreaFactory(country=niger, name="Tillabéri", iso_code="NE-6")
    jnim = ActorFactory(name="JNIM")
    jnim.aliases.create(name="Jama'at Nusrat al-Islam wal-Muslimin")
    at_segou = IncidentFactory(
        location=LocationFactory(name="Niono", admin1=segou),
        title="Ambush of a convoy between Niono and Diabaly on the road north of the canal",
    )
    IncidentActor.objects.create(incident=at_segou, actor=jnim, role="perpetrator")
    for n in range(30):
        IncidentFactory(title=f"Another incident {n} with a rather long title to wrap")
    UserFactory(username="awa", group="Analyst")
    page.set_viewport_size({"width": 1280, "height": 800})

    log_in(page, live_server, "awa")
    page.goto(live_server.url + "/admin/incidents/incident/")
    expect(page.locator("#changelist-filter")).to_be_visible()
    for column in ["date", "title", "location", "killed", "status"]:
        box = page.locator(f"#result_list th.column-{column}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, column
    filters = page.locator("#changelist-filter").bounding_box()
    status = page.locator("#result_list th.column-status").bounding_box()
    assert status["x"] + status["width"] <= filters["x"]  # beside the filters, not under them
    screenshot(page, "entry-incident-list-1280")

    # The region box searches its regions, accents aside, under their country.
    page.locator("details[data-filter-title='region'] .select2-selection").click()
    page.locator(".select2-search__field").last.fill("Segou")
    options = page.locator(".select2-results__option")
    expect(page.locator(".select2-results__group")).to_have_text(["Mali"])
    options.filter(has_text="Ségou").first.click()
    expect(page).to_have_url(re.compile(rf"[?&]region={segou.pk}"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    # The actor box finds JNIM by its alias; the region stays chosen.
    page.locator("details[data-filter-title='actor'] .select2-selection").click()
    page.locator(".select2-search__field").last.fill("nusrat")
    page.locator(".select2-results__option", has_text="JNIM").click()
    expect(page).to_have_url(re.compile(rf"actor={jnim.pk}"))
    expect(page).to_have_url(re.compile(rf"region={segou.pk}"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Ambush of a convoy")

    # A period typed day first.
    page.fill("#id_date_from", "01/01/2030")
    page.locator("details[data-filter-title='period']").get_by_role("button", name="Filter").click()
    expect(page.locator("#result_list")).to_have_count(0)
    screenshot(page, "entry-incident-list-filtered")


def test_a_form_with_unsaved_changes_asks_before_it_is_left(page, live_server):
    from playwright.sync_api import expect

    UserFactory(username="awa", group="Analyst")
    dialogs = []

    def answer(dialog, leave):
        dialogs.append(dialog.type)
        dialog.accept() if leave else dialog.dismiss()

    log_in(page, live_server, "awa")
    add_url = live_server.url + "/admin/incidents/incident/add/"
    page.goto(add_url)
    sidebar = page.locator("#nav-sidebar")
    # Untouched, it is left without a question.
    sidebar.get_by_role("link", name="Locations").click()
    expect(page).to_have_url(re.compile(r"/admin/incidents/location/$"))
    assert dialogs == []

    # Half filled: the sidebar asks; staying keeps what was typed.
    page.goto(add_url)
    page.fill("#id_title", "Half-filled report")
    page.once("dialog", lambda dialog: answer(dialog, leave=False))
    sidebar.get_by_role("link", name="Locations").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(add_url)
    expect(page.locator("#id_title")).to_have_value("Half-filled report")

    # Any other link asks too; leaving is allowed.
    page.once("dialog", lambda dialog: answer(dialog, leave=True))
    page.locator("#user-tools").get_by_role("link", name="View site").click()
    expect(page).not_to_have_url(add_url)
    assert dialogs == ["beforeunload", "beforeunload"]

    # A form shown again with its errors holds unsaved input: it asks at once.
    page.goto(add_url)
    page.fill("#id_title", "No place yet")
    page.locator("input[name='_save']").click()
    expect(page.locator(".errornote")).to_be_visible()
    page.once("dialog", lambda dialog: answer(dialog, leave=False))
    sidebar.get_by_role("link", name="Locations").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"] * 3
