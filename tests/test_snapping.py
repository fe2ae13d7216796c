"""Snapping on real data: the grid index finds the exact nearest edge, as shapely's STRtree
does (the implementation it replaced, kept here as the reference), and travel times built
on it are the ones the reference gives."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely

import access
from access._kernels.dijkstra import many_to_all_points
from access.network.snap import snap_points, source_groups
from access.routing.street import off_node_pairs
from tests.conftest import require_data

_AT_NODE_M = 0.5


def _lines(street):
    seg = street.segments
    return shapely.linestrings(np.stack([np.c_[seg.ax, seg.ay], np.c_[seg.bx, seg.by]], axis=1))


def strtree_snap(street, x, y):
    """The snapping this project shipped before the grid: STRtree.query_nearest, then
    shapely for the position along the edge (field by field as access.network.snap)."""
    lines = _lines(street)
    tree = shapely.STRtree(lines)
    finite = np.isfinite(x) & np.isfinite(y)
    points = shapely.points(np.where(finite, x, 0.0), np.where(finite, y, 0.0))
    index = np.full(len(x), -1, dtype=np.int64)
    distance = np.full(len(x), np.inf)
    (pi, si), dist = tree.query_nearest(
        points[finite], max_distance=street.max_snap_m, return_distance=True, all_matches=False
    )
    rows = np.flatnonzero(finite)[pi]
    index[rows], distance[rows] = si, dist
    ok = index >= 0
    safe = np.where(ok, index, 0)
    fraction = np.where(ok, shapely.line_locate_point(lines[safe], points, normalized=True), 0.0)
    fraction = np.nan_to_num(fraction, nan=0.0)
    seg_len = shapely.length(lines[safe])
    return ok, index, distance, fraction, seg_len, tree, points


def _tied(tree, points, street, rows):
    """Segments equally near each point (all of them, from the tree)."""
    pi, si = tree.query_nearest(points[rows], max_distance=street.max_snap_m, all_matches=True)
    return pd.Series(si).groupby(pi).apply(set).reindex(range(len(rows)))


@pytest.fixture(scope="module", params=["walk", "car"])
def street(request, poa_network):
    return poa_network.street(request.param)


@pytest.fixture(scope="module")
def probe(street):
    """20,000 points over the extract and 2 km beyond it (some off the network), 500 on
    nodes exactly, 500 at segment midpoints, and a few non-finite ones."""
    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.uniform(street.x.min() - 2_000, street.x.max() + 2_000, n)
    y = rng.uniform(street.y.min() - 2_000, street.y.max() + 2_000, n)
    nodes = rng.choice(street.n_nodes, 500, replace=False)
    seg = street.segments
    mid = rng.choice(len(seg), 500, replace=False)
    x = np.r_[x, street.x[nodes], (seg.ax[mid] + seg.bx[mid]) / 2, np.nan, np.inf, 1e12]
    y = np.r_[y, street.y[nodes], (seg.ay[mid] + seg.by[mid]) / 2, 0.0, 0.0, 1e12]
    return x, y


def test_nearest_edge_and_distance_equal_the_strtree_bit_for_bit(street, probe):
    x, y = probe
    ours = snap_points(street, x, y)
    ok, index, distance, fraction, seg_len, tree, points = strtree_snap(street, x, y)
    assert np.array_equal(ours.ok, ok) and 0.3 < ok.mean() < 0.95
    assert np.array_equal(ours.distance_m, distance)  # bitwise, inf for the off-network ones
    same = ours.segment == index
    # where the tree returned another segment, it is one equally near (a node shared by
    # several segments): ours is the lowest index of them
    differ = np.flatnonzero(~same)
    assert len(differ) < 0.1 * ok.sum()
    tied = _tied(tree, points, street, differ)
    for k, row in enumerate(differ):
        assert ours.segment[row] in tied.iloc[k] and ours.segment[row] == min(tied.iloc[k])
    assert np.array_equal(ours.fraction[same], fraction[same])  # bitwise


def test_points_on_nodes_and_midpoints_snap_onto_them(street, probe):
    x, y = probe
    ours = snap_points(street, x[-1003:-3], y[-1003:-3])
    assert ours.ok.all() and (ours.distance_m[:500] == 0).all() and (ours.distance_m < 1e-6).all()
    mid = ours.fraction[500:]
    np.testing.assert_allclose(mid, 0.5, atol=1e-9)
    on_node = ours.fraction[:500]
    assert np.isin(on_node, (0.0, 1.0)).all()


def test_non_finite_and_far_points_are_off_the_network(street, probe):
    x, y = probe
    ours = snap_points(street, x[-3:], y[-3:])
    assert not ours.ok.any() and np.isinf(ours.distance_m).all() and (ours.segment == -1).all()


def test_travel_times_equal_those_on_the_reference_snapping(poa_network, street):
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv"))
    pois = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))
    origins = pd.concat([cells.sample(30, random_state=2), pois.rename(columns={"name": "id"})[["id", "lon", "lat"]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = access.travel_times(poa_network, origins, cells, mode=street.mode, max_time_min=45)
    x_o, y_o = access.as_points(origins).projected(street.crs_epsg)
    x_d, y_d = access.as_points(cells).projected(street.crs_epsg)
    expected = _strtree_travel_seconds(street, (x_o, y_o), (x_d, y_d), 45 * 60)
    minutes = got["travel_time_min"].to_numpy().reshape(len(origins), len(cells))
    np.testing.assert_array_equal(np.isnan(minutes), ~np.isfinite(expected))
    finite = np.isfinite(expected)
    # a point equidistant from several edges (at a node they share) may sit on another of
    # them: the same time through the other end node, summed in another order (last bit)
    np.testing.assert_allclose(minutes[finite], expected[finite] / 60.0, rtol=1e-14)
    assert np.mean(minutes[finite] == expected[finite] / 60.0) > 0.999


def _strtree_snapped(street, x, y):
    """A Snapped built from the reference snapping, as access.network.snap builds it."""
    from access.network.snap import Snapped

    seg = street.segments
    ok, index, distance, fraction, seg_len, _, _ = strtree_snap(street, x, y)
    safe = np.where(ok, index, 0)
    connector = np.where(ok, distance / (street.connector_speed_kmh / 3.6), np.inf)
    fw, bw = seg.forward_s[safe], seg.backward_s[safe]
    with np.errstate(invalid="ignore"):
        along_fw, back_fw = fraction * fw, (1 - fraction) * fw
        along_bw, back_bw = (1 - fraction) * bw, fraction * bw
    along_fw = np.where(np.isfinite(fw), along_fw, np.inf)
    back_fw = np.where(np.isfinite(fw), back_fw, np.inf)
    along_bw = np.where(np.isfinite(bw), along_bw, np.inf)
    back_bw = np.where(np.isfinite(bw), back_bw, np.inf)
    at_a, at_b = fraction * seg_len < _AT_NODE_M, (1 - fraction) * seg_len < _AT_NODE_M
    back_bw, along_fw = np.where(at_a, 0.0, back_bw), np.where(at_a, 0.0, along_fw)
    back_fw, along_bw = np.where(at_b, 0.0, back_fw), np.where(at_b, 0.0, along_bw)
    return Snapped(
        ok=ok,
        distance_m=distance,
        segment=index,
        fraction=fraction,
        a=seg.a[safe],
        b=seg.b[safe],
        to_a=np.where(ok, connector + back_bw, np.inf),
        to_b=np.where(ok, connector + back_fw, np.inf),
        from_a=np.where(ok, along_fw + connector, np.inf),
        from_b=np.where(ok, along_bw + connector, np.inf),
        connector_s=connector,
        x=x,
        y=y,
    )


def _strtree_travel_seconds(street, origins_xy, dests_xy, limit_s):
    """Seconds origins x destinations on the reference snapping, with the dense off-node
    matrices (every pair compared) this project used before."""
    o, d = _strtree_snapped(street, *origins_xy), _strtree_snapped(street, *dests_xy)
    rows = np.flatnonzero(o.ok)
    ptr, nodes, costs = source_groups(o, rows)
    seconds = np.full((len(o), len(d)), np.inf)
    seconds[rows] = many_to_all_points(
        street.indptr, street.indices, street.travel_s, ptr, nodes, costs, limit_s, d.a, d.b, d.from_a, d.from_b
    )
    seg = street.segments
    along = np.full_like(seconds, np.inf)
    oi, di = np.nonzero((o.segment[:, None] == d.segment[None, :]) & o.ok[:, None] & d.ok[None, :])
    s = o.segment[oi]
    delta = d.fraction[di] - o.fraction[oi]
    with np.errstate(invalid="ignore"):
        cost = np.where(delta > 0, delta * seg.forward_s[s], np.where(delta < 0, -delta * seg.backward_s[s], 0.0))
    along[oi, di] = cost + o.connector_s[oi] + d.connector_s[di]
    coincident = np.hypot(o.x[:, None] - d.x[None, :], o.y[:, None] - d.y[None, :]) < 1.0
    along[coincident & o.ok[:, None] & d.ok[None, :]] = 0.0
    seconds = np.minimum(seconds, along)
    seconds[seconds > limit_s] = np.inf
    return seconds


def test_sparse_off_node_pairs_equal_the_dense_comparison(street, probe):
    x, y = probe
    rng = np.random.default_rng(5)
    pick = rng.choice(len(x) - 3, 3000, replace=False)
    # duplicates and near-duplicates: coincident pairs (< 1 m) and pairs on one segment
    xs = np.r_[x[pick], x[pick[:300]] + 0.6, x[pick[:300]] + 1.2]
    ys = np.r_[y[pick], y[pick[:300]], y[pick[:300]]]
    o = snap_points(street, xs[:1800], ys[:1800])
    d = snap_points(street, xs[1200:], ys[1200:])
    rows, cols, seconds = off_node_pairs(street, o, d)
    dense = np.full((len(o), len(d)), np.inf)
    np.minimum.at(dense, (rows, cols), seconds)
    ok = o.ok[:, None] & d.ok[None, :]
    seg = street.segments
    expected = np.full_like(dense, np.inf)
    oi, di = np.nonzero((o.segment[:, None] == d.segment[None, :]) & ok)
    s = o.segment[oi]
    delta = d.fraction[di] - o.fraction[oi]
    with np.errstate(invalid="ignore"):
        cost = np.where(delta > 0, delta * seg.forward_s[s], np.where(delta < 0, -delta * seg.backward_s[s], 0.0))
    expected[oi, di] = cost + o.connector_s[oi] + d.connector_s[di]
    expected[(np.hypot(o.x[:, None] - d.x[None, :], o.y[:, None] - d.y[None, :]) < 1.0) & ok] = 0.0
    assert (expected == 0).sum() >= 300 and np.isfinite(expected).sum() > (expected == 0).sum()
    np.testing.assert_array_equal(dense, expected)
