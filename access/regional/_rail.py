"""Place-to-place road + rail times: range-RAPTOR from each place's access stations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from access._cancel import checkpoint
from access._kernels.raptor import range_raptor
from access.routing.matrix import window_percentiles
from access.routing.transit import _propagate

__all__ = ["rail_matrix_seconds"]


def _egress_csr(egress: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR (by stop) of the finite entries of a ``(n_stops, n_places)`` seconds matrix."""
    s, k = np.nonzero(np.isfinite(egress))
    ptr = np.r_[0, np.cumsum(np.bincount(s, minlength=egress.shape[0]))].astype(np.int64)
    return ptr, k.astype(np.int32), egress[s, k].astype(np.int64)


def rail_matrix_seconds(
    transit,
    access: np.ndarray,
    egress: np.ndarray,
    road: np.ndarray,
    rows: np.ndarray,
    departures_s: np.ndarray,
    percentiles: Sequence[float],
    max_transfers: int,
    *,
    progress: bool = False,
) -> np.ndarray:
    """``(n_pct, len(rows), n_places)`` float seconds door to door by road + rail.

    ``access``: ``(n_places, n_stops)`` road seconds to each stop plus the first-boarding
    extra (inf: not used); ``egress``: ``(n_stops, n_places)``; ``road``: direct road
    seconds ``(n_places, n_places)``. Per departure minute the time is the minimum of the
    direct road and every access + rides + egress (waiting at the origin included); the
    percentile over the window follows :func:`access.routing.matrix.window_percentiles`.
    """
    departures_s = np.asarray(departures_s, dtype=np.int64)
    ptr, target, secs = _egress_csr(egress)
    n = road.shape[1]
    out = np.empty((len(percentiles), len(rows), n), dtype=np.float64)
    per_departure = np.empty((len(departures_s), n), dtype=np.float64)
    for k, i in enumerate(tqdm(rows, desc="road + rail", unit="place", disable=not progress)):
        checkpoint()
        stops = np.flatnonzero(np.isfinite(access[i]))
        direct = np.ascontiguousarray(road[i], dtype=np.float64)
        if len(stops) == 0:
            out[:, k, :] = direct[None, :]
            continue
        arrivals = range_raptor(transit, stops, access[i, stops].astype(np.int64), departures_s, max_transfers)
        _propagate(arrivals, departures_s, ptr, target, secs, direct, per_departure)
        out[:, k, :] = window_percentiles(per_departure, percentiles)
    return out
