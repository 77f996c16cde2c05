# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/prorata
PYTEST_ARGS ?=
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: install run test test-sqlite test-postgres lint messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
	$(BIN)/python -m prorata.i18n compile >/dev/null

run: install
	$(BIN)/prorata run

test: install $(AXE)
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests $(wildcard bench)
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# axe-core for the browser tests' accessibility check, from the npm registry (pinned by the lock).
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

test-sqlite:
	@echo "== suite on SQLite"
	env -u DATABASE_URL $(BIN)/pytest -m "not postgres" $(PYTEST_ARGS)

# PostgreSQL: runs when the server answers; with PRORATA_REQUIRE_POSTGRES=1 a missing server fails.
test-postgres:
	@if $(BIN)/python -m prorata.devtools.pgcheck "$(PG_URL)"; then \
		echo "== suite on PostgreSQL"; \
		DATABASE_URL="$(PG_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$$PRORATA_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (PRORATA_REQUIRE_POSTGRES=1) but does not answer at $(PG_URL)"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(PG_URL): its suite is skipped (set PRORATA_REQUIRE_POSTGRES=1 to fail instead)"; \
	fi

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/lint-imports

# Update every app's catalogue from the sources; fill the new msgstr entries, then `make install`.
messages: install
	$(BIN)/python -m prorata.i18n update

clean:
	rm -rf $(VENV) var .pytest_cache
