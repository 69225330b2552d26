# Developer tasks. Every target uses the project's virtualenv (.venv); `make venv` makes it.
# CI runs .ci/run, which calls the same tools; these targets are for working in a clone.

VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Where `make snapshots` writes PNG renderings of the changed SVGs, for a person to look at.
SNAPSHOT_PNG ?= /tmp/tlstui-snapshots
FAST := not slow and not corpus and not tshark

.PHONY: help venv test test-fast lint typecheck format snapshots screenshots bench captures clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

venv: $(BIN)/pytest  ## make .venv with tlstui editable and the test and bench extras

$(BIN)/pytest: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test,bench]'
	@touch $@

test: venv  ## the whole suite on all cores (corpus and tshark tests skip when absent)
	$(BIN)/pytest

test-fast: venv  ## the suite without slow, corpus and tshark tests (about half the time)
	$(BIN)/pytest -m "$(FAST)"

lint: venv  ## ruff, the format check, mypy and the import contract, as CI runs them
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tlstui
	$(BIN)/pytest -n 0 tests/test_layers.py

typecheck: venv  ## mypy on the package alone
	$(BIN)/mypy tlstui

format: venv  ## apply ruff's formatter and its safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rewrites the SVGs whose test output changed, then renders every changed or new SVG to a PNG
# under $(SNAPSHOT_PNG). Look at each PNG before committing the SVG: a snapshot is accepted by
# a person, not by the test run.
snapshots: venv  ## update snapshot SVGs and render the changed ones to PNG for review
	-$(BIN)/pytest -n 0 tests/test_snapshots.py --snapshot-update
	@rm -rf $(SNAPSHOT_PNG) && mkdir -p $(SNAPSHOT_PNG)
	@changed=$$( { git diff --name-only -- tests/__snapshots__; \
	              git ls-files --others --exclude-standard -- tests/__snapshots__; } | grep '\.svg$$' ); \
	if [ -z "$$changed" ]; then echo "snapshots: no SVG changed"; exit 0; fi; \
	for svg in $$changed; do \
	  png=$(SNAPSHOT_PNG)/$$(basename "$$svg" .svg).png; \
	  rsvg-convert "$$svg" -o "$$png" && echo "review: $$png  ($$svg)"; \
	done

screenshots: venv  ## regenerate screenshots/*.svg from the showcase capture
	$(PY) scripts/screenshots.py

bench: venv  ## time tlstui --json against tshark: 2,000 and 20,000 sessions, bulk and chatty (~10 min; docs/benchmark.md)
	$(PY) scripts/bench.py

captures: venv  ## re-record captures/ with real TLS stacks on loopback (needs root and tcpdump)
	$(PY) captures/generate.py

clean:  ## remove caches (not .venv)
	rm -rf .pytest_cache .ruff_cache .mypy_cache .hypothesis snapshot_report.html
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
