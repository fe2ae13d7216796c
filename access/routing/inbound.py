"""Arrive-by (inbound) routing: reverse street graphs and arrive-by travel-time matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from access._cancel import checkpoint
from access._kernels.dijkstra import many_to_all_points, one_to_all_seconds
from access.config import DEFAULT_MODE, DEFAULT_WINDOW_MIN
from access.errors import InputError
from access.io.points import as_points
from access.network.extent import extent_ids, points_reach_extent
from access.network.multimodal import Network
from access.network.snap import Snapped, point_sources
from access.network.street import StreetNetwork
from access.routing.street import check_budget_min, long_table, off_node_s, snap
from access.routing.transit import (
    dated_network,
    parse_deadlines,
    retimed,
    service_day,
    stop_targets,
    transit_times_from_sources,
    window_rides,
)
from access.routing.transit_matrix import (
    _rides_array,
    _transit_shares,
    check_percentiles,
    percentile_columns,
    rides_columns,
)

__all__ = ["reverse_csr", "inbound_node_times", "inbound_street_travel_times", "inbound_transit_travel_times"]

_BATCH = 512  # destinations per parallel batch (memory: batch x origins floats)


def reverse_csr(street: StreetNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The transpose of ``street``'s CSR (``indptr``, ``indices``, ``travel_s``): edge
    u -> v of t seconds becomes v -> u, so Dijkstra from a destination gives every node's
    time *to* it. Built once per network (:attr:`StreetNetwork.reverse`)."""
    return street.reverse


def _inbound_groups(snapped: Snapped, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reverse-Dijkstra sources of snapped destinations: the edge ends a point is entered
    from, with the seconds from that end to the point (``from_a``/``from_b``, so the
    direction of the partial edge is the one driven into the point)."""
    nodes = np.stack([snapped.a[rows], snapped.b[rows]], axis=1)
    costs = np.stack([snapped.from_a[rows], snapped.from_b[rows]], axis=1)
    usable = np.isfinite(costs)
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(usable.sum(axis=1), out=ptr[1:])
    return ptr, nodes[usable], np.rint(costs[usable]).astype(np.int64)


def inbound_node_times(street: StreetNetwork, snapped: Snapped, index: int, limit_s: int) -> np.ndarray:
    """float64 seconds from every node *to* snapped point ``index`` (inf beyond ``limit_s``),
    by Dijkstra on the reverse graph; one-way streets count in their legal direction."""
    indptr, indices, travel = reverse_csr(street)
    nodes, costs = point_sources(snapped, index, inbound=True)
    return one_to_all_seconds(indptr, indices, travel, nodes, costs, limit_s)


def inbound_street_travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    mode: str = DEFAULT_MODE,
    max_time_min: float,
    progress: bool = False,
) -> pd.DataFrame:
    """Street travel times computed destination by destination on the reverse graph.

    Street times do not depend on the time of day, so the result equals the depart-at
    matrix; the reverse search is the cheaper one when destinations are fewer than origins.
    Same columns as :func:`access.routing.street.street_travel_times`.
    """
    street = network.street(mode)
    limit_s = int(round(check_budget_min(max_time_min) * 60))
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    o = snap(street, origin_frame, what="origins")
    d = o if destinations is None else snap(street, dest_frame, what="destinations")
    indptr, indices, travel = reverse_csr(street)
    seconds = np.full((len(d), len(o)), np.inf)  # destination-major while computing
    for start in tqdm(range(0, len(d), _BATCH), desc=f"{mode} arrive-by", unit="batch", disable=not progress):
        checkpoint()
        rows = np.arange(start, min(start + _BATCH, len(d)))
        rows = rows[d.ok[rows]]
        if len(rows) == 0:
            continue
        ptr, nodes, costs = _inbound_groups(d, rows)
        # an origin leaves its edge towards node a (to_a) or b (to_b) and then drives on
        seconds[rows] = many_to_all_points(
            indptr, indices, travel, ptr, nodes, costs, limit_s, o.a, o.b, o.to_a, o.to_b
        )
    seconds = np.minimum(seconds.T, off_node_s(street, o, d))
    seconds[seconds > limit_s] = np.inf
    table = long_table(origin_frame.ids, dest_frame.ids, {"travel_time_min": seconds})
    # destinations whose (reverse) search reached the edge of the data
    table.attrs["truncated_by_extent"] = extent_ids(street, d, np.asarray(dest_frame.ids), limit_s, inbound=True)
    return table


def inbound_transit_travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    arrive_by,
    max_time_min: float,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentiles=(50,),
    access_mode: str = "walk",
    progress: bool = False,
) -> pd.DataFrame:
    """Transit travel times arriving at each destination by every minute of the window
    ending at ``arrive_by`` (reverse range-RAPTOR, one search per destination).

    Travel time = deadline - latest departure from the origin (waiting at the destination
    counts); percentiles are over the deadlines. Walking access (``max_access_walk_min``)
    and egress (``max_egress_walk_min``); a direct walk counts.
    """
    network.require_transit()
    if access_mode != "walk":
        raise InputError(
            f"arrive_by with transit supports access_mode='walk' (got {access_mode!r}); "
            "for park-and-ride use departure= instead."
        )
    limit_s = int(round(check_budget_min(max_time_min) * 60))
    pct = check_percentiles(percentiles)
    deadlines = parse_deadlines(arrive_by, window_min)
    network = dated_network(network, deadlines)
    transit = network.transit
    walk = network.street("walk")
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    o_walk = snap(walk, origin_frame, what="origins")
    d_walk = snap(walk, dest_frame, what="destinations")
    settings = network.transit_settings
    # the origins, then one more: the edge of the walk data (see truncated_by_extent)
    sources = stop_targets(walk, transit, o_walk, settings, walk_min=settings.max_access_walk_min, edge=True)
    n_rows = len(origin_frame) + 1
    origin_ok = np.r_[o_walk.ok, True]
    result = np.full((len(pct), n_rows, len(dest_frame)), np.inf)
    rides = np.full((len(pct), n_rows, len(dest_frame)), -1, dtype=np.int8)
    speed = settings.point_connector_speed_kmh
    walk_only = np.full((n_rows, len(dest_frame)), np.inf)
    walk_only[:-1] = off_node_s(walk, retimed(o_walk, speed), retimed(d_walk, speed))
    # the budget and the walking limit hold for walks along one edge too
    walk_limit_s = min(limit_s, settings.max_walk_min * 60)
    walk_only[walk_only > walk_limit_s] = np.inf
    for k in tqdm(range(len(dest_frame)), desc="transit arrive-by", unit="destination", disable=not progress):
        checkpoint()
        if not d_walk.ok[k]:
            continue
        seconds, counts = transit_times_from_sources(
            network, d_walk, k, sources, deadlines, max_time_s=limit_s, settings=settings, with_rides=True
        )
        along = walk_only[:, k][None, :] <= seconds
        seconds = np.where(along, walk_only[:, k][None, :], seconds)
        counts = np.where(along & np.isfinite(seconds), 0, counts).astype(np.int8)
        seconds[:, ~origin_ok] = np.inf
        counts[:, ~origin_ok] = -1
        result[:, :, k], rides[:, :, k] = window_rides(seconds, counts, pct)
    # destinations reached from the edge of the data: by transit after an access walk, or walking
    from_edge = points_reach_extent(walk, retimed(d_walk, speed), walk_limit_s, inbound=True)
    cut = np.isfinite(result[:, -1, :]).any(axis=0) | from_edge
    result, rides = result[:, :-1, :], rides[:, :-1, :]
    names = percentile_columns(pct)
    table = long_table(origin_frame.ids, dest_frame.ids, {name: result[i] for i, name in enumerate(names)})
    for i, name in enumerate(rides_columns(pct)):
        table[name] = _rides_array(rides[i])
    table.attrs.update(service_day(transit, deadlines))
    table.attrs["transit_share"] = _transit_shares(names, result, rides)
    table.attrs["truncated_by_extent"] = np.asarray(dest_frame.ids)[cut].tolist()
    return table
