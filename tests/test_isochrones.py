"""Isochrones: polygons agree with node travel times, nest, and have the shapes worked out
by hand on small synthetic networks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

import access
from access.config import IsochroneSettings
from access.routing.street import node_times, snap
from tests.conftest import require_data
from tests.osm_xml import write_osm

SETTINGS = IsochroneSettings()
OFFNET_MS = SETTINGS.offnet_speed_kmh / 3.6
METRES_PER_DEG_LAT = math.radians(1) * 6_371_009.0  # haversine along a meridian


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _in_projected(iso, street):
    return iso.to_crs(street.crs_epsg)


def _assert_nested_and_areas(iso, street):
    """Valid, non-empty, nested polygons with increasing areas equal to projected areas."""
    geoms = list(iso.geometry)
    for g in geoms:
        assert g.is_valid and not g.is_empty
        assert g.geom_type in ("Polygon", "MultiPolygon")
    for small, big in zip(geoms[:-1], geoms[1:], strict=True):
        assert small.covered_by(big.buffer(1e-6)), "a shorter cutoff's polygon lies inside the next"
    areas = iso["area_km2"].to_numpy()
    assert (np.diff(areas) >= 0).all()
    projected = _in_projected(iso, street).area.to_numpy() / 1e6
    np.testing.assert_allclose(areas, projected, rtol=1e-6)


# --------------------------------------------------------------------------------------
# Porto Alegre: polygons agree with the node travel times they are built from
# --------------------------------------------------------------------------------------
POA_CASES = [("walk", (10, 20, 30)), ("car", (5, 10, 15))]
ORIGINS = ["public_market", "farroupilha_park"]


@pytest.fixture(scope="module")
def poi() -> pd.DataFrame:
    return pd.read_csv(require_data("poa/poa_points_of_interest.csv"))


_ISO_CACHE: dict = {}


@pytest.fixture(
    scope="module",
    params=[(m, c, o) for m, c in POA_CASES for o in ORIGINS],
    ids=[f"{m}-{o}" for m, _ in POA_CASES for o in ORIGINS],
)
def poa_case(request, poa_network, poi):
    """(mode, cutoffs, street, isochrones, node seconds from the same snapped origin)."""
    mode, cutoffs, origin = request.param
    key = (mode, origin)
    if key not in _ISO_CACHE:
        point = poi.loc[poi["id"] == origin, ["id", "lon", "lat"]]
        street = poa_network.street(mode)
        iso = access.isochrones(poa_network, point, mode=mode, cutoffs_min=cutoffs)
        snapped = snap(street, point, what="origins", strict=True)
        seconds = node_times(street, snapped, 0, 10**9)
        _ISO_CACHE[key] = (mode, cutoffs, street, iso, seconds)
    return _ISO_CACHE[key]


def test_one_row_per_cutoff_in_ascending_order(poa_case):
    mode, cutoffs, street, iso, _ = poa_case
    assert list(iso["cutoff_min"]) == sorted(cutoffs)
    assert iso.crs.to_epsg() == 4326


def test_isochrone_polygons_are_valid_nested_and_their_areas_increase(poa_case):
    _, _, street, iso, _ = poa_case
    _assert_nested_and_areas(iso, street)


def test_isochrone_contains_every_node_reached_within_the_cutoff(poa_case):
    mode, cutoffs, street, iso, seconds = poa_case
    nodes = shapely.points(street.x, street.y)
    for cutoff, polygon in zip(iso["cutoff_min"], _in_projected(iso, street).geometry, strict=True):
        early = np.flatnonzero(seconds <= cutoff * 60)  # the last second included
        assert len(early) > 10
        outside = early[~shapely.covers(polygon, nodes[early])]
        detail = [
            f"node {street.node_id[k]} ({street.lon[k]:.6f}, {street.lat[k]:.6f}) reached in "
            f"{seconds[k]:.0f} s lies {polygon.distance(nodes[k]):.1f} m outside"
            for k in outside[:5]
        ]
        assert len(outside) == 0, f"{mode} {cutoff} min: {len(outside)} early nodes outside:\n" + "\n".join(detail)


def test_isochrone_excludes_nodes_reached_late_and_far_from_every_reached_node(poa_case):
    mode, cutoffs, street, iso, seconds = poa_case
    nodes = shapely.points(street.x, street.y)
    margin = SETTINGS.offnet_max_m[mode] + 2 * SETTINGS.resolution_m[mode]
    checked = 0
    for cutoff, polygon in zip(iso["cutoff_min"], _in_projected(iso, street).geometry, strict=True):
        reached = shapely.STRtree(nodes[seconds <= cutoff * 60])
        late = np.flatnonzero(seconds > (cutoff + 2) * 60)
        _, distance = reached.query_nearest(nodes[late], return_distance=True, all_matches=False)
        far_late = late[distance > margin]
        checked += len(far_late)
        inside = far_late[shapely.intersects(polygon, nodes[far_late])]
        assert len(inside) == 0, f"{mode} {cutoff} min: nodes {street.node_id[inside[:5]]} inside"
    assert checked > 100


def test_several_origins_give_one_row_per_origin_and_cutoff_with_their_ids(poa_network, poi):
    points = poi.iloc[[0, 3, 7]][["id", "lon", "lat"]]
    iso = access.isochrones(poa_network, points, mode="walk", cutoffs_min=(20, 10))
    assert len(iso) == 3 * 2
    assert list(iso["origin_id"]) == [i for i in points["id"] for _ in range(2)]
    assert list(iso["cutoff_min"]) == [10, 20] * 3
    street = poa_network.street("walk")
    for origin_id, rows in iso.groupby("origin_id", sort=False):
        _assert_nested_and_areas(rows, street)
        lon, lat = points.loc[points["id"] == origin_id, ["lon", "lat"]].iloc[0]
        assert rows.geometry.iloc[0].covers(Point(lon, lat)), "each origin lies in its own isochrone"


def test_origins_given_as_lon_lat_tuples_get_row_numbers_as_ids(poa_network, poi):
    pts = [tuple(r) for r in poi[["lon", "lat"]].iloc[:2].to_numpy()]
    iso = access.isochrones(poa_network, pts, mode="car", cutoffs_min=(5,))
    assert list(iso["origin_id"]) == [0, 1]


# --------------------------------------------------------------------------------------
# hand-made networks with shapes worked out by hand
# --------------------------------------------------------------------------------------
LON0, LAT0 = 9.0, 48.0  # on the central meridian of UTM zone 32N: metres ~ true metres
STEP_DEG_LAT = 100.0 / METRES_PER_DEG_LAT  # 100 m along the meridian


@pytest.fixture(scope="module")
def straight_road(tmp_path_factory) -> access.Network:
    """A 3 km north-south residential road with a node every 100 m."""
    path = tmp_path_factory.mktemp("straight") / "straight.osm"
    nodes = {k + 1: (LON0, LAT0 + k * STEP_DEG_LAT) for k in range(31)}
    write_osm(path, nodes, [(1, list(nodes), {"highway": "residential"})])
    return access.build_network(path, modes=("walk", "car"), progress=False, cache=False)


def test_straight_road_edges_take_75_walking_seconds_per_100_m(straight_road):
    street = straight_road.street("walk")
    assert street.n_nodes == 31
    np.testing.assert_allclose(street.length_m, 100.0, atol=0.02)
    assert (street.travel_s == round(100 / (4.8 / 3.6))).all()  # 75 s


def test_walk_isochrone_along_a_straight_road_is_the_stadium_worked_by_hand(straight_road):
    # 10 min at 4.8 km/h = 800 m. Walking off the road is as fast as along it but at most
    # offnet_max_m = r, so the reachable area is every point within min(r, 800 - s) of road
    # position s: a stadium, the road's first 800 - r metres buffered by r.
    street = straight_road.street("walk")
    cell = SETTINGS.resolution_m["walk"]
    r = SETTINGS.offnet_max_m["walk"]
    assert r < 800
    iso = access.isochrones(straight_road, (LON0, LAT0), mode="walk", cutoffs_min=(10,))
    polygon = _in_projected(iso, street).geometry.iloc[0]
    ox, oy = street.x[0], street.y[0]
    north = polygon.bounds[3] - oy
    south = oy - polygon.bounds[1]
    assert abs(north - 800) <= cell, f"extends {north:.0f} m along the road"
    assert abs(south - r) <= cell, f"extends {south:.0f} m behind the origin"
    assert abs((polygon.bounds[2] - polygon.bounds[0]) - 2 * r) <= 2 * cell
    axis = LineString([(ox, oy), (ox, oy + 800 - r)])  # the road is the meridian x = ox
    assert axis.buffer(r - math.sqrt(2) * cell).within(polygon)
    assert polygon.within(axis.buffer(r + cell))

    # area of the stadium of radius rho: 2 * rho * (800 - r) + pi * rho^2 (0.138 km2 exact
    # for r = 75 m); grid discretisation may move the boundary by up to one cell either way
    def stadium_km2(rho):
        return (2 * rho * (800 - r) + math.pi * rho**2) / 1e6

    assert stadium_km2(r - cell) <= iso["area_km2"].iloc[0] <= stadium_km2(r + cell)


def test_car_node_reached_a_minute_before_the_cutoff_is_inside_even_between_grid_points(tmp_path):
    # Primary road (60 km/h: 6 s per 100 m) going north, ending in a 10 m stub: the end
    # node E at 1010 m is reached in 60 + 1 = 61 s. With a 2.1 min (126 s) cutoff E is
    # reached 65 s early, so it must lie inside the polygon. The grid rows fall every
    # 100 m from the origin, so E sits 10 m past one row and 90 m before the next.
    path = tmp_path / "stub.osm"
    nodes = {k + 1: (LON0, LAT0 + k * STEP_DEG_LAT) for k in range(11)}
    nodes[99] = (LON0, LAT0 + 10.1 * STEP_DEG_LAT)
    write_osm(path, nodes, [(1, [*range(1, 12), 99], {"highway": "primary"})])
    # China's default speeds (primary 60 km/h) as worked by hand; the road lies in Germany
    settings = access.StreetSettings(country="CN")
    network = access.build_network(path, modes=("car",), progress=False, cache=False, settings=settings)
    street = network.street("car")
    end = int(np.flatnonzero(street.node_id == 99)[0])
    snapped = snap(street, (LON0, LAT0), strict=True)
    seconds = node_times(street, snapped, 0, 10**6)
    assert seconds[end] == 61
    iso = access.isochrones(network, (LON0, LAT0), mode="car", cutoffs_min=(2.1,))
    polygon = _in_projected(iso, street).geometry.iloc[0]
    assert polygon.covers(Point(street.x[end], street.y[end])), (
        f"node reached at 61 s with a 126 s cutoff lies "
        f"{polygon.distance(Point(street.x[end], street.y[end])):.1f} m outside"
    )


SIDE_M = 2000.0


@pytest.fixture(scope="module")
def ring_road(tmp_path_factory) -> access.Network:
    """A closed two-way primary road around a 2 km square with nothing inside."""
    path = tmp_path_factory.mktemp("ring") / "ring.osm"
    lon_step = 100.0 / (METRES_PER_DEG_LAT * math.cos(math.radians(LAT0 + 0.009)))
    corners = [(0, 0), (1, 0), (1, 1), (0, 1)]
    coords = []
    for (i0, j0), (i1, j1) in zip(corners, corners[1:] + corners[:1], strict=True):
        for k in range(20):
            f = k / 20
            coords.append((i0 + f * (i1 - i0), j0 + f * (j1 - j0)))
    nodes = {n + 1: (LON0 + i * 20 * lon_step, LAT0 + j * 20 * STEP_DEG_LAT) for n, (i, j) in enumerate(coords)}
    write_osm(path, nodes, [(1, [*nodes, 1], {"highway": "primary"})])
    return access.build_network(path, modes=("walk", "car"), progress=False, cache=False)


def _ring_frame(street):
    """Projected square of the ring (origin corner, side in metres along x and y)."""
    x0, y0 = street.x.min(), street.y.min()
    return x0, y0, street.x.max() - x0, street.y.max() - y0


def test_unreached_interior_of_a_ring_road_is_a_hole(ring_road):
    street = ring_road.street("car")
    assert street.n_nodes == 80
    cell = SETTINGS.resolution_m["car"]
    r = 300.0  # off-network allowance set for this case (the car default, 1 km, fills the square)
    settings = IsochroneSettings(offnet_max_m={"car": r})
    # 60 km/h: the far corner is 4 km = 240 s away; 10 min leaves >= 6 min to walk 300 m
    iso = access.isochrones(ring_road, (LON0, LAT0), mode="car", cutoffs_min=(10, 20), settings=settings)
    _assert_nested_and_areas(iso, street)
    x0, y0, w, h = _ring_frame(street)
    assert w == pytest.approx(SIDE_M, rel=0.01) and h == pytest.approx(SIDE_M, rel=0.01)
    for polygon in _in_projected(iso, street).geometry:
        assert sum(len(p.interiors) for p in getattr(polygon, "geoms", [polygon])) == 1
        # every point farther than offnet_max_m (+ grid slack) from the ring is not covered
        far_inside = box(x0 + r + 2 * cell, y0 + r + 2 * cell, x0 + w - r - 2 * cell, y0 + h - r - 2 * cell)
        assert not polygon.intersects(far_inside)
        assert not polygon.covers(Point(x0 + w / 2, y0 + h / 2))
        # ... and everything well within offnet_max_m of the ring is covered
        ring = Polygon([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]).exterior
        band = ring.buffer(r - math.sqrt(2) * cell)
        assert band.within(polygon)
        assert polygon.within(ring.buffer(r + cell))


def test_cutoffs_beyond_two_hours_work_and_nest(ring_road):
    street = ring_road.street("car")
    iso = access.isochrones(ring_road, (LON0, LAT0), mode="car", cutoffs_min=(300, 150))
    assert list(iso["cutoff_min"]) == [150, 300]
    _assert_nested_and_areas(iso, street)
    # the whole ring is reached long before either cutoff: both are the same 1 km band
    assert iso["area_km2"].iloc[0] == pytest.approx(iso["area_km2"].iloc[1], rel=1e-4)


def test_walk_isochrone_grows_around_the_ring_until_it_closes(ring_road):
    # 8 km of ring at 75 s per 100 m: 50 min to the far corner, so 20 min covers only
    # part of the ring (no hole yet) and 60 min all of it with 300 m to spare (a hole).
    street = ring_road.street("walk")
    iso = access.isochrones(ring_road, (LON0, LAT0), mode="walk", cutoffs_min=(20, 60))
    _assert_nested_and_areas(iso, street)
    holes = [sum(len(p.interiors) for p in getattr(g, "geoms", [g])) for g in iso.geometry]
    assert holes == [0, 1]
