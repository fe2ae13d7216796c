"""Arrive-by (inbound) queries: street times on the reverse graph equal depart-at times of
the same origin/destination pairs (and one-way streets make inbound differ from outbound);
transit arrive-by agrees with forward single departures at the latest departure found."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point

import access
from access.config import IsochroneSettings
from access.errors import InputError
from access.routing.inbound import inbound_node_times
from access.routing.street import node_times, snap
from access.sample import write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit
from tests.conftest import require_data
from tests.osm_xml import write_osm

LON0, LAT0 = 9.0, 48.0  # UTM 32N central meridian: projected metres ~ true metres
M_LAT = 1.0 / (math.radians(1) * 6_371_009.0)  # degrees of latitude per metre
ONE_SECOND_MIN = 1 / 60 + 1e-9  # searches round the start point's partial edge to seconds
M_LON = M_LAT / math.cos(math.radians(LAT0 + 0.0045))


@pytest.fixture(scope="module")
def one_way_square(tmp_path_factory) -> access.Network:
    """A 1 km square of one-way primary road (60 km/h: 60 s a side), driven clockwise:
    corner A (south-west) -> B (north-west) -> C (north-east) -> D (south-east) -> A."""
    path = tmp_path_factory.mktemp("oneway") / "square.osm"
    corners = [(0, 0), (0, 1000), (1000, 1000), (1000, 0)]
    coords = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        coords += [(x0 + f * (x1 - x0), y0 + f * (y1 - y0)) for f in np.arange(10) / 10]
    nodes = {k + 1: (LON0 + x * M_LON, LAT0 + y * M_LAT) for k, (x, y) in enumerate(coords)}
    write_osm(path, nodes, [(1, [*nodes, 1], {"highway": "primary", "oneway": "yes"})])
    # China's default speeds (primary 60 km/h) as worked by hand; the square lies in Germany
    settings = access.StreetSettings(country="CN")
    return access.build_network(path, modes=("walk", "car"), progress=False, cache=False, settings=settings)


def _corners():
    return pd.DataFrame(
        {
            "id": list("ABCD"),
            "lon": [LON0, LON0, LON0 + 1000 * M_LON, LON0 + 1000 * M_LON],
            "lat": [LAT0, LAT0 + 1000 * M_LAT, LAT0 + 1000 * M_LAT, LAT0],
        }
    )


def test_one_way_square_times_worked_by_hand_arrive_by_equals_depart_at(one_way_square):
    corners = _corners()
    depart = access.travel_times(one_way_square, corners, mode="car")
    arrive = access.travel_times(one_way_square, corners, mode="car", arrive_by="09:00")
    # clockwise neighbour 1 side (1 min); the other way round 3 sides (3 min)
    hand = {("A", "B"): 1, ("B", "A"): 3, ("A", "D"): 3, ("D", "A"): 1, ("A", "C"): 2, ("C", "A"): 2}
    for table in (depart, arrive):
        got = {(f, t): v for f, t, v in table[["from_id", "to_id", "travel_time_min"]].itertuples(index=False)}
        for pair, minutes in hand.items():
            assert got[pair] == pytest.approx(minutes, abs=0.02), pair
    # equal up to the rounding of the partial edge at the point the search starts from
    np.testing.assert_allclose(arrive["travel_time_min"], depart["travel_time_min"], atol=ONE_SECOND_MIN)


def test_inbound_isochrone_is_where_the_point_is_reached_from_against_one_way_streets(one_way_square):
    street = one_way_square.street("car")
    settings = IsochroneSettings(offnet_max_m={"car": 150.0})
    # a fine grid: the band beside the road thins to nothing at the cutoff
    query = {"mode": "car", "cutoffs_min": (1.5,), "settings": settings, "resolution_m": 20}
    out = access.isochrones(one_way_square, (LON0, LAT0), **query)
    inb = access.isochrones(one_way_square, (LON0, LAT0), arrive_by="09:00", **query)
    out_p = out.to_crs(street.crs_epsg).geometry.iloc[0]
    in_p = inb.to_crs(street.crs_epsg).geometry.iloc[0]
    x0, y0 = street.x.min(), street.y.min()
    b, d = Point(x0, y0 + 1000), Point(x0 + 1000, y0)
    # outbound: 60 s to B, then 30 s along the north side; inbound: from D (60 s) and
    # from 500 m before D on the east side (150 m off-network allowance)
    assert out_p.covers(b) and not out_p.intersects(d.buffer(300))
    assert in_p.covers(d) and not in_p.intersects(b.buffer(300))
    assert out_p.covers(Point(x0 + 300, y0 + 1000)) and in_p.covers(Point(x0 + 1000, y0 + 300))
    assert out_p.area == pytest.approx(in_p.area, rel=0.02)  # mirror images


def test_inbound_node_times_equal_scipy_dijkstra_on_the_transposed_graph(poa_network):
    street = poa_network.street("car")
    target = int(np.argmax(np.diff(street.indptr)))  # a well-connected junction
    point = (float(street.lon[target]), float(street.lat[target]))
    snapped = snap(street, point, strict=True)
    assert snapped.distance_m[0] < 0.01
    ours = inbound_node_times(street, snapped, 0, 10**9)
    reference = dijkstra(street.to_csr_matrix().T.tocsr(), indices=target)
    finite = np.isfinite(reference)
    np.testing.assert_allclose(ours[finite], np.round(reference[finite]), atol=1e-6)
    assert np.isinf(ours[~finite]).all()
    forward = node_times(street, snapped, 0, 10**9)
    differ = np.isfinite(ours) & np.isfinite(forward) & (ours != forward)
    assert differ.mean() > 0.2, "one-way streets make to- and from-times differ"


def test_arrive_by_matrix_equals_depart_at_and_not_its_transpose_on_real_one_ways(poa_network):
    poi = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))[["id", "lon", "lat"]]
    depart = access.travel_times(poa_network, poi, mode="car", max_time_min=60)
    arrive = access.travel_times(poa_network, poi, mode="car", max_time_min=60, arrive_by="2019-05-13T09:00")
    # equal up to the rounding of the partial edge at the point the search starts from
    np.testing.assert_allclose(arrive["travel_time_min"], depart["travel_time_min"], atol=ONE_SECOND_MIN)
    n = len(poi)
    m = depart["travel_time_min"].to_numpy().reshape(n, n)
    assert np.nanmax(np.abs(m - m.T)) > 1.0, "some pair differs by direction by more than a minute"


def test_departure_and_arrive_by_together_are_refused(poa_network):
    with pytest.raises(InputError, match="either departure .* or arrive_by"):
        access.travel_times(poa_network, [(-51.22, -30.03)], mode="walk", departure="07:00", arrive_by="09:00")
    with pytest.raises(InputError, match="arrive_by"):
        access.isochrones(poa_network, (-51.22, -30.03), mode="walk", cutoffs_min=(5,), arrive_by="9h")


# --------------------------------------------------------------------------------------
# sample region: transit arrive-by, long budgets
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    network = access.build_network(
        region.osm_pbf,
        modes=("walk", "bike", "car"),
        gtfs=[files["buses"]],
        rail_specs=[files["rail_spec"]],
        service_date=SAMPLE_SERVICE_DATE,
        progress=False,
    )
    return network, pd.read_csv(region.places_csv)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def test_transit_arrive_by_is_the_latest_departure_of_the_forward_search(sample):
    """For each deadline T the arrive-by time t gives the latest departure L = T - t: a
    forward single departure at L arrives by T, one a little later does not."""
    network, places = sample
    core = places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]
    origins = places[["id", "lon", "lat"]]  # few reach the core by bus and rail: a rural region
    slack = 3  # seconds: access/egress walks are rounded to whole seconds on both sides
    checked = 0
    for deadline in (8 * 3600 + 30 * 60, 9 * 3600):
        arrive = access.travel_times(
            network, origins, core, mode="transit", arrive_by=_clock(deadline), window_min=1, max_time_min=300
        )
        for origin_id, minutes in zip(arrive["from_id"], arrive["travel_time_min"], strict=True):
            if not np.isfinite(minutes) or minutes == 0 or checked >= 16:
                continue
            latest = deadline - int(round(minutes * 60))
            o = origins[origins["id"] == origin_id]
            for leave, in_time in ((latest - slack, True), (latest + 2 * slack, False)):
                fwd = access.travel_times(
                    network, o, core, mode="transit", departure=_clock(leave), window_min=1, max_time_min=300
                )["travel_time_min"].iloc[0]
                arrival = leave + fwd * 60 if np.isfinite(fwd) else np.inf
                assert (arrival <= deadline + slack) == in_time, (origin_id, deadline, leave, fwd)
            checked += 1
    assert checked >= 16


def test_inbound_transit_isochrone_nests_to_180_min_and_refuses_park_and_ride(sample):
    network, places = sample
    core = places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]
    iso = access.isochrones(network, core, mode="transit", cutoffs_min=(60, 120, 180), arrive_by="09:00", window_min=30)
    geoms = iso.to_crs(network.street("walk").crs_epsg).geometry.to_list()
    assert all(g.is_valid and not g.is_empty for g in geoms)
    for small, big in zip(geoms[:-1], geoms[1:], strict=True):
        assert small.covered_by(big.buffer(1e-6))
    assert iso["area_km2"].is_monotonic_increasing and iso["area_km2"].iloc[2] > iso["area_km2"].iloc[0]
    with pytest.raises(InputError, match="access_mode='walk'"):
        access.isochrones(network, core, mode="transit", arrive_by="09:00", access_mode="car")


def test_long_budgets_240_min_car_and_180_min_transit_isochrones_nest_with_60_and_120(sample):
    network, places = sample
    core = places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]
    for mode, cutoffs in (("car", (60, 120, 240)), ("transit", (60, 120, 180))):
        iso = access.isochrones(network, core, mode=mode, cutoffs_min=cutoffs, window_min=30)
        assert list(iso["cutoff_min"]) == list(cutoffs)
        geoms = iso.to_crs(32650).geometry.to_list()
        for small, big in zip(geoms[:-1], geoms[1:], strict=True):
            assert small.covered_by(big.buffer(1e-6)), mode
        assert (np.diff(iso["area_km2"]) > 0).all(), f"{mode}: each longer cutoff reaches more"


@pytest.mark.parametrize("mode", ["walk", "bike", "car", "transit"])
def test_300_minute_budget_reaches_trips_beyond_two_hours(sample, mode):
    network, places = sample
    points = places.iloc[::6][["id", "lon", "lat"]]
    kwargs = {"window_min": 10} if mode == "transit" else {}
    minutes = access.travel_times(network, points, mode=mode, max_time_min=300, **kwargs)["travel_time_min"]
    assert ((minutes > 120) & (minutes <= 300)).any(), f"{mode}: nothing between 2 and 5 hours"
    assert not (minutes > 300).any()


def test_surface_is_minutes_below_budget_and_shapely_agrees_for_the_origin(sample):
    from access.surfaces.outputs import travel_time_surface

    network, places = sample
    core = places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]
    surface = travel_time_surface(network, core, mode="car", max_time_min=30, resolution_m=200)
    assert surface.cell_m == 200
    assert np.nanmax(surface.minutes) <= 30 and np.nanmin(surface.minutes) < 1
    street = network.street("car")
    origin = snap(street, core, strict=True)
    # the least time is at the corners of the grid cell holding the origin (a reached
    # point's cell takes its time), the grid point nearest the origin among them
    j, i = np.nonzero(surface.minutes == np.nanmin(surface.minutes))
    far = shapely.distance(shapely.points(surface.xs[i], surface.ys[j]), Point(origin.x[0], origin.y[0]))
    assert far.max() <= 200 * math.sqrt(2)
    jn, in_ = np.argmin(np.abs(surface.ys - origin.y[0])), np.argmin(np.abs(surface.xs - origin.x[0]))
    assert surface.minutes[jn, in_] == np.nanmin(surface.minutes)
