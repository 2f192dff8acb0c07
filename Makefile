# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint messages bench bench-analysis bench-places bench-corners bench-export bench-import bench-peer clean

PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# Reinstall only when a requirements file changed, so a second `make run` starts in seconds.
# The app needs requirements.txt; the tests also need requirements-dev.txt.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(BIN)/.installed-app: requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) -r requirements-dev.txt
	touch $@ $(BIN)/.installed-app

# UCDP's real events for Burkina Faso and its neighbours (CC BY 4.0), from shared/ beside the
# checkout. Every row imports (the 33 whose estimates do not bracket best are coded from their
# smallest to their largest figure, with a note); any failure stops make run and its messages
# are in var/ucdp-sample.log.
UCDP_SAMPLE ?= ../shared/data/ucdp_ged_west_africa_sample.csv

run: export DEBUG ?= true
run: $(BIN)/.installed-app
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@if [ -f "$(UCDP_SAMPLE)" ]; then \
		mkdir -p var; \
		$(BIN)/python manage.py import_events "$(UCDP_SAMPLE)" --format ucdp \
			2> var/ucdp-sample.log || { status=$$?; cat var/ucdp-sample.log; exit $$status; }; \
	else \
		echo "No UCDP sample at $(UCDP_SAMPLE); set UCDP_SAMPLE to load one."; \
	fi
	@echo ""
	@echo "incidentdb is starting on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "The demo accounts' password is for local use only: never load them on a server others can reach."
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Tests run with DEBUG off, as in production; SECRET_KEY is a throwaway unless given. They run in
# TEST_WORKERS processes (pytest-xdist) that take whole files, so that the rows a module builds
# once (tests/shared_rows.py) are built in one process only, in the order tests/conftest.py
# puts them (xdist would deal the files with most tests first, and a browser file could come
# before a plain one in the same process); TEST_WORKERS=0 runs one process.
TEST_WORKERS ?= 2
test: export DEBUG = false
test: export SECRET_KEY ?= insecure-test-key
# One read replica, which the test runner makes a mirror of the test database (Django's TEST
# MIRROR): tests/test_replicas.py checks that public reads go to it and the rest to the primary.
test: export DATABASE_REPLICA_URLS ?= $(or $(DATABASE_URL),sqlite:///$(CURDIR)/db.sqlite3)
test: $(BIN)/.installed-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# After strings change: extract them into locale/fr/LC_MESSAGES/django.po (new ones untranslated,
# which tests/test_languages.py refuses until a translator fills them in), then compile django.mo.
# Needs GNU gettext (Debian: apt-get install gettext); running the site does not, as both files
# are committed.
messages: export DEBUG = true
messages: export SECRET_KEY ?= insecure-messages-key
messages: $(BIN)/.installed-app
	$(BIN)/python manage.py makemessages --locale fr
	msgfmt --check-format -o locale/fr/LC_MESSAGES/django.mo locale/fr/LC_MESSAGES/django.po

# Benchmarks (PostgreSQL; see bench/README.md). Not part of `make test`.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/incidentdb_bench
BENCH_INCIDENTS ?= 100000
bench: export DEBUG = false
bench: export SECRET_KEY ?= insecure-bench-key
bench: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench: $(BIN)/.installed-app
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python bench/fill_incidents.py $(BENCH_INCIDENTS)
	$(BIN)/python bench/bench_pages.py

# The trends pages and the place/actor pages, on a database `make bench` has filled (issue 4's
# and 5's targets are for 1,000,000 incidents: BENCH_INCIDENTS=1000000 and a database of its own).
bench-analysis bench-places: export DEBUG = false
bench-analysis bench-places: export SECRET_KEY ?= insecure-bench-key
bench-analysis bench-places: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench-analysis: $(BIN)/.installed-app
	$(BIN)/python bench/bench_analysis.py
bench-places: $(BIN)/.installed-app
	$(BIN)/python bench/bench_place_pages.py

# Issue 16's slow corners at a million incidents (search, split by actor, admin list, a big
# actor's page). It creates the superuser bench-admin in the database: use one of your own.
bench-corners: export DEBUG = false
bench-corners: export SECRET_KEY ?= insecure-bench-key
bench-corners: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench-corners: $(BIN)/.installed-app
	$(BIN)/python bench/bench_corners.py
	$(BIN)/python bench/bench_corners.py --cold

bench-export: export DEBUG = false
bench-export: export SECRET_KEY ?= insecure-bench-key
bench-export: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench-export: $(BIN)/.installed-app
	$(BIN)/python bench/bench_export.py

# Issue 17: rows/s and peak RSS at 100,000 and 1,000,000 rows (N/10 and N), then an unchanged
# re-import and one with 100 rows changed, each once (about ten minutes on a quiet machine);
# with the shared file, then PostgreSQL's floor for the same rows (bench_import_floor.py).
BENCH_IMPORT_ROWS ?= 1000000
# The shared million-row ACLED-format file (bench/README.md), its first 100,000 rows then all;
# without it, synthetic files of BENCH_IMPORT_ROWS / 10 and BENCH_IMPORT_ROWS rows.
BENCH_IMPORT_FILE ?= /tmp/bench-data/1m/events.csv
bench-import: $(BIN)/.installed-app
	if [ -f $(BENCH_IMPORT_FILE) ]; then \
	  $(BIN)/python bench/bench_import.py --file $(BENCH_IMPORT_FILE) --sizes 100000 1000000 \
	    --runs 1 --reimport --changed 100 && \
	  $(BIN)/python bench/bench_import_floor.py; \
	else \
	  $(BIN)/python bench/bench_import.py $(BENCH_IMPORT_ROWS) --runs 1 --reimport --changed 100; \
	fi

# Side by side with Datasette on the same million rows (issue 16): the shared harness, writing
# its results into var/bench-peer (never into ../shared). It needs Datasette's venv in
# /tmp/bench-venv and the data in /tmp/bench-data (bench/README.md); IMPORT=1 also (re)creates
# and imports its database, incidentdb_peer_1m. Both of the app's servers run as the README
# deploys it: gunicorn with gunicorn.conf.py (the harness's own default, --workers 3 on sync
# workers, is the deployment before that file existed), from a venv of requirements.txt alone.
# The harness runs $APP/.venv, so APP is PEER_APP: links to this checkout's files beside that
# venv. The tests' tools in .venv are not deployed, and some are loaded when present (DRF
# imports `requests`, 6 MiB per web process), so serving from .venv would measure a server
# nobody runs.
PEER_BENCH ?= ../shared/bench/incidentdb_bench.sh
PEER_GUNICORN_ARGS ?= --config gunicorn.conf.py
PEER_APP := var/bench-peer/app

$(PEER_APP)/.venv/.installed: requirements.txt
	rm -rf $(PEER_APP)/.venv
	mkdir -p $(PEER_APP)
	$(PYTHON) -m venv $(PEER_APP)/.venv
	$(PEER_APP)/.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

PEER_RUN = APP=$(CURDIR)/$(PEER_APP) OUT=$(CURDIR)/var/bench-peer \
	GUNICORN_ARGS="$(PEER_GUNICORN_ARGS)" G_GUNICORN_ARGS="$(PEER_GUNICORN_ARGS)" bash $(PEER_BENCH)
PEER_REDIS_DB = $${REDIS_DB:-13}

# IMPORT=1 with the measurement runs the harness twice: the import asks for the hot pages to be
# rendered again (config/page_warming.py), which leaves keys in the harness's Redis database,
# and the harness refuses to measure with a database that holds any. So the import runs alone
# (MEASURE=0), the keys it left go (the database is checked empty before, as the harness does),
# and the measurement follows.
bench-peer: $(PEER_APP)/.venv/.installed
	for f in $$(git ls-files | cut -d/ -f1 | sort -u | grep -v '^\.'); do \
	  ln -sfn $(CURDIR)/$$f $(PEER_APP)/$$f; done
	if [ "$${IMPORT:-0}" = 1 ] && [ "$${MEASURE:-1}" = 1 ]; then \
	  if [ "$$(redis-cli -n $(PEER_REDIS_DB) dbsize)" != 0 ] && [ -z "$${REDIS_DB_IS_MINE:-}" ]; then \
	    echo "Redis database $(PEER_REDIS_DB) is not empty: choose another REDIS_DB" >&2; exit 1; \
	  fi; \
	  MEASURE=0 $(PEER_RUN) && redis-cli -n $(PEER_REDIS_DB) flushdb >/dev/null && \
	    IMPORT=0 $(PEER_RUN); \
	else \
	  $(PEER_RUN); \
	fi

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
