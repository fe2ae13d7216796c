"""Snap points to the nearest street edge, with the off-network connector time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from access.network._segments import Segments, locate_on_segments, nearest_segments
from access.network.street import StreetNetwork

__all__ = [
    "Snapped",
    "Segments",
    "snap_points",
    "segments",
    "same_segment_pairs",
    "same_segment_s",
    "source_groups",
    "point_sources",
]

_AT_NODE_M = 0.5  # metres: a snapped point this close to an edge end is at that node


def segments(net: StreetNetwork) -> Segments:
    """The network's undirected segments and their spatial index (built once, owned by
    ``net``: :attr:`StreetNetwork.segments`)."""
    return net.segments


@dataclass(frozen=True)
class Snapped:
    """Points snapped to a network's edges; travel costs in seconds (inf: no way).

    ``to_a``/``to_b``: from the point to edge end node ``a``/``b`` (used by origins);
    ``from_a``/``from_b``: from node ``a``/``b`` to the point (used by destinations).
    Points with ``ok`` False lie further than ``max_snap_m`` from every edge.
    """

    ok: np.ndarray  # bool
    distance_m: np.ndarray  # float64, metres from the point to its edge
    segment: np.ndarray  # int64 segment index (-1 when not ok)
    fraction: np.ndarray  # float64 position along a -> b, 0..1
    a: np.ndarray  # int32 node index
    b: np.ndarray  # int32 node index
    to_a: np.ndarray
    to_b: np.ndarray
    from_a: np.ndarray
    from_b: np.ndarray
    connector_s: np.ndarray  # seconds between the point and the edge
    x: np.ndarray  # projected point coordinates, metres
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.ok)


def snap_points(net: StreetNetwork, x: np.ndarray, y: np.ndarray) -> Snapped:
    """Snap projected points (metres, ``net.crs_epsg``) to the exact nearest edge of
    ``net`` (ties: the lowest segment index) within ``net.max_snap_m``."""
    seg = net.segments
    x, y = np.asarray(x, float), np.asarray(y, float)
    # far outside the UTM zone a projection gives inf/nan: such points are off the network
    index, distance = nearest_segments(seg, x, y, net.max_snap_m)
    ok = index >= 0
    safe = np.where(ok, index, 0)
    fraction, seg_len = locate_on_segments(seg, safe, np.where(ok, x, 0.0), np.where(ok, y, 0.0))
    fraction = np.where(ok, fraction, 0.0)
    connector = np.where(ok, distance / (net.connector_speed_kmh / 3.6), np.inf)
    fw, bw = seg.forward_s[safe], seg.backward_s[safe]
    with np.errstate(invalid="ignore"):
        along_fw, back_fw = fraction * fw, (1 - fraction) * fw  # a->point, point->b
        along_bw, back_bw = (1 - fraction) * bw, fraction * bw  # b->point, point->a
    along_fw = np.where(np.isfinite(fw), along_fw, np.inf)
    back_fw = np.where(np.isfinite(fw), back_fw, np.inf)
    along_bw = np.where(np.isfinite(bw), along_bw, np.inf)
    back_bw = np.where(np.isfinite(bw), back_bw, np.inf)
    # A point snapped onto an end node is at that node, whatever the edge's direction.
    at_a = fraction * seg_len < _AT_NODE_M
    at_b = (1 - fraction) * seg_len < _AT_NODE_M
    back_bw = np.where(at_a, 0.0, back_bw)
    along_fw = np.where(at_a, 0.0, along_fw)
    back_fw = np.where(at_b, 0.0, back_fw)
    along_bw = np.where(at_b, 0.0, along_bw)
    return Snapped(
        ok=ok,
        distance_m=distance,
        segment=index,
        fraction=fraction,
        a=seg.a[safe],
        b=seg.b[safe],
        to_a=np.where(ok, connector + back_bw, np.inf),
        to_b=np.where(ok, connector + back_fw, np.inf),
        from_a=np.where(ok, along_fw + connector, np.inf),
        from_b=np.where(ok, along_bw + connector, np.inf),
        connector_s=connector,
        x=np.asarray(x, float),
        y=np.asarray(y, float),
    )


def same_segment_pairs(
    net: StreetNetwork, origins: Snapped, dests: Snapped
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (origin row, destination row, seconds) on the same segment, travelled along it
    without passing a node; found by sorting the destinations by segment, never by an
    origins x destinations comparison."""
    seg = segments(net)
    o_rows, d_rows = np.flatnonzero(origins.ok), np.flatnonzero(dests.ok)
    d_rows = d_rows[np.argsort(dests.segment[d_rows], kind="stable")]
    d_seg = dests.segment[d_rows]
    o_seg = origins.segment[o_rows]
    lo, hi = np.searchsorted(d_seg, o_seg, side="left"), np.searchsorted(d_seg, o_seg, side="right")
    count = hi - lo
    o_idx = np.repeat(o_rows, count)
    within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    d_idx = d_rows[np.repeat(lo, count) + within]
    order = np.lexsort((d_idx, o_idx))  # origin-major, as np.nonzero on a matrix gives them
    o_idx, d_idx = o_idx[order], d_idx[order]
    s = origins.segment[o_idx]
    delta = dests.fraction[d_idx] - origins.fraction[o_idx]
    with np.errstate(invalid="ignore"):
        cost = np.where(delta > 0, delta * seg.forward_s[s], np.where(delta < 0, -delta * seg.backward_s[s], 0.0))
    return o_idx, d_idx, cost + origins.connector_s[o_idx] + dests.connector_s[d_idx]


def same_segment_s(net: StreetNetwork, origins: Snapped, dests: Snapped) -> np.ndarray:
    """Origins x destinations seconds for pairs on the same segment, travelled along it
    without passing a node (inf elsewhere)."""
    out = np.full((len(origins), len(dests)), np.inf)
    o_idx, d_idx, seconds = same_segment_pairs(net, origins, dests)
    out[o_idx, d_idx] = seconds
    return out


def source_groups(snapped: Snapped, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dijkstra source groups of the snapped points ``rows``: ``ptr`` delimiting each
    point's start nodes, the nodes (its edge's ends it may leave by) and their start
    seconds (connector + partial edge, rounded)."""
    nodes = np.stack([snapped.a[rows], snapped.b[rows]], axis=1)
    costs = np.stack([snapped.to_a[rows], snapped.to_b[rows]], axis=1)
    usable = np.isfinite(costs)
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(usable.sum(axis=1), out=ptr[1:])
    return ptr, nodes[usable], np.rint(costs[usable]).astype(np.int64)


def point_sources(snapped: Snapped, index: int, *, inbound: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The Dijkstra sources of snapped point ``index`` alone, as :func:`source_groups` gives
    them without its array bookkeeping (a tenth of a millisecond a call): the edge ends it
    may leave by (``inbound``: that it is entered from, with ``from_a``/``from_b``) and
    their whole-second start costs."""
    if inbound:
        costs = np.array([snapped.from_a[index], snapped.from_b[index]], dtype=np.float64)
    else:
        costs = np.array([snapped.to_a[index], snapped.to_b[index]], dtype=np.float64)
    usable = np.isfinite(costs)
    nodes = np.array([snapped.a[index], snapped.b[index]])
    return nodes[usable], np.rint(costs[usable]).astype(np.int64)
