# Two commands a new user needs: `make demo` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE_DIR := $(VENV)/axe
AXE_VERSION := 4.10.3

.PHONY: demo test lint unit unit-fast venv clean axe

PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

$(BIN)/python:
	@echo "==> creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing newsdesk and its dependencies into $(VENV) (a minute or two the first time)"
	@$(PIP) install --upgrade pip
	@$(PIP) install -e '.[dev]'
	@touch $(STAMP)

# axe-core from npm, for the accessibility checks of the browser tests (tests/test_browser.py).
axe: | $(BIN)/python
	@if [ -f $(AXE_DIR)/node_modules/axe-core/package.json ] \
		&& grep -q '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VERSION); \
	else echo "npm is not installed: the browser tests' accessibility checks will be skipped"; fi

venv: $(STAMP) axe

demo: $(STAMP)
	@echo "==> running the pipeline on the built-in sample sources (served from 127.0.0.1), then Hugo"
	@$(BIN)/newsdesk demo --site demo-site
	@echo "==> to preview it: $(BIN)/newsdesk serve --site demo-site"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

unit: $(STAMP) axe
	$(BIN)/python -m pytest -q -rs  # -rs: every skip says why

unit-fast: $(STAMP)  # about a minute: no Hugo builds, corpora, kill -9 trials or fuzzing
	$(BIN)/python -m pytest -q -rs -m "not slow and not hugo"

test: lint unit

clean:
	rm -rf $(VENV) demo-site build *.egg-info src/*.egg-info
