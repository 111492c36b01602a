# Two commands from a clean clone: `make demo` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out

.PHONY: demo test install bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Import the bundled sample workbook and print the summary.
demo: $(STAMP)
	$(BIN)/fasd import samples/offre-sanitaire-social.xlsx --out $(OUT)/demo --today 2026-03-01

test: $(STAMP)
	$(BIN)/python -m pytest

# The benchmark (minutes, never in CI): writes bench/RESULTS.md. SESSIONS="10000 100000" by default.
SESSIONS ?= 10000 100000
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sessions $(SESSIONS) --profile flat csv --profile-sessions 10000 --jobs 2 --lheo-memory

docs: $(STAMP)
	$(BIN)/python -m pipeline.rules > docs/codes.md

clean:
	rm -rf $(OUT) .pytest_cache
