"""Timetable importer: real RailwayVIS trains and hand-made CSVs to GTFS and back."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from access.china.tables import read_prefectures, read_station2city, read_station_table
from access.china.timetable import (
    TimetableWarning,
    read_rail_timetable,
    timetable_to_gtfs,
    write_timetable_gtfs,
)
from access.errors import InputError
from access.io.gtfs import read_gtfs
from tests.conftest import require_data

HUBS = pd.DataFrame(
    {
        "stop_id": ["北京", "天津", "唐山"],
        "stop_name": ["北京", "天津", "唐山"],
        "name_en": ["Beijing", "Tianjin", "Tangshan"],
        "lon": [116.42, 117.2, 118.18],
        "lat": [39.93, 39.12, 39.59],
        "source": "test",
        "place_id": ["1101", "1201", "1302"],
    }
)


@pytest.fixture(scope="module")
def real():
    prefectures = read_prefectures(require_data("china/prefectures_cityinfo.csv"))
    stations = read_station_table(require_data("china_rail/cn_stations_wgs84.csv"))
    s2c = read_station2city(require_data("china_rail/railwayvis_station2city.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetableWarning)
        tt = read_rail_timetable(
            require_data("china_rail/railwayvis_trains.json"),
            prefectures=prefectures,
            stations=stations,
            station2city=s2c,
        )
    raw = json.loads(require_data("china_rail/railwayvis_trains.json").read_text(encoding="utf-8"))
    return tt, raw


def _csv(tmp_path, rows, name="tt.csv"):
    path = tmp_path / name
    pd.DataFrame(rows, columns=["train", "seq", "stop", "arrival", "departure"]).to_csv(path, index=False)
    return path


def _read(path):
    from access.china.timetable import city_hubs, parse_timetable, read_timetable_csv

    frame, notes = read_timetable_csv(path)
    hubs, _ = city_hubs(frame["stop"].unique(), prefectures=HUBS.assign(key=HUBS["stop_id"], name=HUBS["name_en"]))
    return parse_timetable(frame, hubs, label=path.name, notes=notes)


def test_real_timetable_keeps_every_train_except_those_reported(real):
    tt, raw = real
    assert len(raw) == 6795
    kept = set(tt.trains["train"])
    dropped = 6795 - len(kept)
    assert any(f"{dropped} trains with fewer than 2 known stops dropped" in n for n in tt.notes)
    # every stop event is either kept, at an unknown stop, or on a reported short train
    unknown = set(tt.unknown["stop"])
    expected = sum(1 for k, v in raw.items() if k in kept for e in v["route"] if e["city"] not in unknown)
    assert len(tt.events) == expected
    counted = sum(1 for v in raw.values() for e in v["route"] if e["city"] in unknown)
    assert int(tt.unknown["events"].sum()) == counted
    assert "北京" in set(tt.hubs["stop_id"]) and tt.hubs["lon"].between(73, 135).all()
    assert tt.trains.set_index("train").loc["C2001", "train_class"] == "C"
    assert "assumed to run daily" in tt.notes[-1]


def test_overnight_times_are_kept_past_24h(real):
    tt, raw = real
    k = tt.events[tt.events["train"] == "K1270"]
    assert k["arrival_s"].iloc[-1] == 43 * 3600 + 35 * 60  # "43:35" at 福州
    assert list(k["stop"]) == [e["city"] for e in raw["K1270"]["route"]]


def test_fastest_rides_match_the_published_timetable(real):
    tt, _ = real
    ev = tt.events
    for a, b, minutes in [("北京", "天津", 30), ("广州", "深圳", 29), ("上海", "南京", 59)]:
        x = ev[ev["stop"] == a].merge(ev[ev["stop"] == b], on="train")
        x = x[x["seq_x"] < x["seq_y"]]
        assert (x["arrival_s_y"] - x["departure_s_x"]).min() == minutes * 60


def test_gtfs_round_trip_loads_with_read_gtfs(real, tmp_path):
    tt, _ = real
    path = write_timetable_gtfs(tt, tmp_path / "cr.zip")
    feed = read_gtfs(path, service_date="2020-01-06")
    assert len(feed.trips) == len(tt.trains)
    assert len(feed.stop_times) == len(tt.events)
    assert set(feed.routes["route_id"]) == set(tt.trains["train_class"])
    assert dict(zip(feed.routes["route_id"], feed.routes["route_type"], strict=True))["G"] == 101
    merged = feed.stop_times.merge(tt.events, left_on=["trip_id", "stop_sequence"], right_on=["train", "seq"])
    assert len(merged) == len(tt.events)
    assert np.array_equal(merged["arrival_s_x"], merged["arrival_s_y"])
    tables = timetable_to_gtfs(tt)
    assert "no dates" in tables["feed_info"]["feed_version"].iloc[0]


def test_plain_csv_with_invalid_time_reports_count_and_drops_the_train(tmp_path):
    path = _csv(
        tmp_path,
        [
            ("C1", 1, "北京", "-", "7:00"),
            ("C1", 2, "天津", "7:30", "-"),
            ("C2", 1, "北京", "-", "25:61"),
            ("C2", 2, "天津", "26:30", "-"),
        ],
    )
    with pytest.warns(TimetableWarning, match=r"1 rows with invalid times.*'25:61'.*1 trains dropped"):
        tt = _read(path)
    assert list(tt.trains["train"]) == ["C1"]
    assert tt.events["departure_s"].iloc[0] == 7 * 3600


def test_one_stop_train_unknown_city_and_duplicates_are_counted(tmp_path):
    path = _csv(
        tmp_path,
        [
            ("G1", 1, "北京", "-", "8:00"),
            ("G1", 2, "火星城", "8:20", "8:22"),
            ("G1", 3, "天津", "8:40", "-"),
            ("G2", 1, "北京", "-", "9:00"),
            ("G3", 1, "北京", "-", "9:00"),
            ("G3", 2, "天津", "9:30", "-"),
            ("G3", 1, "唐山", "-", "10:00"),
            ("G4", 1, "火星城", "-", "9:00"),
            ("G4", 2, "天津", "9:30", "-"),
        ],
    )
    with pytest.warns(TimetableWarning) as record:
        tt = _read(path)
    message = str(record[0].message)
    assert "1 duplicated train numbers (the same seq twice) dropped (e.g. G3)" in message
    assert "1 unknown stops (no coordinates), 2 stop events dropped: 火星城 (2)" in message
    assert "2 trains with fewer than 2 known stops dropped" in message  # G2, G4
    assert list(tt.trains["train"]) == ["G1"]
    assert tt.unknown.to_dict("records") == [{"stop": "火星城", "events": 2, "trains": 2}]


def test_times_wrapping_past_midnight_are_unwrapped_and_backwards_trains_dropped(tmp_path):
    path = _csv(
        tmp_path,
        [
            ("Z1", 1, "北京", "-", "23:30"),
            ("Z1", 2, "天津", "0:40", "-"),
            ("Z2", 1, "北京", "-", "10:00"),
            ("Z2", 2, "天津", "9:00", "-"),
        ],
    )
    with pytest.warns(TimetableWarning, match="1 trains with times going backwards dropped"):
        tt = _read(path)
    assert tt.events["arrival_s"].tolist() == [23 * 3600 + 30 * 60, 24 * 3600 + 40 * 60]


def test_nothing_usable_and_missing_columns_raise(tmp_path):
    with pytest.raises(InputError, match="no train has two usable stops"):
        _read(_csv(tmp_path, [("G2", 1, "北京", "-", "9:00")]))
    bad = tmp_path / "bad.csv"
    bad.write_text("train,stop\nG1,北京\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks columns arrival, departure, seq"):
        _read(bad)


def test_cli_to_gtfs_writes_a_feed_and_lists_unknown_cities(tmp_path):
    from typer.testing import CliRunner

    from access.cli import app

    prefectures = tmp_path / "pref.csv"
    pd.DataFrame(
        {
            "dzcode": ["1101", "1201"],
            "coord_long": [116.42, 117.2],
            "coord_lat": [39.93, 39.12],
            "cityname_chn": ["北京市", "天津市"],
            "cityname_eng": ["Beijing", "Tianjin"],
            "cpop2010": [1961.2, 1293.8],
        }
    ).to_csv(prefectures, index=False)
    timetable = _csv(
        tmp_path,
        [
            ("C1", 1, "北京", "-", "7:00"),
            ("C1", 2, "天津", "7:30", "-"),
            ("C3", 1, "北京", "-", "8:00"),
            ("C3", 2, "雄安", "8:40", "-"),
        ],
    )
    out = tmp_path / "feed.zip"
    result = CliRunner().invoke(
        app,
        [
            "rail-timetable",
            "to-gtfs",
            str(timetable),
            str(out),
            "--prefectures",
            str(prefectures),
            "--unknown-out",
            str(tmp_path / "unknown.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 unknown stops (no coordinates), 1 stop events dropped: 雄安 (1)" in result.output
    feed = read_gtfs(out, service_date="2024-03-04")
    assert list(feed.trips["trip_id"]) == ["C1"]
    assert feed.routes["route_type"].tolist() == [103]
    assert pd.read_csv(tmp_path / "unknown.csv")["stop"].tolist() == ["雄安"]
    missing = CliRunner().invoke(app, ["rail-timetable", "to-gtfs", str(timetable), str(out)])
    assert missing.exit_code == 2
    assert "give a prefecture table and/or a station table" in missing.output


def test_duplicated_train_numbers_in_json_keep_the_first_and_are_counted(tmp_path):
    from access.china.timetable import city_hubs, parse_timetable, read_railwayvis_trains

    path = tmp_path / "trains.json"
    first = (
        '{"service": "城际", "route": [{"arrival": "-", "departure": "7:00", "city": "北京"}, '
        '{"arrival": "7:30", "departure": "-", "city": "天津"}]}'
    )
    second = first.replace("7:00", "9:00").replace("7:30", "9:40")
    path.write_text(f'{{"C1": {first}, "C1": {second}, "C2": {second}}}', encoding="utf-8")
    frame, notes = read_railwayvis_trains(path)
    assert notes == ["1 duplicated train numbers: the first timetable of each kept (e.g. C1)"]
    hubs, _ = city_hubs(frame["stop"].unique(), prefectures=HUBS.assign(key=HUBS["stop_id"], name=HUBS["name_en"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetableWarning)
        tt = parse_timetable(frame, hubs, notes=notes)
    assert tt.events.loc[tt.events["train"] == "C1", "departure_s"].iloc[0] == 7 * 3600


def test_station_table_with_only_gcj02_columns_is_converted_to_wgs84(tmp_path):
    from access.crs import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(116.3728, 39.8635)  # 北京南, WGS-84
    path = tmp_path / "stations.csv"
    pd.DataFrame({"站名": ["北京南"], "lng火星": [float(lon)], "lat火星": [float(lat)]}).to_csv(path, index=False)
    table = read_station_table(path)
    assert table.loc[0, "lon"] == pytest.approx(116.3728, abs=1e-7)
    assert table.loc[0, "lat"] == pytest.approx(39.8635, abs=1e-7)
