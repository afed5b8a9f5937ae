# restaurant_api: `make run` serves the API with demo data, `make test` runs the suite.
# Nothing but Python >= 3.11 is needed: uv (the installer) is bootstrapped into .tools/.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 4
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
CLI := $(BIN)/python -m restaurant_api
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
.PHONY: help install run prod test test-tables migrate seed schema lint typecheck fmt bench bench-reads clean logs

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed ## Create .venv with the locked dependencies

run: install ## Migrate, seed demo data and serve on http://$(HOST):$(PORT) with reload (open registration)
	$(CLI) migrate
	$(CLI) seed
	REGISTRATION_OPEN=$${REGISTRATION_OPEN:-true} REGISTRATION_APPROVAL=$${REGISTRATION_APPROVAL:-false} \
		$(CLI) serve --host $(HOST) --port $(PORT) --reload

prod: install ## Serve with several workers (needs ENVIRONMENT=production and SECRET_KEY)
	$(CLI) migrate
	$(CLI) serve --host 0.0.0.0 --port $(PORT) --workers $(WORKERS)

test: install ## Run the tests on SQLite and PostgreSQL (REQUIRE_POSTGRES=1 to insist)
	$(BIN)/pytest

test-tables: install ## Run the tables and seats tests
	$(BIN)/pytest tests/tables

migrate: install ## Upgrade the database to the latest migration
	$(CLI) migrate

seed: install ## Load the demo menu and tables (idempotent)
	$(CLI) seed

schema: install ## Regenerate schema.graphql and possibleTypes.json from the code
	$(CLI) export-schema

lint: install ## Ruff lint and format check, the import contract, module sizes, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tools/check_module_size.py
	$(BIN)/mypy

typecheck: install ## mypy over the package, the tests and the mypy plugin (config in pyproject.toml)
	$(BIN)/mypy

fmt: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Run the benchmarks (prints figures)
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

bench-reads: install ## Reads vs a raw Starlette app and PostGraphile on PostgreSQL (ROUNDS=3 DURATION=8)
	$(BIN)/python bench/bench_reads.py --rounds $(or $(ROUNDS),3) --duration $(or $(DURATION),8)

logs: ## Follow the logs of the docker compose services
	docker compose logs -f

clean: ## Remove caches and build artefacts (keeps .venv and the database)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
