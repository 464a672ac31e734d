# `make run` and `make test` set everything up from a fresh clone; each step does nothing when up to date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
LOCKS := requirements.txt requirements-dev.txt
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
# The quick pass `test-clock` repeats at fixed moments (tests/conftest.py reads TEST_CLOCK).
QUICK := not browser and not postgres_only and not slow

.PHONY: setup lock system-deps run-deps db run test test-lane-sqlite test-lane-postgres test-sqlite test-clock \
	test-clock-night test-clock-midnight test-postgres bench lint translations \
	clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Only what the hashed locks name, at their versions; a changed lock installs again.
$(VENV)/.installed: $(LOCKS) | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

# Regenerate both locks from requirements.in and requirements-dev.in (pins already in a lock are kept).
lock: $(VENV)/.installed
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --custom-compile-command "make lock" \
		--output-file requirements.txt requirements.in
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --custom-compile-command "make lock" \
		--output-file requirements-dev.txt requirements-dev.in

translations: $(CATALOGS)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --domain messages --directory translations --locale $* --statistics

setup: $(VENV)/.installed translations

system-deps:
	./scripts/system-deps.sh test

run-deps:
	./scripts/system-deps.sh run

# Migrates and seeds the demo data only when the database is behind (scripts/prepare_db.py says why).
db: setup
	$(BIN)/python scripts/prepare_db.py

run: setup run-deps db
	$(BIN)/python scripts/run_stack.py

# Two lanes at once on the machine's two cores, each a pytest of its own with its own --basetemp: SQLite (browser
# tests included) then the quick pass at 03:00 KST; PostgreSQL (when reachable) then the quick pass at 23:59:30 KST.
# Each lane's output is printed whole when it ends (--output-sync); either failing fails the run.
test: setup system-deps
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory -j2 --output-sync=target test-lane-sqlite test-lane-postgres

test-lane-sqlite:
	$(MAKE) --no-print-directory test-sqlite PYTEST_TMP=sqlite
	$(MAKE) --no-print-directory test-clock-night PYTEST_TMP=night

test-lane-postgres:
	@if $(BIN)/python scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		$(MAKE) --no-print-directory test-postgres PYTEST_TMP=postgres; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL pass not run"; fi
	$(MAKE) --no-print-directory test-clock-midnight PYTEST_TMP=midnight

# Outside the checkout (tests read the source tree), one folder per checkout and lane.
TMP_ROOT := $(or $(TMPDIR),/tmp)/goyang-tests-$(shell printf %s "$(CURDIR)" | cksum | cut -d' ' -f1)
PYTEST_TMP ?= default
PYTEST = $(BIN)/pytest --basetemp=$(TMP_ROOT)/$(PYTEST_TMP)

test-sqlite:
	@mkdir -p $(TMP_ROOT)
	$(PYTEST) -q -m "not postgres_only"

# The quick pass again at 03:00 KST (quiet hours, a new day in Seoul but not in UTC) and 30 s before
# midnight KST (the day turns during the run); failures and errors only, not the skips again.
test-clock: test-clock-night test-clock-midnight

test-clock-night:
	@mkdir -p $(TMP_ROOT)
	TEST_CLOCK=2026-03-02T03:00:00+09:00 $(PYTEST) -q -rfE -p no:cacheprovider -m "$(QUICK)"

test-clock-midnight:
	@mkdir -p $(TMP_ROOT)
	TEST_CLOCK=2026-02-28T23:59:30+09:00 $(PYTEST) -q -rfE -p no:cacheprovider -m "$(QUICK)"

test-postgres:
	@mkdir -p $(TMP_ROOT)
	TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST) -q -p no:cacheprovider -m "not browser"

bench: setup system-deps
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache $(TMP_ROOT)
