"""Service dates: a dated departure is the service date, an undated one the feeds' typical
weekday (said in every result), and a date outside every calendar is a clear error."""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from collections import Counter

import pandas as pd
import pytest

import access
from access.errors import InputError
from access.io.gtfs import read_calendar, read_gtfs_feeds, typical_service_date
from tests.conftest import REPO, require_data

SAMPLES = REPO / "gtfs_samples"

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def raw(path, name):
    with zipfile.ZipFile(path) as archive:
        if f"{name}.txt" not in archive.namelist():
            return []
        return list(csv.DictReader(io.TextIOWrapper(archive.open(f"{name}.txt"), encoding="utf-8-sig")))


def services_on(path, date: dt.date) -> frozenset:
    """The services running on ``date``, from calendar.txt / calendar_dates.txt by hand."""
    stamp = date.strftime("%Y%m%d")
    running = {
        r["service_id"]
        for r in raw(path, "calendar")
        if r[_DAYS[date.weekday()]] == "1" and r["start_date"] <= stamp <= r["end_date"]
    }
    for r in raw(path, "calendar_dates"):
        if r["date"] == stamp:
            (running.add if r["exception_type"] == "1" else running.discard)(r["service_id"])
    return frozenset(running)


def weekday_patterns(paths, first: dt.date, last: dt.date) -> Counter:
    """How many weekdays in [first, last] run each combination of services (by hand)."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    return Counter(tuple(services_on(p, d) for p in paths) for d in days if d.weekday() < 5)


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.mark.parametrize(
    ("relatives", "first", "last"),
    [
        (["poa/poa_eptc.zip", "poa/poa_trensurb.zip"], dt.date(2019, 4, 15), dt.date(2019, 7, 15)),
        (["gtfs/cairns_gtfs.zip"], dt.date(2014, 5, 26), dt.date(2014, 12, 28)),
        (["gtfs/nyc_subway_gtfs.zip"], dt.date(2024, 12, 15), dt.date(2025, 1, 17)),
    ],
)
def test_the_typical_weekday_runs_the_most_common_weekday_timetable_in_a_regular_week(relatives, first, last):
    paths = [require_data(r) for r in relatives]
    date, note = typical_service_date([read_calendar(p, name=p.stem) for p in paths])
    patterns = weekday_patterns(paths, first, last)  # first/last: the overlap of the calendars
    usual, count = patterns.most_common(1)[0]
    assert first <= date <= last and date.weekday() in (1, 2, 3), "a Tuesday to Thursday inside the calendars"
    assert tuple(services_on(p, date) for p in paths) == usual
    # a regular week: each weekday runs what that weekday usually runs (Cairns adds a
    # Friday-only service every week; a marked holiday would differ)
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    normal = {
        w: Counter(tuple(services_on(p, d) for p in paths) for d in days if d.weekday() == w).most_common(1)[0][0]
        for w in range(5)
    }
    monday = date - dt.timedelta(days=date.weekday())
    week = [monday + dt.timedelta(days=k) for k in range(5)]
    assert all(tuple(services_on(p, d) for p in paths) == normal[d.weekday()] for d in week), "a marked holiday"
    assert f"runs on {count} of {sum(patterns.values())} weekdays" in note and str(date) in note


def test_nyc_holiday_weeks_are_avoided():
    # Christmas and New Year's Day run other timetables in the feed: their weeks are not "regular"
    path = require_data("gtfs/nyc_subway_gtfs.zip")
    date, _ = typical_service_date([read_calendar(path, name="nyc")])
    assert services_on(path, dt.date(2024, 12, 25)) != services_on(path, date)
    assert not (dt.date(2024, 12, 23) <= date <= dt.date(2025, 1, 3))


def test_a_date_with_one_feed_running_leaves_the_other_out_with_a_note():
    eptc, trensurb = require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")
    feed = quiet(read_gtfs_feeds, [eptc, trensurb], service_date="2019-09-03", names=["poa_eptc", "poa_trensurb"])
    assert set(feed.routes["route_id"].str.split(":").str[0]) == {"poa_trensurb"}
    assert any(
        "poa_eptc: no trips on 2019-09-03 (outside its calendar: 2019-04-15 to 2019-07-15)" in w for w in feed.warnings
    )


def test_a_date_outside_every_calendar_is_an_error_naming_each_feeds_range():
    eptc, trensurb = require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")
    with pytest.raises(InputError) as caught:
        read_gtfs_feeds([eptc, trensurb], service_date="2020-02-04", names=["poa_eptc", "poa_trensurb"])
    message = str(caught.value)
    assert "2020-02-04 lies outside every feed's calendar" in message
    assert "poa_eptc 2019-04-15 to 2019-07-15" in message and "poa_trensurb 2019-03-01 to 2019-12-31" in message


def test_an_undated_network_uses_the_typical_weekday_and_every_result_says_so(poa_pbf):
    cairns_like = [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]
    net = quiet(access.build_network, poa_pbf, modes=("walk",), gtfs=cairns_like, progress=False)
    assert net.transit.service_date == "2019-05-30"  # the Thursday nearest mid-calendar in a regular week
    assert net.transit.date_note.startswith("service date not given; using 2019-05-30 (Thursday)")
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv")).iloc[:3]
    table = access.travel_times(net, cells, mode="transit", departure="14:00", window_min=2)
    assert table.attrs["service_date"] == "2019-05-30" and table.attrs["service_weekday"] == "Thursday"
    assert table.attrs["service_date_rule"].startswith("the feeds' typical weekday (2019-05-30 (Thursday)")
    dated = access.travel_times(net, cells, mode="transit", departure="2019-05-13T14:00", window_min=2)
    assert dated.attrs["service_date"] == "2019-05-13" and dated.attrs["service_date_rule"] == "the departure's date"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from access.sample import write_sample_region

    return write_sample_region(tmp_path_factory.mktemp("sample"))


def test_other_service_dates_are_built_once_and_cached_on_disk(sample, tmp_path):
    kwargs = {"modes": ("walk",), "gtfs": [SAMPLES / "sample_buses.zip"], "cache_dir": tmp_path, "progress": False}
    net = quiet(access.build_network, sample.osm_pbf, service_date="2025-05-13", **kwargs)
    wednesday = quiet(net.transit_on, dt.date(2025, 5, 14))
    assert wednesday.service_date == "2025-05-14" and net.transit_on("2025-05-14") is wednesday
    assert net.transit_on(None) is net.transit and net.transit_on("2025-05-13") is net.transit
    assert len(list(tmp_path.glob("transit-*.npz"))) == 2
    again = quiet(access.build_network, sample.osm_pbf, service_date="2025-05-13", **kwargs)
    loaded = again.transit_on("2025-05-14")  # from disk, as a new process would
    assert (loaded.arrival_s == wednesday.arrival_s).all() and len(list(tmp_path.glob("transit-*.npz"))) == 2
    with pytest.raises(InputError, match="outside every feed's calendar"):
        net.transit_on("2026-05-13")


def test_the_cli_takes_a_dated_departure_as_the_service_date_and_says_which(sample, tmp_path):
    from typer.testing import CliRunner

    from access.cli import app

    out = tmp_path / "tt.csv"
    args = ["travel-times", "--osm", str(sample.osm_pbf), "--mode", "transit", "--origins", str(sample.places_csv)]
    args += ["--gtfs", str(SAMPLES / "sample_buses.zip"), "--departure", "2025-05-14T07:00", "--window", "5"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--cache-dir", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    loud = CliRunner().invoke(app, [*args, "--out", str(out), "--cache-dir", str(tmp_path)])
    assert "timetable of 2025-05-14 (Wednesday; the departure's date)" in loud.output
    assert "used transit" in loud.output
    table = pd.read_csv(out)
    assert {"travel_time_min", "rides"} <= set(table.columns)


def test_the_cli_parks_where_told_and_caps_walk_only_trips(sample, tmp_path):
    from typer.testing import CliRunner

    from access.cli import app

    places = pd.read_csv(sample.places_csv)
    origins = tmp_path / "farm.csv"
    places[places["id"].isin(["P112", "P000", "P001"])][["id", "lon", "lat"]].to_csv(origins, index=False)
    out = tmp_path / "pr.csv"
    args = ["travel-times", "--osm", str(sample.osm_pbf), "--mode", "transit", "--origins", str(origins)]
    args += ["--gtfs", str(SAMPLES / "sample_buses.zip"), "--departure", "2025-05-13T07:00", "--window", "30"]
    args += ["--access-mode", "car", "--out", str(out), "--cache-dir", str(tmp_path), "--quiet"]
    plain = CliRunner().invoke(app, args)
    assert plain.exit_code == 0 and "no car parks" in plain.output  # a warning, one line
    walked = pd.read_csv(out)
    anywhere = CliRunner().invoke(app, [*args, "--park-ride", "any"])
    assert anywhere.exit_code == 0, anywhere.output
    driven = pd.read_csv(out)
    farm = driven["from_id"] == "P112"
    assert walked.loc[farm & (walked["to_id"] != "P112"), "travel_time_min"].isna().all()
    assert driven.loc[farm & (driven["to_id"] != "P112"), "travel_time_min"].notna().all()
    short = CliRunner().invoke(app, [*args, "--max-walk", "1"])
    assert short.exit_code == 0
    capped = pd.read_csv(out)
    assert (capped.loc[capped["rides"] == 0, "travel_time_min"] <= 1).all()
