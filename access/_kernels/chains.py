"""Exact degree-2 chain contraction of a street graph, for bounded searches that only
need the times at a few nodes.

A node is *interior* when it has exactly two distinct neighbours and an edge to and from
each (a street running through, no junction); interior nodes form chains between *kept*
nodes (junctions, dead ends, one-way or asymmetric links; one node of every ring with no
junction). The contracted graph keeps every node id but gives interior nodes no edges:
each chain becomes one edge each way between its two ends, carrying the sum of its
whole-second edge times. Every path leaving a chain's interior passes through one of its
ends, so a search over the contracted graph gives every kept node its exact time; an
interior node's time is then the better of its two ends' plus the walk along the chain,
and a source inside a chain also reaches the nodes of its own chain directly along it
(:func:`chain_search`). On city walk graphs more than half the nodes are interior.

Times are int64 seconds, ``UNREACHED`` as in :mod:`access._kernels.dijkstra`.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from access._kernels.dijkstra import UNREACHED, _dial

__all__ = ["Chains", "contract_chains", "chain_queries", "chain_search"]


class Chains(NamedTuple):
    """A street graph contracted along its degree-2 chains (module docstring).

    Per node (``-1`` / 0 for kept nodes): its ``chain``, ``pos`` along it (0 next to
    ``end_u``), the chain's ends ``end_u`` / ``end_w`` and the seconds ``from_u`` (end u
    to the node along the chain), ``to_u`` (node to end u), ``from_w``, ``to_w``.
    ``indptr`` / ``indices`` / ``travel_s``: the contracted CSR over the same node ids."""

    indptr: np.ndarray  # int64, n_nodes + 1
    indices: np.ndarray  # int32
    travel_s: np.ndarray  # int32 seconds
    chain: np.ndarray  # int32
    pos: np.ndarray  # int32
    end_u: np.ndarray  # int32
    end_w: np.ndarray  # int32
    from_u: np.ndarray  # int32 seconds
    to_u: np.ndarray
    from_w: np.ndarray
    to_w: np.ndarray
    n_chains: int


@nb.njit(cache=True, nogil=True)
def _arc_to(indptr, indices, weights, x, y):
    """Seconds of the edge x -> y (the first one), -1 if there is none."""
    for j in range(indptr[x], indptr[x + 1]):
        if indices[j] == y:
            return weights[j]
    return -1


@nb.njit(cache=True, nogil=True)
def _interior(indptr, indices, weights, in_degree):
    """Nodes with two distinct neighbours, an edge to and from each and nothing else."""
    n = len(indptr) - 1
    inner = np.zeros(n, dtype=np.bool_)
    for x in range(n):
        if indptr[x + 1] - indptr[x] != 2 or in_degree[x] != 2:
            continue
        a = indices[indptr[x]]
        b = indices[indptr[x] + 1]
        if a == b or a == x or b == x:
            continue
        if _arc_to(indptr, indices, weights, a, x) >= 0 and _arc_to(indptr, indices, weights, b, x) >= 0:
            inner[x] = True
    return inner


@nb.njit(cache=True, nogil=True)
def _walk_chains(indptr, indices, weights, inner, start, state, nodes, arcs, n_arcs, n_chains):
    """Follow every chain leaving kept node ``start`` through an interior node not yet on
    a chain (``nodes``: scratch as long as the graph); fill the per-node ``state`` rows
    and append the chain's two end-to-end edges to ``arcs``. Returns the updated
    ``(n_arcs, n_chains)``."""
    chain, pos, end_u, end_w, from_u, to_u, from_w, to_w = state
    for j in range(indptr[start], indptr[start + 1]):
        x = indices[j]
        if not inner[x] or chain[x] >= 0:
            continue
        prev, cur = start, x
        fwd = np.int64(weights[j])  # end u -> cur
        back = np.int64(_arc_to(indptr, indices, weights, cur, prev))  # cur -> end u
        k = 0
        while inner[cur]:
            nodes[k] = cur
            chain[cur] = n_chains
            pos[cur] = k
            from_u[cur] = fwd
            to_u[cur] = back
            k += 1
            a, b = indices[indptr[cur]], indices[indptr[cur] + 1]
            nxt = b if a == prev else a
            fwd += _arc_to(indptr, indices, weights, cur, nxt)
            back += _arc_to(indptr, indices, weights, nxt, cur)
            prev, cur = cur, nxt
        for i in range(k):  # cur: the kept node w at the chain's other end
            y = nodes[i]
            end_u[y] = start
            end_w[y] = cur
            to_w[y] = fwd - from_u[y]
            from_w[y] = back - to_u[y]
        if cur != start:  # a ring back to its one junction needs no edge
            arcs[n_arcs, 0], arcs[n_arcs, 1], arcs[n_arcs, 2] = start, cur, fwd
            arcs[n_arcs + 1, 0], arcs[n_arcs + 1, 1], arcs[n_arcs + 1, 2] = cur, start, back
            n_arcs += 2
        n_chains += 1
    return n_arcs, n_chains


@nb.njit(cache=True, nogil=True)
def _contract(indptr, indices, weights, in_degree):
    n = len(indptr) - 1
    inner = _interior(indptr, indices, weights, in_degree)
    state = (
        np.full(n, -1, dtype=np.int32),  # chain
        np.zeros(n, dtype=np.int32),  # pos
        np.full(n, -1, dtype=np.int32),  # end_u
        np.full(n, -1, dtype=np.int32),  # end_w
        np.zeros(n, dtype=np.int32),  # from_u
        np.zeros(n, dtype=np.int32),  # to_u
        np.zeros(n, dtype=np.int32),  # from_w
        np.zeros(n, dtype=np.int32),  # to_w
    )
    arcs = np.empty((len(indices), 3), dtype=np.int64)  # at most every edge, kept or shortcut
    nodes = np.empty(n, dtype=np.int64)
    n_arcs = 0
    for u in range(n):  # edges between kept nodes stay
        if inner[u]:
            continue
        for j in range(indptr[u], indptr[u + 1]):
            if not inner[indices[j]]:
                arcs[n_arcs, 0], arcs[n_arcs, 1], arcs[n_arcs, 2] = u, indices[j], weights[j]
                n_arcs += 1
    n_chains = 0
    for u in range(n):
        if not inner[u]:
            n_arcs, n_chains = _walk_chains(indptr, indices, weights, inner, u, state, nodes, arcs, n_arcs, n_chains)
    for u in range(n):  # rings of interior nodes only: one of each becomes kept
        if inner[u] and state[0][u] < 0:
            inner[u] = False
            n_arcs, n_chains = _walk_chains(indptr, indices, weights, inner, u, state, nodes, arcs, n_arcs, n_chains)
    return state, arcs[:n_arcs], n_chains


def contract_chains(indptr: np.ndarray, indices: np.ndarray, travel_s: np.ndarray) -> Chains:
    """The :class:`Chains` of a CSR street graph (``travel_s``: whole seconds per edge)."""
    n = len(indptr) - 1
    in_degree = np.bincount(np.asarray(indices, dtype=np.int64), minlength=n)
    state, arcs, n_chains = _contract(
        np.asarray(indptr, dtype=np.int64), np.asarray(indices), np.asarray(travel_s), in_degree
    )
    order = np.argsort(arcs[:, 0], kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(arcs[:, 0], minlength=n))].astype(np.int64)
    chains = Chains(
        ptr,
        arcs[order, 1].astype(np.int32),
        arcs[order, 2].astype(np.int32),
        *state,
        int(n_chains),
    )
    for array in chains[:-1]:
        array.setflags(write=False)
    return chains


def chain_queries(chains: Chains, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interior nodes among ``nodes`` (whose times a :func:`chain_search` must derive),
    and the same grouped by chain: ``(interior, ptr, by_chain)`` with ``ptr`` delimiting
    each chain's nodes in ``by_chain``."""
    nodes = np.unique(np.asarray(nodes, dtype=np.int64))
    nodes = nodes[nodes >= 0]
    interior = nodes[chains.chain[nodes] >= 0].astype(np.int32)
    of = chains.chain[interior]
    by_chain = interior[np.argsort(of, kind="stable")]
    ptr = np.r_[0, np.cumsum(np.bincount(of, minlength=chains.n_chains))].astype(np.int64)
    return interior, ptr, by_chain


@nb.njit(cache=True, nogil=True)
def chain_search(chains, queries, src_nodes, src_cost, limit, dist, entry_node, entry_next, head, settled, src_scratch):
    """Bounded search (:func:`access._kernels.dijkstra._dial`) over the contracted graph
    (``chains``: a :class:`Chains`), then the times of the interior ``queries`` (a
    :func:`chain_queries` triple): ``dist`` holds the same seconds as a search over the
    full graph at every kept node and every queried node (UNREACHED beyond ``limit``),
    and those nodes go to ``settled`` (returns their count). ``head``: ``limit + 1``
    buckets at least (chain edges are long); ``src_scratch``: two arrays of twice the
    sources' length."""
    c_indptr, c_indices, c_weights, chain, pos, end_u, end_w, from_u, to_u, from_w, to_w, _ = chains
    interior, q_ptr, q_by_chain = queries
    nodes, costs = src_scratch
    m = 0
    for k in range(len(src_nodes)):  # a source inside a chain leaves by both its ends
        x = src_nodes[k]
        if chain[x] < 0:
            nodes[m], costs[m] = x, src_cost[k]
            m += 1
        else:
            nodes[m], costs[m] = end_u[x], src_cost[k] + to_u[x]
            nodes[m + 1], costs[m + 1] = end_w[x], src_cost[k] + to_w[x]
            m += 2
    n = _dial(c_indptr, c_indices, c_weights, nodes[:m], costs[:m], limit, dist, entry_node, entry_next, head, settled)
    for i in range(len(interior)):
        x = interior[i]
        v = UNREACHED
        du = dist[end_u[x]]
        if du != UNREACHED:
            v = du + from_u[x]
        dw = dist[end_w[x]]
        if dw != UNREACHED:
            v = min(v, dw + from_w[x])
        if v <= limit:
            dist[x] = v
            settled[n] = x
            n += 1
    for k in range(len(src_nodes)):  # along the source's own chain
        x = src_nodes[k]
        c = chain[x]
        if c < 0:
            continue
        for i in range(q_ptr[c], q_ptr[c + 1]):
            y = q_by_chain[i]
            along = from_u[y] - from_u[x] if pos[y] >= pos[x] else to_u[x] - to_u[y]
            v = src_cost[k] + along
            if v <= limit and v < dist[y]:
                if dist[y] == UNREACHED:
                    settled[n] = y
                    n += 1
                dist[y] = v
    return n
