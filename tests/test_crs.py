"""GCJ-02 / BD-09 <-> WGS-84 conversions: round trips and the station table's triples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access._geo import haversine_m
from access.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert_coordinates,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from access.errors import InputError
from tests.conftest import require_data


@pytest.fixture(scope="module")
def stations() -> pd.DataFrame:
    return pd.read_csv(require_data("china_rail/cn_stations_wgs84.csv"))


def test_gcj02_wgs84_round_trip_is_within_a_metre_across_china():
    rng = np.random.default_rng(12)
    lon = rng.uniform(75, 134, 5000)
    lat = rng.uniform(18, 53, 5000)
    back = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 1.0
    again = gcj02_to_bd09(*bd09_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, *again).max() < 1.0
    via_bd = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert haversine_m(lon, lat, *via_bd).max() < 1.0


def test_shift_is_hundreds_of_metres_inside_china_and_zero_outside():
    lon, lat = np.array([116.3728, 121.3160, 2.35]), np.array([39.8635, 31.1961, 48.85])  # Beijing S, Hongqiao, Paris
    g = wgs84_to_gcj02(lon, lat)
    shift = haversine_m(lon, lat, *g)
    assert 100 < shift[0] < 1000 and 100 < shift[1] < 1000
    assert shift[2] == 0.0


def test_station_table_gcj02_converts_to_its_wgs84_within_a_few_metres(stations):
    wgs = gcj02_to_wgs84(stations["lng火星"], stations["lat火星"])
    error = haversine_m(*wgs, stations["WGS84_Lng"], stations["WGS84_Lat"])
    assert len(error) == 3058
    assert np.median(error) < 2.0
    assert error.max() < 5.0


def test_station_table_bd09_agrees_with_the_published_formula_to_tens_of_metres(stations):
    # The table's BD-09 column came from Baidu's geocoder, which adds its own offsets on
    # top of the published formula; the formula reproduces it to tens of metres.
    gcj = bd09_to_gcj02(stations["BD_Lng"], stations["BD_Lat"])
    error = haversine_m(*gcj, stations["lng火星"], stations["lat火星"])
    assert np.median(error) < 50.0
    assert error.max() < 100.0


def test_convert_coordinates_names_systems_and_rejects_unknown_ones():
    lon, lat = convert_coordinates([116.4], [39.9], "GCJ-02", "wgs84")
    expected = gcj02_to_wgs84(116.4, 39.9)
    assert lon[0] == pytest.approx(float(expected[0]), abs=1e-9) and lat[0] == pytest.approx(
        float(expected[1]), abs=1e-9
    )
    same = convert_coordinates(116.4, 39.9, "wgs84", "wgs84")
    assert float(same[0]) == 116.4
    with pytest.raises(InputError, match="unknown coordinate system 'utm'"):
        convert_coordinates(116.4, 39.9, "utm")
