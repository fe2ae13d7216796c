"""Transit travel times: access legs, range-RAPTOR, egress to nodes or points, percentiles."""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from dataclasses import dataclass, fields, replace

import numba as nb
import numpy as np

from access._clock import clock_seconds
from access._geo import to_projected
from access._kernels.dijkstra import UNREACHED, one_to_all
from access._kernels.raptor import ALIGHTED, NEVER, RIDDEN, range_raptor, reverse_range_raptor
from access.config import DEFAULT_DEPARTURE_TIME, DEFAULT_WINDOW_MIN, TransitSettings
from access.errors import InputError, NoCarParkWarning
from access.network.extent import seconds_to_extent
from access.network.snap import Snapped, snap_points, source_groups
from access.network.stop_links import Targets, egress_table
from access.network.street import StreetNetwork

__all__ = [
    "Departures",
    "Targets",
    "dated_network",
    "service_day",
    "describe_service_day",
    "describe_transit_share",
    "date_of",
    "board_slack_s",
    "retimed",
    "window_rides",
    "parse_departures",
    "transit_times_to_targets",
    "stop_targets",
    "with_edge_target",
    "node_targets",
    "ACCESS_MODES",
    "parse_deadlines",
    "check_time_options",
    "transit_times_from_sources",
]

ACCESS_MODES = ("walk", "bike", "car")


@dataclass(frozen=True)
class Departures:
    """Departure times (seconds since midnight of ``date``), one per minute of the window."""

    date: dt.date | None
    seconds: np.ndarray  # int64


def parse_departures(
    departure: str | dt.datetime | dt.time | None, window_min: float = DEFAULT_WINDOW_MIN, *, step_s: int = 60
) -> Departures:
    """Departures every ``step_s`` from ``departure`` for ``window_min`` minutes.

    ``departure`` is ``"2019-05-13T07:00"``, ``"07:00"``, a datetime or a time; a window of
    120 gives the 120 departures 07:00 … 08:59, as r5's ``departure_time_window``.
    """
    if window_min is None or not np.isfinite(window_min) or window_min < 1:
        raise InputError(f"window must be at least 1 minute, got {window_min}.")
    if window_min > 24 * 60:
        raise InputError(f"window of {window_min} min is longer than a day.")
    date = None
    if departure is None:
        departure = DEFAULT_DEPARTURE_TIME
    if isinstance(departure, dt.datetime):
        date, start = departure.date(), departure.hour * 3600 + departure.minute * 60 + departure.second
    elif isinstance(departure, dt.time):
        start = departure.hour * 3600 + departure.minute * 60 + departure.second
    else:
        text = str(departure).strip().replace(" ", "T")
        if "T" in text:
            day, _, clock = text.partition("T")
            try:
                date = dt.date.fromisoformat(day)
            except ValueError:
                raise InputError(f"departure {departure!r}: date must be YYYY-MM-DD.") from None
        else:
            clock = text
        try:
            start = clock_seconds(clock)
        except ValueError:
            raise InputError(f"departure {departure!r} is not a time like 07:00 or 2019-05-13T07:00.") from None
    count = int(round(window_min * 60 / step_s))
    return Departures(date=date, seconds=start + step_s * np.arange(count, dtype=np.int64))


def _node_seconds(street: StreetNetwork, snapped: Snapped, index: int, limit_s: int) -> np.ndarray:
    """int64 seconds (UNREACHED beyond ``limit_s``) from snapped point ``index`` to every node."""
    _, nodes, costs = source_groups(snapped, np.array([index]))
    return one_to_all(street.indptr, street.indices, street.travel_s, nodes, costs, limit_s)


def _stops_on(street: StreetNetwork, transit) -> Snapped:
    return transit.links.on(street)


def _reach_stops(node_s: np.ndarray, stops: Snapped, limit_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Stops reached from node times (seconds) via their snapped edge, within ``limit_s``."""
    ta = np.where(node_s[stops.a] == UNREACHED, np.inf, node_s[stops.a].astype(np.float64)) + stops.from_a
    tb = np.where(node_s[stops.b] == UNREACHED, np.inf, node_s[stops.b].astype(np.float64)) + stops.from_b
    t = np.minimum(ta, tb)
    t[~stops.ok] = np.inf
    reached = np.flatnonzero(t <= limit_s)
    return reached, np.rint(t[reached]).astype(np.int64)


def node_targets(walk: StreetNetwork, transit, settings: TransitSettings, walk_min: float | None = None) -> Targets:
    """Every walk node as a target (for isochrones), egress tabulated once and cached.

    ``walk_min`` caps the walks (default ``settings.max_egress_walk_min``); arrive-by
    queries use the same table as walking access from every node, capped by
    ``max_access_walk_min`` (walking is symmetric on the walk network)."""
    walk_min = settings.max_egress_walk_min if walk_min is None else walk_min
    return transit.links.node_targets(walk, walk_min)


def stop_targets(
    walk: StreetNetwork,
    transit,
    points: Snapped,
    settings: TransitSettings,
    walk_min: float | None = None,
    *,
    edge: bool = False,
) -> Targets:
    """Snapped points (on the walk network) as targets (walks capped by ``walk_min``,
    default ``settings.max_egress_walk_min``; see :func:`node_targets`), tabulated once per
    point set and kept with the transit network (batches and repeated queries reuse it;
    ``StopLinks.point_targets``). The direct walk
    reaches them over ``settings.point_connector_speed_kmh`` connectors (R5's 1.3 m/s),
    the egress walks over the walk network's own (R5 converts its egress distance tables
    at the walking speed). ``edge``: one more target, last, the edge of the walk data
    (:func:`with_edge_target`)."""
    walk_min = settings.max_egress_walk_min if walk_min is None else walk_min
    digest = hashlib.blake2b(digest_size=16)
    for array in (points.a, points.b, points.from_a, points.from_b, points.distance_m):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr((walk_min, settings.max_egress_stops, settings.point_connector_speed_kmh, edge)).encode())

    def build() -> Targets:
        stops = _stops_on(walk, transit)
        ptr, tgt, secs = egress_table(
            walk, stops, points.a, points.b, points.from_a, points.from_b, int(round(walk_min * 60))
        )
        if settings.max_egress_stops is not None:
            ptr, tgt, secs = _nearest_per_target(ptr, tgt, secs, settings.max_egress_stops)
        direct = retimed(points, settings.point_connector_speed_kmh)
        targets = Targets(ptr, tgt, secs, len(points), points.a, points.b, direct.from_a, direct.from_b)
        return with_edge_target(walk, transit, targets, walk_min) if edge else targets

    return transit.links.point_targets(walk, digest.digest(), build)


def with_edge_target(walk: StreetNetwork, transit, targets: Targets, walk_min: float) -> Targets:
    """``targets`` plus one more, last: *the edge of the walk data*, reached from every stop
    within ``walk_min`` minutes of it (:mod:`access.network.extent`), never by a direct walk.
    A search that reaches it within its budget would have reached places beyond the
    extract: its results are cut by the data, not by the budget. (Walking is symmetric on
    the walk network, so as a source of arrive-by searches it is the walk from the edge.)"""
    to_edge = seconds_to_extent(walk, _stops_on(walk, transit))
    near = np.flatnonzero(to_edge <= walk_min * 60)
    extra = np.zeros(len(targets.egress_ptr) - 1, dtype=np.int64)
    extra[near] = 1
    counts = np.diff(targets.egress_ptr) + extra
    ptr = np.r_[0, np.cumsum(counts)].astype(targets.egress_ptr.dtype)
    slot = ptr[near + 1] - 1  # each near stop's new entry goes last in its run
    keep = np.ones(ptr[-1], dtype=bool)
    keep[slot] = False
    target = np.empty(ptr[-1], dtype=targets.egress_target.dtype)
    seconds = np.empty(ptr[-1], dtype=targets.egress_s.dtype)
    target[keep], seconds[keep] = targets.egress_target, targets.egress_s
    target[slot], seconds[slot] = targets.n_targets, np.rint(to_edge[near])
    return Targets(
        ptr,
        target,
        seconds,
        targets.n_targets + 1,
        np.r_[targets.direct_a, 0].astype(targets.direct_a.dtype),
        np.r_[targets.direct_b, 0].astype(targets.direct_b.dtype),
        np.r_[targets.direct_from_a, np.inf],  # no direct walk to it
        np.r_[targets.direct_from_b, np.inf],
    )


def _nearest_per_target(ptr, target, seconds, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The egress CSR (by stop) keeping, for each target, its ``k`` nearest stops (ties:
    the lower stop index)."""
    stop = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    order = np.lexsort((stop, seconds, target))
    t_sorted = target[order]
    first = np.r_[0, np.flatnonzero(np.diff(t_sorted)) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    keep = np.sort(order[rank < k])  # back in stop-major order
    new_ptr = np.r_[0, np.cumsum(np.bincount(stop[keep], minlength=len(ptr) - 1))].astype(np.int64)
    return new_ptr, target[keep], seconds[keep]


def _nearest_stops(stops: np.ndarray, seconds: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest of the reached stops (ties: the lower stop index); None: all."""
    if k is None or len(stops) <= k:
        return stops, seconds
    keep = np.sort(np.lexsort((stops, seconds))[:k])
    return stops[keep], seconds[keep]


def _propagate_body(arrivals, departures, egress_ptr, egress_target, egress_s, direct, out):
    """out[d, t] = min(direct[t], min over stops s of arrival[d, s] - dep[d] + egress(s, t))."""
    n_dep, n_stops = arrivals.shape
    for d in nb.prange(n_dep):
        t0 = departures[d]
        for t in range(out.shape[1]):
            out[d, t] = direct[t]
        for s in range(n_stops):
            a = arrivals[d, s]
            if a >= NEVER:
                continue
            base = a - t0
            for e in range(egress_ptr[s], egress_ptr[s + 1]):
                v = base + egress_s[e]
                tgt = egress_target[e]
                if v < out[d, tgt]:
                    out[d, tgt] = v


def _propagate_rides_body(arrivals, rides, departures, egress_ptr, egress_target, egress_s, direct, out, out_rides):
    """As :func:`_propagate_body`, also keeping the rides of the winning journey (0 for the
    direct walk, which wins ties; among stops, fewer rides win ties)."""
    n_dep, n_stops = arrivals.shape
    for d in nb.prange(n_dep):
        t0 = departures[d]
        for t in range(out.shape[1]):
            out[d, t] = direct[t]
            out_rides[d, t] = 0
        for s in range(n_stops):
            a = arrivals[d, s]
            if a >= NEVER:
                continue
            base = a - t0
            r = rides[d, s]
            for e in range(egress_ptr[s], egress_ptr[s + 1]):
                v = base + egress_s[e]
                tgt = egress_target[e]
                if v < out[d, tgt] or (v == out[d, tgt] and r < out_rides[d, tgt]):
                    out[d, tgt] = v
                    out_rides[d, tgt] = r


# Threads pay off only for big propagations (many departures x a long egress table, e.g.
# isochrones to every node); starting them costs milliseconds per call on a busy machine,
# which dominated many-origin matrices with one departure.
_PARALLEL_MIN_WORK = 2_000_000  # departures x egress entries
_propagate_threads = nb.njit(cache=True, parallel=True)(_propagate_body)
_propagate_serial = nb.njit(cache=True, nogil=True)(_propagate_body)
_propagate_rides_threads = nb.njit(cache=True, parallel=True)(_propagate_rides_body)
_propagate_rides_serial = nb.njit(cache=True, nogil=True)(_propagate_rides_body)


def _propagate(arrivals, departures, egress_ptr, egress_target, egress_s, direct, out, *, threads: bool = True) -> None:
    """Fill ``out`` (departures x targets seconds) from stop arrivals and egress walks;
    ``threads=False`` when the caller already runs origins in parallel threads."""
    work = arrivals.shape[0] * len(egress_target)
    big = arrivals.shape[0] > 1 and work >= _PARALLEL_MIN_WORK
    kernel = _propagate_threads if threads and big else _propagate_serial
    kernel(arrivals, departures, egress_ptr, egress_target, egress_s, direct, out)


def _propagate_rides(
    arrivals, rides, departures, egress_ptr, egress_target, egress_s, direct, out, out_rides, *, threads: bool = True
) -> None:
    """:func:`_propagate` with the rides of each arrival carried to the targets."""
    work = arrivals.shape[0] * len(egress_target)
    big = arrivals.shape[0] > 1 and work >= _PARALLEL_MIN_WORK
    kernel = _propagate_rides_threads if threads and big else _propagate_rides_serial
    kernel(arrivals, rides, departures, egress_ptr, egress_target, egress_s, direct, out, out_rides)


@dataclass(frozen=True)
class ParkAccess:
    """Where car access may park, for one query: car parks snapped on the car network and
    the walks from each to its stops (CSR), or the stops themselves (walk 0)."""

    at: Snapped  # the car parks on the car network
    ptr: np.ndarray  # int64, n_parks + 1
    stop: np.ndarray  # int32 stop reached from the park
    walk_s: np.ndarray  # int64 seconds from the park to the stop

    def stops_reached(self, node_s: np.ndarray, limit_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Stops reached by driving (node seconds ``node_s``) to a car park within
        ``limit_s`` and walking on; the best seconds per stop."""
        parks, park_s = _reach_stops(node_s, self.at, limit_s)
        if len(parks) == 0:
            return parks, park_s
        starts = self.ptr[parks]
        counts = self.ptr[parks + 1] - starts
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        entries = np.repeat(starts, counts) + offsets
        seconds = np.repeat(park_s, counts) + self.walk_s[entries]
        stops = self.stop[entries].astype(np.int64)
        order = np.lexsort((seconds, stops))
        first = np.r_[True, stops[order][1:] != stops[order][:-1]]
        return stops[order][first], seconds[order][first]


def park_access(network, transit, settings: TransitSettings) -> ParkAccess:
    """The car parks of this query (``settings.park_ride_stops``): ``None`` the network's
    (OSM park_ride, GTFS-flagged stops, rail-spec stations); a list of stop ids or names
    (empty: none); ``"any"`` every stop. A network without car parks warns
    (:class:`access.errors.NoCarParkWarning`): car access then adds nothing to walking."""
    car = network.street("car")
    choice = settings.park_ride_stops
    if choice is None:
        if transit.n_parks == 0:
            warnings.warn(
                "park-and-ride (access_mode='car'): this network has no car parks (OSM park_ride=*, a GTFS "
                "stops.txt parking column, rail-spec stations), so car access adds nothing to walking; name "
                "them with park_ride_stops=[stop ids or names] or allow any stop with park_ride_stops='any'.",
                NoCarParkWarning,
                stacklevel=3,
            )

        x, y = to_projected(transit.park_lon, transit.park_lat, car.crs_epsg)
        walk_s = transit.park_walk_s.astype(np.int64)
        return ParkAccess(snap_points(car, x, y), transit.park_ptr, transit.park_stop, walk_s)
    if choice == "any":
        stops = np.arange(transit.n_stops)
    else:
        stops = np.flatnonzero(np.isin(transit.stop_id, choice) | np.isin(transit.stop_name, choice))
        if len(stops) == 0 and len(choice):
            raise InputError(
                f"park_ride_stops names no stop of this network (first: {list(choice)[:3]}); give stop ids "
                "such as 'feed:stop_id' or stop names."
            )
    at = _stops_on(car, transit)
    at = Snapped(**{f.name: getattr(at, f.name)[stops] for f in fields(Snapped)})
    ptr = np.arange(len(stops) + 1, dtype=np.int64)
    return ParkAccess(at, ptr, stops.astype(np.int32), np.zeros(len(stops), dtype=np.int64))


def _access_legs(
    network, transit, walk_s, origin_access, index, access_mode, settings: TransitSettings, parks
) -> tuple[np.ndarray, np.ndarray]:
    """Stops reached from the origin and their seconds: on foot, plus by bike (to any
    stop) or by car (to a car park, then on foot; + ``park_ride_penalty_min``)."""
    walk = network.street("walk")
    access_stops, access_s = _reach_stops(walk_s, _stops_on(walk, transit), settings.max_access_walk_min * 60)
    access_stops, access_s = _nearest_stops(access_stops, access_s, settings.max_access_stops)
    if access_mode == "bike":
        bike = network.street("bike")
        limit = settings.max_access_walk_min * 60
        node_s = _node_seconds(bike, origin_access, index, int(limit))
        s2, t2 = _reach_stops(node_s, _stops_on(bike, transit), limit)
    elif access_mode == "car":
        limit = settings.max_access_car_min * 60
        node_s = _node_seconds(network.street("car"), origin_access, index, int(limit))
        s2, t2 = parks.stops_reached(node_s, limit)
        t2 = t2 + int(round(settings.park_ride_penalty_min * 60))
    elif access_mode == "walk":
        return access_stops, access_s
    else:
        raise InputError(f"unknown access mode {access_mode!r}; use one of {', '.join(ACCESS_MODES)}.")
    return np.r_[access_stops, s2], np.r_[access_s, t2]


def transit_times_to_targets(
    network,
    origin_walk: Snapped,
    origin_index: int,
    targets: Targets,
    departures: Departures,
    *,
    access_mode: str,
    max_time_s: int,
    settings: TransitSettings,
    origin_access: Snapped | None = None,
    threads: bool = True,
    parks: ParkAccess | None = None,
    with_rides: bool = False,
):
    """float64 seconds ``(n_departures, n_targets)`` from one origin by transit (with walk,
    bike or car access, walking egress, and a direct walk of at most
    ``settings.max_walk_min``), inf beyond ``max_time_s``; with ``with_rides`` also the
    rides of each (int8: 0 walked, -1 unreached).

    A journey with transit rides at least one vehicle (a car or bike leg alone never
    counts: R5's rule); walk-only trips are the direct walk. ``parks``: the query's
    :func:`park_access` (computed here when ``None`` and the access mode is car).
    ``threads=False``: no numba thread pool inside (the caller runs origins in threads).
    """
    transit = network.transit
    walk = network.street("walk")
    walk_limit_s = min(int(max_time_s), int(round(settings.max_walk_min * 60)))
    search_s = max(walk_limit_s, int(round(settings.max_access_walk_min * 60)))
    walk_s = _node_seconds(walk, origin_walk, origin_index, search_s)
    if access_mode == "car" and parks is None:
        parks = park_access(network, transit, settings)
    access_stops, access_s = _access_legs(
        network, transit, walk_s, origin_access, origin_index, access_mode, settings, parks
    )
    arrivals, rides = range_raptor(
        transit,
        access_stops,
        access_s,
        departures.seconds,
        settings.max_transfers,
        board_slack_s=board_slack_s(settings),
        labels=RIDDEN if settings.transfer_before_egress else ALIGHTED,
        with_rides=True,
    )
    ta = np.where(walk_s[targets.direct_a] == UNREACHED, np.inf, walk_s[targets.direct_a]) + targets.direct_from_a
    tb = np.where(walk_s[targets.direct_b] == UNREACHED, np.inf, walk_s[targets.direct_b]) + targets.direct_from_b
    direct = np.minimum(ta, tb)
    direct[direct > walk_limit_s] = np.inf
    out = np.empty((len(departures.seconds), targets.n_targets), dtype=np.float64)
    out_rides = np.empty(out.shape, dtype=np.int8)
    _propagate_rides(
        arrivals,
        rides,
        departures.seconds,
        targets.egress_ptr,
        targets.egress_target,
        targets.egress_s.astype(np.int64),
        direct,
        out,
        out_rides,
        threads=threads,
    )
    late = out > max_time_s
    out[late] = np.inf
    if not with_rides:
        return out
    out_rides[late] = -1
    return out, out_rides


def window_rides(seconds: np.ndarray, rides: np.ndarray, percentiles) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles over the departures (axis 0) as :func:`access.routing.transit_matrix.
    window_percentiles` (inverted CDF: an observed trip), with the rides of that trip
    (ties in time: the earliest departure's). ``(n_pct, n_targets)`` each; rides -1 where
    the percentile is unreached."""
    n = seconds.shape[0]
    if n == 1:
        return np.repeat(seconds, len(percentiles), axis=0), np.repeat(rides, len(percentiles), axis=0)
    columns = np.arange(seconds.shape[1])
    values = np.empty((len(percentiles), seconds.shape[1]))
    counts = np.empty((len(percentiles), seconds.shape[1]), dtype=np.int8)
    for i, p in enumerate(percentiles):
        k = min(max(int(np.ceil(n * float(p) / 100)) - 1, 0), n - 1)
        # the row a stable sort puts at rank k, in linear time: the k-th smallest value,
        # then its (k - #smaller)-th occurrence in departure order
        value = np.partition(seconds, k, axis=0)[k]
        equal = seconds == value[None, :]
        nth = k - (seconds < value[None, :]).sum(axis=0)
        row = np.argmax(equal & (np.cumsum(equal, axis=0) == nth[None, :] + 1), axis=0)
        values[i] = seconds[row, columns]
        counts[i] = rides[row, columns]
    return values, counts


def dated_network(network, departures: Departures):
    """``network`` with the transit of the departures' date: a dated departure *is* the
    service date (built from the same feeds on first use); an undated one keeps the
    network's own day. A date outside every feed's calendar raises :class:`InputError`."""
    return network.on_date(departures.date)


def service_day(transit, departures: Departures) -> dict[str, str]:
    """Which timetable day was routed and why, for result attrs and CLI lines."""
    day = dt.date.fromisoformat(transit.service_date)
    if departures.date is not None:
        rule = "the departure's date"
    elif transit.date_note.startswith("service date not given"):
        rule = "the feeds' typical weekday (" + transit.date_note.split("; using ", 1)[-1] + ")"
    else:
        rule = "the network's service_date"
    return {"service_date": transit.service_date, "service_weekday": f"{day:%A}", "service_date_rule": rule}


def describe_service_day(attrs: dict) -> str:
    """One line for people: ``timetable of 2019-05-13 (Monday; the departure's date)``."""
    return f"timetable of {attrs['service_date']} ({attrs['service_weekday']}; {attrs['service_date_rule']})"


def describe_transit_share(shares: dict[str, float]) -> str:
    """One line for people from a result's ``transit_share`` attr."""
    parts = [f"{share:.1%}" + ("" if len(shares) == 1 else f" ({name})") for name, share in shares.items()]
    return f"{', '.join(parts)} of the reached pairs used transit (the rest walked)"


def date_of(moment) -> dt.date | None:
    """The date of a departure / arrive-by value (None when it is a time of day only)."""
    if moment is None:
        return None
    return parse_departures(moment, 1).date


def board_slack_s(settings: TransitSettings) -> int:
    """Seconds from arriving at a stop to the earliest departure one may board (R5: a
    departure strictly more than 60 s later, i.e. at least 61 s)."""
    return int(settings.min_board_wait_s) + int(settings.board_wait_strict)


def retimed(snapped: Snapped, speed_kmh: float | None) -> Snapped:
    """``snapped`` with its off-street connectors walked at ``speed_kmh`` (None: as is)."""
    if speed_kmh is None:
        return snapped
    new = np.where(snapped.ok, snapped.distance_m / (speed_kmh / 3.6), np.inf)
    shift = np.where(snapped.ok, new - snapped.connector_s, 0.0)
    return replace(
        snapped,
        to_a=snapped.to_a + shift,
        to_b=snapped.to_b + shift,
        from_a=snapped.from_a + shift,
        from_b=snapped.from_b + shift,
        connector_s=new,
    )


def parse_deadlines(arrive_by, window_min: float = DEFAULT_WINDOW_MIN) -> Departures:
    """Arrival deadlines every minute of the window ending at ``arrive_by``.

    ``arrive_by="09:00"`` with a 30-minute window gives the 30 deadlines 08:31 … 09:00
    (the mirror of :func:`parse_departures`, whose window starts at the departure)."""
    if arrive_by is None:
        raise InputError("arrive_by needs a time like 09:00 or 2019-05-13T09:00.")
    try:
        parsed = parse_departures(arrive_by, window_min)
    except InputError as exc:
        raise InputError(str(exc).replace("departure", "arrive_by", 1)) from None
    span = int(parsed.seconds[-1] - parsed.seconds[0])
    return Departures(date=parsed.date, seconds=parsed.seconds - span)


def check_time_options(departure, arrive_by) -> None:
    """``departure`` and ``arrive_by`` are alternatives: refuse both at once, and an
    ``arrive_by`` that is not a time."""
    if departure is not None and arrive_by is not None:
        raise InputError(
            f"give either departure ({departure!r}) or arrive_by ({arrive_by!r}), not both: "
            "departure fixes when trips leave, arrive_by when they must arrive."
        )
    if arrive_by is not None:
        parse_deadlines(arrive_by, 1)  # a readable time even where the clock does not matter


def transit_times_from_sources(
    network,
    target_walk: Snapped,
    target_index: int,
    sources: Targets,
    deadlines: Departures,
    *,
    max_time_s: int,
    settings: TransitSettings,
    with_rides: bool = False,
):
    """float64 seconds ``(n_deadlines, n_sources)`` to reach one target by each deadline
    (arrive-by), inf beyond ``max_time_s``; with ``with_rides`` also the rides (int8).

    ``sources`` is a walk table from stops to the sources (:func:`stop_targets` /
    :func:`node_targets` with ``max_access_walk_min``): walking is symmetric on the walk
    network, so it is also the walk from each source to the stop. The time reported is
    deadline minus the latest departure from the source, so waiting at the target before
    the deadline counts (r5 / Conveyal's convention). A journey with transit boards at
    least one vehicle; a direct walk of at most ``settings.max_walk_min`` counts.
    """
    transit = network.transit
    walk = network.street("walk")
    walk_limit_s = min(int(max_time_s), int(round(settings.max_walk_min * 60)))
    search_s = max(walk_limit_s, int(round(settings.max_egress_walk_min * 60)))
    walk_s = _node_seconds(walk, target_walk, target_index, search_s)
    egress_stops, egress_s = _reach_stops(walk_s, _stops_on(walk, transit), settings.max_egress_walk_min * 60)
    latest, rides = reverse_range_raptor(
        transit,
        egress_stops,
        egress_s,
        deadlines.seconds,
        settings.max_transfers,
        board_slack_s=board_slack_s(settings),
        ridden_only=True,
        transfer_before_egress=settings.transfer_before_egress,
        with_rides=True,
    )
    ta = np.where(walk_s[sources.direct_a] == UNREACHED, np.inf, walk_s[sources.direct_a]) + sources.direct_from_a
    tb = np.where(walk_s[sources.direct_b] == UNREACHED, np.inf, walk_s[sources.direct_b]) + sources.direct_from_b
    direct = np.minimum(ta, tb)
    direct[direct > walk_limit_s] = np.inf
    out = np.empty((len(deadlines.seconds), sources.n_targets), dtype=np.float64)
    out_rides = np.empty(out.shape, dtype=np.int8)
    # deadline - latest departure + access walk == (-latest) - (-deadline) + walk: the
    # forward propagation kernel with negated times (-NEVER negates to NEVER: unreached).
    _propagate_rides(
        -latest,
        rides,
        -deadlines.seconds,
        sources.egress_ptr,
        sources.egress_target,
        sources.egress_s.astype(np.int64),
        direct,
        out,
        out_rides,
    )
    late = out > max_time_s
    out[late] = np.inf
    if not with_rides:
        return out
    out_rides[late] = -1
    return out, out_rides
