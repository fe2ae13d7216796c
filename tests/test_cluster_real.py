"""Real data: China's 279 prefectures (2010 census) with the Beijing-Tianjin and
Shanghai-Nanjing intercity lines written from public facts (gtfs_samples/)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from access._geo import haversine_m
from access.config import RegionalSettings
from access.io.places import read_places
from access.io.rail_spec import read_rail_spec, spec_trip_minutes
from access.regional.cluster import cluster_circles
from access.regional.network import RegionalNetwork
from access.sample.china_lines import china_line_specs, write_china_lines
from tests.conftest import require_data

SAMPLES = Path(__file__).resolve().parents[1] / "gtfs_samples"
BJ_TJ = SAMPLES / "beijing_tianjin_intercity.yaml"
SH_NJ = SAMPLES / "shanghai_nanjing_intercity.yaml"


@pytest.fixture(scope="module")
def prefectures():
    return read_places(require_data("china/prefectures_cityinfo.csv"), units=10_000)


@pytest.fixture(scope="module")
def raw_rows():
    with open(require_data("china/prefectures_cityinfo.csv"), encoding="utf-8") as f:
        return {row["cityname_eng"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def beijing(prefectures):
    return cluster_circles(RegionalNetwork.build(prefectures, rail_specs=[BJ_TJ]), "Beijing", cutoffs_min=(60, 120))


def _time(result, name: str, column: str) -> float:
    m = result.members
    return float(m.loc[m["name"] == name, column].iloc[0])


def test_committed_line_specs_are_current(tmp_path):
    write_china_lines(tmp_path)
    for name in china_line_specs():
        assert (tmp_path / name).read_text(encoding="utf-8") == (SAMPLES / name).read_text(encoding="utf-8"), name


def test_line_specs_match_the_published_run_times():
    assert spec_trip_minutes(read_rail_spec(BJ_TJ), "nonstop") == 30.0  # 30 min non-stop since 2008
    assert 60 <= spec_trip_minutes(read_rail_spec(SH_NJ), "nonstop") <= 75  # ~1 h 13 min non-stop
    lengths = {}
    for path in (BJ_TJ, SH_NJ):
        spec = read_rail_spec(path)
        km = sum(
            float(haversine_m(a.lon, a.lat, b.lon, b.lat)) / 1000
            for a, b in zip(spec.stations[:-1], spec.stations[1:], strict=True)
        )  # straight lines between consecutive stations
        lengths[path.name] = km
    assert 100 <= lengths[BJ_TJ.name] <= 125  # ~120 km
    assert 270 <= lengths[SH_NJ.name] <= 310  # ~300 km


def test_line_stations_use_the_12306_station_coordinates():
    path = require_data("china_rail/cn_stations_wgs84.csv")
    with open(path, encoding="utf-8") as f:
        table = {row["站名"]: (float(row["WGS84_Lng"]), float(row["WGS84_Lat"])) for row in csv.DictReader(f)}
    for sample in (BJ_TJ, SH_NJ):
        for station in yaml.safe_load(sample.read_text(encoding="utf-8"))["stations"]:
            assert (station["lon"], station["lat"]) == pytest.approx(table[station["name"]], abs=1e-6)


def test_langfang_is_inside_beijings_one_hour_road_circle(beijing):
    assert _time(beijing, "Langfang", "road_min") <= 60
    row = beijing.circles.query("mode == 'road' and cutoff_min == 60").iloc[0]
    assert "Langfang" in row["places"].split(", ")


def test_tianjin_is_outside_one_hour_by_road_and_the_door_to_door_hsr_time_is_hand_checked(beijing, raw_rows):
    assert _time(beijing, "Tianjin", "road_min") > 60
    # Hand-worked door-to-door Tianjin -> Beijing by the default rules: drive to Tianjin
    # station, 15-min station penalty, a median wait, 30 min non-stop, drive from Beijing South.
    s = RegionalSettings()

    def drive_min(lon1, lat1, lon2, lat2):
        km = (
            6_371.009
            * 2
            * math.asin(
                math.sqrt(
                    math.sin(math.radians(lat2 - lat1) / 2) ** 2
                    + math.cos(math.radians(lat1))
                    * math.cos(math.radians(lat2))
                    * math.sin(math.radians(lon2 - lon1) / 2) ** 2
                )
            )
            * 1.3
        )
        return min(km, 5) / 30 * 60 + min(max(km - 5, 0), 15) / 60 * 60 + max(km - 20, 0) / 90 * 60

    tj, bj = raw_rows["Tianjin"], raw_rows["Beijing"]
    access = drive_min(float(tj["coord_long"]), float(tj["coord_lat"]), 117.203822, 39.134632)
    egress = drive_min(116.372828, 39.863505, float(bj["coord_long"]), float(bj["coord_lat"]))
    # Departures from Tianjin every 12 min in the peak (07:00-07:59 window); the ready time
    # is access + 15 min after leaving; the median over the 60 departure minutes of the
    # wait for the next 30-min train.
    ready = 7 * 60 + access + s.min_transfer_min + (15 - s.min_transfer_min)
    trains = np.arange(6 * 60 + 30, 9 * 60 + 30, 12)
    waits = []
    for t0 in range(7 * 60, 8 * 60):
        r = ready - 7 * 60 + t0
        depart = trains[trains >= r - 1e-9][0]
        waits.append(depart + 30 + egress - t0)
    expected = float(np.sort(waits)[int(math.ceil(0.5 * 60)) - 1])
    assert _time(beijing, "Tianjin", "road_rail_min") == pytest.approx(expected, abs=1 / 60)
    assert 60 < expected < 80  # door to door, a strict 1-h circle does not reach Tianjin centre


def test_tianjin_is_inside_beijings_one_hour_road_hsr_circle_for_commuters(prefectures):
    # Commuter profile: the Jing-Jin "railway e-card" (2019) lets season-ticket holders scan
    # in like the metro, so 5 min from the station entrance to the train (gates close 5 min
    # before departure); they leave home for a chosen train (best departure of the window).
    settings = RegionalSettings(station_penalty_min=5)
    net = RegionalNetwork.build(prefectures, rail_specs=[BJ_TJ], settings=settings)
    result = cluster_circles(net, "Beijing", cutoffs_min=(60,), percentile=1)
    row = result.circles.query("mode == 'road+rail'").iloc[0]
    assert "Tianjin" in row["places"].split(", ")
    road = result.circles.query("mode == 'road'").iloc[0]
    assert "Tianjin" not in road["places"].split(", ")


def test_population_inside_beijings_two_hour_circle_is_the_sum_of_its_places(beijing, raw_rows):
    for mode in ("road", "road+rail"):
        circles = beijing.circles
        row = circles[(circles["mode"] == mode) & (circles["cutoff_min"] == 120)].iloc[0]
        names = row["places"].split(", ")
        assert {"Beijing", "Tianjin", "Langfang"} <= set(names)
        expected = sum(float(raw_rows[n]["cpop2010"]) * 10_000 for n in names)
        assert row["population"] == pytest.approx(expected)
        assert row["n_places"] == len(names)


def test_the_shanghai_nanjing_line_brings_nanjing_into_shanghais_two_hour_circle(prefectures):
    without = cluster_circles(RegionalNetwork.build(prefectures), "Shanghai", cutoffs_min=(120,))
    with_line = cluster_circles(RegionalNetwork.build(prefectures, rail_specs=[SH_NJ]), "Shanghai", cutoffs_min=(120,))
    assert _time(without, "Nanjing", "road_rail_min") > 120
    assert _time(with_line, "Nanjing", "road_rail_min") <= 120
    before = without.circles.query("mode == 'road+rail'")["population"].iloc[0]
    after = with_line.circles.query("mode == 'road+rail'")["population"].iloc[0]
    assert after > before
