# The two commands: `make demo` runs the product with a built-in development LMS;
# `make test` sets everything up and runs the whole suite. Nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench bench-ab bootstrap i18n clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

bootstrap:
	bash scripts/bootstrap.sh

demo: $(STAMP)
	YANXIU_ENV=demo $(BIN)/yanxiu demo

test: $(STAMP) bootstrap
	$(BIN)/ruff check lti_tool xapi grading tests bench
	$(BIN)/mypy grading xapi lti_tool
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m "not browser and not postgres and not ralph and not nginx" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check lti_tool xapi grading tests bench
	$(BIN)/mypy grading xapi lti_tool

bench: $(STAMP) bootstrap
	$(BIN)/python -m bench $(BENCH)

# Interleaved A/B of ingest against an earlier commit: make bench-ab REV=HEAD~3 (bench/ab.py)
bench-ab: $(STAMP) bootstrap
	$(BIN)/python -m bench.ab $(REV)

# New page text: run this, then write the English of every new (empty) entry in the en catalog;
# tests/lti_tool/test_i18n.py fails while one is missing.
i18n: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _ -k pgettext:1c,2 --no-location -o build/messages.pot lti_tool
	$(BIN)/pybabel update -i build/messages.pot -d lti_tool/translations -l en --no-fuzzy-matching --omit-header

clean:
	rm -rf $(VENV) instance .pytest_cache
