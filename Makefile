# Casework: `make run` serves the embedded default, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Test-time settings for `check --deploy`: dummy secrets, never used to serve anything.
DEPLOY_CHECK_ENV := CASEWORK_ENV=production SECRET_KEY=deploy-check-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n') \
	DATABASE_URL=sqlite:///:memory: ALLOWED_HOSTS=casework.example CASEWORK_VAULT_KEY=deploy-check-vault-key \
	CASEWORK_AUDIT_KEY=deploy-check-audit-key-of-at-least-32-chars CASEWORK_AUDIT_ANCHOR=casework.privacy.anchors.NullAnchor \
	CASEWORK_TRUSTED_PROXIES=127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help run run-prod test lint typecheck checks pytest messages bench install install-dev clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Casework needs Python 3.11 or newer.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.python-ok
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed  ## Install the application into .venv

install-dev: $(VENV)/.installed-dev  ## Install the application and its development tools

run: $(VENV)/.installed  ## Install, migrate, load demo data once and serve on http://127.0.0.1:8000
	@mkdir -p var
	$(MANAGE) migrate --no-input
	CASEWORK_STATIC_MANIFEST=true $(MANAGE) collectstatic --no-input --verbosity 0
	@CASEWORK_STATIC_MANIFEST=true $(MANAGE) seed_demo  # idempotent: creates the demo data once, prints the sign-ins
	@echo "Serving Casework on http://127.0.0.1:8000  (Ctrl-C stops it)"
	@if [ -n "$$REDIS_URL" ]; then procfile=deploy/Procfile.scaled; else procfile=deploy/Procfile.embedded; fi; \
		PATH="$(CURDIR)/$(BIN):$$PATH" CASEWORK_STATIC_MANIFEST=true $(BIN)/honcho --no-prefix -f $$procfile -d . start

# The production layout (README: "Running it like production"): PostgreSQL and Redis from
# DATABASE_URL and REDIS_URL, production settings (their secrets from the environment), web,
# websocket, task and clock processes kept running by casework/shell/supervisor.py.
# DEMO=1 loads the demo data first (a trial instance only).
run-prod: $(VENV)/.installed  ## The production layout on PostgreSQL and Redis (see the README)
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
		*) echo "make run-prod needs DATABASE_URL=postgres://... (make run serves SQLite)."; exit 2;; esac
	@if [ -z "$$REDIS_URL" ]; then echo "make run-prod needs REDIS_URL=redis://..."; exit 2; fi
	CASEWORK_ENV=production CASEWORK_DB_STATEMENT_TIMEOUT=0 $(MANAGE) migrate --no-input
	CASEWORK_ENV=production $(MANAGE) collectstatic --no-input --verbosity 0
	@if [ -n "$(DEMO)" ]; then CASEWORK_ENV=production $(MANAGE) seed_demo --i-know-this-is-production; fi
	CASEWORK_ENV=production $(PY) -m casework.shell.supervisor

lint: $(VENV)/.installed-dev  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev  ## mypy, strict, with django-stubs
	$(BIN)/mypy casework tests conftest.py bench

checks: $(VENV)/.installed-dev  ## Django's system checks, deploy checks and migrations check
	$(MANAGE) check --fail-level WARNING
	$(DEPLOY_CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run

pytest: $(VENV)/.installed-dev  ## The test suite (browser tests where Chromium is installed)
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests: running in /usr/bin/chromium."; \
		else echo "Browser tests: SKIPPED, /usr/bin/chromium is not installed (apt-get install chromium)."; fi
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck checks pytest  ## Every check: lint, types, Django checks, tests

# makemessages reads the folder it runs in: casework/, so that only its own text is extracted.
IN_CASEWORK := cd casework && $(CURDIR)/$(PY) $(CURDIR)/manage.py

messages: $(VENV)/.installed-dev  ## Extract translatable strings (then translate), compile
	$(IN_CASEWORK) makemessages -l es --no-obsolete \
		--ignore 'static/*' --ignore 'testing/*' --ignore '*/tests/*'
	$(IN_CASEWORK) makemessages -d djangojs -l es --ignore '*.min.js'
	$(MANAGE) allauth_catalogue  # our Spanish for django-allauth: fails if allauth has new text
	$(IN_CASEWORK) compilemessages -l es

SCALE ?= small
bench: $(VENV)/.installed-dev  ## Benchmarks: pages beside the floor (SCALE=small|medium|large); medium and up, all
	$(PY) -m bench --scale $(SCALE)

clean:  ## Remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
