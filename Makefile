# Loreline developer entry points. The two commands in README.md are `make demo` and `make test`.
# Every target installs what it needs on first use (idempotent; a no-op when up to date).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Compiled bytecode makes the many short-lived Python processes (workers, Dagster, vLLM) start
# much faster; some machines set this variable globally.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install system-deps llm-setup demo test test-fast lock

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip sync -q -p $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Debian packages beyond the base machine (Chromium for the Dagster UI browser test).
system-deps:
	@infra/system/install-system-deps.sh

# The local LLM tier: vLLM's own environment and the converted SmolLM2 model (once; cached).
llm-setup: $(STAMP)
	@$(BIN)/python -m infra.vllm.environment
	@$(BIN)/python -m infra.vllm.model

# Main job, end to end, on the embedded defaults.
demo: $(STAMP) llm-setup
	$(BIN)/loreline demo

# Everything CI runs: lint, types, and every test suite against real components.
test: $(STAMP) system-deps llm-setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Local iteration: unit tests only, no servers.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "unit and not slow"

lock: $(STAMP)
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -p 3.11 -o requirements.lock
