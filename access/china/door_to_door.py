"""Door-to-door times from many origins (2,948 county seats) to a few centres by road and by
road + rail over a departure window, on the national rail layer.

A journey: the seat drives to a station (the approximate road model, or OSM), pays the
station penalty there (security check), rides trains (every change costs the minimum
transfer time), and drives from the arrival station to the centre; the direct drive
competes. Rather than one range-RAPTOR per origin (the reference, what
:class:`access.regional.network.RegionalNetwork` does), every station is searched once: a
range-RAPTOR from the station alone over the departures of its own trains gives its
profile - for each moment one can stand there and still catch a train, the earliest
arrival at each centre. An origin's time for a departure is then the best over its access
stations of the profile at (departure + road + penalty): exact, because the profile is a
step function that only changes at those moments, and every station profile serves all
origins and centres at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from os import cpu_count

import numpy as np
from scipy.spatial import cKDTree

from access._kernels.raptor import NEVER, range_raptor
from access.china._profile import merge_profiles
from access.config import DEFAULT_PERCENTILE, RegionalSettings, TransitSettings
from access.regional.roads import ApproxRoads, approx_road_seconds
from access.regional.stations import regional_copy, station_penalties_s

__all__ = ["DoorToDoor", "door_to_door"]


@dataclass(frozen=True)
class DoorToDoor:
    """Seconds from each origin to each centre: ``road_s`` ``(n_o, n_c)`` (inf:
    unreachable); ``road_rail_s`` ``(n_o, n_c)``: the window percentile of min(road,
    rail) per departure, inf beyond ``max_time_s``; ``station`` ``(n_o, n_c)``: index
    into ``stop_names`` of the station used at that percentile (-1: by road);
    ``per_departure_s`` ``(n_o, n_c, n_dep)``."""

    road_s: np.ndarray
    road_rail_s: np.ndarray
    station: np.ndarray
    per_departure_s: np.ndarray
    stop_names: np.ndarray
    departures_s: np.ndarray
    max_time_s: float


def _stop_departures(transit) -> tuple[np.ndarray, np.ndarray]:
    """(stop, departure seconds) of every trip at every stop but a pattern's last."""
    stops_out, times_out = [], []
    for p in range(transit.n_patterns):
        stops = transit.pattern_stops[transit.pattern_stop_ptr[p] : transit.pattern_stop_ptr[p + 1]]
        n = len(stops)
        n_trips = transit.pattern_trip_ptr[p + 1] - transit.pattern_trip_ptr[p]
        base = transit.pattern_time_ptr[p]
        dep = transit.departure_s[base : base + n_trips * n].reshape(n_trips, n)[:, : n - 1]
        stops_out.append(np.broadcast_to(stops[: n - 1], dep.shape).ravel())
        times_out.append(dep.ravel())
    return np.concatenate(stops_out).astype(np.int64), np.concatenate(times_out).astype(np.int64)


def door_to_door(
    transit,
    origins_xy: np.ndarray,
    centres_xy: np.ndarray,
    roads,
    *,
    departures_s: np.ndarray,
    percentile: float = DEFAULT_PERCENTILE,
    settings: RegionalSettings | None = None,
    transit_settings: TransitSettings | None = None,
    max_time_s: float = np.inf,
    threads: int | None = None,
) -> DoorToDoor:
    """Door-to-door seconds from ``origins_xy`` ``(n_o, 2)`` lon/lat to ``centres_xy``.

    ``transit``: a :class:`~access.network.transit.TransitNetwork` (the national layer's),
    turned into the regional copy here (:func:`access.regional.stations.regional_copy`),
    so the numbers equal :class:`~access.regional.network.RegionalNetwork`'s on the same
    inputs. ``roads``: an :class:`~access.regional.roads.ApproxRoads` (or any object with
    ``seconds(src, dst)``). ``departures_s``: seconds since midnight, ascending.
    """
    settings = settings or RegionalSettings()
    transit_settings = transit_settings or TransitSettings()
    departures_s = np.asarray(departures_s, dtype=np.int64)
    if len(departures_s) == 0 or np.any(np.diff(departures_s) < 0):
        raise ValueError("departures_s must be non-empty and ascending")
    penalty = station_penalties_s(transit, settings)
    copy = regional_copy(transit, settings)
    stops_xy = np.c_[copy.stop_lon, copy.stop_lat]
    limit = settings.max_access_min * 60.0
    extra = penalty - copy.stop_board_penalty_s  # >= 0: the penalty beyond a transfer
    o_idx, s_idx, a_s = _access_pairs(roads, np.asarray(origins_xy, float), stops_xy, limit)
    a_s = np.rint(a_s + extra[s_idx]).astype(np.int64)
    egress = roads.seconds(stops_xy, centres_xy) if not roads.approximate else roads.seconds(centres_xy, stops_xy).T
    egress[egress > limit] = np.inf
    egress = np.rint(egress)
    road = roads.seconds(origins_xy, centres_xy)

    # each station's profile: the moments that still catch each of its trips
    used = np.unique(s_idx)
    stop_of, dep_of = _stop_departures(copy)
    ready = dep_of - copy.stop_board_penalty_s[stop_of]
    horizon = departures_s[-1] + limit + extra.max(initial=0)
    keep = (ready >= departures_s[0]) & (ready <= horizon) & np.isin(stop_of, used)
    order = np.lexsort((ready[keep], stop_of[keep]))
    stop_k, ready_k = stop_of[keep][order], ready[keep][order]
    uniq = np.r_[True, (stop_k[1:] != stop_k[:-1]) | (ready_k[1:] != ready_k[:-1])]
    stop_k, ready_k = stop_k[uniq], ready_k[uniq]
    ptr = np.r_[0, np.cumsum(np.bincount(stop_k, minlength=copy.n_stops))].astype(np.int64)
    n_c = len(centres_xy)
    arrive = np.full((len(ready_k), n_c), NEVER, dtype=np.int64)
    egress_stops = [np.flatnonzero(np.isfinite(egress[:, c])) for c in range(n_c)]
    egress_secs = [egress[e, c].astype(np.int64) for c, e in enumerate(egress_stops)]

    def profile(s: int) -> None:
        lo, hi = ptr[s], ptr[s + 1]
        if lo == hi:
            return
        arr = range_raptor(copy, np.array([s]), np.array([0]), ready_k[lo:hi], transit_settings.max_transfers)
        for c in range(n_c):
            e = egress_stops[c]
            if len(e):
                at = arr[:, e]
                best = np.where(at < NEVER, at + egress_secs[c][None, :], NEVER).min(axis=1)
                arrive[lo:hi, c] = best

    busy = [int(s) for s in used if ptr[s + 1] > ptr[s]]
    workers = max(1, min(threads or cpu_count() or 1, 8))
    if workers > 1 and len(busy) > 1:
        with ThreadPoolExecutor(workers) as pool:  # numba kernels release the GIL
            list(pool.map(profile, busy))
    else:
        for s in busy:
            profile(s)

    # CSR of each origin's access stations
    access_ptr = np.r_[0, np.cumsum(np.bincount(o_idx, minlength=len(origins_xy)))].astype(np.int64)
    n_o, n_d = len(origins_xy), len(departures_s)
    out_s = np.empty((n_o, n_c, n_d), dtype=np.float64)
    out_stop = np.empty((n_o, n_c, n_d), dtype=np.int64)
    merge_profiles(
        access_ptr,
        s_idx.astype(np.int64),
        a_s,
        ptr,
        ready_k,
        arrive,
        departures_s,
        np.ascontiguousarray(road, dtype=np.float64),
        out_s,
        out_stop,
    )
    # a "journey" that drives to a station and on from it without a train: the road, up to
    # the rounding of the two legs; kept so the numbers equal the per-origin reference
    via = np.full((n_o, n_c), np.inf)
    for c in range(n_c):
        np.minimum.at(via[:, c], o_idx, a_s + egress[s_idx, c])
    better = via[:, :, None] < out_s
    out_s = np.where(better, via[:, :, None], out_s)
    out_stop = np.where(better, -1, out_stop)
    rank = _inverted_cdf_rank(n_d, percentile)
    order = np.argsort(out_s, axis=2, kind="stable")
    pick = np.take_along_axis(order, np.full((n_o, n_c, 1), rank), axis=2)[..., 0]
    value = np.take_along_axis(out_s, pick[..., None], axis=2)[..., 0]
    station = np.take_along_axis(out_stop, pick[..., None], axis=2)[..., 0]
    value = np.minimum(value, road)
    station = np.where(value < road, station, -1)
    value = np.where(value <= max_time_s, value, np.inf)
    station = np.where(np.isfinite(value), station, -1)  # beyond the budget: no journey reported
    return DoorToDoor(
        road_s=road,
        road_rail_s=value,
        station=station,
        per_departure_s=out_s,
        stop_names=np.asarray(copy.stop_name),
        departures_s=departures_s,
        max_time_s=float(max_time_s),
    )


def _access_pairs(roads, origins_xy: np.ndarray, stops_xy: np.ndarray, limit_s: float):
    """(origin, stop, road seconds) of every pair within ``limit_s``, sorted by origin.

    With the approximate model only pairs within its reach are timed (a KD-tree on the
    sphere): 35,000 townships x 1,600 stations need not be a dense matrix."""

    if type(roads) is ApproxRoads:

        def xyz(xy):
            lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
            return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]

        radius = 2 * np.sin(roads.reach_km(limit_s) * 1.001 / 6371.0088 / 2)  # chord of the reach
        hits = cKDTree(xyz(stops_xy)).query_ball_point(xyz(origins_xy), radius)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        o = np.repeat(np.arange(len(origins_xy)), counts)
        s = np.fromiter((k for h in hits for k in sorted(h)), dtype=np.int64, count=int(counts.sum()))

        secs = approx_road_seconds(origins_xy[o, 0], origins_xy[o, 1], stops_xy[s, 0], stops_xy[s, 1], roads.settings)
    else:
        dense = roads.seconds(origins_xy, stops_xy)
        o, s = np.nonzero(dense <= limit_s)
        secs = dense[o, s]
    keep = secs <= limit_s
    return o[keep], s[keep], secs[keep]


def _inverted_cdf_rank(n: int, percentile: float) -> int:
    """The order statistic numpy's ``inverted_cdf`` percentile picks among ``n`` values."""
    probe = np.percentile(np.arange(n, dtype=float), percentile, method="inverted_cdf")
    return int(probe)
