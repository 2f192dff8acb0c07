"""Accounts: passwords that are hard to guess, and logins that cannot be tried forever."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory

LOGIN_URL = "/admin/login/"
GOOD_PASSWORD = "sahel-incidents-2024-long"


@pytest.mark.parametrize(
    "password", ["83749261", "Summer2024", "password1234", "analyst-analyst", "short-pw"]
)
def test_weak_passwords_are_refused(db, password):
    user = UserFactory.build(username="analyst-analyst")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_unusual_password_is_accepted(db):
    validate_password(GOOD_PASSWORD, UserFactory.build(username="analyst"))


def log_in(client, password):
    return client.post(
        LOGIN_URL,
        {"username": "analyst", "password": password, "next": "/admin/"},
        REMOTE_ADDR="198.51.100.7",
    )


def test_the_right_password_logs_in(client, db):
    UserFactory(username="analyst", group="Analyst", password=GOOD_PASSWORD)
    assert log_in(client, GOOD_PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, db, settings):
    UserFactory(username="analyst", group="Analyst", password=GOOD_PASSWORD)
    for _attempt in range(4):
        response = log_in(client, "wrong-guess-123456")
        assert response.status_code == 200  # the login form again, with its error
        assert "Please enter the correct username and password" in response.content.decode()
    locked = log_in(client, "wrong-guess-123456")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    refused = log_in(client, GOOD_PASSWORD)
    assert refused.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not logged in


def test_a_lockout_of_one_address_leaves_the_others_free(client, db):
    UserFactory(username="analyst", group="Analyst", password=GOOD_PASSWORD)
    for _attempt in range(5):
        log_in(client, "wrong-guess-123456")
    other = client.post(
        LOGIN_URL,
        {"username": "analyst", "password": GOOD_PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302
