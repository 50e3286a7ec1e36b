# The two commands of the README do all set-up: `make run` and `make test`.
# The virtualenv's interpreter: the distribution's own python3 where it is 3.11 or newer and can
# make a virtualenv, else the python3 on PATH (`make PYTHON=...` chooses). Distribution builds are
# optimised (profile-guided, link-time, libpython linked in); pyenv's and a plain source build are
# not: the pipeline ran 12 % fewer instructions a document on Debian's 3.11 than on pyenv's.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do "$$p" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$$p"; break; }; done)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SOURCES = $(wildcard pipeline/*.py extractors/*.py schemas/*.py)
# Bytecode compiled once, as a wheel install does: with PYTHONDONTWRITEBYTECODE set (as on our CI
# machines) every worker process compiled every module from source again, ~60 ms a start.
BYTECODE = $(VENV)/.bytecode

.PHONY: run test test-fast bench eval clean

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

# The suite without the tests marked slow (the real samples, the corpus-wide and scale runs, fuzzing,
# benchmarks: each over ~3 s); `make test` runs everything.
test-fast: $(BYTECODE)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(BYTECODE)
	$(BIN)/python -m tests.bench

# The accuracy loop (tests/evaluate.py): the pipeline over the seeds, the gold samples and
# ../shared/samples/cities/ into .eval/, scored against ../shared/gold; EVAL_ARGS=--reuse skips
# unchanged documents, EVAL_ARGS=--save-baseline stores the figures the next run compares with.
eval: $(BYTECODE)
	$(BIN)/python -m tests.evaluate $(EVAL_ARGS)

clean:
	rm -rf data/ .pytest_cache .hypothesis
