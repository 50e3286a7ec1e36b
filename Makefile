# The two commands of the README do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SOURCES = $(wildcard pipeline/*.py extractors/*.py schemas/*.py)
# Bytecode compiled once, as a wheel install does: with PYTHONDONTWRITEBYTECODE set (as on our CI
# machines) every worker process compiled every module from source again, ~60 ms a start.
BYTECODE = $(VENV)/.bytecode

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

$(BYTECODE): $(STAMP) $(SOURCES)
	$(BIN)/python -m compileall -q pipeline extractors schemas
	touch $@

run: $(BYTECODE)
	$(BIN)/cnbudget run corpus/ --out data/

test: $(BYTECODE)
	$(BIN)/python -m pytest -q

bench: $(BYTECODE)
	$(BIN)/python -m tests.bench

clean:
	rm -rf data/ .pytest_cache .hypothesis
