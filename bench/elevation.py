"""Elevation benchmark: building Porto Alegre's walk + bike networks with the DEM vs flat, same run.

Run: ``python bench/elevation.py`` (``make bench``). Prints build seconds, the ratio of the
slope-adjusted build to the flat one (both uncached), the samples taken and their rate.
Nothing is asserted (timings never go in tests).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "poa"


def main() -> None:
    import access
    from access.config import ElevationSettings
    from access.network.elevation import edge_time_factors, read_dem

    osm, dem_path = DATA / "poa_osm.pbf", DATA / "poa_elevation.tif"
    access.build_network(osm, modes=("walk",), progress=False, cache=False)  # warm-up (imports, numba)
    rows = []
    for label, kwargs in (
        ("flat", {}),
        ("DEM, bilinear (default)", {"elevation": dem_path}),
        ("DEM, R5 rules", {"elevation": dem_path, "elevation_settings": ElevationSettings.r5()}),
    ):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            net = access.build_network(osm, modes=("walk", "bike"), progress=False, cache=False, **kwargs)
        rows.append((label, time.perf_counter() - started, net))
    base = rows[0][1]
    print(f"{'build (walk + bike, uncached)':34s} {'seconds':>8s} {'x flat':>7s}")
    for label, seconds, _ in rows:
        print(f"{label:34s} {seconds:8.2f} {seconds / base:7.2f}")
    walk = rows[0][2].street("walk")
    dem = read_dem(dem_path, walk.bounds())
    u, v = walk.tails, walk.indices
    a, b = np.minimum(u, v), np.maximum(u, v)
    started = time.perf_counter()
    edge_time_factors(dem, walk.lon[a], walk.lat[a], walk.lon[b], walk.lat[b], walk.length_m, "tobler")
    seconds = time.perf_counter() - started
    samples = int(np.sum(np.maximum(np.ceil(walk.length_m / 10.0) - 1, 0) + 2))
    print(
        f"walk edge factors alone: {walk.n_edges:,} edges, {samples:,} samples in {seconds:.2f} s "
        f"({samples / seconds / 1e6:.1f} M samples/s), {seconds / base:.2f} x the flat build"
    )


if __name__ == "__main__":
    main()
