"""Transit travel-time matrices: origins x destinations by range-RAPTOR over a departure window."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

import numba as nb
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from access._cancel import checkpoint
from access._kernels.raptor import ALIGHTED, RIDDEN
from access._kernels.transit_matrix import walk_queries, walk_transit_matrix
from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_PERCENTILES, DEFAULT_WINDOW_MIN
from access.errors import InputError
from access.io.points import as_points
from access.network.extent import points_reach_extent
from access.network.multimodal import Network
from access.network.snap import source_groups
from access.routing.street import check_budget_min, long_table, off_node_s, snap
from access.routing.transit import (
    ACCESS_MODES,
    board_slack_s,
    dated_network,
    park_access,
    parse_departures,
    retimed,
    service_day,
    stop_targets,
    transit_times_to_targets,
    window_rides,
)

__all__ = [
    "transit_travel_times",
    "check_percentiles",
    "percentile_columns",
    "rides_columns",
    "window_percentiles",
    "transit_summary",
]


def _transit_threads() -> int:
    """Threads for many-origin transit runs: numba's thread count (``NUMBA_NUM_THREADS``)."""
    return max(int(nb.get_num_threads()), 1)


def check_percentiles(percentiles: Sequence[float]) -> list[float]:
    """Percentiles (0 < p ≤ 100), in the order given."""
    values = [float(p) for p in percentiles]
    if not values or any(not 0 < p <= 100 for p in values):
        raise InputError(f"percentiles must lie in (0, 100], got {list(percentiles)}.")
    return values


def percentile_columns(percentiles: Sequence[float]) -> list[str]:
    """``travel_time_min`` for one percentile, else ``travel_time_p{NN}_min`` each."""
    if len(percentiles) == 1:
        return ["travel_time_min"]
    return [f"travel_time_p{p:02.0f}_min" for p in percentiles]


def rides_columns(percentiles: Sequence[float]) -> list[str]:
    """``rides`` for one percentile, else ``rides_p{NN}`` each (the travel time columns' pair)."""
    if len(percentiles) == 1:
        return ["rides"]
    return [f"rides_p{p:02.0f}" for p in percentiles]


def transit_summary(table: pd.DataFrame) -> dict[str, float]:
    """Per travel-time column, the share of reached pairs whose trip rides transit (rides
    >= 1; the rest walked), from a transit table with ``rides`` columns."""
    shares = {}
    for time_col, rides_col in zip(
        [c for c in table.columns if c.startswith("travel_time")],
        [c for c in table.columns if c.startswith("rides")],
        strict=True,
    ):
        reached = table[time_col].notna()
        n = int(reached.sum())
        shares[time_col] = float((table.loc[reached, rides_col] >= 1).sum() / n) if n else float("nan")
    return shares


def window_percentiles(seconds: np.ndarray, percentiles: Sequence[float]) -> np.ndarray:
    """``(len(percentiles), n_targets)`` percentiles over the departures (axis 0) of
    ``seconds``; unreached departures count as infinitely long trips, so a target
    reached in fewer than p % of departures has an infinite p-th percentile.
    The inverted-CDF definition picks an observed trip (no interpolation with inf)."""
    return np.percentile(seconds, list(percentiles), axis=0, method="inverted_cdf")


def transit_travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    departure=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    access_mode: str = "walk",
    progress: bool = False,
) -> pd.DataFrame:
    """Transit travel times (minutes) from every origin to every destination, in this process.

    The transit branch of :func:`access.routing.matrix.travel_times` (see there for the
    parameters); origins run in threads, each numba kernel single-threaded.
    """
    network.require_transit()
    if access_mode not in ACCESS_MODES:
        raise InputError(f"unknown access mode {access_mode!r}; use one of {', '.join(ACCESS_MODES)}.")
    limit_s = int(round(check_budget_min(max_time_min) * 60))
    pct = check_percentiles(percentiles)
    departures = parse_departures(departure, window_min)
    network = dated_network(network, departures)
    transit = network.transit
    settings = network.transit_settings
    walk = network.street("walk")
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    o_walk = snap(walk, origin_frame, what="origins")
    o_access = snap(network.street(access_mode), origin_frame, what="origins") if access_mode != "walk" else None
    d_walk = snap(walk, dest_frame, what="destinations")
    parks = park_access(network, transit, settings) if access_mode == "car" else None
    # the destinations, then one more: the edge of the walk data (see truncated_by_extent)
    targets = stop_targets(walk, transit, d_walk, settings, edge=True)
    n_cols = len(dest_frame) + 1
    dest_ok = np.r_[d_walk.ok, True]
    # origins leave over R5-style connectors when the settings ask (access legs and direct walks)
    o_direct = retimed(o_walk, settings.point_connector_speed_kmh)
    result = np.full((len(pct), len(origin_frame), n_cols), np.inf)
    rides = np.full((len(pct), len(origin_frame), n_cols), -1, dtype=np.int8)
    walk_only = np.full((len(origin_frame), n_cols), np.inf)
    walk_only[:, :-1] = off_node_s(walk, o_direct, retimed(d_walk, settings.point_connector_speed_kmh))
    # trips along one edge and coincident points: the budget and the walking limit hold too
    walk_limit_s = min(limit_s, settings.max_walk_min * 60)
    walk_only[walk_only > walk_limit_s] = np.inf

    def one_origin(k: int, threads: bool) -> None:
        seconds, counts = transit_times_to_targets(
            network,
            o_direct,
            k,
            targets,
            departures,
            access_mode=access_mode,
            max_time_s=limit_s,
            settings=settings,
            origin_access=o_access,
            threads=threads,
            parks=parks,
            with_rides=True,
        )
        along = walk_only[k][None, :] <= seconds
        seconds = np.where(along, walk_only[k][None, :], seconds)
        counts = np.where(along & np.isfinite(seconds), 0, counts).astype(np.int8)
        seconds[:, ~dest_ok] = np.inf
        counts[:, ~dest_ok] = -1
        result[:, k, :], rides[:, k, :] = window_rides(seconds, counts, pct)

    rows = np.flatnonzero(o_walk.ok)
    if access_mode == "walk" and not _PER_ORIGIN.get():
        _fused_walk_matrix(
            network, o_direct, rows, targets, departures, pct, walk_only, dest_ok, limit_s, result, rides, progress
        )
    else:
        _per_origin(one_origin, rows, network, access_mode, progress)
    # origins that reach the edge of the data: by transit and an egress walk, or walking
    cut = np.isfinite(result[:, :, -1]).any(axis=0) | points_reach_extent(walk, o_direct, walk_limit_s)
    result, rides = result[:, :, :-1], rides[:, :, :-1]
    names = percentile_columns(pct)
    table = long_table(origin_frame.ids, dest_frame.ids, {name: result[i] for i, name in enumerate(names)})
    for i, name in enumerate(rides_columns(pct)):
        table[name] = _rides_array(rides[i])
    table.attrs["truncated_by_extent"] = np.asarray(origin_frame.ids)[cut].tolist()
    table.attrs.update(service_day(transit, departures))
    table.attrs["transit_share"] = _transit_shares(names, result, rides)
    return table


def _transit_shares(names: list[str], seconds: np.ndarray, rides: np.ndarray) -> dict[str, float]:
    """:func:`transit_summary` from the matrices the table is built of (reached: finite
    seconds; by transit: rides >= 1), without a pass over the table's 1.5 M rows."""
    shares = {}
    for i, name in enumerate(names):
        reached = np.isfinite(seconds[i])
        n = int(np.count_nonzero(reached))
        shares[name] = float(np.count_nonzero(reached & (rides[i] >= 1)) / n) if n else float("nan")
    return shares


# Origins per call of the fused kernel: a progress update (and a chance for Ctrl-C or a
# cancellation) between calls; big enough that numba's threads stay busy. Long windows route
# every minute, so their calls take fewer origins: about _FUSED_WORK origin-departures each.
_FUSED_CHUNK = 128
_FUSED_WORK = 128 * 60


def _fused_chunk(n_departures: int) -> int:
    """Origins per fused-kernel call for a window of ``n_departures`` departure minutes."""
    return max(2 * nb.get_num_threads(), min(_FUSED_CHUNK, _FUSED_WORK // max(n_departures, 1)))


# True: every access mode through the per-origin Python path (the fused kernel's reference).
_PER_ORIGIN: ContextVar[bool] = ContextVar("access_transit_per_origin", default=False)


def _fused_walk_matrix(
    network, o_direct, rows, targets, departures, pct, walk_only, dest_ok, limit_s, result, rides, progress
) -> None:
    """Walk-access matrix through :func:`access._kernels.transit_matrix.walk_transit_matrix`
    (numba threads over origins), filling ``result`` / ``rides`` rows."""

    transit, settings = network.transit, network.transit_settings
    walk = network.street("walk")
    walk_limit_s = min(int(limit_s), int(round(settings.max_walk_min * 60)))
    search_s = max(walk_limit_s, int(round(settings.max_access_walk_min * 60)))
    src_ptr, src_nodes, src_cost = source_groups(o_direct, np.arange(len(o_direct)))
    n_dep = len(departures.seconds)
    pct_index = np.array([min(max(int(np.ceil(n_dep * float(p) / 100)) - 1, 0), n_dep - 1) for p in pct])
    stops = transit.links.on(walk)
    queries = walk_queries(walk, stops, targets)
    with tqdm(total=len(rows), desc="transit travel times", unit="origin", disable=not progress) as bar:
        size = _fused_chunk(n_dep)
        for start in range(0, len(rows), size):
            checkpoint()
            chunk = rows[start : start + size]
            times, counts = walk_transit_matrix(
                walk,
                transit,
                src_ptr,
                src_nodes,
                src_cost,
                chunk,
                stops,
                targets,
                departures.seconds,
                walk_only,
                dest_ok,
                pct_index,
                search_s=search_s,
                access_limit_s=settings.max_access_walk_min * 60,
                max_access_stops=settings.max_access_stops or 0,
                walk_limit_s=walk_limit_s,
                max_time_s=limit_s,
                max_transfers=settings.max_transfers,
                board_slack_s=board_slack_s(settings),
                labels=RIDDEN if settings.transfer_before_egress else ALIGHTED,
                queries=queries,
            )
            result[:, chunk, :] = times
            rides[:, chunk, :] = counts
            bar.update(len(chunk))


def _per_origin(one_origin, rows, network, access_mode, progress) -> None:
    """Origins one by one in Python (numba kernels in threads): bike and car access."""
    workers = min(_transit_threads(), len(rows))
    if access_mode != "walk":
        network.transit.links.on(network.street(access_mode))  # built once here, not raced for by threads
    with tqdm(total=len(rows), desc="transit travel times", unit="origin", disable=not progress) as bar:
        if workers <= 1:
            for k in rows:
                checkpoint()
                one_origin(int(k), True)
                bar.update()
        else:
            # numba kernels release the GIL: origins run in threads, each kernel single-threaded
            pool = ThreadPoolExecutor(workers)
            try:
                for _ in pool.map(lambda k: one_origin(int(k), False), rows):
                    checkpoint()
                    bar.update()
            finally:  # an error or Ctrl-C drops the queued origins instead of running them all
                pool.shutdown(wait=True, cancel_futures=True)


def _rides_array(counts: np.ndarray) -> np.ndarray:
    """Rides as float64 (NaN where unreached, like the travel times beside them, so every
    column converts to numbers alike) from an int8 matrix with -1 for unreached."""
    flat = counts.ravel().astype(np.float64)
    flat[flat < 0] = np.nan
    return flat
