"""`access isochrone` / `access travel-times` options for arrive-by and isochrone outputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import access
from access.cli import app
from access.io.rounding import round_for_output

runner = CliRunner()
CENTRE = ("--lon", "-51.2287", "--lat", "-30.0277")


def run(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def test_isochrone_options_and_surface_outputs(poa_pbf, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    base = ("isochrone", "--osm", poa_pbf, *CENTRE, "--mode", "car", "--cutoffs", "3,6", "-q")
    iso = tmp_path / "in.geojson"
    result = run(
        *base,
        "--arrive-by",
        "09:00",
        "--denoise",
        "1",
        "--generalize",
        "50",
        "--resolution",
        "50",
        "--raster",
        tmp_path / "t.tif",
        "--out",
        iso,
    )
    assert result.exit_code == 0, result.output
    frame = gpd.read_file(iso)
    assert list(frame["cutoff_min"]) == [3, 6] and all(g.geom_type == "MultiPolygon" for g in frame.geometry)
    assert max(len(g.geoms) for g in frame.geometry) == 1
    with rasterio.open(tmp_path / "t.tif") as src:
        assert src.res == (50.0, 50.0) and np.nanmax(src.read(1)) <= 6
    lines = tmp_path / "lines.geojson"
    assert run(*base, "--output", "lines", "--out", lines).exit_code == 0
    assert set(gpd.read_file(lines).geom_type) == {"LineString"}
    cells = tmp_path / "cells.geojson"
    result = run(*base, "--h3", "9", "--out", cells)
    assert result.exit_code == 0, result.output
    frame = gpd.read_file(cells)
    assert {"origin_id", "h3", "travel_time_min"} <= set(frame.columns) and frame["travel_time_min"].max() <= 6


def test_travel_times_arrive_by_and_its_conflict_with_departure(poa_pbf, poa_network, tmp_path):
    points = tmp_path / "pts.csv"
    pd.DataFrame(
        {"id": [1, 2, 3], "lon": [-51.2287, -51.2200, -51.2100], "lat": [-30.0277, -30.0350, -30.0400]}
    ).to_csv(points, index=False)
    out = tmp_path / "tt.csv"
    result = run(
        "travel-times",
        "--osm",
        poa_pbf,
        "--origins",
        points,
        "--mode",
        "car",
        "--arrive-by",
        "08:00",
        "--out",
        out,
        "-q",
    )
    assert result.exit_code == 0, result.output
    expected = access.travel_times(poa_network, pd.read_csv(points), mode="car")
    # the file holds minutes up to the next 0.1 (round_for_output); arrive-by and depart-at
    # times differ by at most a second, so their rounded values by at most one step
    rounded = round_for_output(expected)["travel_time_min"].astype(float)
    np.testing.assert_allclose(pd.read_csv(out)["travel_time_min"], rounded, atol=0.1 + 1e-9)
    result = run(
        "travel-times",
        "--osm",
        poa_pbf,
        "--origins",
        points,
        "--mode",
        "car",
        "--arrive-by",
        "08:00",
        "--departure",
        "07:00",
        "--out",
        out,
        "-q",
    )
    assert result.exit_code == 2 and "either departure" in result.output
