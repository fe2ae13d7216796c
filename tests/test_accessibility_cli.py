"""`access accessibility` on the built-in sample region: files written, summary printed, errors."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from access.cli import app


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from access.sample import write_sample_region

    return write_sample_region(tmp_path_factory.mktemp("sample"))


def test_cumulative_car_access_writes_results_summary_and_map(sample, tmp_path):
    out, summary, png = tmp_path / "car.parquet", tmp_path / "summary.csv", tmp_path / "car.png"
    result = CliRunner().invoke(
        app,
        [
            "accessibility",
            "--osm",
            str(sample.osm_pbf),
            "--origins",
            str(sample.places_csv),
            "--opportunities",
            str(sample.places_csv),
            "--measure",
            "cumulative",
            "--mode",
            "car",
            "--cutoffs",
            "60",
            "120",
            "--out",
            str(out),
            "--summary",
            str(summary),
            "--png",
            str(png),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    places = pd.read_csv(sample.places_csv)
    frame = gpd.read_parquet(out)
    assert frame["id"].tolist() == places["id"].tolist()
    assert {"jobs_60min", "jobs_120min", "class", "population"} <= set(frame.columns)
    assert (frame["jobs_60min"] <= frame["jobs_120min"]).all()
    assert frame["jobs_120min"].max() <= places["jobs"].sum()
    table = pd.read_csv(summary)
    assert table["class"].tolist() == ["all", "rural", "urban"]
    assert table.loc[0, "residents"] == places["population"].sum()
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_gravity_to_geojson_and_unknown_inputs(sample, tmp_path):
    runner = CliRunner()
    base = [
        "accessibility",
        "--osm",
        str(sample.osm_pbf),
        "--origins",
        str(sample.places_csv),
        "--opportunities",
        str(sample.places_csv),
        "--mode",
        "car",
    ]
    ok = runner.invoke(
        app,
        [
            *base,
            "--measure",
            "gravity",
            "--decay",
            "exponential",
            "--decay-param",
            "0.05",
            "--by",
            "county",
            "--out",
            str(tmp_path / "g.geojson"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "jobs_gravity" in gpd.read_file(tmp_path / "g.geojson").columns
    assert "Core City urban district" in ok.output  # the county summary is printed
    bad = runner.invoke(app, [*base, "--measure", "hansen", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "unknown measure 'hansen'" in bad.output and "cumulative" in bad.output
    bad = runner.invoke(app, [*base, "--by", "province", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "group column 'province' not found" in bad.output
    assert not (tmp_path / "x.csv").exists()
