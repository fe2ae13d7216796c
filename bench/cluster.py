"""City-cluster benchmark: the full 279 x 279 prefecture matrix by road + HSR over a
60-minute window (Beijing-Tianjin and Shanghai-Nanjing intercity specs), against
baselines measured in the same run:

- per-minute RAPTOR: the same access legs, one RAPTOR run per departure minute (no
  range-RAPTOR label reuse), for every origin;
- a networkx time-expanded event graph (boarding / riding events, transfer and access
  arcs, reachability per origin and departure) on a subset of origins, per origin.

Run: ``python bench/cluster.py``. Prints timings and ratios; nothing is asserted.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path

import networkx as nx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
PLACES = REPO.parent / "shared" / "data" / "china" / "prefectures_cityinfo.csv"
SPECS = [
    REPO / "gtfs_samples" / "beijing_tianjin_intercity.yaml",
    REPO / "gtfs_samples" / "shanghai_nanjing_intercity.yaml",
]
WINDOW_MIN = 60
N_NETWORKX = 6  # origins for the networkx baseline (near the lines, where rail matters)


def per_minute(net, rows, departures):
    """Door-to-door seconds (n_dep, n_o, n) with a separate RAPTOR run per minute."""
    from access._kernels.raptor import range_raptor
    from access.regional._rail import _egress_csr
    from access.routing.transit import _propagate

    access, egress = net._station_legs()
    road = net.road_seconds()
    ptr, target, secs = _egress_csr(egress)
    out = np.empty((len(departures), len(rows), road.shape[1]))
    for k, i in enumerate(rows):
        stops = np.flatnonzero(np.isfinite(access[i]))
        for d, t0 in enumerate(departures):
            one = np.array([t0])
            if len(stops):
                arr = range_raptor(net.transit, stops, access[i, stops].astype(np.int64), one, 4)
                buf = np.empty((1, road.shape[1]))
                _propagate(arr, one, ptr, target, secs, np.ascontiguousarray(road[i]), buf)
                out[d, k] = buf[0]
            else:
                out[d, k] = road[i]
    return out


def networkx_event_graph(net, rows, departures):
    """Door-to-door seconds (n_dep, n_o, n) by reachability in a time-expanded graph."""
    t = net.transit
    access, egress = net._station_legs()
    road = net.road_seconds()
    change = t.stop_board_penalty_s  # every boarding after the first
    events = []
    for p in range(t.n_patterns):
        stops = t.pattern_stops[t.pattern_stop_ptr[p] : t.pattern_stop_ptr[p + 1]]
        n_p = len(stops)
        for j in range(t.pattern_trip_ptr[p + 1] - t.pattern_trip_ptr[p]):
            base = t.pattern_time_ptr[p] + j * n_p
            for i, stop in enumerate(stops):
                events.append(((p, j), i, int(stop), int(t.arrival_s[base + i]), int(t.departure_s[base + i])))
    G = nx.DiGraph()
    by_stop: dict[int, list] = {}
    for trip, i, stop, _, dep in events:
        G.add_edge(("B", trip, i), ("R", trip, i + 1))
        G.add_edge(("R", trip, i), ("R", trip, i + 1))
        by_stop.setdefault(stop, []).append((trip, i, dep))
    walk = {
        (a, int(t.transfer_to[e])): int(t.transfer_s[e])
        for a in range(t.n_stops)
        for e in range(t.transfer_ptr[a], t.transfer_ptr[a + 1])
    }
    for trip, i, stop, arr, _ in events:
        for stop2 in [stop] + [b for (a, b) in walk if a == stop]:
            w = 0 if stop2 == stop else walk[(stop, stop2)]
            for trip2, i2, dep2 in by_stop.get(stop2, []):
                if trip2 != trip and dep2 >= arr + w + change[stop2]:
                    G.add_edge(("R", trip, i), ("B", trip2, i2))
    arrivals = {("R", e[0], e[1]): (e[2], e[3]) for e in events}
    out = np.empty((len(departures), len(rows), road.shape[1]))
    for k, o in enumerate(rows):
        for d, t0 in enumerate(departures):
            best = road[o].copy()
            G.add_node("S")
            for trip, i, stop, _, dep in events:
                if np.isfinite(access[o, stop]) and dep >= t0 + access[o, stop] + change[stop]:
                    G.add_edge("S", ("B", trip, i))
            for node in nx.descendants(G, "S"):
                if node in arrivals:
                    stop, arr = arrivals[node]
                    best = np.minimum(best, arr - t0 + egress[stop])
            G.remove_node("S")
            out[d, k] = best
    return out


def main() -> None:
    from access.io.places import read_places
    from access.regional.network import RegionalNetwork
    from access.routing.transit import parse_departures

    places = read_places(PLACES, units=10_000)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = RegionalNetwork.build(places, rail_specs=SPECS)
    build_s = time.perf_counter() - t
    print(f"{net!r}\nbuild (read specs, GTFS tables, transit arrays): {build_s:.2f} s")
    net.travel_seconds(window_min=WINDOW_MIN, origins=[0])  # JIT warm-up
    for label in ("road + HSR matrix, cold legs", "road + HSR matrix"):
        if "cold" in label:
            net = dataclasses.replace(net)  # a copy builds its road legs afresh
        t = time.perf_counter()
        road, rail = net.travel_seconds(window_min=WINDOW_MIN, percentiles=(50,))
        full_s = time.perf_counter() - t
        print(
            f"{label}: {len(places)} x {len(places)}, {WINDOW_MIN} departures: {full_s:.3f} s "
            f"({full_s / len(places) * 1000:.2f} ms per origin)"
        )
    departures = parse_departures(None, WINDOW_MIN).seconds
    rows = np.arange(len(places))
    t = time.perf_counter()
    brute = per_minute(net, rows, departures)
    minute_s = time.perf_counter() - t
    same = np.array_equal(np.percentile(brute, 50, axis=0, method="inverted_cdf"), rail[0])
    print(
        f"per-minute RAPTOR, all origins: {minute_s:.3f} s -> range-RAPTOR is {minute_s / full_s:.1f}x faster "
        f"(identical medians: {same})"
    )
    near = np.argsort(np.nan_to_num(net._station_legs()[0], posinf=1e12).min(axis=1))[:N_NETWORKX]
    t = time.perf_counter()
    reference = networkx_event_graph(net, near, departures)
    nx_s = time.perf_counter() - t
    _, ours = net.travel_seconds(window_min=WINDOW_MIN, percentiles=(50,), origins=near)
    same = np.array_equal(np.percentile(reference, 50, axis=0, method="inverted_cdf"), ours[0])
    per_origin_nx = nx_s / len(near)
    per_origin = full_s / len(places)
    print(
        f"networkx time-expanded graph, {len(near)} origins: {nx_s:.2f} s ({per_origin_nx * 1000:.0f} ms per origin) "
        f"-> {per_origin_nx / per_origin:.0f}x slower per origin (identical medians: {same})"
    )
    inside = int(((rail[0] <= 3600) & (road > 3600)).sum())
    print(f"pairs within 60 min only thanks to HSR: {inside}")


if __name__ == "__main__":
    main()
