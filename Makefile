# YouSync developer entry points. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
BUF := tools/node_modules/@bufbuild/buf-linux-x64/bin/buf
STAMP := $(VENV)/.synced

##@ Main

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*##"} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z_-]+:.*##/ {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: _venv web ## Run the whole suite locally (PostgreSQL, NATS, every service) until Ctrl-C; console at /
	$(PY) -m yousync_dev.supervisor

.PHONY: test
test: _venv _buf web chromium ## Install what is needed and run the whole test suite (browser tests included)
	npm --prefix web test
	$(PY) -m pytest -q

##@ Quality

.PHONY: lint
lint: _venv ## ruff, mypy and the layering contracts (import-linter, in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy libs/platform/src libs/audio/src services/*/src dev/src
	$(VENV)/bin/lint-imports

.PHONY: proto-lint
proto-lint: _buf ## buf lint (STANDARD), buf format check, buf breaking against the last commit on main; offline
	$(BUF) lint
	$(BUF) format -d --exit-code
	bash scripts/proto_breaking.sh $(BUF)

.PHONY: gen
gen: _venv ## Regenerate Python code from protos/ into libs/protos
	$(PY) scripts/gen_protos.py

.PHONY: gen-check
gen-check: _venv ## Fail when the committed generated code is stale
	bash scripts/gen_check.sh $(PY)

.PHONY: eval
eval: _venv ## Score the analyzer's labelled synthetic set: a table, the figures vs their goals, one JSON line
	$(PY) services/analyzer/eval/run.py

.PHONY: bench
bench: _venv ## Run every benchmark in bench/ (each prints one JSON object last)
	@set -e; for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b; done

##@ Deployment

.PHONY: images
images: ## Build every service image (needs a Docker engine): make images TAG=1.0.0 [REGISTRY=...] [PUSH=1]
	bash deploy/build-images.sh $(TAG)

.PHONY: envoy-descriptor
envoy-descriptor: _venv ## Build deploy/envoy/descriptor.pb from protos/ for Envoy's transcoder
	$(PY) deploy/envoy/build_descriptor.py

##@ Web console

WEB_STAMP := web/dist/.built
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
	web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json

.PHONY: web
web: $(WEB_STAMP) ## Build the web console into web/dist when its sources changed (npm ci, npm run build)

$(WEB_DEPS): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch $@

$(WEB_STAMP): $(WEB_DEPS) $(WEB_SOURCES)
	npm --prefix web run build
	@touch $@

.PHONY: web-test
web-test: $(WEB_DEPS) ## The console's component tests (vitest)
	npm --prefix web test

.PHONY: chromium
chromium: ## Debian's chromium and chromium-driver for the browser tests (apt-get installs them when missing)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver \
	      || { echo "could not install the Debian packages chromium and chromium-driver (browser tests)" >&2; exit 1; }; \
	  else \
	    echo "the browser tests need the Debian packages chromium and chromium-driver: apt-get install chromium chromium-driver" >&2; \
	    exit 1; \
	  fi; \
	fi

##@ Dependencies

.PHONY: lock
lock: $(UV) ## Re-resolve uv.lock after editing a pyproject.toml
	$(UV) lock

.PHONY: _venv
_venv: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) uv.lock pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml dev/pyproject.toml
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	@touch $@

.PHONY: _buf
_buf: $(BUF)

$(BUF): tools/package.json tools/package-lock.json
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund
	@touch $@
