"""Undirected street segments with a spatial index: the snapping index of a street network."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["Segments", "build_segments"]


@dataclass(frozen=True)
class Segments:
    """Undirected segments of a network with the travel time of each direction."""

    a: np.ndarray  # int32 node index, a < b
    b: np.ndarray  # int32
    forward_s: np.ndarray  # float64 seconds a -> b, inf when not allowed
    backward_s: np.ndarray  # float64 seconds b -> a, inf when not allowed
    tree: shapely.STRtree
    lines: np.ndarray  # shapely LineStrings in the network's projected CRS


def build_segments(
    tails: np.ndarray,
    heads: np.ndarray,
    travel_s: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    snappable: np.ndarray | None = None,
) -> Segments:
    """The undirected segments of directed edges ``tails -> heads`` (node coordinates
    ``x``, ``y`` in metres), each direction's time the fastest of its parallel edges.

    ``snappable`` (bool per edge, default all) leaves out the segments none of whose
    edges may be snapped onto (roads added by a scenario are joined at their ends only);
    their travel times still count for the segments that stay."""
    n_nodes = len(x)
    u, v, w = tails.astype(np.int64), heads.astype(np.int64), travel_s
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = a * n_nodes + b
    seg_key, seg_of_edge = np.unique(key, return_inverse=True)
    forward = np.full(len(seg_key), np.inf)
    backward = np.full(len(seg_key), np.inf)
    along = u < v
    np.minimum.at(forward, seg_of_edge[along], w[along].astype(np.float64))
    np.minimum.at(backward, seg_of_edge[~along], w[~along].astype(np.float64))
    sa = (seg_key // n_nodes).astype(np.int32)
    sb = (seg_key % n_nodes).astype(np.int32)
    if snappable is not None:
        keep = np.bincount(seg_of_edge, weights=snappable, minlength=len(seg_key)) > 0
        sa, sb, forward, backward = sa[keep], sb[keep], forward[keep], backward[keep]
    coords = np.stack([np.column_stack([x[sa], y[sa]]), np.column_stack([x[sb], y[sb]])], axis=1)
    lines = shapely.linestrings(coords)
    return Segments(sa, sb, forward, backward, shapely.STRtree(lines), lines)
