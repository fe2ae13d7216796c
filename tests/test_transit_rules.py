"""R5's transit rules (TransitSettings.r5()): hand-worked cases for the 60-s minimum board
wait, truncating interpolation, 1.3 m/s connectors and R5's walking limits."""

from __future__ import annotations

import datetime as dt
import types
import warnings

import numpy as np
import pandas as pd
import pytest

import access
from access._kernels.raptor import ALIGHTED, NEVER, RIDDEN, range_raptor
from access.config import (
    R5_EGRESS_LIMIT_M,
    R5_OFF_STREET_SPEED_KMH,
    R5_TRANSFER_LIMIT_M,
    TransitSettings,
)
from access.io.gtfs import read_gtfs
from access.network.transit import TransitNetwork
from access.routing.transit import board_slack_s
from tests.conftest import require_data


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def feed_of(stops: dict[str, tuple[float, float]], trips: list[tuple[str, str, list[tuple[str, str]]]]):
    """A feed (routing tables) from stops {id: (lon, lat)} and trips [(trip, route, [(stop, time)])]."""
    stop_rows = pd.DataFrame(
        {
            "stop_id": list(stops),
            "stop_name": list(stops),
            "lon": [v[0] for v in stops.values()],
            "lat": [v[1] for v in stops.values()],
            "parent_station": "",
            "location_type": 0,
        }
    )
    routes = sorted({r for _, r, _ in trips})
    st = [(t, i + 1, s, hms(c), hms(c)) for t, _, calls in trips for i, (s, c) in enumerate(calls)]
    return types.SimpleNamespace(
        name="hand",
        service_date=dt.date(2019, 5, 13),
        stops=stop_rows,
        routes=pd.DataFrame({"route_id": routes, "route_type": 3, "route_short_name": routes}),
        trips=pd.DataFrame(
            {"trip_id": [t for t, _, _ in trips], "route_id": [r for _, r, _ in trips], "service_id": "wk"}
        ),
        stop_times=pd.DataFrame(st, columns=["trip_id", "stop_sequence", "stop_id", "arrival_s", "departure_s"]),
        transfers=pd.DataFrame(columns=["from_stop_id", "to_stop_id", "min_transfer_time_s"]),
        warnings=(),
    )


# Stops 5+ km apart (no walking transfers without streets: 500 m radius). Route 1 reaches B
# at 08:10:00; route 2 leaves B at 08:11:00 (exactly 60 s later), 08:11:01 and 08:15:00.
CONNECTION = feed_of(
    {"A": (116.30, 39.90), "B": (116.36, 39.90), "C": (116.42, 39.90)},
    [
        ("r1-a", "r1", [("A", "08:00:00"), ("B", "08:10:00")]),
        ("r2-a", "r2", [("B", "08:11:00"), ("C", "08:20:00")]),
        ("r2-b", "r2", [("B", "08:11:01"), ("C", "08:21:00")]),
        ("r2-c", "r2", [("B", "08:15:00"), ("C", "08:25:00")]),
    ],
)


def arrival_at_c(settings: TransitSettings) -> int:
    transit = TransitNetwork.from_feed(CONNECTION, None, settings)
    c = int(np.flatnonzero(transit.stop_id == "C")[0])
    arrivals = range_raptor(
        transit, np.array([0]), np.array([0]), np.array([hms("07:58:00")]), 3, board_slack_s=board_slack_s(settings)
    )
    return int(arrivals[0, c])


def test_a_60_second_connection_is_made_by_default_and_missed_under_r5s_strict_rule():
    # by default a departure at or after the arrival is boarded: 08:10:00 -> 08:11:00
    assert arrival_at_c(TransitSettings()) == hms("08:20:00")
    # R5 boards only a departure strictly more than 60 s after arriving (FastRaptorWorker,
    # MINIMUM_BOARD_WAIT_SEC = 60 and `departure > earliestBoardTime`): 08:11:01
    assert board_slack_s(TransitSettings.r5()) == 61
    assert arrival_at_c(TransitSettings.r5()) == hms("08:21:00")
    # a 60-s wait that is not strict still makes the 08:11:00 connection
    assert arrival_at_c(TransitSettings(min_board_wait_s=60)) == hms("08:20:00")
    assert arrival_at_c(TransitSettings(min_board_wait_s=61)) == hms("08:21:00")
    assert arrival_at_c(TransitSettings(min_board_wait_s=62)) == hms("08:25:00")


def test_the_minimum_board_wait_also_holds_at_the_first_boarding():
    transit = TransitNetwork.from_feed(CONNECTION, None, TransitSettings.r5())
    b = int(np.flatnonzero(transit.stop_id == "B")[0])
    c = int(np.flatnonzero(transit.stop_id == "C")[0])
    # standing at B at 08:10:00 (the access leg): R5 boards 08:11:01, not 08:11:00
    arrivals = range_raptor(transit, np.array([b]), np.array([0]), np.array([hms("08:10:00")]), 3, board_slack_s=61)
    assert arrivals[0, c] == hms("08:21:00")
    arrivals = range_raptor(transit, np.array([b]), np.array([0]), np.array([hms("08:10:00")]), 3)
    assert arrivals[0, c] == hms("08:20:00")


def test_access_alone_is_no_transit_arrival_and_r5_egresses_only_where_a_vehicle_was_left():
    # A and D 300 m apart (a straight-line transfer); a trip A -> B only
    feed = feed_of(
        {"A": (116.300, 39.90), "D": (116.3035, 39.90), "B": (116.36, 39.90)},
        [
            ("t", "r", [("A", "08:00:00"), ("B", "08:10:00")]),
            ("u", "q", [("B", "08:20:00"), ("A", "08:30:00")]),
            ("w", "z", [("D", "11:00:00"), ("B", "11:10:00")]),  # serves D (later: no use here)
        ],
    )
    transit = TransitNetwork.from_feed(feed, None, TransitSettings())
    a, d, b = (int(np.flatnonzero(transit.stop_id == s)[0]) for s in "ADB")
    start = np.array([hms("07:55:00")])
    ridden, rides = range_raptor(transit, np.array([a]), np.array([0]), start, 3, labels=RIDDEN, with_rides=True)
    assert ridden[0, b] == hms("08:10:00") and rides[0, b] == 1
    assert ridden[0, a] == hms("08:30:00") and rides[0, a] == 2, "back at A only after riding, not at the start"
    walk_s = int(transit.transfer_s[transit.transfer_ptr[a] : transit.transfer_ptr[a + 1]][0])
    assert ridden[0, d] == hms("08:30:00") + walk_s, "a walking transfer after a ride counts"
    alighted = range_raptor(transit, np.array([a]), np.array([0]), start, 3, labels=ALIGHTED)
    assert alighted[0, d] == NEVER, "R5's bestNonTransferTimes: no vehicle stops at D"
    assert alighted[0, a] == hms("08:30:00")


def equator_feed(**stop_times_columns) -> dict[str, pd.DataFrame]:
    """One trip along the equator, timepoints at the ends (08:00:00, 08:10:00), the middle
    stop at 55.1 % of the way: geodesic distances along the equator are proportional to
    longitude (on the sphere and on the WGS-84 ellipsoid alike), so the interpolated time
    is 600 s x 0.551 = 330.6 s after 08:00."""
    stop_times = pd.DataFrame(
        {
            "trip_id": ["t", "t", "t"],
            "stop_id": ["A", "B", "C"],
            "stop_sequence": ["1", "2", "3"],
            "arrival_time": ["08:00:00", "", "08:10:00"],
            "departure_time": ["08:00:00", "", "08:10:00"],
            **stop_times_columns,
        }
    )
    return {
        "stops": pd.DataFrame(
            {"stop_id": ["A", "B", "C"], "stop_lat": ["0", "0", "0"], "stop_lon": ["10.0", "10.001102", "10.002"]}
        ),
        "routes": pd.DataFrame({"route_id": ["r"], "route_type": ["3"]}),
        "trips": pd.DataFrame({"route_id": ["r"], "service_id": ["wk"], "trip_id": ["t"]}),
        "stop_times": stop_times,
        "calendar": pd.DataFrame(
            {
                "service_id": ["wk"],
                **{d: ["1"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
                **{d: ["0"] for d in ("saturday", "sunday")},
                "start_date": ["20190101"],
                "end_date": ["20191231"],
            }
        ),
    }


def interpolated_s(tables, how: str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        feed = read_gtfs(tables, service_date="2019-05-13", interpolation=how)
    st = feed.stop_times.set_index("stop_id")
    return int(st.loc["B", "arrival_s"]) - hms("08:00:00")


def test_interpolation_rounds_by_default_and_truncates_like_r5():
    assert interpolated_s(equator_feed(), "nearest") == 331  # 330.6 rounded
    # gtfs-lib GTFSFeed.getInterpolatedStopTimesForTrip: `(int) (departure + totalTime * fraction)`
    assert interpolated_s(equator_feed(), "r5") == 330


def test_r5_interpolation_ignores_shape_distances():
    # the shape puts B half way: our default follows it, R5 (straight stop-to-stop lines) does not
    tables = equator_feed(shape_dist_traveled=["0", "100", "200"])
    assert interpolated_s(tables, "nearest") == 300
    assert interpolated_s(tables, "r5") == 330


def test_r5_preset_converts_r5s_distance_tables_at_the_walking_speed():
    r5 = TransitSettings.r5(3.6)  # r5r / r5py's default 3.6 km/h = 1 m/s
    assert r5.max_transfer_walk_min == pytest.approx(R5_TRANSFER_LIMIT_M / 60)  # 1,000 m
    assert r5.max_egress_walk_min == pytest.approx(R5_EGRESS_LIMIT_M / 60)  # 2,000 m
    assert r5.max_access_walk_min == r5.max_walk_min == 120  # r5py's max_time_walking = max_time
    assert TransitSettings.r5(3.6, max_walk_min=20).max_egress_walk_min == 20
    assert r5.point_connector_speed_kmh == pytest.approx(1.3 * 3.6)
    assert r5.max_transfers == 7 and r5.board_penalty_by_route_type_min == {}
    assert r5.preset == "r5" and TransitSettings().preset == "default"
    assert TransitSettings.r5(max_walk_min=30, max_transfers=2).max_transfers == 2  # overrides win


@pytest.fixture(scope="module")
def poa_r5(poa_pbf):
    feeds = [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return access.build_network(
            poa_pbf,
            modes=("walk",),
            gtfs=feeds,
            service_date="2019-05-13",
            progress=False,
            transit_settings=TransitSettings.r5(4.8, max_walk_min=45),
        )


def test_r5_preset_walks_point_connectors_at_1_3_metres_per_second(poa_r5):
    """At 03:00 no bus runs: transit is the direct walk, whose off-street connectors R5
    walks at 1.3 m/s; checked against the walk matrix with its 4.8 km/h connectors."""
    from access.routing.street import snap

    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv")).iloc[200:230].reset_index(drop=True)
    walk = access.travel_times(poa_r5, cells, cells, mode="walk", max_time_min=120)
    ride = access.travel_times(poa_r5, cells, cells, mode="transit", departure="03:00", window_min=1, max_time_min=120)
    snapped = snap(poa_r5.street("walk"), cells)
    off = snapped.distance_m[np.repeat(np.arange(30), 30)] + snapped.distance_m[np.tile(np.arange(30), 30)]
    expected = walk["travel_time_min"].to_numpy() + off * (1 / (R5_OFF_STREET_SPEED_KMH / 3.6) - 1 / (4.8 / 3.6)) / 60
    expected[expected > 45] = np.nan  # walk-only trips at most max_walk_min
    expected[walk["from_id"].to_numpy() == walk["to_id"].to_numpy()] = 0.0
    got = ride["travel_time_min"].to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(expected)], atol=1 / 60)  # rounding to s
    assert (ride["rides"].dropna() == 0).all()
