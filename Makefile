# Waymark: `make run` serves the demo; `make test` runs every check. Both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SQLITE_TEST_URL := sqlite:///$(CURDIR)/var/test.sqlite3

.PHONY: help install assets chromium run serve worker demo lint typecheck migrations-check test test-sqlite test-postgres clean

help:
	@echo "make run            set up and serve Waymark with demo data on http://$(HOST):$(PORT)"
	@echo "make test           set up and run every check (SQLite, then PostgreSQL if DATABASE_URL answers)"
	@echo "make test-postgres  the test suite on the PostgreSQL in DATABASE_URL"

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Waymark needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

assets: node_modules/.installed
	node frontend/build.mjs

var:
	mkdir -p var

run: install assets var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "Sign in at http://$(HOST):$(PORT)/ with a demo user above; the authenticator code is printed by:"
	@echo "  $(BIN)/waymark demo_code"
	@echo
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/python manage.py db_worker --interval 1 & \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy waymark config tests bench

migrations-check: $(BIN)/.installed
	DATABASE_URL=$(SQLITE_TEST_URL) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

test: install assets var chromium lint typecheck migrations-check test-sqlite
	@if [ -n "$$DATABASE_URL" ] && $(BIN)/python scripts/database_answers.py; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else \
	  echo "PostgreSQL: DATABASE_URL is not set or does not answer; the PostgreSQL run was skipped."; \
	fi

test-sqlite: install assets var
	DATABASE_URL=$(SQLITE_TEST_URL) $(BIN)/pytest

test-postgres: install assets var
	@test -n "$$DATABASE_URL" || (echo "Set DATABASE_URL to a PostgreSQL server" && exit 2)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) node_modules var waymark/static

chromium:
	@bash scripts/ensure-chromium.sh
