"""The CLI is thin: shared options are declared once (access.cli._options), commands parse,
call the library and format; file reading and checks live in the library."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Annotated

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from access.cli import app
from access.cli._options import NetworkOptions, TransitOptions, Use, grouped
from access.errors import InputError
from access.io.rounding import round_for_output

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "access" / "cli"
runner = CliRunner()
MARKET = (-51.2287, -30.0277)  # Mercado Público, Porto Alegre


def _commands() -> dict[str, object]:
    group = typer.main.get_command(app)
    found = {}

    def walk(cmd, prefix: str) -> None:
        if hasattr(cmd, "commands"):  # a group (typer's own click)
            for name, sub in cmd.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            found[prefix] = cmd

    walk(group, "")
    return found


def _options(cmd) -> dict[str, object]:
    return {opt: p for p in cmd.params for opt in getattr(p, "opts", [])}


@pytest.mark.parametrize(
    "command", ["build", "isochrone", "travel-times", "accessibility", "circles", "overlap", "compare-engines"]
)
def test_every_routing_command_takes_the_network_options_of_the_one_group(command):
    cmd = _commands()[command]
    options = _options(cmd)
    group = NetworkOptions.__dataclass_fields__
    expected = {"osm"} | ({"bbox", "rail_spec", "service_date", "cache_dir"} if command != "compare-engines" else set())
    for name in expected | {"gtfs", "quiet"}:
        assert f"--{name.replace('_', '-')}" in options, f"{command} lacks --{name}"
        assert name in group
    # same help text everywhere: it is one declaration
    helps = {c: _options(cmd_)["--osm"].help for c, cmd_ in _commands().items() if "--osm" in _options(cmd_)}
    # cluster and china take --osm as optional roads of their regional road model
    assert len({h for c, h in helps.items() if c != "cluster" and not c.startswith("china ")}) == 1


@pytest.mark.parametrize("command", ["isochrone", "travel-times", "accessibility", "circles", "overlap"])
def test_transit_commands_share_departure_window_and_access_mode(command):
    options = _options(_commands()[command])
    for name in ("--departure", "--window", "--access-mode"):
        assert name in options, f"{command} lacks {name}"
    assert ("--percentiles" in options) == (command == "travel-times")
    assert ("--percentile" in options) == (command != "travel-times")
    assert ("--arrive-by" in options) == (command != "accessibility")


def test_option_groups_are_declared_only_in_the_options_module():
    """No command module re-declares a group option (one place per option)."""
    shared = {f"--{f.name.replace('_', '-')}" for g in (NetworkOptions, TransitOptions) for f in dataclasses.fields(g)}
    for path in CLI.glob("*.py"):
        if path.name in ("_options.py", "china_rail.py"):  # china_rail: the timetable's own options
            continue
        tree = ast.parse(path.read_text())
        declared = {
            arg.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Option"
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        }
        assert not (declared & shared - {"--osm"}), f"{path.name} re-declares {declared & shared}"


def test_commands_neither_read_files_nor_import_private_cli_helpers():
    reading = {"read_csv", "read_file", "read_parquet", "read_table", "is_file", "read_text", "read_bytes"}
    for path in CLI.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in reading, f"{path.name}:{node.lineno} reads a file ({node.attr})"
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "open":
                raise AssertionError(f"{path.name}:{node.lineno} opens a file")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("access.cli"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name}:{node.lineno} imports private {private} from {node.module}"


def test_grouped_spreads_a_group_and_packs_it_back():
    seen = {}
    sub = typer.Typer()

    @sub.command()
    @grouped
    def probe(*, network: NetworkOptions, transit: Annotated[TransitOptions, Use(omit=("arrive_by",))]) -> None:
        seen["network"], seen["transit"] = network, transit

    result = runner.invoke(sub, ["--osm", "x.pbf", "--gtfs", "a.zip", "--gtfs", "b.zip", "--window", "30", "-q"])
    assert result.exit_code == 0, result.output
    assert seen["network"] == NetworkOptions(osm=Path("x.pbf"), gtfs=[Path("a.zip"), Path("b.zip")], quiet=True)
    assert seen["transit"].window == 30 and seen["transit"].arrive_by is None
    query = seen["transit"].query()
    assert query == {"departure": None, "window_min": 30.0, "percentile": 50, "access_mode": "walk"}
    missing = runner.invoke(sub, ["--window", "30"])
    assert missing.exit_code == 2 and "--osm" in missing.output  # a required group field stays required
    unknown = runner.invoke(sub, ["--osm", "x.pbf", "--arrive-by", "09:00"])
    assert unknown.exit_code == 2  # omitted: not an option of this command


def test_a_use_naming_no_field_of_the_group_is_a_programming_error():
    def probe(*, transit: Annotated[TransitOptions, Use(omit=("speed",))]) -> None: ...

    with pytest.raises(TypeError, match="no field"):
        grouped(probe)


def test_modes_for_adds_the_access_mode_street_network_to_transit():
    from access.network.multimodal import modes_for

    assert modes_for("car") == ("car",)
    assert modes_for("transit") == ("transit",)
    assert modes_for("transit", "car") == ("transit", "car")
    assert modes_for(("walk", "car"), "car") == ("walk", "car")


def test_check_suffix_refuses_an_output_it_cannot_write(tmp_path):
    from access.io.output import check_suffix

    assert check_suffix(tmp_path / "a.GeoJSON") == tmp_path / "a.GeoJSON"
    assert check_suffix(None) is None
    with pytest.raises(InputError, match="cannot write a.txt: use one of .csv, .parquet"):
        check_suffix(tmp_path / "a.txt", (".csv", ".parquet"))


def test_centre_specs_read_station_files_and_keep_the_order_given(tmp_path):
    from access.circles.centres import centre_specs

    stations = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=gpd.points_from_xy([1, 2], [3, 4]), crs=4326)
    stations.to_file(tmp_path / "hubs.geojson")
    specs = centre_specs(["Core City", str(tmp_path / "hubs.geojson")], [(116.4, 39.9)])
    assert list(specs) == ["Core City", "hubs", "116.40000,39.90000"]
    assert specs["Core City"] == "Core City" and specs["116.40000,39.90000"] == (116.4, 39.9)
    assert list(specs["hubs"]["name"]) == ["a", "b"]
    with pytest.raises(InputError, match="does not exist"):
        centre_specs([str(tmp_path / "none.gpkg")])
    with pytest.raises(InputError, match="give a centre"):
        centre_specs([], [])


@pytest.mark.realdata
def test_isochrone_h3_and_raster_outputs_equal_the_library_surfaces(poa_pbf, poa_network, tmp_path):
    """``--h3`` stacks each origin's cells; ``--raster`` writes the surface's minutes (reference:
    the library's per-origin surface, computed here one origin at a time)."""
    from access.surfaces.outputs import surface_h3_cells, travel_time_surface

    points = pd.DataFrame({"id": ["market", "east"], "lon": [MARKET[0], -51.20], "lat": [MARKET[1], -30.04]})
    points.to_csv(tmp_path / "o.csv", index=False)
    out = tmp_path / "cells.parquet"
    args = ["isochrone", "--osm", str(poa_pbf), "--mode", "walk", "--cutoffs", "10", "--h3", "9", "-q"]
    result = runner.invoke(app, [*args, "--origins", str(tmp_path / "o.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = gpd.read_parquet(out)
    for origin, lon, lat in points.itertuples(index=False):
        surface = travel_time_surface(poa_network, (lon, lat), mode="walk", max_time_min=10)
        expected = surface_h3_cells(surface, 9)
        got = cells[cells["origin_id"] == origin].reset_index(drop=True)
        assert list(got["h3"]) == list(expected["h3"])
        # files hold minutes rounded up to the next 0.1 (access.io.rounding, issue 17.7)
        np.testing.assert_allclose(got["travel_time_min"], round_for_output(expected)["travel_time_min"])

    rasterio = pytest.importorskip("rasterio")
    tif = tmp_path / "t.tif"
    lonlat = ["--lon", str(MARKET[0]), "--lat", str(MARKET[1])]
    result = runner.invoke(app, [*args[:-3], "-q", *lonlat, "--raster", str(tif), "--out", str(tmp_path / "i.csv")])
    assert result.exit_code == 0, result.output
    surface = travel_time_surface(poa_network, MARKET, mode="walk", max_time_min=10)
    with rasterio.open(tif) as src:
        np.testing.assert_array_equal(src.read(1), surface.minutes[::-1])
    many = runner.invoke(
        app, [*args[:-3], "--origins", str(tmp_path / "o.csv"), "--raster", str(tif), "--out", "x.csv"]
    )
    assert many.exit_code == 2 and "--raster takes one origin" in many.output
