"""Numba RAPTOR for one departure that records how every label was reached (itineraries).

The labels are those of :mod:`access._kernels.raptor` for a single departure (round r:
the earliest arrival with at most r rides; walking transfers only after a ride; the same
board/alight penalties, per-stop boarding overrides and earliest-trip search), so the
arrival times equal the travel-time kernel's; in addition each label keeps its parent:
the access walk, the ride (pattern, trip, boarding position) or the transfer (from stop)
that set it. Round-based RAPTOR: Delling, Pajor & Werneck (2012), "Round-Based Public
Transit Routing", ALENEX.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

__all__ = ["NEVER", "KIND_ACCESS", "KIND_RIDE", "KIND_TRANSFER", "PathLabels", "raptor_paths"]

NEVER = np.int64(2**62)
KIND_ACCESS, KIND_RIDE, KIND_TRANSFER = 1, 2, 3


@nb.njit(cache=True, nogil=True)
def _earliest_trip(dep, base, n_trips, n_stops, pos, ready):
    lo, hi = 0, n_trips
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep[base + mid * n_stops + pos] < ready:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < n_trips else -1


@nb.njit(cache=True, nogil=True)
def _lower(labels, r, s, a):
    """The at-most-r-rides label of s (and of every later round) to ``a`` if better."""
    if a >= labels[r, s]:
        return False
    for k in range(r, labels.shape[0]):
        if a < labels[k, s]:
            labels[k, s] = a
    return True


@nb.njit(cache=True, nogil=True)
def _raptor_paths(
    n_stops,
    pattern_stop_ptr,
    pattern_stops,
    pattern_trip_ptr,
    pattern_time_ptr,
    arrival_s,
    departure_s,
    board_penalty_s,
    alight_penalty_s,
    stop_pattern_ptr,
    stop_pattern,
    stop_pattern_pos,
    transfer_ptr,
    transfer_to,
    transfer_s,
    stop_board_penalty_s,
    access_stops,
    access_s,
    t0,
    max_rounds,
    board_slack_s,
    tau,
    ride,
    ridden,
    ridden_kind,
    ridden_via,
    kind,
    ride_pattern,
    ride_trip,
    ride_board,
    ride_alight,
    via,
):
    n_patterns = len(pattern_stop_ptr) - 1
    marked = np.zeros(n_stops, dtype=np.bool_)
    by_transit = np.zeros(n_stops, dtype=np.bool_)
    queue = np.full(n_patterns, -1, dtype=np.int64)
    queued = np.empty(n_patterns, dtype=np.int64)
    for k in range(len(access_stops)):
        s = access_stops[k]
        if _lower(tau, 0, s, t0 + access_s[k]):
            kind[0, s] = KIND_ACCESS
            marked[s] = True
    for r in range(1, max_rounds + 1):
        n_queued = 0
        for s in range(n_stops):
            if not marked[s]:
                continue
            marked[s] = False
            for e in range(stop_pattern_ptr[s], stop_pattern_ptr[s + 1]):
                p = stop_pattern[e]
                pos = stop_pattern_pos[e]
                if queue[p] < 0:
                    queued[n_queued] = p
                    n_queued += 1
                    queue[p] = pos
                elif pos < queue[p]:
                    queue[p] = pos
        if n_queued == 0:
            break
        by_transit[:] = False
        for q in range(n_queued):
            p = queued[q]
            start = queue[p]
            queue[p] = -1
            s0 = pattern_stop_ptr[p]
            n_p = pattern_stop_ptr[p + 1] - s0
            n_trips = pattern_trip_ptr[p + 1] - pattern_trip_ptr[p]
            base = pattern_time_ptr[p]
            board = board_penalty_s[p]
            alight = alight_penalty_s[p]
            trip = -1
            boarded_at = -1
            for i in range(start, n_p):
                s = pattern_stops[s0 + i]
                if trip >= 0:
                    a = arrival_s[base + trip * n_p + i] + alight
                    if _lower(ride, r, s, a):
                        ride_pattern[r, s] = p
                        ride_trip[r, s] = trip
                        ride_board[r, s] = boarded_at
                        ride_alight[r, s] = i
                        by_transit[s] = True
                        if _lower(ridden, r, s, a):
                            ridden_kind[r, s] = KIND_RIDE
                        if _lower(tau, r, s, a):
                            kind[r, s] = KIND_RIDE
                            marked[s] = True
                prev = tau[r - 1, s]
                if prev < NEVER:
                    ready = prev + board_slack_s
                    ready += board if stop_board_penalty_s[s] < 0 else stop_board_penalty_s[s]
                    if trip < 0 or ready <= departure_s[base + trip * n_p + i]:
                        earlier = _earliest_trip(departure_s, base, n_trips, n_p, i, ready)
                        if earlier >= 0 and (trip < 0 or earlier < trip):
                            trip = earlier
                            boarded_at = i
        for s in range(n_stops):
            if not by_transit[s]:
                continue
            a0 = ride[r, s]
            for e in range(transfer_ptr[s], transfer_ptr[s + 1]):
                v = transfer_to[e]
                if _lower(ridden, r, v, a0 + transfer_s[e]):
                    ridden_kind[r, v] = KIND_TRANSFER
                    ridden_via[r, v] = s
                if _lower(tau, r, v, a0 + transfer_s[e]):
                    kind[r, v] = KIND_TRANSFER
                    via[r, v] = s
                    marked[v] = True


class PathLabels(NamedTuple):
    """The labels and parents of one departure (see :func:`raptor_paths`)."""

    tau: np.ndarray
    ride: np.ndarray
    kind: np.ndarray
    ride_pattern: np.ndarray
    ride_trip: np.ndarray
    ride_board: np.ndarray
    ride_alight: np.ndarray
    via: np.ndarray
    ridden: np.ndarray
    ridden_kind: np.ndarray
    ridden_via: np.ndarray


def raptor_paths(
    transit,
    access_stops: np.ndarray,
    access_s: np.ndarray,
    departure_s: int,
    max_transfers: int,
    board_slack_s: int = 0,
):
    """Labels and parents of one departure at ``departure_s`` (seconds since midnight).

    Returns ``(tau, ride, kind, ride_pattern, ride_trip, ride_board, ride_alight, via)``, each
    ``(max_transfers + 2, n_stops)``: ``tau[r, s]`` the earliest arrival at ``s`` with at
    most ``r`` rides (int64 s, ``NEVER``: none) and ``kind`` how the round that first
    reached that value got it (access, ride or transfer); ``ride[r, s]`` the earliest
    arrival by riding with its pattern, trip (0-based in the pattern), boarding and alighting
    positions;
    ``via[r, s]`` the stop a transfer came from; ``ridden[r, s]`` the earliest arrival having
    ridden at least one vehicle (by riding, or a walking transfer after a ride) with
    ``ridden_kind`` / ``ridden_via``. ``board_slack_s``: seconds from arriving at a stop to
    the earliest departure one may board (R5's 60-s minimum wait, strict: 61).
    """
    rounds = int(max_transfers) + 2
    n = transit.n_stops
    tau = np.full((rounds, n), NEVER, dtype=np.int64)
    ride = np.full((rounds, n), NEVER, dtype=np.int64)
    kind = np.zeros((rounds, n), dtype=np.int8)
    ride_pattern = np.full((rounds, n), -1, dtype=np.int64)
    ride_trip = np.full((rounds, n), -1, dtype=np.int64)
    ride_board = np.full((rounds, n), -1, dtype=np.int64)
    ride_alight = np.full((rounds, n), -1, dtype=np.int64)
    via = np.full((rounds, n), -1, dtype=np.int64)
    ridden = np.full((rounds, n), NEVER, dtype=np.int64)
    ridden_kind = np.zeros((rounds, n), dtype=np.int8)
    ridden_via = np.full((rounds, n), -1, dtype=np.int64)
    _raptor_paths(
        n,
        transit.pattern_stop_ptr,
        transit.pattern_stops,
        transit.pattern_trip_ptr,
        transit.pattern_time_ptr,
        transit.arrival_s,
        transit.departure_s,
        transit.board_penalty_s,
        transit.alight_penalty_s,
        transit.stop_pattern_ptr,
        transit.stop_pattern,
        transit.stop_pattern_pos,
        transit.transfer_ptr,
        transit.transfer_to,
        transit.transfer_s,
        transit.stop_board_penalty_s,
        np.ascontiguousarray(access_stops, dtype=np.int64),
        np.ascontiguousarray(access_s, dtype=np.int64),
        np.int64(departure_s),
        np.int64(rounds - 1),
        np.int64(board_slack_s),
        tau,
        ride,
        ridden,
        ridden_kind,
        ridden_via,
        kind,
        ride_pattern,
        ride_trip,
        ride_board,
        ride_alight,
        via,
    )
    return PathLabels(
        tau, ride, kind, ride_pattern, ride_trip, ride_board, ride_alight, via, ridden, ridden_kind, ridden_via
    )
