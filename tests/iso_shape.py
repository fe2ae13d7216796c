"""Shape checks of isochrone polygons against the network reached, computed independently
of the surface code (used by the tests and by bench/isochrones.py)."""

from __future__ import annotations

import numpy as np
import shapely


def reached_segments(tails, heads, x, y, travel_s, node_s, cutoff_s) -> np.ndarray:
    """LineStrings (projected metres) of every edge part reached within ``cutoff_s``: each
    edge from its tail, reached at ``node_s[tail]``, up to where the cutoff ends along it."""
    t0 = node_s[tails]
    keep = np.flatnonzero(t0 <= cutoff_s)
    t0, u, v = t0[keep], tails[keep], heads[keep]
    w = travel_s[keep].astype(np.float64)
    share = np.where(w > 0, np.clip((cutoff_s - t0) / np.where(w > 0, w, 1.0), 0.0, 1.0), 1.0)
    xb, yb = x[u] + share * (x[v] - x[u]), y[u] + share * (y[v] - y[u])
    coords = np.stack([np.column_stack([x[u], y[u]]), np.column_stack([xb, yb])], axis=1)
    return shapely.linestrings(coords)


def share_inside(polygon, px: np.ndarray, py: np.ndarray) -> float:
    """Share of the points (projected metres) the polygon covers (1.0 when there are none)."""
    if len(px) == 0:
        return 1.0
    shapely.prepare(polygon)
    return float(shapely.covers(polygon, shapely.points(px, py)).mean())


def share_beyond(polygon, segments: np.ndarray, distance_m: float = 100.0, step_m: float = 15.0) -> float:
    """Share of the polygon's area farther than ``distance_m`` from every segment, measured
    on a ``step_m`` lattice of sample points inside the polygon (cell-centred)."""
    x0, y0, x1, y1 = polygon.bounds
    gx, gy = np.meshgrid(np.arange(x0 + step_m / 2, x1, step_m), np.arange(y0 + step_m / 2, y1, step_m))
    points = shapely.points(gx.ravel(), gy.ravel())
    shapely.prepare(polygon)
    points = points[shapely.contains(polygon, points)]
    if len(points) == 0 or len(segments) == 0:
        return 0.0 if len(points) == 0 else 1.0
    (near, _), _ = shapely.STRtree(segments).query_nearest(
        points, max_distance=distance_m, return_distance=True, all_matches=False
    )
    return 1.0 - len(np.unique(near)) / len(points)
