"""Numba kernel: door-to-door times from station profiles (private to door_to_door)."""

from __future__ import annotations

import numba as nb
import numpy as np

NEVER = np.int64(2**62)


@nb.njit(cache=True, nogil=True)
def merge_profiles(
    access_ptr,
    access_stop,
    access_s,
    prof_ptr,
    prof_ready,
    prof_arrive,
    departures,
    road_s,
    out_s,
    out_stop,
):
    """Per origin i, centre c and departure d: the earliest door-to-door time.

    ``access_ptr/access_stop/access_s``: CSR by origin of the stops it reaches and the
    road seconds (penalty beyond a transfer included). ``prof_ptr`` (by stop),
    ``prof_ready`` (ascending: the latest moments at the stop that still catch each of
    its trips) and ``prof_arrive`` (``(n_points, n_centres)`` earliest arrival at each
    centre for that moment, NEVER if none) are the stop's profile. ``road_s``:
    ``(n_origins, n_centres)`` direct road seconds. Fills ``out_s`` (``(n_origins,
    n_centres, n_departures)`` seconds) and ``out_stop`` (the access stop of the best
    journey, -1 for the direct road). Departures must be ascending; for one origin and
    stop the answer index only moves forward, so each profile is walked once.
    """
    n_o = len(access_ptr) - 1
    n_c = road_s.shape[1]
    n_d = len(departures)
    for i in range(n_o):
        for c in range(n_c):
            for d in range(n_d):
                out_s[i, c, d] = road_s[i, c]
                out_stop[i, c, d] = -1
        for e in range(access_ptr[i], access_ptr[i + 1]):
            s = access_stop[e]
            a = access_s[e]
            lo, hi = prof_ptr[s], prof_ptr[s + 1]
            k = lo
            for d in range(n_d):
                t = departures[d] + a
                while k < hi and prof_ready[k] < t:
                    k += 1
                if k == hi:
                    break
                for c in range(n_c):
                    arrive = prof_arrive[k, c]
                    if arrive < NEVER:
                        v = float(arrive - departures[d])
                        if v < out_s[i, c, d]:
                            out_s[i, c, d] = v
                            out_stop[i, c, d] = s
