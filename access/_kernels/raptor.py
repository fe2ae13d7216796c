"""Numba range-RAPTOR over a TransitNetwork's flat arrays.

Times are int64 seconds since midnight of the service date; ``NEVER`` is unreached.
Departures are processed latest first and labels are kept between them (rRAPTOR,
Delling, Pajor & Werneck 2012), so each departure minute costs only what improves.

What a search returns per stop is chosen by ``labels``: ``ALL`` (the earliest arrival by
any means, access legs included), ``RIDDEN`` (the earliest arrival having ridden at
least one vehicle, walking transfers after a ride included) or ``ALIGHTED`` (the earliest
arrival stepping off a vehicle there, R5's ``bestNonTransferTimes``). With the arrivals
comes the number of rides of that journey (the fewest that reach it as early).
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = [
    "NEVER",
    "ALL",
    "RIDDEN",
    "ALIGHTED",
    "TIMETABLE",
    "timetable",
    "range_raptor",
    "reverse_range_raptor",
    "reverse_transfers",
]

NEVER = np.int64(2**62)
ALL, RIDDEN, ALIGHTED = 0, 1, 2  # which labels a search returns (module docstring)


@nb.njit(cache=True, nogil=True)
def _earliest_trip(dep, base, n_trips, n_stops, pos, ready):
    """Index of the first trip departing position ``pos`` at or after ``ready`` (-1: none).
    Trips do not overtake, so departures at one position are sorted: binary search."""
    lo, hi = 0, n_trips
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep[base + mid * n_stops + pos] < ready:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < n_trips else -1


def timetable(transit) -> tuple:
    """The arrays of ``transit`` a forward RAPTOR search reads, as one tuple (the kernels
    take it as one argument and unpack it: :data:`TIMETABLE` names its fields in order)."""
    return tuple(getattr(transit, name) for name in TIMETABLE)


TIMETABLE = (
    "n_stops",
    "pattern_stop_ptr",
    "pattern_stops",
    "pattern_trip_ptr",
    "pattern_time_ptr",
    "arrival_s",
    "departure_s",
    "board_penalty_s",
    "alight_penalty_s",
    "stop_pattern_ptr",
    "stop_pattern",
    "stop_pattern_pos",
    "transfer_ptr",
    "transfer_to",
    "transfer_s",
    "stop_board_penalty_s",
)


@nb.njit(cache=True, nogil=True)
def _range_raptor(tt, access_stops, access_s, departures, max_rounds, board_slack_s, labels, out, out_rides):
    scratch = _raptor_scratch(tt[0], len(tt[1]) - 1, max_rounds, labels)
    _range_raptor_with(
        tt, access_stops, access_s, departures, max_rounds, board_slack_s, labels, out, out_rides, scratch
    )


@nb.njit(cache=True, nogil=True)
def _raptor_scratch(n_stops, n_patterns, max_rounds, labels):
    """Scratch of one search (:func:`_range_raptor_with`), reusable for the next origin:
    round-major labels ``best``, ``ride``, ``ridden`` (``ridden`` only sized for
    :data:`RIDDEN`, which reads ``best`` of round 0 alone), marked / by-transit stop flags,
    the pattern queue (all -1), the stops whose labels changed in a departure and the
    stops a round may board at (flags all False, and their lists)."""
    best = np.empty((1 if labels == RIDDEN else max_rounds + 1, n_stops), dtype=np.int64)
    ride = np.empty((max_rounds + 1, n_stops), dtype=np.int64)
    ridden = np.empty((max_rounds + 1 if labels == RIDDEN else 1, n_stops), dtype=np.int64)
    marked = np.zeros(n_stops, dtype=np.bool_)
    by_transit = np.zeros(n_stops, dtype=np.bool_)
    queue = np.full(n_patterns, -1, dtype=np.int64)
    queued = np.empty(n_patterns, dtype=np.int64)
    changed = np.zeros(n_stops, dtype=np.bool_)
    changed_list = np.empty(n_stops, dtype=np.int64)
    boardable = np.zeros(n_stops, dtype=np.bool_)
    boardable_list = np.empty(n_stops, dtype=np.int64)
    return best, ride, ridden, marked, by_transit, queue, queued, changed, changed_list, boardable, boardable_list


@nb.njit(cache=True, nogil=True, inline="always")
def _carry(labels, r, stops, n):
    """Round ``r`` starts from round ``r - 1`` (at most r rides is no worse than r - 1) at
    the first ``n`` of ``stops``: the only ones whose labels changed this departure (every
    other stop's rounds were carried by an earlier departure)."""
    for k in range(n):
        s = stops[k]
        if labels[r - 1, s] < labels[r, s]:
            labels[r, s] = labels[r - 1, s]


@nb.njit(cache=True, nogil=True)
def _range_raptor_with(
    tt, access_stops, access_s, departures, max_rounds, board_slack_s, labels, out, out_rides, scratch
):
    """:func:`_range_raptor` on caller-owned scratch (``tt``: :func:`timetable`; ``scratch``:
    :func:`_raptor_scratch`), which it resets: many origins on one thread allocate it once."""
    (
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
    ) = tt
    best, ride, ridden, marked, by_transit, queue, queued, changed, changed_list, boardable, boardable_list = scratch
    # Labels are kept over this and every later departure (rRAPTOR keeps labels: a later
    # departure's journey is also a journey for an earlier one, after waiting at the
    # origin), and compared within the same ride count only, so a later departure's
    # many-ride arrival never prunes an earlier departure's few-ride one (which could
    # still ride further). The earliest arrival with at most r rides, best[r, s], is
    # min(best[0, s], ridden[r, s]): a journey rides no vehicle (best[0]: the access leg
    # alone; walking transfers only follow rides) or 1..r vehicles. ridden[r, s]: earliest
    # arrival having ridden 1..r vehicles (by riding or a walking transfer after a ride),
    # kept only for RIDDEN results; ride[r, s]: the same by riding only (walking transfers
    # start there; R5's bestNonTransferTimes). Labels are round-major and carried lazily:
    # round r starts from round r - 1 (``_carry``), so an improvement writes one label, and
    # a round's row of the labels stays in the first-level cache while transfers relax it.
    # With ridden kept (RIDDEN), best[r >= 1] is read as that minimum, never stored or
    # carried: a third fewer label writes.
    keep_ridden = labels == RIDDEN
    best[:] = NEVER
    ride[:] = NEVER
    ridden[:] = NEVER
    marked[:] = False
    n_changed = 0
    for d in range(len(departures)):  # latest first
        t0 = departures[d]
        for k in range(len(access_stops)):
            s = access_stops[k]
            a = t0 + access_s[k]
            if a < best[0, s]:
                # After the first departure, a stop with no trip leaving it between this
                # and the previous (later) readiness offers no new boarding: every journey
                # from it is the later departure's, already labelled; do not scan from it.
                if d == 0 or _new_boarding(
                    s,
                    a + board_slack_s,
                    best[0, s] + board_slack_s,
                    stop_pattern_ptr,
                    stop_pattern,
                    stop_pattern_pos,
                    pattern_stop_ptr,
                    pattern_trip_ptr,
                    pattern_time_ptr,
                    departure_s,
                    board_penalty_s,
                    stop_board_penalty_s,
                ):
                    marked[s] = True
                best[0, s] = a
                if not changed[s]:
                    changed[s] = True
                    changed_list[n_changed] = s
                    n_changed += 1
        last = max_rounds
        for r in range(1, max_rounds + 1):
            if not keep_ridden:
                _carry(best, r, changed_list, n_changed)
            _carry(ride, r, changed_list, n_changed)
            if keep_ridden:
                _carry(ridden, r, changed_list, n_changed)
            # patterns through stops marked in the previous round, from their first such stop
            n_queued = 0
            n_boardable = 0
            for s in range(n_stops):
                if not marked[s]:
                    continue
                marked[s] = False
                boardable[s] = True
                boardable_list[n_boardable] = s
                n_boardable += 1
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
                for k in range(n_boardable):  # marked stops no pattern serves
                    boardable[boardable_list[k]] = False
                last = r
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
                for i in range(start, n_p):
                    s = pattern_stops[s0 + i]
                    if trip >= 0:
                        a = arrival_s[base + trip * n_p + i] + alight
                        if a < ride[r, s]:
                            ride[r, s] = a
                            by_transit[s] = True
                            if not changed[s]:
                                changed[s] = True
                                changed_list[n_changed] = s
                                n_changed += 1
                            if keep_ridden:
                                if a < ridden[r, s]:
                                    ridden[r, s] = a
                                    if a < best[0, s]:
                                        marked[s] = True
                            elif a < best[r, s]:
                                best[r, s] = a
                                marked[s] = True
                    if not boardable[s]:
                        continue
                    if keep_ridden:  # best[r - 1] = min(best[0], ridden[r - 1]): not kept
                        prev = best[0, s] if r == 1 else min(best[0, s], ridden[r - 1, s])
                    else:
                        prev = best[r - 1, s]
                    if prev < NEVER:
                        ready = prev + board_slack_s
                        ready += board if stop_board_penalty_s[s] < 0 else stop_board_penalty_s[s]
                        if trip < 0:
                            trip = _earliest_trip(departure_s, base, n_trips, n_p, i, ready)
                        elif trip > 0 and departure_s[base + (trip - 1) * n_p + i] >= ready:
                            # an earlier trip is catchable here (trips do not overtake)
                            trip = _earliest_trip(departure_s, base, trip, n_p, i, ready)
            for k in range(n_boardable):
                boardable[boardable_list[k]] = False
            # walking transfers from stops reached by riding in this round (after the last
            # round they only serve RIDDEN / ALL results: ALIGHTED ends where a vehicle stops)
            if r == max_rounds and labels == ALIGHTED:
                continue
            for s in range(n_stops):
                if not by_transit[s]:
                    continue
                a0 = ride[r, s]
                if keep_ridden:
                    for e in range(transfer_ptr[s], transfer_ptr[s + 1]):
                        v = transfer_to[e]
                        a = a0 + transfer_s[e]
                        if a < ridden[r, v]:
                            ridden[r, v] = a
                            if not changed[v]:
                                changed[v] = True
                                changed_list[n_changed] = v
                                n_changed += 1
                            if a < best[0, v]:
                                marked[v] = True
                else:
                    for e in range(transfer_ptr[s], transfer_ptr[s + 1]):
                        v = transfer_to[e]
                        a = a0 + transfer_s[e]
                        if a < best[r, v]:
                            best[r, v] = a
                            marked[v] = True
                            if not changed[v]:
                                changed[v] = True
                                changed_list[n_changed] = v
                                n_changed += 1
        for r in range(last + 1, max_rounds + 1):  # rounds not run (nothing marked) carry on
            if not keep_ridden:
                _carry(best, r, changed_list, n_changed)
            _carry(ride, r, changed_list, n_changed)
            if keep_ridden:
                _carry(ridden, r, changed_list, n_changed)
        marked[:] = False  # marks of a last round with nothing after it
        final = best if labels == ALL else (ridden if keep_ridden else ride)
        if d == 0:
            _final_labels(final, d, out, out_rides)
        else:  # labels kept from the later departure, but where they changed
            out[d] = out[d - 1]
            out_rides[d] = out_rides[d - 1]
            for k in range(n_changed):
                _final_label(final, d, changed_list[k], out, out_rides)
        for k in range(n_changed):
            changed[changed_list[k]] = False
        n_changed = 0


@nb.njit(cache=True, nogil=True)
def _new_boarding(
    s,
    ready,
    before,
    stop_pattern_ptr,
    stop_pattern,
    stop_pattern_pos,
    pattern_stop_ptr,
    pattern_trip_ptr,
    pattern_time_ptr,
    departure_s,
    board_penalty_s,
    stop_board_penalty_s,
):
    """Whether a trip leaves stop ``s`` at or after ``ready`` but before ``before`` (both
    before the boarding penalty), on any pattern through it."""
    for e in range(stop_pattern_ptr[s], stop_pattern_ptr[s + 1]):
        p = stop_pattern[e]
        pos = stop_pattern_pos[e]
        pen = board_penalty_s[p] if stop_board_penalty_s[s] < 0 else stop_board_penalty_s[s]
        n_p = pattern_stop_ptr[p + 1] - pattern_stop_ptr[p]
        n_trips = pattern_trip_ptr[p + 1] - pattern_trip_ptr[p]
        base = pattern_time_ptr[p]
        trip = _earliest_trip(departure_s, base, n_trips, n_p, pos, ready + pen)
        if trip >= 0 and departure_s[base + trip * n_p + pos] < before + pen:
            return True
    return False


@nb.njit(cache=True, nogil=True)
def _final_labels(labels, d, out, out_rides):
    """Row ``d`` of the results: the best label of every stop (round-major labels, every
    round carried) and its fewest rides (round 0 of ``best``: the access leg alone)."""
    for s in range(labels.shape[1]):
        _final_label(labels, d, s, out, out_rides)


@nb.njit(cache=True, nogil=True, inline="always")
def _final_label(labels, d, s, out, out_rides):
    """Entry ``[d, s]`` of :func:`_final_labels`."""
    a = labels[labels.shape[0] - 1, s]
    out[d, s] = a
    k = 0
    if a < NEVER:
        while labels[k, s] != a:
            k += 1
    out_rides[d, s] = k


def range_raptor(
    transit,
    access_stops: np.ndarray,
    access_s: np.ndarray,
    departures_s: np.ndarray,
    max_transfers: int,
    *,
    board_slack_s: int = 0,
    labels: int = ALL,
    with_rides: bool = False,
):
    """Earliest arrival (int64 s, ``NEVER`` if none) at every stop for each departure.

    ``access_stops``/``access_s``: stops reached from the origin and the seconds it takes
    (walking, cycling or driving, penalties included). ``departures_s``: departure times
    from the origin (seconds since midnight), any order. Returns ``(n_departures, n_stops)``
    in the order given. Arrivals allow waiting at the origin: the result for departure t
    is the earliest arrival of any journey leaving at t or later.

    ``board_slack_s``: seconds between arriving at a stop and the earliest departure one
    may board there (R5's 60-s minimum wait with its strict comparison is 61).
    ``labels``: :data:`ALL`, :data:`RIDDEN` or :data:`ALIGHTED` (module docstring).
    ``with_rides``: also return the rides of each arrival (int8, same shape; 0 for an
    access leg alone).
    """
    departures_s = np.asarray(departures_s, dtype=np.int64)
    order = np.argsort(-departures_s, kind="stable")
    out = np.empty((len(departures_s), transit.n_stops), dtype=np.int64)
    rides = np.empty((len(departures_s), transit.n_stops), dtype=np.int8)
    _range_raptor(
        timetable(transit),
        np.ascontiguousarray(access_stops, dtype=np.int64),
        np.ascontiguousarray(access_s, dtype=np.int64),
        departures_s[order],
        np.int64(max_transfers + 1),
        np.int64(board_slack_s),
        np.int64(labels),
        out,
        rides,
    )
    result = np.empty_like(out)
    result[order] = out
    if not with_rides:
        return result
    ride_count = np.empty_like(rides)
    ride_count[order] = rides
    return result, ride_count


@nb.njit(cache=True, nogil=True)
def _latest_trip(arr, base, n_trips, n_stops, pos, deadline):
    """Index of the last trip arriving at position ``pos`` at or before ``deadline``
    (-1: none). FIFO patterns keep arrivals sorted too: binary search."""
    lo, hi = 0, n_trips
    while lo < hi:
        mid = (lo + hi) >> 1
        if arr[base + mid * n_stops + pos] <= deadline:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@nb.njit(cache=True, nogil=True, inline="always")
def _improve_late(labels, r, s, a):
    """Max-labels mirror of :func:`_improve`: a later time with at most r rides."""
    if a <= labels[r, s]:
        return False
    for k in range(r, labels.shape[0]):
        if a > labels[k, s]:
            labels[k, s] = a
    return True


@nb.njit(cache=True, nogil=True)
def _reverse_range_raptor(
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
    rtransfer_ptr,
    rtransfer_from,
    rtransfer_s,
    stop_board_penalty_s,
    egress_stops,
    egress_s,
    deadlines,
    max_rounds,
    board_slack_s,
    ridden_only,
    transfer_before_egress,
    out,
    out_rides,
):
    n_patterns = len(pattern_stop_ptr) - 1
    # board[r, s]: latest time one may stand at s, free, and still reach the target by the
    # deadline with at most r rides (boarding there, or walking to the target in round 0).
    # Kept across deadlines (earliest first): a journey in time for an earlier deadline is
    # in time for every later one, after waiting at the target.
    board = np.full((max_rounds + 1, n_stops), -NEVER, dtype=np.int64)
    # alight[r, s]: latest time one may have alighted at s (alight penalty paid) and still
    # make it with r rides after: stay (board[r, s]) or walk a transfer to a stop v
    # (board[r, v] - walk). Only a ride may end there, as forward transfers follow rides.
    alight = np.full((max_rounds + 1, n_stops), -NEVER, dtype=np.int64)
    # rode[r, s]: as board, for journeys boarding a vehicle at s (1..r rides), kept apart
    # from board so the walk to the target alone (round 0) never hides it.
    rode = np.full((max_rounds + 1, n_stops), -NEVER, dtype=np.int64)
    result = rode if ridden_only else board
    marked = np.zeros(n_stops, dtype=np.bool_)
    boarded = np.zeros(n_stops, dtype=np.bool_)
    queue = np.full(n_patterns, -1, dtype=np.int64)
    queued = np.empty(n_patterns, dtype=np.int64)
    for d in range(len(deadlines)):  # earliest first
        t_end = deadlines[d]
        boarded[:] = False
        for k in range(len(egress_stops)):
            s = egress_stops[k]
            if _improve_late(board, 0, s, t_end - egress_s[k]):
                boarded[s] = True
        for r in range(1, max_rounds + 1):
            # alight labels of round r - 1 from stops whose board label just improved
            marked[:] = False
            for v in range(n_stops):
                if not boarded[v]:
                    continue
                b = board[r - 1, v]
                if _improve_late(alight, r - 1, v, b):
                    marked[v] = True
                if r == 1 and not transfer_before_egress:
                    continue  # the walk to the target starts where the last vehicle was left
                for e in range(rtransfer_ptr[v], rtransfer_ptr[v + 1]):
                    s = rtransfer_from[e]
                    if _improve_late(alight, r - 1, s, b - rtransfer_s[e]):
                        marked[s] = True
            # patterns through marked stops, scanned backwards from their last such stop
            n_queued = 0
            for s in range(n_stops):
                if not marked[s]:
                    continue
                for e in range(stop_pattern_ptr[s], stop_pattern_ptr[s + 1]):
                    p = stop_pattern[e]
                    pos = stop_pattern_pos[e]
                    if queue[p] < 0:
                        queued[n_queued] = p
                        n_queued += 1
                        queue[p] = pos
                    elif pos > queue[p]:
                        queue[p] = pos
            if n_queued == 0:
                break
            boarded[:] = False
            for q in range(n_queued):
                p = queued[q]
                start = queue[p]
                queue[p] = -1
                s0 = pattern_stop_ptr[p]
                n_p = pattern_stop_ptr[p + 1] - s0
                n_trips = pattern_trip_ptr[p + 1] - pattern_trip_ptr[p]
                base = pattern_time_ptr[p]
                off = alight_penalty_s[p]
                trip = -1
                for i in range(start, -1, -1):
                    s = pattern_stops[s0 + i]
                    if trip >= 0:
                        pen = board_penalty_s[p] if stop_board_penalty_s[s] < 0 else stop_board_penalty_s[s]
                        b = departure_s[base + trip * n_p + i] - pen - board_slack_s
                        _improve_late(rode, r, s, b)
                        if _improve_late(board, r, s, b):
                            boarded[s] = True
                    late = alight[r - 1, s]
                    if late > -NEVER:
                        if trip < 0 or arrival_s[base + trip * n_p + i] + off <= late:
                            later = _latest_trip(arrival_s, base, n_trips, n_p, i, late - off)
                            if later >= 0 and later > trip:
                                trip = later
        _final_late_labels(result, d, out, out_rides)


@nb.njit(cache=True, nogil=True)
def _final_late_labels(labels, d, out, out_rides):
    """Row ``d`` of the arrive-by results: each stop's latest label and its fewest rides."""
    last = labels.shape[0] - 1
    for s in range(labels.shape[1]):
        a = labels[last, s]
        out[d, s] = a
        k = 0
        if a > -NEVER:
            while labels[k, s] != a:
                k += 1
        out_rides[d, s] = k


def reverse_transfers(transit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walking transfers grouped by the stop they lead to: ``ptr`` (n_stops + 1), the stop
    each comes from, and its seconds (the transpose of the network's transfer CSR).
    Computed from the arrays each call; a TransitNetwork keeps its own
    (``transit.reverse_transfers``)."""
    n = transit.n_stops
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(transit.transfer_ptr))
    dst = np.asarray(transit.transfer_to, dtype=np.int64)
    order = np.argsort(dst, kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(dst, minlength=n))].astype(np.int64)
    return ptr, src[order], np.asarray(transit.transfer_s, dtype=np.int64)[order]


def reverse_range_raptor(
    transit,
    egress_stops: np.ndarray,
    egress_s: np.ndarray,
    deadlines_s: np.ndarray,
    max_transfers: int,
    *,
    board_slack_s: int = 0,
    ridden_only: bool = False,
    transfer_before_egress: bool = True,
    with_rides: bool = False,
):
    """Latest departure (int64 s, ``-NEVER`` if none) from every stop for each deadline.

    The arrive-by mirror of :func:`range_raptor`: ``egress_stops``/``egress_s`` are the
    stops from which the target is reached and the seconds it takes (walking);
    ``deadlines_s`` the arrival deadlines at the target (seconds since midnight), any
    order. Entry ``[d, s]`` is the latest time one can stand at stop ``s``, ready to board
    (boarding penalties still to pay, as the forward search's arrival labels), and reach
    the target by deadline ``d``; waiting at the target is allowed. Returns
    ``(n_deadlines, n_stops)`` in the order given.

    ``board_slack_s``: the minimum wait before boarding (as :func:`range_raptor`);
    ``ridden_only``: only journeys boarding at the stop (not the walk to the target from
    it); ``transfer_before_egress=False``: no walking transfer just before the walk to
    the target; ``with_rides``: also return each label's rides (int8).
    """
    deadlines_s = np.asarray(deadlines_s, dtype=np.int64)
    order = np.argsort(deadlines_s, kind="stable")
    out = np.empty((len(deadlines_s), transit.n_stops), dtype=np.int64)
    rides = np.empty((len(deadlines_s), transit.n_stops), dtype=np.int8)
    ptr, src, secs = transit.reverse_transfers  # derived once per network
    _reverse_range_raptor(
        transit.n_stops,
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
        ptr,
        src,
        secs,
        transit.stop_board_penalty_s,
        np.ascontiguousarray(egress_stops, dtype=np.int64),
        np.ascontiguousarray(egress_s, dtype=np.int64),
        deadlines_s[order],
        np.int64(max_transfers + 1),
        np.int64(board_slack_s),
        bool(ridden_only),
        bool(transfer_before_egress),
        out,
        rides,
    )
    result = np.empty_like(out)
    result[order] = out
    if not with_rides:
        return result
    ride_count = np.empty_like(rides)
    ride_count[order] = rides
    return result, ride_count
