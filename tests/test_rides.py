"""Transit results say how many vehicles each trip rides (0: walked), the share of pairs
that used transit, and cap walk-only trips at max_walk_min; on the real Porto Alegre feeds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import access
from access.errors import WalkOnlyWarning
from access.routing.transit_matrix import transit_summary
from tests.conftest import require_data


@pytest.fixture(scope="module")
def cells():
    grid = pd.read_csv(require_data("poa/poa_hexgrid.csv"))
    return grid.sample(40, random_state=11).reset_index(drop=True)


@pytest.fixture(scope="module")
def walked(poa_transit, cells):
    return access.travel_times(poa_transit, cells, mode="walk", max_time_min=180)


@pytest.fixture(scope="module")
def ridden(poa_transit, cells):
    return access.travel_times(poa_transit, cells, mode="transit", departure="14:00", window_min=20, max_time_min=180)


def test_rides_are_given_exactly_where_a_travel_time_is(ridden):
    assert list(ridden.columns) == ["from_id", "to_id", "travel_time_min", "rides"]
    assert ridden["travel_time_min"].isna().equals(ridden["rides"].isna())
    rides = ridden["rides"].dropna()
    assert ((rides >= 0) & (rides <= 5) & (rides == rides.round())).all()  # max_transfers 4: at most 5 rides
    assert (rides >= 1).sum() > 100 and (rides == 0).sum() > 40


def test_a_walked_trip_is_the_walk_and_a_ridden_trip_beats_it(ridden, walked, poa_transit):
    limit = poa_transit.transit_settings.max_walk_min
    zero = ridden["rides"] == 0
    np.testing.assert_allclose(ridden.loc[zero, "travel_time_min"], walked.loc[zero, "travel_time_min"], atol=1e-9)
    assert (ridden.loc[zero, "travel_time_min"] <= limit).all()
    rode = ridden["rides"] >= 1
    walk = walked.loc[rode, "travel_time_min"].fillna(np.inf)
    # a ride beats the walk, or the walk is longer than walk-only trips may be
    assert ((ridden.loc[rode, "travel_time_min"] < walk) | (walk > limit)).all()
    assert (ridden.loc[rode, "travel_time_min"] < walk).sum() > 100


def test_walks_longer_than_max_walk_min_are_not_transit_results_unless_the_limit_is_raised(
    ridden, walked, poa_transit, cells
):
    limit = poa_transit.transit_settings.max_walk_min
    far = walked["travel_time_min"] > limit
    assert far.sum() > 100
    assert not (ridden.loc[far, "rides"] == 0).any(), "a walk over the limit is never a transit result"
    roomy = poa_transit.with_transit_settings(max_walk_min=180)
    again = access.travel_times(roomy, cells, mode="transit", departure="14:00", window_min=20, max_time_min=180)
    assert (again["travel_time_min"] <= walked["travel_time_min"] + 1e-9).sum() == walked[
        "travel_time_min"
    ].notna().sum()
    assert (again.loc[far, "rides"] == 0).any()


def test_the_transit_share_is_the_share_of_reached_pairs_that_ride(ridden):
    reached = ridden["travel_time_min"].notna()
    expected = float((ridden.loc[reached, "rides"] >= 1).mean())
    assert ridden.attrs["transit_share"] == {"travel_time_min": pytest.approx(expected)}
    assert 0.3 < expected < 1.0


def test_rides_at_a_percentile_are_those_of_the_trip_it_reports(poa_transit, cells):
    """Against one single-departure run per minute: the median over 9 minutes is the 5th
    smallest time; its rides are those of the earliest minute giving that time."""
    origins, dests = cells.iloc[:6], cells
    single = [
        access.travel_times(poa_transit, origins, dests, mode="transit", departure=f"14:{m:02d}", window_min=1)
        for m in range(9)
    ]
    times = np.array([np.nan_to_num(t["travel_time_min"].to_numpy(), nan=np.inf) for t in single])
    rides = np.array([t["rides"].to_numpy() for t in single])
    ranged = access.travel_times(poa_transit, origins, dests, mode="transit", departure="14:00", window_min=9)
    order = np.argsort(times, axis=0, kind="stable")
    pick = order[4]  # inverted CDF, p50 of 9: ceil(4.5) = 5th smallest
    columns = np.arange(times.shape[1])
    expected_time = times[pick, columns]
    np.testing.assert_allclose(np.nan_to_num(ranged["travel_time_min"].to_numpy(), nan=np.inf), expected_time)
    reached = np.isfinite(expected_time)
    np.testing.assert_array_equal(ranged["rides"].to_numpy()[reached], rides[pick, columns][reached])


def test_arrive_by_results_carry_rides_too(poa_transit, cells, walked):
    inbound = access.travel_times(poa_transit, cells.iloc[:8], cells, mode="transit", arrive_by="15:00", window_min=10)
    assert inbound["travel_time_min"].isna().equals(inbound["rides"].isna())
    zero = (inbound["rides"] == 0).to_numpy()
    walk = walked["travel_time_min"].to_numpy()[: len(inbound)]
    # the walk searched from the other end: the same to the rounding of its first edge (< 1 s)
    np.testing.assert_allclose(inbound["travel_time_min"].to_numpy()[zero], walk[zero], atol=1 / 60)
    assert (inbound["rides"] >= 1).any()
    assert inbound.attrs["service_date"] == "2019-05-13"
    # the share counted on the matrices equals the share counted on the table
    assert inbound.attrs["transit_share"] == transit_summary(inbound)


def test_a_transit_isochrone_that_boards_nothing_says_it_is_walking_only(poa_transit):
    pois = pd.read_csv(require_data("poa/poa_points_of_interest.csv")).iloc[[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", WalkOnlyWarning)
        day = access.isochrones(poa_transit, pois, mode="transit", cutoffs_min=(30,), departure="14:00", window_min=10)
    assert day["transit_used"].tolist() == [True]
    assert day.attrs["service_date"] == "2019-05-13"
    with pytest.warns(WalkOnlyWarning, match="walking only"):
        night = access.isochrones(
            poa_transit, pois, mode="transit", cutoffs_min=(30,), departure="02:00", window_min=10
        )
    assert night["transit_used"].tolist() == [False]
    assert night["area_km2"].iloc[0] < 0.7 * day["area_km2"].iloc[0], "without buses the area shrinks to the walk"
