"""Range-RAPTOR equals a brute-force time-expanded graph Dijkstra (networkx) on random feeds."""

from __future__ import annotations

import datetime as dt
import types

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from access._kernels.raptor import ALIGHTED, ALL, NEVER, RIDDEN, range_raptor
from access.config import TransitSettings
from access.network.transit import TransitNetwork

T0 = 7 * 3600  # departures from 07:00
WINDOW = 60  # one departure a minute for an hour


def random_feed(walk, seed: int, n_stops: int = 24, n_routes: int = 6):
    """A random feed on real Porto Alegre street nodes: routes of 4-8 stops, trips with
    random run and dwell times, some overtaking others, rail routes with penalties."""
    rng = np.random.default_rng(seed)
    centre = np.array([-51.2200, -30.0350])
    near = np.flatnonzero((np.abs(walk.lon - centre[0]) < 0.015) & (np.abs(walk.lat - centre[1]) < 0.012))
    nodes = rng.choice(near, n_stops, replace=False)
    stops = pd.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n_stops)],
            "stop_name": [f"S{i}" for i in range(n_stops)],
            "lon": walk.lon[nodes],
            "lat": walk.lat[nodes],
            "parent_station": None,
            "location_type": 0,
        }
    )
    routes, trips, stop_times = [], [], []
    for r in range(n_routes):
        route_type = 2 if r % 3 == 0 else 3
        routes.append((f"r{r}", route_type, f"R{r}", "", "a"))
        seq = rng.choice(n_stops, rng.integers(4, 9), replace=False)
        runs = rng.integers(60, 400, len(seq) - 1)
        for k in range(rng.integers(8, 20)):
            trip = f"r{r}t{k}"
            trips.append((trip, f"r{r}", "daily", 0))
            speed = 0.5 if rng.random() < 0.2 else 1.0  # express trips overtake
            t = int(T0 - 1800 + rng.integers(0, 2 * 3600))
            for i, s in enumerate(seq):
                dwell = int(rng.integers(0, 60))
                stop_times.append((trip, i + 1, f"s{s}", t, t + dwell))
                if i < len(seq) - 1:
                    t += dwell + int(runs[i] * speed)
    return types.SimpleNamespace(
        name="rand",
        service_date=dt.date(2019, 5, 13),
        stops=stops,
        routes=pd.DataFrame(
            routes, columns=["route_id", "route_type", "route_short_name", "route_long_name", "agency_id"]
        ),
        trips=pd.DataFrame(trips, columns=["trip_id", "route_id", "service_id", "direction_id"]),
        stop_times=pd.DataFrame(
            stop_times, columns=["trip_id", "stop_sequence", "stop_id", "arrival_s", "departure_s"]
        ),
        transfers=pd.DataFrame(columns=["from_stop_id", "to_stop_id", "min_transfer_time_s"]),
        warnings=(),
    )


def time_expanded_graph(feed, transit: TransitNetwork) -> tuple[nx.DiGraph, dict]:
    """Events as nodes, edges weighted by the seconds between them. ("ready", stop, t):
    at the stop at time t, free to board; boarding needs the route's board penalty; alighting
    adds the alight penalty; walking transfers (the network's own) only after a ride."""
    graph = nx.DiGraph()
    index = {s: i for i, s in enumerate(transit.stop_id)}
    board = {}
    alight = {}
    for p in range(transit.n_patterns):
        route = transit.route_id[transit.pattern_route[p]]
        board[route] = int(transit.board_penalty_s[p])
        alight[route] = int(transit.alight_penalty_s[p])
    ready_times: dict[int, set] = {i: set() for i in range(transit.n_stops)}
    route_of = dict(zip(feed.trips["trip_id"], feed.trips["route_id"], strict=True))
    transfers = {
        s: [
            (int(transit.transfer_to[e]), int(transit.transfer_s[e]))
            for e in range(transit.transfer_ptr[s], transit.transfer_ptr[s + 1])
        ]
        for s in range(transit.n_stops)
    }
    for trip, rows in feed.stop_times.sort_values(["trip_id", "stop_sequence"]).groupby("trip_id"):
        route = route_of[trip]
        seq = [
            (index[s], int(a), int(d))
            for s, a, d in zip(rows["stop_id"], rows["arrival_s"], rows["departure_s"], strict=True)
        ]
        for i, (s, a, d) in enumerate(seq):
            graph.add_edge(("arr", trip, i), ("dep", trip, i), weight=d - a)
            penalty = int(transit.stop_board_penalty_s[s]) if transit.stop_board_penalty_s[s] >= 0 else board[route]
            ready = d - penalty
            ready_times[s].add(ready)
            graph.add_edge(("ready", s, ready), ("dep", trip, i), weight=penalty)
            if i > 0:
                prev = seq[i - 1]
                graph.add_edge(("dep", trip, i - 1), ("arr", trip, i), weight=a - prev[2])
                off = a + alight[route]
                graph.add_edge(("arr", trip, i), ("ready", s, off), weight=alight[route])
                ready_times[s].add(off)
                for q, w in transfers[s]:
                    graph.add_edge(("arr", trip, i), ("ready", q, off + w), weight=alight[route] + w)
                    ready_times[q].add(off + w)
    return graph, ready_times


def brute_force(graph, ready_times, access, t0) -> np.ndarray:
    """Earliest time at every stop leaving the origin at t0 (waiting allowed anywhere)."""
    g = graph.copy()
    for s, w in access.items():
        ready_times[s].add(t0 + w)
        g.add_edge("origin", ("ready", s, t0 + w), weight=t0 + w)
    for s, times in ready_times.items():
        ordered = sorted(times)
        for a, b in zip(ordered[:-1], ordered[1:], strict=True):
            g.add_edge(("ready", s, a), ("ready", s, b), weight=b - a)
    dist = nx.single_source_dijkstra_path_length(g, "origin", weight="weight")
    best = np.full(len(ready_times), NEVER, dtype=np.int64)
    for node, d in dist.items():
        if isinstance(node, tuple) and node[0] == "ready":
            best[node[1]] = min(best[node[1]], d)
    for s, w in access.items():
        ready_times[s].discard(t0 + w)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_range_raptor_equals_time_expanded_dijkstra(poa_network, seed):
    walk = poa_network.street("walk")
    feed = random_feed(walk, seed)
    # an egress penalty on one route, a per-stop boarding override at one station
    settings = TransitSettings(alight_penalty_min={"r1": 1.5}, board_penalty_stop_min={"s3": 2.0})
    transit = TransitNetwork.from_feed(feed, walk, settings)
    assert transit.board_penalty_s.max() == 15 * 60  # rail routes carry the HSR default
    assert transit.n_patterns > 6, "overtaking trips must have been split into FIFO patterns"
    graph, ready_times = time_expanded_graph(feed, transit)
    rng = np.random.default_rng(seed)
    departures = T0 + 60 * np.arange(WINDOW)
    pairs = 0
    for _ in range(4):
        access_stops = rng.choice(transit.n_stops, 2, replace=False)
        access_s = rng.integers(0, 600, 2)
        ours = range_raptor(transit, access_stops, access_s, departures, max_transfers=20)
        for d in rng.choice(WINDOW, 10, replace=False):
            expected = brute_force(
                graph, ready_times, dict(zip(access_stops.tolist(), access_s.tolist(), strict=True)), int(departures[d])
            )
            np.testing.assert_array_equal(ours[d], expected)
            pairs += 1
    assert pairs >= 40


def test_max_transfers_limits_rides(poa_network):
    walk = poa_network.street("walk")
    feed = random_feed(walk, 7)
    transit = TransitNetwork.from_feed(feed, walk, TransitSettings())
    departures = T0 + 60 * np.arange(30)
    none = range_raptor(transit, np.array([0]), np.array([0]), departures, max_transfers=0)
    many = range_raptor(transit, np.array([0]), np.array([0]), departures, max_transfers=10)
    assert np.all(many <= none)
    # with no transfer, only stops on patterns through stop 0 (and walks from them) are reached
    on_first = set()
    for e in range(transit.stop_pattern_ptr[0], transit.stop_pattern_ptr[1]):
        p = transit.stop_pattern[e]
        on_first.update(transit.pattern_stops[transit.pattern_stop_ptr[p] : transit.pattern_stop_ptr[p + 1]].tolist())
    walked = {
        int(transit.transfer_to[e])
        for s in on_first
        for e in range(transit.transfer_ptr[s], transit.transfer_ptr[s + 1])
    }
    reached = set(np.flatnonzero((none < NEVER).any(axis=0)).tolist())
    assert reached <= on_first | walked | {0}


def layered_graph(feed, transit: TransitNetwork, max_rides: int, slack_s: int) -> tuple[nx.DiGraph, dict]:
    """The time-expanded graph in layers k = 0 … max_rides (vehicles ridden so far):
    ("ready", k, s, t) free at stop s at time t; ("alight", k, s, t) just stepped off the
    k-th vehicle at s; boarding at a departure d needs to be ready by d - penalty -
    ``slack_s``; walking transfers leave from alightings only. Distances are clock times."""
    graph = nx.DiGraph()
    index = {s: i for i, s in enumerate(transit.stop_id)}
    board, alight = {}, {}
    for p in range(transit.n_patterns):
        route = transit.route_id[transit.pattern_route[p]]
        board[route] = int(transit.board_penalty_s[p])
        alight[route] = int(transit.alight_penalty_s[p])
    ready_times = {(k, s): set() for k in range(max_rides + 1) for s in range(transit.n_stops)}
    route_of = dict(zip(feed.trips["trip_id"], feed.trips["route_id"], strict=True))
    transfers = {
        s: [
            (int(transit.transfer_to[e]), int(transit.transfer_s[e]))
            for e in range(transit.transfer_ptr[s], transit.transfer_ptr[s + 1])
        ]
        for s in range(transit.n_stops)
    }
    for trip, rows in feed.stop_times.sort_values(["trip_id", "stop_sequence"]).groupby("trip_id"):
        route = route_of[trip]
        seq = [
            (index[s], int(a), int(d))
            for s, a, d in zip(rows["stop_id"], rows["arrival_s"], rows["departure_s"], strict=True)
        ]
        for k in range(1, max_rides + 1):
            for i, (s, a, d) in enumerate(seq):
                graph.add_edge(("arr", k, trip, i), ("dep", k, trip, i), weight=d - a)
                own = int(transit.stop_board_penalty_s[s])
                penalty = (own if own >= 0 else board[route]) + slack_s
                ready_times[(k - 1, s)].add(d - penalty)
                graph.add_edge(("ready", k - 1, s, d - penalty), ("dep", k, trip, i), weight=penalty)
                if i > 0:
                    graph.add_edge(("dep", k, trip, i - 1), ("arr", k, trip, i), weight=a - seq[i - 1][2])
                    off = a + alight[route]
                    graph.add_edge(("arr", k, trip, i), ("alight", k, s, off), weight=alight[route])
                    graph.add_edge(("alight", k, s, off), ("ready", k, s, off), weight=0)
                    ready_times[(k, s)].add(off)
                    for q, w in transfers[s]:
                        graph.add_edge(("alight", k, s, off), ("ready", k, q, off + w), weight=w)
                        ready_times[(k, q)].add(off + w)
    return graph, ready_times


def layered_brute_force(graph, ready_times, access: dict, t0: int, labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Earliest clock time at every stop leaving at t0 or later (waiting anywhere), by
    label kind (raptor.ALL / RIDDEN / ALIGHTED), and the fewest rides reaching it."""
    g = graph.copy()
    times = {key: set(v) for key, v in ready_times.items()}
    for s, w in access.items():
        times[(0, s)].add(t0 + w)
        g.add_edge("origin", ("ready", 0, s, t0 + w), weight=t0 + w)
    for (k, s), ts in times.items():
        ordered = sorted(ts)
        for a, b in zip(ordered[:-1], ordered[1:], strict=True):
            g.add_edge(("ready", k, s, a), ("ready", k, s, b), weight=b - a)
    dist = nx.single_source_dijkstra_path_length(g, "origin", weight="weight")
    n = 1 + max(s for _, s in ready_times)
    best = np.full(n, NEVER, dtype=np.int64)
    rides = np.zeros(n, dtype=np.int64)
    kind = "alight" if labels == ALIGHTED else "ready"
    for node, d in dist.items():
        if not (isinstance(node, tuple) and node[0] == kind):
            continue
        k, s = node[1], node[2]
        if labels != ALL and k == 0:
            continue
        if d < best[s] or (d == best[s] and k < rides[s]):
            best[s], rides[s] = d, k
    return best, rides


@pytest.mark.parametrize(
    ("seed", "slack", "labels"),
    [(4, 0, RIDDEN), (5, 61, RIDDEN), (6, 61, ALIGHTED), (8, 0, ALL), (9, 61, ALL), (10, 0, ALIGHTED)],
)
def test_arrivals_and_rides_equal_a_layered_time_expanded_dijkstra(poa_network, seed, slack, labels):
    """Every label kind, the minimum board wait (R5's 60 s, strict: 61) and the ride counts
    against a brute-force Dijkstra over a graph with one layer per vehicle ridden."""
    walk = poa_network.street("walk")
    feed = random_feed(walk, seed, n_stops=16, n_routes=5)
    transit = TransitNetwork.from_feed(feed, walk, TransitSettings(alight_penalty_min={"r1": 1.0}))
    max_rides = 3
    graph, ready_times = layered_graph(feed, transit, max_rides, slack)
    rng = np.random.default_rng(seed)
    departures = T0 + 60 * np.arange(40)
    checked = 0
    for _ in range(3):
        access_stops = rng.choice(transit.n_stops, 2, replace=False)
        access_s = rng.integers(0, 600, 2)
        arrivals, rides = range_raptor(
            transit,
            access_stops,
            access_s,
            departures,
            max_transfers=max_rides - 1,
            board_slack_s=slack,
            labels=labels,
            with_rides=True,
        )
        for d in rng.choice(len(departures), 6, replace=False):
            access = dict(zip(access_stops.tolist(), access_s.tolist(), strict=True))
            expected, expected_rides = layered_brute_force(graph, ready_times, access, int(departures[d]), labels)
            np.testing.assert_array_equal(arrivals[d], expected)
            reached = expected < NEVER
            np.testing.assert_array_equal(rides[d][reached], expected_rides[reached])
            checked += int(reached.sum())
    assert checked > 20, "the random feed must reach some stops"
