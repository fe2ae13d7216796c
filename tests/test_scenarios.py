"""Scenarios on a hand-made corridor: validation, round trips, and hand-worked changes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import access
from access._geo import haversine_m
from access.errors import InputError
from access.io.gtfs import write_gtfs_zip
from access.scenarios.apply import apply, build, load_base
from access.scenarios.compare import compare
from access.scenarios.model import Scenario, parse_scenario, read_scenario, write_scenario
from tests.osm_xml import write_osm

DATE = "2025-05-13"
LAT = 30.0
# A 6 km straight primary road, a node every 500 m; stop A at its west end, B at its east end.
LONS = [116.0 + k * 0.5 / (111.32 * np.cos(np.radians(LAT))) for k in range(13)]
A, B = (LONS[0], LAT), (LONS[-1], LAT)
RIDE_S = 600  # A -> B in 10 min


def _feed(path, headway_min=30):
    stops = pd.DataFrame(
        {
            "stop_id": ["A", "M", "B"],
            "stop_name": ["Alpha", "Middle", "Beta"],
            "stop_lat": [LAT] * 3,
            "stop_lon": [A[0], LONS[6], B[0]],
        }
    )
    trips, times = [], []
    for start in range(6 * 3600, 10 * 3600, headway_min * 60):
        for direction, order in ((0, ["A", "M", "B"]), (1, ["B", "M", "A"])):
            trip = f"t{direction}_{start}"
            trips.append(("R1", "daily", trip, direction))
            for k, (stop, offset) in enumerate(zip(order, (0, 300, RIDE_S), strict=True)):
                dwell = 30 if k == 1 else 0
                t = start + offset - (dwell if k == 2 else 0) + (0 if k < 2 else dwell)
                times.append((trip, _hms(t), _hms(t + dwell), stop, k + 1))
    tables = {
        "agency": pd.DataFrame(
            {
                "agency_id": ["x"],
                "agency_name": ["x"],
                "agency_url": ["https://x.invalid"],
                "agency_timezone": ["Asia/Shanghai"],
            }
        ),
        "stops": stops,
        "routes": pd.DataFrame({"route_id": ["R1", "R2"], "route_short_name": ["1", "2"], "route_type": [3, 3]}),
        "trips": pd.DataFrame(
            trips + [("R2", "daily", "r2", 0)], columns=["route_id", "service_id", "trip_id", "direction_id"]
        ),
        "stop_times": pd.DataFrame(
            times + [("r2", "07:00:00", "07:00:00", "M", 1), ("r2", "07:20:00", "07:20:00", "B", 2)],
            columns=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
        ),
        "calendar": pd.DataFrame(
            {
                "service_id": ["daily"],
                **{d: ["1"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
                "start_date": ["20250101"],
                "end_date": ["20251231"],
            }
        ),
    }
    return write_gtfs_zip(tables, path)


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


@pytest.fixture(scope="module")
def corridor(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corridor")
    nodes = {k + 1: (lon, LAT) for k, lon in enumerate(LONS)}
    # a parallel slow track 1 km north, joined at both ends, for road changes
    north = LAT + 1.0 / 111.32
    nodes |= {100 + k: (lon, north) for k, lon in enumerate(LONS)}
    ways = [
        (1, list(range(1, 14)), {"highway": "primary"}),
        (2, list(range(100, 113)), {"highway": "track"}),
        (3, [1, 100], {"highway": "track"}),
        (4, [13, 112], {"highway": "track"}),
    ]
    write_osm(folder / "corridor.osm", nodes, ways)
    _feed(folder / "bus.zip")
    places = pd.DataFrame(
        {
            "id": ["a", "b"],
            "lon": [A[0], B[0]],
            "lat": [LAT, LAT],
            "population": [100, 50],
            "jobs": [10, 1000],
            "class": ["rural", "urban"],
            "county": ["west", "east"],
        }
    )
    places.to_csv(folder / "places.csv", index=False)
    return folder


def _scenario(folder, modifications, **base) -> Scenario:
    data = {
        "name": "t",
        "base": {
            "osm": str(folder / "corridor.osm"),
            "gtfs": [str(folder / "bus.zip")],
            "opportunities": str(folder / "places.csv"),
            "service_date": DATE,
            **base,
        },
        "modifications": modifications,
    }
    return parse_scenario(data)


def _compare(base, after, folder, **kw):
    places = pd.read_csv(folder / "places.csv")
    kw = {"mode": "transit", "departure": "07:00", "window_min": 60, "cutoffs_min": (20,), "centres": {"B": B}, **kw}
    return compare(base, after, places.iloc[[0]], places.iloc[[1]], **kw)


EVERY_KIND = [
    {
        "type": "add_line",
        "spec": {
            "line": "L",
            "stations": [{"name": "P", "lon": A[0], "lat": LAT}, {"name": "Q", "lon": B[0], "lat": LAT}],
            "run_times_min": [5],
            "periods": [{"start": "06:00", "end": "10:00", "headway_min": 15}],
            "start_date": "20250101",
            "end_date": "20251231",
        },
    },
    {
        "type": "add_stops",
        "route": "R1",
        "stops": [{"stop": "N", "between": ["A", "M"], "lon": LONS[3], "lat": LAT}],
        "dwell_min": 1,
    },
    {"type": "remove_stops", "stops": ["Middle"], "routes": ["R2"]},
    {"type": "change_headway", "routes": ["R1"], "periods": [{"start": "07:00", "end": "09:00", "headway_min": 10}]},
    {"type": "change_speed", "routes": ["R1"], "speed_factor": 1.25, "between": ["A", "M"]},
    {"type": "change_station_penalty", "stops": ["Alpha"], "penalty_min": 2},
    {"type": "add_road", "coordinates": [A, (LONS[6], LAT + 0.002), B], "highway": "motorway"},
    {"type": "change_road_speed", "way_ids": [2], "speed_kmh": 40},
    {"type": "remove_route", "routes": ["R2"]},
]


def test_a_scenario_round_trips_through_json_and_yaml(corridor, tmp_path):
    scenario = _scenario(corridor, EVERY_KIND)
    again = Scenario.model_validate_json(scenario.model_dump_json())
    assert again == scenario
    assert [m.type for m in again.modifications] == [m["type"] for m in EVERY_KIND]
    yaml_copy = read_scenario(write_scenario(scenario, tmp_path / "s.yaml"))
    json_copy = read_scenario(write_scenario(scenario, tmp_path / "s.json"))
    assert yaml_copy == scenario == json_copy
    assert json.loads(scenario.model_dump_json())["modifications"][3]["periods"][0]["headway_min"] == 10


def test_every_kind_of_modification_applies_without_touching_the_base(corridor):
    region = load_base(_scenario(corridor, []), progress=False)
    base = region.network
    car_before = base.street("car").travel_s.copy()
    stop_times_before = region.feed.stop_times.copy()
    after = apply(region, _scenario(corridor, EVERY_KIND).modifications)
    assert after is not base and after.street("walk") is base.street("walk"), "unchanged streets are shared"
    np.testing.assert_array_equal(base.street("car").travel_s, car_before)
    pd.testing.assert_frame_equal(region.feed.stop_times, stop_times_before)
    assert after.street("car").n_edges == base.street("car").n_edges + 2
    assert {"rail_l:l:P", "rail_l:l:Q", "bus:N"} <= set(after.transit.stop_id)
    assert "bus:R2" not in set(after.transit.route_id)


@pytest.mark.parametrize(
    ("modification", "message"),
    [
        ({"type": "remove_route", "routes": ["R9"]}, "unknown route R9"),
        (
            {
                "type": "change_headway",
                "routes": ["R1"],
                "periods": [{"start": "07:00", "end": "08:00", "headway_min": 0}],
            },
            "headway_min must be at least",
        ),
        (
            {
                "type": "change_headway",
                "routes": ["R1"],
                "periods": [
                    {"start": "07:00", "end": "08:30", "headway_min": 5},
                    {"start": "08:00", "end": "09:00", "headway_min": 5},
                ],
            },
            "periods overlap",
        ),
        (
            {
                "type": "add_line",
                "spec": {
                    "line": "L",
                    "stations": [{"name": "P", "lon": A[0], "lat": LAT}],
                    "run_times_min": [],
                    "periods": [{"start": "06:00", "end": "07:00", "headway_min": 5}],
                },
            },
            "need at least 2 stations",
        ),
        ({"type": "remove_stops", "stops": ["Nowhere"]}, "unknown stop Nowhere"),
        ({"type": "change_speed", "routes": ["R1"], "speed_factor": 0}, "greater than 0"),
        ({"type": "teleport", "routes": ["R1"]}, "does not match any of the expected tags"),
    ],
)
def test_bad_modifications_fail_with_a_clear_message_before_anything_is_built(corridor, modification, message):
    # the OSM file does not exist: an error about it would mean building had started
    data = {
        "base": {"osm": str(corridor / "missing.osm.pbf"), "gtfs": [str(corridor / "bus.zip")], "service_date": DATE},
        "modifications": [modification],
    }
    with pytest.raises(InputError, match=message) as info:
        build(parse_scenario(data), progress=False)
    assert "missing.osm.pbf" not in str(info.value)
    assert "modification" in str(info.value) or "modifications.0" in str(info.value)


def test_no_modifications_give_exactly_zero_change(corridor):
    base, after = build(_scenario(corridor, []), progress=False)
    assert after is base
    result = _compare(base, after, corridor)
    changes = result.origins.filter(like="_change")
    assert (changes.fillna(0).to_numpy() == 0).all()
    assert result.origins["time_to_b_before"].iloc[0] == pytest.approx(24.0)
    metrics = result.summary.set_index("metric")
    assert (metrics.loc[["winners", "losers"], "value"] == 0).all()
    payload = json.loads(json.dumps(result.to_dict()))  # what an API returns
    assert payload["origins"][0]["time_to_b_change"] == 0 and payload["settings"]["cutoffs_min"] == [20.0]


def test_headway_30_to_10_min_cuts_the_median_wait_by_exactly_ten_minutes(corridor):
    # Departing every minute 07:00-07:59 from stop A, buses at :00 and :30 give waits
    # 0, 29, 28, ..., 1 twice: the 30th smallest of 60 (median, inverted CDF) is 14 min.
    # Every 10 min: waits 0, 9, ..., 1 six times: the 30th smallest is 4 min. Ride: 10 min.
    mod = {
        "type": "change_headway",
        "routes": ["R1"],
        "periods": [{"start": "07:00", "end": "09:00", "headway_min": 10}],
    }
    base, after = build(_scenario(corridor, [mod]), progress=False)
    result = _compare(base, after, corridor).origins.iloc[0]
    assert result["time_to_b_before"] == pytest.approx(24.0)
    assert result["time_to_b_after"] == pytest.approx(14.0)
    assert result["time_to_b_change"] == pytest.approx(-10.0)
    assert result["jobs_20min_before"] == 0 and result["jobs_20min_after"] == 1000
    assert result["time_to_b_status"] == "faster"


def test_a_boarding_penalty_at_the_origin_stop_delays_the_median_by_exactly_that_much(corridor):
    # 5 min at the gate before boarding: waits become 5..34 min (twice), median 19 instead of 14
    mod = {"type": "change_station_penalty", "stops": ["A"], "penalty_min": 5}
    base, after = build(_scenario(corridor, [mod]), progress=False)
    assert after.transit is not base.transit and after.street("walk") is base.street("walk")
    result = _compare(base, after, corridor).origins.iloc[0]
    assert result["time_to_b_change"] == pytest.approx(5.0)


def test_change_speed_divides_run_times_and_keeps_dwell(corridor):
    region = load_base(_scenario(corridor, []), progress=False)
    mod = _scenario(corridor, [{"type": "change_speed", "routes": ["R1"], "speed_factor": 2}]).modifications
    after = apply(region, mod)
    t = after.transit
    p = int(np.flatnonzero(t.route_id[t.pattern_route] == "bus:R1")[0])
    n = t.pattern_stop_ptr[p + 1] - t.pattern_stop_ptr[p]
    first = t.pattern_time_ptr[p]
    arr, dep = t.arrival_s[first : first + n], t.departure_s[first : first + n]
    # base: A dep 0, M arr 300 dep 330, B arr 600 -> runs 300 and 270 halved, dwell 30 kept
    assert list(arr - dep[0]) == [0, 150, 150 + 30 + 135]
    assert dep[1] - arr[1] == 30


def test_added_stop_gets_a_distance_share_of_the_run_and_delays_later_stops(corridor):
    region = load_base(_scenario(corridor, []), progress=False)
    mod = {
        "type": "add_stops",
        "route": "R1",
        "dwell_min": 1,
        "stops": [{"stop": "N", "between": ["A", "M"], "lon": LONS[3], "lat": LAT}],
    }
    after = apply(region, _scenario(corridor, [mod]).modifications)
    t = after.transit
    p = int(np.flatnonzero(t.route_id[t.pattern_route] == "bus:R1")[0])
    stops = t.stop_id[t.pattern_stops[t.pattern_stop_ptr[p] : t.pattern_stop_ptr[p + 1]]]
    first = t.pattern_time_ptr[p]
    arr = t.arrival_s[first : first + len(stops)] - t.departure_s[first]
    if stops[0] == "bus:B":
        pytest.skip("first pattern runs the other way")  # patterns are ordered by first trip
    assert list(stops) == ["bus:A", "bus:N", "bus:M", "bus:B"]
    share = haversine_m(A[0], LAT, LONS[3], LAT) / haversine_m(A[0], LAT, LONS[6], LAT)  # 0.5: N halfway to M
    assert list(arr) == [0, round(share * 300), 300 + 60, 600 + 60]


def test_a_new_road_is_as_fast_as_its_length_and_speed_and_nobody_snaps_onto_it(corridor):
    base, _ = build(_scenario(corridor, []), progress=False)
    # the slow track (15 km/h) gets an 80 km/h bypass from its west to its east end
    north = LAT + 1.0 / 111.32
    west, east = (LONS[0], north), (LONS[-1], north)
    mid = (LONS[6], north + 0.012)  # 1.3 km north of the track
    mod = {"type": "add_road", "coordinates": [west, mid, east], "highway": "trunk", "modes": ["car"]}
    _, after = build(_scenario(corridor, [mod]), progress=False)
    length = haversine_m(west[0], west[1], mid[0], mid[1]) + haversine_m(mid[0], mid[1], east[0], east[1])
    tt = access.travel_times(after, [west], [east], mode="car")["travel_time_min"].iloc[0]
    assert tt == pytest.approx(np.rint(length / (80 / 3.6)) / 60, abs=1 / 60)
    # a village 390 m from the new road and 950 m from the track still snaps to the track:
    # entering the bypass midway would take ~4 min to the east end; the track takes 12
    beside = (LONS[6], north + 0.0085)
    t_base = access.travel_times(base, [beside], [east], mode="car")["travel_time_min"].iloc[0]
    t_after = access.travel_times(after, [beside], [east], mode="car")["travel_time_min"].iloc[0]
    assert t_after == t_base > 12


def test_road_speed_change_on_a_way_sets_its_travel_times(corridor):
    mod = {"type": "change_road_speed", "way_ids": [2], "speed_kmh": 60}
    base, after = build(_scenario(corridor, [mod]), progress=False)
    car, old = after.street("car"), base.street("car")
    on_way = car.way_id == 2
    np.testing.assert_array_equal(car.travel_s[on_way], np.rint(car.length_m[on_way] / (60 / 3.6)))
    np.testing.assert_array_equal(car.travel_s[~on_way], old.travel_s[~on_way])
    assert after.street("walk") is base.street("walk") and after.transit.n_trips == base.transit.n_trips
    with pytest.raises(InputError, match="way ids not in the car network: 77"):
        build(_scenario(corridor, [{"type": "change_road_speed", "way_ids": [77], "factor": 2}]), progress=False)


def test_cli_compare_writes_the_report_folder_and_refuses_bad_scenarios_in_one_line(corridor, tmp_path):
    from typer.testing import CliRunner

    from access.cli import app

    mod = {
        "type": "change_headway",
        "routes": ["R1"],
        "periods": [{"start": "07:00", "end": "09:00", "headway_min": 10}],
    }
    scenario = _scenario(corridor, [mod]).model_copy(
        update={
            "compare": parse_scenario(
                {
                    "base": {"osm": "x"},
                    "compare": {
                        "departure": "07:00",
                        "window_min": 60,
                        "cutoffs_min": [20],
                        "centres": [{"name": "B", "lon": B[0], "lat": LAT}],
                    },
                }
            ).compare
        }
    )
    path = write_scenario(scenario, tmp_path / "scenario.yaml")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["compare", "--scenario", str(path), "--out", str(out), "--no-maps", "--quiet"])
    assert result.exit_code == 0, result.output
    deltas = pd.read_csv(out / "summary.csv")
    assert {"metric", "before", "after", "change", "value"} <= set(deltas.columns)
    import geopandas as gpd

    origins = gpd.read_parquet(out / "deltas.parquet")
    assert origins.set_index("id").loc["a", "time_to_b_change"] == pytest.approx(-10.0)
    assert (out / "report.md").exists() and (out / "report.html").exists()

    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace("headway_min: 10.0", "headway_min: 0.0"), encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", "--scenario", str(bad), "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    assert "headway_min must be at least" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_line_added_to_a_region_without_transit_is_ridden_from_its_stations(corridor):
    line = {
        "type": "add_line",
        "park_and_ride": False,
        "board_penalty_min": 0,
        "spec": {
            "line": "L",
            "stations": [{"name": "P", "lon": A[0], "lat": LAT}, {"name": "Q", "lon": B[0], "lat": LAT}],
            "run_times_min": [5],
            "periods": [{"start": "06:00", "end": "10:00", "headway_min": 15}],
            "start_date": "20250101",
            "end_date": "20251231",
        },
    }
    data = {
        "base": {"osm": str(corridor / "corridor.osm"), "service_date": DATE, "modes": ["walk", "car"]},
        "modifications": [line],
    }
    base, after = build(parse_scenario(data), progress=False)
    assert base.transit is None and after.transit.n_trips == 2 * 16
    # departures every minute 07:00-07:59, trains at :00 :15 :30 :45: waits 0, 14, ..., 1 four
    # times; the 30th smallest of 60 is 7 min, plus the 5-min ride
    result = _compare(base, after, corridor, mode="transit")
    assert result.origins["time_to_b_before"].iloc[0] == pytest.approx(75.0, abs=0.5)  # the walk: 6 km
    assert result.origins["time_to_b_after"].iloc[0] == pytest.approx(12.0)
    assert after.transit_settings.park_ride_stops is None and after.transit.n_parks == 0, "park_and_ride: false"


def test_removed_stops_are_skipped_with_the_other_times_kept(corridor):
    region = load_base(_scenario(corridor, []), progress=False)
    after = apply(
        region, _scenario(corridor, [{"type": "remove_stops", "stops": ["M"], "routes": ["1"]}]).modifications
    )
    t = after.transit
    for p in np.flatnonzero(t.route_id[t.pattern_route] == "bus:R1"):
        stops = t.stop_id[t.pattern_stops[t.pattern_stop_ptr[p] : t.pattern_stop_ptr[p + 1]]]
        assert "bus:M" not in stops and len(stops) == 2
        first = t.pattern_time_ptr[p]
        assert t.arrival_s[first + 1] - t.departure_s[first] == RIDE_S
    # route 2 still serves M: the stop stays in the network
    assert "bus:M" in set(t.stop_id)
    with pytest.raises(InputError, match="stop bus:M is not served by routes bus:R1"):
        apply(
            region, _scenario(corridor, [{"type": "remove_stops", "stops": ["M"], "routes": ["1"]}] * 2).modifications
        )
