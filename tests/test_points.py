"""Points: one typed points object, normalised once at the public edge and passed down."""

from __future__ import annotations

import pickle
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Polygon

import access
from access.io import points as points_module
from access.io.points import Points, as_points
from tests.conftest import require_data


@pytest.fixture(scope="module")
def cells():
    return pd.read_csv(require_data("poa/poa_hexgrid.csv")).sample(40, random_state=7).reset_index(drop=True)


def test_as_points_returns_points_unchanged():
    points = as_points([(-51.2, -30.0), (-51.1, -30.1)])
    assert as_points(points) is points
    assert as_points(points, what="destinations") is points


def test_points_keep_ids_coordinates_and_other_columns_in_row_order():
    frame = pd.DataFrame({"id": ["b", "a"], "lat": [-30.0, -30.1], "lon": [-51.2, -51.1], "jobs": [3, 5]})
    points = as_points(frame)
    assert points.ids.tolist() == ["b", "a"]
    assert points.lon.tolist() == [-51.2, -51.1] and points.lat.tolist() == [-30.0, -30.1]
    assert points.attributes["jobs"].tolist() == [3, 5]
    out = points.to_frame()
    assert list(out.columns) == ["id", "jobs", "geometry"] and out.crs.to_epsg() == 4326
    assert out.geometry.x.tolist() == [-51.2, -51.1]
    assert out is not points.to_frame()  # a new frame each time: callers may change it


def test_polygons_become_their_representative_points():
    square = Polygon([(0, 0), (2, 0), (2, 2), (0, 2)])
    points = as_points(gpd.GeoDataFrame({"id": [7]}, geometry=[square], crs=4326))
    inside = square.representative_point()
    assert (points.lon[0], points.lat[0]) == (inside.x, inside.y)


def test_projected_coordinates_are_computed_once_per_crs_and_match_pyproj(cells):
    points = as_points(cells)
    x, y = points.projected(32722)
    assert points.projected(32722)[0] is x
    ex, ey = Transformer.from_crs(4326, 32722, always_xy=True).transform(cells["lon"], cells["lat"])
    np.testing.assert_array_equal(x, ex)
    np.testing.assert_array_equal(y, ey)
    assert "_projections" not in pickle.loads(pickle.dumps(points)).__dict__


def test_take_selects_rows_with_their_attributes(cells):
    points = as_points(cells)
    part = points.take(np.array([5, 2]))
    assert part.ids.tolist() == [cells["id"][5], cells["id"][2]]
    assert part.attributes["population"].tolist() == cells["population"][[5, 2]].tolist()
    assert points.take(slice(3, 6)).ids.tolist() == cells["id"][3:6].tolist()


def test_travel_times_from_points_equal_those_from_the_frame(poa_network, cells):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_frame = access.travel_times(poa_network, cells, cells.head(10), mode="walk", max_time_min=30)
        from_points = access.travel_times(
            poa_network, as_points(cells), as_points(cells.head(10)), mode="walk", max_time_min=30
        )
    pd.testing.assert_frame_equal(from_frame, from_points)


def _count_parses(monkeypatch) -> list[int]:
    made = [0]
    original = Points.__post_init__

    def counting(self):
        made[0] += 1
        original(self)

    monkeypatch.setattr(points_module.Points, "__post_init__", counting)
    return made


def test_accessibility_parses_origins_and_opportunities_once_each(poa_network, cells, monkeypatch):
    made = _count_parses(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        access.accessibility(poa_network, cells, cells, mode="walk", cutoffs_min=(15,), opportunity="population")
    assert made[0] == 2


def test_travel_times_parse_each_point_set_once(poa_network, cells, monkeypatch):
    made = _count_parses(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        access.travel_times(poa_network, cells, cells.head(5), mode="car", max_time_min=20)
    assert made[0] == 2
