"""The tiled sample region (bench/regional_scale.py's million-node network): copies of the
sample region joined by seam roads into one connected car network."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import access
from access._geo import haversine_m
from access.sample import write_sample_region
from access.sample.tiled import SEAM_TAGS, write_tiled_region


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiled")
    one = write_tiled_region(folder / "one", 1)
    three = write_tiled_region(folder / "three", 3, columns=2)  # tiles 0 1 in a row, 2 above 0
    build = {"modes": ("car",), "cache": False, "progress": False}
    return {
        "one": (one, access.build_network(one.osm_pbf, **build).street("car")),
        "three": (three, access.build_network(three.osm_pbf, **build)),
        "sample": access.build_network(write_sample_region(folder / "sample").osm_pbf, **build).street("car"),
    }


def test_one_tile_is_the_sample_region_itself(regions):
    _, one = regions["one"]
    sample = regions["sample"]
    assert np.array_equal(one.node_id, sample.node_id)
    assert np.allclose(one.lon, sample.lon, atol=2e-7) and np.allclose(one.lat, sample.lat, atol=2e-7)
    assert np.array_equal(one.travel_s, sample.travel_s)


def test_car_nodes_scale_with_the_tile_count_in_one_strong_component(regions):
    # the build keeps the largest strongly connected component: every tile's car nodes
    # survive only if the seams join all tiles both ways
    region, network = regions["three"]
    three = network.street("car")
    _, one = regions["one"]
    assert three.n_nodes == 3 * one.n_nodes
    for k in range(3):
        in_tile = (three.node_id // region.node_id_offset) == k
        assert np.array_equal(three.node_id[in_tile] - k * region.node_id_offset, one.node_id)


def test_tiles_sit_side_by_side_without_overlap(regions):
    region, network = regions["three"]
    three = network.street("car")
    tile = three.node_id // region.node_id_offset
    west_of_1, east_of_0 = three.lon[tile == 1].min(), three.lon[tile == 0].max()
    south_of_2, north_of_0 = three.lat[tile == 2].min(), three.lat[tile == 0].max()
    assert west_of_1 > east_of_0 and south_of_2 > north_of_0
    assert region.columns == 2 and len(region.seams) == 2  # 0-1 east, 0-2 north


def test_seam_road_takes_its_length_at_80_kmh_both_ways(regions):
    region, network = regions["three"]
    three = network.street("car")
    position = {int(n): i for i, n in enumerate(three.node_id)}
    assert SEAM_TAGS["maxspeed"] == "80"
    for way_id, a, b in region.seams:
        ia, ib = position[a], position[b]
        metres = haversine_m(three.lon[ia], three.lat[ia], three.lon[ib], three.lat[ib])
        assert 3_000 < metres < 20_000  # across the 5 km gap, near the tiles' sides
        expected_s = round(metres / (80 / 3.6))
        for u, v in ((ia, ib), (ib, ia)):
            edges = np.arange(three.indptr[u], three.indptr[u + 1])
            seam = edges[(three.indices[edges] == v) & (three.way_id[edges] == way_id)]
            assert len(seam) == 1 and three.travel_s[seam[0]] == expected_s


def test_travel_time_across_a_seam_equals_networkx_and_crosses_at_the_seam_cost(regions):
    region, network = regions["three"]
    three = network.street("car")
    position = {int(n): i for i, n in enumerate(three.node_id)}
    tile = three.node_id // region.node_id_offset
    rng = np.random.default_rng(19)
    origin = int(rng.choice(np.flatnonzero(tile == 0)))
    targets = [int(rng.choice(np.flatnonzero(tile == k))) for k in (1, 2)]
    _, a, b = region.seams[0]  # tile 0 -> tile 1: the only road between them
    points = [origin, *targets, position[a], position[b]]
    frame = pd.DataFrame({"id": points, "lon": three.lon[points], "lat": three.lat[points]})
    times = access.travel_times(network, frame, mode="car", max_time_min=1_440)
    minutes = times.set_index(["from_id", "to_id"])["travel_time_min"]

    graph = three.to_networkx()
    reference = nx.single_source_dijkstra_path_length(graph, int(three.node_id[origin]), weight="travel_time")
    for target in targets:
        assert minutes[origin, target] * 60 == pytest.approx(reference[int(three.node_id[target])], abs=1e-6)
    seam_s = graph[a][b][0]["travel_time"]
    via_seam = minutes[origin, position[a]] * 60 + seam_s + minutes[position[b], targets[0]] * 60
    assert minutes[origin, targets[0]] * 60 == pytest.approx(via_seam, abs=1e-6)
