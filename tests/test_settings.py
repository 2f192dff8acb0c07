"""Settings come from the environment and refuse what they cannot understand."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from config.settings import env_bool

ROOT = Path(__file__).resolve().parent.parent


def load_settings(shown="s.DEBUG, s.DATABASES['default']['ENGINE']", **env):
    """Import the settings in a fresh interpreter with exactly these variables set, and print
    `shown` (an expression of the settings module `s`)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "PAGE_CACHE"}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print({shown})"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False), ("", None)],
)
def test_env_bool_reads_true_and_false(monkeypatch, raw, value):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", None) is value


@pytest.mark.parametrize("raw", ["yes", "ture", "on"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG", False)


def test_secret_key_is_required_when_debug_is_off():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_manage_py_says_what_the_environment_lacks():
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={**clean, "DEBUG": "false"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("manage.py: SECRET_KEY is required when DEBUG is off")
    assert "Traceback" not in result.stderr


def test_debug_typo_fails_loudly():
    result = load_settings(DEBUG="yes", SECRET_KEY="x")
    assert result.returncode != 0
    assert "DEBUG='yes'" in result.stderr


def test_sqlite_without_database_url_and_postgresql_with_it():
    assert load_settings(DEBUG="true").stdout.split() == ["True", "django.db.backends.sqlite3"]
    with_pg = load_settings(DEBUG="false", SECRET_KEY="x", DATABASE_URL="postgres://u@h:5432/db")
    assert with_pg.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_local_env_file_fills_in_unset_variables_only(tmp_path, monkeypatch):
    from config.settings import load_env_file

    env_file = tmp_path / ".env"
    env_file.write_text(
        "# local\nINCIDENTDB_A=from-file\nINCIDENTDB_B = from-file\n", encoding="utf-8"
    )
    monkeypatch.delenv("INCIDENTDB_A", raising=False)
    monkeypatch.setenv("INCIDENTDB_B", "from-environment")
    load_env_file(env_file)
    assert os.environ["INCIDENTDB_A"] == "from-file"
    assert os.environ["INCIDENTDB_B"] == "from-environment"
    monkeypatch.delenv("INCIDENTDB_A")


def test_a_non_numeric_conn_max_age_fails_loudly():
    result = load_settings(DEBUG="true", CONN_MAX_AGE="forever")
    assert result.returncode != 0
    assert "CONN_MAX_AGE='forever'" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "false",
            "SECRET_KEY": "k3Yq9-5vT1mZr8Lw2Xc7Pa4Nb6Hd0Je-Gf3Us5Ri8Oy1Tq7Wz2Vx9Cm4Bn6Lk0Ph",
            "SECURE_PROXY_SSL": "true",
            "ALLOWED_HOSTS": "incidents.example.org",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def page_cache_setting(**env):
    return load_settings(shown="s.PAGE_CACHE", **env).stdout.strip()


def test_public_answers_are_kept_in_production_and_rendered_afresh_in_development():
    # `make run` (DEBUG=true) must show an edited template at once: the data version does not
    # move with a template, so a kept answer would hide the edit until a restart.
    assert page_cache_setting(DEBUG="false", SECRET_KEY="x") == "True"
    assert page_cache_setting(DEBUG="true") == "False"
    assert page_cache_setting(DEBUG="true", PAGE_CACHE="true") == "True"
    assert page_cache_setting(DEBUG="false", SECRET_KEY="x", PAGE_CACHE="false") == "False"
