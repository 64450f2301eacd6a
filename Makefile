# Only Python 3.11+ and pip are assumed: uv is bootstrapped into .cache/ when it is not installed.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .cache/uv-bootstrap/bin/uv
endif

.PHONY: run test lint .venv-ready

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .cache/uv-bootstrap uv

.venv-ready: $(UV)
	$(UV) sync --frozen --compile-bytecode
	.venv/bin/python -m compileall -q tools agent mcp_server web cli

run: .venv-ready
	$(UV) run --frozen fast-genai serve

test: .venv-ready
	$(UV) run --frozen pytest

lint: .venv-ready
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports
