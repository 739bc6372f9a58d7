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
run: _venv ## Run the whole suite locally (PostgreSQL, NATS, every service) until Ctrl-C
	$(PY) -m yousync_platform.devstack

.PHONY: test
test: _venv _buf ## Install what is needed and run the whole test suite
	$(PY) -m pytest -q

##@ Quality

.PHONY: lint
lint: _venv ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy libs/platform/src services/*/src

.PHONY: proto-lint
proto-lint: _buf ## buf lint (STANDARD) and buf format check, offline
	$(BUF) lint
	$(BUF) format -d --exit-code

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

##@ Dependencies

.PHONY: lock
lock: $(UV) ## Re-resolve uv.lock after editing a pyproject.toml
	$(UV) lock

.PHONY: _venv
_venv: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) uv.lock pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	@touch $@

.PHONY: _buf
_buf: $(BUF)

$(BUF): tools/package.json tools/package-lock.json
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund
	@touch $@
