"""The only settings module: every difference between deployments is an environment variable.

See `.env.example` for the full list. Values are parsed strictly so that a typo fails at
start-up instead of quietly running with a default.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def load_env_file(path):
    """Read KEY=VALUE lines from a local .env file (e.g. DEBUG=true on a laptop, so that
    manage.py commands run without exporting anything). Variables already set win."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            os.environ.setdefault(name.strip(), value.strip())


load_env_file(BASE_DIR / ".env")


def env_bool(name, default):
    """Read a boolean variable; only true/false/1/0 (any case) are accepted."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use true or false")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: use a whole number") from None


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set DEBUG=true for local development)"
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind a TLS-terminating proxy (the usual gunicorn deployment) the proxy sets this header;
# the site is then HTTPS only: plain HTTP is redirected, cookies never travel without TLS, and
# browsers are told (HSTS) to use HTTPS for a year.
SECURE_PROXY_SSL = env_bool("SECURE_PROXY_SSL", False)
if SECURE_PROXY_SSL:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading puts the domain in the browsers' own HTTPS-only lists, which is hard to undo:
    # the site's owner chooses it (SECURE_HSTS_PRELOAD=true), not a default.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "config.admin.WorkbenchAdminConfig",  # django.contrib.admin with the workbench's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_rq",
    "incidents",
    "analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public, anonymous answers kept whole under the public data version: a hit skips every
    # middleware below and the view, and carries the headers they gave it (config/page_cache.py).
    "config.page_cache.PublicAnswers",
    # The datasets' terms on every API answer and download (Link header).
    "incidents.middleware.CreditLinks",
    # Pages compress about 6× (the list with its map data: 170 kB → 31 kB), which matters on
    # the slow mobile connections many readers have. Django's GZip mitigates BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # Before the session is read: signed-in requests and writes read the primary database.
    "config.routers.PrimaryForSignedInRequests",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # English at /…, French at /fr/…; the JSON APIs follow Accept-Language (config/languages.py).
    "config.languages.SiteLanguage",
    # After the language is chosen: its 400 page is in the reader's language.
    "incidents.middleware.RefuseNulCharacters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# Logins are throttled (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name
# from one address, that pair is locked out for AXES_COOLOFF_HOURS, even with the right
# password. `manage.py axes_reset_username <name>` lifts a lockout early (docs/operations.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
if SECURE_PROXY_SSL:
    # The client's address is the one the proxy in front of gunicorn saw.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Content-Security-Policy (django-csp): the browser runs only scripts and applies only styles
# that come as files from this site, so text someone slipped into an incident cannot become
# code. Templates therefore hold no inline <script>, <style>, style="…" or on…= handlers: data
# for scripts travels in <script type="application/json"> blocks or data- attributes.
# Images may also be data: URIs (the empty favicon of base.html, which spares a request for
# /favicon.ico, and Swagger UI's icons) and the map's tiles, which the reader's browser fetches
# from OpenStreetMap (incidents.explorer.TILE_URL). An image cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https://tile.openstreetmap.org"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in the project folder when DATABASE_URL is unset, so trying it needs nothing installed.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Read replicas (PostgreSQL streaming replicas of DATABASE_URL), comma-separated: public reads
# go to them, writes and signed-in work to the primary (config/routers.py, docs/deployment.md).
# In tests each replica is a TEST MIRROR of the primary: the test runner points it at the test
# database instead of creating one (tests/test_replicas.py).
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    DATABASES[f"replica{number}"] = {
        **dj_database_url.parse(
            url, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        ),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"] if len(DATABASES) > 1 else []
for database in DATABASES.values():
    if database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiler spends 50–70 ms compiling each large count or aggregate
        # over a million incidents and wins nothing back on queries that run in tens of ms.
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Twelve characters: the admin can publish and retract what the public reads.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
# The French catalogue (locale/fr/LC_MESSAGES/django.po, compiled to django.mo, both committed so
# that `make run` needs no gettext tools). `make messages` updates it after strings change.
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language a visitor chose with the switcher is remembered for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_PROXY_SSL
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The largest file the admin's import form takes; bigger files go through `import_events`,
# which streams them instead of keeping the whole upload in the database.
IMPORT_UPLOAD_MAX_MB = env_int("IMPORT_UPLOAD_MAX_MB", 100)
# An import run alone (import_events, a worker's job) checks its rows in a process of its own
# (importers/importing.py, CheckingProcess): its Python then uses a second core, which pays
# only when the machine has one to spare: on a quiet 2-core machine a million rows took 213-237 s
# instead of 255-274 s; on one busy with other work it cost a third more CPU and was slower
# (bench/README.md, imp4). Off unless asked: set it where imports run on a machine of their own.
IMPORT_CHECKING_PROCESS = env_bool("IMPORT_CHECKING_PROCESS", False)

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every login and reset at INFO; lockouts, which matter, at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Counts and aggregates that are expensive at a million incidents are cached. Without REDIS_URL
# each process keeps its own small cache; with it, every app server shares one.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Public pages, map points and API answers are kept whole in that cache under the public data
# version (config/page_cache.py): a publication or a retraction shows at once. PAGE_CACHE=false
# renders every request (to measure the pages themselves). Off by default with DEBUG: the
# version does not move when a developer edits a template, so `make run` would show the page
# as it was before the edit until the server restarts.
PAGE_CACHE = env_bool("PAGE_CACHE", not DEBUG)
# After the version moves, a worker renders this many of the most-asked addresses under the new
# one before their visitors come back (config/page_warming.py; needs REDIS_URL and a worker;
# 0 turns it off). Size it in docs/deployment.md.
PAGE_WARMING_ADDRESSES = env_int("PAGE_WARMING_ADDRESSES", 200)

# Background jobs (incidents/jobs.py): an upload's dry run and import run on RQ workers
# (`manage.py rqworker default`) when REDIS_URL is set, and in the request otherwise. An import
# of a million rows takes minutes; a job is stopped only well past that.
RQ_JOB_TIMEOUT = 4 * 3600
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

# The public JSON API is read-only and needs no login; the same IncidentFilterSet as the pages.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # No authentication at all: everyone, logged-in analysts included, reads the same public
    # data and gets the same 405 for a write (not a CSRF 403), and no request looks up a session.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "incidentdb API",
    "DESCRIPTION": (
        "Published political-violence incidents, their places, actors and series. Read-only "
        "(GET), no login. Incidents take the same filter parameters as the incident list page. "
        "Long lists come a page at a time: follow `next`. A bad parameter answers 400 with "
        '`{"errors": {"parameter": ["message"]}}`. Scripts written for ACLED\'s or UCDP\'s '
        "API run here with their host changed to /acled-api or /ucdp-api (below). /api/ lists "
        "the endpoints. `/api/incidents/?ordering=-killed` lists the deadliest first (`date`, "
        "`-date`, `killed`, `-killed`). The JSON download of the incident list "
        "(/incidents.json?<the same filters>) describes each incident with the same names, "
        "shapes and values as /api/incidents/, and adds its narrative, coded casualty figures, "
        "source reports and citations."
    ),
    # The ACLED- and UCDP-compatible endpoints are plain Django views: added by hand.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "incidents.compat.schema.add_compat_paths",
    ],
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from drf-spectacular-sidecar's files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    # No badge fetched from swagger.io's online validator: the docs make no outside request.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
