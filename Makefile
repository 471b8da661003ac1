# The two commands: `make demo` runs the product with a built-in development LMS;
# `make test` sets everything up and runs the whole suite. Nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench bootstrap clean

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
	$(BIN)/ruff check lti_tool xapi grading tests
	$(BIN)/mypy grading xapi
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m "not browser and not postgres and not ralph" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check lti_tool xapi grading tests
	$(BIN)/mypy grading xapi

bench: $(STAMP) bootstrap
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) instance .pytest_cache
