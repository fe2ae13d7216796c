"""Edges of the data (issue 17.6): the nodes where an extract cut its streets, isochrones
that reach them say so (``truncated_by_extent`` + a warning), and the helper for
travel-time matrices names the points whose budget reaches them; a transit isochrone that is
only walking says so (``walk_only``)."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import access
from access.config import IsochroneSettings
from access.errors import ExtentWarning, WalkOnlyWarning
from access.network.extent import points_reach_extent, warn_extent
from access.routing.street import node_times, snap
from tests.conftest import require_data
from tests.osm_xml import write_osm

LON0, LAT0 = 9.0, 48.0  # central meridian of UTM 32N
M_LAT = 1.0 / (math.radians(1) * 6_371_009.0)
M_LON = M_LAT / math.cos(math.radians(LAT0))


@pytest.fixture(scope="module")
def cross(tmp_path_factory) -> access.Network:
    """Two 3 km residential roads crossing at their middles (nodes every 100 m), and a 200 m
    cul-de-sac going east from 500 m north of the crossing."""
    path = tmp_path_factory.mktemp("cross") / "cross.osm"
    nodes = {}
    for k in range(31):
        nodes[1 + k] = (LON0 + (k - 15) * 100 * M_LON, LAT0)  # west-east, 16 is the centre
        if k != 15:
            nodes[101 + k] = (LON0, LAT0 + (k - 15) * 100 * M_LAT)  # south-north
    nodes[201], nodes[202] = (LON0 + 100 * M_LON, LAT0 + 500 * M_LAT), (LON0 + 200 * M_LON, LAT0 + 500 * M_LAT)
    north_south = [101 + k if k != 15 else 16 for k in range(31)]
    ways = [
        (1, list(range(1, 32)), {"highway": "residential"}),
        (2, north_south, {"highway": "residential"}),
        (3, [101 + 20, 201, 202], {"highway": "residential"}),
    ]
    write_osm(path, nodes, ways)
    return access.build_network(path, modes=("walk", "car"), progress=False, cache=False)


def test_the_edge_of_the_data_is_the_dead_ends_on_the_hull_not_a_cul_de_sac_inside(cross):
    street = cross.street("walk")
    ids = sorted(street.node_id[street.extent.nodes].tolist())
    assert ids == [1, 31, 101, 131]  # the four road ends; 202 ends a cul-de-sac 566 m inside
    centre = int(np.flatnonzero(street.node_id == 16)[0])
    # 1.5 km at 4.8 km/h = 1125 s from the crossing to each end (75 s per 100 m)
    assert street.extent.to_s[centre] == 1125 and street.extent.from_s[centre] == 1125


def test_an_isochrone_reaching_the_end_of_the_roads_is_truncated_by_the_extent(cross):
    # the ends are reached at 1125 s = 18.75 min: an 18-min area ends inside the data, a
    # 19-min one would go further if the roads did
    with pytest.warns(ExtentWarning, match="1 of 1 origins' walk isochrones reach the edge"):
        iso = access.isochrones(cross, (LON0, LAT0), mode="walk", cutoffs_min=(10, 18, 19, 30))
    assert list(iso["truncated_by_extent"]) == [False, False, True, True]
    assert iso["truncated_by_extent"].dtype == bool
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtentWarning)
        inside = access.isochrones(cross, (LON0, LAT0), mode="walk", cutoffs_min=(18,))
    assert not inside["truncated_by_extent"].any()


def test_reached_lines_carry_the_flag_of_their_cutoff_band(cross):
    with pytest.warns(ExtentWarning):
        lines = access.isochrones(cross, (LON0, LAT0), mode="walk", cutoffs_min=(18, 19), output="lines")
    assert set(lines.loc[lines["cutoff_min"] == 18, "truncated_by_extent"]) == {False}
    assert set(lines.loc[lines["cutoff_min"] == 19, "truncated_by_extent"]) == {True}


def test_porto_alegre_edge_nodes_agree_with_networkx_degrees_and_the_bounding_box(poa_network):
    street = poa_network.street("car")
    graph = nx.Graph(street.to_networkx())
    graph.remove_edges_from(nx.selfloop_edges(graph))
    position = {int(n): i for i, n in enumerate(street.node_id)}
    dead = np.array([position[int(n)] for n, d in graph.degree() if d == 1])
    box = shapely.box(street.x.min(), street.y.min(), street.x.max(), street.y.max()).exterior
    near = dead[shapely.distance(box, shapely.points(street.x[dead], street.y[dead])) <= 100.0]
    assert sorted(near) == sorted(street.extent.nodes) and len(near) > 10


def test_waterfront_paths_near_the_centre_are_not_the_edge_of_the_data(poa_network):
    # the Guaiba shore bounds the data on the west (on its convex hull) but is no cut: a
    # 30-min walk from Santa Casa reaches the waterfront by the Gasometer, not the edge
    poi = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))
    point = poi.loc[poi["id"] == "santa_casa_hospital", ["id", "lon", "lat"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtentWarning)
        iso = access.isochrones(poa_network, point, mode="walk", cutoffs_min=(30,))
    assert not iso["truncated_by_extent"].any()


@pytest.fixture(scope="module")
def market(poa_network):
    poi = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))
    return poi.loc[poi["id"] == "public_market", ["id", "lon", "lat"]]


def test_a_two_hour_car_area_of_central_porto_alegre_is_the_extract_and_says_so(poa_network, market):
    street = poa_network.street("car")
    with pytest.warns(ExtentWarning, match="the extract, not the cutoff"):
        iso = access.isochrones(poa_network, market, mode="car", cutoffs_min=(2, 120))
    seconds = node_times(street, snap(street, market, strict=True), 0, 10**9)
    first_edge_s = seconds[street.extent.nodes].min()  # our own router, not the surface code
    assert first_edge_s < 120 * 60
    assert list(iso["truncated_by_extent"]) == [first_edge_s < 2 * 60, True] == [False, True]


def test_points_whose_search_budget_reaches_the_edge_are_named_with_a_warning(poa_network, market):
    # the helper for travel-time matrices: per snapped point, whether its search reaches
    # the edge within the budget (depart-at from it, or arrive-by into it)
    street = poa_network.street("car")
    snapped = snap(street, market, strict=True)
    seconds = node_times(street, snapped, 0, 10**9)
    first_edge_s = seconds[street.extent.nodes].min()
    ids = market["id"].to_numpy()
    with pytest.warns(ExtentWarning, match="1 of 1 origins .* reach the edge of the car street data"):
        assert list(warn_extent(street, snapped, ids, first_edge_s + 1)) == ["public_market"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtentWarning)
        # (node times start from whole seconds to the edge's ends: a second either way)
        assert len(warn_extent(street, snapped, ids, first_edge_s - 1)) == 0
    assert points_reach_extent(street, snapped, 7200, inbound=True).all()
    assert not points_reach_extent(street, snapped, 60, inbound=True).any()


def test_travel_time_matrices_name_the_points_whose_budget_reaches_the_edge(poa_network, market):
    both = pd.concat([market, pd.DataFrame({"id": ["east"], "lon": [-51.17], "lat": [-30.05]})], ignore_index=True)
    street = poa_network.street("car")
    snapped = snap(street, both, strict=True)
    # our own router: each origin's first edge node, the budget just past the earlier one
    first = [node_times(street, snapped, k, 10**9)[street.extent.nodes].min() for k in range(2)]
    budget_min = (min(first) + 30) / 60
    assert max(first) > min(first) + 60
    table = access.travel_times(poa_network, both, both, mode="car", max_time_min=budget_min)
    assert table.attrs["truncated_by_extent"] == [both["id"][int(np.argmin(first))]]
    assert access.travel_times(poa_network, both, both, mode="car", max_time_min=120).attrs[
        "truncated_by_extent"
    ] == list(both["id"])
    assert access.travel_times(poa_network, both, both, mode="car", max_time_min=1).attrs["truncated_by_extent"] == []
    inbound = access.travel_times(poa_network, both, both, mode="car", max_time_min=120, arrive_by="08:00")
    assert inbound.attrs["truncated_by_extent"] == list(both["id"])  # destinations, reached from the edge


@pytest.fixture(scope="module")
def sample_transit(tmp_path_factory):
    from access.sample import write_sample_region
    from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit

    folder = tmp_path_factory.mktemp("sample")
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    network = access.build_network(
        region.osm_pbf, modes=("walk",), gtfs=[files["buses"]], service_date=SAMPLE_SERVICE_DATE, progress=False
    )
    places = pd.read_csv(region.places_csv)
    return network, places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]


def test_a_transit_isochrone_with_no_bus_running_is_walk_only_and_says_so(sample_transit):
    network, core = sample_transit
    with pytest.warns(WalkOnlyWarning, match="2 of 2 transit isochrones are walking only"):
        night = access.isochrones(network, core, mode="transit", cutoffs_min=(30, 60), departure="03:00", window_min=10)
    assert list(night["transit_used"]) == [False, False]
    # the same area as walking on the transit grid (resolution and off-network walk)
    settings = IsochroneSettings()
    same = IsochroneSettings(offnet_max_m={"walk": settings.offnet_max_m["transit"]})
    walk = access.isochrones(
        network, core, mode="walk", cutoffs_min=(30, 60), resolution_m=settings.resolution_m["transit"], settings=same
    )
    for a, b in zip(night.geometry, walk.geometry, strict=True):
        assert a.symmetric_difference(b).area < 0.05 * b.area
    day = access.isochrones(network, core, mode="transit", cutoffs_min=(60,), departure="07:00", window_min=30)
    assert list(day["transit_used"]) == [True]
    assert "transit_used" not in walk.columns  # street modes have no rides to speak of


def test_transit_matrices_name_the_origins_whose_budget_reaches_the_edge(poa_transit):
    """Independent check: the edge of the walk data as ordinary destinations (a point at
    every edge node), routed by the same matrix; an origin is cut by the extract exactly
    when one of them is reached within its budget."""
    walk = poa_transit.street("walk")
    edge = walk.extent.nodes
    edge_points = pd.DataFrame({"id": np.arange(len(edge)), "lon": walk.lon[edge], "lat": walk.lat[edge]})
    origins = pd.DataFrame(
        {"id": ["market", "east", "south"], "lon": [-51.2271, -51.17, -51.21], "lat": [-30.0277, -30.05, -30.07]}
    )
    first = access.travel_times(
        poa_transit, origins, edge_points, mode="transit", departure="14:00", window_min=1, max_time_min=300
    )
    first_min = first.groupby("from_id", sort=False)["travel_time_min"].min().reindex(origins["id"])
    assert first_min.notna().all() and first_min.max() > first_min.min() + 2  # the origins differ
    for budget in sorted({first_min.min() + 1, first_min.median() + 1, first_min.max() + 1}):
        table = access.travel_times(
            poa_transit, origins, origins, mode="transit", departure="14:00", window_min=1, max_time_min=budget
        )
        expected = [o for o in origins["id"] if first_min[o] < budget - 0.6]  # a second of rounding either way
        unsure = [o for o in origins["id"] if abs(first_min[o] - budget) <= 0.6]
        assert [o for o in table.attrs["truncated_by_extent"] if o not in unsure] == expected, (budget, first_min)
    with pytest.warns(
        ExtentWarning, match=r"1 of the origins reaches the edge of the street data by transit or on foot"
    ):
        access.travel_times(
            poa_transit,
            origins,
            origins,
            mode="transit",
            departure="14:00",
            window_min=1,
            max_time_min=first_min.min() + 1,
        )
    small = access.travel_times(
        poa_transit, origins, origins, mode="transit", departure="14:00", window_min=1, max_time_min=5
    )
    assert small.attrs["truncated_by_extent"] == []


def test_transit_arrive_by_matrices_name_the_destinations_reached_from_the_edge(poa_transit):
    """Arrive-by: the edge of the walk data as ordinary origins (a point at every edge
    node) routed by the same arrive-by matrix; a destination is reached from beyond the
    extract exactly when one of them reaches it within the budget."""
    walk = poa_transit.street("walk")
    edge = walk.extent.nodes
    edge_points = pd.DataFrame({"id": np.arange(len(edge)), "lon": walk.lon[edge], "lat": walk.lat[edge]})
    places = pd.DataFrame(
        {"id": ["market", "east", "south"], "lon": [-51.2271, -51.17, -51.21], "lat": [-30.0277, -30.05, -30.07]}
    )
    kw = {"mode": "transit", "arrive_by": "15:00", "window_min": 1}
    first = access.travel_times(poa_transit, edge_points, places, max_time_min=300, **kw)
    first_min = first.groupby("to_id", sort=False)["travel_time_min"].min().reindex(places["id"])
    assert first_min.notna().all() and first_min.max() > first_min.min() + 2
    for budget in sorted({first_min.min() + 1, first_min.median() + 1, first_min.max() + 1}):
        table = access.travel_times(poa_transit, places, places, max_time_min=budget, **kw)
        expected = [o for o in places["id"] if first_min[o] < budget - 0.6]
        unsure = [o for o in places["id"] if abs(first_min[o] - budget) <= 0.6]
        assert [o for o in table.attrs["truncated_by_extent"] if o not in unsure] == expected, (budget, first_min)
    assert access.travel_times(poa_transit, places, places, max_time_min=5, **kw).attrs["truncated_by_extent"] == []
