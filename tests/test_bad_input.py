"""Bad input to the library raises InputError (or warns) with a message naming the problem."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import access
from access.errors import InputError, OffNetworkError, OffNetworkWarning
from access.io.osm import read_osm_ways

CENTRE = (-51.2278, -30.0276)  # Porto Alegre's public market
# 50 km east of the centre: 50 km / (111.2 km/deg * cos 30 deg) = 0.52 deg of longitude
FAR_AWAY = (CENTRE[0] + 50 / (111.2 * math.cos(math.radians(30.03))), CENTRE[1])


def _write_road(path):
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="tests">\n'
        '  <node id="1" version="1" lat="48.0000000" lon="9.0000000"/>\n'
        '  <node id="2" version="1" lat="48.0010000" lon="9.0000000"/>\n'
        '  <node id="3" version="1" lat="48.0020000" lon="9.0000000"/>\n'
        '  <way id="1" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
        '<tag k="highway" v="residential"/></way>\n</osm>\n',
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------------------
# OSM files
# --------------------------------------------------------------------------------------
def test_missing_osm_file_is_an_input_error_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(InputError, match="does not exist") as info:
        access.build_network(missing, progress=False)
    assert "nowhere.osm.pbf" in str(info.value)
    with pytest.raises(InputError, match="does not exist"):
        read_osm_ways(missing)


@pytest.mark.parametrize(
    "content",
    [b"id,lon,lat\n1,-51.2,-30.0\n" * 20, b"", b"hi\n", b"\x00\x00\x00\x0dOSMHeader"],
    ids=["csv-text", "empty", "short-text", "truncated-pbf"],
)
def test_a_file_that_is_not_osm_data_is_an_input_error(tmp_path, content):
    fake = tmp_path / "region.osm.pbf"
    fake.write_bytes(content)
    with pytest.raises(InputError, match="cannot read|no highway ways") as info:
        access.build_network(fake, progress=False, cache=False)
    assert "region.osm.pbf" in str(info.value)


def test_xml_without_roads_is_an_input_error(tmp_path):
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?>\n<osm version="0.6"></osm>\n')
    with pytest.raises(InputError, match="no highway ways"):
        access.build_network(empty, progress=False, cache=False)


def test_a_file_with_a_foreign_suffix_is_an_input_error(tmp_path):
    text = tmp_path / "roads.txt"
    text.write_text("not osm")
    with pytest.raises(InputError, match="does not look like an OSM file"):
        access.build_network(text, progress=False, cache=False)


def test_a_folder_is_not_an_osm_file(tmp_path):
    with pytest.raises(InputError):
        access.build_network(tmp_path, progress=False, cache=False)


def test_bbox_without_roads_is_an_input_error(tmp_path):
    road = _write_road(tmp_path / "road.osm")
    with pytest.raises(InputError, match="no roads") as info:
        access.build_network(road, bbox=(100.0, 10.0, 100.1, 10.1), progress=False, cache=False)
    assert "bbox" in str(info.value)


@pytest.mark.parametrize(
    "bbox",
    [
        (9.1, 47.9, 8.9, 48.1),
        (8.9, 48.1, 9.1, 47.9),
        (8.9, 47.9, 9.1),
        ("a", 47.9, 9.1, 48.1),
        (-200, 0, 0, 1),
    ],
    ids=["lon-swapped", "lat-swapped", "three-numbers", "not-a-number", "out-of-range"],
)
def test_a_malformed_bbox_is_an_input_error(tmp_path, bbox):
    road = _write_road(tmp_path / "road.osm")
    with pytest.raises(InputError, match="bbox"):
        access.build_network(road, bbox=bbox, progress=False, cache=False)


def test_real_extract_with_a_bbox_far_away_is_an_input_error(poa_pbf):
    with pytest.raises(InputError, match="no roads"):
        access.build_network(poa_pbf, bbox=(116.3, 39.8, 116.5, 40.0), progress=False, cache=False)


# --------------------------------------------------------------------------------------
# modes
# --------------------------------------------------------------------------------------
def test_unknown_mode_when_building_is_an_input_error_listing_valid_modes(tmp_path):
    road = _write_road(tmp_path / "road.osm")
    with pytest.raises(InputError, match="plane") as info:
        access.build_network(road, modes=("walk", "plane"), progress=False, cache=False)
    assert all(m in str(info.value) for m in ("walk", "bike", "car"))
    with pytest.raises(InputError, match="no modes"):
        access.build_network(road, modes=(), progress=False, cache=False)


def test_unknown_mode_in_travel_times_and_isochrones_is_an_input_error(poa_network):
    with pytest.raises(InputError, match="'plane'"):
        access.travel_times(poa_network, [CENTRE], mode="plane")
    with pytest.raises(InputError, match="'plane'"):
        access.isochrones(poa_network, CENTRE, mode="plane", cutoffs_min=(10,))


def test_a_mode_that_was_not_built_is_an_input_error(tmp_path):
    road = _write_road(tmp_path / "road.osm")
    net = access.build_network(road, modes=("walk",), progress=False, cache=False)
    with pytest.raises(InputError, match="not built"):
        access.isochrones(net, (9.0, 48.001), mode="car", cutoffs_min=(5,))


# --------------------------------------------------------------------------------------
# origins, cutoffs and budgets
# --------------------------------------------------------------------------------------
def test_isochrone_origin_50_km_outside_the_network_is_an_off_network_error(poa_network):
    assert issubclass(OffNetworkError, InputError)
    with pytest.raises(OffNetworkError, match="1000 m") as info:
        access.isochrones(poa_network, FAR_AWAY, mode="car", cutoffs_min=(10,))
    assert "1 of 1 origins" in str(info.value)


@pytest.mark.parametrize(
    "cutoffs",
    [(0,), (-5,), (10, -1), (10, 0), (float("nan"),), (float("inf"),), ("ten",), (), (1441,), None],
    ids=[
        "zero",
        "negative",
        "one-negative",
        "one-zero",
        "nan",
        "inf",
        "text",
        "empty",
        "over-a-day",
        "none",
    ],
)
def test_cutoffs_that_are_not_positive_minutes_are_an_input_error(poa_network, cutoffs):
    with pytest.raises(InputError, match="cutoff|minutes"):
        access.isochrones(poa_network, CENTRE, mode="walk", cutoffs_min=cutoffs)


@pytest.mark.parametrize("budget", [0, -10, float("nan"), 1e6])
def test_travel_time_budget_that_is_not_positive_minutes_is_an_input_error(poa_network, budget):
    with pytest.raises(InputError, match="max_time_min"):
        access.travel_times(poa_network, [CENTRE], mode="walk", max_time_min=budget)


@pytest.mark.parametrize(
    "points",
    [
        pd.DataFrame({"id": [1, 2], "lon": [CENTRE[0], np.nan], "lat": [CENTRE[1], CENTRE[1]]}),
        pd.DataFrame({"id": [1, 2], "lon": [CENTRE[0], CENTRE[0]], "lat": [np.nan, CENTRE[1]]}),
        [(CENTRE[0], float("nan"))],
        np.array([[np.nan, np.nan]]),
        pd.DataFrame({"id": [1], "lon": [CENTRE[1]], "lat": [CENTRE[0] * 3]}),  # |lat| > 90
    ],
    ids=["nan-lon", "nan-lat", "nan-tuple", "nan-array", "lat-out-of-range"],
)
def test_nan_or_impossible_coordinates_are_an_input_error(poa_network, points):
    with pytest.raises(InputError, match="valid lon/lat"):
        access.travel_times(poa_network, points, mode="walk")
    with pytest.raises(InputError, match="valid lon/lat"):
        access.isochrones(poa_network, points, mode="walk", cutoffs_min=(10,))


def test_duplicate_ids_are_an_input_error(poa_network):
    points = pd.DataFrame({"id": ["a", "a"], "lon": [CENTRE[0], CENTRE[0] + 0.01], "lat": [CENTRE[1]] * 2})
    with pytest.raises(InputError, match="not unique"):
        access.travel_times(poa_network, points, mode="walk")
    with pytest.raises(InputError, match="not unique"):
        access.isochrones(poa_network, points, mode="walk", cutoffs_min=(10,))
    ok = pd.DataFrame({"id": ["x"], "lon": [CENTRE[0]], "lat": [CENTRE[1]]})
    with pytest.raises(InputError, match="not unique"):
        access.travel_times(poa_network, ok, points, mode="walk")


def test_points_without_lon_lat_columns_are_an_input_error(poa_network):
    with pytest.raises(InputError, match="lon and lat"):
        access.travel_times(poa_network, pd.DataFrame({"id": [1], "east": [1.0], "north": [2.0]}))


# --------------------------------------------------------------------------------------
# off-network points in a batch: NaN rows and a warning with the count
# --------------------------------------------------------------------------------------
def test_off_network_origin_in_a_batch_gives_nan_rows_and_a_counted_warning(poa_network):
    origins = pd.DataFrame(
        {
            "id": ["market", "far", "station"],
            "lon": [CENTRE[0], FAR_AWAY[0], -51.218856],
            "lat": [CENTRE[1], FAR_AWAY[1], -30.023285],
        }
    )
    with pytest.warns(OffNetworkWarning, match="1 of 3 origins") as record:
        table = access.travel_times(poa_network, origins, mode="walk")
    assert "far" in str(record[0].message)
    assert len(table) == 9
    far_rows = (table["from_id"] == "far") | (table["to_id"] == "far")
    assert table.loc[far_rows, "travel_time_min"].isna().all()
    assert table.loc[~far_rows, "travel_time_min"].notna().all()


def test_off_network_destinations_give_nan_columns_and_a_counted_warning(poa_network):
    dests = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "lon": [FAR_AWAY[0], CENTRE[0], FAR_AWAY[0] + 0.1],
            "lat": [FAR_AWAY[1], CENTRE[1], FAR_AWAY[1]],
        }
    )
    with pytest.warns(OffNetworkWarning, match="2 of 3 destinations"):
        table = access.travel_times(poa_network, [CENTRE], dests, mode="car")
    assert table["travel_time_min"].isna().tolist() == [True, False, True]


def test_a_batch_entirely_on_the_network_does_not_warn(poa_network):
    with warnings.catch_warnings():
        warnings.simplefilter("error", OffNetworkWarning)
        table = access.travel_times(poa_network, [CENTRE, (-51.218856, -30.023285)], mode="walk")
    assert table["travel_time_min"].notna().all()


def test_a_point_outside_the_utm_zone_is_off_the_network_not_a_geometry_error(poa_network):
    # (18, 0) projects to inf in Porto Alegre's UTM zone (found by fuzzing the API)
    with pytest.raises(access.OffNetworkError):
        access.isochrones(poa_network, (18.0, 0.0), mode="walk", cutoffs_min=[10])


def test_lines_output_with_nothing_reached_is_empty_not_an_index_error(poa_network):
    result = access.isochrones(poa_network, (-51.2287, -30.0277), mode="car", cutoffs_min=[0.01], output="lines")
    assert len(result) == 0
