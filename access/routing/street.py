"""Street travel times: one origin to all nodes, and origins x destinations matrices."""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numba as nb
import numpy as np
import pandas as pd
from pandas.arrays import NumpyExtensionArray
from scipy.spatial import cKDTree
from tqdm.auto import tqdm

from access._cancel import checkpoint
from access._kernels.dijkstra import many_to_all_points, one_to_all_seconds, reach_rows
from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_MODE, MAX_TIME_LIMIT_MIN
from access.errors import InputError, OffNetworkError, OffNetworkWarning
from access.io.points import Points, as_points
from access.network.extent import extent_ids
from access.network.multimodal import Network
from access.network.snap import Snapped, point_sources, same_segment_pairs, snap_points, source_groups
from access.network.street import StreetNetwork

__all__ = [
    "street_travel_times",
    "snap",
    "node_times",
    "check_budget_min",
    "long_table",
    "off_node_s",
    "off_node_pairs",
    "collect_notes",
    "note",
]

# Off-network notes of the calls made inside `collect_notes()` (per thread and task, unlike
# the process-wide warnings filters a server cannot swap safely under concurrent requests).
_NOTES: ContextVar[list[str] | None] = ContextVar("access_notes", default=None)


@contextmanager
def collect_notes():
    """Collect, as text, the notes (off-network points, searches cut by the extract) of the
    library calls made in this block (they are still emitted as warnings too)."""
    token = _NOTES.set([])
    try:
        yield _NOTES.get()
    finally:
        _NOTES.reset(token)


_BATCH = 512  # origins per parallel batch: bounds memory to batch x destinations floats
_REACH_CHUNK = 256  # origins per thread task of street_reach (pairs of one chunk held at once)
_COINCIDENT_M = 1.0  # metres: points this close are the same place (0 s apart)


def check_budget_min(value: float, what: str = "max_time_min") -> float:
    """A positive time budget in minutes, at most :data:`MAX_TIME_LIMIT_MIN`."""
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"{what} must be a positive number of minutes, got {value}.")
    if value > MAX_TIME_LIMIT_MIN:
        raise InputError(f"{what} = {value} min exceeds the limit of {MAX_TIME_LIMIT_MIN} min.")
    return float(value)


def snap(street: StreetNetwork, points: Points, *, what: str = "points", strict: bool = False) -> Snapped:
    """Snap :class:`Points` (other inputs go through :func:`access.io.points.as_points`)
    to ``street``. Off-network points raise :class:`OffNetworkError` when ``strict``, else
    warn with their count (their results become NaN)."""
    points = as_points(points, what=what)
    x, y = points.projected(street.crs_epsg)
    snapped = snap_points(street, x, y)
    off = int((~snapped.ok).sum())
    if off:
        first = int(np.argmin(snapped.ok))
        lonlat = np.array([points.lon[first], points.lat[first]]).round(5).tolist()
        message = (
            f"{off} of {len(snapped)} {what} lie more than {street.max_snap_m:.0f} m from the "
            f"{street.mode} network (first: id {points.ids[first]} at {lonlat})"
        )
        if off == len(snapped):  # nothing to route: a wrong file or region, not a few strays
            raise OffNetworkError(
                f"all {message}; {_off_network_hint(street, np.column_stack((points.lon, points.lat)))}"
            )
        if strict:
            raise OffNetworkError(message + "; move them or raise max_snap_m.")
        note(message + "; their travel times are NaN.", OffNetworkWarning, stacklevel=4)
    return snapped


def note(message: str, category: type[Warning], *, stacklevel: int = 2) -> None:
    """Warn with ``message``, and keep it as text for :func:`collect_notes` when inside one."""
    notes = _NOTES.get()
    if notes is not None:
        notes.append(message)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def _off_network_hint(street: StreetNetwork, coords: np.ndarray) -> str:
    """What to check when no point is near the network: swapped lon/lat, or the region."""
    min_lon, min_lat, max_lon, max_lat = street.bounds()
    lon, lat = coords[:, 1], coords[:, 0]  # read the other way round
    if bool(np.any((lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat))):
        return "lon and lat look swapped (read as lat, lon they fall on the network)."
    return (
        f"the network covers lon {min_lon:.4f}..{max_lon:.4f}, lat {min_lat:.4f}..{max_lat:.4f}: "
        "check the points' file and the OSM extract."
    )


def node_times(street: StreetNetwork, snapped: Snapped, index: int, limit_s: int) -> np.ndarray:
    """float64 seconds from snapped point ``index`` to every node (inf beyond ``limit_s``)."""
    nodes, costs = point_sources(snapped, index)
    return one_to_all_seconds(street.indptr, street.indices, street.travel_s, nodes, costs, limit_s)


def street_travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    mode: str = DEFAULT_MODE,
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    progress: bool = False,
) -> pd.DataFrame:
    """Street travel times from every origin to every destination.

    Parameters
    ----------
    network
        A :class:`access.Network` with ``mode`` built.
    origins, destinations
        Points in EPSG:4326: GeoDataFrame (``id`` column or the row number), DataFrame with
        lon/lat, ``(lon, lat)`` tuples, an ``(n, 2)`` array or :class:`Points`, normalised
        once here. Destinations default to the origins.
    mode
        ``"walk"``, ``"bike"`` or ``"car"``.
    max_time_min
        Search budget in minutes; longer trips are NaN. No 120-minute ceiling.

    Returns
    -------
    DataFrame with ``from_id``, ``to_id``, ``travel_time_min`` (float minutes, NaN when not
    reachable within the budget or when a point lies off the network), origin-major order.
    """
    street = network.street(mode)
    limit_s = int(round(check_budget_min(max_time_min) * 60))
    same = destinations is None
    origins = as_points(origins, what="origins")
    destinations = origins if same else as_points(destinations, what="destinations")
    o = snap(street, origins, what="origins")
    d = o if same else snap(street, destinations, what="destinations")
    seconds = np.full((len(o), len(d)), np.inf)
    batches = range(0, len(o), _BATCH)
    for start in tqdm(batches, desc=f"{mode} travel times", unit="batch", disable=not progress):
        checkpoint()
        rows = np.arange(start, min(start + _BATCH, len(o)))
        rows = rows[o.ok[rows]]
        if len(rows) == 0:
            continue
        ptr, nodes, costs = source_groups(o, rows)
        seconds[rows] = many_to_all_points(
            street.indptr,
            street.indices,
            street.travel_s,
            ptr,
            nodes,
            costs,
            limit_s,
            d.a,
            d.b,
            d.from_a,
            d.from_b,
        )
    rows, cols, along = off_node_pairs(street, o, d)
    np.minimum.at(seconds, (rows, cols), along)
    seconds[seconds > limit_s] = np.inf
    table = long_table(origins.ids, destinations.ids, {"travel_time_min": seconds})
    # origins whose search reached the edge of the data: places beyond it are missing
    table.attrs["truncated_by_extent"] = extent_ids(street, o, np.asarray(origins.ids), limit_s)
    return table


@dataclass(frozen=True)
class Reach:
    """Destinations reached from a chunk of origins, as sparse pairs: origin ``rows``
    (positions in the origins, ascending), and per pair the origin (``o``, a position in
    the origins), the destination (``d``, a position in the destinations) and the
    ``seconds``, origin-major with destinations ascending (the order of the long table)."""

    rows: np.ndarray  # int64
    o: np.ndarray  # int64
    d: np.ndarray  # int64
    seconds: np.ndarray  # float64


def street_reach(
    network: Network,
    origins: Points,
    destinations: Points | None = None,
    *,
    mode: str = "walk",
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    progress: bool = False,
) -> tuple[Snapped, Iterator[Reach]]:
    """What :func:`street_travel_times` computes, as sparse pairs within the budget, chunk
    by chunk: ``(snapped origins, iterator of Reach)``.

    The same Dijkstra from the same snapped points, the same destinations' edge ends and
    off-node trips, so every pair and its seconds equal the long table's finite entries,
    but memory is O(nodes + destinations + the pairs of the chunks in flight), never
    origins x destinations (aggregating measures consume chunk by chunk). Chunks of
    :data:`_REACH_CHUNK` on-network origins run in threads (numba releases the GIL).
    """
    street = network.street(mode)
    limit_s = int(round(check_budget_min(max_time_min) * 60))
    same = destinations is None
    origins = as_points(origins, what="origins")
    destinations = origins if same else as_points(destinations, what="destinations")
    o = snap(street, origins, what="origins")
    d = o if same else snap(street, destinations, what="destinations")
    # destinations hang off the nodes at the ends of their edge (the seconds from there)
    ends = np.r_[d.a, d.b].astype(np.int64)
    cost = np.r_[d.from_a, d.from_b]
    owner = np.r_[np.arange(len(d)), np.arange(len(d))]
    keep = np.isfinite(cost) & np.r_[d.ok, d.ok]
    order = np.argsort(ends[keep], kind="stable")
    node_dst, node_cost = owner[keep][order], cost[keep][order]
    node_ptr = np.zeros(street.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends[keep], minlength=street.n_nodes), out=node_ptr[1:])
    rows_off, cols_off, secs_off = off_node_pairs(street, o, d)
    finite = np.isfinite(secs_off)
    rows_off, cols_off, secs_off = rows_off[finite], cols_off[finite], secs_off[finite]
    by_origin = np.lexsort((cols_off, rows_off))
    off_dst, off_s = cols_off[by_origin], secs_off[by_origin]
    off_ptr = np.zeros(len(o) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows_off, minlength=len(o)), out=off_ptr[1:])
    ptr, nodes, costs = source_groups(o, np.arange(len(o)))
    ok_rows = np.flatnonzero(o.ok)

    def run(rows: np.ndarray) -> Reach:
        row, dst, seconds = reach_rows(
            street.indptr,
            street.indices,
            street.travel_s,
            ptr,
            nodes,
            costs,
            rows,
            limit_s,
            node_ptr,
            node_dst,
            node_cost,
            off_ptr,
            off_dst,
            off_s,
            len(d),
        )
        return Reach(rows, row, dst, seconds)

    chunks = [ok_rows[i : i + _REACH_CHUNK] for i in range(0, len(ok_rows), _REACH_CHUNK)]
    bar = tqdm(total=len(ok_rows), desc=f"{mode} reach", unit="origin", disable=not progress)
    return o, _threaded(run, chunks, bar)


def _threaded(run, chunks: list, bar) -> Iterator:
    """``run(chunk)`` for every chunk in threads, yielded in order, at most two per thread
    in flight (so the pairs held stay bounded)."""
    workers = max(1, min(nb.get_num_threads(), len(chunks)))
    with ThreadPoolExecutor(workers) as pool:
        pending: deque = deque()
        todo = iter(chunks)
        try:
            for chunk in todo:
                pending.append(pool.submit(run, chunk))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                checkpoint()
                result = pending.popleft().result()
                chunk = next(todo, None)
                if chunk is not None:
                    pending.append(pool.submit(run, chunk))
                bar.update(len(result.rows))
                yield result
        finally:
            for future in pending:
                future.cancel()
            bar.close()


def off_node_pairs(street: StreetNetwork, o: Snapped, d: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trips that pass no node, as (origin row, destination row, seconds): along a shared
    edge, or 0 between coincident points (closer than 1 m). Sparse: found by sorting and a
    KD-tree, so memory grows with the pairs found, not with origins x destinations."""
    rows, cols, seconds = same_segment_pairs(street, o, d)
    o_ok, d_ok = np.flatnonzero(o.ok), np.flatnonzero(d.ok)
    if len(o_ok) and len(d_ok):
        # candidates from the tree, then the same test as ever (np.hypot < 1 m) decides
        tree = cKDTree(np.column_stack([d.x[d_ok], d.y[d_ok]]))
        near = cKDTree(np.column_stack([o.x[o_ok], o.y[o_ok]])).sparse_distance_matrix(
            tree, _COINCIDENT_M * (1 + 1e-9), output_type="ndarray"
        )
        ci, cj = o_ok[near["i"]], d_ok[near["j"]]
        hit = np.hypot(o.x[ci] - d.x[cj], o.y[ci] - d.y[cj]) < _COINCIDENT_M
        rows, cols = np.r_[rows, ci[hit]], np.r_[cols, cj[hit]]
        seconds = np.r_[seconds, np.zeros(int(hit.sum()))]
    return rows, cols, seconds


def off_node_s(street: StreetNetwork, o: Snapped, d: Snapped) -> np.ndarray:
    """Origins x destinations seconds of trips that pass no node: along a shared edge, or
    0 between coincident points (inf elsewhere)."""
    out = np.full((len(o), len(d)), np.inf)
    rows, cols, seconds = off_node_pairs(street, o, d)
    np.minimum.at(out, (rows, cols), seconds)
    return out


def long_table(from_ids: np.ndarray, to_ids: np.ndarray, seconds: dict[str, np.ndarray]) -> pd.DataFrame:
    """Origin-major long table from ``(n_from, n_to)`` second matrices (inf -> NaN minutes).

    The id columns are the ids' own (inferred) arrays taken by position, so 1.5 M string
    ids cost a gather of the few distinct ones rather than 1.5 M conversions."""
    n_from, n_to = len(from_ids), len(to_ids)
    columns = {"from_id": _repeat_ids(from_ids, n_to, each=True), "to_id": _repeat_ids(to_ids, n_from, each=False)}
    for name, matrix in seconds.items():
        minutes = np.divide(matrix, 60.0)
        minutes[~np.isfinite(minutes)] = np.nan
        columns[name] = minutes.ravel()
    return pd.DataFrame(columns, copy=False)


def _repeat_ids(ids: np.ndarray, times: int, *, each: bool):
    """``np.repeat`` (``each``) or ``np.tile`` of ``ids`` as the array pandas makes of them
    in a column (int64, str, object...): numpy ids are repeated as they are, others
    converted once and gathered by position."""
    array = pd.Series(np.asarray(ids), copy=False).array
    if isinstance(array, NumpyExtensionArray):
        values = array.to_numpy()
        return np.repeat(values, times) if each else np.tile(values, times)
    positions = np.repeat(np.arange(len(ids)), times) if each else np.tile(np.arange(len(ids)), times)
    return array.take(positions)
