"""Street routing checked against independent shortest-path implementations.

Reference results come from networkx (``single_source_dijkstra_path_length``), scipy's
``csgraph.dijkstra`` and graphs built by osmnx from the same OSM data; nothing here is a
number produced earlier by ``access`` itself.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra as csgraph_dijkstra

import access
from access._kernels.dijkstra import UNREACHED, one_to_all
from access.config import StreetSettings
from access.io.osm import read_osm_ways
from access.network.snap import snap_points
from access.network.street import StreetNetwork
from access.routing.street import node_times
from tests.conftest import require_data
from tests.osm_xml import write_osm

pytestmark = pytest.mark.realdata

NO_LIMIT_S = 10**9
N_SOURCES = 20  # random sources per mode ...
N_TARGETS = 20  # ... times random targets: 400 random node pairs per mode


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
class Reference:
    """A street network, its networkx graph and networkx's times from random sources."""

    def __init__(self, street: StreetNetwork, n_sources: int, n_targets: int, seed: int):
        self.street = street
        self.graph = street.to_networkx()
        rng = np.random.default_rng(seed)
        self.sources = rng.choice(street.n_nodes, size=n_sources, replace=False)
        self.targets = rng.choice(street.n_nodes, size=n_targets, replace=False)
        # networkx seconds from each source to every node (inf: unreachable)
        self.nx_seconds = np.full((n_sources, street.n_nodes), np.inf)
        position = {int(n): i for i, n in enumerate(street.node_id)}
        for k, src in enumerate(self.sources):
            lengths = nx.single_source_dijkstra_path_length(self.graph, int(street.node_id[src]), weight="travel_time")
            idx = np.fromiter((position[n] for n in lengths), dtype=np.int64, count=len(lengths))
            self.nx_seconds[k, idx] = np.fromiter(lengths.values(), dtype=np.float64, count=len(lengths))

    def points(self, rows: np.ndarray) -> pd.DataFrame:
        s = self.street
        return pd.DataFrame({"id": s.node_id[rows], "lon": s.lon[rows], "lat": s.lat[rows]})


def _mismatch_report(street, sources, ours, theirs, limit=5) -> str:
    lines = []
    for k, src in enumerate(sources):
        bad = np.flatnonzero(ours[k] != theirs[k])
        if len(bad):
            lines.append(
                f"source node {street.node_id[src]} (index {src}): {len(bad)} nodes differ, e.g. "
                + ", ".join(f"{street.node_id[b]}: ours {ours[k, b]} vs ref {theirs[k, b]}" for b in bad[:3])
            )
    return f"{len(lines)} of {len(sources)} sources disagree:\n" + "\n".join(lines[:limit])


def _node_times_via_snapping(street: StreetNetwork, rows: np.ndarray) -> np.ndarray:
    """Seconds from each node in ``rows`` (snapped at its own coordinates) to all nodes."""
    snapped = snap_points(street, street.x[rows], street.y[rows])
    assert snapped.ok.all()
    assert np.allclose(snapped.distance_m, 0.0, atol=1e-6)
    return np.stack([node_times(street, snapped, k, NO_LIMIT_S) for k in range(len(rows))])


def _check_node_times(ref: Reference) -> None:
    ours = _node_times_via_snapping(ref.street, ref.sources)
    assert np.array_equal(ours, ref.nx_seconds), _mismatch_report(ref.street, ref.sources, ours, ref.nx_seconds)


def _check_travel_times(ref: Reference, network: access.Network, mode: str) -> None:
    table = access.travel_times(network, ref.points(ref.sources), ref.points(ref.targets), mode=mode, max_time_min=1440)
    assert len(table) == len(ref.sources) * len(ref.targets)
    assert list(table["from_id"]) == list(np.repeat(ref.street.node_id[ref.sources], len(ref.targets)))
    assert list(table["to_id"]) == list(np.tile(ref.street.node_id[ref.targets], len(ref.sources)))
    ours = np.round(table["travel_time_min"].to_numpy() * 60).reshape(len(ref.sources), -1)
    theirs = ref.nx_seconds[:, ref.targets]
    assert np.isfinite(theirs).all(), "the reference graph is strongly connected"
    bad = np.argwhere(~(np.abs(ours - theirs) <= 1))
    detail = [
        f"{ref.street.node_id[ref.sources[i]]} -> {ref.street.node_id[ref.targets[j]]}: "
        f"ours {ours[i, j]} s, networkx {theirs[i, j]} s"
        for i, j in bad[:8]
    ]
    assert len(bad) == 0, f"{len(bad)} of {ours.size} pairs differ by more than 1 s:\n" + "\n".join(detail)


def _check_csgraph(ref: Reference) -> None:
    dist = csgraph_dijkstra(ref.street.to_csr_matrix(), directed=True, indices=ref.sources)
    # zero-second edges are stored as 1e-9 s: round them away
    dist = np.where(np.isfinite(dist), np.rint(dist), np.inf)
    assert np.array_equal(dist, ref.nx_seconds), _mismatch_report(ref.street, ref.sources, dist, ref.nx_seconds)


def _check_kernel_from_nodes(ref: Reference) -> None:
    s = ref.street
    ours = np.stack(
        [one_to_all(s.indptr, s.indices, s.travel_s, np.array([src]), np.array([0]), NO_LIMIT_S) for src in ref.sources]
    ).astype(np.float64)
    ours[ours == float(UNREACHED)] = np.inf
    assert np.array_equal(ours, ref.nx_seconds), _mismatch_report(s, ref.sources, ours, ref.nx_seconds)


# --------------------------------------------------------------------------------------
# Porto Alegre: walk and car, 20 x 20 random node pairs each (every node compared too)
# --------------------------------------------------------------------------------------
_POA_REFS: dict[str, Reference] = {}


@pytest.fixture(scope="module", params=["walk", "car"])
def poa_ref(request, poa_network) -> tuple[str, Reference]:
    mode = request.param
    if mode not in _POA_REFS:
        _POA_REFS[mode] = Reference(poa_network.street(mode), N_SOURCES, N_TARGETS, seed=20190513)
    return mode, _POA_REFS[mode]


def test_networks_are_strongly_connected_so_every_pair_has_a_time(poa_ref):
    _, ref = poa_ref
    assert np.isfinite(ref.nx_seconds).all()
    assert nx.is_strongly_connected(ref.graph)


def test_dijkstra_kernel_from_a_node_equals_networkx_for_every_node(poa_ref):
    _check_kernel_from_nodes(poa_ref[1])


def test_node_times_from_a_node_snapped_at_its_own_coordinates_equal_networkx(poa_ref):
    _check_node_times(poa_ref[1])


def test_travel_times_between_node_locations_equal_networkx_within_a_second(poa_ref, poa_network):
    mode, ref = poa_ref
    _check_travel_times(ref, poa_network, mode)


def test_scipy_csgraph_dijkstra_on_to_csr_matrix_agrees_with_networkx(poa_ref):
    _check_csgraph(poa_ref[1])


def test_to_networkx_and_to_csr_matrix_describe_the_same_edges(poa_ref):
    _, ref = poa_ref
    s, g = ref.street, ref.graph
    assert g.number_of_nodes() == s.n_nodes
    assert g.number_of_edges() == s.n_edges
    csr = s.to_csr_matrix()
    # csr keeps the fastest of parallel edges, as networkx's Dijkstra does
    simple = {}
    for u, v, t in g.edges(data="travel_time"):
        simple[(u, v)] = min(t, simple.get((u, v), math.inf))
    assert csr.nnz == len(simple)


# --------------------------------------------------------------------------------------
# small extracts: Kouvola (car, has a motorway) and rural Bavaria (XML, walk)
# --------------------------------------------------------------------------------------
_SMALL: dict[str, tuple[access.Network, Reference]] = {}


def _small(name: str, relative: str, mode: str) -> tuple[access.Network, Reference]:
    if name not in _SMALL:
        network = access.build_network(require_data(relative), modes=(mode,), progress=False)
        street = network.street(mode)
        n = min(10, street.n_nodes)
        _SMALL[name] = (network, Reference(street, n, n, seed=7))
    return _SMALL[name]


SMALL_CASES = [
    ("kouvola-car", "osm/pyrosm_test.osm.pbf", "car"),
    ("bavaria-walk", "osm/osmnx_planet_10.068_48.135_10.071_48.137.osm", "walk"),
]


small_case = pytest.mark.parametrize(("name", "relative", "mode"), SMALL_CASES, ids=[c[0] for c in SMALL_CASES])


@small_case
def test_small_extract_dijkstra_kernel_and_csgraph_equal_networkx(name, relative, mode):
    _, ref = _small(name, relative, mode)
    _check_kernel_from_nodes(ref)
    _check_csgraph(ref)


@small_case
def test_small_extract_node_times_from_snapped_nodes_equal_networkx(name, relative, mode):
    _, ref = _small(name, relative, mode)
    _check_node_times(ref)


@small_case
def test_small_extract_travel_times_between_nodes_equal_networkx(name, relative, mode):
    network, ref = _small(name, relative, mode)
    _check_travel_times(ref, network, mode)


def _motorway_way_ids(path: Path) -> set[int]:
    ids = set()
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if way.tags.get("highway") == "motorway":
            ids.add(way.id)
    return ids


def test_kouvola_car_network_routes_over_its_motorway():
    path = require_data("osm/pyrosm_test.osm.pbf")
    motorways = _motorway_way_ids(path)
    assert motorways, "the Kouvola extract has motorway ways"
    network, ref = _small("kouvola-car", "osm/pyrosm_test.osm.pbf", "car")
    assert motorways & set(ref.street.way_id.tolist())
    walk = access.build_network(path, modes=("walk",), progress=False).street("walk")
    assert not motorways & set(walk.way_id.tolist())


# --------------------------------------------------------------------------------------
# walk distances against osmnx graphs built independently from the same OSM data
# --------------------------------------------------------------------------------------
# osmnx's "walk" network type (osmnx._overpass._get_network_filter), applied to edges:
# ["highway"]["area"!~"yes"]["access"!~"private"]["highway"!~"abandoned|bus_guideway|
# construction|cycleway|motor|no|planned|platform|proposed|raceway|razed"]["foot"!~"no"]
# ["service"!~"private"]
_OSMNX_WALK_EXCLUDED = re.compile(
    "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|raceway|razed"
)


def _osmnx_walkable(data: dict) -> bool:
    highway = data.get("highway")
    if not isinstance(highway, str) or _OSMNX_WALK_EXCLUDED.search(highway):
        return False
    return not (
        re.search("yes", str(data.get("area", "")))
        or re.search("private", str(data.get("access", "")))
        or re.search("no", str(data.get("foot", "")))
        or re.search("private", str(data.get("service", "")))
    )


def _osmnx_walk_graph(xml_path: Path) -> nx.Graph:
    """osmnx's graph of the file, walk-filtered, undirected, largest component."""
    import osmnx as ox

    old = ox.settings.useful_tags_way
    ox.settings.useful_tags_way = [*old, "foot"]
    try:
        graph = ox.graph_from_xml(xml_path, simplify=False, retain_all=False)
    finally:
        ox.settings.useful_tags_way = old
    walk = nx.Graph()
    for u, v, data in graph.edges(data=True):
        if _osmnx_walkable(data):
            length = float(data["length"])
            if walk.has_edge(u, v):
                length = min(length, walk[u][v]["length"])
            walk.add_edge(u, v, length=length)
    return walk.subgraph(max(nx.connected_components(walk), key=len)).copy()


def _median_relative_length_difference(
    ours: StreetNetwork, theirs: nx.Graph, n_sources: int, n_targets: int, seed: int
) -> tuple[float, int]:
    mine = ours.to_networkx()
    common = np.array(sorted(set(mine.nodes) & set(theirs.nodes)))
    assert len(common) >= 0.9 * min(mine.number_of_nodes(), theirs.number_of_nodes())
    rng = np.random.default_rng(seed)
    n_sources = min(n_sources, len(common))
    relative = []
    for src in rng.choice(common, size=n_sources, replace=False):
        a = nx.single_source_dijkstra_path_length(mine, int(src), weight="length")
        b = nx.single_source_dijkstra_path_length(theirs, int(src), weight="length")
        for dst in rng.choice(common, size=min(n_targets, len(common)), replace=False):
            if dst == src or int(dst) not in a or int(dst) not in b:
                continue
            relative.append(abs(a[int(dst)] - b[int(dst)]) / b[int(dst)])
    return float(np.median(relative)), len(relative)


@pytest.mark.parametrize(
    "relative",
    ["osm/osmnx_west_oakland.osm.bz2", "osm/osmnx_planet_10.068_48.135_10.071_48.137.osm"],
    ids=["west-oakland-bz2", "bavaria-xml"],
)
def test_walk_path_lengths_match_osmnx_on_small_xml_files(relative):
    path = require_data(relative)
    ours = access.build_network(path, modes=("walk",), progress=False).street("walk")
    theirs = _osmnx_walk_graph(path)
    median, n = _median_relative_length_difference(ours, theirs, 40, 40, seed=3)
    print(f"\n{relative}: median relative length difference vs osmnx {median:.5%} ({n} pairs)")
    assert n >= 200
    assert median < 0.02, f"median relative difference {median:.4%} over {n} pairs"


def _pbf_to_xml(pbf: Path, xml: Path) -> None:
    """All nodes and highway ways of ``pbf`` as OSM XML (pyosmium)."""
    writer = osmium.SimpleWriter(str(xml), overwrite=True)
    try:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_way() and "highway" not in obj.tags:
                continue
            writer.add(obj)
    finally:
        writer.close()


def test_porto_alegre_walk_path_lengths_match_osmnx_median_within_2_percent(poa_pbf, poa_network, tmp_path):
    xml = tmp_path / "poa.osm"
    _pbf_to_xml(poa_pbf, xml)
    theirs = _osmnx_walk_graph(xml)
    median, n = _median_relative_length_difference(
        poa_network.street("walk"), theirs, n_sources=20, n_targets=12, seed=11
    )
    print(f"\nPorto Alegre walk: median relative length difference vs osmnx {median:.5%} ({n} pairs)")
    assert n >= 200
    assert median < 0.02


# --------------------------------------------------------------------------------------
# the Dijkstra kernel: several sources with start costs, bounded search
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def car(poa_network) -> StreetNetwork:
    return poa_network.street("car")


def _csgraph_seconds(street: StreetNetwork, sources) -> np.ndarray:
    dist = csgraph_dijkstra(street.to_csr_matrix(), directed=True, indices=np.asarray(sources))
    return np.where(np.isfinite(dist), np.rint(dist), np.inf)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_sources_with_start_costs_give_the_minimum_of_shifted_single_source_times(car, seed):
    rng = np.random.default_rng(seed)
    s1, s2 = rng.choice(car.n_nodes, size=2, replace=False)
    c1, c2 = (int(c) for c in rng.integers(0, 300, size=2))
    limit = 600
    single = _csgraph_seconds(car, [s1, s2])
    expected = np.minimum(single[0] + c1, single[1] + c2)
    expected[expected > limit] = np.inf
    got = one_to_all(car.indptr, car.indices, car.travel_s, np.array([s1, s2]), np.array([c1, c2]), limit)
    got = np.where(got == UNREACHED, np.inf, got.astype(np.float64))
    assert np.array_equal(got, expected)
    assert np.isfinite(expected).sum() > 100  # the limit leaves a real search


def test_a_source_whose_start_cost_exceeds_the_limit_is_ignored(car):
    got = one_to_all(car.indptr, car.indices, car.travel_s, np.array([0, 1]), np.array([0, 10_000]), 60)
    expected = _csgraph_seconds(car, [0])[0]
    expected[expected > 60] = np.inf
    assert np.array_equal(np.where(got == UNREACHED, np.inf, got.astype(float)), expected)


@pytest.mark.parametrize("limit", [0, 1, 59, 300, 901])
def test_bounded_search_returns_only_times_within_the_limit_and_all_of_them(car, limit):
    rng = np.random.default_rng(limit)
    sources = rng.choice(car.n_nodes, size=5, replace=False)
    truth = _csgraph_seconds(car, sources)
    for k, src in enumerate(sources):
        got = one_to_all(car.indptr, car.indices, car.travel_s, np.array([src]), np.array([0]), limit)
        found = got != UNREACHED
        assert (got[found] <= limit).all()
        assert np.array_equal(found, truth[k] <= limit), "every node within the limit is found"
        assert np.array_equal(got[found], truth[k][found])


# --------------------------------------------------------------------------------------
# a point placed exactly on a node must start (or end) there at zero cost
# --------------------------------------------------------------------------------------


def test_origin_exactly_at_the_start_node_of_a_oneway_street_is_reached_in_zero_seconds(tmp_path):
    # A -> B is one-way for cars; B - C two-way. The origin is exactly at A, whose only
    # segment is the one-way one: A must be at 0 s and B at the A->B edge time.
    path = tmp_path / "oneway.osm"
    write_osm(
        path,
        {1: (9.0, 48.0), 2: (9.0, 48.001), 3: (9.0, 48.002)},
        [
            (10, [1, 2], {"highway": "primary", "oneway": "yes"}),
            (11, [2, 3], {"highway": "primary"}),
        ],
    )
    street = StreetNetwork.from_osm(read_osm_ways(path), "car", StreetSettings(largest_component=False))
    a = int(np.flatnonzero(street.node_id == 1)[0])
    b = int(np.flatnonzero(street.node_id == 2)[0])
    ref = nx.single_source_dijkstra_path_length(street.to_networkx(), 1, weight="travel_time")
    snapped = snap_points(street, street.x[[a]], street.y[[a]])
    times = node_times(street, snapped, 0, NO_LIMIT_S)
    assert times[a] == ref[1] == 0
    assert times[b] == ref[2]
