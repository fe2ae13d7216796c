# Two commands on a fresh machine: `make demo` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test bench lint clean setup samples

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/access demo --out outputs

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/street_routing.py
	$(PY) bench/transit_routing.py

lint: $(STAMP)
	$(VENV)/bin/ruff check access api tests bench

clean:
	rm -rf outputs .pytest_cache .ruff_cache

# regenerate the committed sample feeds (tests check they are up to date)
samples: $(STAMP)
	$(PY) -c "import tempfile; from access.sample import write_sample_region; from access.sample.transit import write_sample_transit; d = tempfile.mkdtemp(); write_sample_transit(write_sample_region(d), 'gtfs_samples')"
