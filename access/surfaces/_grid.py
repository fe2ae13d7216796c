"""Travel-time surfaces on a projected grid, filled from reached nodes and edges (numba)."""

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


@nb.njit(cache=True, inline="always")
def _splat_point(grid, x0, y0, cell, px, py, t, speed, rmax, tmax):
    if t > tmax:
        return
    # Fill one cell diagonal beyond the reach: those points get honest times above tmax,
    # so nothing new becomes reachable, but contours interpolate to the true reach instead
    # of stopping at the last grid point inside it.
    r = min(rmax, (tmax - t) * speed + 1.4143 * cell)
    ny, nx = grid.shape
    i0 = max(0, int(math.floor((px - r - x0) / cell)))
    i1 = min(nx - 1, int(math.ceil((px + r - x0) / cell)))
    j0 = max(0, int(math.floor((py - r - y0) / cell)))
    j1 = min(ny - 1, int(math.ceil((py + r - y0) / cell)))
    for j in range(j0, j1 + 1):
        dy = y0 + j * cell - py
        for i in range(i0, i1 + 1):
            dx = x0 + i * cell - px
            d = math.sqrt(dx * dx + dy * dy)
            if d <= r:
                v = t + d / speed
                if v < grid[j, i]:
                    grid[j, i] = v


@nb.njit(cache=True)
def _fill(grid, x0, y0, cell, node_x, node_y, node_t, tails, heads, edge_t, edge_len, speed, rmax, tmax):
    """Lower ``grid`` to the time of walking (``speed`` m/s, at most ``rmax`` m) from any
    reached node or any point along a reached edge, for times up to ``tmax`` seconds."""
    for k in range(len(node_t)):
        if node_t[k] <= tmax:
            _splat_point(grid, x0, y0, cell, node_x[k], node_y[k], node_t[k], speed, rmax, tmax)
    step = cell * 0.5  # sample edges at half a cell so no grid point is skipped
    for e in range(len(tails)):
        t0 = node_t[tails[e]]
        if t0 > tmax:
            continue
        pieces = int(edge_len[e] / step) + 1
        if pieces < 2:
            continue
        ux, uy = node_x[tails[e]], node_y[tails[e]]
        vx, vy = node_x[heads[e]], node_y[heads[e]]
        for s in range(1, pieces):
            f = s / pieces
            t = t0 + f * edge_t[e]
            if t > tmax:
                break
            _splat_point(grid, x0, y0, cell, ux + f * (vx - ux), uy + f * (vy - uy), t, speed, rmax, tmax)


def travel_time_surface(
    node_x: np.ndarray,
    node_y: np.ndarray,
    node_s: np.ndarray,
    tails: np.ndarray,
    heads: np.ndarray,
    edge_s: np.ndarray,
    edge_m: np.ndarray,
    *,
    start_xy: tuple[float, float],
    tmax_s: float,
    cell_m: float,
    offnet_speed_ms: float,
    offnet_max_m: float,
    max_cells: int,
    crs_epsg: int = 0,
) -> Surface:
    """The seconds surface for nodes reached at ``node_s`` (inf: not reached) and the
    origin itself at ``start_xy`` (0 s), covering everything reachable within ``tmax_s``."""
    reached = node_s <= tmax_s
    pad = offnet_max_m + 2 * cell_m
    xs_all = np.append(node_x[reached], start_xy[0])
    ys_all = np.append(node_y[reached], start_xy[1])
    x_min, x_max = xs_all.min() - pad, xs_all.max() + pad
    y_min, y_max = ys_all.min() - pad, ys_all.max() + pad
    cells = (x_max - x_min) * (y_max - y_min) / cell_m**2
    if cells > max_cells:  # memory guard: coarsen rather than exhaust the machine
        cell_m = math.sqrt((x_max - x_min) * (y_max - y_min) / max_cells)
    xs = np.arange(x_min, x_max + cell_m, cell_m)
    ys = np.arange(y_min, y_max + cell_m, cell_m)
    grid = np.full((len(ys), len(xs)), UNREACHED_S)
    node_t = np.where(reached, node_s, np.inf).astype(np.float64)
    _fill(
        grid,
        float(xs[0]),
        float(ys[0]),
        float(cell_m),
        np.append(node_x, start_xy[0]),
        np.append(node_y, start_xy[1]),
        np.append(node_t, 0.0),
        tails.astype(np.int64),
        heads.astype(np.int64),
        edge_s.astype(np.float64),
        edge_m.astype(np.float64),
        float(offnet_speed_ms),
        float(offnet_max_m),
        float(tmax_s),
    )
    return Surface(xs=xs, ys=ys, seconds=grid, cell_m=float(cell_m), crs_epsg=int(crs_epsg), tmax_s=float(tmax_s))
