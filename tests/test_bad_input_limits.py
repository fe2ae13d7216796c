"""Rail specs and scenarios: every number within its documented bound (access.config), a
cap on the trips a spec expands to, unique trip ids for any headway."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from typer.testing import CliRunner

from access import config
from access.cli import app
from access.errors import InputError
from access.io.gtfs import read_gtfs
from access.io.rail_spec import _departures, parse_rail_spec, rail_spec_to_gtfs
from access.scenarios.model import parse_scenario
from tests.conftest import require_data

runner = CliRunner()


def _stations() -> list[dict]:
    table = pd.read_csv(require_data("china_rail/cn_stations_wgs84.csv")).set_index("站名")
    return [
        {"name": n, "lon": float(table.loc[n, "WGS84_Lng"]), "lat": float(table.loc[n, "WGS84_Lat"])}
        for n in ("北京南", "武清", "天津")
    ]


def _spec(**changes) -> dict:
    return {
        "line": "Beijing-Tianjin intercity",
        "route_id": "jingjin",
        "stations": _stations(),
        "run_times_min": [19.0, 11.0],
        "periods": [{"start": "06:30", "end": "09:30", "headway_min": 12}],
        **changes,
    }


def _scenario(*mods: dict) -> dict:
    return {"base": {"osm": "region.osm.pbf"}, "modifications": list(mods)}


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"periods": [{"start": "06:00", "end": "07:00", "headway_min": 0.999}]}, "at least 1 minute"),
        ({"periods": [{"start": "06:00", "end": "07:00", "headway_min": NAN}]}, "finite number"),
        ({"periods": [{"start": "00:00", "end": "48:01", "headway_min": 10}]}, "past 48:00"),
        ({"first_train": "49:00"}, "past 48:00"),
        ({"dwell_min": 60.5}, "less than or equal to 60"),
        ({"dwell_min": 1e308}, "less than or equal to 60"),
        ({"dwell_min": INF}, "finite number"),
        ({"accel_decel_min": 31}, "less than or equal to 30"),
        ({"accel_decel_min": NAN}, "finite number"),
        ({"detour_factor": NAN}, "finite number"),
        ({"run_times_min": [19.0, NAN]}, "finite number"),
        ({"run_times_min": [19.0, 2000.0]}, "at most 1440"),
        ({"run_times_min": None, "design_speed_kmh": INF}, "finite number"),
        ({"route_type": 99999}, "less than or equal to 1799"),
        ({"start_date": "2025"}, "pattern"),
        ({"start_date": "20260101", "end_date": "20250101"}, "after end_date"),
        ({"periods": [{"start": "06:00", "end": "07:00", "headway_min": 10}] * 101}, "at most 100"),
        ({"patterns": [{"name": "a", "stops": ["北京南", "天津"]}] * 2}, "pattern names must be unique"),
    ],
)
def test_every_number_of_a_rail_spec_is_bounded(changes, words):
    with pytest.raises(InputError, match=words):
        parse_rail_spec(_spec(**changes))


@pytest.mark.parametrize("field, value", [("lon", NAN), ("lat", INF), ("lon", 181.0), ("lat", -90.5)])
def test_station_coordinates_must_be_finite_degrees(field, value):
    stations = _stations()
    stations[1][field] = value
    with pytest.raises(InputError, match=r"stations\.1"):
        parse_rail_spec(_spec(stations=stations))


def test_swapped_station_coordinates_are_named_as_such():
    stations = _stations()
    stations[0]["lon"], stations[0]["lat"] = stations[0]["lat"], stations[0]["lon"]
    with pytest.raises(InputError, match="are lon and lat swapped"):
        parse_rail_spec(_spec(stations=stations))


def test_the_bounds_themselves_are_accepted():
    spec = parse_rail_spec(
        _spec(
            periods=[{"start": "00:00", "end": "48:00", "headway_min": config.MIN_HEADWAY_MIN}],
            dwell_min=config.MAX_DWELL_MIN,
            accel_decel_min=config.MAX_ACCEL_DECEL_MIN,
        )
    )
    assert len(_departures(spec)) == 48 * 60  # 00:00 inclusive to 48:00 exclusive, every minute


def test_the_trip_count_used_by_the_cap_is_the_one_the_expansion_makes():
    spec = parse_rail_spec(
        _spec(
            periods=[
                {"start": "06:00", "end": "10:00", "headway_min": 7.5},
                {"start": "08:00", "end": "12:00", "headway_min": 5},  # overlaps: shared departures count once
            ],
            patterns=[
                {"name": "all", "stops": ["北京南", "武清", "天津"]},
                {"name": "fast", "stops": ["北京南", "天津"]},
            ],
        )
    )
    tables = rail_spec_to_gtfs(spec)
    # brute force: the departure minutes of both periods as a set
    minutes = {6 * 60 + 7.5 * k for k in range(32)} | {8 * 60 + 5 * k for k in range(48)}
    assert len(_departures(spec)) == len(minutes)
    assert len(tables["trips"]) == len(minutes) * 2 * 2  # x directions x patterns
    assert len(tables["stop_times"]) == len(minutes) * 2 * (3 + 2)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def test_a_spec_at_the_trip_cap_is_accepted_and_one_departure_more_is_refused():
    patterns = [{"name": f"p{k}", "stops": ["北京南", "天津"]} for k in range(4)]
    departures = config.MAX_SPEC_TRIPS // (2 * len(patterns))  # 2,500 a direction and pattern
    at_cap = [{"start": "01:00", "end": _clock(60 + departures), "headway_min": 1}]
    parse_rail_spec(_spec(periods=at_cap, patterns=patterns))
    over = [{**at_cap[0], "end": _clock(60 + departures + 1)}]
    with pytest.raises(InputError, match=f"{config.MAX_SPEC_TRIPS + 8:,} trips"):
        parse_rail_spec(_spec(periods=over, patterns=patterns))


def test_the_stop_time_cap_counts_stations_too():
    stations = [{"name": f"S{k}", "lon": 116.0 + k * 0.02, "lat": 39.0} for k in range(300)]
    spec = {"line": "long", "stations": stations, "design_speed_kmh": 200}
    spec["periods"] = [{"start": "05:00", "end": "23:00", "headway_min": 1}]  # 1,080 x 2 = 2,160 trips
    with pytest.raises(InputError, match="648,000 stop times"):
        parse_rail_spec(spec)


@pytest.mark.parametrize("headway", [1, 1.5, 2.25, 10 / 3, 7.1, 59.99])
def test_trip_ids_are_unique_for_any_headway_and_every_trip_survives_reading(headway, tmp_path):
    spec = parse_rail_spec(
        _spec(
            periods=[
                {"start": "06:00", "end": "08:00", "headway_min": headway},
                {"start": "07:00", "end": "09:00", "headway_min": headway + 0.5},
            ]
        )
    )
    tables = rail_spec_to_gtfs(spec)
    ids = tables["trips"]["trip_id"]
    assert ids.is_unique
    assert set(tables["stop_times"]["trip_id"]) == set(ids)
    feed = read_gtfs(tables, service_date="2025-05-13")
    assert len(feed.trips) == len(ids), "no trip is dropped as a duplicate"


def test_rail_spec_to_gtfs_on_a_90_second_headway_writes_no_duplicate_ids(tmp_path):
    import yaml

    path = tmp_path / "line.yaml"
    path.write_text(
        yaml.safe_dump(_spec(periods=[{"start": "06:00", "end": "14:18", "headway_min": 1.5}]), allow_unicode=True),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rail-spec", "to-gtfs", str(path), str(tmp_path / "line.zip"), "-q"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "line.zip") as archive:
        trips = pd.read_csv(archive.open("trips.txt"), dtype=str)
    assert len(trips) == 332 * 2 and trips["trip_id"].is_unique  # 498 min / 1.5 = 332 departures a direction


def test_sub_minute_headways_are_refused_by_the_cli_in_one_line(tmp_path):
    import yaml

    path = tmp_path / "line.yaml"
    path.write_text(yaml.safe_dump(_spec(periods=[{"start": "06:00", "end": "07:00", "headway_min": 0.1}])))
    result = runner.invoke(app, ["rail-spec", "to-gtfs", str(path), str(tmp_path / "line.zip"), "-q"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "headway_min must be at least 1 minute" in result.stderr
    assert not (tmp_path / "line.zip").exists()


# -- scenarios --------------------------------------------------------------------------------


_ROAD = [[-51.2278, -30.0276], [-51.2100, -30.0300]]


@pytest.mark.parametrize(
    "mod, words",
    [
        ({"type": "add_road", "coordinates": [[NAN, -30.0], _ROAD[1]]}, "finite number"),
        ({"type": "add_road", "coordinates": [[-51.2, INF], _ROAD[1]]}, "finite number"),
        ({"type": "add_road", "coordinates": [[-30.0, -151.2], _ROAD[1]]}, "not lon, lat in degrees"),
        ({"type": "add_road", "coordinates": [[-51.2, 95.0], _ROAD[1]]}, "not lon, lat"),
        ({"type": "add_road", "coordinates": [_ROAD[0], _ROAD[0]]}, "two distinct points"),
        ({"type": "add_road", "coordinates": _ROAD * 5001}, "at most 10000"),
        ({"type": "add_road", "coordinates": _ROAD, "speed_kmh": NAN}, "finite number"),
        ({"type": "add_line", "spec": _spec(dwell_min=1e308)}, "spec.dwell_min"),
        (
            {"type": "add_line", "spec": _spec(periods=[{"start": "00:00", "end": "99:59", "headway_min": 0.001}])},
            "spec.periods.0",
        ),
        ({"type": "add_line", "spec": "line.yaml", "board_penalty_min": 1e9}, "less than or equal to 240"),
        (
            {"type": "add_stops", "route": "R", "stops": [{"stop": "n", "between": ["a", "b"], "lon": NAN, "lat": 0}]},
            "finite",
        ),  # fmt: skip
        (
            {"type": "add_stops", "route": "R", "stops": [{"stop": "n", "between": ["a", "b"]}], "dwell_min": 1e308},
            "60",
        ),  # fmt: skip
        (
            {
                "type": "change_headway",
                "routes": ["R"],
                "periods": [{"start": "06:00", "end": "07:00", "headway_min": 0.5}],
            },
            "at least 1 minute",
        ),  # fmt: skip
        (
            {
                "type": "change_headway",
                "routes": ["R"],
                "periods": [{"start": "06:00", "end": "50:00", "headway_min": 5}],
            },
            "past 48:00",
        ),  # fmt: skip
        (
            {
                "type": "change_headway",
                "routes": [f"R{k}" for k in range(8)],
                "periods": [{"start": "00:00", "end": "48:00", "headway_min": 1}],
            },
            "at most 20,000",
        ),  # fmt: skip
        ({"type": "change_speed", "routes": ["R"], "speed_factor": NAN}, "finite"),
        ({"type": "change_station_penalty", "routes": ["R"], "penalty_min": INF}, "finite"),
        ({"type": "change_road_speed", "bbox": [-51.1, -30.0, -51.3, -30.1], "factor": 2}, "min < max"),
        ({"type": "change_road_speed", "way_ids": [1], "factor": NAN}, "finite"),
    ],
)
def test_a_scenario_that_could_never_be_used_is_refused_at_parse_time(mod, words):
    with pytest.raises(InputError, match=words):
        parse_scenario(_scenario(mod))


def test_a_scenario_may_hold_at_most_max_modifications():
    mod = {"type": "remove_route", "routes": ["R"]}
    parse_scenario(_scenario(*[mod] * config.MAX_MODIFICATIONS))
    with pytest.raises(InputError, match=f"at most {config.MAX_MODIFICATIONS}"):
        parse_scenario(_scenario(*[mod] * (config.MAX_MODIFICATIONS + 1)))


def test_compare_settings_and_centres_refuse_non_finite_numbers():
    with pytest.raises(InputError, match="finite"):
        parse_scenario({**_scenario(), "compare": {"centres": [{"name": "c", "lon": NAN, "lat": 0}]}})
    with pytest.raises(InputError, match="finite"):
        parse_scenario({**_scenario(), "compare": {"window_min": INF}})


def test_yaml_base_60_times_in_a_scenario_mean_what_was_written(tmp_path):
    from access.scenarios.model import read_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "base: {osm: region.osm.pbf}\nmodifications:\n- type: change_headway\n  routes: [R]\n"
        "  periods: [{start: 16:30, end: 18:45, headway_min: 5}]\n"
    )
    period = read_scenario(path).modifications[0].periods[0]
    assert (period.start, period.end) == ("16:30", "18:45")


def test_the_bounds_are_documented_once_in_access_config():
    names = [
        "MIN_HEADWAY_MIN",
        "MAX_SERVICE_HOURS",
        "MAX_DWELL_MIN",
        "MAX_ACCEL_DECEL_MIN",
        "MAX_RUN_TIME_MIN",
        "MAX_SPEC_STATIONS",
        "MAX_SPEC_PERIODS",
        "MAX_SPEC_PATTERNS",
        "MAX_SPEC_TRIPS",
        "MAX_SPEC_STOP_TIMES",
        "MAX_ROAD_POINTS",
        "MAX_MODIFICATIONS",
        "MAX_GTFS_UNCOMPRESSED_BYTES",
        "MAX_GTFS_COMPRESSION_RATIO",
    ]
    assert set(names) <= set(config.__all__)
    assert config.MIN_HEADWAY_MIN == 1.0 and config.MAX_SERVICE_HOURS == 48  # issue 20's bounds
