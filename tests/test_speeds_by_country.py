"""Car speeds follow the country of the data (17.5): legal defaults by road type where no
``maxspeed`` is tagged, China's cited table in China, overrides from a file or the CLI.

Published figures the tests check: Germany's StVO § 3 (3) — cars 50 km/h inside built-up
areas, 100 km/h outside; Finland's general limits (Tieliikennelaki, 50 in built-up areas,
80 elsewhere, 120 on motorways in summer); the US 25 mph statutory residential limit of
most states (40.23 km/h). Edge times are checked against length / speed by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import access
from access.cli import app
from access.config import CAR_SPEEDS_KMH, StreetSettings
from access.io.osm import read_osm_ways
from access.network._rules import country_car_speeds_kmh, detect_country, parse_maxspeed_kmh
from tests.conftest import require_data
from tests.osm_xml import write_osm

BAVARIA = "osm/osmnx_planet_10.068_48.135_10.071_48.137.osm"
KOUVOLA = "osm/pyrosm_test.osm.pbf"
CHINA = [
    "china_osm/beijing_haidian_thu_pku.osm",
    "china_osm/beijing_yizhuang.osm",
    "china_osm/hangzhou_zijingang.osm",
    "china_osm/shanghai_jingan_osmnx.osm",
    "china_osm/shenzhen_longgang.osm",
]


def _untagged_class_speeds(path, network) -> dict[str, set[float]]:
    """Speeds (km/h) implied by the car edges of ways without maxspeed, by highway class:
    the edge time must be rint(length / speed), so each class maps to one speed."""
    ways = read_osm_ways(path).ways
    car = network.street("car")
    found: dict[str, set[float]] = {}
    table = network.source["car_speeds"]["table"]
    untagged = ways[ways["maxspeed"].isna() & ways["maxspeed:forward"].isna() & ways["maxspeed:backward"].isna()]
    for highway, group in untagged.groupby("highway"):
        if highway not in table:
            continue
        edges = np.flatnonzero(np.isin(car.way_id, group["way_id"].to_numpy()))
        if len(edges) == 0:
            continue
        kmh = table[highway]
        expected = np.rint(car.length_m[edges].astype(np.float64) / (kmh / 3.6))
        # float32 lengths: a rint tie may fall either way
        assert np.all(np.abs(car.travel_s[edges] - expected) <= 1), highway
        found[highway] = {kmh}
    return found


def test_rural_bavaria_gets_germanys_limits():
    path = require_data(BAVARIA)
    net = access.build_network(path, modes=("car",), progress=False, cache=False)
    info = net.source["car_speeds"]
    assert info["country"] == "DE" and "detected" in info["source"]
    # StVO § 3 (3): 50 km/h in built-up areas (residential streets), 100 outside
    assert info["table"]["residential"] == 50 and info["table"]["unclassified"] == 100
    classes = _untagged_class_speeds(path, net)
    assert classes["residential"] == {50.0} and classes["track"] == {15.0}
    assert info["table"] != dict(CAR_SPEEDS_KMH)


def test_finnish_extract_gets_finlands_limits():
    path = require_data(KOUVOLA)
    net = access.build_network(path, modes=("car",), progress=False, cache=False)
    info = net.source["car_speeds"]
    assert info["country"] == "FI"
    # general limits: 50 km/h in built-up areas, 80 outside, motorways 120 (summer)
    assert (info["table"]["residential"], info["table"]["secondary"], info["table"]["motorway"]) == (50, 80, 120)
    assert info["table"]["motorway_link"] == 60, "ramps at half their road's speed"
    classes = _untagged_class_speeds(path, net)
    assert classes["residential"] == {50.0}


@pytest.mark.parametrize("relative", CHINA)
def test_chinese_extracts_keep_chinas_cited_defaults(relative):
    net = access.build_network(require_data(relative), modes=("car",), progress=False, cache=False)
    info = net.source["car_speeds"]
    assert info["country"] == "CN"
    assert info["table"] == dict(CAR_SPEEDS_KMH)


def test_us_residential_default_is_25_mph():
    assert country_car_speeds_kmh("US")["residential"] == pytest.approx(25 * 1.609344, abs=0.01)
    net = access.build_network(require_data("osm/osmnx_west_oakland.osm.bz2"), modes=("car",), progress=False)
    assert net.source["car_speeds"]["country"] == "US"


def test_country_detection_and_unknown_places_fall_back_to_china(tmp_path):
    assert detect_country([26.95], [60.53]) == "FI"
    assert detect_country([116.31], [39.99]) == "CN"
    assert detect_country([-51.22], [-30.03]) == "BR"
    assert detect_country([114.2091], [22.6902]) == "CN", "Shenzhen Longgang, 16 km from Hong Kong"
    assert detect_country([114.17], [22.32]) == "HK"
    assert detect_country([7.81], [48.57]) == "DE" and detect_country([7.75], [48.58]) == "FR"  # Kehl / Strasbourg
    assert detect_country([-30.0], [0.0]) is None, "mid-Atlantic: no country"
    path = write_osm(
        tmp_path / "sea.osm",
        {1: (-30.0, 0.0), 2: (-30.0, 0.001), 3: (-30.0, 0.002)},
        [(1, [1, 2, 3], {"highway": "residential"})],
    )
    info = access.build_network(path, modes=("car",), progress=False, cache=False).source["car_speeds"]
    assert info["country"] is None and "unknown" in info["source"] and info["table"] == dict(CAR_SPEEDS_KMH)
    forced = access.build_network(
        path, modes=("car",), progress=False, cache=False, settings=StreetSettings(country="DE")
    )
    assert forced.source["car_speeds"]["table"]["residential"] == 50


def test_given_table_and_overrides_win_and_survive_the_cache(tmp_path):
    path = require_data(BAVARIA)
    settings = StreetSettings(car_speed_overrides_kmh={"residential": 30.0})
    first = access.build_network(path, modes=("car",), progress=False, settings=settings, cache_dir=tmp_path)
    again = access.build_network(path, modes=("car",), progress=False, settings=settings, cache_dir=tmp_path)
    assert first.source["car_speeds"] == again.source["car_speeds"], "the table is read back from the cache"
    assert np.array_equal(first.street("car").travel_s, again.street("car").travel_s)
    assert again.source["car_speeds"]["table"]["residential"] == 30 and again.source["car_speeds"]["country"] == "DE"
    own = dict(CAR_SPEEDS_KMH, residential=42.0)
    given = access.build_network(
        path, modes=("car",), progress=False, cache=False, settings=StreetSettings(car_speeds_kmh=own)
    )
    assert given.source["car_speeds"]["table"] == own and given.source["car_speeds"]["source"] == "given table"
    with pytest.raises(access.InputError, match="300"):
        access.build_network(
            path,
            modes=("car",),
            progress=False,
            cache=False,
            settings=StreetSettings(car_speed_overrides_kmh={"x": 900}),
        )


def test_implicit_country_zone_tags_parse():
    assert parse_maxspeed_kmh("DE:rural") == 100
    assert parse_maxspeed_kmh("AT:urban") == 50
    assert parse_maxspeed_kmh("FI:motorway") == 120
    assert np.isnan(parse_maxspeed_kmh("XX:rural"))


def test_cli_build_prints_the_table_and_takes_overrides(tmp_path):
    path = require_data(BAVARIA)
    runner = CliRunner()
    out = runner.invoke(app, ["build", "--osm", str(path), "--modes", "car", "--cache-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "car speeds (DE (detected)" in out.output and "residential 50" in out.output
    table = tmp_path / "speeds.csv"
    table.write_text("highway,kmh\nresidential,35\nservice,10\ntrack,12\n")
    out = runner.invoke(
        app,
        [
            "build",
            "--osm",
            str(path),
            "--modes",
            "car",
            "--cache-dir",
            str(tmp_path),
            "--speeds",
            str(table),
            "--car-speed",
            "track=20",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "given table" in out.output and "residential 35" in out.output and "track 20" in out.output
    yaml_table = tmp_path / "speeds.yaml"
    yaml_table.write_text(json.dumps({"residential": 45}))
    out = runner.invoke(app, ["build", "--osm", str(path), "--modes", "car", "--speeds", str(yaml_table), "-q"])
    assert out.exit_code == 0
    bad = runner.invoke(app, ["build", "--osm", str(path), "--modes", "car", "--car-speed", "residential"])
    assert bad.exit_code == 2 and "highway=kmh" in bad.output
