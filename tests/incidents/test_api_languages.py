"""A script reads the API in English whatever the machine it runs on; a French-speaking
developer who sends `Accept-Language: fr` reads its messages in French. Our own messages and
Django REST framework's follow the same rule; field names, codes and values never change."""

import pytest

from incidents.api.views import API_INDEX
from tests.factories import IncidentFactory

# How a date parameter that is not YYYY-MM-DD is refused (incidents/filters.iso_date).
DATE_REFUSED = "Enter the date as YYYY-MM-DD, for example 2023-10-05."
DATE_REFUSED_FR = "Saisissez la date au format AAAA-MM-JJ, par exemple 2023-10-05."

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def errors(response):
    assert response.status_code == 400
    return response.json()["errors"]


# (URL, English message, French message), each the answer to one bad parameter.
OUR_API_ERRORS = [
    (
        "/api/incidents/?cursor=nonsense",
        "This is not a cursor the API gave out; start again from the first page.",
        "Ce curseur n'a pas été fourni par l'API\u00a0; recommencez à la première page.",
    ),
    (
        "/api/locations/?page_size=0",
        "Give page_size as a whole number from 1 to 500.",
        "Indiquez page_size sous la forme d'un nombre entier de 1 à 500.",
    ),
    (
        "/api/incidents/?ordering=oldest",
        "Give ordering as one of `-date`, `date`, `-killed`, `killed`.",
        "Indiquez pour ordering l'une des valeurs suivantes\u00a0: `-date`, `date`, `-killed`, "
        "`killed`.",
    ),
]


@pytest.mark.parametrize(("url", "english", "french"), OUR_API_ERRORS)
def test_our_api_errors_are_english_without_accept_language(client, db, url, english, french):
    assert list(errors(client.get(url)).values()) == [[english]]


@pytest.mark.parametrize(("url", "english", "french"), OUR_API_ERRORS)
def test_our_api_errors_are_french_with_accept_language_fr(client, db, url, english, french):
    assert list(errors(client.get(url, **FRENCH)).values()) == [[french]]
    assert list(errors(client.get(url, **ENGLISH)).values()) == [[english]]


def test_form_and_rest_framework_messages_follow_the_same_rule(client, db):
    url = "/api/incidents/?date_from=2023-13-45"
    assert errors(client.get(url)) == {"date_from": [DATE_REFUSED]}
    assert errors(client.get(url, **FRENCH)) == {"date_from": [DATE_REFUSED_FR]}
    assert client.post("/api/incidents/").json() == {"detail": 'Method "POST" not allowed.'}
    assert client.post("/api/incidents/", **FRENCH).json() == {
        "detail": "Méthode «\u00a0POST\u00a0» non autorisée."
    }


def test_missing_incident_is_said_in_the_language_asked(client, db):
    assert client.get("/api/incidents/999999/").json() == {"detail": "No such published incident."}
    assert client.get("/api/incidents/999999/", **FRENCH).json() == {
        "detail": "Aucun incident publié ne porte cet identifiant."
    }


@pytest.mark.parametrize(
    ("url", "english", "french"),
    [
        (
            "/acled-api/acled/read?country=Mali&colour=red",
            "Unknown or unsupported parameter: colour.",
            "Paramètre inconnu ou non pris en charge\u00a0: colour.",
        ),
        (
            "/acled-api/acled/read?event_date=2023-13-01",
            "'2023-13-01' is not a date in the form yyyy-mm-dd.",
            "«\u00a02023-13-01\u00a0» n'est pas une date au format aaaa-mm-jj.",
        ),
        (
            "/acled-api/acled/read?fields=event_date|colour|size",
            "Unknown fields: colour, size.",
            "Champs inconnus\u00a0: colour, size.",
        ),
        (
            "/acled-api/acled/read?limit=0",
            "limit must be from 1 to 5000; the whole selection is at /incidents.csv.",
            "limit doit être compris entre 1 et 5000\u00a0; la sélection complète se trouve dans "
            "/incidents.csv.",
        ),
    ],
)
def test_acled_compatible_errors_follow_the_rule(client, db, url, english, french):
    for headers, message in (({}, english), (FRENCH, french)):
        response = client.get(url, **headers)
        assert response.status_code == 400
        assert response.json()["error"][0]["message"] == message


@pytest.mark.parametrize(
    ("url", "english", "french"),
    [
        (
            "/ucdp-api/gedevents/25.1?pagesize=0",
            "pagesize must be from 1 to 1000.",
            "pagesize doit être compris entre 1 et 1000.",
        ),
        (
            "/ucdp-api/gedevents/25.1?StartDate=15/09/2023",
            "StartDate takes a date as yyyy-mm-dd.",
            "StartDate prend une date au format aaaa-mm-jj.",
        ),
        (
            "/ucdp-api/gedevents/25.1?Colour=red",
            "Unknown or unsupported parameter: Colour.",
            "Paramètre inconnu ou non pris en charge\u00a0: Colour.",
        ),
    ],
)
def test_ucdp_compatible_errors_follow_the_rule(client, db, url, english, french):
    for headers, message in (({}, english), (FRENCH, french)):
        response = client.get(url, **headers)
        assert response.status_code == 400
        assert response.json() == {"error": message}


@pytest.mark.parametrize(
    "url",
    ["/api/incidents/", "/api/event-types/", "/acled-api/acled/read", "/ucdp-api/gedevents/25.1"],
)
def test_answers_are_the_same_bytes_in_french(client, db, url):
    IncidentFactory.create_batch(2)
    english = client.get(url, HTTP_ACCEPT="application/json")
    french = client.get(url, HTTP_ACCEPT="application/json", **FRENCH)
    assert english.status_code == french.status_code == 200
    assert french.content == english.content
    assert b"Batailles" not in french.content and b"Bataille" not in french.content


def test_api_index_states_the_language_rule(client, db):
    english = client.get("/api/", HTTP_ACCEPT="application/json").json()
    french = client.get("/api/", HTTP_ACCEPT="application/json", **FRENCH).json()
    assert list(french) == list(english) == [name for name, *_rest in API_INDEX]
    assert "`Accept-Language: fr`" in english["languages"]["description"]
    assert english["languages"]["description"].startswith("Languages: messages")
    assert french["languages"]["description"].startswith("Langues\u00a0: les messages")
    assert french["incidents"] == {
        "url": english["incidents"]["url"],
        "description": "Incidents publiés, avec les filtres de la liste.",
    }


def test_openapi_description_states_the_language_rule(client, db):
    description = client.get("/api/schema/", {"format": "json"}).json()["info"]["description"]
    assert description.startswith("Published political-violence incidents")
    assert description.endswith(
        "as are the CSV, JSON and GeoJSON downloads. This documentation is in English."
    )
    assert "unless the request asks for French with the header `Accept-Language: fr`" in (
        description
    )


def test_openapi_filter_descriptions_stay_english(client, db):
    schema = client.get("/api/schema/", {"format": "json"}, **FRENCH).json()
    parameters = schema["paths"]["/api/incidents/"]["get"]["parameters"]
    (cursor,) = [parameter for parameter in parameters if parameter["name"] == "cursor"]
    assert cursor["description"].startswith("Where a page starts")


def test_api_docs_page_says_its_language_as_its_header_does(client, db):
    english = client.get("/api/docs/")
    french = client.get("/api/docs/", **FRENCH)
    assert english["Content-Language"] == "en" and '<html lang="en">' in english.content.decode()
    assert french["Content-Language"] == "fr" and '<html lang="fr">' in french.content.decode()


def test_browsable_api_buttons_are_titled_in_the_language_asked(client, db):
    page = client.get("/api/event-types/", HTTP_ACCEPT="text/html", **FRENCH).content.decode()
    assert 'title="Envoyer une requête GET à la ressource Event Type List"' in page
    english = client.get("/api/event-types/", HTTP_ACCEPT="text/html").content.decode()
    assert 'title="Make a GET request on the Event Type List resource"' in english
