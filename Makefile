# Two commands set up everything from nothing: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Evaluate the bundled Estonia 2026 hypothetical, explain one conclusion and write its HTML report.
demo: $(STAMP)
	$(BIN)/casus evaluate cases/estonia_2026.yaml --in-force
	@echo
	$(BIN)/casus explain cases/estonia_2026.yaml "obliged DEU to assist EST"
	@echo
	@mkdir -p build
	$(BIN)/casus report cases/estonia_2026.yaml -o build/estonia_2026.html
	@echo "The HTML report of the case is in build/estonia_2026.html: open it in a browser."
	@echo "For the workbench in the browser: $(BIN)/casus serve cases"

## Run the whole test suite (unit, property-based and end-to-end).
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Benchmarks against their goals, as ratios in one run, beside the figures before the performance work.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]' || echo "clingo not installed: the clingo comparison is skipped"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

check: $(STAMP)
	$(BIN)/casus fmt --check rules
	$(BIN)/casus check rules
	$(BIN)/casus test cases

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
