# Loreline developer entry points. The two commands in README.md are `make demo` and `make test`.
# Every target installs what it needs into .venv on first use (idempotent; a no-op when up to date).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast lint typecheck bench lock clean-state

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip sync -q -p $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Main job, end to end, on the embedded defaults.
demo: $(STAMP)
	$(BIN)/loreline demo

# Everything CI runs: lint, types, and every test suite against real components.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Local iteration: unit tests only, no servers.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "unit and not slow"

lock:
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -p 3.11 -o requirements.lock
