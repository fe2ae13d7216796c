"""Transit travel times: access legs, range-RAPTOR, egress to nodes or points, percentiles."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numba as nb
import numpy as np

from access._kernels.dijkstra import UNREACHED, one_to_all
from access._kernels.raptor import NEVER, range_raptor, reverse_range_raptor
from access.config import DEFAULT_DEPARTURE_TIME, DEFAULT_WINDOW_MIN, TransitSettings
from access.errors import InputError
from access.network.snap import Snapped, source_groups
from access.network.stop_links import Targets, egress_table
from access.network.street import StreetNetwork

__all__ = [
    "Departures",
    "Targets",
    "check_departure_date",
    "parse_departures",
    "transit_times_to_targets",
    "stop_targets",
    "node_targets",
    "ACCESS_MODES",
    "parse_deadlines",
    "check_time_options",
    "transit_times_from_sources",
]

ACCESS_MODES = ("walk", "bike", "car")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


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
        match = _TIME.match(clock)
        if match is None or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
            raise InputError(f"departure {departure!r} is not a time like 07:00 or 2019-05-13T07:00.")
        start = int(match.group(1)) * 3600 + int(match.group(2)) * 60 + int(match.group(3) or 0)
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
    walk: StreetNetwork, transit, points: Snapped, settings: TransitSettings, walk_min: float | None = None
) -> Targets:
    """Snapped points (on the walk network) as targets (walks capped by ``walk_min``,
    default ``settings.max_egress_walk_min``; see :func:`node_targets`)."""
    stops = _stops_on(walk, transit)
    walk_min = settings.max_egress_walk_min if walk_min is None else walk_min
    ptr, tgt, secs = egress_table(
        walk, stops, points.a, points.b, points.from_a, points.from_b, int(round(walk_min * 60))
    )
    return Targets(ptr, tgt, secs, len(points), points.a, points.b, points.from_a, points.from_b)


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


# Threads pay off only for big propagations (many departures x a long egress table, e.g.
# isochrones to every node); starting them costs milliseconds per call on a busy machine,
# which dominated many-origin matrices with one departure.
_PARALLEL_MIN_WORK = 2_000_000  # departures x egress entries
_propagate_threads = nb.njit(cache=True, parallel=True)(_propagate_body)
_propagate_serial = nb.njit(cache=True, nogil=True)(_propagate_body)


def _propagate(arrivals, departures, egress_ptr, egress_target, egress_s, direct, out, *, threads: bool = True) -> None:
    """Fill ``out`` (departures x targets seconds) from stop arrivals and egress walks;
    ``threads=False`` when the caller already runs origins in parallel threads."""
    work = arrivals.shape[0] * len(egress_target)
    big = arrivals.shape[0] > 1 and work >= _PARALLEL_MIN_WORK
    kernel = _propagate_threads if threads and big else _propagate_serial
    kernel(arrivals, departures, egress_ptr, egress_target, egress_s, direct, out)


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
) -> np.ndarray:
    """float64 seconds ``(n_departures, n_targets)`` from one origin by transit (with walk,
    bike or car access, walking egress, and a direct walk), inf beyond ``max_time_s``.
    ``threads=False``: no numba thread pool inside (the caller runs origins in threads)."""
    transit = network.transit
    walk = network.street("walk")
    walk_s = _node_seconds(walk, origin_walk, origin_index, max_time_s)
    stops_walk = _stops_on(walk, transit)
    access_stops, access_s = _reach_stops(walk_s, stops_walk, settings.max_access_walk_min * 60)
    if access_mode in ("bike", "car"):
        street = network.street(access_mode)
        limit = settings.max_access_car_min * 60 if access_mode == "car" else settings.max_access_walk_min * 60
        node_s = _node_seconds(street, origin_access, origin_index, int(limit))
        s2, t2 = _reach_stops(node_s, _stops_on(street, transit), limit)
        if access_mode == "car" and settings.park_ride_stops is not None:
            parking = np.isin(transit.stop_id[s2], settings.park_ride_stops) | np.isin(
                transit.stop_name[s2], settings.park_ride_stops
            )
            s2, t2 = s2[parking], t2[parking]
        t2 = t2 + int(round(settings.park_ride_penalty_min * 60))
        access_stops = np.r_[access_stops, s2]
        access_s = np.r_[access_s, t2]
    elif access_mode != "walk":
        raise InputError(f"unknown access mode {access_mode!r}; use one of {', '.join(ACCESS_MODES)}.")
    arrivals = range_raptor(transit, access_stops, access_s, departures.seconds, settings.max_transfers)
    ta = np.where(walk_s[targets.direct_a] == UNREACHED, np.inf, walk_s[targets.direct_a]) + targets.direct_from_a
    tb = np.where(walk_s[targets.direct_b] == UNREACHED, np.inf, walk_s[targets.direct_b]) + targets.direct_from_b
    direct = np.minimum(ta, tb)
    out = np.empty((len(departures.seconds), targets.n_targets), dtype=np.float64)
    _propagate(
        arrivals,
        departures.seconds,
        targets.egress_ptr,
        targets.egress_target,
        targets.egress_s.astype(np.int64),
        direct,
        out,
        threads=threads,
    )
    out[out > max_time_s] = np.inf
    return out


def check_departure_date(departures: Departures, transit) -> None:
    """A departure date, when given, must be the service date the network was built for."""
    if departures.date is not None and str(departures.date) != transit.service_date:
        raise InputError(
            f"departure date {departures.date} differs from the transit network's service date "
            f"{transit.service_date}; rebuild with service_date='{departures.date}' or give only a time."
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
) -> np.ndarray:
    """float64 seconds ``(n_deadlines, n_sources)`` to reach one target by each deadline
    (arrive-by), inf beyond ``max_time_s``.

    ``sources`` is a walk table from stops to the sources (:func:`stop_targets` /
    :func:`node_targets` with ``max_access_walk_min``): walking is symmetric on the walk
    network, so it is also the walk from each source to the stop. The time reported is
    deadline minus the latest departure from the source, so waiting at the target before
    the deadline counts (r5 / Conveyal's convention). A direct walk counts.
    """
    transit = network.transit
    walk = network.street("walk")
    walk_s = _node_seconds(walk, target_walk, target_index, max_time_s)
    egress_stops, egress_s = _reach_stops(walk_s, _stops_on(walk, transit), settings.max_egress_walk_min * 60)
    latest = reverse_range_raptor(transit, egress_stops, egress_s, deadlines.seconds, settings.max_transfers)
    ta = np.where(walk_s[sources.direct_a] == UNREACHED, np.inf, walk_s[sources.direct_a]) + sources.direct_from_a
    tb = np.where(walk_s[sources.direct_b] == UNREACHED, np.inf, walk_s[sources.direct_b]) + sources.direct_from_b
    direct = np.minimum(ta, tb)
    out = np.empty((len(deadlines.seconds), sources.n_targets), dtype=np.float64)
    # deadline - latest departure + access walk == (-latest) - (-deadline) + walk: the
    # forward propagation kernel with negated times (-NEVER negates to NEVER: unreached).
    _propagate(
        -latest,
        -deadlines.seconds,
        sources.egress_ptr,
        sources.egress_target,
        sources.egress_s.astype(np.int64),
        direct,
        out,
    )
    out[out > max_time_s] = np.inf
    return out
