"""OSM tagging rules: which ways each mode may use, in which direction, and how fast.

Every case is a small OSM XML file written here; expected values follow the OSM wiki
(Key:access, Key:oneway, Key:maxspeed) and great-circle lengths computed in this file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import access
from access.config import CAR_SPEEDS_KMH, StreetSettings
from access.io.osm import read_osm_ways
from access.network._rules import parse_maxspeed_kmh
from access.network.street import StreetNetwork
from tests.osm_xml import write_osm

EARTH_RADIUS_M = 6_371_009.0  # mean Earth radius, as osmnx's great_circle
KEEP_ALL = StreetSettings(largest_component=False)


def great_circle_m(lon1, lat1, lon2, lat2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def directed_edges(street: StreetNetwork) -> dict[int, set[tuple[int, int]]]:
    """way id -> set of (from node id, to node id) the mode may travel."""
    out: dict[int, set[tuple[int, int]]] = {}
    ids = street.node_id
    for u, v, w in zip(street.tails, street.indices, street.way_id, strict=True):
        out.setdefault(int(w), set()).add((int(ids[u]), int(ids[v])))
    return out


def edge_seconds(street: StreetNetwork, a: int, b: int) -> int:
    ids = street.node_id
    hit = np.flatnonzero((ids[street.tails] == a) & (ids[street.indices] == b))
    assert len(hit) == 1, f"expected one edge {a} -> {b}, found {len(hit)}"
    return int(street.travel_s[hit[0]])


# --------------------------------------------------------------------------------------
# permissions and directions: one two-node way per rule, each far from the others
# --------------------------------------------------------------------------------------
# way id -> tags; the way runs from node 2*id to node 2*id + 1 (south to north)
RULE_WAYS: dict[int, dict[str, str]] = {
    1: {"highway": "motorway"},
    2: {"highway": "footway"},
    3: {"highway": "residential", "access": "private"},
    4: {"highway": "residential", "access": "no", "foot": "yes"},
    5: {"highway": "residential", "oneway": "yes"},
    6: {"highway": "residential", "oneway": "-1"},
    7: {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"},
    8: {"highway": "cycleway"},
    9: {"highway": "footway", "access": "yes"},
    10: {"highway": "residential"},
    11: {"highway": "residential", "motor_vehicle": "no"},
    12: {"highway": "construction"},
}
ROUNDABOUT = 20  # a closed way of four nodes, junction=roundabout, no oneway tag

BOTH, FORWARD, BACKWARD, NONE = "both", "forward", "backward", "none"
EXPECTED = {  # way id -> (walk, bike, car)
    1: (NONE, NONE, FORWARD),  # motorway: cars only, implied oneway
    2: (BOTH, NONE, NONE),  # footway: not drivable, not for bikes unless bicycle=yes
    3: (NONE, NONE, NONE),  # access=private excludes everyone
    4: (BOTH, NONE, NONE),  # access=no + foot=yes: walking only
    5: (BOTH, FORWARD, FORWARD),  # oneway=yes: one direction for car and bike
    6: (BOTH, BACKWARD, BACKWARD),  # oneway=-1: against the way's node order
    7: (BOTH, BOTH, FORWARD),  # oneway:bicycle=no: two-way for bikes only
    8: (NONE, BOTH, NONE),  # cycleway: bikes only (osmnx's walk network excludes it)
    9: (BOTH, NONE, NONE),  # a generic access=yes does not open a footway to cars
    10: (BOTH, BOTH, BOTH),
    11: (BOTH, BOTH, NONE),  # motor_vehicle=no
    12: (NONE, NONE, NONE),  # under construction
}


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "rules.osm"
    nodes, ways = {}, []
    for wid, tags in RULE_WAYS.items():
        lon = 9.0 + 0.01 * wid
        nodes[2 * wid] = (lon, 48.0)
        nodes[2 * wid + 1] = (lon, 48.001)
        ways.append((wid, [2 * wid, 2 * wid + 1], tags))
    ring = [1001, 1002, 1003, 1004]
    for k, (dx, dy) in zip(ring, [(0, 0), (0.0005, 0.0003), (0, 0.0006), (-0.0005, 0.0003)], strict=True):
        nodes[k] = (9.5 + dx, 48.0 + dy)
    ways.append((ROUNDABOUT, [*ring, ring[0]], {"highway": "primary", "junction": "roundabout"}))
    write_osm(path, nodes, ways)
    return path


@pytest.fixture(scope="module")
def rule_edges(rules_file) -> dict[str, dict[int, set[tuple[int, int]]]]:
    osm = read_osm_ways(rules_file)
    return {m: directed_edges(StreetNetwork.from_osm(osm, m, KEEP_ALL)) for m in ("walk", "bike", "car")}


def _direction(edges: dict[int, set[tuple[int, int]]], wid: int) -> str:
    got = edges.get(wid, set())
    a, b = 2 * wid, 2 * wid + 1
    fw, bw = (a, b) in got, (b, a) in got
    return {
        (True, True): BOTH,
        (True, False): FORWARD,
        (False, True): BACKWARD,
        (False, False): NONE,
    }[(fw, bw)]


@pytest.mark.parametrize("wid", list(EXPECTED), ids=[str(RULE_WAYS[w]) for w in EXPECTED])
@pytest.mark.parametrize("mode_index,mode", list(enumerate(["walk", "bike", "car"])))
def test_mode_may_use_the_way_in_the_directions_its_tags_allow(rule_edges, wid, mode_index, mode):
    assert _direction(rule_edges[mode], wid) == EXPECTED[wid][mode_index]


def test_roundabout_is_one_way_for_car_and_bike_in_node_order_and_two_way_on_foot(rule_edges):
    ring = [1001, 1002, 1003, 1004, 1001]
    along = set(zip(ring[:-1], ring[1:], strict=True))
    against = {(b, a) for a, b in along}
    assert rule_edges["car"][ROUNDABOUT] == along
    assert rule_edges["bike"][ROUNDABOUT] == along
    assert rule_edges["walk"][ROUNDABOUT] == along | against


def test_build_network_applies_the_same_rules(rules_file):
    net = access.build_network(rules_file, modes=("walk", "car"), settings=KEEP_ALL, cache=False, progress=False)
    car_ways = set(net.street("car").way_id.tolist())
    walk_ways = set(net.street("walk").way_id.tolist())
    assert 1 in car_ways and 1 not in walk_ways
    assert 2 in walk_ways and 2 not in car_ways


# --------------------------------------------------------------------------------------
# car speeds and edge travel seconds
# --------------------------------------------------------------------------------------
SPEED_CASES = [  # (tags, km/h the car should drive)
    ({"highway": "residential", "maxspeed": "50"}, 50.0),
    ({"highway": "residential", "maxspeed": "30 mph"}, 30 * 1.609344),  # 48.28 km/h
    ({"highway": "residential", "maxspeed": "CN:urban"}, 50.0),
    ({"highway": "residential", "maxspeed": "signals"}, CAR_SPEEDS_KMH["residential"]),
    ({"highway": "residential"}, CAR_SPEEDS_KMH["residential"]),
    ({"highway": "primary"}, CAR_SPEEDS_KMH["primary"]),
    ({"highway": "motorway", "maxspeed": "none"}, CAR_SPEEDS_KMH["motorway"]),
    ({"highway": "secondary", "maxspeed": "60;80"}, 70.0),
]


@pytest.fixture(scope="module")
def speed_network(tmp_path_factory):
    """One ~1 km north-south way per speed case (way id = case number + 1)."""
    path = tmp_path_factory.mktemp("speeds") / "speeds.osm"
    nodes, ways = {}, []
    for k, (tags, _) in enumerate(SPEED_CASES):
        lon = 10.0 + 0.02 * k
        nodes[10 * k + 1] = (lon, 45.0)
        nodes[10 * k + 2] = (lon + 0.0003, 45.009)
        ways.append((k + 1, [10 * k + 1, 10 * k + 2], tags))
    write_osm(path, nodes, ways)
    street = StreetNetwork.from_osm(read_osm_ways(path), "car", KEEP_ALL)
    return nodes, street


@pytest.mark.parametrize("k", range(len(SPEED_CASES)), ids=[str(t) for t, _ in SPEED_CASES])
def test_car_edge_seconds_are_great_circle_length_over_the_posted_or_class_speed(speed_network, k):
    nodes, street = speed_network
    kmh = SPEED_CASES[k][1]
    a, b = 10 * k + 1, 10 * k + 2
    length = great_circle_m(*nodes[a], *nodes[b])
    assert edge_seconds(street, a, b) == round(length / (kmh / 3.6))
    hit = np.flatnonzero(street.node_id[street.tails] == a)
    assert float(street.length_m[hit[0]]) == pytest.approx(length, abs=0.01)


def test_one_edge_worked_by_hand(tmp_path):
    # (10.0, 45.0) -> (10.0, 45.009): 0.009 deg of latitude = 6371009 m * 0.009 * pi/180
    # = 1000.756 m; at maxspeed 50 km/h (13.889 m/s) that is 72.05 s -> 72 s;
    # walking at 4.8 km/h (1.3333 m/s) 750.57 s -> 751 s; cycling at 15 km/h 240.18 s -> 240 s.
    path = tmp_path / "one.osm"
    write_osm(
        path,
        {1: (10.0, 45.0), 2: (10.0, 45.009)},
        [(1, [1, 2], {"highway": "residential", "maxspeed": "50"})],
    )
    osm = read_osm_ways(path)
    car = StreetNetwork.from_osm(osm, "car", KEEP_ALL)
    assert float(car.length_m[0]) == pytest.approx(1000.756, abs=0.01)
    assert car.travel_s.tolist() == [72, 72]
    assert StreetNetwork.from_osm(osm, "walk", KEEP_ALL).travel_s.tolist() == [751, 751]
    assert StreetNetwork.from_osm(osm, "bike", KEEP_ALL).travel_s.tolist() == [240, 240]


def test_maxspeed_forward_applies_only_along_the_way(tmp_path):
    # OSM wiki Key:maxspeed: maxspeed:forward is the limit in the way's direction only;
    # against it the plain maxspeed (here 50) holds.
    path = tmp_path / "fw.osm"
    write_osm(
        path,
        {1: (10.0, 45.0), 2: (10.0, 45.009)},
        [(1, [1, 2], {"highway": "residential", "maxspeed": "50", "maxspeed:forward": "30"})],
    )
    car = StreetNetwork.from_osm(read_osm_ways(path), "car", KEEP_ALL)
    length = great_circle_m(10.0, 45.0, 10.0, 45.009)
    assert edge_seconds(car, 1, 2) == round(length / (30 / 3.6))
    assert edge_seconds(car, 2, 1) == round(length / (50 / 3.6))


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("50kmh", 50.0),
        (" 40 ", 40.0),
        ("30 mph", 48.28032),
        ("10 knots", 18.52),
        ("CN:urban", 50.0),
        ("CN:rural", 70.0),
        ("CN:motorway", 120.0),
        ("DE:urban", 50.0),
        ("60;80", 70.0),
        ("walk", 5.0),
        ("12.5", 12.5),
    ],
)
def test_parse_maxspeed_reads_numbers_units_and_zones(value, kmh):
    assert parse_maxspeed_kmh(value) == pytest.approx(kmh, rel=1e-9)


@pytest.mark.parametrize(
    "value",
    ["signals", "none", "variable", "", "  ", None, float("nan"), "0", "500", "-30", "fast"],
)
def test_parse_maxspeed_returns_nan_for_values_that_are_not_speeds(value):
    assert math.isnan(parse_maxspeed_kmh(value))


# --------------------------------------------------------------------------------------
# clipping and components
# --------------------------------------------------------------------------------------
def test_bbox_clipping_cuts_a_way_where_it_leaves_the_box_and_splits_it_where_it_returns(tmp_path):
    path = tmp_path / "clip.osm"
    nodes = {
        1: (9.000, 47.000),
        2: (9.001, 47.000),
        3: (9.002, 47.010),  # outside the box (north)
        4: (9.003, 47.000),
        5: (9.004, 47.000),
        6: (9.020, 47.000),  # outside the box (east)
    }
    write_osm(path, nodes, [(7, [1, 2, 3, 4, 5, 6], {"highway": "residential"})])
    bbox = (8.99, 46.99, 9.01, 47.005)
    osm = read_osm_ways(path, bbox=bbox)
    pieces = [osm.node_id[osm.node_ptr[i] : osm.node_ptr[i + 1]].tolist() for i in range(len(osm.ways))]
    assert pieces == [[1, 2], [4, 5]]
    assert osm.ways["way_id"].tolist() == [7, 7]
    walk = directed_edges(StreetNetwork.from_osm(osm, "walk", KEEP_ALL))
    assert walk[7] == {(1, 2), (2, 1), (4, 5), (5, 4)}
    net = access.build_network(path, modes=("walk",), bbox=bbox, settings=KEEP_ALL, cache=False, progress=False)
    assert sorted(net.street("walk").node_id.tolist()) == [1, 2, 4, 5]
    lon, lat = net.street("walk").lon, net.street("walk").lat
    assert ((lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])).all()


def test_largest_component_drops_an_island(tmp_path):
    path = tmp_path / "island.osm"
    nodes = {
        1: (9.0, 47.0),
        2: (9.0, 47.001),
        3: (9.0, 47.002),
        4: (9.0, 47.003),
        11: (9.1, 47.0),
        12: (9.1, 47.001),
    }
    write_osm(
        path,
        nodes,
        [(1, [1, 2, 3, 4], {"highway": "residential"}), (2, [11, 12], {"highway": "residential"})],
    )
    osm = read_osm_ways(path)
    kept = StreetNetwork.from_osm(osm, "walk", StreetSettings(largest_component=True))
    assert sorted(kept.node_id.tolist()) == [1, 2, 3, 4]
    assert set(kept.way_id.tolist()) == {1}
    everything = StreetNetwork.from_osm(osm, "walk", KEEP_ALL)
    assert sorted(everything.node_id.tolist()) == [1, 2, 3, 4, 11, 12]


def test_largest_component_is_strongly_connected_for_cars(tmp_path):
    # a one-way spur leading out of a two-way street cannot be left again by car
    path = tmp_path / "spur.osm"
    nodes = {1: (9.0, 47.0), 2: (9.0, 47.001), 3: (9.0, 47.002), 4: (9.001, 47.002)}
    write_osm(
        path,
        nodes,
        [
            (1, [1, 2, 3], {"highway": "residential"}),
            (2, [3, 4], {"highway": "residential", "oneway": "yes"}),
        ],
    )
    car = StreetNetwork.from_osm(read_osm_ways(path), "car", StreetSettings())
    assert sorted(car.node_id.tolist()) == [1, 2, 3]
