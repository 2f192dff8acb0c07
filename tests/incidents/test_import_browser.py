"""A reviewer in Bamako imports a UCDP file through the French admin in a real browser: uploads
it, reads the dry run in French (a rejected row, a warning, the summary line), confirms, and
reads the import's report and its incidents' link in French.

See tests/browser.py for how the browser is run.
"""

import csv
import io

from incidents.models import Incident
from tests.browser import BROWSER_TEST_MARKS, screenshot
from tests.factories import UserFactory
from tests.incidents.test_import_ucdp import GLOBAL_COLUMNS, ged_row

pytestmark = BROWSER_TEST_MARKS
NBSP = "\u00a0"


def ged_file(*rows):
    text = io.StringIO()
    writer = csv.DictWriter(text, GLOBAL_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return {"name": "ged.csv", "mimeType": "text/csv", "buffer": text.getvalue().encode()}


def test_a_reviewer_previews_and_confirms_an_import_in_french(page, live_server):
    from playwright.sync_api import expect

    UserFactory(username="aminata", group="Reviewer")
    page.goto(live_server.url + "/fr/admin/login/")
    page.fill("#id_username", "aminata")
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Connexion").click()
    expect(page.locator("#user-tools")).to_contain_text("aminata")

    page.goto(live_server.url + "/fr/admin/incidents/importrun/add/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.select_option("#id_format", "ucdp")
    page.set_input_files(
        "#id_file",
        ged_file(
            ged_row(id="1"),
            ged_row(id="2", latitude="91"),
            ged_row(id="3", latitude="-1.6", longitude="14.1"),
        ),
    )
    page.check("#id_skip_invalid")
    page.get_by_role("button", name="Envoyer et vérifier").click()

    report = page.locator(".field-report")
    expect(report).to_contain_text(
        f"Import UCDP, 3 lignes{NBSP}: 2 créées, 0 mise à jour, 0 inchangée, 0 en conflit, "
        "1 rejetée, 1 avertissement (essai à blanc, rien n'a été écrit)."
    )
    expect(report).to_contain_text(f"ligne 3, latitude='91'{NBSP}: hors limites (−90 à 90)")
    expect(report).to_contain_text(f"Importées quand même{NBSP}; vérifiez ces lieux{NBSP}:")
    expect(report).not_to_contain_text("rows")
    screenshot(page, "import-preview-fr")

    page.get_by_role("button", name="Confirmer l'import").click()
    imported = page.locator(".field-imported")
    expect(imported).to_contain_text("1 avertissement (enregistré).")
    expect(imported.get_by_role("link")).to_have_text(
        "2 incidents créés ou modifiés par cet import"
    )
    screenshot(page, "import-done-fr")
    assert Incident.objects.count() == 2
