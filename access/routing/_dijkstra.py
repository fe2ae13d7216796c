"""Numba Dijkstra kernels on CSR arrays: bounded, multi-source, many origins in parallel.

Times are int64 seconds inside the kernels; ``UNREACHED`` marks nodes beyond the limit.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["UNREACHED", "one_to_all", "many_to_all_points"]

UNREACHED = np.iinfo(np.int64).max


@nb.njit(cache=True, nogil=True)
def _dijkstra(indptr, indices, weights, src_nodes, src_cost, limit, dist):
    """Fill ``dist`` (pre-set to UNREACHED) with times from the sources, up to ``limit``.

    Binary heap with lazy deletion; each relaxation pushes once, so the heap never holds
    more than n_edges + n_sources entries.
    """
    cap = len(indices) + len(src_nodes) + 1
    heap_cost = np.empty(cap, dtype=np.int64)
    heap_node = np.empty(cap, dtype=np.int32)
    size = 0
    for k in range(len(src_nodes)):
        node = src_nodes[k]
        cost = src_cost[k]
        if cost > limit or cost >= dist[node]:
            continue
        dist[node] = cost
        # push
        i = size
        size += 1
        while i > 0:
            parent = (i - 1) >> 1
            if heap_cost[parent] <= cost:
                break
            heap_cost[i] = heap_cost[parent]
            heap_node[i] = heap_node[parent]
            i = parent
        heap_cost[i] = cost
        heap_node[i] = node
    while size > 0:
        cost = heap_cost[0]
        node = heap_node[0]
        # pop: move last to root and sift down
        size -= 1
        last_cost = heap_cost[size]
        last_node = heap_node[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and heap_cost[child + 1] < heap_cost[child]:
                child += 1
            if heap_cost[child] >= last_cost:
                break
            heap_cost[i] = heap_cost[child]
            heap_node[i] = heap_node[child]
            i = child
        heap_cost[i] = last_cost
        heap_node[i] = last_node
        if cost > dist[node]:
            continue  # stale entry
        for e in range(indptr[node], indptr[node + 1]):
            nxt = indices[e]
            new = cost + weights[e]
            if new < dist[nxt] and new <= limit:
                dist[nxt] = new
                i = size
                size += 1
                while i > 0:
                    parent = (i - 1) >> 1
                    if heap_cost[parent] <= new:
                        break
                    heap_cost[i] = heap_cost[parent]
                    heap_node[i] = heap_node[parent]
                    i = parent
                heap_cost[i] = new
                heap_node[i] = nxt


def one_to_all(indptr, indices, weights, src_nodes, src_cost, limit: int) -> np.ndarray:
    """int64 seconds from the sources (nodes with start costs) to every node."""
    dist = np.full(len(indptr) - 1, UNREACHED, dtype=np.int64)
    _dijkstra(
        indptr,
        indices,
        weights,
        np.ascontiguousarray(src_nodes, dtype=np.int32),
        np.ascontiguousarray(src_cost, dtype=np.int64),
        np.int64(limit),
        dist,
    )
    return dist


@nb.njit(cache=True, parallel=True)
def _many_to_points(indptr, indices, weights, src_ptr, src_nodes, src_cost, limit,
                    dst_a, dst_b, dst_from_a, dst_from_b, out):  # fmt: skip
    n = len(indptr) - 1
    n_dst = len(dst_a)
    for o in nb.prange(len(src_ptr) - 1):
        dist = np.full(n, UNREACHED, dtype=np.int64)
        lo, hi = src_ptr[o], src_ptr[o + 1]
        _dijkstra(indptr, indices, weights, src_nodes[lo:hi], src_cost[lo:hi], limit, dist)
        for d in range(n_dst):
            best = np.inf
            ta = dist[dst_a[d]]
            if ta != UNREACHED and ta + dst_from_a[d] < best:
                best = ta + dst_from_a[d]
            tb = dist[dst_b[d]]
            if tb != UNREACHED and tb + dst_from_b[d] < best:
                best = tb + dst_from_b[d]
            out[o, d] = best


def many_to_all_points(indptr, indices, weights, src_ptr, src_nodes, src_cost, limit: int,
                       dst_a, dst_b, dst_from_a, dst_from_b) -> np.ndarray:  # fmt: skip
    """float64 seconds (inf: unreached) from each origin (a group of source nodes with
    start costs, ``src_ptr`` delimiting groups) to each destination point, reached from its
    edge's end nodes ``dst_a``/``dst_b`` in ``dst_from_a``/``dst_from_b`` seconds.

    Origins run in parallel over all cores; memory is one distance array per thread plus
    the origins x destinations result.
    """
    out = np.empty((len(src_ptr) - 1, len(dst_a)), dtype=np.float64)
    _many_to_points(
        indptr, indices, weights,
        np.ascontiguousarray(src_ptr, dtype=np.int64),
        np.ascontiguousarray(src_nodes, dtype=np.int32),
        np.ascontiguousarray(src_cost, dtype=np.int64),
        np.int64(limit),
        np.ascontiguousarray(dst_a, dtype=np.int32),
        np.ascontiguousarray(dst_b, dtype=np.int32),
        np.ascontiguousarray(dst_from_a, dtype=np.float64),
        np.ascontiguousarray(dst_from_b, dtype=np.float64),
        out,
    )  # fmt: skip
    return out
