"""Transit end to end on real Porto Alegre feeds: build, route, window percentiles, isochrones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import access
from access.config import TransitSettings
from tests.conftest import require_data

DATE = "2019-05-13"  # a Monday with weekday service in both feeds (r5r's customary date)


@pytest.fixture(scope="module")
def grid():
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv"))
    return cells.sample(60, random_state=3).reset_index(drop=True)


def test_both_real_feeds_are_loaded_for_the_service_date(poa_transit):
    transit = poa_transit.transit
    assert transit.service_date == DATE
    assert set(transit.route_type.tolist()) == {2, 3}
    assert transit.n_trips == 2374 + 529  # every eptc trip runs on weekdays; Trensurb's weekday trips
    assert (transit.board_penalty_s == 0).all(), "the commuter-rail override removes the rail default"
    # ~41 % of the feeds' stops lie outside the extract: reported, not fatal
    assert any("from the walk network" in w for w in transit.warnings)


def test_transit_is_never_slower_than_walking(poa_transit, grid):
    walk = access.travel_times(poa_transit, grid, mode="walk", max_time_min=90)
    walks_far = poa_transit.with_transit_settings(max_walk_min=90)  # walk-only trips count up to 90 min
    ride = access.travel_times(walks_far, grid, mode="transit", departure="14:00", window_min=30, max_time_min=90)
    both = walk["travel_time_min"].notna()
    assert ride.loc[both, "travel_time_min"].notna().all()
    assert (ride.loc[both, "travel_time_min"] <= walk.loc[both, "travel_time_min"] + 1e-9).all()
    assert (ride["travel_time_min"] < walk["travel_time_min"].fillna(np.inf) - 5).sum() > 100, "buses help"


def test_window_percentiles_equal_those_of_single_departure_runs(poa_transit, grid):
    origins, dests = grid.iloc[:4], grid
    per_minute = [
        access.travel_times(
            poa_transit, origins, dests, mode="transit", departure=f"14:{m:02d}", window_min=1, max_time_min=120
        )["travel_time_min"].to_numpy()
        for m in range(20)
    ]
    stacked = np.where(np.isnan(per_minute), np.inf, per_minute)
    ranged = access.travel_times(
        poa_transit,
        origins,
        dests,
        mode="transit",
        departure="14:00",
        window_min=20,
        percentiles=(25, 50, 90),
        max_time_min=120,
    )
    for p, column in ((25, "travel_time_p25_min"), (50, "travel_time_p50_min"), (90, "travel_time_p90_min")):
        expected = np.percentile(stacked, p, axis=0, method="inverted_cdf")
        got = ranged[column].fillna(np.inf).to_numpy()
        np.testing.assert_allclose(got, expected, atol=1e-9)
    assert (ranged["travel_time_p25_min"].fillna(np.inf) <= ranged["travel_time_p90_min"].fillna(np.inf)).all()


def test_transit_isochrone_covers_the_walk_isochrone(poa_transit):
    pois = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))
    origin = pois.iloc[[0]]
    walk = access.isochrones(poa_transit, origin, mode="walk", cutoffs_min=(20, 40))
    ride = access.isochrones(
        poa_transit, origin, mode="transit", cutoffs_min=(20, 40), departure="14:00", window_min=30
    )
    assert ride.is_valid.all()
    for w, r in zip(walk.geometry, ride.geometry, strict=True):
        # same walking surface underneath: walk area is (up to grid differences) inside transit's
        assert w.difference(r.buffer(0.001)).area < 0.02 * w.area
    assert (ride["area_km2"].to_numpy() > walk["area_km2"].to_numpy()).all()


def test_cached_transit_network_loads_identically(poa_pbf, poa_transit):
    feeds = [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]
    again = access.build_network(
        poa_pbf,
        modes=("walk",),
        gtfs=feeds,
        service_date=DATE,
        progress=False,
        transit_settings=TransitSettings(board_penalty_min={"poa_trensurb": 0}),
    )
    for name in ("pattern_stops", "arrival_s", "departure_s", "transfer_to", "transfer_s", "stop_id"):
        assert np.array_equal(getattr(again.transit, name), getattr(poa_transit.transit, name))


def test_a_dated_departure_routes_the_timetable_of_its_own_date(poa_transit, grid):
    table = access.travel_times(poa_transit, grid.iloc[:3], grid, mode="transit", departure="2019-05-14T08:00")
    assert table.attrs["service_date"] == "2019-05-14" and table.attrs["service_date_rule"] == "the departure's date"
    assert poa_transit.transit_on("2019-05-14").service_date == "2019-05-14"
    assert poa_transit.transit_on("2019-05-14") is poa_transit.transit_on("2019-05-14"), "built once per date"
    undated = access.travel_times(poa_transit, grid.iloc[:3], grid, mode="transit", departure="08:00")
    assert undated.attrs["service_date"] == DATE and undated.attrs["service_date_rule"] == "the network's service_date"


def test_a_departure_outside_every_feed_calendar_names_the_feeds_ranges(poa_transit, grid):
    with pytest.raises(access.InputError, match=r"outside every feed's calendar.*poa_eptc 2019-04-15 to 2019-07-15"):
        access.travel_times(poa_transit, grid.iloc[:2], mode="transit", departure="2021-05-14T08:00")


def test_walking_network_without_transit_refuses_transit(poa_network, grid):
    with pytest.raises(access.InputError, match="no transit"):
        access.travel_times(poa_network, grid.iloc[:2], mode="transit")


def test_origins_routed_in_threads_equal_origins_routed_one_by_one(poa_transit, grid):
    import numba

    kwargs = {"mode": "transit", "departure": "14:00", "window_min": 15, "percentiles": (25, 50)}
    threaded = access.travel_times(poa_transit, grid, grid, **kwargs)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        serial = access.travel_times(poa_transit, grid, grid, **kwargs)
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(threaded, serial)


def test_a_walk_along_one_edge_longer_than_the_budget_is_nan_by_transit_too(poa_transit):
    walk = poa_transit.street("walk")
    e = int(np.argmax(walk.travel_s))  # the longest walk edge
    a, b = walk.tails[e], walk.indices[e]
    lon = walk.lon[a] + np.array([0.1, 0.9]) * (walk.lon[b] - walk.lon[a])
    lat = walk.lat[a] + np.array([0.1, 0.9]) * (walk.lat[b] - walk.lat[a])
    points = pd.DataFrame({"id": [0, 1], "lon": lon, "lat": lat})
    budget = 0.5 * walk.travel_s[e] / 60  # well under the 80 % of the edge between the points
    for kwargs in ({"departure": "14:00"}, {"arrive_by": "14:30"}):
        table = access.travel_times(
            poa_transit, points.iloc[[0]], points.iloc[[1]], mode="transit", window_min=5, max_time_min=budget, **kwargs
        )
        assert table["travel_time_min"].isna().all(), kwargs
    roomy = access.travel_times(
        poa_transit,
        points.iloc[[0]],
        points.iloc[[1]],
        mode="transit",
        window_min=5,
        departure="14:00",
        max_time_min=2 * walk.travel_s[e] / 60,
    )
    assert roomy["travel_time_min"].iloc[0] <= 0.8 * walk.travel_s[e] / 60 + 0.1
