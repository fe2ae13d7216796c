"""Isochrone options: lines output, denoise, generalize, grid resolution, GeoTIFF and H3
outputs of the travel-time surface."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

import access
from access._geo import to_lonlat
from access.errors import InputError
from access.routing.street import node_times, snap
from access.surfaces.outputs import surface_h3_cells, travel_time_surface, write_travel_time_raster
from tests.conftest import require_data
from tests.osm_xml import write_osm

LON0, LAT0 = 9.0, 48.0
M_LAT = 1.0 / (math.radians(1) * 6_371_009.0)


@pytest.fixture(scope="module")
def market(poa_network):
    poi = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))
    return poi.loc[poi["id"] == "public_market", ["id", "lon", "lat"]]


@pytest.fixture(scope="module")
def transit_sample(tmp_path_factory):
    from access.sample import write_sample_region
    from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit

    folder = tmp_path_factory.mktemp("sample")
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    network = access.build_network(
        region.osm_pbf,
        modes=("walk",),
        gtfs=[files["buses"]],
        rail_specs=[files["rail_spec"]],
        service_date=SAMPLE_SERVICE_DATE,
        progress=False,
    )
    places = pd.read_csv(region.places_csv)
    return network, places[places["kind"] == "core_city"].iloc[[0]][["id", "lon", "lat"]]


def test_lines_on_a_straight_road_are_worked_by_hand(tmp_path):
    # 2 km primary road north (60 km/h: 6 s per 100 m); 1.5 min = 90 s covers 1.5 km:
    # 15 edges, times 0..90 s, bands 1 min for the first 1 km and 1.5 min after
    path = tmp_path / "road.osm"
    nodes = {k + 1: (LON0, LAT0 + k * 100 * M_LAT) for k in range(21)}
    write_osm(path, nodes, [(1, list(nodes), {"highway": "primary"})])
    # China's default speeds (primary 60 km/h) as worked by hand; the road lies in Germany
    settings = access.StreetSettings(country="CN")
    network = access.build_network(path, modes=("car",), progress=False, cache=False, settings=settings)
    lines = access.isochrones(network, (LON0, LAT0), mode="car", cutoffs_min=(1, 1.5), output="lines")
    assert list(lines.columns) == [
        "origin_id",
        "cutoff_min",
        "from_min",
        "to_min",
        "travel_time_min",
        "truncated_by_extent",
        "geometry",
    ]
    projected = lines.to_crs(network.street("car").crs_epsg)
    assert len(lines) == 15
    assert projected.length.sum() == pytest.approx(1500, abs=2)
    np.testing.assert_allclose(np.sort(lines["from_min"]), np.arange(15) * 0.1, atol=1e-9)
    np.testing.assert_allclose(lines["to_min"] - lines["from_min"], 0.1, atol=1e-9)
    assert (lines["cutoff_min"] == np.where(lines["travel_time_min"] <= 1, 1, 1.5)).all()


def test_lines_end_where_the_largest_cutoff_does_and_agree_with_node_times(poa_network, market):
    street = poa_network.street("walk")
    lines = access.isochrones(poa_network, market, mode="walk", cutoffs_min=(10,), output="lines")
    assert lines["to_min"].max() <= 10 + 1e-9 and (lines["from_min"] < 10).all()
    seconds = node_times(street, snap(street, market, strict=True), 0, 10**9)
    early = np.flatnonzero(seconds < 10 * 60)
    geoms = lines.to_crs(street.crs_epsg).geometry.to_numpy()
    starts = shapely.get_point(geoms, 0)
    ends = shapely.STRtree(np.r_[starts, shapely.get_point(geoms, -1)])
    # every node reached before the cutoff ends some line ...
    _, dist = ends.query_nearest(
        shapely.points(street.x[early], street.y[early]), return_distance=True, all_matches=False
    )
    assert dist.max() < 0.01
    # ... and each line starts at its node's travel time
    node_tree = shapely.STRtree(shapely.points(street.x, street.y))
    (line_idx, node_idx), dist = node_tree.query_nearest(starts, return_distance=True, all_matches=False)
    np.testing.assert_allclose(lines["from_min"].to_numpy()[line_idx] * 60, seconds[node_idx], atol=1e-6)
    assert dist.max() < 0.01


def test_denoise_1_keeps_only_the_largest_polygon(transit_sample):
    network, core = transit_sample
    raw = access.isochrones(network, core, mode="transit", cutoffs_min=(60,), window_min=30)
    parts = list(raw.to_crs(32650).geometry.iloc[0].geoms)
    assert len(parts) > 1, "a bus isochrone has islands around the stops"
    largest = max(parts, key=lambda p: p.area)
    one = access.isochrones(network, core, mode="transit", cutoffs_min=(60,), window_min=30, denoise=1)
    kept = one.to_crs(32650).geometry.iloc[0]
    assert len(kept.geoms) == 1
    assert kept.symmetric_difference(largest).area < 1e-6 * largest.area
    half = access.isochrones(network, core, mode="transit", cutoffs_min=(60,), window_min=30, denoise=0.01)
    expected = sum(1 for p in parts if p.area >= 0.01 * largest.area)
    assert len(half.geometry.iloc[0].geoms) == expected


def test_generalize_moves_no_reached_node_out_by_more_than_the_tolerance(poa_network, market):
    street = poa_network.street("walk")
    tolerance = 60.0
    raw = access.isochrones(poa_network, market, mode="walk", cutoffs_min=(10, 20))
    gen = access.isochrones(poa_network, market, mode="walk", cutoffs_min=(10, 20), generalize=tolerance)
    seconds = node_times(street, snap(street, market, strict=True), 0, 10**9)
    nodes = shapely.points(street.x, street.y)
    raw_p = raw.to_crs(street.crs_epsg).geometry.to_list()
    gen_p = gen.to_crs(street.crs_epsg).geometry.to_list()
    for cutoff, before, after in zip((10, 20), raw_p, gen_p, strict=True):
        assert after.is_valid
        assert shapely.get_num_coordinates(after) < shapely.get_num_coordinates(before) / 2
        inside = np.flatnonzero((seconds <= cutoff * 60) & shapely.covers(before, nodes))
        assert len(inside) > 100
        assert shapely.distance(after, nodes[inside]).max() <= tolerance + 1e-6
        # and every vertex of the raw outline is within the tolerance of the new one
        vertices = shapely.points(shapely.get_coordinates(before))
        assert shapely.distance(after.boundary, vertices).max() <= tolerance + 1e-6
    assert gen_p[0].covered_by(gen_p[1].buffer(1e-6))


def test_resolution_and_bad_options_are_checked(poa_network, market):
    coarse = travel_time_surface(poa_network, market, mode="walk", max_time_min=10, resolution_m=200)
    fine = travel_time_surface(poa_network, market, mode="walk", max_time_min=10, resolution_m=25)
    assert coarse.cell_m == 200 and fine.cell_m == 25
    np.testing.assert_allclose(np.diff(fine.xs), 25)
    np.testing.assert_allclose(np.diff(coarse.ys), 200)
    for bad in ({"output": "points"}, {"denoise": 1.5}, {"generalize": -1}, {"resolution_m": 0}):
        with pytest.raises(InputError):
            access.isochrones(poa_network, market, mode="walk", cutoffs_min=(5,), **bad)


def test_geotiff_holds_the_surface_minutes_at_the_grid_points(poa_network, market, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    surface = travel_time_surface(poa_network, market, mode="walk", max_time_min=15)
    path = write_travel_time_raster(surface, tmp_path / "t.tif")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == surface.crs_epsg
        band = src.read(1)
        rng = np.random.default_rng(0)
        j = rng.integers(0, len(surface.ys), 200)
        i = rng.integers(0, len(surface.xs), 200)
        rows, cols = rasterio.transform.rowcol(src.transform, surface.xs[i], surface.ys[j])
        np.testing.assert_array_equal(band[rows, cols], surface.minutes[j, i])
    assert np.nanmax(band) <= 15 and np.isnan(band).any()


def test_h3_cells_hold_the_least_time_of_the_grid_points_inside(poa_network, market):
    surface = travel_time_surface(poa_network, market, mode="walk", max_time_min=15)
    cells = surface_h3_cells(surface, 9)
    assert list(cells.columns) == ["h3", "travel_time_min", "geometry"] and cells.crs.to_epsg() == 4326
    assert cells["h3"].is_unique and cells["travel_time_min"].min() < 1
    j, i = np.nonzero(np.isfinite(surface.minutes))
    lon, lat = to_lonlat(surface.xs[i], surface.ys[j], surface.crs_epsg)
    points = shapely.points(lon, lat)
    values = surface.minutes[j, i]
    for row in cells.sample(25, random_state=1).itertuples():
        strictly = shapely.contains(row.geometry.buffer(-1e-6), points)
        loosely = shapely.intersects(row.geometry.buffer(1e-6), points)
        assert values[loosely].min() - 1e-4 <= row.travel_time_min <= values[strictly].min() + 1e-4
    with pytest.raises(InputError, match="finer than"):
        surface_h3_cells(surface, 13)


def test_inbound_surface_reaches_its_own_point_at_zero(poa_network, market):
    surface = travel_time_surface(poa_network, market, mode="car", max_time_min=5, arrive_by="08:00")
    lon, lat = market[["lon", "lat"]].iloc[0]
    street = poa_network.street("car")
    from access._geo import to_projected

    x, y = to_projected(np.array([lon]), np.array([lat]), street.crs_epsg)
    i, j = np.argmin(np.abs(surface.xs - x[0])), np.argmin(np.abs(surface.ys - y[0]))
    assert surface.minutes[j, i] < 2
    assert Point(x[0], y[0]).distance(Point(surface.xs[i], surface.ys[j])) < surface.cell_m
