"""National rail network on the real timetable: router vs brute force, door-to-door
Beijing circle membership of Tianjin, and the Beijing-Tianjin intercity before/after."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from access._geo import haversine_m
from access._kernels.raptor import NEVER, range_raptor
from access.china.national_rail import drop_trains, national_rail_network, timetable_feed
from access.china.rail import ChinaRailData, load_china_rail, rail_before_after
from access.config import RegionalSettings, TransitSettings
from access.errors import InputError
from access.network.transit import TransitNetwork
from access.regional.network import approx_road_seconds
from tests.conftest import require_data

WINDOW = (7 * 3600, 60)  # 07:00, one departure per minute for 60 minutes


def _load(hubs: str) -> ChinaRailData:
    folder = require_data("china_rail/railwayvis_trains.json").parent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_china_rail(folder, require_data("china/prefectures_cityinfo.csv"), hubs=hubs)


@pytest.fixture(scope="module")
def seat() -> ChinaRailData:
    return _load("seat")


@pytest.fixture(scope="module")
def main_station() -> ChinaRailData:
    return _load("main-station")


def _near_beijing(data: ChinaRailData, km: float = 250) -> ChinaRailData:
    p = data.places
    keep = haversine_m(p["lon"].to_numpy(), p["lat"].to_numpy(), 116.42, 39.93) < km * 1000
    return ChinaRailData(data.timetable, p[keep].reset_index(drop=True))


def _runs(events) -> list[tuple[list[str], list[int], list[int]]]:
    """Every train as (stops, arrivals, departures) in stop order: plain Python lists."""
    return [
        (g["stop"].tolist(), g["arrival_s"].tolist(), g["departure_s"].tolist())
        for _, g in events.groupby("train", sort=False)
    ]


def _brute_fastest_ride_s(runs, a: str, b: str) -> float:
    """Fastest single-train ride a -> b: a plain scan over every train's stop events."""
    best = np.inf
    for names, arr, dep in runs:
        if a in names and b in names:
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    if names[i] == a and names[j] == b:
                        best = min(best, arr[j] - dep[i])
    return best


def test_router_fastest_rides_equal_a_brute_force_scan_for_63_city_pairs(seat):
    tt = seat.timetable
    feed = timetable_feed(tt, previous_days=False)
    no_penalty = TransitSettings(board_penalty_by_route_type_min={})
    transit = TransitNetwork.from_feed(feed, None, no_penalty, transfer_radius_m=0)
    stop_index = {s.split(":", 1)[1]: k for k, s in enumerate(transit.stop_id)}
    rng = np.random.default_rng(12)
    hubs = sorted(stop_index)
    pairs = [("北京", "天津"), ("广州", "深圳"), ("上海", "南京")]
    ev = tt.events
    runs = _runs(ev)
    # 50 pairs served by some train (two stops of a random train) and 10 random hub pairs
    for k in rng.choice(len(runs), 50, replace=False):
        names = runs[k][0]
        i, j = sorted(rng.choice(len(names), 2, replace=False))
        pairs.append((names[i], names[j]))
    pairs += [tuple(rng.choice(hubs, 2, replace=False)) for _ in range(10)]
    served = 0
    for a, b in pairs:
        departures = np.unique(ev.loc[ev["stop"] == a, "departure_s"].to_numpy())
        arrivals = range_raptor(transit, np.array([stop_index[a]]), np.array([0]), departures, max_transfers=0)
        at_b = arrivals[:, stop_index[b]]
        router = np.min(np.where(at_b < NEVER, at_b - departures, np.inf))
        assert router == _brute_fastest_ride_s(runs, a, b), (a, b)
        served += np.isfinite(router)
    assert served >= 53  # random hub pairs mostly have no direct train: both sides must agree on that too
    fastest = {}
    for a, b in pairs[:3]:
        departures = np.unique(ev.loc[ev["stop"] == a, "departure_s"].to_numpy())
        arr = range_raptor(transit, np.array([stop_index[a]]), np.array([0]), departures, max_transfers=0)
        fastest[(a, b)] = int(np.min(arr[:, stop_index[b]] - departures)) // 60
    assert fastest == {("北京", "天津"): 30, ("广州", "深圳"): 29, ("上海", "南京"): 59}


def _door_to_door_brute_min(
    data: ChinaRailData, settings: RegionalSettings, origin="Tianjin", centre="Beijing", a="天津", b="北京"
) -> float:
    """Median over the window of min(road, road to hub + penalty + wait + one train +
    road from hub), by scanning every run (today's and overnight ones of the days before)."""
    places = data.places.set_index("name")
    hubs = data.timetable.hubs.set_index("stop_id")
    o, c = places.loc[origin], places.loc[centre]
    access = np.rint(approx_road_seconds(o.lon, o.lat, hubs.loc[a, "lon"], hubs.loc[a, "lat"], settings))
    egress = np.rint(approx_road_seconds(hubs.loc[b, "lon"], hubs.loc[b, "lat"], c.lon, c.lat, settings))
    road = float(approx_road_seconds(o.lon, o.lat, c.lon, c.lat, settings))
    rides = []
    for names, arr, dep in _runs(data.timetable.events):
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                if names[i] == a and names[j] == b:
                    rides += [(dep[i] - k * 86400, arr[j] - k * 86400) for k in (0, 1, 2)]
    rides = np.array(rides)
    totals = []
    for t in range(WINDOW[0], WINDOW[0] + WINDOW[1] * 60, 60):
        ok = rides[:, 0] >= t + access + settings.station_penalty_min * 60
        by_rail = rides[ok, 1].min() + egress - t if ok.any() else np.inf
        totals.append(min(road, by_rail))
    return float(np.sort(totals)[len(totals) // 2 - 1]) / 60  # inverted-CDF median of 60 values


@pytest.mark.parametrize(
    ("hubs", "penalty", "inside"),
    [
        ("seat", 0, True),
        ("seat", 15, True),
        ("seat", 20, True),
        ("main-station", 0, False),
        ("main-station", 15, False),
    ],
)
def test_tianjin_is_in_beijings_one_hour_circle_only_when_penalty_and_access_allow(
    hubs, penalty, inside, seat, main_station
):
    data = _near_beijing(seat if hubs == "seat" else main_station)
    settings = RegionalSettings(station_penalty_min=penalty)
    net = national_rail_network(data.timetable, data.places, settings=settings)
    table = net.travel_times(origins=["Tianjin"], departure="07:00", window_min=WINDOW[1])
    minutes = float(table.loc[table["to_name"] == "Beijing", "road_rail_min"].iloc[0])
    assert minutes == pytest.approx(_door_to_door_brute_min(data, settings), abs=1e-9)
    assert (minutes <= 60) is inside


def test_removing_the_beijing_tianjin_intercity_pushes_tianjin_out_of_the_one_hour_circle(seat):
    data = _near_beijing(seat)
    result = rail_before_after(data, settings=RegionalSettings(station_penalty_min=10))
    with_, without = result.summary.iloc[0], result.summary.iloc[1]
    assert "C serving 北京 and 天津" in result.removed
    assert with_["road_rail_min"] < 60 < without["road_rail_min"]
    assert without["road_rail_min"] <= with_["road_min"]
    tianjin = float(data.places.set_index("name").loc["Tianjin", "population"])
    assert with_["population_60min"] - without["population_60min"] == pytest.approx(tianjin)
    entered = result.circles.query("mode == 'road+rail' and cutoff_min == 60")["entered"].iloc[0]
    assert "Tianjin" in entered


def test_drop_trains_removes_only_c_trains_serving_both_cities(seat):
    tt = seat.timetable
    without = drop_trains(tt, classes=["C"], serving=["北京", "天津"])
    gone = set(tt.trains["train"]) - set(without.trains["train"])
    stops = tt.events.groupby("train")["stop"].agg(set)
    assert gone and all(t.startswith("C") and {"北京", "天津"} <= stops[t] for t in gone)
    assert not set(without.events["train"]) & gone
    with pytest.raises(InputError, match="no train stops at 火星"):
        drop_trains(tt, classes=["C"], serving=["北京", "火星"])


def test_cli_circles_and_before_after_on_a_small_timetable(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from access.cli import app

    rows = []
    for k, minute in enumerate(range(6 * 60, 10 * 60, 10)):  # C trains 天津 -> 北京 every 10 min, 30 min ride
        clock = f"{minute // 60}:{minute % 60:02d}"
        end = f"{(minute + 30) // 60}:{(minute + 30) % 60:02d}"
        rows += [(f"C{2 * k + 2}", 1, "天津", "-", clock), (f"C{2 * k + 2}", 2, "北京", end, "-")]
    timetable = tmp_path / "tt.csv"
    pd.DataFrame(rows, columns=["train", "seq", "stop", "arrival", "departure"]).to_csv(timetable, index=False)
    folder = tmp_path / "rail"
    folder.mkdir()
    prefectures = require_data("china/prefectures_cityinfo.csv")
    common = [
        "--rail-data",
        folder,
        "--prefectures",
        prefectures,
        "--timetable",
        timetable,
        "--station-penalty",
        "10",
        "--cutoffs",
        "60",
        "-q",
    ]
    circles = tmp_path / "circles.csv"
    run = CliRunner().invoke(
        app,
        [
            str(a)
            for a in [
                "rail-timetable",
                "circles",
                "--out",
                circles,
                "--centre",
                "Beijing",
                "--png-dir",
                tmp_path / "maps",
                *common,
            ]
        ],
    )
    assert run.exit_code == 0, run.output
    table = pd.read_csv(circles).set_index("mode")
    assert "Tianjin" in table.loc["road+rail", "places"] and "Tianjin" not in table.loc["road", "places"]
    assert (tmp_path / "maps" / "Beijing.png").stat().st_size > 10_000
    summary = tmp_path / "ba.csv"
    run = CliRunner().invoke(app, [str(a) for a in ["rail-timetable", "before-after", "--out", summary, *common]])
    assert run.exit_code == 0, run.output
    ba = pd.read_csv(summary)
    # 10 min penalty + under 10 min waiting + 30 min ride; without the trains: the road
    assert 40 <= ba.loc[0, "road_rail_min"] < 50 and ba.loc[1, "road_rail_min"] == ba.loc[1, "road_min"]
    tianjin = float(pd.read_csv(prefectures).set_index("cityname_eng").loc["Tianjin", "cpop2010"]) * 10_000
    assert ba.loc[0, "population_60min"] - ba.loc[1, "population_60min"] == pytest.approx(tianjin)
