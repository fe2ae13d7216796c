"""Itineraries: which bus or train, from where to where, when — leg by leg.

For each origin-destination pair and each departure minute of the window the fastest
transit journey (or the direct walk when that is as fast) is rebuilt from a RAPTOR that
records the parent of every label (:mod:`access._kernels.path_raptor`), under the rules
of :func:`access.travel_times` with walking access: its total time equals the
travel-time matrix's for that minute. Distinct journeys over the window are the pair's
*options*. Walking legs follow the walk network's shortest path (scipy's Dijkstra with
predecessors); ride legs join the stops they pass in straight lines (shapes.txt is not
read). Station penalties and the alighting penalty count as waiting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from access._geo import haversine_m
from access._kernels.dijkstra import UNREACHED
from access._kernels.path_raptor import KIND_ACCESS, KIND_TRANSFER, NEVER, raptor_paths
from access.config import DEFAULT_MAX_TIME_MIN
from access.errors import InputError
from access.io.points import Points, as_points
from access.network.multimodal import Network
from access.network.snap import Snapped
from access.routing.street import check_budget_min, off_node_s, snap, street_travel_times
from access.routing.transit import (
    _node_seconds,
    _reach_stops,
    _stops_on,
    board_slack_s,
    dated_network,
    parse_departures,
    retimed,
    stop_targets,
)

__all__ = ["itineraries", "expanded_travel_times", "street_itineraries", "route_mode", "LEG_COLUMNS"]

# GTFS route_type -> R5 / r5py transit mode; extended types by their hundreds.
_BASIC_MODES = {0: "TRAM", 1: "SUBWAY", 2: "RAIL", 3: "BUS", 4: "FERRY", 5: "CABLE_CAR", 6: "GONDOLA", 7: "FUNICULAR"}
_BASIC_MODES |= {11: "BUS", 12: "RAIL"}  # trolleybus, monorail
_EXTENDED_MODES = {1: "RAIL", 2: "BUS", 4: "SUBWAY", 7: "BUS", 8: "BUS", 9: "TRAM", 10: "FERRY", 13: "GONDOLA"}
_EXTENDED_MODES |= {12: "FERRY", 14: "FUNICULAR"}
LEG_COLUMNS = [
    "from_id",
    "to_id",
    "option",
    "segment",
    "transport_mode",
    "departure_time",
    "arrival_time",
    "distance",
    "travel_time",
    "wait_time",
    "feed",
    "route_id",
    "route_short_name",
    "trip_id",
    "start_stop_id",
    "start_stop_name",
    "end_stop_id",
    "end_stop_name",
    "geometry",
]


def route_mode(route_type: int) -> str:
    """R5's transit mode name (BUS, RAIL, SUBWAY, ...) of a GTFS ``route_type``."""
    route_type = int(route_type)
    if route_type in _BASIC_MODES:
        return _BASIC_MODES[route_type]
    return _EXTENDED_MODES.get(route_type // 100, "BUS")


@dataclass(frozen=True)
class _Leg:
    """One leg in seconds since midnight: a walk (``trip`` -1) or a ride."""

    start_s: int
    end_s: int
    from_stop: int = -1  # -1: the origin point
    to_stop: int = -1  # -1: the destination point
    pattern: int = -1
    trip: int = -1  # row in the network's trip arrays
    board_pos: int = -1
    alight_pos: int = -1

    @property
    def is_ride(self) -> bool:
        return self.trip >= 0

    def key(self) -> tuple:
        return (self.from_stop, self.to_stop, self.trip)


def _rebuild(transit, labels, t0: int, stop: int, access: dict[int, int], final: str = "tau") -> list[_Leg]:
    """Legs from the origin to the last-round ``final`` label of ``stop`` (``"tau"``: any
    arrival; ``"ridden"``: having ridden, a walking transfer after the ride allowed;
    ``"ride"``: stepping off a vehicle there), rebuilt from the parents."""
    tau, ride = labels.tau, labels.ride
    legs: list[_Leg] = []
    s, r = stop, tau.shape[0] - 1
    state = final
    value = int({"tau": tau, "ride": ride, "ridden": labels.ridden}[final][r, s])
    while True:
        if state == "tau":
            while r > 0 and tau[r - 1, s] == value:  # the round that first reached this value
                r -= 1
            kind = labels.kind[r, s]
            if kind == KIND_ACCESS:
                legs.append(_Leg(t0, t0 + access[s], -1, s))
                break
            if kind == KIND_TRANSFER:
                u = int(labels.via[r, s])
                arrived = int(ride[r, u])
                legs.append(_Leg(arrived, value, u, s))
                s, value = u, arrived
            state = "ride"
            continue
        if state == "ridden":
            while r > 0 and labels.ridden[r - 1, s] == value:
                r -= 1
            if labels.ridden_kind[r, s] == KIND_TRANSFER:
                u = int(labels.ridden_via[r, s])
                arrived = int(ride[r, u])
                legs.append(_Leg(arrived, value, u, s))
                s, value = u, arrived
            state = "ride"
            continue
        while r > 0 and ride[r - 1, s] == value:
            r -= 1
        p, j = int(labels.ride_pattern[r, s]), int(labels.ride_trip[r, s])
        b, i = int(labels.ride_board[r, s]), int(labels.ride_alight[r, s])
        if p < 0 or b < 0:
            raise RuntimeError(f"itinerary label without a parent at stop {s}, round {r}")
        s0, n_p = int(transit.pattern_stop_ptr[p]), int(transit.pattern_stop_ptr[p + 1] - transit.pattern_stop_ptr[p])
        base = int(transit.pattern_time_ptr[p])
        board_stop = int(transit.pattern_stops[s0 + b])
        departs = int(transit.departure_s[base + j * n_p + b])
        arrives = int(transit.arrival_s[base + j * n_p + i])
        legs.append(_Leg(departs, arrives, board_stop, s, p, int(transit.pattern_trip_ptr[p]) + j, b, i))
        s, r = board_stop, r - 1
        value = int(tau[r, s])
        state = "tau"
    return legs[::-1]


class _WalkPaths:
    """Shortest walking paths between points and stops (node sequences, cached per source)."""

    def __init__(self, walk, origins: Snapped, dests: Snapped, stops: Snapped):
        self.walk = walk
        self.csr = walk.to_csr_matrix()
        self.ends = {"o": origins, "d": dests, "s": stops}
        self._trees: dict = {}

    def _tree(self, key):
        if key not in self._trees:
            kind, k = key
            snapped = self.ends[kind]
            sources = [int(snapped.a[k]), int(snapped.b[k])]
            dist, pred, src = dijkstra(self.csr, indices=sources, min_only=True, return_predecessors=True)
            self._trees[key] = (dist, pred)
        return self._trees[key]

    def line(self, start: tuple[str, int], end: tuple[str, int], start_xy, end_xy) -> tuple[shapely.LineString, float]:
        """The path's LineString (EPSG:4326) and length in metres, from point to point."""
        target = self.ends[end[0]]
        k = end[1]
        origin = self.ends[start[0]]
        if origin.segment[start[1]] == target.segment[k] or start_xy == end_xy:
            # along one edge (or in place): the straight line, as the router times it
            line = shapely.LineString([start_xy, end_xy])
            return line, float(haversine_m(start_xy[0], start_xy[1], end_xy[0], end_xy[1]))
        dist, pred = self._tree(start)
        a, b = int(target.a[k]), int(target.b[k])
        node = a if dist[a] + target.from_a[k] <= dist[b] + target.from_b[k] else b
        nodes = []
        if np.isfinite(dist[node]):
            while node >= 0:
                nodes.append(node)
                node = int(pred[node])
        nodes = nodes[::-1]
        lon = np.r_[start_xy[0], self.walk.lon[nodes], end_xy[0]]
        lat = np.r_[start_xy[1], self.walk.lat[nodes], end_xy[1]]
        length = float(np.sum(haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])))
        return shapely.LineString(np.c_[lon, lat]), length


def _split(ids: np.ndarray, k: int) -> tuple[str, str]:
    """``"feed:id"`` -> ("feed", "id")."""
    text = str(ids[k])
    feed, sep, rest = text.partition(":")
    return (feed, rest) if sep else ("", text)


def _leg_rows(transit, paths: _WalkPaths, legs: list[_Leg], date: dt.date, pair: tuple, points: tuple) -> list[dict]:
    """One row per leg in LEG_COLUMNS order."""
    from_id, to_id, option, i, j = pair
    o_xy, d_xy = points
    midnight = dt.datetime.combine(date, dt.time())
    rows, previous_end = [], legs[0].start_s
    for segment, leg in enumerate(legs):
        start_xy = o_xy if leg.from_stop < 0 else (transit.stop_lon[leg.from_stop], transit.stop_lat[leg.from_stop])
        end_xy = d_xy if leg.to_stop < 0 else (transit.stop_lon[leg.to_stop], transit.stop_lat[leg.to_stop])
        row = {"from_id": from_id, "to_id": to_id, "option": option, "segment": segment}
        row |= {"departure_time": midnight + dt.timedelta(seconds=leg.start_s)}
        row |= {"arrival_time": midnight + dt.timedelta(seconds=leg.end_s)}
        row |= {"travel_time": dt.timedelta(seconds=leg.end_s - leg.start_s)}
        row |= {"wait_time": dt.timedelta(seconds=max(leg.start_s - previous_end, 0))}
        if leg.is_ride:
            s0 = int(transit.pattern_stop_ptr[leg.pattern])
            stops = transit.pattern_stops[s0 + leg.board_pos : s0 + leg.alight_pos + 1]
            lon, lat = transit.stop_lon[stops], transit.stop_lat[stops]
            route = int(transit.pattern_route[leg.pattern])
            feed, route_id = _split(transit.route_id, route)
            row |= {
                "transport_mode": route_mode(int(transit.route_type[route])),
                "distance": float(np.sum(haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]))),
                "feed": feed,
                "route_id": route_id,
                "route_short_name": str(transit.route_name[route]),
                "trip_id": _split(transit.trip_id, leg.trip)[1],
                "geometry": shapely.LineString(np.c_[lon, lat]),
            }
        else:
            start = ("o", i) if leg.from_stop < 0 else ("s", leg.from_stop)
            end = ("d", j) if leg.to_stop < 0 else ("s", leg.to_stop)
            line, length = paths.line(start, end, start_xy, end_xy)
            row |= {"transport_mode": "WALK", "distance": length, "feed": "", "route_id": "", "route_short_name": ""}
            row |= {"trip_id": "", "geometry": line}
        for end_name, stop in (("start", leg.from_stop), ("end", leg.to_stop)):
            row[f"{end_name}_stop_id"] = _split(transit.stop_id, stop)[1] if stop >= 0 else ""
            row[f"{end_name}_stop_name"] = str(transit.stop_name[stop]) if stop >= 0 else ""
        rows.append(row)
        previous_end = leg.end_s
    return rows


def itineraries(
    network: Network,
    origins,
    destinations=None,
    *,
    departure=None,
    window_min: float = 1,
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    all_to_all: bool = True,
) -> gpd.GeoDataFrame:
    """Leg-by-leg transit itineraries (EPSG:4326 GeoDataFrame, one row per leg).

    For every pair (all origins x destinations, or row by row with ``all_to_all=False``)
    and every departure minute of ``window_min`` from ``departure`` (``"07:00"``,
    ``"2019-05-13T07:00"``), the fastest journey with walking access and egress — the one
    :func:`access.travel_times` times (``mode="transit"``, the network's transit
    settings) — is rebuilt; distinct journeys over the window are numbered ``option`` 0,
    1, … in order of departure. Columns: ``from_id``, ``to_id``, ``option``, ``segment``,
    ``transport_mode`` (WALK, BUS, RAIL, …), ``departure_time`` / ``arrival_time``
    (datetimes on the service date; a leg departs after its wait), ``distance`` (metres),
    ``travel_time`` and ``wait_time`` (timedeltas; station penalties count as waiting),
    ``feed``, ``route_id``, ``route_short_name``, ``trip_id``, ``start_stop_id`` /
    ``start_stop_name``, ``end_stop_id`` / ``end_stop_name`` (stop ids as in the feed) and
    ``geometry``. The first leg departs at the departure minute, so a journey's travel time
    is its last ``arrival_time`` minus the minute (waiting at the origin included, as the
    matrix). Pairs with no journey within ``max_time_min`` have no rows.
    """
    transit = network.require_transit()
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    date = dt.date.fromisoformat(transit.service_date)
    search = _Search(network, origin_frame, dest_frame, departure, window_min, max_time_min, all_to_all)
    rows: list[dict] = []
    options: dict[tuple[int, int], list[tuple]] = {}
    for i, j, _, legs in search.journeys():
        signature = tuple(leg.key() for leg in legs)
        found = options.setdefault((i, j), [])
        if all(signature != seen for seen, _ in found):
            found.append((signature, legs))
    for (i, j), found in sorted(options.items()):
        for option, (_, legs) in enumerate(found):
            pair = (origin_frame.ids[i], dest_frame.ids[j], option, i, j)
            rows.extend(_leg_rows(transit, search.paths, legs, date, pair, (search.o_xy[i], search.d_xy[j])))
    frame = pd.DataFrame(rows, columns=LEG_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


class _Search:
    """The per-minute fastest journeys of every pair (the engine behind :func:`itineraries`
    and :func:`expanded_travel_times`)."""

    def __init__(self, network, origin_frame, dest_frame, departure, window_min, max_time_min, all_to_all):
        network.require_transit()
        self.limit_s = int(round(check_budget_min(max_time_min) * 60))
        self.departures = parse_departures(departure, window_min)
        network = dated_network(network, self.departures)  # a dated departure is the service date
        self.transit = network.transit
        if not all_to_all and len(origin_frame) != len(dest_frame):
            raise InputError("all_to_all=False pairs origins and destinations row by row: give as many of each.")
        self.walk = walk = network.street("walk")
        self.o_walk = snap(walk, origin_frame, what="origins")
        self.d_walk = snap(walk, dest_frame, what="destinations")
        self.settings = settings = network.transit_settings
        # the matrix's rules (access.routing.transit_matrix): R5-style point connectors when
        # asked, direct walks capped by max_walk_min, the board slack, egress from labels
        # that rode a vehicle (or stepped off one, R5's bestNonTransferTimes)
        self.o_direct = retimed(self.o_walk, settings.point_connector_speed_kmh)
        self.walk_limit_s = min(self.limit_s, int(round(settings.max_walk_min * 60)))
        self.search_s = max(self.walk_limit_s, int(round(settings.max_access_walk_min * 60)))
        self.slack_s = board_slack_s(settings)
        self.final = "ridden" if settings.transfer_before_egress else "ride"
        self.stops = _stops_on(walk, self.transit)
        targets = stop_targets(walk, self.transit, self.d_walk, self.settings)
        by_target = np.argsort(targets.egress_target, kind="stable")
        self.target_ptr = np.r_[0, np.cumsum(np.bincount(targets.egress_target, minlength=len(dest_frame)))]
        self.egress_stop = np.repeat(np.arange(self.transit.n_stops), np.diff(targets.egress_ptr))[by_target]
        self.egress_s = targets.egress_s[by_target].astype(np.int64)
        self.same_edge = off_node_s(walk, self.o_direct, retimed(self.d_walk, settings.point_connector_speed_kmh))
        self.same_edge[self.same_edge > min(self.limit_s, settings.max_walk_min * 60)] = np.inf
        self.paths = _WalkPaths(walk, self.o_walk, self.d_walk, self.stops)
        self.o_xy, self.d_xy = _lonlat(origin_frame), _lonlat(dest_frame)
        self.n_dest, self.all_to_all = len(dest_frame), all_to_all

    def journeys(self):
        """``(origin row, destination row, departure s, legs)`` for every pair and minute
        with a journey within the budget."""
        transit, walk, settings = self.transit, self.walk, self.settings
        for i in np.flatnonzero(self.o_walk.ok):
            i = int(i)
            pairs = [j for j in (range(self.n_dest) if self.all_to_all else [i]) if self.d_walk.ok[j]]
            walk_s = _node_seconds(walk, self.o_direct, i, self.search_s)
            access_stops, access_s = _reach_stops(walk_s, self.stops, settings.max_access_walk_min * 60)
            access = dict(zip(access_stops.tolist(), access_s.tolist(), strict=True))
            direct = _direct_walk(walk_s, self.d_walk, self.walk_limit_s, self.same_edge[i])
            for t0 in self.departures.seconds.tolist():
                labels = raptor_paths(transit, access_stops, access_s, t0, settings.max_transfers, self.slack_s)
                final = getattr(labels, self.final)[-1]
                for j in pairs:
                    lo, hi = self.target_ptr[j], self.target_ptr[j + 1]
                    best, stop = direct[j], -1
                    if hi > lo:
                        reach = final[self.egress_stop[lo:hi]]
                        total = np.where(reach < NEVER, reach - t0 + self.egress_s[lo:hi], np.iinfo(np.int64).max)
                        k = int(np.argmin(total))
                        if total[k] < best:
                            best, stop = float(total[k]), int(self.egress_stop[lo + k])
                    if not best <= self.limit_s:
                        continue
                    if stop < 0:
                        legs = [_Leg(t0, t0 + int(round(best)))]
                    else:
                        legs = _rebuild(transit, labels, t0, stop, access, self.final)
                        legs.append(_Leg(int(final[stop]), t0 + int(round(best)), stop, -1))
                    yield i, j, t0, legs


def expanded_travel_times(
    network: Network,
    origins,
    destinations=None,
    *,
    departure=None,
    window_min: float = 10,
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
) -> pd.DataFrame:
    """Travel times for every departure minute of the window with the journey behind each
    (r5r's ``expanded_travel_time_matrix``): ``from_id``, ``to_id``, ``departure_time``,
    ``total_time`` and its parts ``access_time``, ``wait_time``, ``ride_time``,
    ``transfer_time``, ``egress_time`` (minutes), ``n_rides`` and ``routes`` (route short
    names ridden, ``|``-separated; ``[WALK]`` for a walk). Pairs without a journey within
    ``max_time_min`` at a minute have no row for it; ``total_time`` equals
    :func:`access.travel_times` for that single minute."""
    transit = network.require_transit()
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    search = _Search(network, origin_frame, dest_frame, departure, window_min, max_time_min, True)
    midnight = dt.datetime.combine(dt.date.fromisoformat(transit.service_date), dt.time())
    rows = []
    for i, j, t0, legs in search.journeys():
        rides = [leg for leg in legs if leg.is_ride]
        walks = [leg for leg in legs if not leg.is_ride]
        end = legs[-1].end_s
        ride_s = sum(leg.end_s - leg.start_s for leg in rides)
        walk_s = [leg.end_s - leg.start_s for leg in walks]
        access_s = walk_s[0] if rides else 0
        egress_s = walk_s[-1] if rides else 0
        transfer_s = sum(walk_s[1:-1]) if rides else 0
        total = end - t0
        names = [str(transit.route_name[int(transit.pattern_route[leg.pattern])]) for leg in rides]
        rows.append(
            {
                "from_id": origin_frame.ids[i],
                "to_id": dest_frame.ids[j],
                "departure_time": midnight + dt.timedelta(seconds=t0),
                "total_time": total / 60,
                "access_time": access_s / 60,
                "wait_time": (total - ride_s - sum(walk_s)) / 60 if rides else 0.0,
                "ride_time": ride_s / 60,
                "transfer_time": transfer_s / 60,
                "egress_time": egress_s / 60,
                "n_rides": len(rides),
                "routes": "|".join(names) if rides else "[WALK]",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "from_id",
            "to_id",
            "departure_time",
            "total_time",
            "access_time",
            "wait_time",
            "ride_time",
            "transfer_time",
            "egress_time",
            "n_rides",
            "routes",
        ],
    )


def _lonlat(points: Points) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in zip(points.lon, points.lat, strict=True)]


def _direct_walk(walk_s: np.ndarray, dests: Snapped, limit_s: float, same_edge: np.ndarray) -> np.ndarray:
    """Seconds of the direct walk to every destination (inf: none), as the matrix: via
    either end of the destination's edge (at most ``limit_s``), or along one edge."""
    ta = np.where(walk_s[dests.a] == UNREACHED, np.inf, walk_s[dests.a].astype(np.float64)) + dests.from_a
    tb = np.where(walk_s[dests.b] == UNREACHED, np.inf, walk_s[dests.b].astype(np.float64)) + dests.from_b
    via_nodes = np.minimum(ta, tb)
    via_nodes[via_nodes > limit_s] = np.inf
    return np.minimum(via_nodes, same_edge)


def street_itineraries(
    network: Network,
    origins,
    destinations=None,
    *,
    mode: str = "walk",
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    all_to_all: bool = True,
    departure: dt.datetime | None = None,
) -> gpd.GeoDataFrame:
    """One-leg itineraries by a street mode (the shortest path's line, its length and
    time), in :data:`LEG_COLUMNS`; ``departure`` dates the legs (default: midnight today)."""

    street = network.street(mode)
    origin_frame = as_points(origins, what="origins")
    dest_frame = origin_frame if destinations is None else as_points(destinations, what="destinations")
    if not all_to_all and len(origin_frame) != len(dest_frame):
        raise InputError("all_to_all=False pairs origins and destinations row by row: give as many of each.")
    times = street_travel_times(network, origin_frame, dest_frame, mode=mode, max_time_min=max_time_min)
    minutes = times["travel_time_min"].to_numpy().reshape(len(origin_frame), len(dest_frame))
    o_snap = snap(street, origin_frame, what="origins")
    d_snap = snap(street, dest_frame, what="destinations")
    paths = _WalkPaths(street, o_snap, d_snap, d_snap)
    o_xy, d_xy = _lonlat(origin_frame), _lonlat(dest_frame)
    start = departure or dt.datetime.combine(dt.date.today(), dt.time())
    rows = []
    for i in range(len(origin_frame)):
        for j in range(len(dest_frame)) if all_to_all else [i]:
            if not np.isfinite(minutes[i, j]):
                continue
            line, length = paths.line(("o", i), ("d", j), o_xy[i], d_xy[j])
            seconds = dt.timedelta(seconds=float(np.rint(minutes[i, j] * 60)))
            row = dict.fromkeys(LEG_COLUMNS, "")
            row |= {"from_id": origin_frame.ids[i], "to_id": dest_frame.ids[j], "option": 0}
            row |= {"segment": 0, "transport_mode": {"walk": "WALK", "bike": "BICYCLE", "car": "CAR"}[mode]}
            row |= {"departure_time": start, "arrival_time": start + seconds, "distance": length}
            row |= {"travel_time": seconds, "wait_time": dt.timedelta(0), "geometry": line}
            rows.append(row)
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=LEG_COLUMNS), geometry="geometry", crs=4326)
