# Bootstraps uv when it is not installed (only Python 3.11+ and pip are assumed).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .cache/uv-bootstrap/bin/uv
endif

.PHONY: run test lint bench

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .cache/uv-bootstrap uv

run: $(UV)
	$(UV) run fast-genai tools list

test: $(UV)
	$(UV) run pytest

lint: $(UV)
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports
