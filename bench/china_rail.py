"""Benchmark: China's real timetable - import, all-to-all hub matrix, door-to-door matrix.

Prints the import time; the all-to-all earliest-arrival matrix between every timetable
city hub over a 2-hour morning window (departures every minute 07:00-08:59) by the numba
range-RAPTOR; the same queries for a subset by a pure-Python connection scan (CSA,
Dibbelt et al. 2013) as the baseline, with the agreement of both; and the door-to-door
279 x 279 prefecture matrix (road + rail) of the national network. Not run by tests.

    .venv/bin/python bench/china_rail.py [--data ../shared/data] [--baseline-origins 4]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from access._kernels.raptor import NEVER, range_raptor
from access.china.national_rail import national_rail_network, timetable_feed
from access.china.rail import load_china_rail
from access.config import TransitSettings
from access.network.transit import TransitNetwork

WINDOW_START_S = 7 * 3600
WINDOW_MIN = 120
MAX_TRANSFERS = 10  # enough rounds that RAPTOR matches the unbounded connection scan


def _connections(transit: TransitNetwork) -> tuple[np.ndarray, ...]:
    """Elementary connections (dep, arr, from, to, trip) of every trip, sorted by departure."""
    rows = []
    trip = 0
    for p in range(transit.n_patterns):
        stops = transit.pattern_stops[transit.pattern_stop_ptr[p] : transit.pattern_stop_ptr[p + 1]]
        n = len(stops)
        base = transit.pattern_time_ptr[p]
        for j in range(transit.pattern_trip_ptr[p + 1] - transit.pattern_trip_ptr[p]):
            dep = transit.departure_s[base + j * n : base + (j + 1) * n]
            arr = transit.arrival_s[base + j * n : base + (j + 1) * n]
            for i in range(n - 1):
                rows.append((int(dep[i]), int(arr[i + 1]), int(stops[i]), int(stops[i + 1]), trip))
            trip += 1
    rows.sort()
    return tuple(np.array(c) for c in zip(*rows, strict=True))


def _csa(connections, n_stops: int, n_trips: int, origin: int, t0: int) -> list[float]:
    """Earliest arrival at every stop leaving ``origin`` at ``t0`` (pure Python)."""
    dep, arr, frm, to, trip = (c.tolist() for c in connections)
    best = [float("inf")] * n_stops
    best[origin] = t0
    on = [False] * n_trips
    start = int(np.searchsorted(connections[0], t0))
    for k in range(start, len(dep)):
        if on[trip[k]] or best[frm[k]] <= dep[k]:
            on[trip[k]] = True
            if arr[k] < best[to[k]]:
                best[to[k]] = arr[k]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--baseline-origins", type=int, default=4)
    parser.add_argument("--baseline-departures", type=int, default=6)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    t = time.perf_counter()
    data = load_china_rail(args.data / "china_rail", args.data / "china" / "prefectures_cityinfo.csv")
    t_import = time.perf_counter() - t
    tt = data.timetable
    print(f"import: {len(tt.trains):,} trains, {len(tt.events):,} stop events, {len(tt.hubs)} hubs in {t_import:.2f} s")

    t = time.perf_counter()
    feed = timetable_feed(tt)
    transit = TransitNetwork.from_feed(
        feed, None, TransitSettings(board_penalty_by_route_type_min={}), transfer_radius_m=0
    )
    print(f"transit network: {transit!r} in {time.perf_counter() - t:.2f} s")
    departures = WINDOW_START_S + 60 * np.arange(WINDOW_MIN)
    n = transit.n_stops
    range_raptor(transit, np.array([0]), np.array([0]), departures[:2], MAX_TRANSFERS)  # numba warm-up
    t = time.perf_counter()
    matrix = np.empty((n, len(departures), n), dtype=np.int64)
    for o in range(n):
        matrix[o] = range_raptor(transit, np.array([o]), np.array([0]), departures, MAX_TRANSFERS)
    t_raptor = time.perf_counter() - t
    queries = n * len(departures)
    print(
        f"range-RAPTOR all-to-all: {n} x {n} hubs x {len(departures)} departures = {matrix.size:,} cells "
        f"in {t_raptor:.2f} s ({t_raptor / queries * 1e3:.3f} ms per origin-departure)"
    )

    connections = _connections(transit)
    rng = np.random.default_rng(0)
    origins = rng.choice(n, args.baseline_origins, replace=False)
    picks = rng.choice(len(departures), args.baseline_departures, replace=False)
    t = time.perf_counter()
    agree = total = 0
    for o in origins:
        for d in picks:
            best = np.array(_csa(connections, n, transit.n_trips, int(o), int(departures[d])))
            mine = matrix[o, d].astype(float)
            mine[matrix[o, d] >= NEVER] = np.inf
            agree += int(np.sum(best == mine))
            total += n
    t_csa = time.perf_counter() - t
    per_csa = t_csa / (len(origins) * len(picks))
    per_raptor = t_raptor / queries
    print(
        f"baseline pure-Python connection scan: {len(origins)} origins x {len(picks)} departures in {t_csa:.2f} s "
        f"({per_csa * 1e3:.1f} ms per origin-departure); cells agreeing with RAPTOR: {agree}/{total}"
    )
    print(f"ratio: range-RAPTOR is {per_csa / per_raptor:.0f}x faster per origin-departure than the baseline")

    t = time.perf_counter()
    net = national_rail_network(tt, data.places)
    road, rail = net.travel_seconds(departure="07:00", window_min=WINDOW_MIN)
    t_door = time.perf_counter() - t
    print(
        f"door-to-door road + rail: {rail.shape[1]} x {rail.shape[2]} prefectures, {WINDOW_MIN} departures, "
        f"median, in {t_door:.2f} s (network build included)"
    )


if __name__ == "__main__":
    main()
