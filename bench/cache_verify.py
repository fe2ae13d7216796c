"""What trusting a cache entry costs: load + checksum + structural invariants vs a bare
``np.load``, and both against rebuilding from OSM / GTFS (what the cache saves), same run.

Run: ``python bench/cache_verify.py`` (``make bench``). Porto Alegre's walk, bike and car
networks and its two GTFS feeds for one date. Prints a table and ratios; nothing is
asserted (timings never go in tests).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
REPEAT = 5


def best_of(fn, repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def bare_load(path: Path) -> dict[str, np.ndarray]:
    """The loader before checksums: np.load of every array, nothing checked."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def main() -> int:
    import access
    from access.network.cache import check_street_arrays, check_transit_arrays, load_arrays

    pbf = DATA / "poa" / "poa_osm.pbf"
    feeds = [DATA / "poa" / "poa_eptc.zip", DATA / "poa" / "poa_trensurb.zip"]
    if not pbf.exists() or not all(f.exists() for f in feeds):
        print(f"real data missing under {DATA}", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cache = Path(folder)
        started = time.perf_counter()
        access.build_network(
            pbf, ("walk", "bike", "car"), gtfs=feeds, service_date="2019-05-13", cache_dir=cache, progress=False
        )
        cold_s = time.perf_counter() - started
        for path in sorted(cache.glob("*.npz")):
            kind = "transit" if path.name.startswith("transit") else path.name.split("-")[1]
            check = check_transit_arrays if kind == "transit" else check_street_arrays
            bare_s = best_of(lambda path=path: bare_load(path))
            verified_s = best_of(lambda path=path, check=check: check(load_arrays(path)))
            rows.append(
                {
                    "entry": kind,
                    "MB": path.stat().st_size / 1e6,
                    "bare_load_ms": bare_s * 1e3,
                    "verified_ms": verified_s * 1e3,
                    "overhead": verified_s / bare_s,
                }
            )
        warm_s = best_of(
            lambda: access.build_network(
                pbf, ("walk", "bike", "car"), gtfs=feeds, service_date="2019-05-13", cache_dir=cache, progress=False
            ),
            repeat=3,
        )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    total_bare = table["bare_load_ms"].sum()
    total_verified = table["verified_ms"].sum()
    print(
        f"\nall entries: bare load {total_bare:.0f} ms, verified {total_verified:.0f} ms "
        f"({total_verified / total_bare:.2f}x the bare load)"
    )
    print(
        f"whole build_network: cold (OSM + GTFS) {cold_s:.1f} s, from the verified cache {warm_s:.2f} s "
        f"({cold_s / warm_s:.0f}x faster than rebuilding)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
