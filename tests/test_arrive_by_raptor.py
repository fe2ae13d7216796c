"""Reverse range-RAPTOR (arrive-by) equals a brute-force latest departure found with the
forward time-expanded graph of tests/test_raptor_reference.py on random feeds."""

from __future__ import annotations

import bisect

import networkx as nx
import numpy as np
import pytest

from access._kernels.raptor import NEVER, reverse_range_raptor
from access.config import TransitSettings
from access.network.transit import TransitNetwork
from tests.test_raptor_reference import random_feed, time_expanded_graph

T_END = 8 * 3600 + 30 * 60  # arrival deadlines up to 08:30
WINDOW = 60


def chained(graph, ready_times) -> tuple[nx.DiGraph, dict]:
    """The time-expanded graph with waiting edges along each stop's ready events, and the
    sorted event times per stop."""
    g = graph.copy()
    ordered = {s: sorted(ts) for s, ts in ready_times.items()}
    for s, ts in ordered.items():
        for a, b in zip(ts[:-1], ts[1:], strict=True):
            g.add_edge(("ready", s, a), ("ready", s, b), weight=b - a)
    return g, ordered


def _earliest(g, ordered, access: dict, t0: int) -> np.ndarray:
    """Earliest time at every stop (at a ready event) leaving the origin at ``t0``: from
    each access stop one waits for its first event at or after the walk."""
    for s, w in access.items():
        k = bisect.bisect_left(ordered[s], t0 + w)
        if k < len(ordered[s]):
            g.add_edge("origin", ("ready", s, ordered[s][k]), weight=ordered[s][k])
    dist = nx.single_source_dijkstra_path_length(g, "origin", weight="weight") if "origin" in g else {}
    if "origin" in g:
        g.remove_node("origin")
    best = np.full(len(ordered), NEVER, dtype=np.int64)
    for node, d in dist.items():
        if isinstance(node, tuple) and node[0] == "ready":
            best[node[1]] = min(best[node[1]], d)
    return best


def brute_force_latest(g, ordered, access: dict, egress: dict, deadline: int) -> int | None:
    """Latest departure from the origin arriving at the target by ``deadline`` (None: none).

    Being in time is monotone in the departure (leaving earlier one can wait), and it can
    only change where the origin's access meets a boarding or the egress, so the answer is
    one of those candidate times: binary search over them with a forward Dijkstra each."""
    candidates = {deadline - egress[s] - w for s, w in access.items() if s in egress}
    for s, w in access.items():
        candidates.update(t - w for t in ordered[s] if t - w <= deadline)
    ordered_t = sorted(candidates)

    def in_time(t0: int) -> bool:
        if any(t0 + w + egress[s] <= deadline for s, w in access.items() if s in egress):
            return True  # walk to a stop and straight on to the target
        best = _earliest(g, ordered, access, t0)
        return any(best[s] + w <= deadline for s, w in egress.items() if best[s] < NEVER)

    lo, hi = 0, len(ordered_t)  # invariant: the feasible times are a prefix
    while lo < hi:
        mid = (lo + hi) >> 1
        if in_time(ordered_t[mid]):
            lo = mid + 1
        else:
            hi = mid
    return ordered_t[lo - 1] if lo > 0 else None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reverse_raptor_latest_departure_equals_brute_force(poa_network, seed):
    walk = poa_network.street("walk")
    feed = random_feed(walk, seed)
    # alighting penalties on most routes (a mirrored search must charge them at the right end)
    alight = {"r1": 1.5, "r2": 1.0, "r4": 2.0, "r5": 0.5}
    settings = TransitSettings(alight_penalty_min=alight, board_penalty_stop_min={"s3": 2.0})
    transit = TransitNetwork.from_feed(feed, walk, settings)
    assert len(transit.transfer_to) > 0, "walking transfers must take part"
    graph, ordered = chained(*time_expanded_graph(feed, transit))
    rng = np.random.default_rng(100 + seed)
    deadlines = T_END - 60 * np.arange(WINDOW)[::-1]
    pairs = reached = 0
    for _ in range(4):
        egress_stops = rng.choice(transit.n_stops, 2, replace=False)
        egress_s = rng.integers(0, 600, 2)
        latest = reverse_range_raptor(transit, egress_stops, egress_s, deadlines, max_transfers=20)
        egress = dict(zip(egress_stops.tolist(), egress_s.tolist(), strict=True))
        for _ in range(3):  # origins
            access_stops = rng.choice(transit.n_stops, 2, replace=False)
            access_s = rng.integers(0, 600, 2)
            access = dict(zip(access_stops.tolist(), access_s.tolist(), strict=True))
            ours = np.max(latest[:, access_stops] - access_s[None, :], axis=1)
            for d in rng.choice(WINDOW, 3, replace=False):
                expected = brute_force_latest(graph, ordered, access, egress, int(deadlines[d]))
                if expected is None:
                    assert ours[d] < -NEVER // 2
                else:
                    assert ours[d] == expected, (seed, access, egress, int(deadlines[d]))
                    reached += 1
                pairs += 1
    assert pairs >= 36 and reached >= pairs // 2
