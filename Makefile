# The two commands a new machine needs: `make run` and `make test`. Both are safe to repeat.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev
STAMP := $(VENV)/.installed-$(EXTRAS)
# The lock file of EXTRAS (sorted, joined by "-"): requirements/base.txt (none), dev.txt,
# mysql.txt, dev-mysql.txt. Each pins every package, with hashes (`make lock` writes them).
comma := ,
empty :=
space := $(empty) $(empty)
LOCK_NAME := $(subst $(space),-,$(sort $(subst $(comma), ,$(EXTRAS))))
LOCK := requirements/$(or $(LOCK_NAME),base).txt
# name:extras of every lock file `make lock` writes (tests/test_lock.py checks each one).
LOCKS := dev-mysql:dev,mysql base: dev:dev mysql:mysql
UV_VERSION := 0.13.9
LOCK_ARGS ?=

.PHONY: install lock run test web lint check superuser clean

# Exactly the locked versions, each download checked against its hash; then the project itself
# (editable, its dependencies being the lock's).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; \
	  echo "$(LOCK) does not fit pyproject.toml: run make lock" >&2; exit 1; }
	touch $(STAMP)

install: $(STAMP)

requirements/%.txt:
	@echo "no lock file $@ for EXTRAS=$(EXTRAS); the locks are: $(wildcard requirements/*.txt)" >&2
	@echo "(a new combination: add it to LOCKS in the Makefile and run make lock)" >&2
	@exit 1

# Rewrite the lock files from pyproject.toml with uv (from PyPI, into .venv), for every platform
# and Python >= 3.11. Versions already locked stay unless a new range excludes them; upgrade
# with LOCK_ARGS=--upgrade (everything) or LOCK_ARGS="--upgrade-package django". The first lock
# has every extra; the others are constrained by it, so all agree on shared versions.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	@set -e; first=; for entry in $(LOCKS); do \
	  name=$${entry%%:*}; extras=$${entry#*:}; \
	  args=$$(for e in $$(echo $$extras | tr , ' '); do printf -- '--extra %s ' $$e; done); \
	  echo "requirements/$$name.txt ($${extras:-no extras})"; \
	  $(VENV)/bin/uv pip compile pyproject.toml $$args --universal --python-version 3.11 \
	    --generate-hashes --quiet $${first:+--constraints $$first} \
	    $(LOCK_ARGS) -o requirements/$$name.txt; \
	  first=$${first:-requirements/$$name.txt}; \
	done

run: install
	$(PY) -m luffy.serve

# Lint, the apps' import contract, migration drift, deploy checks, the front end's unit tests, then the whole test suite
# (with the browser tests in tests/e2e when chromium is installed).
test: install check web
	$(PY) -m pytest $(PYTEST_ARGS)

# Build the Vue front end when stale and run its unit tests (vitest); skipped, saying so, without npm.
web: install
	@if command -v npm >/dev/null 2>&1; then \
	  $(PY) -m luffy.webbuild && cd web && npm test --silent; \
	else echo "SKIPPED front-end build and vitest: npm not found (install Node.js 20.19+ with npm)"; fi

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=luffy.alipay_sandbox.settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=luffy.wechat_sandbox.settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=luffy.config.settings.production \
	  ALIPAY_NOTIFY_URL=https://shop.example.com/api/payments/alipay/result/ \
	  SECRET_KEY=check-deploy-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
	  $(PY) manage.py check --deploy --fail-level WARNING

superuser: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createsuperuser

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
