"""Cost of long time budgets on the sample region: 300-min car / walk / bike and 240-min
transit isochrones against 60-min baselines measured in the same run (seconds, MB).

Run: ``.venv/bin/python bench/long_budgets.py`` (not part of the tests)."""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc

import pandas as pd

import access
from access.sample import write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit


def measure(network, point, **query) -> tuple[float, float, float]:
    """(seconds, peak traced MB, km2 of the largest cutoff) of one isochrone call."""
    tracemalloc.start()
    start = time.perf_counter()
    iso = access.isochrones(network, point, **query)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, float(iso["area_km2"].iloc[-1])


def main() -> None:
    folder = tempfile.mkdtemp()
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    network = access.build_network(
        region.osm_pbf,
        modes=("walk", "bike", "car"),
        gtfs=[files["buses"]],
        rail_specs=[files["rail_spec"]],
        service_date=SAMPLE_SERVICE_DATE,
        progress=False,
    )
    places = pd.read_csv(region.places_csv)
    core = places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]
    cases = [
        ("car", 300, {}),
        ("walk", 300, {}),
        ("bike", 300, {}),
        ("transit", 240, {"window_min": 120}),
        ("transit", 240, {"window_min": 120, "arrive_by": "09:00"}),
        ("car", 300, {"arrive_by": "09:00"}),
    ]
    for mode, budget, extra in cases:
        measure(network, core, mode=mode, cutoffs_min=(60,), **extra)  # warm the numba caches
        base = measure(network, core, mode=mode, cutoffs_min=(60,), **extra)
        long = measure(network, core, mode=mode, cutoffs_min=(60, 120, budget), **extra)
        label = f"{mode}{' arrive-by' if 'arrive_by' in extra else ''}"
        print(
            f"{label:18s} {budget} min: {long[0]:6.2f} s, peak {long[1]:7.1f} MB, {long[2]:8.1f} km2 | "
            f"60 min: {base[0]:5.2f} s, {base[1]:6.1f} MB | time x{long[0] / base[0]:.1f}, memory x{long[1] / base[1]:.1f}"
        )
    print(f"max RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
