# Two commands: `make run` (install, migrate, build the knowledge base and fine-tune its encoder
# if absent, start) and `make test` (install, run the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migration clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	# torch first, pinned: pip takes the CPU build from this machine's disk (no CUDA download)
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/hotline db upgrade
	$(BIN)/hotline seed-demo
	@echo "WARNING: demo accounts created with public demo passwords: change them before real use"
	@echo "         (hotline user reset-password NAME, or hotline user disable NAME)."
	$(BIN)/hotline kb build --if-missing
	$(BIN)/hotline kb train --if-missing
	$(BIN)/hotline serve

# The import contracts first (pyproject.toml [tool.importlinter]): a lower layer importing a higher
# one fails the build before the suite runs (tests/test_architecture.py checks them again).
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# Regenerate the pre-release baseline migration after changing a model.
migration: install
	$(BIN)/python scripts/regen_baseline_migration.py

clean:
	rm -rf $(VENV) var test-artifacts
