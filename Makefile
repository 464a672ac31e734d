# `make run` and `make test` set everything up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: setup system-deps run-deps db run test test-sqlite test-postgres bench lint translations clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --statistics

setup: $(VENV)/.installed translations

system-deps:
	./scripts/system-deps.sh test

run-deps:
	./scripts/system-deps.sh run

db: setup
	$(FLASK) db upgrade heads
	$(FLASK) seed-demo

run: setup run-deps db
	$(BIN)/python scripts/run_stack.py

test: setup system-deps
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL pass not run"; fi

test-sqlite:
	$(BIN)/pytest -q -m "not postgres_only"

test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser"

bench: setup system-deps
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache
