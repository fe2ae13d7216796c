"""Itineraries benchmark on Porto Alegre: leg-by-leg journeys vs the travel-time matrix of the
same pairs and departure minutes, same run.

Run: ``python bench/itineraries.py`` (``make bench``). Prints seconds for the matrix
(range-RAPTOR, times only), the itineraries (a path-recording RAPTOR per minute, parents
rebuilt, walking paths drawn) and the expanded per-minute matrix, with their ratios to the
matrix. Nothing is asserted (timings never go in tests).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "poa"
N_ORIGINS, N_DESTINATIONS, WINDOW_MIN = 10, 40, 5


def main() -> None:
    import access

    warnings.simplefilter("ignore")
    net = access.build_network(
        DATA / "poa_osm.pbf",
        modes=("walk",),
        gtfs=[DATA / "poa_eptc.zip", DATA / "poa_trensurb.zip"],
        service_date="2019-05-13",
        progress=False,
    )
    cells = pd.read_csv(DATA / "poa_hexgrid.csv").sample(N_DESTINATIONS, random_state=1)
    pts = gpd.GeoDataFrame(
        {"id": cells["id"].to_numpy()}, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]), crs=4326
    )
    origins = pts.head(N_ORIGINS)
    departure = "2019-05-13T14:00"
    access.itineraries(net, origins.head(1), pts.head(2), departure=departure)  # warm-up (numba)
    rows = []
    for label, run in (
        (
            "travel_times (matrix)",
            lambda: access.travel_times(net, origins, pts, mode="transit", departure=departure, window_min=WINDOW_MIN),
        ),
        (
            "itineraries (legs)",
            lambda: access.itineraries(net, origins, pts, departure=departure, window_min=WINDOW_MIN),
        ),
        (
            "expanded_travel_times",
            lambda: access.expanded_travel_times(net, origins, pts, departure=departure, window_min=WINDOW_MIN),
        ),
    ):
        started = time.perf_counter()
        result = run()
        rows.append((label, time.perf_counter() - started, len(result)))
    base = rows[0][1]
    print(f"{N_ORIGINS} origins x {N_DESTINATIONS} destinations x {WINDOW_MIN} departure minutes")
    print(f"{'':24s} {'seconds':>8s} {'x matrix':>9s} {'rows':>7s}")
    for label, seconds, n in rows:
        print(f"{label:24s} {seconds:8.2f} {seconds / base:9.2f} {n:7d}")


if __name__ == "__main__":
    main()
