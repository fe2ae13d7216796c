"""Degree-2 chain contraction (access._kernels.chains): a bounded search over the
contracted graph gives the same seconds as one over the full graph, checked against
scipy's Dijkstra on the real Porto Alegre walk and car graphs and on small graphs built
to hold every awkward case (rings with no junction, loops back to one junction, one-way
and asymmetric links, parallel and zero-second edges, sources and targets inside chains)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from access._kernels.chains import chain_queries, chain_search, contract_chains
from access._kernels.dijkstra import UNREACHED


def _scipy_seconds(indptr, indices, weights, src_nodes, src_cost, limit):
    """Reference: scipy Dijkstra from each source (parallel edges: the fastest), plus its
    start cost, the minimum over sources; -1 beyond ``limit``."""
    n = len(indptr) - 1
    tails = np.repeat(np.arange(n), np.diff(indptr))
    best = {}
    for t, h, w in zip(tails, indices, weights, strict=True):
        best[(t, h)] = min(best.get((t, h), np.inf), w)
    keys = np.array(list(best), dtype=np.int64).reshape(-1, 2)
    # zero-second edges would vanish from a sparse matrix: a tiny epsilon keeps them
    vals = np.array([best[tuple(k)] for k in keys], dtype=np.float64) + 1e-9
    graph = csr_matrix((vals, (keys[:, 0], keys[:, 1])), shape=(n, n))
    dist = dijkstra(graph, indices=np.asarray(src_nodes))
    total = np.min(np.round(dist) + np.asarray(src_cost)[:, None], axis=0)
    return np.where(total <= limit, total, -1).astype(np.int64)


def _contracted_seconds(chains, src_nodes, src_cost, limit, query):
    n = len(chains.chain)
    dist = np.full(n, UNREACHED, dtype=np.int64)
    entry = len(chains.indices) + 2 * len(src_nodes) + 1
    settled = np.empty(n, dtype=np.int32)
    count = chain_search(
        chains,
        chain_queries(chains, query),
        np.asarray(src_nodes, dtype=np.int32),
        np.asarray(src_cost, dtype=np.int64),
        np.int64(limit),
        dist,
        np.empty(entry, dtype=np.int32),
        np.empty(entry, dtype=np.int32),
        np.full(limit + 1, -1, dtype=np.int32),
        settled,
        (np.empty(2 * len(src_nodes), dtype=np.int32), np.empty(2 * len(src_nodes), dtype=np.int64)),
    )
    assert len(np.unique(settled[:count])) == count  # each node once: the caller resets through it
    assert np.all(dist[settled[:count]] != UNREACHED)
    return np.where(dist == UNREACHED, -1, dist)


def _check(indptr, indices, weights, rng, n_cases, limits):
    chains = contract_chains(indptr, indices, weights)
    n = len(indptr) - 1
    kept = chains.chain < 0
    for _ in range(n_cases):
        k = int(rng.integers(1, 3))
        src_nodes = rng.choice(n, size=k, replace=False)
        src_cost = rng.integers(0, 30, size=k)
        limit = int(rng.choice(limits))
        query = rng.choice(n, size=min(n, 200), replace=False)
        ours = _contracted_seconds(chains, src_nodes, src_cost, limit, query)
        ref = _scipy_seconds(indptr, indices, weights, src_nodes, src_cost, limit)
        asked = np.zeros(n, dtype=bool)
        asked[query] = True
        # every kept node and every queried node has the full graph's seconds; others none
        np.testing.assert_array_equal(ours[kept | asked], ref[kept | asked])
        assert np.all(ours[~kept & ~asked] == -1)
    return chains


def _csr(n, edges):
    edges = sorted(edges)
    tails = np.array([e[0] for e in edges], dtype=np.int64)
    indptr = np.r_[0, np.cumsum(np.bincount(tails, minlength=n))].astype(np.int64)
    return (
        indptr,
        np.array([e[1] for e in edges], dtype=np.int32),
        np.array([e[2] for e in edges], dtype=np.int32),
    )


def test_awkward_small_graphs_agree_with_scipy():
    rng = np.random.default_rng(7)
    both = lambda a, b, w, back=None: [(a, b, w), (b, a, w if back is None else back)]  # noqa: E731
    edges = []
    edges += both(0, 1, 5) + both(1, 2, 7, 9) + both(2, 3, 4)  # a chain 0 .. 3, asymmetric times
    edges += both(3, 4, 1) + both(3, 5, 2) + both(4, 5, 3)  # a junction at 3
    edges += both(5, 6, 0) + both(6, 7, 6) + both(7, 5, 2)  # a loop back to junction 5, a 0-s edge
    edges += both(8, 9, 3) + both(9, 10, 4) + both(10, 11, 5) + both(11, 8, 6)  # a ring, no junction
    edges += [(4, 12, 8), (12, 13, 3), (13, 4, 2)]  # a one-way triangle
    edges += both(13, 14, 5) + [(14, 15, 2), (14, 15, 1), (15, 14, 2)]  # parallel edges
    edges += both(15, 16, 10) + both(16, 17, 10, 14) + both(17, 0, 10)  # a long chain closing a cycle
    indptr, indices, weights = _csr(18, edges)
    chains = contract_chains(indptr, indices, weights)
    assert chains.chain[[1, 2, 16, 17]].min() >= 0  # inside chains
    assert (chains.chain[[8, 9, 10, 11]] < 0).sum() == 1  # the ring keeps one node
    assert chains.chain[[12, 14]].max() < 0  # one-way and parallel links stay
    for limit in (3, 12, 40, 200):
        for a in range(18):
            for b in (a, (a + 5) % 18):
                nodes, costs = np.array(sorted({a, b})), rng.integers(0, 6, size=len({a, b}))
                ours = _contracted_seconds(chains, nodes, costs, limit, np.arange(18))
                np.testing.assert_array_equal(ours, _scipy_seconds(indptr, indices, weights, nodes, costs, limit))
    _check(indptr, indices, weights, rng, 50, (5, 20, 60))


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_real_graphs_agree_with_scipy(poa_network, mode):
    street = poa_network.street(mode)
    chains = _check(street.indptr, street.indices, street.travel_s, np.random.default_rng(3), 6, (600, 1800, 3600))
    if mode == "walk":  # the point of it: most walk nodes lie inside chains
        assert (chains.chain >= 0).mean() > 0.5
        assert len(chains.indices) < 0.6 * street.n_edges
