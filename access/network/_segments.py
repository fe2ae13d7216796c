"""Undirected street segments and a uniform grid over them: the snapping index of a
street network, with the exact nearest segment of many points in numba.

Why a grid and not ``shapely.STRtree.query_nearest``: the tree answers one point at a time
through GEOS (20–90 µs per point on Porto Alegre); the grid query below runs the same
exact point-to-segment distance (GEOS's formula, bit for bit) over a handful of cells per
point, in parallel, about 15× faster on 100 k points (``bench/street_routing.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

__all__ = ["Segments", "build_segments", "nearest_segments", "locate_on_segments"]

_CELL_PER_MEDIAN = 4.0  # grid cell side in median segment lengths (~100 m on city streets)
_MIN_CELL_M = 20.0  # metres
_MAX_CELL_M = 2_000.0  # metres
_MAX_CELLS_PER_ENTRY = 4  # the grid never has more cells than this x (cell, segment) entries
_PARALLEL_MIN_POINTS = 2_048  # fewer points: one thread (starting threads costs more)


@dataclass(frozen=True)
class Segments:
    """Undirected segments of a network with the travel time of each direction, and a
    uniform grid over them (cell ``i, j`` lists the segments passing through it)."""

    a: np.ndarray  # int32 node index, a < b
    b: np.ndarray  # int32
    forward_s: np.ndarray  # float64 seconds a -> b, inf when not allowed
    backward_s: np.ndarray  # float64 seconds b -> a, inf when not allowed
    ax: np.ndarray  # float64 metres: end a of each segment in the network's CRS
    ay: np.ndarray
    bx: np.ndarray  # end b
    by: np.ndarray
    cell_ptr: np.ndarray  # int64, nx * ny + 1: segments of cell (i, j) at i * ny + j
    cell_segment: np.ndarray  # int32 segment indices
    origin: tuple[float, float]  # metres: lower-left corner of cell (0, 0)
    cell_m: float  # metres: side of a cell
    shape: tuple[int, int]  # (nx, ny) cells

    def __len__(self) -> int:
        return len(self.a)


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
    ax, ay, bx, by = x[sa], y[sa], x[sb], y[sb]
    ptr, cell_segment, origin, cell_m, shape = _grid(ax, ay, bx, by)
    return Segments(sa, sb, forward, backward, ax, ay, bx, by, ptr, cell_segment, origin, cell_m, shape)


def _grid(ax, ay, bx, by) -> tuple[np.ndarray, np.ndarray, tuple[float, float], float, tuple[int, int]]:
    """Cells of side ~4 median segment lengths; each segment is listed in every cell it
    passes through (cut into pieces no longer than a cell, each piece in the cells of its
    bounding box), so a point's nearest segment lies in the cells around it."""
    n = len(ax)
    if n == 0:
        return np.zeros(2, np.int64), np.zeros(0, np.int32), (0.0, 0.0), 1.0, (1, 1)
    length = np.hypot(bx - ax, by - ay)
    x0, y0 = float(min(ax.min(), bx.min())), float(min(ay.min(), by.min()))
    width = float(max(ax.max(), bx.max())) - x0
    height = float(max(ay.max(), by.max())) - y0
    cell = float(np.clip(_CELL_PER_MEDIAN * np.median(length), _MIN_CELL_M, _MAX_CELL_M))
    pieces_total = float(np.sum(np.ceil(length / cell))) + n
    while (width / cell + 1) * (height / cell + 1) > _MAX_CELLS_PER_ENTRY * pieces_total:
        cell *= 1.5  # sparse regions (long rural roads): fewer, larger cells
        pieces_total = float(np.sum(np.ceil(length / cell))) + n
    nx, ny = int(width // cell) + 1, int(height // cell) + 1
    pieces = np.maximum(1, np.ceil(length / cell)).astype(np.int64)
    seg = np.repeat(np.arange(n, dtype=np.int64), pieces)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    t0, t1 = k / pieces[seg], (k + 1) / pieces[seg]
    dx, dy = bx[seg] - ax[seg], by[seg] - ay[seg]
    px0, px1 = ax[seg] + t0 * dx, ax[seg] + t1 * dx
    py0, py1 = ay[seg] + t0 * dy, ay[seg] + t1 * dy

    def cells(lo, hi, origin, count):
        first = np.clip(np.floor((lo - origin) / cell), 0, count - 1).astype(np.int64)
        last = np.clip(np.floor((hi - origin) / cell), 0, count - 1).astype(np.int64)
        return first, last

    i0, i1 = cells(np.minimum(px0, px1), np.maximum(px0, px1), x0, nx)
    j0, j1 = cells(np.minimum(py0, py1), np.maximum(py0, py1), y0, ny)
    # a piece is at most one cell long, so its box spans at most 2 x 2 cells
    keys = [np.minimum(i0 + di, i1) * ny + np.minimum(j0 + dj, j1) for di in (0, 1) for dj in (0, 1)]
    entry = np.unique(np.concatenate(keys) * n + np.tile(seg, 4))
    owner = entry // n
    ptr = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=nx * ny), out=ptr[1:])
    return ptr, (entry % n).astype(np.int32), (x0, y0), cell, (nx, ny)


@nb.njit(cache=True, inline="always")
def _distance(px, py, ax, ay, bx, by):
    """Point-to-segment distance, the operations of GEOS ``Distance::pointToSegment`` in
    its order, so results equal shapely's bit for bit."""
    if ax == bx and ay == by:
        return math.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
    len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    r = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2
    if r <= 0.0:
        return math.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
    if r >= 1.0:
        return math.sqrt((px - bx) * (px - bx) + (py - by) * (py - by))
    s = ((ay - py) * (bx - ax) - (ax - px) * (by - ay)) / len2
    return abs(s) * math.sqrt(len2)


def _nearest_body(px, py, ax, ay, bx, by, cell_ptr, cell_segment, x0, y0, cell, nx, ny, max_d, out_seg, out_d):
    """For each point: the nearest segment within ``max_d`` (ties: the lowest index) and
    its distance, else -1 / inf. Rings of cells around the point's cell are searched
    until the nearest found is closer than anything outside the searched square."""
    x1, y1 = x0 + nx * cell, y0 + ny * cell
    for k in nb.prange(len(px)):
        x, y = px[k], py[k]
        out_seg[k], out_d[k] = -1, np.inf
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        gx = max(x0 - x, 0.0, x - x1)
        gy = max(y0 - y, 0.0, y - y1)
        if math.sqrt(gx * gx + gy * gy) > max_d:
            continue  # far from the whole grid
        ci = int(math.floor((x - x0) / cell))
        cj = int(math.floor((y - y0) / cell))
        best, best_s = np.inf, -1
        r = 0
        while True:
            for i in range(ci - r, ci + r + 1):
                if i < 0 or i >= nx:
                    continue
                edge_column = i == ci - r or i == ci + r
                step = 1 if edge_column or r == 0 else 2 * r  # the ring only: inner cells were searched
                gx = max(x0 + i * cell - x, 0.0, x - (x0 + (i + 1) * cell))
                for j in range(cj - r, cj + r + 1, step):
                    if j < 0 or j >= ny:
                        continue
                    gy = max(y0 + j * cell - y, 0.0, y - (y0 + (j + 1) * cell))
                    if math.sqrt(gx * gx + gy * gy) > min(best, max_d):
                        continue  # the whole cell is further than the nearest found
                    c = i * ny + j
                    for e in range(cell_ptr[c], cell_ptr[c + 1]):
                        s = cell_segment[e]
                        d = _distance(x, y, ax[s], ay[s], bx[s], by[s])
                        if d < best or (d == best and s < best_s):
                            best, best_s = d, s
            # nothing outside the square of cells searched so far is nearer than this
            outside = min(
                x - (x0 + (ci - r) * cell),
                x0 + (ci + r + 1) * cell - x,
                y - (y0 + (cj - r) * cell),
                y0 + (cj + r + 1) * cell - y,
            )
            if best < outside or outside > max_d:
                break
            r += 1
        if best <= max_d:
            out_seg[k], out_d[k] = best_s, best


_nearest_threads = nb.njit(cache=True, parallel=True)(_nearest_body)
_nearest_serial = nb.njit(cache=True, nogil=True)(_nearest_body)


def nearest_segments(
    seg: Segments, x: np.ndarray, y: np.ndarray, max_distance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact nearest segment (int64, -1 beyond ``max_distance_m`` or for non-finite
    points; ties go to the lowest index) and its distance in metres (inf when none)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    index = np.empty(len(x), dtype=np.int64)
    distance = np.empty(len(x), dtype=np.float64)
    if len(x) == 0 or len(seg) == 0:
        index[:], distance[:] = -1, np.inf
        return index, distance
    kernel = _nearest_threads if len(x) >= _PARALLEL_MIN_POINTS else _nearest_serial
    kernel(
        x,
        y,
        seg.ax,
        seg.ay,
        seg.bx,
        seg.by,
        seg.cell_ptr,
        seg.cell_segment,
        seg.origin[0],
        seg.origin[1],
        seg.cell_m,
        seg.shape[0],
        seg.shape[1],
        float(max_distance_m),
        index,
        distance,
    )
    return index, distance


@nb.njit(cache=True, nogil=True)
def _locate(px, py, ax, ay, bx, by, fraction, length):
    # GEOS's LengthIndexedLine.project / length (shapely.line_locate_point, normalized)
    # in its order of operations: the same floats; a zero-length segment gives 0
    for k in range(len(px)):
        dx, dy = bx[k] - ax[k], by[k] - ay[k]
        ln = math.sqrt(dx * dx + dy * dy)
        length[k] = ln
        if px[k] == ax[k] and py[k] == ay[k]:
            factor = 0.0
        elif px[k] == bx[k] and py[k] == by[k]:
            factor = 1.0
        else:
            factor = ((px[k] - ax[k]) * dx + (py[k] - ay[k]) * dy) / (dx * dx + dy * dy)
        if factor <= 0.0:
            measure = 0.0
        elif factor <= 1.0:
            measure = factor * ln
        else:
            measure = ln
        fraction[k] = measure / ln if ln > 0.0 else 0.0


def locate_on_segments(seg: Segments, index: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each point's projection along its segment ``index`` (0 at end a, 1 at
    end b) and the segment's length in metres."""
    fraction = np.empty(len(index), dtype=np.float64)
    length = np.empty(len(index), dtype=np.float64)
    _locate(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        seg.ax[index],
        seg.ay[index],
        seg.bx[index],
        seg.by[index],
        fraction,
        length,
    )
    return fraction, length
