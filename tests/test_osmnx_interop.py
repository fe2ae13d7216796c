"""osmnx interop: StreetNetwork.from_osmnx accepts osmnx graphs; to_networkx round-trips."""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from access._kernels.dijkstra import UNREACHED, one_to_all
from access.network import Network, StreetNetwork
from tests.conftest import require_data


def test_to_networkx_then_from_osmnx_gives_back_the_same_graph(poa_network):
    walk = poa_network.street("walk")
    again = StreetNetwork.from_osmnx(walk.to_networkx(), mode="walk")
    assert again.n_nodes == walk.n_nodes and again.n_edges == walk.n_edges
    order = np.argsort(walk.node_id)
    assert np.array_equal(np.sort(again.node_id), walk.node_id[order])

    # same edge multiset (by OSM node ids), same seconds
    def edges(s):
        return sorted(zip(s.node_id[s.tails].tolist(), s.node_id[s.indices].tolist(), s.travel_s.tolist(), strict=True))

    assert edges(again) == edges(walk)


def test_osmnx_graph_from_xml_routes_like_networkx_on_it():
    path = require_data("osm/osmnx_planet_10.068_48.135_10.071_48.137.osm")
    graph = ox.graph_from_xml(path, simplify=True, retain_all=False)
    graph = ox.add_edge_speeds(graph, fallback=30)
    graph = ox.add_edge_travel_times(graph)
    street = StreetNetwork.from_osmnx(graph, mode="car")
    for _u, _v, data in graph.edges(data=True):  # our int seconds are osmnx's rounded
        data["rounded"] = int(np.rint(data["travel_time"]))
    kept = {int(n) for n in street.node_id}
    sub = graph.subgraph(kept)
    source = int(street.node_id[0])
    expected = nx.single_source_dijkstra_path_length(sub, source, weight="rounded")
    got = one_to_all(street.indptr, street.indices, street.travel_s, [0], [0], 10**9)
    pos = {int(n): i for i, n in enumerate(street.node_id)}
    assert len(expected) > 10
    for node, seconds in expected.items():
        assert got[pos[node]] == seconds
    assert np.all(got != UNREACHED)
    # a Network of it works with the public functions
    import access

    net = Network(streets={"car": street})
    lon, lat = street.lon[5], street.lat[5]
    tt = access.travel_times(net, [(street.lon[0], street.lat[0])], [(lon, lat)], mode="car")
    assert tt["travel_time_min"].iloc[0] * 60 == pytest.approx(got[5], abs=1e-6)
