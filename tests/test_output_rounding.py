"""Numbers leave the program rounded for people (minutes to 0.1, counts whole) while the
library keeps full precision; rounding never changes which side of a cutoff a value is on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access.io.rounding import column_kind, round_for_output, significant
from tests.conftest import require_data


def test_the_float_noise_reported_in_issue_17_is_rounded_away():
    frame = pd.DataFrame({"travel_time_min": [170.01814328393863], "population": [20555100.000000004]})
    out = round_for_output(frame)
    assert out["travel_time_min"].tolist() == [170.1]
    assert out["population"].tolist() == [20555100]
    assert out["population"].dtype == np.int64
    assert out.to_csv(index=False) == "travel_time_min,population\n170.1,20555100\n"


def test_minutes_round_up_to_the_next_tenth_so_a_value_just_past_a_cutoff_stays_past_it():
    frame = pd.DataFrame({"travel_time_min": [59.96, 60.0, 60.04, 3.0000000000000004, 0.0, np.nan]})
    out = round_for_output(frame)["travel_time_min"]
    # hand-worked: 59.96 -> 60.0 (inside 60), 60.04 -> 60.1 (outside), float noise above 3 is noise
    assert out.iloc[:5].tolist() == [60.0, 60.0, 60.1, 3.0, 0.0]
    assert np.isnan(out.iloc[5])


def test_minute_changes_round_to_the_nearest_tenth():
    frame = pd.DataFrame({"time_to_core_city_change": [-20.999316781009725, 0.04, -0.06]})
    assert round_for_output(frame)["time_to_core_city_change"].tolist() == [-21.0, 0.0, -0.1]


def test_counts_with_missing_values_become_nullable_integers():
    frame = pd.DataFrame({"jobs_60min": [2594805.0000001, np.nan, 0.0]})
    out = round_for_output(frame)["jobs_60min"]
    assert str(out.dtype) == "Int64"
    assert out.iloc[0] == 2594805 and out.isna().tolist() == [False, True, False]


def test_other_numbers_keep_six_significant_digits_and_their_whole_part():
    values = np.array([0.5617254956805328, 15.510176594410089, 1784965.692565071, -0.011723919789269455, 0.0])
    assert significant(values).tolist() == [0.561725, 15.5102, 1784966.0, -0.0117239, 0.0]


@pytest.mark.parametrize(
    "name, kind",
    [
        ("travel_time_min", "minutes"),
        ("travel_time_p50_min", "minutes"),
        ("travel_time_min_Core City district 1", "minutes"),
        ("time_to_core_city_after", "minutes"),
        ("avg_time_to_centres_min", "minutes"),
        ("from_min", "minutes"),
        ("time_to_core_city_change", "minutes_change"),
        ("jobs_60min", "count"),  # "60min" is part of the count's name, not a unit
        ("jobs_60min_change", "count"),
        ("population", "count"),
        ("zones_assigned", "count"),
        ("n_places", "count"),
        ("jobs within 60 min median", "count"),
        ("schools_30min", "count"),  # named by the caller as an opportunity column
        ("population_share", "number"),
        ("jobs_60min_change_pct", "number"),
        ("jobs_2sfca_60min", "number"),  # jobs per resident, a ratio
        ("jobs_gravity", "number"),
        ("jobs within 60 min Gini", "number"),
        ("% residents with jobs within 60 min >= 10,000", "number"),
        ("area_km2", "number"),
        ("lon", "coordinate"),
        ("centre_lat", "coordinate"),
    ],
)
def test_columns_are_rounded_by_what_their_name_says_they_hold(name, kind):
    assert column_kind(name, counts=("schools",)) == kind


def test_integer_text_and_geometry_columns_pass_through_and_the_input_is_not_changed():
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame(
        {"id": [1, 2], "name": ["a", "b"], "area_km2": [1.23456789, 2.0]},
        geometry=[shapely.Point(116.123456789, 36.1), shapely.Point(0, 0)],
        crs=4326,
    )
    out = round_for_output(frame)
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == frame.crs
    assert out.geometry.iloc[0].x == 116.123456789
    assert out["id"].tolist() == [1, 2] and out["name"].tolist() == ["a", "b"]
    assert out["area_km2"].tolist() == [1.23457, 2.0]
    assert frame["area_km2"].iloc[0] == 1.23456789  # the library's frame keeps full precision


def test_rounded_porto_alegre_walk_times_keep_every_whole_minute_cutoff(poa_network):
    """Real matrix: each rounded time is the exact one rounded up by less than 0.1 min, and
    ``t <= c`` gives the same answer on both for every cutoff 1..90 min."""
    import access

    points = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))[["id", "lon", "lat"]]
    exact = access.travel_times(poa_network, points, mode="walk", max_time_min=90, progress=False)
    rounded = round_for_output(exact)
    t, r = exact["travel_time_min"].to_numpy(), rounded["travel_time_min"].to_numpy()
    reached = np.isfinite(t)
    assert reached.sum() > 100 and (np.isnan(r) == ~reached).all()
    step = r[reached] - t[reached]
    assert (step >= -1e-9).all() and (step < 0.1 + 1e-9).all()
    assert np.allclose(r[reached] * 10, np.round(r[reached] * 10))
    for cutoff in range(1, 91):
        assert ((t <= cutoff) == (r <= cutoff)).all(), cutoff
    assert (exact["travel_time_min"].to_numpy()[reached] == t[reached]).all()


def test_rounded_circle_totals_equal_integer_sums_of_the_zones_inside(tmp_path_factory):
    """Sample region: each circle's population and jobs, rounded, equal the exact integer
    sums (Python ints) over the zones whose rounded time is within the cutoff."""
    import access
    from access.sample import write_sample_region

    region = write_sample_region(tmp_path_factory.mktemp("rounding-sample"))
    network = access.build_network(region.osm_pbf, modes=("car",), progress=False)
    places = pd.read_csv(region.places_csv)
    result = access.commuting_circles(
        network, ["Core City district 1"], zones=places, mode="car", cutoffs_min=(60, 120), progress=False
    )
    zones = round_for_output(result.zones)
    summary = round_for_output(result.summary)
    for row in summary.itertuples():
        inside = zones["travel_time_min"] <= row.cutoff_min
        assert row.population == sum(int(p) for p in places.loc[inside.to_numpy(), "population"])
        assert row.jobs == sum(int(j) for j in places.loc[inside.to_numpy(), "jobs"])
        assert row.zones == int(inside.sum())
    assert summary["population"].dtype == np.int64


@pytest.mark.parametrize(
    "batches",
    [
        # minutes whole in the first batch only: the whole table keeps floats
        [[1.0, 2.0], [2.5, np.nan]],
        # whole in every batch, one batch all missing: nullable integers for the whole table
        [[1.0, 3.0], [np.nan, np.nan], [4.0, 0.0]],
        # whole everywhere, nothing missing: int64
        [[1.0, 3.0], [4.0, 0.0]],
        # every value missing: floats
        [[np.nan], [np.nan, np.nan]],
    ],
)
def test_a_table_streamed_in_batches_is_written_as_the_whole_table_would_be(tmp_path, batches):
    """write_parquet_batches: the same values and dtypes as write_table of the concatenated
    table, whatever each batch alone would have become (the case of issue 17.7)."""
    from access.io.output import write_parquet_batches, write_table

    frames = [
        pd.DataFrame(
            {
                "from_id": [f"o{i}"] * len(times),
                "travel_time_min": np.array(times) - 0.04,  # 0.96 -> 1.0, 2.46 -> 2.5
                "jobs": [10.2] * (len(times) - 1) + [np.nan if i == 2 else 3.0],
                "rides_p50": [1.0] * len(times),
            }
        )
        for i, times in enumerate(batches)
    ]
    whole = write_table(pd.concat(frames, ignore_index=True), tmp_path / "whole.parquet")
    streamed = write_parquet_batches(iter(frames), tmp_path / "streamed.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(streamed), pd.read_parquet(whole))
    exact = write_parquet_batches(iter(frames), tmp_path / "exact.parquet", rounded=False)
    pd.testing.assert_frame_equal(pd.read_parquet(exact), pd.concat(frames, ignore_index=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exact.parquet", "streamed.parquet", "whole.parquet"]
