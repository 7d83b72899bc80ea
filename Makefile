# `make test` and `make bench` create .venv through `make install` when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint test-slow bench benchmarks clean

install: $(STAMP)

$(STAMP): pyproject.toml backends/dwave/pyproject.toml backends/mip/pyproject.toml backends/qiskit/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' -e backends/dwave -e backends/mip -e backends/qiskit
	touch $(STAMP)

# Lint and types first: they take seconds and fail fast.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m slow

bench: install
	$(BIN)/qseg bench benchmarks/suites/default.toml --out results/latest --overwrite
	$(BIN)/qseg report results/latest

benchmarks: install
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-columns=median,iqr,rounds

clean:
	rm -rf $(VENV)
