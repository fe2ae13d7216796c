"""Numba kernel of a walk-access transit matrix: every origin's walk search, range-RAPTOR,
egress propagation and window percentiles in one parallel loop over origins.

One call does for each origin what :func:`access.routing.transit.transit_times_to_targets`
and :func:`access.routing.transit.window_rides` do from Python, with the same arithmetic
(so the same seconds and rides), on numba's threads over shared read-only arrays: no
Python between the stages, no thread pool. Over a departure window the egress walks are
propagated incrementally: departures run latest first, and a stop whose arrival (and
rides) did not change since the next-later departure contributes exactly its previous
time plus the minutes between the two departures, so only the changed stops are walked
on from (the window costs a fraction of one propagation per minute).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from access._kernels.chains import chain_queries, chain_search
from access._kernels.dijkstra import UNREACHED
from access._kernels.raptor import NEVER, _range_raptor_with, _raptor_scratch, timetable

__all__ = ["walk_transit_matrix", "walk_queries"]

_RIDE_BITS = 4  # rides (at most 11) in the low bits of an egress key


@nb.njit(cache=True, nogil=True)
def _access_legs(dist, st_ok, st_a, st_b, st_from_a, st_from_b, limit_s, max_stops):
    """Stops within ``limit_s`` of the node seconds ``dist`` via their snapped edge, and
    their rounded seconds (as routing.transit._reach_stops); only the ``max_stops``
    nearest (ties: the lower stop) when ``max_stops`` > 0."""
    n = len(st_ok)
    stops = np.empty(n, dtype=np.int64)
    seconds = np.empty(n, dtype=np.int64)
    k = 0
    for s in range(n):
        if not st_ok[s]:
            continue
        da = dist[st_a[s]]
        db = dist[st_b[s]]
        ta = np.inf if da == UNREACHED else np.float64(da) + st_from_a[s]
        tb = np.inf if db == UNREACHED else np.float64(db) + st_from_b[s]
        t = min(ta, tb)
        if t <= limit_s:
            stops[k] = s
            seconds[k] = np.int64(np.rint(t))
            k += 1
    stops, seconds = stops[:k], seconds[:k]
    if 0 < max_stops < k:
        keep = np.sort(np.argsort(seconds, kind="mergesort")[:max_stops])  # stable: lower stop first
        stops, seconds = stops[keep], seconds[keep]
    return stops, seconds


@nb.njit(cache=True, nogil=True)
def _stable_rank(values, k, scratch):
    """Index of the element a stable sort of ``values`` puts at rank ``k`` (ties in index
    order), in linear time and no allocation (``scratch``: as long as ``values``): the
    k-th smallest value, then its right occurrence. A column of one value (a target
    never reached, or reached alike every minute) is rank ``k`` itself."""
    lo_v = values[0]
    hi_v = values[0]
    for j in range(len(values)):
        x = values[j]
        scratch[j] = x
        lo_v = min(lo_v, x)
        hi_v = max(hi_v, x)
    if lo_v == hi_v:
        return k
    v = _select(scratch, k)
    below = 0
    for x in values:
        if x < v:
            below += 1
    seen = 0
    for j in range(len(values)):
        if values[j] == v:
            if seen == k - below:
                return j
            seen += 1
    return -1  # unreachable: v occurs in values


@nb.njit(cache=True, nogil=True)
def _select(a, k):
    """The k-th smallest of ``a`` (reordered in place): quickselect, three-way partitions
    (departure columns repeat values)."""
    lo, hi = 0, len(a) - 1
    while lo < hi:
        x, y, z = a[lo], a[(lo + hi) >> 1], a[hi]
        pivot = max(min(x, y), min(max(x, y), z))  # median of three
        lt, i, gt = lo, lo, hi
        while i <= gt:
            if a[i] < pivot:
                a[lt], a[i] = a[i], a[lt]
                lt += 1
                i += 1
            elif a[i] > pivot:
                a[i], a[gt] = a[gt], a[i]
                gt -= 1
            else:
                i += 1
        if k < lt:
            hi = lt - 1
        elif k > gt:
            lo = gt + 1
        else:
            return pivot
    return a[lo]


@nb.njit(cache=True, nogil=True)
def _relax(arrivals_row, rides_row, prev_arr, prev_rides, t0, egress_ptr, egress_target, egress_key, best):
    """Lower ``best`` (per target the packed key of :func:`_egress_by_target`) by the stops
    whose arrival or rides differ from ``prev_*`` (the next-later departure's);
    ``egress_key``: each walk's seconds shifted into key position."""
    for s in range(len(arrivals_row)):
        a = arrivals_row[s]
        if a >= NEVER:
            continue
        r = rides_row[s]
        if a == prev_arr[s] and r == prev_rides[s]:
            continue
        key = ((a - t0) << _RIDE_BITS) | r
        for e in range(egress_ptr[s], egress_ptr[s + 1]):
            t = egress_target[e]
            best[t] = min(best[t], key + egress_key[e])


@nb.njit(cache=True, nogil=True)
def _egress_by_target(arrivals_row, rides_row, t0, by_ptr, by_stop, by_key, key, best):
    """Set ``best`` of every target to its fastest egress (fewest rides among the fastest)
    from the stop arrivals of one departure as one ordered int64 key, ``(seconds <<
    _RIDE_BITS) | rides`` (NEVER or more: none), target by target: the minimum over a
    target's walks is one branch-free pass (no scattered read-modify-write); ``by_key``:
    each walk's seconds shifted into key position."""
    for s in range(len(arrivals_row)):
        a = arrivals_row[s]
        key[s] = NEVER if a >= NEVER else ((a - t0) << _RIDE_BITS) | rides_row[s]
    for t in range(len(by_ptr) - 1):
        m = NEVER
        for e in range(by_ptr[t], by_ptr[t + 1]):
            m = min(m, key[by_stop[e]] + by_key[e])
        best[t] = m


@nb.njit(cache=True, parallel=True)
def _matrix(
    chains,
    queries,
    src_ptr,
    src_nodes,
    src_cost,
    rows,
    search_s,
    access_limit_s,
    max_access_stops,
    walk_limit_s,
    max_time_s,
    st,
    tt,
    departures,
    given_index,
    max_rounds,
    board_slack_s,
    labels,
    tg,
    walk_only,
    dest_ok,
    pct_index,
    out_times,
    out_rides,
    n_chunks,
):
    n_nodes = len(chains[0]) - 1
    n_dep = len(departures)
    n_stops, n_patterns, n_targets = tt[0], len(tt[1]) - 1, len(tg[6])
    most = np.int64(0)  # the largest source group
    for q in range(len(rows)):
        most = max(most, src_ptr[rows[q] + 1] - src_ptr[rows[q]])
    # origins in a few chunks per thread, each chunk with its own scratch (the walk search's
    # labels reset through the nodes it settled, RAPTOR's labels reset by the search): no
    # per-origin allocation of O(nodes + edges + stops)
    n_chunks = min(len(rows), n_chunks)
    for c in nb.prange(n_chunks):
        dist = np.full(n_nodes, UNREACHED, dtype=np.int64)
        entry_node = np.empty(len(chains[1]) + 2 * most + 1, dtype=np.int32)
        entry_next = np.empty(len(chains[1]) + 2 * most + 1, dtype=np.int32)
        head = np.full(search_s + 1, -1, dtype=np.int32)  # chain edges are long: a bucket per second
        settled = np.empty(n_nodes, dtype=np.int32)
        sources = (np.empty(2 * most, dtype=np.int32), np.empty(2 * most, dtype=np.int64))
        raptor = _raptor_scratch(n_stops, n_patterns, max_rounds, labels)
        arrivals = np.empty((n_dep, n_stops), dtype=np.int64)
        rides = np.empty((n_dep, n_stops), dtype=np.int8)
        direct = np.empty(n_targets, dtype=np.float64)
        best = np.empty(n_targets, dtype=np.int64)  # packed (seconds, rides) per target
        times = np.empty((n_targets, n_dep), dtype=np.float64)  # by given departure order
        counts = np.empty((n_targets, n_dep), dtype=np.int8)
        ranked = np.empty(n_dep, dtype=np.float64)
        key = np.empty(n_stops, dtype=np.int64)
        for q in range(c * len(rows) // n_chunks, (c + 1) * len(rows) // n_chunks):
            _origin(
                q,
                rows[q],
                chains,
                queries,
                (src_ptr, src_nodes, src_cost),
                (search_s, access_limit_s, max_access_stops, walk_limit_s, max_time_s),
                st,
                tt,
                (departures, given_index, max_rounds, board_slack_s, labels),
                tg,
                (walk_only, dest_ok, pct_index, out_times, out_rides),
                (dist, entry_node, entry_next, head, settled, sources),
                raptor,
                (arrivals, rides, direct, best, times, counts, ranked, key),
            )


@nb.njit(cache=True, nogil=True)
def _origin(q, o, chains, queries, sources, limits, st, tt, query, tg, result, walk_scratch, raptor, scratch):
    """Row ``q`` (origin ``o``) of the matrix on one thread's scratch (the tuples as
    :func:`_matrix` packs them; ``tt``: :func:`access._kernels.raptor.timetable`; the walk
    search runs over the contracted ``chains``, deriving the times at ``queries``: the
    stops' and targets' edge ends)."""
    src_ptr, src_nodes, src_cost = sources
    search_s, access_limit_s, max_access_stops, walk_limit_s, max_time_s = limits
    st_ok, st_a, st_b, st_from_a, st_from_b = st
    departures, given_index, max_rounds, board_slack_s, labels = query
    egress_ptr, egress_target, egress_key, by_ptr, by_stop, by_key, direct_a, direct_b, direct_from_a, direct_from_b = (
        tg
    )
    walk_only, dest_ok, pct_index, out_times, out_rides = result
    dist, entry_node, entry_next, head, settled, src_scratch = walk_scratch
    arrivals, rides, direct, best, times, counts, ranked, key = scratch
    n_dep = len(departures)
    n_targets = len(direct_a)
    lo, hi = src_ptr[o], src_ptr[o + 1]
    n_settled = chain_search(
        chains,
        queries,
        src_nodes[lo:hi],
        src_cost[lo:hi],
        search_s,
        dist,
        entry_node,
        entry_next,
        head,
        settled,
        src_scratch,
    )
    acc_stops, acc_s = _access_legs(dist, st_ok, st_a, st_b, st_from_a, st_from_b, access_limit_s, max_access_stops)
    _range_raptor_with(tt, acc_stops, acc_s, departures, max_rounds, board_slack_s, labels, arrivals, rides, raptor)
    for t in range(n_targets):
        da = dist[direct_a[t]]
        db = dist[direct_b[t]]
        ta = (np.inf if da == UNREACHED else np.float64(da)) + direct_from_a[t]
        tb = (np.inf if db == UNREACHED else np.float64(db)) + direct_from_b[t]
        v = min(ta, tb)
        direct[t] = np.inf if v > walk_limit_s else v
    for i in range(n_settled):  # reset for the next origin
        dist[settled[i]] = UNREACHED
    for i in range(n_dep):  # latest departure first
        t0 = departures[i]
        if i == 0:
            _egress_by_target(arrivals[0], rides[0], t0, by_ptr, by_stop, by_key, key, best)
        else:
            # waiting at the origin for the later departure's trips
            shift = (departures[i - 1] - t0) << _RIDE_BITS
            for t in range(n_targets):
                if best[t] < NEVER:
                    best[t] += shift
            _relax(
                arrivals[i], rides[i], arrivals[i - 1], rides[i - 1], t0, egress_ptr, egress_target, egress_key, best
            )
        row = given_index[i]
        for t in range(n_targets):
            v = direct[t]
            r = 0
            b = best[t]
            if b < NEVER and (b >> _RIDE_BITS) < v:
                v = np.float64(b >> _RIDE_BITS)
                r = b & ((1 << _RIDE_BITS) - 1)
            if v > max_time_s:
                v = np.inf
                r = -1
            w = walk_only[o, t]
            if w <= v:  # a walk along one edge (or to a coincident point) wins ties
                v = w
                if np.isfinite(v):
                    r = 0
            if not dest_ok[t]:
                v = np.inf
                r = -1
            times[t, row] = v
            counts[t, row] = r
    if n_dep == 1:
        for p in range(len(pct_index)):
            for t in range(n_targets):
                out_times[p, q, t] = times[t, 0]
                out_rides[p, q, t] = counts[t, 0]
    else:
        for t in range(n_targets):
            for p in range(len(pct_index)):
                pick = _stable_rank(times[t], pct_index[p], ranked)
                out_times[p, q, t] = times[t, pick]
                out_rides[p, q, t] = counts[t, pick]


def walk_queries(walk, stops, targets) -> tuple:
    """The walk nodes whose times the matrix reads (the stops' and targets' edge ends), as
    :func:`access._kernels.chains.chain_queries` gives them: derived once per matrix, passed
    to every :func:`walk_transit_matrix` call of it as ``queries``."""
    ends = (stops.a[stops.ok], stops.b[stops.ok], targets.direct_a, targets.direct_b)
    return chain_queries(walk.chains, np.concatenate([np.asarray(e, dtype=np.int64) for e in ends]))


def walk_transit_matrix(
    walk,
    transit,
    src_ptr,
    src_nodes,
    src_cost,
    rows,
    stops,
    targets,
    departures_s,
    walk_only,
    dest_ok,
    pct_index,
    *,
    search_s: int,
    access_limit_s: float,
    max_access_stops: int = 0,
    walk_limit_s: int,
    max_time_s: int,
    max_transfers: int,
    board_slack_s: int,
    labels: int,
    queries: tuple | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(n_pct, len(rows), n_targets)`` seconds (inf: not reached) and int8 rides (-1: not
    reached) from the origins ``rows`` (their walk-network source groups ``src_*``) to
    ``targets`` (a :class:`access.network.stop_links.Targets`), over the departures
    ``departures_s`` (seconds, any order; ties at a percentile keep the earliest given).
    ``stops``: the transit network's stops snapped to ``walk``; ``walk_only``:
    ``(n_origins, n_targets)`` seconds of walks along one edge; ``pct_index``: the
    inverted-CDF row of each percentile among the sorted departures; ``queries``:
    :func:`walk_queries` (derived here when not given)."""
    departures_s = np.asarray(departures_s, dtype=np.int64)
    order = np.argsort(-departures_s, kind="stable")  # latest first, as range-RAPTOR runs
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out_times = np.full((len(pct_index), len(rows), targets.n_targets), np.inf)
    out_rides = np.full((len(pct_index), len(rows), targets.n_targets), -1, dtype=np.int8)
    if len(rows) == 0:
        return out_times, out_rides
    chains = walk.chains
    by_ptr, by_stop, by_s = targets.by_target
    if queries is None:
        queries = walk_queries(walk, stops, targets)
    _matrix(
        chains,
        queries,
        np.ascontiguousarray(src_ptr, dtype=np.int64),
        np.ascontiguousarray(src_nodes, dtype=np.int32),
        np.ascontiguousarray(src_cost, dtype=np.int64),
        rows,
        np.int64(search_s),
        np.float64(access_limit_s),
        np.int64(max_access_stops),
        np.int64(walk_limit_s),
        np.int64(max_time_s),
        (
            stops.ok,
            stops.a,
            stops.b,
            np.ascontiguousarray(stops.from_a, dtype=np.float64),
            np.ascontiguousarray(stops.from_b, dtype=np.float64),
        ),
        timetable(transit),
        departures_s[order],
        order.astype(np.int64),
        np.int64(max_transfers + 1),
        np.int64(board_slack_s),
        np.int64(labels),
        (
            targets.egress_ptr,
            targets.egress_target,
            targets.egress_s.astype(np.int64) << _RIDE_BITS,
            by_ptr,
            by_stop,
            by_s << _RIDE_BITS,
            np.ascontiguousarray(targets.direct_a, dtype=np.int32),
            np.ascontiguousarray(targets.direct_b, dtype=np.int32),
            np.ascontiguousarray(targets.direct_from_a, dtype=np.float64),
            np.ascontiguousarray(targets.direct_from_b, dtype=np.float64),
        ),
        np.ascontiguousarray(walk_only, dtype=np.float64),
        np.ascontiguousarray(dest_ok, dtype=np.bool_),
        np.ascontiguousarray(pct_index, dtype=np.int64),
        out_times,
        out_rides,
        np.int64(4 * nb.get_num_threads()),  # chunks of origins: a few per thread balance the load
    )
    return out_times, out_rides
