# `make run` and `make test` set everything up from a fresh clone; each step does nothing when up to date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
LOCKS := requirements.txt requirements-dev.txt
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
# The quick pass `test-clock` repeats at fixed moments (tests/conftest.py reads TEST_CLOCK).
QUICK := not browser and not postgres_only and not slow

.PHONY: setup lock system-deps run-deps db run test test-sqlite test-clock test-postgres bench lint translations \
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

test: setup system-deps
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-clock
	@if $(BIN)/python scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL pass not run"; fi

test-sqlite:
	$(BIN)/pytest -q -m "not postgres_only"

# The quick pass again at 03:00 KST (quiet hours, a new day in Seoul but not in UTC) and 30 s before
# midnight KST (the day turns during the run); failures and errors only, not the skips again.
test-clock:
	TEST_CLOCK=2026-03-02T03:00:00+09:00 $(BIN)/pytest -q -rfE -p no:cacheprovider -m "$(QUICK)"
	TEST_CLOCK=2026-02-28T23:59:30+09:00 $(BIN)/pytest -q -rfE -p no:cacheprovider -m "$(QUICK)"

test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser"

bench: setup system-deps
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache
