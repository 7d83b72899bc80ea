# `make test` and `make bench` create .venv through `make install` when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint test-slow bench benchmarks constraints clean

install: $(STAMP)

$(STAMP): pyproject.toml backends/dwave/pyproject.toml backends/mip/pyproject.toml backends/qiskit/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]' -e backends/dwave -e 'backends/mip[gurobi,scip]' -e backends/qiskit
	touch $(STAMP)

# After an upgrade (pip install -U ... in .venv) and a green `make test`: pin what passed.
constraints: install
	( sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable ) > constraints.txt.new
	mv constraints.txt.new constraints.txt

# Lint, the house's import contracts and types first: they take seconds and fail fast.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Two xdist workers (the machine's 2 cores); whole files to one worker (--dist loadfile) so a
# module's store fixture is built once. `pytest -m "not process"` skips the tests that start processes.
# A short --basetemp: xdist puts each worker's temporary folders one level deeper (popen-gwN/), and
# messages shorten values past 80 characters, so the tests that find a temporary path in a message
# need it short. The folder is removed when the run passes and kept for inspection when it fails.
test: lint
	tmp=$$(mktemp -d /tmp/qsXXXXXX) && $(BIN)/python -m pytest -q -n 2 --dist loadfile --basetemp=$$tmp \
		&& rm -rf $$tmp

test-slow: install
	$(BIN)/python -m pytest -q -m slow

bench: install
	$(BIN)/qseg bench benchmarks/suites/default.toml --out results/latest --overwrite
	$(BIN)/qseg report results/latest --html

benchmarks: install
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-columns=median,iqr,rounds

clean:
	rm -rf $(VENV)
