"""The `access` command: outputs by extension, one clear line and a non-zero exit on bad input."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from access.cli import app

runner = CliRunner()
CENTRE = ("--lon", "-51.2287", "--lat", "-30.0277")


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet", ".csv"])
def test_isochrone_writes_the_format_named_by_the_extension(poa_pbf, tmp_path, suffix):
    out = tmp_path / f"iso{suffix}"
    result = run("isochrone", "--osm", poa_pbf, *CENTRE, "--mode", "walk", "--cutoffs", "5", "10", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    frame = (
        pd.read_csv(out) if suffix == ".csv" else gpd.read_file(out) if suffix != ".parquet" else gpd.read_parquet(out)
    )
    assert list(frame["cutoff_min"]) == [5, 10]
    assert not list(tmp_path.glob(".*")), "no temp files left behind"


def test_isochrone_png_and_comma_cutoffs(poa_pbf, tmp_path):
    out = tmp_path / "iso.png"
    result = run("isochrone", "--osm", poa_pbf, *CENTRE, "--mode", "car", "--cutoffs", "3,6", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_travel_times_csv_matches_library(poa_pbf, poa_network, tmp_path):
    import access

    points = pd.read_csv(require("poa/poa_points_of_interest.csv"))[["id", "lon", "lat"]]
    points.to_csv(tmp_path / "pts.csv", index=False)
    out = tmp_path / "tt.csv"
    result = run(
        "travel-times",
        "--osm",
        poa_pbf,
        "--origins",
        tmp_path / "pts.csv",
        "--mode",
        "walk",
        "--max-time",
        "60",
        "--out",
        out,
        "-q",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    expected = access.travel_times(poa_network, points, mode="walk", max_time_min=60)
    assert len(table) == len(points) ** 2
    # the file holds minutes up to the next 0.1 (round_for_output), the library full precision
    exact = expected["travel_time_min"]
    assert (exact.dropna() % 0.1 > 1e-6).any()
    gap = (table["travel_time_min"] - exact).dropna()
    assert ((gap > -1e-9) & (gap < 0.1 + 1e-9)).all()
    assert table["travel_time_min"].isna().equals(exact.isna())


def require(relative):
    from tests.conftest import require_data

    return require_data(relative)


@pytest.mark.parametrize(
    "args, words",
    [
        (("isochrone", "--osm", "missing.osm.pbf", *CENTRE, "--out", "x.geojson"), "does not exist"),
        (("isochrone", "--osm", "{pbf}", *CENTRE, "--mode", "plane", "--out", "x.geojson"), "unknown mode"),
        (
            ("isochrone", "--osm", "{pbf}", "--lon", "-51.75", "--lat", "-30.03", "--out", "x.geojson"),
            "from the car network",
        ),
        (("isochrone", "--osm", "{pbf}", *CENTRE, "--cutoffs", "-5", "--out", "x.geojson"), "positive"),
        (("isochrone", "--osm", "{pbf}", *CENTRE, "--out", "x.txt"), "cannot write"),
        (("build", "--osm", "{pbf}", "--bbox", "10", "10", "10.1", "10.1"), "no roads"),
        (("build", "--osm", "{notosm}"), "cannot read"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(poa_pbf, tmp_path, args, words):
    not_osm = tmp_path / "fake.osm.pbf"
    not_osm.write_text("this is not OSM data\n")
    args = [str(a).format(pbf=poa_pbf, notosm=not_osm) for a in args]
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    result = run(*args, "-q")
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.stderr
    assert not list(tmp_path.glob("x.*"))


def test_installed_command_prints_no_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "access.cli",
            "isochrone",
            "--osm",
            str(tmp_path / "none.osm.pbf"),
            "--lon",
            "1",
            "--lat",
            "1",
            "--out",
            str(tmp_path / "a.geojson"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-sample")
    result = runner.invoke(app, ["sample", "--out", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    return folder


def test_transit_isochrone_from_the_command_line(sample_dir, tmp_path):
    places = pd.read_csv(sample_dir / "places.csv")
    core = places[places["kind"] == "core_city"].iloc[0]
    out = tmp_path / "transit.geojson"
    result = run(
        "isochrone",
        "--osm",
        sample_dir / "sample_region.osm.pbf",
        "--gtfs",
        sample_dir / "sample_buses.zip",
        "--rail-spec",
        sample_dir / "sample_intercity.yaml",
        "--mode",
        "transit",
        "--departure",
        "07:00",
        "--window",
        "30",
        "--cutoffs",
        "60",
        "120",
        "--lon",
        core["lon"],
        "--lat",
        core["lat"],
        "--out",
        out,
        "--png",
        tmp_path / "t.png",
        "-q",
    )
    assert result.exit_code == 0, result.output
    iso = gpd.read_file(out)
    assert list(iso["cutoff_min"]) == [60, 120] and iso.is_valid.all()
    assert (tmp_path / "t.png").exists()


def test_transit_travel_times_with_percentiles(sample_dir, tmp_path):
    places = pd.read_csv(sample_dir / "places.csv").head(8)[["id", "lon", "lat"]]
    places.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "tt.parquet"
    result = run(
        "travel-times",
        "--osm",
        sample_dir / "sample_region.osm.pbf",
        "--gtfs",
        sample_dir / "sample_buses.zip",
        "--mode",
        "transit",
        "--origins",
        tmp_path / "p.csv",
        "--percentiles",
        "25,75",
        "--window",
        "20",
        "--max-time",
        "240",
        "--out",
        out,
        "-q",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert {"travel_time_p25_min", "travel_time_p75_min"} <= set(table.columns)
    both = table.dropna()
    assert (both["travel_time_p25_min"] <= both["travel_time_p75_min"]).all()


def test_rail_spec_to_gtfs_command(sample_dir, tmp_path):
    result = run("rail-spec", "to-gtfs", sample_dir / "sample_intercity.yaml", tmp_path / "line.zip")
    assert result.exit_code == 0, result.output
    assert "4 stations" in result.output and (tmp_path / "line.zip").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (("--gtfs", "{notzip}"), "not a zip"),
        (("--gtfs", "{missing}"), "does not exist"),
        (("--rail-spec", "{badspec}"), "at least 2 stations"),
        ((), "needs --gtfs"),
    ],
)
def test_bad_transit_input_gives_one_line(sample_dir, tmp_path, args, words):
    (tmp_path / "fake.zip").write_text("nope")
    (tmp_path / "bad.yaml").write_text(
        "line: x\nstations: [{name: a, lon: 1, lat: 1}]\nrun_times_min: []\n"
        "periods: [{start: '06:00', end: '07:00', headway_min: 10}]\n"
    )
    args = [
        a.format(notzip=tmp_path / "fake.zip", missing=tmp_path / "none.zip", badspec=tmp_path / "bad.yaml")
        for a in args
    ]
    result = run(
        "isochrone",
        "--osm",
        sample_dir / "sample_region.osm.pbf",
        "--mode",
        "transit",
        *args,
        "--lon",
        "116.64",
        "--lat",
        "36.79",
        "--out",
        tmp_path / "x.geojson",
        "-q",
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.stderr
