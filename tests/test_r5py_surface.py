"""r5py's public surface on access.r5py_compat, as r5py's own test suite asserts it
(tests/test_transport_mode.py, test_travel_time_matrix.py, test_regional_task.py,
test_isochrones.py, test_transport_network.py, test_data_validation.py of r5py 1.x),
written anew on Porto Alegre's data."""

from __future__ import annotations

import datetime
import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import access
from access import r5py_compat as r5py
from tests.conftest import require_data

DEPARTURE = datetime.datetime(2019, 5, 13, 14, 0)
MERCADO = shapely.Point(-51.2287, -30.0277)  # Mercado Público (poa_points_of_interest.csv)


@pytest.fixture(scope="module")
def network():
    return r5py.TransportNetwork(
        require_data("poa/poa_osm.pbf"), [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]
    )


@pytest.fixture(scope="module")
def points():
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv")).sample(8, random_state=4)
    return gpd.GeoDataFrame(
        {"id": cells["id"].to_numpy()}, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]), crs="EPSG:4326"
    )


# -- TransportMode -------------------------------------------------------------------
@pytest.mark.parametrize("text", ["WALK", "walk", "wAlK", "bicycle_rent", "CaBlE_CaR", "transit"])
def test_transport_mode_from_any_case(text):
    assert r5py.TransportMode(text) is r5py.TransportMode[text.upper()]


@pytest.mark.parametrize("bad", ["Helicopter", "1234", 13, None])
def test_invalid_transport_mode_is_a_value_error(bad):
    with pytest.raises(ValueError, match="is not a valid TransportMode"):
        r5py.TransportMode(bad)


def test_transport_mode_kinds():
    mode = r5py.TransportMode
    assert mode("CAR").is_leg_mode and mode.BICYCLE_RENT.is_leg_mode and not mode.BUS.is_leg_mode
    assert (
        mode("BICYCLE").is_street_mode and not mode.BICYCLE_RENT.is_street_mode and not mode("TRANSIT").is_street_mode
    )
    assert mode.BUS.is_transit_mode and mode("TRANSIT").is_transit_mode and not mode.WALK.is_transit_mode


def test_transport_modes_add_up_to_lists():
    transit, walk = r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK
    assert transit + walk == [transit, walk] and walk + transit == [walk, transit]
    assert sum([transit, walk]) == [transit, walk]
    assert [transit] + walk == [transit, walk] and transit + [walk] == [transit, walk]
    for other in (123.0, 1, "asdf", {}):
        with pytest.raises(TypeError):
            transit + other  # noqa: B018
        with pytest.raises(TypeError):
            other + transit  # noqa: B018


# -- data validation and exceptions ----------------------------------------------------
def test_origins_are_validated_with_r5pys_exception_classes(network, points):
    with pytest.raises(r5py.NoIDColumnError, match="'id' column"):
        r5py.TravelTimeMatrix(network, origins=points.rename(columns={"id": "name"}), transport_modes=["WALK"])
    with pytest.raises(r5py.NonUniqueIDError, match="unique"):
        r5py.TravelTimeMatrix(network, origins=points.assign(id=1), transport_modes=["WALK"])
    with pytest.raises(r5py.NoCrsError, match="coordinate reference system"):
        r5py.TravelTimeMatrix(network, origins=points.set_crs(None, allow_override=True), transport_modes=["WALK"])
    with pytest.raises(ValueError, match="No routing origins defined"):
        r5py.TravelTimeMatrix(network, transport_modes=["WALK"])
    assert issubclass(r5py.NoIDColumnError, r5py.MissingColumnError)
    for error in (r5py.NoIDColumnError, r5py.NonUniqueIDError, r5py.NoCrsError, r5py.GtfsFileError):
        assert issubclass(error, ValueError) and issubclass(error, access.InputError)


def test_broken_gtfs_fails_at_construction_unless_errors_are_allowed(tmp_path):
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("agency.txt", "agency_id,agency_name\n1,x\n")  # no stops, trips, calendar
    osm = require_data("poa/poa_osm.pbf")
    with pytest.raises(r5py.GtfsFileError, match="Could not load GTFS file"):
        r5py.TransportNetwork(osm, [broken])
    with pytest.warns(RuntimeWarning, match="issues with GTFS file"):
        net = r5py.TransportNetwork(osm, [broken, require_data("poa/poa_trensurb.zip")], allow_errors=True)
    assert [p.name for p in net.gtfs] == ["poa_trensurb.zip"]


# -- RegionalTask arguments ---------------------------------------------------------
def test_at_most_five_percentiles(network, points):
    with pytest.raises(ValueError, match="Maximum number of percentiles allowed is 5"):
        r5py.TravelTimeMatrix(network, origins=points, departure=DEPARTURE, percentiles=[10, 20, 30, 40, 50, 60])


def test_short_window_and_missing_departure_warn(network, points):
    with pytest.warns(RuntimeWarning, match="departure time window is below 5 minutes"):
        r5py.TravelTimeMatrix(
            network,
            origins=points.head(2),
            departure=DEPARTURE,
            departure_time_window=datetime.timedelta(minutes=2),
            transport_modes=["WALK"],
        )
    with pytest.warns(RuntimeWarning, match="No routing departure time specified"):
        r5py.TravelTimeMatrix(network, origins=points.head(2), transport_modes=["WALK"])


def test_a_date_outside_the_feeds_warns_and_transit_is_walking(network, points):
    later = datetime.datetime(2031, 3, 3, 14, 0)
    with pytest.warns(RuntimeWarning, match="do not define any services on 2031-03-03"):
        ttm = r5py.TravelTimeMatrix(network, origins=points, departure=later, transport_modes=["TRANSIT", "WALK"])
    walk = r5py.TravelTimeMatrix(network, origins=points, departure=DEPARTURE, transport_modes=["WALK"])
    assert np.array_equal(ttm["travel_time"].to_numpy(), walk["travel_time"].to_numpy(), equal_nan=True)


def test_per_mode_limits_default_to_max_time(network, points):
    full = r5py.TravelTimeMatrix(network, origins=points, departure=DEPARTURE, transport_modes=["WALK"])
    short = r5py.TravelTimeMatrix(
        network, origins=points, departure=DEPARTURE, transport_modes=["WALK"], max_time=datetime.timedelta(minutes=40)
    )
    # max_time_walking defaults to max_time (r5py 1.x): walks of 40 min and more are NaN
    t = full["travel_time"]
    assert np.array_equal(short["travel_time"].isna(), t.isna() | (t >= 40))
    capped = r5py.TravelTimeMatrix(
        network,
        origins=points,
        departure=DEPARTURE,
        transport_modes=["WALK"],
        max_time_walking=datetime.timedelta(minutes=25),
    )
    assert np.array_equal(capped["travel_time"].isna(), t.isna() | (t >= 25))
    bike = r5py.TravelTimeMatrix(network, origins=points, departure=DEPARTURE, transport_modes=["BICYCLE"])
    bike_capped = r5py.TravelTimeMatrix(
        network,
        origins=points,
        departure=DEPARTURE,
        transport_modes=["BICYCLE"],
        max_time_cycling=datetime.timedelta(minutes=12),
    )
    b = bike["travel_time"]
    assert np.array_equal(bike_capped["travel_time"].isna(), b.isna() | (b >= 12))
    assert (b.dropna() >= 12).any(), "the cap removes some trips"


def test_egress_modes_walk_is_accepted_others_are_refused(network, points):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = r5py.TravelTimeMatrix(network, origins=points.head(3), departure=DEPARTURE, egress_modes=["WALK"])
        b = r5py.TravelTimeMatrix(network, origins=points.head(3), departure=DEPARTURE)
    assert np.array_equal(a["travel_time"], b["travel_time"], equal_nan=True)
    with pytest.raises(access.InputError, match="egress"):
        r5py.TravelTimeMatrix(network, origins=points, departure=DEPARTURE, egress_modes=[r5py.TransportMode.BICYCLE])


# -- TravelTimeMatrix as a frame --------------------------------------------------------
def test_travel_time_matrix_is_a_geodataframe_with_origins_and_destinations(network, points):
    ttm = r5py.TravelTimeMatrix(network, origins=points.to_crs(32722), departure=DEPARTURE, transport_modes=["WALK"])
    assert isinstance(ttm, gpd.GeoDataFrame) and isinstance(ttm, r5py.TravelTimeMatrix)
    assert list(ttm.columns) == ["from_id", "to_id", "travel_time"]
    assert isinstance(ttm.origins, gpd.GeoDataFrame) and ttm.origins.crs.to_epsg() == 4326
    assert ttm.destinations["id"].tolist() == points["id"].tolist(), "destinations default to the origins"
    head = ttm.head()
    assert isinstance(head, pd.DataFrame) and not isinstance(head, r5py.TravelTimeMatrix)
    assert (ttm.query("from_id == to_id")["travel_time"] == 0).all()
    assert "origins" not in ttm.columns


# -- Isochrones ---------------------------------------------------------------------------
def test_isochrones_are_multilinestrings_without_the_zero_minute_one(network):
    iso = r5py.Isochrones(
        network, origins=MERCADO, departure=DEPARTURE, transport_modes=["WALK"], isochrones=[0, 5, 10]
    )
    assert isinstance(iso, gpd.GeoDataFrame) and isinstance(iso, r5py.Isochrones)
    assert list(iso.isochrones) == [pd.Timedelta(minutes=5), pd.Timedelta(minutes=10)]
    assert list(iso["travel_time"]) == list(iso.isochrones)
    assert list(iso.geometry.geom_type.unique()) == ["MultiLineString"]
    assert isinstance(iso.origins, gpd.GeoDataFrame) and len(iso.origins) == 1
    # the lines close around the origin: the 5-min area they bound contains it and nests
    five, ten = (shapely.union_all(shapely.polygonize(g.geoms).geoms) for g in iso.geometry)
    assert five.contains(MERCADO) and ten.buffer(1e-6).contains(five)


def test_default_isochrones_are_15_30_45_minutes(network):
    iso = r5py.Isochrones(network, MERCADO, departure=DEPARTURE, transport_modes=[r5py.TransportMode.WALK])
    assert [t.total_seconds() / 60 for t in iso["travel_time"]] == [15, 30, 45]
    assert not iso.geometry.is_empty.any()


def test_point_grid_parameters_set_the_destinations(network):
    common = {"departure": DEPARTURE, "transport_modes": ["WALK"], "isochrones": [10]}
    fine = r5py.Isochrones(network, origins=MERCADO, point_grid_resolution=100, **common)
    coarse = r5py.Isochrones(network, origins=MERCADO, point_grid_resolution=200, **common)
    half = r5py.Isochrones(network, origins=MERCADO, point_grid_resolution=100, point_grid_sample_ratio=0.5, **common)
    n_fine, n_coarse, n_half = len(fine.destinations), len(coarse.destinations), len(half.destinations)
    assert n_fine > 1000
    assert n_coarse == pytest.approx(n_fine / 4, rel=0.25), "twice the spacing, a quarter of the points"
    assert n_half == round(n_fine * 0.5)
    assert set(half.destinations.geometry.to_wkt()) <= set(fine.destinations.geometry.to_wkt())
    tiny = r5py.Isochrones(network, origins=MERCADO, point_grid_sample_ratio=0.0001, **common)
    assert tiny.point_grid_sample_ratio == 0.01


def test_isochrones_from_several_origins_cover_each_origins_area(network):
    two = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[MERCADO, shapely.Point(-51.2065, -30.0346)], crs=4326)
    both = r5py.Isochrones(network, origins=two, departure=DEPARTURE, transport_modes=["WALK"], isochrones=[10])
    area = shapely.union_all(shapely.polygonize(both.geometry.iloc[0].geoms).geoms)
    assert area.contains(two.geometry.iloc[0]) and area.contains(two.geometry.iloc[1])
