"""GTFS reader: real feeds resolved for a date, checked against the raw files read with csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

from access.errors import InputError
from access.io.gtfs import GtfsWarning, read_gtfs, read_gtfs_feeds, write_gtfs_zip
from tests.conftest import require_data


def raw(path, name):
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.TextIOWrapper(archive.open(f"{name}.txt"), encoding="utf-8-sig")))


def active_trip_count(path, date: dt.date) -> int:
    """Trips running on ``date``, computed from calendar.txt / calendar_dates.txt by hand."""
    day = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][date.weekday()]
    stamp = date.strftime("%Y%m%d")
    services = {
        r["service_id"] for r in raw(path, "calendar") if r[day] == "1" and r["start_date"] <= stamp <= r["end_date"]
    }
    try:
        for r in raw(path, "calendar_dates"):
            if r["date"] == stamp:
                (services.add if r["exception_type"] == "1" else services.discard)(r["service_id"])
    except KeyError:
        pass
    return sum(r["service_id"] in services for r in raw(path, "trips"))


def quiet_read(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GtfsWarning)
        return read_gtfs(*args, **kwargs)


@pytest.mark.parametrize("relative", ["poa/poa_eptc.zip", "poa/poa_trensurb.zip"])
def test_porto_alegre_feeds_keep_every_trip_running_on_the_date(relative):
    path = require_data(relative)
    feed = quiet_read(path, service_date="2019-05-13")
    assert len(feed.trips) == active_trip_count(path, dt.date(2019, 5, 13))
    assert feed.stop_times["trip_id"].nunique() == len(feed.trips)
    running = set(feed.trips["trip_id"])
    assert len(feed.stop_times) == sum(r["trip_id"] in running for r in raw(path, "stop_times"))


def test_interpolated_times_lie_between_timepoints_and_never_go_backwards():
    path = require_data("poa/poa_eptc.zip")
    feed = quiet_read(path, service_date="2019-05-13")
    rows = raw(path, "stop_times")
    timepoints = {(r["trip_id"], int(r["stop_sequence"])): r["departure_time"] for r in rows if r["departure_time"]}
    assert len(timepoints) < 0.1 * len(rows)  # the feed's quirk: 96 % of times are empty
    st = feed.stop_times.set_index(["trip_id", "stop_sequence"])["departure_s"]
    assert (feed.stop_times.groupby("trip_id")["arrival_s"].diff().dropna() >= 0).all()
    keys = list(timepoints)
    expected = [sum(int(x) * f for x, f in zip(timepoints[k].split(":"), (3600, 60, 1), strict=True)) for k in keys]
    assert st.loc[keys].tolist() == expected
    assert any("interpolated" in w for w in feed.warnings)


def test_frequencies_expand_into_one_trip_per_headway():
    path = require_data("gtfs/google_sample_feed_1.zip")
    feed = quiet_read(path, service_date="2007-06-05")
    active = {r["trip_id"] for r in raw(path, "trips")} & set(t.split("@")[0] for t in feed.trips["trip_id"])
    expected = 0
    for r in raw(path, "frequencies"):
        if r["trip_id"] in active:
            start = sum(int(x) * f for x, f in zip(r["start_time"].split(":"), (3600, 60, 1), strict=True))
            end = sum(int(x) * f for x, f in zip(r["end_time"].split(":"), (3600, 60, 1), strict=True))
            expected += math.ceil((end - start) / int(r["headway_secs"]))
    assert sum("@" in t for t in feed.trips["trip_id"]) == expected > 0


def test_times_past_midnight_are_kept():
    feed = quiet_read(require_data("gtfs/cairns_gtfs.zip"))
    assert feed.stop_times["arrival_s"].max() > 24 * 3600
    assert any("service date not given" in w for w in feed.warnings)
    assert feed.service_date.weekday() < 5


def test_nyc_transfers_are_read():
    feed = quiet_read(require_data("gtfs/nyc_subway_gtfs.zip"))
    assert len(feed.transfers) > 0 and (feed.transfers["min_transfer_time_s"] >= 0).all()


def test_two_feeds_with_colliding_ids_are_namespaced():
    path = require_data("gtfs/google_sample_feed_1.zip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GtfsWarning)
        merged = read_gtfs_feeds([path, path], service_date="2007-06-05", names=["a", "b"])
    single = quiet_read(path, service_date="2007-06-05")
    assert len(merged.trips) == 2 * len(single.trips)
    assert merged.stops["stop_id"].is_unique
    assert set(merged.stop_times["stop_id"].str.split(":").str[0]) == {"a", "b"}


def minimal_tables(**changes) -> dict[str, pd.DataFrame]:
    tables = {
        "stops": pd.DataFrame(
            {
                "stop_id": ["A", "B", "C"],
                "stop_name": ["A", "B", "C"],
                "stop_lat": ["30.0", "30.01", "30.02"],
                "stop_lon": ["120.0", "120.0", "120.0"],
            }
        ),
        "routes": pd.DataFrame({"route_id": ["r"], "route_type": ["3"]}),
        "trips": pd.DataFrame({"route_id": ["r", "r"], "service_id": ["wk", "wk"], "trip_id": ["t1", "t2"]}),
        "stop_times": pd.DataFrame(
            {
                "trip_id": ["t1"] * 3 + ["t2"] * 3,
                "stop_sequence": ["1", "2", "3"] * 2,
                "stop_id": ["A", "B", "C"] * 2,
                "arrival_time": ["07:00:00", "", "07:20:00", "08:00:00", "08:10:00", "08:20:00"],
                "departure_time": ["07:00:00", "", "07:20:00", "08:00:00", "08:10:00", "08:20:00"],
            }
        ),
        "calendar": pd.DataFrame(
            {
                "service_id": ["wk"],
                "monday": ["1"],
                "tuesday": ["1"],
                "wednesday": ["1"],
                "thursday": ["1"],
                "friday": ["1"],
                "saturday": ["0"],
                "sunday": ["0"],
                "start_date": ["20250101"],
                "end_date": ["20251231"],
            }
        ),
    }
    tables.update(changes)
    return tables


def test_a_missing_time_is_interpolated_by_distance():
    feed = read_gtfs(minimal_tables(), service_date="2025-05-13")
    t1 = feed.stop_times[feed.stop_times["trip_id"] == "t1"]
    assert t1["arrival_s"].tolist() == [25200, 25800, 26400]  # B halfway between A and C


def test_bad_rows_are_dropped_and_counted():
    tables = minimal_tables()
    st = tables["stop_times"].copy()
    st.loc[4, "arrival_time"] = "25:61:00"
    tables["stop_times"] = st
    with pytest.warns(GtfsWarning, match="invalid times"):
        feed = read_gtfs(tables, service_date="2025-05-13")
    assert any("invalid times" in w and "25:61:00" in w for w in feed.warnings)

    tables = minimal_tables()
    st = tables["stop_times"].copy()
    st.loc[5, "stop_id"] = "ZZ"
    tables["stop_times"] = st
    with pytest.warns(GtfsWarning, match="not in stops.txt"):
        read_gtfs(tables, service_date="2025-05-13")

    tables = minimal_tables()
    stops = tables["stops"].copy()
    stops.loc[2, "stop_lat"] = ""
    tables["stops"] = stops
    with pytest.warns(GtfsWarning):
        feed = read_gtfs(tables, service_date="2025-05-13")
    assert any("without valid coordinates" in w for w in feed.warnings)

    tables = minimal_tables()
    st = tables["stop_times"].copy()
    st.loc[5, ["arrival_time", "departure_time"]] = "07:59:00"  # before the previous stop
    tables["stop_times"] = st
    with pytest.warns(GtfsWarning, match="backwards"):
        feed = read_gtfs(tables, service_date="2025-05-13")
    assert feed.trips["trip_id"].tolist() == ["t1"]


def test_structural_problems_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="no service runs on 2025-05-17"):
        read_gtfs(minimal_tables(), service_date="2025-05-17")  # a Saturday
    tables = minimal_tables()
    del tables["stop_times"]
    with pytest.raises(InputError, match="stop_times.txt"):
        read_gtfs(tables, service_date="2025-05-13")
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    with pytest.raises(InputError, match="not a zip"):
        read_gtfs(fake)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="is it GTFS"):
        read_gtfs(other)
    with pytest.raises(InputError, match="does not exist"):
        read_gtfs(tmp_path / "missing.zip")


def test_write_gtfs_zip_round_trips_and_is_deterministic(tmp_path):
    a = write_gtfs_zip(minimal_tables(), tmp_path / "a.zip")
    b = write_gtfs_zip(minimal_tables(), tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    feed = read_gtfs(a, service_date="2025-05-13")
    assert len(feed.trips) == 2 and np.all(feed.stop_times["arrival_s"] >= 25200)
