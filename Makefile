# Two commands from a clean clone: `make demo` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out

.PHONY: demo test lint install bench mutation constraints docs clean browser screenshot

# constraints.txt: the versions the suite last ran on (`make constraints` rewrites it).
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c constraints.txt

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP)

# Import the bundled sample workbook and print the summary, then the command to try next.
demo: $(STAMP)
	$(BIN)/fasd import samples/offre-sanitaire-social.xlsx --out $(OUT)/demo --today 2026-03-01
	@echo
	@echo "À essayer ensuite, la même offre avec des erreurs plantées (samples/README.md) :"
	@echo "  $(BIN)/fasd import samples/offre-sanitaire-social-erreurs.xlsx --out $(OUT)/demo-erreurs --today 2026-03-01"

# Lint first (ruff, mypy), then the whole suite: what CI runs.
test: $(STAMP) lint browser
	$(BIN)/python -m pytest

# Debian's Chromium for the browser tests of `fasd serve` (Playwright drives it; its own
# browser builds cannot be downloaded here). Installed when missing and we are root;
# otherwise those tests skip with a message (and fail under CI=true).
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installation de chromium (paquet Debian) pour les tests navigateur…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "chromium : installation impossible ; les tests navigateur seront ignorés."; \
	  else echo "chromium absent et pas de droits root : les tests navigateur seront ignorés."; fi; \
	fi

# Screenshots of the web page for docs/web.md (server in-process, Chromium headless).
screenshot: $(STAMP) browser
	$(BIN)/python docs/screenshot_web.py
	$(BIN)/python docs/screenshot_validation.py

# ruff (lint rules in pyproject.toml) and mypy over pipeline/.
lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench samples
	$(BIN)/mypy

# Mutation testing of pipeline/validators/ (tens of minutes, never in CI); stop and rerun
# at will, mutmut resumes. Configuration in pyproject.toml, last score in CONTRIBUTING.md.
mutation: $(STAMP)
	$(PIP_INSTALL) -e '.[mutation]'
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

# After changing a dependency: record the versions installed (and tested) in the venv.
constraints:
	( echo "# Versions the test suite ran on: pip freeze of .venv, less the project (make constraints)."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^#' ) > constraints.txt

# The benchmark (never in CI): writes bench/RESULTS.md. SESSIONS="10000 100000 1000000" by default
# (about 20 min once the files exist; the 1 000 000 size generates ~9 GB of CSV and of LHÉO, about a
# quarter of an hour the first time: bench/README.md); e.g. SESSIONS=10000 for a look.
SESSIONS ?= 10000 100000 1000000
bench: $(STAMP)
	$(PIP_INSTALL) -e '.[bench]'
	$(BIN)/python bench/run.py --sessions $(SESSIONS) --profile flat csv --profile-sessions 10000 --jobs 2 --lheo-memory

docs: $(STAMP)
	$(BIN)/python -m pipeline.writers.codes_doc > docs/codes.md
	$(BIN)/python -m pipeline.lheo.mapping_doc > docs/lheo-mapping.md

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache mutants
