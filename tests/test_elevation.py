"""Elevation: walking and cycling times follow the slopes of a DEM, per direction.

Numbers are checked against Tobler's hiking function and Minetti et al.'s polynomial
evaluated by hand (the papers' formulas, cited in access.network.elevation), on a
hand-made two-edge street over a synthetic ramp, and on Porto Alegre's real DEM (the
r5r example data) with its OSM extract.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

import access
from access.config import ElevationSettings
from access.network.elevation import (
    edge_time_factors,
    minetti_time_factor,
    read_dem,
    tobler_time_factor,
)
from tests.conftest import require_data
from tests.osm_xml import write_osm

# Points on Porto Alegre's hills (poa_hexgrid.csv cells): 89a901286afffff at 233 m and
# 89a9012804bffff at 35 m on the DEM, 1.2 km apart as the crow flies.
HILLTOP = (-51.1836249094843, -30.0794200490402)
FOOT = (-51.183177, -30.068366)


def _write_dem(path, values, west, north, cell_deg):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, cell_deg, cell_deg),
    ) as dst:
        dst.write(values.astype(np.float32), 1)
    return path


def test_tobler_and_minetti_factors_match_the_published_formulas():
    # Tobler (1993): v = 6 exp(-3.5 |s + 0.05|) km/h; time factor v(0) / v(s).
    for s in (-0.3, -0.1, -0.05, 0.0, 0.08, 0.25):
        by_hand = (6 * math.exp(-3.5 * 0.05)) / (6 * math.exp(-3.5 * abs(s + 0.05)))
        assert tobler_time_factor(s) == pytest.approx(by_hand, rel=1e-12)
    assert tobler_time_factor(0.0) == 1.0
    assert tobler_time_factor(-0.05) < 1.0, "a gentle descent is Tobler's fastest walk"
    # Minetti et al. (2002), fig. 1: C = 280.5 s^5 - 58.7 s^4 - 76.8 s^3 + 51.9 s^2 + 19.6 s + 2.5
    for s in (-0.2, 0.0, 0.1, 0.3):
        c = 280.5 * s**5 - 58.7 * s**4 - 76.8 * s**3 + 51.9 * s**2 + 19.6 * s + 2.5
        assert minetti_time_factor(s) == pytest.approx(c / 2.5, rel=1e-12)
    assert minetti_time_factor(0.9) == minetti_time_factor(0.5), "slopes beyond 50 % are clamped"


def test_two_edge_slope_walk_time_equals_tobler_by_hand(tmp_path):
    # A -> B climbs 20 % (z = 0.2 x over the first 200 m), B -> C is flat; a DEM in degrees
    # with 1 m cells, linear in longitude so bilinear sampling reproduces it exactly.
    lat = 0.0  # on the equator a degree of longitude is 111,195 m (haversine radius)
    m_per_deg = 6_371_009.0 * math.pi / 180
    west = -0.001
    a, b, c = 0.0, 200.0 / m_per_deg, 400.0 / m_per_deg
    cell = 1.0 / m_per_deg
    cols = int(round((c - west) / cell)) + 40
    x_m = (west + (np.arange(cols) + 0.5) * cell) * m_per_deg  # cell centres, metres east of 0
    row = np.clip(x_m, 0, 200.0) * 0.2
    values = np.tile(row, (40, 1))
    dem = _write_dem(tmp_path / "ramp.tif", values, west, lat + 20 * cell, cell)
    osm = write_osm(
        tmp_path / "line.osm",
        {1: (a, lat), 2: (b, lat), 3: (c, lat)},
        [(10, [1, 2, 3], {"highway": "residential"})],
    )
    flat = access.build_network(osm, modes=("walk",), progress=False, cache=False)
    hill = access.build_network(osm, modes=("walk",), progress=False, cache=False, elevation=dem)
    points = pd.DataFrame({"id": ["A", "C"], "lon": [a, c], "lat": [lat, lat]})
    times = access.travel_times(hill, points, mode="walk").set_index(["from_id", "to_id"])["travel_time_min"]
    flat_times = access.travel_times(flat, points, mode="walk").set_index(["from_id", "to_id"])["travel_time_min"]
    # by hand: each 200 m edge takes rint(200 / (4.8 / 3.6)) = 150 s on the flat
    edge_s = round(200 / (4.8 / 3.6))
    up = round(edge_s * math.exp(3.5 * (abs(0.2 + 0.05) - 0.05)))  # 150 x e^0.70 = 302 s
    down = round(edge_s * math.exp(3.5 * (abs(-0.2 + 0.05) - 0.05)))  # 150 x e^0.35 = 213 s
    assert (up, down) == (302, 213)
    assert flat_times[("A", "C")] * 60 == pytest.approx(2 * edge_s, abs=1)
    assert times[("A", "C")] * 60 == pytest.approx(up + edge_s, abs=1)
    assert times[("C", "A")] * 60 == pytest.approx(edge_s + down, abs=1)


def test_flat_dem_gives_exactly_the_flat_network(tmp_path, poa_pbf):
    dem = _write_dem(tmp_path / "flat.tif", np.full((500, 500), 42.0), -51.30, -29.95, 0.0004)
    flat = access.build_network(poa_pbf, modes=("walk", "bike", "car"), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the extract pokes past the square
        level = access.build_network(poa_pbf, modes=("walk", "bike", "car"), progress=False, elevation=dem)
    for mode in ("walk", "bike", "car"):
        assert np.array_equal(flat.street(mode).travel_s, level.street(mode).travel_s), mode
        assert np.array_equal(flat.street(mode).indices, level.street(mode).indices), mode


@pytest.fixture(scope="module")
def poa_dem():
    return require_data("poa/poa_elevation.tif")


@pytest.fixture(scope="module")
def hilly(poa_dem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return access.build_network(
            require_data("poa/poa_osm.pbf"), modes=("walk", "bike", "car"), progress=False, elevation=poa_dem
        )


def test_uphill_is_slower_than_downhill_on_porto_alegres_hills(hilly, poa_network, poa_dem):
    dem = read_dem(poa_dem)
    top, foot = dem.sample([HILLTOP[0], FOOT[0]], [HILLTOP[1], FOOT[1]])
    assert top - foot > 150, "the two points are on a real 200 m slope"
    points = pd.DataFrame({"id": ["top", "foot"], "lon": [HILLTOP[0], FOOT[0]], "lat": [HILLTOP[1], FOOT[1]]})
    for mode in ("walk", "bike"):
        t = access.travel_times(hilly, points, mode=mode).set_index(["from_id", "to_id"])["travel_time_min"]
        f = access.travel_times(poa_network, points, mode=mode).set_index(["from_id", "to_id"])["travel_time_min"]
        up, down = t[("foot", "top")], t[("top", "foot")]
        assert up > 1.2 * down, mode
        assert up > 1.2 * f[("foot", "top")], f"{mode}: climbing 200 m takes longer than the flat time"
        assert f[("foot", "top")] == pytest.approx(f[("top", "foot")], abs=0.1), "flat is symmetric"
    # walking down a 16 % average grade is slower than flat too (Tobler); cycling down faster
    walk = access.travel_times(hilly, points, mode="walk").set_index(["from_id", "to_id"])["travel_time_min"]
    bike = access.travel_times(hilly, points, mode="bike").set_index(["from_id", "to_id"])["travel_time_min"]
    flat_bike = access.travel_times(poa_network, points, mode="bike").set_index(["from_id", "to_id"])
    assert bike[("top", "foot")] < flat_bike.loc[("top", "foot"), "travel_time_min"]
    assert walk[("top", "foot")] > 0


def test_every_real_edge_factor_equals_the_profile_sampled_by_hand(hilly, poa_network, poa_dem):
    walk = hilly.street("walk")
    flat = poa_network.street("walk")
    assert np.array_equal(walk.indices, flat.indices), "slopes change times, never the graph"
    dem = read_dem(poa_dem)
    rng = np.random.default_rng(3)
    long_edges = np.flatnonzero(flat.length_m > 35)
    for e in rng.choice(long_edges, 25, replace=False):
        u, v = int(flat.tails[e]), int(flat.indices[e])
        a, b = min(u, v), max(u, v)
        length = float(flat.length_m[e])
        # samples every 10 m from the lower-numbered node, the last piece ending at the other
        along = np.r_[np.arange(0, length, 10.0), length]
        lon = flat.lon[a] + along / length * (flat.lon[b] - flat.lon[a])
        lat = flat.lat[a] + along / length * (flat.lat[b] - flat.lat[a])
        z = dem.sample(lon, lat)
        if not np.isfinite(z).all():
            continue
        slope = np.diff(z) / np.diff(along) * (1 if u == a else -1)
        factor = np.sum(np.diff(along) * tobler_time_factor(slope)) / length
        assert walk.travel_s[e] == round(flat.travel_s[e] * factor), e


def test_r5_rules_average_speed_factors_and_round_the_extra_seconds():
    # R5 (ToblerCalculator): speed factor 1.2 exp(-3.5 |s + 0.05|) averaged over the
    # pieces and inverted; on flat ground 1 / (1.2 e^-0.175) = 0.9925.
    class Flat:
        def sample(self, lon, lat, interpolation):
            return np.zeros(len(lon))

    factor, outside = edge_time_factors(Flat(), [0.0], [0.0], [0.001], [0.0], [111.0], "tobler", ElevationSettings.r5())
    assert outside == 0
    assert factor[0] == pytest.approx(1 / (1.2 * math.exp(-0.175)), rel=1e-12)
    from access.network.elevation import adjusted_seconds

    assert adjusted_seconds([100], factor, "r5")[0] == 100 + math.floor(100 * (factor[0] - 1) + 0.5)
    assert adjusted_seconds([100], [1.0])[0] == 100


def test_missing_dem_and_dem_off_the_network_are_input_errors(tmp_path, poa_pbf):
    with pytest.raises(access.InputError, match="does not exist"):
        access.build_network(poa_pbf, modes=("walk",), progress=False, elevation=tmp_path / "none.tif")
    far = _write_dem(tmp_path / "far.tif", np.full((10, 10), 5.0), 10.0, 10.0, 0.01)  # in Africa
    with pytest.raises(access.InputError, match="does not cover"):
        access.build_network(poa_pbf, modes=("walk",), progress=False, cache=False, elevation=far)
    text = tmp_path / "dem.tif"
    text.write_text("not a raster")
    with pytest.raises(access.InputError, match="not a readable GeoTIFF"):
        access.build_network(poa_pbf, modes=("walk",), progress=False, cache=False, elevation=text)


def test_cache_key_follows_the_dem_bytes(tmp_path, poa_pbf):
    dem = tmp_path / "dem.tif"
    _write_dem(dem, np.full((400, 400), 10.0), -51.30, -29.95, 0.0005)
    cache = tmp_path / "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        first = access.build_network(poa_pbf, modes=("walk", "car"), progress=False, cache_dir=cache, elevation=dem)
        files = sorted(p.name for p in cache.glob("street-*.npz"))
        # a tilted DEM at the same path must not reuse the flat one's network
        tilt = np.tile(np.linspace(0, 300, 400), (400, 1))
        _write_dem(dem, tilt, -51.30, -29.95, 0.0005)
        second = access.build_network(poa_pbf, modes=("walk", "car"), progress=False, cache_dir=cache, elevation=dem)
    new = sorted(p.name for p in cache.glob("street-*.npz"))
    assert len([f for f in new if f.startswith("street-walk")]) == 2
    assert len([f for f in new if f.startswith("street-car")]) == 1, "car times ignore slopes: one cached car net"
    assert len(files) == 2
    assert not np.array_equal(first.street("walk").travel_s, second.street("walk").travel_s)
    assert second.source["elevation"]["sha256"] != first.source["elevation"]["sha256"]


def test_r5py_elevation_model_slows_the_climb(poa_dem):
    import geopandas as gpd

    from access import r5py_compat as r5py

    osm = require_data("poa/poa_osm.pbf")
    points = gpd.GeoDataFrame(
        {"id": ["top", "foot"]}, geometry=gpd.points_from_xy([HILLTOP[0], FOOT[0]], [HILLTOP[1], FOOT[1]]), crs=4326
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        flat = r5py.TravelTimeMatrix(r5py.TransportNetwork(osm), origins=points, transport_modes=["WALK"])
        hill = r5py.TravelTimeMatrix(
            r5py.TransportNetwork(osm, elevation_model=poa_dem, elevation_cost_function="tobler"),
            origins=points,
            transport_modes=["WALK"],
        )
    f = flat.set_index(["from_id", "to_id"])["travel_time"]
    h = hill.set_index(["from_id", "to_id"])["travel_time"]
    assert h[("foot", "top")] > h[("top", "foot")] and h[("foot", "top")] > f[("foot", "top")]
    with pytest.raises(access.InputError, match="TOBLER or MINETTI"):
        r5py.TransportNetwork(osm, elevation_model=poa_dem, elevation_cost_function="STEEP")


def test_cli_travel_times_with_elevation_are_asymmetric(tmp_path, poa_dem):
    from typer.testing import CliRunner

    from access.cli import app

    osm = require_data("poa/poa_osm.pbf")
    pts = tmp_path / "pts.csv"
    pd.DataFrame({"id": ["top", "foot"], "lon": [HILLTOP[0], FOOT[0]], "lat": [HILLTOP[1], FOOT[1]]}).to_csv(
        pts, index=False
    )
    out = tmp_path / "walk.csv"
    args = ["travel-times", "--osm", osm, "--origins", pts, "--out", out, "--mode", "walk", "--elevation", poa_dem]
    result = CliRunner().invoke(app, [str(a) for a in args + ["-q"]])
    assert result.exit_code == 0, result.output
    t = pd.read_csv(out).set_index(["from_id", "to_id"])["travel_time_min"]
    assert t[("foot", "top")] > 1.2 * t[("top", "foot")]
    built = CliRunner().invoke(app, ["build", "--osm", str(osm), "--modes", "walk", "--elevation", str(poa_dem)])
    assert built.exit_code == 0 and "elevation:" in built.output


def test_api_region_config_takes_an_elevation_model(tmp_path, poa_dem):
    from api.regions import load_region
    from api.settings import Settings, read_region_config

    osm = require_data("poa/poa_osm.pbf")
    (tmp_path / "dem.tif").symlink_to(poa_dem)
    config_file = tmp_path / "poa.yaml"
    config_file.write_text(f"name: poa\nosm: {osm}\nmodes: [walk]\nelevation: dem.tif\n")
    config = read_region_config(config_file)
    assert config.elevation == (tmp_path / "dem.tif").resolve(), "relative to the YAML's folder"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        region = load_region(config, Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"))
    assert region.network.source["elevation"]["dem"] == str(config.elevation)
    assert region.network.source["elevation"]["sha256"]
