"""Travel-time surfaces on a projected grid, filled from the reached part of the network (numba).

The fill visits only the reached nodes and their edges, so its cost follows the reached
area, not the size of the network (``Surface.work`` counts the edges it sampled). The
kernels use numpy's error model: no division in them can be by zero (cells, speeds and the
edges divided by are positive), and the Python model's check on each costs 5-10 % of a fill.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

__all__ = ["Surface", "travel_time_surface", "UNREACHED_S"]

UNREACHED_S = 1e9  # seconds given to cells nobody reaches; contours hug the reached cells


@dataclass(frozen=True)
class Surface:
    """Seconds to reach each grid point; grid point (j, i) is at (xs[i], ys[j]) metres."""

    xs: np.ndarray
    ys: np.ndarray
    seconds: np.ndarray  # float64 (len(ys), len(xs)); UNREACHED_S where nobody gets
    cell_m: float
    crs_epsg: int = 0  # EPSG code of xs/ys (the street network's UTM zone); 0: unknown
    tmax_s: float = float("inf")  # times above this are only the contour's slack
    work: int = 0  # edges the fill sampled (the reached part of the network)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _splat_cell(grid, x0, y0, cell, px, py, t):
    """The four corners of the grid cell holding the point take its time: the contour of
    any cutoff it is reached by then encloses the whole cell, so a point reached in the last
    second is inside however coarse the grid (interpolating walking times alone leaves
    points reached in the last ~cell/speed seconds outside)."""
    ny, nx = grid.shape
    ic = int(math.floor((px - x0) / cell))
    jc = int(math.floor((py - y0) / cell))
    for j in range(max(0, jc), min(ny - 1, jc + 1) + 1):
        for i in range(max(0, ic), min(nx - 1, ic + 1) + 1):
            if t < grid[j, i]:
                grid[j, i] = t


@nb.njit(cache=True, inline="always", error_model="numpy")
def _splat_walk(grid, x0, y0, cell, px, py, t, speed, rmax, tmax):
    """Walking off the network from the point (``speed`` m/s, at most ``rmax`` m), and one
    cell diagonal beyond the reach: those grid points get honest times above tmax, so
    nothing new becomes reachable but contours interpolate to the true reach."""
    r = min(rmax, (tmax - t) * speed + 1.4143 * cell)
    if r <= 0.0:
        return
    ny, nx = grid.shape
    i0 = max(0, int(math.floor((px - r - x0) / cell)))
    i1 = min(nx - 1, int(math.ceil((px + r - x0) / cell)))
    j0 = max(0, int(math.floor((py - r - y0) / cell)))
    j1 = min(ny - 1, int(math.ceil((py + r - y0) / cell)))
    r2 = r * r
    for j in range(j0, j1 + 1):
        dy = y0 + j * cell - py
        for i in range(i0, i1 + 1):
            dx = x0 + i * cell - px
            d2 = dx * dx + dy * dy
            if d2 <= r2:
                v = t + math.sqrt(d2) / speed
                if v < grid[j, i]:
                    grid[j, i] = v


@nb.njit(cache=True, inline="always", error_model="numpy")
def _splat_point(grid, x0, y0, cell, px, py, t, speed, rmax, tmax):
    if t <= tmax:
        _splat_cell(grid, x0, y0, cell, px, py, t)
        _splat_walk(grid, x0, y0, cell, px, py, t, speed, rmax, tmax)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _splat_segment(grid, x0, y0, cell, ax, ay, ta, bx, by, seconds, share, speed, rmax, tmax, skip_end):
    """Sample the first ``share`` of segment a -> b (``seconds`` end to end, leaving a at
    ``ta``): its grid cells every half cell, so none along it is missed, and the walk off
    it every cell (discs a cell apart leave scallops far smaller than a cell)."""
    length = math.sqrt((bx - ax) ** 2 + (by - ay) ** 2) * share
    pieces = int(length / (0.5 * cell)) + 1
    last = pieces - 1 if skip_end else pieces
    for s in range(1, last + 1):
        f = share * s / pieces
        t = ta + f * seconds
        if t > tmax:
            break
        px, py = ax + f * (bx - ax), ay + f * (by - ay)
        _splat_cell(grid, x0, y0, cell, px, py, t)
        # the end nodes walk off themselves; the reach's end walks for the contour's slack
        if s % 2 == 0 or (s == last and not skip_end):
            _splat_walk(grid, x0, y0, cell, px, py, t, speed, rmax, tmax)


@nb.njit(cache=True, error_model="numpy")
def _fill(grid, x0, y0, cell, reached, node_t, node_x, node_y, indptr, indices, edge_t, speed, rmax, tmax):
    """Lower ``grid`` to the time of walking (``speed`` m/s, at most ``rmax`` m) from any
    reached node or any point along a reached edge, for times up to ``tmax`` seconds.

    ``reached`` lists the nodes with ``node_t <= tmax``; only their out-edges (of the CSR
    ``indptr``/``indices``, ``edge_t`` seconds) are read. Returns the number of edges sampled.
    """
    work = 0
    for k in range(len(reached)):
        u = reached[k]
        t0 = node_t[u]
        ux, uy = node_x[u], node_y[u]
        _splat_point(grid, x0, y0, cell, ux, uy, t0, speed, rmax, tmax)
        for e in range(indptr[u], indptr[u + 1]):
            work += 1
            w = edge_t[e]
            if w <= 0:
                continue  # a zero-second edge: its far end is reached at t0 and splatted itself
            v = indices[e]
            share = min(1.0, (tmax - t0) / w)  # the edge is reached up to where tmax ends
            # the far end of a fully reached edge is reached (no later than here): skip it
            skip_end = share >= 1.0
            _splat_segment(grid, x0, y0, cell, ux, uy, t0, node_x[v], node_y[v], w, share, speed, rmax, tmax, skip_end)
    return work


@nb.njit(cache=True, error_model="numpy")
def _fill_start(grid, x0, y0, cell, sx, sy, px, py, at_s, ends_x, ends_y, ends_s, speed, rmax, tmax):
    """The origin itself at (sx, sy), 0 s, and its own edge: from the snapped point (px, py),
    ``at_s`` seconds in, to each end node it can leave (arrive-by: be reached) by, ``ends_s``
    seconds further (inf: not that way)."""
    _splat_point(grid, x0, y0, cell, sx, sy, 0.0, speed, rmax, tmax)
    _splat_point(grid, x0, y0, cell, px, py, at_s, speed, rmax, tmax)
    for k in range(len(ends_x)):
        w = ends_s[k]
        if at_s <= tmax and w > 0 and np.isfinite(w):
            share = min(1.0, (tmax - at_s) / w)
            _splat_segment(grid, x0, y0, cell, px, py, at_s, ends_x[k], ends_y[k], w, share, speed, rmax, tmax, False)


def travel_time_surface(
    node_x: np.ndarray,
    node_y: np.ndarray,
    node_s: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    edge_s: np.ndarray,
    *,
    start_xy: tuple[float, float],
    start_edge: tuple[float, float, float, np.ndarray, np.ndarray] | None = None,
    tmax_s: float,
    cell_m: float,
    offnet_speed_ms: float,
    offnet_max_m: float,
    max_cells: int,
    crs_epsg: int = 0,
) -> Surface:
    """The seconds surface for nodes reached at ``node_s`` (inf: not reached) over the
    CSR ``indptr``/``indices`` with ``edge_s`` seconds per edge (searched from the row
    node), and the origin itself at ``start_xy`` (0 s) with its own edge (``start_edge``:
    the snapped point's x, y and seconds, the edge's end-node indices and the seconds from
    the snapped point to each), covering everything reachable within ``tmax_s``."""
    reached = np.flatnonzero(node_s <= tmax_s)
    pad = offnet_max_m + 2 * cell_m
    rx, ry = node_x[reached], node_y[reached]
    sx, sy = float(start_xy[0]), float(start_xy[1])
    x_min = min(rx.min(initial=sx), sx) - pad
    x_max = max(rx.max(initial=sx), sx) + pad
    y_min = min(ry.min(initial=sy), sy) - pad
    y_max = max(ry.max(initial=sy), sy) + pad
    cells = (x_max - x_min) * (y_max - y_min) / cell_m**2
    if cells > max_cells:  # memory guard: coarsen rather than exhaust the machine
        cell_m = math.sqrt((x_max - x_min) * (y_max - y_min) / max_cells)
    xs = np.arange(x_min, x_max + cell_m, cell_m)
    ys = np.arange(y_min, y_max + cell_m, cell_m)
    grid = np.full((len(ys), len(xs)), UNREACHED_S)
    args = (float(xs[0]), float(ys[0]), float(cell_m))
    walk = (float(offnet_speed_ms), float(offnet_max_m), float(tmax_s))
    px, py, at_s, ends, ends_s = start_edge or (sx, sy, 0.0, np.empty(0, np.int64), np.empty(0))
    ends = np.asarray(ends, dtype=np.int64)
    ends_s = np.asarray(ends_s, dtype=np.float64)
    _fill_start(grid, *args, sx, sy, float(px), float(py), float(at_s), node_x[ends], node_y[ends], ends_s, *walk)
    work = _fill(
        grid,
        *args,
        reached.astype(np.int64),
        np.asarray(node_s, dtype=np.float64),
        node_x,
        node_y,
        indptr,
        indices,
        edge_s,
        *walk,
    )
    return Surface(
        xs=xs,
        ys=ys,
        seconds=grid,
        cell_m=float(cell_m),
        crs_epsg=int(crs_epsg),
        tmax_s=float(tmax_s),
        work=int(work),
    )
