"""The fused transit-matrix kernel (numba threads over origins) gives exactly the table of
the per-origin path it replaced, on the real Porto Alegre feeds; nearest-stop limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import access
from access.config import TransitSettings
from access.routing import transit_matrix
from tests.conftest import require_data


@pytest.fixture(scope="module")
def cells():
    return pd.read_csv(require_data("poa/poa_hexgrid.csv")).sample(45, random_state=21).reset_index(drop=True)


def per_origin(*args, **kwargs) -> pd.DataFrame:
    token = transit_matrix._PER_ORIGIN.set(True)
    try:
        return access.travel_times(*args, **kwargs)
    finally:
        transit_matrix._PER_ORIGIN.reset(token)


R5_QUERY = TransitSettings.r5(4.8).model_dump(exclude=set(TransitSettings().build_fields()) | {"preset"})


@pytest.mark.parametrize(
    ("query", "settings"),
    [
        ({"departure": "14:00", "window_min": 1}, {}),
        ({"departure": "13:00", "window_min": 25, "percentiles": (10, 50, 90)}, {}),  # incremental egress
        ({"departure": "14:00", "window_min": 6, "max_time_min": 90}, R5_QUERY),  # strict 60-s waits
        ({"departure": "15:00", "window_min": 3}, {"max_access_stops": 2, "max_egress_stops": 3}),
        ({"departure": "12:30", "window_min": 4}, {"transfer_before_egress": True, "max_walk_min": 45}),
    ],
)
def test_the_fused_kernel_equals_the_per_origin_path(poa_transit, cells, query, settings):
    # (the r5r sample bus feed runs 11:00-17:00 only: queries stay inside its day)
    net = poa_transit.with_transit_settings(**settings)
    fused = access.travel_times(net, cells, mode="transit", **query)
    reference = per_origin(net, cells, mode="transit", **query)
    pd.testing.assert_frame_equal(fused, reference)
    assert fused.attrs == reference.attrs
    assert fused.attrs["transit_share"] == transit_matrix.transit_summary(fused)  # from the matrices = from the table
    assert fused.filter(like="travel_time").notna().to_numpy().mean() > 0.3


def test_boarding_only_at_the_nearest_stops_never_helps_and_all_of_them_changes_nothing(poa_transit, cells):
    query = {"mode": "transit", "departure": "14:00", "window_min": 5}
    every = access.travel_times(poa_transit, cells, **query)["travel_time_min"].fillna(np.inf)
    nearest = access.travel_times(
        poa_transit.with_transit_settings(max_access_stops=1, max_egress_stops=1), cells, **query
    )
    assert (nearest["travel_time_min"].fillna(np.inf) >= every - 1e-9).all()
    assert (nearest["travel_time_min"].fillna(np.inf) > every + 1e-9).sum() > 50, "fewer stops: slower trips"
    plenty = poa_transit.with_transit_settings(max_access_stops=10_000, max_egress_stops=10_000)
    same = access.travel_times(plenty, cells, **query)["travel_time_min"].fillna(np.inf)
    np.testing.assert_array_equal(same.to_numpy(), every.to_numpy())
