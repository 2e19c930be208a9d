# The two commands a new machine needs: `make run` and `make test`. Both are safe to repeat.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev
STAMP := $(VENV)/.installed-$(EXTRAS)

.PHONY: install run test web lint check superuser clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

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
	else echo "SKIPPED front-end build and vitest: npm not found (install Node.js 20+ with npm)"; fi

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
