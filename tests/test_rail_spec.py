"""Rail line specs: hand-checked run times, timetables, validation, GTFS round trip."""

from __future__ import annotations

import csv
import io
import math
import zipfile

import pytest
import yaml

from access.errors import InputError
from access.io.gtfs import read_gtfs
from access.io.rail_spec import (
    parse_rail_spec,
    rail_spec_to_gtfs,
    read_rail_spec,
    spec_trip_minutes,
    write_rail_spec_gtfs,
)

# three stations 60 km apart on a meridian: 0.5396° of latitude ≈ 60 km
DEG_60KM = 60.0 / (6371.009 * math.pi / 180)
BASE = {
    "line": "Meridian line",
    "stations": [{"name": n, "lon": 116.0, "lat": 36.0 + k * DEG_60KM} for k, n in enumerate("ABC")],
    "run_times_min": [20, 25],
    "dwell_min": 2,
    "periods": [
        {"start": "06:30", "end": "09:00", "headway_min": 10},
        {"start": "09:00", "end": "12:00", "headway_min": 30},
    ],
}


def spec(**changes):
    return parse_rail_spec({**BASE, **changes})


def minutes(text: str) -> float:
    h, m, s = map(int, text.split(":"))
    return h * 60 + m + s / 60


def test_end_to_end_time_is_runs_plus_intermediate_dwell():
    assert spec_trip_minutes(spec()) == 20 + 2 + 25


def test_departures_per_period_and_reverse_direction_mirror_the_forward_times():
    tables = rail_spec_to_gtfs(spec())
    trips = tables["trips"]
    assert (trips["direction_id"] == 0).sum() == 15 + 6  # 06:30..08:50 every 10, 09:00..11:30 every 30
    st = tables["stop_times"]
    forward = st[st["trip_id"] == "meridian_line:all:0:0630"]
    backward = st[st["trip_id"] == "meridian_line:all:1:0630"]
    assert [minutes(t) - minutes(forward["departure_time"].iloc[0]) for t in forward["arrival_time"]] == [0, 20, 47]
    assert [minutes(t) - minutes(backward["departure_time"].iloc[0]) for t in backward["arrival_time"]] == [0, 25, 47]
    assert backward["stop_id"].tolist() == forward["stop_id"].tolist()[::-1]


def test_design_speed_gives_distance_times_detour_over_speed_plus_acceleration():
    s = spec(run_times_min=None, design_speed_kmh=300, detour_factor=1.2, accel_decel_min=3)
    per_segment = 60 * 1.2 / 300 * 60 + 3  # km x detour / km/h -> minutes, + accel/decel
    assert spec_trip_minutes(s) == pytest.approx(2 * per_segment + 2, abs=0.01)
    express = spec(
        run_times_min=None,
        design_speed_kmh=300,
        detour_factor=1.2,
        accel_decel_min=3,
        patterns=[{"name": "express", "stops": ["A", "C"]}],
    )
    # skipping B saves its dwell and one stop's braking/acceleration
    assert spec_trip_minutes(express, "express") == pytest.approx(2 * per_segment - 3, abs=0.01)


def test_first_and_last_train_clamp_departures():
    tables = rail_spec_to_gtfs(spec(first_train="07:00", last_train="08:00", directions="forward"))
    firsts = tables["stop_times"].groupby("trip_id")["departure_time"].first().sort_values()
    assert firsts.iloc[0] == "07:00:00" and firsts.iloc[-1] == "08:00:00" and len(firsts) == 7


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"stations": BASE["stations"][:1], "run_times_min": []}, "at least 2 stations"),
        ({"bogus": 1}, "bogus"),
        ({"periods": [{"start": "06:00", "end": "07:00", "headway_min": 0}]}, "headway_min must be at least 1 minute"),
        ({"periods": [{"start": "08:00", "end": "07:00", "headway_min": 5}]}, "not after start"),
        ({"periods": [{"start": "8h", "end": "9h", "headway_min": 5}]}, "HH:MM"),
        ({"run_times_min": None, "design_speed_kmh": 450}, "400 km/h"),
        ({"run_times_min": [5, 5]}, "400 km/h"),
        ({"run_times_min": [20]}, "one per segment"),
        ({"run_times_min": None}, "exactly one"),
        ({"patterns": [{"name": "x", "stops": ["C", "A"]}]}, "out of order"),
        ({"patterns": [{"name": "x", "stops": ["A", "Z"]}]}, "not on the line"),
        (
            {"stations": [BASE["stations"][0], BASE["stations"][2], {"name": "B", "lon": 116.0, "lat": 36.05}]},
            "out of order",
        ),
        ({"stations": [BASE["stations"][0], BASE["stations"][0] | {}, BASE["stations"][2]]}, "duplicate"),
    ],
)
def test_invalid_specs_raise_input_error_naming_the_problem(changes, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(")):
        parse_rail_spec({**BASE, **changes})


def test_yaml_file_round_trip_and_gtfs_through_the_reader(tmp_path):
    path = tmp_path / "line.yaml"
    path.write_text(yaml.safe_dump(BASE))
    parsed = read_rail_spec(path)
    out = write_rail_spec_gtfs(parsed, tmp_path / "line.zip")
    with zipfile.ZipFile(out) as archive:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open("stop_times.txt"))))
    by_trip: dict[str, list[float]] = {}
    for row in rows:
        by_trip.setdefault(row["trip_id"], []).append(minutes(row["arrival_time"]))
    assert all(t == sorted(t) for t in by_trip.values())
    feed = read_gtfs(out, service_date="2025-05-13")
    first = feed.stop_times[feed.stop_times["trip_id"] == feed.stop_times["trip_id"].iloc[0]]
    assert (first["arrival_s"].iloc[-1] - first["departure_s"].iloc[0]) / 60 == spec_trip_minutes(parsed)


def test_missing_or_broken_yaml_is_reported(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_rail_spec(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("line: [unclosed")
    with pytest.raises(InputError, match="not valid YAML"):
        read_rail_spec(bad)
