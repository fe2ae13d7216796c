"""The national rail layer: station-level real trains, the modelled service, the MTR feed.

Numbers are checked against a brute-force scan of the stop events (the router), against
published fastest-train figures (sources cited per figure), and against the real rides the
modelled service was not fitted on (leave-one-line-out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access._kernels.raptor import NEVER, range_raptor
from access.config import TransitSettings
from access.errors import InputError
from access.network.transit import TransitNetwork

# Fastest trains c. 2020 between city pairs, minutes (low, high), with the source of each.
FAMOUS = [
    # 12306 timetable: C2001/C2002 北京南-天津 30 min non-stop (京津城际, since 2008-08-01)
    ("北京", "天津", 30, 30),
    # 12306: G6701-series 北京西-保定东 ~40 min (京广高铁 京石段, opened 2012-12-26)
    ("北京", "保定", 40, 40),
    # 12306: G25 / G6703 北京西-石家庄 67-70 min
    ("北京", "石家庄", 67, 70),
    # 12306: G7xxx 上海-苏州 23-25 min (沪宁城际)
    ("上海", "苏州", 23, 25),
    # 12306: G7xxx 上海-无锡 ~30 min (沪宁城际)
    ("上海", "无锡", 30, 30),
    # 12306: G7xxx 上海虹桥-杭州东 ~45 min (沪杭高铁, opened 2010-10-26)
    ("上海", "杭州", 45, 45),
    # 12306: G trains 广州南-深圳北 ~29 min (广深港高铁)
    ("广州", "深圳", 29, 29),
    # 12306 / MTR: 广州南-虎门 (Dongguan) 20-30 min on 广深港高铁, 广州东-东莞 ~25 min on 广深线
    ("广州", "东莞", 20, 30),
]


@pytest.fixture(scope="module")
def rail(china):
    return china.rail


def _brute_fastest_s(calls: dict, at: dict, a: str, b: str) -> float:
    """Fastest single-train ride a -> b: a plain scan over the calls of every train that
    stops at both (``calls``: train -> [(stop, arrival, departure)], ``at``: stop -> trains)."""
    best = np.inf
    for train in at.get(a, set()) & at.get(b, set()):
        stops = [c[0] for c in calls[train]]
        i, j = stops.index(a), stops.index(b)
        if i < j:
            best = min(best, calls[train][j][1] - calls[train][i][2])
    return best


def test_router_fastest_rides_equal_a_brute_force_scan_on_real_and_modelled_pairs(rail):
    """For station pairs some train serves (real, MTR and modelled, drawn at random) and a
    few random pairs, RAPTOR without transfers gives the scan's fastest ride exactly."""
    feed = rail.feed(previous_days=False)
    transit = TransitNetwork.from_feed(
        feed, None, TransitSettings(board_penalty_by_route_type_min={}), transfer_radius_m=0
    )
    index = {s: k for k, s in enumerate(transit.stop_id)}
    ev = rail.events
    rng = np.random.default_rng(16)
    pairs = [("北京南", "天津"), ("广州南", "深圳北"), ("北京西", "保定东"), ("香港西九龙", "深圳北")]
    for source in ("timetable", "modelled", "MTR GTFS"):
        trains = rail.trips.loc[rail.trips["source"] == source, "train"].to_numpy()
        for t in rng.choice(trains, 12, replace=False):
            stops = ev.loc[ev["train"] == t, "stop"].tolist()
            i, j = sorted(rng.choice(len(stops), 2, replace=False))
            pairs.append((stops[i], stops[j]))
    stations = sorted(index)
    pairs += [tuple(rng.choice(stations, 2, replace=False)) for _ in range(6)]
    calls: dict = {}
    at: dict = {}
    for t, s, arr, dep in ev[["train", "stop", "arrival_s", "departure_s"]].itertuples(index=False):
        calls.setdefault(t, []).append((s, int(arr), int(dep)))
        at.setdefault(s, set()).add(t)
    served = 0
    for a, b in pairs:
        departures = np.unique(ev.loc[ev["stop"] == a, "departure_s"].to_numpy())
        arrivals = range_raptor(transit, np.array([index[a]]), np.array([0]), departures, max_transfers=0)
        at_b = arrivals[:, index[b]]
        router = np.min(np.where(at_b < NEVER, at_b - departures, np.inf))
        assert router == _brute_fastest_s(calls, at, a, b), (a, b)
        served += np.isfinite(router)
    assert served >= 40


def test_fastest_trains_match_the_famous_figures_within_ten_minutes(china):
    from access.china.od import fastest_trains

    rows = []
    for origin, dest, low, high in FAMOUS:
        row = fastest_trains(china.rail, china.place(origin), [china.place(dest)], china.rail.station_city).iloc[0]
        assert low - 10 <= row["fastest_min"] <= high + 10, (origin, dest, row.to_dict())
        rows.append(row)
    table = pd.DataFrame(rows).set_index("to")
    # the ones the c. 2020 timetable lacks come from the modelled service, and say so
    assert table.loc["保定市", "modelled"] and table.loc["保定市", "to_station"] == "保定东"
    assert table.loc["无锡市", "modelled"]
    assert not table.loc[["天津市", "石家庄市", "苏州市", "杭州市", "深圳市"], "modelled"].any()
    assert table.loc["天津市", "train"].startswith("C")
    assert str(table.loc["保定市", "train"]).startswith("modelled ")


def test_od_table_has_exactly_the_named_columns_and_accepts_english_names(china):
    from access.china.od import OD_COLUMNS, fastest_trains

    table = fastest_trains(
        china.rail, china.place("Beijing"), [china.place("Tianjin"), china.place("保定市")], china.rail.station_city
    )
    assert (
        tuple(table.columns)
        == OD_COLUMNS
        == (
            "from",
            "to",
            "fastest_min",
            "train",
            "from_station",
            "to_station",
            "modelled",
        )
    )
    assert list(table["to"]) == ["天津市", "保定市"]
    with pytest.raises(InputError, match="no prefecture or county named"):
        china.place("Atlantis")


def test_modelled_service_predicts_real_rides_it_was_not_fitted_on(rail):
    """Leave-one-line-out: the high-speed class model predicts the real fastest rides of
    each line from the other lines' fit within 7 min on average (median 11 %)."""
    table = rail.model.table.set_index("line_class")
    hsr = table.loc["high-speed"]
    assert hsr["pairs"] >= 200 and hsr["lines"] >= 50
    assert hsr["mae_min"] < 8 and hsr["median_abs_pct"] < 15
    assert 0.5 < hsr["speed_share"] < 0.8
    assert table.loc["rapid", "median_abs_pct"] < 20
    assert 5 <= hsr["stop_loss_min"] <= 10  # one more call costs dwell + braking + accelerating
    assert "error on" in rail.model.summary()


def test_the_issues_intermediate_stations_lie_on_their_lines_and_get_labelled_modelled_service(rail):
    stops = rail.lines.stops
    on = {
        "保定东": "京石客运专线",
        "涿州东": "京石客运专线",
        "无锡东": "京沪高铁",
        "唐山": "津秦高速线",
        "虎门": "广深港高速线",
    }
    for station, line in on.items():
        assert station in set(stops.loc[stops["line"] == line, "station"]), (station, line)
    service = rail.station_service().set_index("station")
    for station in ("保定东", "无锡东", "唐山"):
        assert service.loc[station, "service"] == "modelled"
        assert service.loc[station, "modelled_trips"] > 0
    assert service.loc["北京南", "service"] == "real+modelled"
    modelled = rail.trips[rail.trips["modelled"]]
    assert modelled["train"].str.startswith("M~").all() and modelled["source"].eq("modelled").all()


def test_the_mtr_feed_joins_the_layer_at_west_kowloon(rail):
    mtr = rail.trips[rail.trips["source"] == "MTR GTFS"]
    assert len(mtr) == 78
    calls = rail.events[rail.events["train"].isin(set(mtr["train"]))]
    assert {"香港西九龙", "福田", "深圳北", "广州南"} <= set(calls["stop"])
    assert "庆盛" in set(calls["stop"])  # 南沙北 joins the national 庆盛 (100 m apart)
    rides = rail.fastest_rides()
    wek = rides[(rides["from_station"] == "香港西九龙") & (rides["to_station"] == "福田")]
    assert 14 <= wek["fastest_min"].iloc[0] <= 16  # SOURCES.md: West Kowloon-Futian 14-16 min


def test_lines_opened_after_the_timetable_are_left_out_and_the_2020_lines_are_a_scenario(rail):
    assert rail.timetable_date == pd.Timestamp("2020-09-27")
    assert set(rail.served_lines) == set(rail.lines.lines["line"])  # none of the table opened later
    with pytest.raises(InputError, match="no line of the table opened after"):
        rail.with_later_lines()
    without = rail.without_lines_opened_since("2020-01-01")
    gone = set(rail.trips["train"]) - set(without.trips["train"])
    late = set(rail.lines.lines.loc[rail.lines.lines["opened"] >= "2020-01-01", "line"])
    assert {"沪苏通铁路", "京港高铁-合湖段", "安六城际"} <= late
    removed = rail.trips[rail.trips["train"].isin(gone)]
    assert (removed.loc[removed["modelled"], "line"].isin(late)).all()
    assert (removed.loc[~removed["modelled"], "line_opened"] >= pd.Timestamp("2020-01-01")).all()
    assert removed["modelled"].any() and (~removed["modelled"]).any()


def test_without_high_speed_keeps_conventional_trains_only(rail):
    slow = rail.without_high_speed()
    t = slow.trips
    assert not t["train_class"].isin(["G", "D", "C"]).any()
    assert not (t["source"] == "MTR GTFS").any()
    assert set(t.loc[t["modelled"], "line_class"]) == {"conventional"}
    assert "without high-speed rail" in slow.label


def test_without_a_named_line_removes_its_trains_and_nothing_else(rail):
    without = rail.without_line("京津城际")
    gone = rail.trips[~rail.trips["train"].isin(set(without.trips["train"]))]
    assert (gone.loc[~gone["modelled"], "train_class"].isin(["G", "D", "C"])).all()
    assert gone.loc[gone["modelled"], "line"].eq("京津城际").all()
    assert (gone["train"].str.startswith("C")).sum() >= 50  # the Beijing-Tianjin intercity trains
    with pytest.raises(InputError, match="no line named"):
        rail.without_line("京津城际2")


def test_a_new_line_gets_the_modelled_service_of_its_class(rail):
    new = rail.with_new_line("雄安线", ["北京西", ("雄安", 116.10, 39.05), "保定东"], design_speed_kmh=350)
    trips = new.trips[new.trips["line"] == "雄安线"]
    assert len(trips) > 0 and trips["modelled"].all()
    ev = new.events[new.events["train"] == trips["train"].iloc[0]]
    assert list(ev["stop"]) in (["北京西", "雄安", "保定东"], ["保定东", "雄安", "北京西"])
    assert "雄安" in set(new.stations["name"])
    with pytest.raises(InputError, match="no station"):
        rail.with_new_line("x", ["北京西", "火星站"])
