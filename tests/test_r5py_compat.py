"""r5py-style code runs unchanged on access.r5py_compat and equals our native API.

The snippets follow r5py's documentation (Quickstart: TransportNetwork from an OSM
extract and GTFS, TravelTimeMatrix with TRANSIT + WALK, a departure and a window;
percentiles; Isochrones), written anew on the Porto Alegre data and the sample region.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import access
from access import r5py_compat as r5py
from access.config import StreetSettings
from access.engines import agreement, engine_travel_times
from access.engines.r5 import R5Unavailable, check_r5, r5_classpath
from tests.conftest import require_data

DEPARTURE = datetime.datetime(2019, 5, 13, 14, 0)


@pytest.fixture(scope="module")
def poa_files():
    return require_data("poa/poa_osm.pbf"), [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]


@pytest.fixture(scope="module")
def transport_network(poa_files):
    osm, gtfs = poa_files
    return r5py.TransportNetwork(osm, gtfs)


@pytest.fixture(scope="module")
def points():
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv")).sample(25, random_state=11)
    return gpd.GeoDataFrame(
        {"id": cells["id"].to_numpy()}, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]), crs="EPSG:4326"
    )


@pytest.fixture(scope="module")
def transit_matrix(transport_network, points):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return r5py.TravelTimeMatrix(
            transport_network,
            origins=points,
            departure=DEPARTURE,
            transport_modes=[r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK],
        )


def _native_transit(transport_network, points, percentiles, window_min=10, max_time=120):
    """The same query through the native API with r5py's settings spelled out."""
    osm = transport_network.osm_pbf
    network = access.build_network(
        osm,
        modes=("walk", "bike", "car"),
        gtfs=transport_network.gtfs,
        service_date="2019-05-13",
        progress=False,
        settings=StreetSettings(
            walk_speed_kmh=3.6, bike_speed_kmh=12.0, connector_speed_kmh={"walk": 3.6, "bike": 12.0, "car": 20.0}
        ),
        # the same R5 rules as the compat layer (the engine's preset 'r5' once it has one)
        transit_settings=r5py.r5_rules().model_copy(
            update={
                "board_penalty_by_route_type_min": {},
                "rail_spec_board_penalty_min": 0,
                "max_transfers": 7,
                "max_access_walk_min": 120,
                "max_access_car_min": 120,
                # R5's distance tables at 1 m/s: egress 2,000 m, transfers 1,000 m
                "max_egress_walk_min": 2000 / 60,
                "max_transfer_walk_min": 1000 / 60,
                # direct walks up to r5py's max_time_walking (= max_time)
                **({"max_walk_min": max_time} if "max_walk_min" in type(r5py.r5_rules()).model_fields else {}),
            }
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return access.travel_times(
            network,
            points,
            points,
            mode="transit",
            departure="14:00",
            window_min=window_min,
            percentiles=percentiles,
            max_time_min=max_time,
        )


def test_travel_time_matrix_has_r5py_columns_and_dtypes(transit_matrix, points):
    assert list(transit_matrix.columns) == ["from_id", "to_id", "travel_time"]
    assert len(transit_matrix) == len(points) ** 2
    assert transit_matrix["travel_time"].dtype == np.float64
    assert set(transit_matrix["from_id"]) == set(points["id"])
    reached = transit_matrix["travel_time"].dropna()
    assert (reached == np.floor(reached)).all(), "R5 reports whole minutes"
    assert reached.between(0, 120).all(), "max_time defaults to 2 hours"
    assert isinstance(transit_matrix.head(), pd.DataFrame) and not isinstance(
        transit_matrix.head(), r5py.TravelTimeMatrix
    )


def test_travel_time_matrix_equals_native_minutes_truncated_like_r5(transit_matrix, transport_network, points):
    native = _native_transit(transport_network, points, (50,))
    expected = np.floor(np.rint(native["travel_time_min"].to_numpy() * 60) / 60)
    expected[expected >= 120] = np.nan  # R5 keeps trips shorter than max_time (2 h)
    got = transit_matrix["travel_time"].to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])
    assert (transit_matrix.query("from_id == to_id")["travel_time"] == 0).all()


def test_several_percentiles_give_ordered_columns(transport_network, points):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ttm = r5py.TravelTimeMatrix(
            transport_network,
            origins=points.head(6),
            destinations=points,
            departure=DEPARTURE,
            departure_time_window=datetime.timedelta(minutes=30),
            percentiles=[25, 50, 75],
            transport_modes=["TRANSIT", "WALK"],
        )
    assert list(ttm.columns) == ["from_id", "to_id", "travel_time_p25", "travel_time_p50", "travel_time_p75"]
    both = ttm.dropna()
    assert (both["travel_time_p25"] <= both["travel_time_p50"]).all()
    assert (both["travel_time_p50"] <= both["travel_time_p75"]).all()
    # a pair reached at the 75th percentile is reached at the 25th too
    assert not (ttm["travel_time_p75"].notna() & ttm["travel_time_p25"].isna()).any()


def test_max_time_turns_longer_trips_into_nan(transport_network, points, transit_matrix):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = r5py.TravelTimeMatrix(
            transport_network,
            origins=points,
            departure=DEPARTURE,
            transport_modes=[r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK],
            max_time=datetime.timedelta(minutes=30),
        )
    full = transit_matrix["travel_time"]
    # R5 keeps trips strictly shorter than max_time: 30 min 00 s and more are NaN
    assert np.array_equal(short["travel_time"].isna(), full.isna() | (full >= 30))
    kept = short["travel_time"].notna()
    assert (short.loc[kept, "travel_time"] == full[kept]).all()


def test_walking_matrix_uses_r5py_walking_speed(transport_network, points):
    ttm = r5py.TravelTimeMatrix(
        transport_network, origins=points.head(5), destinations=points, transport_modes=[r5py.TransportMode.WALK]
    )
    faster = r5py.TravelTimeMatrix(
        transport_network,
        origins=points.head(5),
        destinations=points,
        transport_modes=[r5py.TransportMode.WALK],
        speed_walking=7.2,
    )
    both = ttm["travel_time"].notna() & faster["travel_time"].notna() & (ttm["travel_time"] > 10)
    assert both.sum() > 10
    ratio = (faster.loc[both, "travel_time"] / ttm.loc[both, "travel_time"]).median()
    assert 0.45 < ratio < 0.56, "twice the walking speed halves walking times"


def test_isochrones_have_r5py_shape_and_nest(transport_network):
    origin = shapely.Point(-51.2287, -30.0277)  # Mercado Público (poa_points_of_interest.csv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iso = r5py.Isochrones(
            transport_network,
            origin,
            isochrones=[15, 30],
            departure=DEPARTURE,
            max_time_walking=datetime.timedelta(minutes=15),
            transport_modes=[r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK],
        )
    assert isinstance(iso, gpd.GeoDataFrame) and iso.crs.to_epsg() == 4326
    assert list(iso.columns) == ["travel_time", "geometry"]
    assert list(iso["travel_time"]) == [pd.Timedelta(minutes=15), pd.Timedelta(minutes=30)]
    # r5py 1.x gives each isochrone's boundary lines; the areas they close nest
    assert list(iso.geometry.geom_type.unique()) == ["MultiLineString"]
    fifteen, thirty = (shapely.union_all(shapely.polygonize(g.geoms).geoms) for g in iso.geometry)
    assert thirty.buffer(1e-6).contains(fifteen)
    assert fifteen.contains(origin)


def test_default_isochrones_drop_the_zero_minute_one(transport_network):
    iso = r5py.Isochrones(
        transport_network, shapely.Point(-51.2287, -30.0277), transport_modes=[r5py.TransportMode.WALK]
    )
    assert [t.total_seconds() / 60 for t in iso["travel_time"]] == [15, 30, 45]
    assert not iso.geometry.is_empty.any()


def test_sample_region_car_matrix_equals_native_car_times(tmp_path):
    from access.sample import write_sample_region

    region = write_sample_region(tmp_path)
    places = pd.read_csv(region.places_csv).head(40)
    gdf = gpd.GeoDataFrame({"id": places["id"]}, geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)
    network = r5py.TransportNetwork(region.osm_pbf)
    ttm = r5py.TravelTimeMatrix(
        network, origins=gdf, transport_modes=[r5py.TransportMode.CAR], max_time=datetime.timedelta(hours=5)
    )
    native = access.travel_times(
        access.build_network(
            region.osm_pbf,
            modes=("car",),
            progress=False,
            settings=StreetSettings(
                walk_speed_kmh=3.6, bike_speed_kmh=12.0, connector_speed_kmh={"walk": 3.6, "bike": 12.0, "car": 20.0}
            ),
        ),
        gdf,
        mode="car",
        max_time_min=300,
    )
    expected = np.floor(np.rint(native["travel_time_min"].to_numpy() * 60) / 60)
    expected[expected >= 300] = np.nan
    assert np.array_equal(ttm["travel_time"].to_numpy(), expected, equal_nan=True)
    assert ttm["travel_time"].max() > 120, "no 120-minute ceiling when max_time allows more"


def test_bad_r5py_arguments_are_input_errors(transport_network, points):
    with pytest.raises(access.InputError, match="id"):
        r5py.TravelTimeMatrix(transport_network, origins=points.drop(columns="id"))
    with pytest.raises(access.InputError, match="unknown transport mode"):
        r5py.TravelTimeMatrix(transport_network, origins=points, transport_modes=["TELEPORT"])
    with pytest.raises(access.InputError, match="egress"):
        r5py.TravelTimeMatrix(transport_network, origins=points, departure=DEPARTURE, egress_modes=["CAR"])
    with pytest.raises(access.InputError, match="breakdown"):
        r5py.TravelTimeMatrix(transport_network, origins=points, breakdown=True)


def test_engine_comparison_of_our_engine_with_itself_agrees_exactly(poa_files, points):
    osm, gtfs = poa_files
    query = {"departure": DEPARTURE, "transport_modes": ["TRANSIT", "WALK"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = engine_travel_times("native", osm, gtfs, points.head(8), points, **query)
        b = engine_travel_times("native", osm, gtfs, points.head(8), points, **query)
    stats = agreement(a, b)
    assert stats["median_abs_diff_min"] == 0 and stats["p95_abs_diff_min"] == 0
    assert stats["share_within_2_min"] == 1.0 and stats["only_first_reached"] == stats["only_second_reached"] == 0
    shifted = b.assign(travel_time=b["travel_time"] + 3)
    assert agreement(a, shifted)["share_within_2_min"] == 0.0


def test_r5_engine_runs_when_a_jar_is_configured_else_says_it_is_unavailable(poa_files, points):
    if r5_classpath() is None:
        with pytest.raises(R5Unavailable, match="R5 not available"):
            check_r5()
        return
    osm, gtfs = poa_files
    ours = engine_travel_times("native", osm, gtfs, points.head(5), points, departure=DEPARTURE)
    theirs = engine_travel_times("r5", osm, gtfs, points.head(5), points, departure=DEPARTURE)
    assert agreement(ours, theirs)["share_within_2_min"] > 0.8


def test_compare_engines_cli_says_r5_is_unavailable_in_one_line(poa_files, tmp_path):
    if r5_classpath() is not None:
        pytest.skip("an R5 jar is configured here; the unavailable path cannot be exercised")
    osm, _ = poa_files
    pts = tmp_path / "pts.csv"
    pd.DataFrame({"id": [1, 2], "lon": [-51.2287, -51.2200], "lat": [-30.0277, -30.0300]}).to_csv(pts, index=False)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "access.cli",
            "compare-engines",
            "--osm",
            str(osm),
            "--origins",
            str(pts),
            "--modes",
            "WALK",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error: R5 not available") and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_compare_engines_cli_native_against_itself(poa_files, tmp_path):
    osm, _ = poa_files
    pts = tmp_path / "pts.csv"
    pd.DataFrame(
        {"id": [1, 2, 3], "lon": [-51.2287, -51.2200, -51.2100], "lat": [-30.0277, -30.0300, -30.0350]}
    ).to_csv(pts, index=False)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "access.cli",
            "compare-engines",
            "--osm",
            str(osm),
            "--origins",
            str(pts),
            "--modes",
            "WALK",
            "--engine-b",
            "native",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "share_within_2_min: 1.000" in run.stdout
    assert Path(osm).exists()
