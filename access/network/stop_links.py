"""Stop links: a transit network's stops snapped to street networks, and walking egress
tables from the stops, derived once per (transit network, street network)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from weakref import WeakKeyDictionary

import numpy as np

from access._geo import to_projected
from access._kernels.dijkstra import many_to_all_points
from access.network.snap import Snapped, snap_points, source_groups
from access.network.street import StreetNetwork

__all__ = ["StopLinks", "Targets", "egress_table", "POINT_TABLES_KEPT"]

_EGRESS_BATCH = 64  # stops per batch while tabulating egress walks (dense batch x targets)
POINT_TABLES_KEPT = 4  # egress tables to point sets kept per (transit, walk) network (~10 B per entry)


@dataclass(frozen=True)
class Targets:
    """Walking egress from stops to targets (nodes or points) as CSR, plus where each
    target sits on the walk network for the direct walk."""

    egress_ptr: np.ndarray  # int64, n_stops + 1
    egress_target: np.ndarray  # int32
    egress_s: np.ndarray  # int32 seconds
    n_targets: int
    direct_a: np.ndarray  # int32: walk node a of each target
    direct_b: np.ndarray
    direct_from_a: np.ndarray  # float64 seconds from node a to the target
    direct_from_b: np.ndarray

    @cached_property
    def by_target(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The egress walks grouped by target (the transpose of the CSR, derived once):
        ``ptr`` (n_targets + 1), the stop of each walk (ascending within a target), and
        its int64 seconds."""
        stop = np.repeat(np.arange(len(self.egress_ptr) - 1, dtype=np.int32), np.diff(self.egress_ptr))
        order = np.argsort(self.egress_target, kind="stable")
        counts = np.bincount(self.egress_target, minlength=self.n_targets)
        ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
        return ptr, stop[order], self.egress_s[order].astype(np.int64)


def egress_table(
    walk: StreetNetwork, stops: Snapped, dst_a, dst_b, dst_from_a, dst_from_b, limit_s: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walks of at most ``limit_s`` seconds from every snapped stop to the targets given by
    their edge ends and partial-edge seconds: CSR ``ptr`` (per stop), targets, seconds."""
    n_stops = len(stops)
    owners, targets, seconds = [], [], []
    ok = np.flatnonzero(stops.ok)
    for start in range(0, len(ok), _EGRESS_BATCH):
        batch = ok[start : start + _EGRESS_BATCH]
        # Walking is symmetric on the walk network (every way both directions), so the
        # time from a stop to a target equals the time from the target to the stop.
        ptr, nodes, costs = source_groups(stops, batch)
        s = many_to_all_points(
            walk.indptr, walk.indices, walk.travel_s, ptr, nodes, costs, limit_s, dst_a, dst_b, dst_from_a, dst_from_b
        )
        i, j = np.nonzero(s <= limit_s)
        owners.append(batch[i])
        targets.append(j)
        seconds.append(np.rint(s[i, j]))
    owner = np.concatenate(owners) if owners else np.array([], dtype=np.int64)
    order = np.argsort(owner, kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(owner, minlength=n_stops))].astype(np.int64)
    target = (np.concatenate(targets) if targets else np.array([], dtype=np.int64))[order]
    secs = (np.concatenate(seconds) if seconds else np.array([]))[order]
    return ptr, target.astype(np.int32), secs.astype(np.int32)


class StopLinks:
    """Where a transit network's stops sit on each street network, and the walking
    egress from the stops to every node of a walk network, built on first use.

    Owned by one :class:`~access.network.transit.TransitNetwork` (its ``links``) and
    keyed by the street network object itself (weakly): a modified street network is a
    new key, so nothing stale is ever returned. Safe to use from several threads.
    """

    def __init__(self, stop_lon: np.ndarray, stop_lat: np.ndarray) -> None:
        self._lon, self._lat = stop_lon, stop_lat
        self._lock = threading.Lock()
        self._snapped: WeakKeyDictionary[StreetNetwork, Snapped] = WeakKeyDictionary()
        self._node_targets: WeakKeyDictionary[StreetNetwork, dict[float, Targets]] = WeakKeyDictionary()
        self._point_targets: WeakKeyDictionary[StreetNetwork, OrderedDict[bytes, Targets]] = WeakKeyDictionary()

    def on(self, street: StreetNetwork) -> Snapped:
        """The stops snapped to ``street`` (see :func:`access.network.snap.snap_points`)."""
        with self._lock:
            snapped = self._snapped.get(street)
            if snapped is None:
                x, y = to_projected(self._lon, self._lat, street.crs_epsg)
                snapped = self._snapped[street] = snap_points(street, x, y)
            return snapped

    def point_targets(self, walk: StreetNetwork, key: bytes, build) -> Targets:
        """The egress table to a set of points on ``walk`` (``key``: a digest of the points
        and the limits), built once with ``build()`` and kept for the
        :data:`POINT_TABLES_KEPT` most recent point sets: batches of one matrix, and repeated
        queries to the same places, reuse it."""
        with self._lock:
            tables = self._point_targets.setdefault(walk, OrderedDict())
            if key in tables:
                tables.move_to_end(key)
                return tables[key]
        targets = build()  # outside the lock: other threads route meanwhile (a race builds twice)
        with self._lock:
            tables = self._point_targets.setdefault(walk, OrderedDict())
            tables[key] = targets
            while len(tables) > POINT_TABLES_KEPT:
                tables.popitem(last=False)
        return targets

    def node_targets(self, walk: StreetNetwork, walk_min: float) -> Targets:
        """Every node of ``walk`` as a target: the walks of at most ``walk_min`` minutes
        from each stop to each node (isochrones, arrive-by access from every node)."""
        stops = self.on(walk)
        with self._lock:
            by_limit = self._node_targets.setdefault(walk, {})
            targets = by_limit.get(walk_min)
            if targets is None:
                nodes = np.arange(walk.n_nodes, dtype=np.int32)
                zero = np.zeros(walk.n_nodes)
                ptr, tgt, secs = egress_table(walk, stops, nodes, nodes, zero, zero, int(round(walk_min * 60)))
                targets = by_limit[walk_min] = Targets(ptr, tgt, secs, walk.n_nodes, nodes, nodes, zero, zero)
            return targets
