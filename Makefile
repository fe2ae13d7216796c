# Two commands on a fresh machine: `make demo` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test test-min bench bench-isochrones lint clean setup samples serve browser notebook

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/access demo --out outputs

# Headless Chromium (Debian package) for the map-page test; skipped with a note where
# apt is not available or we are not root (the test then skips, outside CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	     DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "note: could not install chromium; the map-page browser test will not run"; \
	  else echo "note: chromium missing (needs root + apt-get); the map-page browser test will not run"; fi; }

# the suite runs after the style checks (ruff lint + formatter), as CI does
test: $(STAMP) browser lint
	$(PY) -m pytest -q -n auto $(PYTEST_ARGS)

# The lower bounds of pyproject.toml, installed and run (tools/min_requirements.py pins every
# runtime dependency and extra to its bound, and the test tools of the dev extra to theirs).
# Not run there: the schemathesis fuzz (timing-sensitive under load) and the browser test.
MIN_VENV := .venv-min
MIN_SKIP := --ignore=tests/test_api_fuzz.py --ignore=tests/test_map_page.py
test-min:
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python tools/min_requirements.py > $(MIN_VENV)/min-requirements.txt
	$(MIN_VENV)/bin/python tools/min_requirements.py --constraints raster dask service dev > $(MIN_VENV)/min-constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet --only-binary :all: -r $(MIN_VENV)/min-requirements.txt
	$(MIN_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(MIN_VENV)/bin/python -m pip install --quiet -c $(MIN_VENV)/min-constraints.txt \
		pytest pytest-xdist httpx nbclient nbformat ipykernel jupytext osmnx
	$(MIN_VENV)/bin/python -m pip freeze > $(MIN_VENV)/installed.txt
	CI=true NUMBA_CACHE_DIR=$(CURDIR)/$(MIN_VENV)/numba-cache $(MIN_VENV)/bin/python -m pytest -q -n 2 -p no:cacheprovider $(MIN_SKIP) $(PYTEST_ARGS)

# the notebook and its jupytext percent script, synced (edit either, then run this)
notebook: $(STAMP)
	$(VENV)/bin/jupytext --sync examples/corridor_study.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	# PySAL's package is also named `access`: beside the project, never on its import path
	test -d $(VENV)/pysal-access || $(PY) -m pip install --quiet --no-deps --target $(VENV)/pysal-access 'access>=1.1'
	$(PY) bench/startup.py
	$(PY) bench/street_routing.py
	$(PY) bench/regional_scale.py
	$(PY) bench/elevation.py
	$(PY) bench/itineraries.py
	$(PY) bench/transit_routing.py
	$(PY) bench/accessibility.py
	$(PY) bench/accessibility_scale.py
	$(PY) bench/accessibility_measures.py
	$(PY) bench/cache_verify.py
	$(PY) bench/long_budgets.py
	$(PY) bench/scenarios.py
	$(PY) bench/cluster.py
	$(PY) bench/china_rail.py
	$(PY) bench/api_load.py
	$(MAKE) bench-isochrones

# Isochrones against Valhalla: pyvalhalla has wheels only for Python >= 3.12, so the peer runs
# in a side venv (.venv-valhalla, gitignored, not part of the project) made with PYTHON312;
# its routing tiles are built offline from the same extract on first use.
# (a pyenv shim answers `command -v` without running: ask it for its version instead)
PYTHON312 ?= $(shell python3.12 --version >/dev/null 2>&1 && command -v python3.12 || echo /root/.pyenv/versions/3.12.1/bin/python)
VALHALLA_VENV := .venv-valhalla
bench-isochrones: $(STAMP)
	test -x $(VALHALLA_VENV)/bin/python || $(PYTHON312) -m venv $(VALHALLA_VENV)
	$(VALHALLA_VENV)/bin/python -m pip install --quiet 'pyvalhalla>=3.5' || echo "note: no pyvalhalla; the isochrone bench runs ours only"
	$(PY) bench/isochrones.py --valhalla-python $(VALHALLA_VENV)/bin/python

serve: $(STAMP)
	$(VENV)/bin/access serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(VENV)/bin/ruff check access api tests bench examples tools
	$(VENV)/bin/ruff format --check access api tests bench examples tools

clean:
	rm -rf outputs .pytest_cache .ruff_cache $(MIN_VENV)

# regenerate the committed sample feeds and real-line rail specs (tests check they are up to date)
samples: $(STAMP)
	$(PY) -c "import tempfile; from access.sample import write_sample_region; from access.sample.transit import write_sample_transit; d = tempfile.mkdtemp(); write_sample_transit(write_sample_region(d), 'gtfs_samples')"
	$(PY) -c "from access.sample.china_lines import write_china_lines; write_china_lines('gtfs_samples')"
