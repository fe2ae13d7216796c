"""Reading opportunities: CSV, GeoJSON, GeoPackage, GeoParquet, frames, H3 cells; bad input."""

from __future__ import annotations

import warnings

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from access.errors import InputError
from access.io.opportunities import read_opportunities
from tests.conftest import require_data


@pytest.fixture(scope="module")
def places_csv(tmp_path_factory):
    from access.sample import write_sample_region

    return write_sample_region(tmp_path_factory.mktemp("sample")).places_csv


def test_sample_places_load_with_class_and_county(places_csv):
    places = read_opportunities(places_csv, county_column="county")
    raw = pd.read_csv(places_csv)
    assert len(places) == len(raw) and places.crs.to_epsg() == 4326
    assert places["id"].tolist() == raw["id"].tolist()
    assert set(places["class"]) == {"rural", "urban"}
    assert places["population"].sum() == raw["population"].sum()
    assert places["jobs"].dtype.kind in "if"
    np.testing.assert_allclose(places.geometry.x, raw["lon"])
    assert places["county"].tolist() == raw["county"].tolist()


def test_poa_hexgrid_loads_as_points_and_as_h3_cells():
    path = require_data("poa/poa_hexgrid.csv")
    with pytest.warns(UserWarning, match="'jobs' has 5 empty values, 'healthcare' has 5 empty values"):
        grid = read_opportunities(path)
    assert len(grid) == 1227
    assert grid["population"].sum() == 812_935 and grid["jobs"].sum() == 337_921  # data README totals
    assert {"schools", "healthcare"} <= set(grid.columns)
    with pytest.warns(UserWarning):
        cells = read_opportunities(path, h3=True)
    centre = h3.cell_to_latlng(cells["id"].iloc[0])
    assert (cells.geometry.y.iloc[0], cells.geometry.x.iloc[0]) == pytest.approx(centre)
    # the CSV's lon/lat are the cell centres
    np.testing.assert_allclose(cells.geometry.x, grid.geometry.x, atol=1e-6)
    assert cells["zone_geometry"].iloc[0].contains(cells.geometry.iloc[0])


def test_h3_column_without_coordinates():
    ids = [h3.latlng_to_cell(36.8, 116.6 + 0.01 * k, 8) for k in range(3)]
    frame = pd.DataFrame({"h3": ids, "jobs": [1, 2, 3]})
    result = read_opportunities(frame)
    assert result["id"].tolist() == ids  # the cells are the ids when there is no id column
    assert result.geometry.y.iloc[0] == pytest.approx(h3.cell_to_latlng(ids[0])[0])


def _zones() -> gpd.GeoDataFrame:
    # an L-shaped zone whose centroid lies outside it, and a square
    ell = shapely.Polygon([(0, 0), (0.02, 0), (0.02, 0.004), (0.004, 0.004), (0.004, 0.02), (0, 0.02)])
    square = shapely.box(0.05, 0.05, 0.06, 0.06)
    return gpd.GeoDataFrame(
        {"id": ["L", "S"], "population": [10, 20], "jobs": [5, 0]}, geometry=[ell, square], crs=4326
    )


def test_polygons_become_representative_points_or_centroids(tmp_path):
    path = tmp_path / "zones.geojson"
    _zones().to_file(path, driver="GeoJSON")
    rep = read_opportunities(path)
    assert rep["zone_geometry"].iloc[0].contains(rep.geometry.iloc[0])
    cen = read_opportunities(path, representation="centroid")
    assert not cen["zone_geometry"].iloc[0].contains(cen.geometry.iloc[0])  # the L's centroid is outside
    assert cen.geometry.iloc[1].x == pytest.approx(0.055, abs=1e-6)


def test_geopackage_and_geoparquet_are_reprojected(tmp_path):
    zones = _zones().to_crs(32650)
    zones.to_file(tmp_path / "z.gpkg", driver="GPKG")
    zones.to_parquet(tmp_path / "z.parquet")
    for name in ("z.gpkg", "z.parquet"):
        result = read_opportunities(tmp_path / name)
        assert result.crs.to_epsg() == 4326
        assert result.geometry.iloc[1].x == pytest.approx(0.055, abs=0.006)


# --- bad input ---------------------------------------------------------------------------------


def test_no_coordinates_is_an_input_error(tmp_path):
    path = tmp_path / "o.csv"
    pd.DataFrame({"id": [1, 2], "jobs": [3, 4]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="no coordinates"):
        read_opportunities(path)
    pd.DataFrame({"id": [1, 2], "lon": [116.0, None], "lat": [36.0, 36.1], "jobs": [3, 4]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="1 rows have missing"):
        read_opportunities(path)


def test_negative_and_non_numeric_counts_are_input_errors():
    base = pd.DataFrame({"id": ["a", "b"], "lon": [116.0, 116.1], "lat": [36.0, 36.1], "jobs": [3, -4]})
    with pytest.raises(InputError, match="'jobs' has 1 negative values \\(first: id 'b'\\)"):
        read_opportunities(base)
    with pytest.raises(InputError, match="'population' is not numeric"):
        read_opportunities(base.assign(jobs=[1, 2], population=["10", "many"]))


def test_unknown_class_or_county_column_is_an_input_error():
    base = pd.DataFrame({"id": ["a"], "lon": [116.0], "lat": [36.0], "jobs": [3]})
    with pytest.raises(InputError, match="county column 'county' not found"):
        read_opportunities(base, county_column="county")
    with pytest.raises(InputError, match="class column 'urban_rural' not found"):
        read_opportunities(base, class_column="urban_rural")
    assert "class" not in read_opportunities(base).columns  # the default class column is optional


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_crs_less_geopackage_and_geoparquet_are_input_errors(tmp_path):
    zones = _zones().set_crs(None, allow_override=True)
    zones.to_file(tmp_path / "z.gpkg", driver="GPKG")
    zones.to_parquet(tmp_path / "z.parquet")
    for name in ("z.gpkg", "z.parquet"):
        with pytest.raises(InputError, match="no coordinate reference system"):
            read_opportunities(tmp_path / name)
    with pytest.raises(InputError, match="no CRS"):
        read_opportunities(zones)


def test_zero_population_warns_but_loads():
    frame = pd.DataFrame(
        {"id": ["a", "b"], "lon": [116.0, 116.1], "lat": [36.0, 36.1], "population": [0, 0], "jobs": [1, 2]}
    )
    with pytest.warns(UserWarning, match="total population is 0"):
        result = read_opportunities(frame)
    assert len(result) == 2


def test_clean_input_gives_no_warning():
    frame = pd.DataFrame({"id": ["a"], "lon": [116.0], "lat": [36.0], "population": [5], "jobs": [1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_opportunities(frame)
