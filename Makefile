# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi
export WARDENS_ENV ?= development

.PHONY: run test test-postgres test-e2e translations bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(FLASK) i18n compile

run: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) demo logins
	$(FLASK) run --host 127.0.0.1 --port 5000

# Tests run in parallel (pytest-xdist, one process per core; PYTEST_WORKERS=0 runs
# them in one process). --dist loadgroup keeps the browser tests, which share one
# Chromium and one demo database, on a single worker.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --dist loadgroup

# `make test COVERAGE=1` (CI) measures coverage of wardens/ and allocation/, prints the
# report and fails below COV_FLOOR: the measured figure rounded down a little, so a
# change that leaves code untested shows, while the suite keeps the floor.
COV_FLOOR ?= 85
ifdef COVERAGE
COV := --cov --cov-report=term:skip-covered --cov-fail-under=$(COV_FLOOR)
endif

test: $(STAMP) translations
	WARDENS_ENV=test $(BIN)/python -m pytest $(XDIST) $(COV) $(PYTEST_ARGS)

# The same suite against PostgreSQL (CI runs this after `make test`). Each xdist
# worker tests in a database of its own, <name>_gw0, <name>_gw1 … (created when missing).
test-postgres: $(STAMP) translations
	WARDENS_ENV=test WARDENS_TEST_DATABASE_URL=$${WARDENS_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  WARDENS_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest $(XDIST) -m "not e2e" $(PYTEST_ARGS)

bench: $(STAMP) translations
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache
