"""travel_times: origins x destinations for any mode (street modes or transit)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_PERCENTILES, DEFAULT_WINDOW_MIN
from access.errors import InputError
from access.io.points import as_points
from access.network.multimodal import Network
from access.routing.street import check_budget_min, long_table, off_node_s, snap, street_travel_times
from access.routing.transit import (
    ACCESS_MODES,
    check_departure_date,
    parse_departures,
    stop_targets,
    transit_times_to_targets,
)

__all__ = ["travel_times", "check_percentiles", "percentile_columns", "window_percentiles"]


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


def window_percentiles(seconds: np.ndarray, percentiles: Sequence[float]) -> np.ndarray:
    """``(len(percentiles), n_targets)`` percentiles over the departures (axis 0) of
    ``seconds``; unreached departures count as infinitely long trips, so a target
    reached in fewer than p % of departures has an infinite p-th percentile.
    The inverted-CDF definition picks an observed trip (no interpolation with inf)."""
    return np.percentile(seconds, list(percentiles), axis=0, method="inverted_cdf")


def travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    mode: str = "walk",
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    departure=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    access_mode: str = "walk",
    progress: bool = False,
    arrive_by=None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    out=None,
) -> pd.DataFrame:
    """Travel times from every origin to every destination, in minutes.

    Parameters
    ----------
    network
        A :class:`access.Network`.
    origins, destinations
        Points in EPSG:4326 (GeoDataFrame with ``id``, DataFrame with lon/lat, tuples,
        arrays). Destinations default to the origins.
    mode
        ``"walk"``, ``"bike"``, ``"car"`` or ``"transit"`` (scheduled transit and rail
        with ``access_mode`` to the first stop and walking egress; a direct walk counts).
    max_time_min
        Budget in minutes (no 120-minute ceiling); longer trips are NaN.
    departure, window_min, percentiles
        Transit only: departures every minute from ``departure`` (``"07:00"`` or
        ``"2019-05-13T07:00"``) over ``window_min`` minutes; the travel time reported is
        each percentile of the per-minute travel times (waiting at the origin included).
    arrive_by
        Instead of ``departure``: arrive at each destination by every minute of the
        ``window_min`` window ending at ``arrive_by`` (``"09:00"``; window 30 → deadlines
        08:31 … 09:00). Transit: reverse range-RAPTOR, travel time = deadline − latest
        departure (waiting at the destination included), walking access only. Street
        modes do not depend on the clock: same times, computed on the reverse graph.
    scheduler, batch_size, out
        Any of them given: run in batches of origins via
        :func:`access.routing.scale.travel_time_matrix` (``"processes"``, dask ``"local"``
        or ``"tcp://host:port"``; ``out`` a ``.parquet`` path to stream to, then returned).

    Returns
    -------
    DataFrame ``from_id``, ``to_id`` and ``travel_time_min`` (or ``travel_time_p{NN}_min``
    per percentile), origin-major order; NaN where not reachable.
    """
    if arrive_by is not None:
        from access.routing.inbound import inbound_street_travel_times, inbound_transit_travel_times
        from access.routing.transit import check_time_options

        check_time_options(departure, arrive_by)
        if scheduler is not None or batch_size is not None or out is not None:
            raise InputError("arrive_by runs in this process: drop scheduler/batch_size/out.")
        if mode != "transit":
            return inbound_street_travel_times(
                network, origins, destinations, mode=mode, max_time_min=max_time_min, progress=progress
            )
        return inbound_transit_travel_times(
            network,
            origins,
            destinations,
            arrive_by=arrive_by,
            max_time_min=max_time_min,
            window_min=window_min,
            percentiles=percentiles,
            access_mode=access_mode,
            progress=progress,
        )
    if scheduler is not None or batch_size is not None or out is not None:
        from access.routing.scale import travel_time_matrix

        return travel_time_matrix(
            network,
            origins,
            destinations,
            mode=mode,
            max_time_min=max_time_min,
            departure=departure,
            window_min=window_min,
            percentiles=percentiles,
            access_mode=access_mode,
            progress=progress,
            scheduler=scheduler,
            batch_size=batch_size,
            out=out,
        )
    if mode != "transit":
        return street_travel_times(
            network, origins, destinations, mode=mode, max_time_min=max_time_min, progress=progress
        )
    transit = network.require_transit()
    if access_mode not in ACCESS_MODES:
        raise InputError(f"unknown access mode {access_mode!r}; use one of {', '.join(ACCESS_MODES)}.")
    limit_s = int(round(check_budget_min(max_time_min) * 60))
    pct = check_percentiles(percentiles)
    departures = parse_departures(departure, window_min)
    check_departure_date(departures, transit)
    walk = network.street("walk")
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    o_walk = snap(walk, origin_frame, what="origins")
    o_access = snap(network.street(access_mode), origin_frame, what="origins") if access_mode != "walk" else None
    d_walk = snap(walk, dest_frame, what="destinations")
    settings = network.transit_settings
    targets = stop_targets(walk, transit, d_walk, settings)
    result = np.full((len(pct), len(origin_frame), len(dest_frame)), np.inf)
    walk_only = off_node_s(walk, o_walk, d_walk)  # trips along one edge, coincident points
    walk_only[walk_only > limit_s] = np.inf  # the budget holds for them too

    def one_origin(k: int, threads: bool) -> None:
        seconds = transit_times_to_targets(
            network,
            o_walk,
            k,
            targets,
            departures,
            access_mode=access_mode,
            max_time_s=limit_s,
            settings=settings,
            origin_access=o_access,
            threads=threads,
        )
        seconds = np.minimum(seconds, walk_only[k][None, :])
        seconds[:, ~d_walk.ok] = np.inf
        result[:, k, :] = window_percentiles(seconds, pct)

    rows = np.flatnonzero(o_walk.ok)
    workers = min(_transit_threads(), len(rows))
    with tqdm(total=len(rows), desc="transit travel times", unit="origin", disable=not progress) as bar:
        if len(rows):  # the first origin alone: fills the network's lazy caches before threads share them
            one_origin(int(rows[0]), True)
            bar.update()
        if workers <= 1:
            for k in rows[1:]:
                one_origin(int(k), True)
                bar.update()
        else:
            # numba kernels release the GIL: origins run in threads, each kernel single-threaded
            pool = ThreadPoolExecutor(workers)
            try:
                for _ in pool.map(lambda k: one_origin(int(k), False), rows[1:]):
                    bar.update()
            finally:  # an error or Ctrl-C drops the queued origins instead of running them all
                pool.shutdown(wait=True, cancel_futures=True)
    names = percentile_columns(pct)
    return long_table(
        origin_frame["id"].to_numpy(), dest_frame["id"].to_numpy(), {name: result[i] for i, name in enumerate(names)}
    )
