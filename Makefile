# Two commands from a clean clone: `make demo` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out

.PHONY: demo test install bench docs clean browser screenshot

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Import the bundled sample workbook and print the summary.
demo: $(STAMP)
	$(BIN)/fasd import samples/offre-sanitaire-social.xlsx --out $(OUT)/demo --today 2026-03-01

test: $(STAMP) browser
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

# The benchmark (minutes, never in CI): writes bench/RESULTS.md. SESSIONS="10000 100000" by default.
SESSIONS ?= 10000 100000
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sessions $(SESSIONS) --profile flat csv --profile-sessions 10000 --jobs 2 --lheo-memory

docs: $(STAMP)
	$(BIN)/python -m pipeline.rules > docs/codes.md

clean:
	rm -rf $(OUT) .pytest_cache
