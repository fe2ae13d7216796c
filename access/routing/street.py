"""Street travel times: one origin to all nodes, and origins x destinations matrices."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
from pandas.arrays import NumpyExtensionArray
from scipy.spatial import cKDTree
from tqdm.auto import tqdm

from access._kernels.dijkstra import UNREACHED, many_to_all_points, one_to_all
from access.config import DEFAULT_MAX_TIME_MIN, MAX_TIME_LIMIT_MIN
from access.errors import InputError, OffNetworkError, OffNetworkWarning
from access.io.points import Points, as_points
from access.network.multimodal import Network
from access.network.snap import Snapped, same_segment_pairs, snap_points, source_groups
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
]

# Off-network notes of the calls made inside `collect_notes()` (per thread and task, unlike
# the process-wide warnings filters a server cannot swap safely under concurrent requests).
_NOTES: ContextVar[list[str] | None] = ContextVar("access_notes", default=None)


@contextmanager
def collect_notes():
    """Collect, as text, the off-network notes of the library calls made in this block
    (they are still emitted as :class:`OffNetworkWarning` too)."""
    token = _NOTES.set([])
    try:
        yield _NOTES.get()
    finally:
        _NOTES.reset(token)


_BATCH = 512  # origins per parallel batch: bounds memory to batch x destinations floats
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
        if strict:
            raise OffNetworkError(message + "; move them or raise max_snap_m.")
        notes = _NOTES.get()
        if notes is not None:
            notes.append(message + "; their travel times are NaN.")
        warnings.warn(message + "; their travel times are NaN.", OffNetworkWarning, stacklevel=3)
    return snapped


def node_times(street: StreetNetwork, snapped: Snapped, index: int, limit_s: int) -> np.ndarray:
    """float64 seconds from snapped point ``index`` to every node (inf beyond ``limit_s``)."""
    _, nodes, costs = source_groups(snapped, np.array([index]))
    dist = one_to_all(street.indptr, street.indices, street.travel_s, nodes, costs, limit_s)
    return np.where(dist == UNREACHED, np.inf, dist.astype(np.float64))


def street_travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    mode: str = "walk",
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
    return long_table(origins.ids, destinations.ids, {"travel_time_min": seconds})


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
