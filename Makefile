# Every target installs what it needs into .venv first, so each works on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CLIENT := clients/typescript
CLIENT_DEPS := $(CLIENT)/node_modules/.package-lock.json
SPECTRAL_DEPS := openapi/node_modules/.package-lock.json
WEB_DEPS := web/node_modules/.package-lock.json

.PHONY: install run test lint format openapi openapi-check spectral client web chromium screenshots bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

run: install web
	$(PY) -m simulators.stack

test: install web chromium
	cd web && npm test --silent
	$(PY) -m pytest -n $${PYTEST_WORKERS:-auto}

lint: install $(WEB_DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app simulators tests bench
	cd web && npm run --silent check

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

openapi: install
	$(VENV)/bin/satupintu openapi write
	$(MAKE) --no-print-directory client

openapi-check: install $(CLIENT_DEPS)
	$(VENV)/bin/satupintu openapi check
	$(MAKE) --no-print-directory spectral
	cd $(CLIENT) && npm run --silent check

# The TypeScript client's types are generated from the committed spec; its `check` fails when
# they drifted from it, then type-checks client, example and contract tests with `tsc --strict`.
# npm ci installs exactly the lock; it reruns only when the lock is newer than the install.
$(CLIENT_DEPS): $(CLIENT)/package-lock.json
	cd $(CLIENT) && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

client: $(CLIENT_DEPS)
	cd $(CLIENT) && npm run --silent generate

# Spectral's OpenAPI and OWASP rulesets, pinned in openapi/package-lock.json, on the committed
# spec; any error fails. The rules switched off or narrowed are in openapi/.spectral.yaml.
$(SPECTRAL_DEPS): openapi/package-lock.json
	cd openapi && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

spectral: $(SPECTRAL_DEPS)
	openapi/node_modules/.bin/spectral lint openapi/openapi.json --ruleset openapi/.spectral.yaml --fail-severity error

# The web app (portal, counter console and their server side) into web/dist, which `make run`
# and the browser tests start; its dependencies are installed exactly from the lock.
$(WEB_DEPS): web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

web: $(WEB_DEPS)
	cd web && npm run --silent build

# The README's screenshots, re-taken by the browser tests that drive the app through each flow.
screenshots: install web chromium
	SATUPINTU_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/browser -n 0

# The browser tests drive Debian's Chromium. Where it is missing and this is Debian as root (a
# fresh CI machine), it is installed; elsewhere the browser tests skip and say how to get it.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	            || { apt-get update -q >/dev/null \
	                 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }; } \
	  || echo "== Chromium is missing (apt-get install chromium): the browser tests will skip"

bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) satupintu.db build *.egg-info
