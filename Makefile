# Two entry points, as in the README: `make run` and `make test`. Both set up .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: setup setup-dev run test browser bench clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.core: pyproject.toml | $(VENV)/bin/python
	$(PIP) -e .
	touch $@

# tests also need the sentence-transformers extra (torch 2.13.0 CPU wheel) and the dev tools
$(VENV)/.dev: pyproject.toml $(VENV)/.core
	$(PIP) -e '.[dev,st]'
	touch $@

setup: $(VENV)/.core
setup-dev: $(VENV)/.dev

run: setup
	$(VENV)/bin/namndsok ingest corpus
	$(VENV)/bin/namndsok serve

# Chromium for the browser test: installed from Debian when we may (root), else the test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || echo "chromium not installed: the browser test will be skipped"; }

test: setup-dev browser
	$(PY) -m pytest -q

bench: setup-dev
	$(PY) -m namndsok.eval.bench

clean:
	rm -rf $(VENV) .namndsok
