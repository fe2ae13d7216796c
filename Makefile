# Two commands on a fresh machine: `make demo` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test bench bench-isochrones lint clean setup samples serve browser

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
	$(PY) -m pytest -q $(PYTEST_ARGS)

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
PYTHON312 ?= $(shell command -v python3.12 || echo /root/.pyenv/versions/3.12.1/bin/python)
VALHALLA_VENV := .venv-valhalla
bench-isochrones: $(STAMP)
	test -x $(VALHALLA_VENV)/bin/python || $(PYTHON312) -m venv $(VALHALLA_VENV)
	$(VALHALLA_VENV)/bin/python -m pip install --quiet 'pyvalhalla>=3.5' || echo "note: no pyvalhalla; the isochrone bench runs ours only"
	$(PY) bench/isochrones.py --valhalla-python $(VALHALLA_VENV)/bin/python

serve: $(STAMP)
	$(VENV)/bin/access serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(VENV)/bin/ruff check access api tests bench examples
	$(VENV)/bin/ruff format --check access api tests bench examples

clean:
	rm -rf outputs .pytest_cache .ruff_cache

# regenerate the committed sample feeds and real-line rail specs (tests check they are up to date)
samples: $(STAMP)
	$(PY) -c "import tempfile; from access.sample import write_sample_region; from access.sample.transit import write_sample_transit; d = tempfile.mkdtemp(); write_sample_transit(write_sample_region(d), 'gtfs_samples')"
	$(PY) -c "from access.sample.china_lines import write_china_lines; write_china_lines('gtfs_samples')"
