"""The public surface: a few nouns and verbs, one default mode, one point reader, the China and
cluster helpers in their own namespaces, every name documented, every 0.1 name a deprecated
alias of the same object."""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import access
import access.china
import access.regional
from access.config import DEFAULT_MODE
from access.errors import InputError
from tests.conftest import require_data

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _public_api_section() -> str:
    match = re.search(r"^## Public API\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, "README has no '## Public API' section"
    return match.group(1)


def test_the_surface_is_a_few_nouns_and_verbs():
    # 30 nouns and verbs, plus the train's r5r itineraries (2) and accessibility-package
    # measures (8) that joined the surface on purpose
    assert len(access.__all__) <= 40
    for noun in ("Network", "StreetNetwork", "TransitNetwork", "TransitSettings", "Scenario", "CommutingCircles"):
        assert noun in access.__all__
    for verb in ("build_network", "read_points", "travel_times", "isochrones", "accessibility", "compare"):
        assert verb in access.__all__
    assert "travel_time_matrix" not in access.__all__ and "read_places" not in access.__all__


@pytest.mark.parametrize("namespace", [access, access.china, access.regional])
def test_every_public_name_is_documented_in_code_and_in_the_readme(namespace):
    section = _public_api_section()
    prefix = "" if namespace is access else namespace.__name__.removeprefix("access.") + "."
    for name in namespace.__all__:
        value = getattr(namespace, name)
        if inspect.isclass(value) or inspect.isroutine(value):
            assert (value.__doc__ or "").strip(), f"{namespace.__name__}.{name} has no docstring"
        assert f"`{prefix}{name}`" in section, f"README's Public API does not list {prefix}{name}"


@pytest.mark.parametrize("old", sorted(access._DEPRECATED))
def test_every_0_1_name_is_a_deprecated_alias_of_its_new_home(old):
    target, _ = access._DEPRECATED[old]
    module, _, name = target.partition(":")
    with pytest.warns(DeprecationWarning, match=f"access.{old} is deprecated"):
        value = getattr(access, old)
    assert value is getattr(importlib.import_module(module), name)


def test_renamed_scenario_base_keeps_its_old_names_for_a_release():
    from access.scenarios import apply

    with pytest.warns(DeprecationWarning, match="Region is deprecated"):
        assert apply.Region is apply.ScenarioBase
    with pytest.warns(DeprecationWarning, match="load_region is deprecated"):
        assert apply.load_region is apply.load_base


def test_china_and_cluster_helpers_live_in_their_namespaces():
    from access.china.rail import load_china_rail
    from access.crs import gcj02_to_wgs84
    from access.regional.cluster import cluster_circles

    assert access.china.load_china_rail is load_china_rail
    assert access.china.gcj02_to_wgs84 is gcj02_to_wgs84
    assert access.regional.cluster_circles is cluster_circles
    assert access.regional.RegionalSettings is access.config.RegionalSettings
    assert not {n for n in access.__all__ if "china" in n.lower() or "cluster" in n.lower() or "regional" in n.lower()}


def _mode_default(function) -> object:
    return inspect.signature(function).parameters["mode"].default


def test_every_verb_defaults_to_the_one_mode_in_config():
    verbs = [access.travel_times, access.isochrones, access.travel_time_surface, access.accessibility, access.compare]
    assert DEFAULT_MODE == "car"
    for verb in verbs:
        assert _mode_default(verb) == DEFAULT_MODE, verb.__name__
    assert access.CircleDefinition().mode == DEFAULT_MODE  # commuting_circles' definition
    from access.circles.circles import centre_travel_times
    from access.routing.scale import travel_time_matrix

    assert _mode_default(centre_travel_times) == _mode_default(travel_time_matrix) == DEFAULT_MODE


def test_cli_commands_default_to_the_same_mode():
    import typer

    from access.cli import app

    group = typer.main.get_command(app)
    for command in ("isochrone", "travel-times", "accessibility"):
        mode = next(p for p in group.commands[command].params if p.name == "mode")
        assert mode.default == DEFAULT_MODE, command


@pytest.mark.realdata
def test_read_points_presets_equal_the_readers_they_replace():
    from access.io.opportunities import read_opportunities
    from access.io.places import read_places
    from access.io.points import read_points as read_point_file

    grid = require_data("poa/poa_hexgrid.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty cells counted as 0, warned by both
        pd.testing.assert_frame_equal(
            access.read_points(grid, preset="opportunities", h3=True), read_opportunities(grid, h3=True)
        )
    pois = require_data("poa/poa_points_of_interest.csv")
    pd.testing.assert_frame_equal(access.read_points(pois), read_point_file(pois))
    prefectures = require_data("china/prefectures_cityinfo.csv")
    places = access.read_points(prefectures, preset="places", units=10_000)
    pd.testing.assert_frame_equal(places, read_places(prefectures, units=10_000))
    raw = pd.read_csv(prefectures)  # cpop2010 in units of 10,000 people (Ma & Tang 2024 table)
    beijing = places.loc[places["name"] == "Beijing", "population"].iloc[0]
    assert beijing == pytest.approx(raw.loc[raw["cityname_eng"] == "Beijing", "cpop2010"].iloc[0] * 10_000)


def test_read_points_zones_keep_polygons_and_refuse_unknown_presets(tmp_path):
    squares = gpd.GeoDataFrame(
        {"id": ["a", "b"], "population": [10, 20]},
        geometry=gpd.GeoSeries.from_wkt(["POLYGON((0 0,1 0,1 1,0 1,0 0))", "POLYGON((1 0,2 0,2 1,1 1,1 0))"]),
        crs=4326,
    )
    squares.to_file(tmp_path / "z.geojson")
    zones = access.read_points(tmp_path / "z.geojson", preset="zones")
    assert list(zones.geom_type) == ["Polygon", "Polygon"] and list(zones["population"]) == [10, 20]
    frame = access.read_points(pd.DataFrame({"id": [1], "lon": [1.5], "lat": [0.5]}), preset="zones")
    np.testing.assert_allclose([frame.geometry.x[0], frame.geometry.y[0]], [1.5, 0.5])
    with pytest.raises(InputError, match="unknown preset 'counties'.*points, opportunities, places, zones"):
        access.read_points(tmp_path / "z.geojson", preset="counties")
    with pytest.raises(InputError, match="preset='places'.*units"):
        access.read_points(tmp_path / "z.geojson", preset="places", h3=True)


@pytest.mark.realdata
def test_travel_time_matrix_is_travel_times_in_batches(poa_network):
    points = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))[["id", "lon", "lat"]].head(12)
    one = access.travel_times(poa_network, points, mode="walk", max_time_min=30)
    batched = access.travel_times(poa_network, points, mode="walk", max_time_min=30, batch_size=5)
    with pytest.warns(DeprecationWarning, match="one operation"):
        old = access.travel_time_matrix(poa_network, points, mode="walk", max_time_min=30, batch_size=5)
    pd.testing.assert_frame_equal(batched, one)
    pd.testing.assert_frame_equal(old, one)


def _readme_references() -> set[str]:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    return {m for block in blocks for m in re.findall(r"\baccess(?:\.[A-Za-z_]\w*)+", block)}


@pytest.mark.parametrize("reference", sorted(_readme_references()))
def test_the_python_calls_the_readme_documents_resolve(reference):
    """Every ``access.x.y`` the README's Python examples use exists (0.1 names with a
    DeprecationWarning)."""
    parts = reference.split(".")
    obj = access
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for k, part in enumerate(parts[1:], start=1):
            if not hasattr(obj, part) and inspect.ismodule(obj):
                importlib.import_module(".".join(parts[: k + 1]))
            obj = getattr(obj, part)
