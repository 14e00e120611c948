# Two commands for a fresh machine with Python 3.11+:
#   make run    install, migrate, load the demo shop, serve it at http://127.0.0.1:8000
#   make test   install, start local services where possible, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run dev test lint audit lock bench-seed bench clean

$(STAMP): requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_roles
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py ensure_owner
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# `make run` with Django's debug pages (tracebacks, every URL pattern on a 404): for
# development only, never for a shop others can reach.
dev:
	DEBUG=1 $(MAKE) run

test: install
	scripts/test

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# The pinned dependencies against the vendored advisory snapshot (docs/security.md).
audit: install
	$(BIN)/python scripts/audit_deps.py

# Re-pin dependencies after editing requirements/*.in.
lock:
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe -o requirements/prod.txt requirements/prod.in
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe -o requirements/dev.txt requirements/dev.in

clean:
	rm -rf var staticfiles .pytest_cache .coverage htmlcov
