"""English and French: which language a request is answered in, the switcher, and a French
catalogue that is complete and compiled (config/languages.py, locale/fr/)."""

import ast
import gettext
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from incidents.caching import remember

# With the public answers kept, as in production: French and English are never mixed, and one
# visitor's redirect to the French address is never given to another.
pytestmark = pytest.mark.page_cache

# How a date parameter that is not YYYY-MM-DD is refused (incidents/filters.iso_date).
DATE_REFUSED = "Enter the date as YYYY-MM-DD, for example 2023-10-05."
DATE_REFUSED_FR = "Saisissez la date au format AAAA-MM-JJ, par exemple 2023-10-05."


ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
COMPILED = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
FRENCH_BROWSER = "fr-FR,fr;q=0.9,en;q=0.5"


def html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
class TestOneAddressPerLanguage:
    def test_the_english_address_answers_in_english(self, client):
        response = client.get("/incidents/")
        assert response.status_code == 200
        assert html_lang(response) == "en"
        assert response["Content-Language"] == "en"
        assert ">Trends<" in response.content.decode()

    def test_the_french_address_answers_in_french_whoever_asks(self, client):
        response = client.get("/fr/incidents/", HTTP_ACCEPT_LANGUAGE="en-GB,en")
        assert response.status_code == 200
        assert html_lang(response) == "fr"
        assert response["Content-Language"] == "fr"
        page = response.content.decode()
        assert ">Évolutions<" in page and ">Trends<" not in page
        # The site's own links stay in French.
        assert 'href="/fr/analysis/"' in page and 'href="/fr/admin/"' in page

    def test_a_french_browser_is_sent_to_the_french_address_with_its_query(self, client):
        response = client.get("/incidents/?country=MLI&page=2", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
        assert response.status_code == 302
        assert response["Location"] == "/fr/incidents/?country=MLI&page=2"
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Accept-Language", "Cookie"} <= vary

    def test_an_english_browser_stays(self, client):
        response = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9,fr;q=0.8")
        assert response.status_code == 200
        assert html_lang(response) == "en"

    def test_a_visitor_who_chose_english_stays_on_english_pages(self, client):
        client.cookies["django_language"] = "en"
        response = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
        assert response.status_code == 200
        assert html_lang(response) == "en"

    def test_a_form_sent_to_an_english_address_is_not_redirected(self, client):
        response = client.post("/admin/login/", {}, HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
        assert response.status_code == 200

    def test_the_admin_has_a_french_address(self, client):
        response = client.get("/fr/admin/login/")
        assert response.status_code == 200
        page = response.content.decode()
        assert html_lang(response) == "fr"
        # Django's own French, and the workbench's title in French.
        assert "Nom d’utilisateur" in page
        assert "poste de travail des analystes" in page

    def test_a_missing_page_stays_missing_in_both_languages(self, client):
        assert client.get("/no-such-page/").status_code == 404
        assert client.get("/fr/no-such-page/").status_code == 404


@pytest.mark.django_db
class TestSwitcher:
    def test_every_page_links_to_itself_in_the_other_language(self, client):
        english = client.get("/incidents/?country=MLI").content.decode()
        assert 'href="/language/fr/?next=%2Fincidents%2F%3Fcountry%3DMLI"' in english
        assert 'lang="fr"' in english and ">Français<" in english
        french = client.get("/fr/incidents/?country=MLI").content.decode()
        assert 'href="/language/en/?next=%2Ffr%2Fincidents%2F%3Fcountry%3DMLI"' in french
        assert ">English<" in french

    def test_the_admin_has_the_switcher_too(self, client):
        page = client.get("/admin/login/").content.decode()
        assert 'href="/language/fr/?next=%2Fadmin%2Flogin%2F"' in page

    def test_choosing_french_shows_the_same_page_in_french_and_is_remembered(self, client):
        response = client.get("/language/fr/", {"next": "/incidents/?country=MLI"})
        assert response.status_code == 302
        assert response["Location"] == "/fr/incidents/?country=MLI"
        cookie = response.cookies["django_language"]
        assert cookie.value == "fr" and int(cookie["max-age"]) >= 300 * 24 * 3600
        # Later, an English link (shared by a colleague) opens in French for this visitor.
        later = client.get("/analysis/", HTTP_ACCEPT_LANGUAGE="en")
        assert later.status_code == 302 and later["Location"] == "/fr/analysis/"

    def test_choosing_english_leaves_the_french_address(self, client):
        client.cookies["django_language"] = "fr"
        response = client.get("/language/en/", {"next": "/fr/incidents/42/"})
        assert response["Location"] == "/incidents/42/"
        assert response.cookies["django_language"].value == "en"
        stay = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
        assert stay.status_code == 200

    @pytest.mark.parametrize(
        "next_address", ["https://elsewhere.example/", "//elsewhere.example/x", ""]
    )
    def test_the_switcher_never_leaves_the_site(self, client, next_address):
        response = client.get("/language/fr/", {"next": next_address})
        assert response["Location"] == "/fr/"

    def test_an_unknown_language_falls_back_to_english(self, client):
        response = client.get("/language/xx/", {"next": "/fr/about/"})
        assert response["Location"] == "/about/"
        assert response.cookies["django_language"].value == "en"


@pytest.mark.django_db
class TestAPILanguage:
    """The API's messages are English unless Accept-Language asks for French; the switcher's
    cookie does not count there, and field names never change."""

    def refused(self, client, **headers):
        response = client.get("/api/incidents/", {"date_from": "yesterday"}, **headers)
        assert response.status_code == 400
        return response

    def test_english_by_default(self, client):
        response = self.refused(client)
        assert response["Content-Language"] == "en"
        assert DATE_REFUSED in response.content.decode()

    def test_french_when_the_client_asks(self, client):
        english = self.refused(client).json()
        response = self.refused(client, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
        assert response["Content-Language"] == "fr"
        assert DATE_REFUSED_FR in response.content.decode()
        # The same names in both: only the messages change.
        assert response.json().keys() == english.keys()

    def test_the_cookie_alone_does_not_change_the_api(self, client):
        client.cookies["django_language"] = "fr"
        assert DATE_REFUSED in self.refused(client).content.decode()

    def test_the_api_is_never_redirected(self, client):
        response = client.get("/api/incidents/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
        assert response.status_code == 200
        assert response["Content-Language"] == "fr"


def test_remembered_results_are_kept_per_language(db):
    cache.clear()

    def label():
        return str(translation.gettext("Trends"))

    with translation.override("en"):
        assert remember(["language-test"], label, 60) == "Trends"
    with translation.override("fr"):
        assert remember(["language-test"], label, 60) == "Évolutions"
    with translation.override("en"):
        assert remember(["language-test"], label, 60) == "Trends"


# The catalogue -------------------------------------------------------------------------------

GETTEXT_FUNCTIONS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
# Where the text to translate is, by function: pgettext's context comes first.
TEXT_ARGUMENTS = {"pgettext": 2, "pgettext_lazy": 2, "npgettext": 3, "npgettext_lazy": 3}


def project_python_files():
    for folder in ("config", "incidents", "analysis"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def calls_with_text_built_at_run_time(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_FUNCTIONS or not node.args:
            continue
        texts = node.args[: TEXT_ARGUMENTS.get(name, 2 if name.startswith("n") else 1)]
        if not all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in texts):
            yield f"{path.relative_to(ROOT)}:{node.lineno}"


def test_every_translated_text_is_written_in_the_code():
    """makemessages reads only literal strings: _(name) or _(f"…") would never be translated."""
    found = [
        place
        for path in project_python_files()
        for place in calls_with_text_built_at_run_time(path)
    ]
    assert found == []


def test_templates_translate_only_written_text():
    variable = re.compile(r"{%\s*(?:translate|trans)\s+(?![\"'])")
    found = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if variable.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def gettext_tools_or_skip():
    if shutil.which("xgettext") and shutil.which("msgattrib"):
        return
    if os.environ.get("CI"):
        pytest.fail("GNU gettext (xgettext, msgattrib) is needed to check the French catalogue")
    pytest.skip("GNU gettext is not installed (Debian: apt-get install gettext)")


def test_the_french_catalogue_translates_every_string(tmp_path):
    """What `make messages` would extract today is all in the committed catalogue, translated,
    and none of it fuzzy (a guess msgmerge made that nobody checked)."""
    gettext_tools_or_skip()
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "*.sqlite3", "var", "staticfiles"),
    )
    env = {**os.environ, "DEBUG": "true", "SECRET_KEY": "catalogue-check"}
    env.pop("DATABASE_URL", None)
    env.pop("DATABASE_REPLICA_URLS", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "fr"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"

    def entries(*options):
        out = subprocess.run(
            ["msgattrib", "--no-wrap", *options, str(extracted)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]

    assert entries("--untranslated") == []
    assert entries("--only-fuzzy") == []


def test_the_compiled_catalogue_is_the_committed_one():
    """django.mo (what the site reads) holds exactly what django.po says."""
    gettext_tools_or_skip()
    compiled = subprocess.run(
        ["msgfmt", "--check-format", "-o", "-", str(CATALOGUE)], check=True, capture_output=True
    ).stdout
    fresh = gettext.GNUTranslations(io.BytesIO(compiled))
    committed = gettext.GNUTranslations(COMPILED.open("rb"))
    assert committed._catalog == fresh._catalog


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    ["/incidents/?date_from={}", "/analysis/?date_from={}", "/analysis/compare/?a_from={}"],
)
def test_a_date_in_an_address_means_the_same_day_in_both_languages(client, address):
    """05/10/2023 is 10 May to an English reader and 5 October to a French one: addresses
    take ISO dates only, so a shared link selects the same incidents in both languages."""
    for prefix, refusal in (("", DATE_REFUSED), ("/fr", DATE_REFUSED_FR)):
        assert refusal in client.get(prefix + address.format("05/10/2023")).content.decode()
        assert refusal not in client.get(prefix + address.format("2023-10-05")).content.decode()


@pytest.mark.django_db
def test_the_api_takes_iso_dates_whatever_the_language(client):
    for language in ("en", "fr"):
        answer = client.get("/api/incidents/?date_from=05/10/2023", HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 400
        answer = client.get("/api/incidents/?date_from=2023-10-05", HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 200
