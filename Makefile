# Only Python 3.11+ and pip are assumed: uv is bootstrapped into .cache/ when it is not installed.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .cache/uv-bootstrap/bin/uv
endif
# The project environment (uv honours UV_PROJECT_ENVIRONMENT; .venv otherwise).
VENV := $(or $(UV_PROJECT_ENVIRONMENT),.venv)
# `make run PORT=8001 HOST=0.0.0.0 WORKSPACE=~/src/app` (or the same as environment variables);
# each is passed to `fast-genai serve` only when set, so its defaults and settings apply otherwise.
PORT ?=
HOST ?=
WORKSPACE ?=

.PHONY: run test lint .venv-ready .venv-run

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .cache/uv-bootstrap uv

# Development environment: runtime dependencies plus the dev group (tests, linters, browsers).
.venv-ready: $(UV)
	$(UV) sync --frozen --compile-bytecode
	$(VENV)/bin/python -m compileall -q tools agent mcp_server web cli

# Runtime environment: what serving needs, no dev group. --inexact keeps the dev tools of an
# environment `make test` already filled, so switching between run and test does not reinstall.
.venv-run: $(UV)
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode
	$(VENV)/bin/python -m compileall -q tools agent mcp_server web cli

run: .venv-run
	$(VENV)/bin/fast-genai serve $(if $(HOST),--host "$(HOST)") $(if $(PORT),--port "$(PORT)") \
		$(if $(WORKSPACE),--workspace "$(WORKSPACE)")

test: .venv-ready
	$(UV) run --frozen pytest

lint: .venv-ready
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports
