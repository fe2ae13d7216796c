"""Equity summaries: Gini / Palma against the R package's published values and brute force;
group tables a planner can read."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from access.errors import InputError
from access.measures.accessibility import accessibility_from_matrix
from access.measures.equity import gini, lorenz, palma_ratio, summarise, weighted_quantile
from tests.conftest import require_data


def brute_force_gini(values, weights) -> float:
    """Weighted mean absolute difference over twice the mean (every pair of residents)."""
    x, w = np.asarray(values, float), np.asarray(weights, float)
    mean = np.average(x, weights=w)
    return float((w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mean))


def test_gini_equals_brute_force_mean_difference():
    rng = np.random.default_rng(5)
    values, weights = rng.gamma(2.0, 1000.0, 300), rng.integers(0, 500, 300)
    assert gini(values, weights) == pytest.approx(brute_force_gini(values, weights), rel=1e-9)


def test_gini_extremes():
    assert gini([5, 5, 5], [1, 2, 3]) == pytest.approx(0.0)
    # one of n equal-weight zones holds everything: (n - 1) / n
    assert gini([0, 0, 0, 10], [1, 1, 1, 1]) == pytest.approx(0.75)
    assert np.isnan(gini([0, 0], [1, 1]))


def test_weighted_quantile_matches_hmisc_by_hand():
    # Hmisc::wtd.quantile(c(1, 2, 3), weights = c(1, 1, 2), probs = 0.5): n = 4, order 2.5,
    # order statistics 2 and 3 of (1, 2, 3, 3) -> 2.5
    assert weighted_quantile([1, 2, 3], [1, 1, 2], [0.5])[0] == pytest.approx(2.5)
    assert weighted_quantile([3, 1, 2], [2, 1, 1], [0.0, 1.0]).tolist() == [1.0, 3.0]


def test_palma_by_hand():
    # ten equal households ranked by income; top 10 % (income > q90) vs bottom 40 %
    income = np.arange(1, 11, dtype=float)
    access = np.array([1, 1, 2, 2, 5, 5, 5, 5, 5, 20], dtype=float)
    q40, q90 = weighted_quantile(income, np.ones(10), [0.4, 0.9])
    poorest, richest = income <= q40, income > q90
    expected = access[richest].mean() / access[poorest].mean()
    assert palma_ratio(access, np.ones(10), income) == pytest.approx(expected)
    assert expected == pytest.approx(20 / 1.5)


def test_lorenz_runs_from_origin_to_one_and_is_convex():
    curve = lorenz(pd.DataFrame({"jobs": [10, 0, 30, 60], "population": [1, 1, 1, 1]}), "jobs")
    assert curve.iloc[0][["population_share", "value_share"]].tolist() == [0.0, 0.0]
    assert curve.iloc[-1][["population_share", "value_share"]].tolist() == pytest.approx([1.0, 1.0])
    assert curve["value_share"].tolist() == pytest.approx([0, 0, 0.1, 0.4, 1.0])
    # the area under the curve gives the Gini
    area = np.trapezoid(curve["value_share"], curve["population_share"])
    assert 1 - 2 * area == pytest.approx(gini([10, 0, 30, 60], [1, 1, 1, 1]))


@pytest.fixture(scope="module")
def bho_access():
    matrix = pd.read_csv(require_data("bho/bho_travel_matrix_transit.csv.gz"))
    land = pd.read_csv(require_data("bho/bho_land_use.csv"))
    access = accessibility_from_matrix(matrix, land, measure="cumulative", cutoffs_min=(30,))
    return access.merge(land, on="id")


def test_bho_gini_and_palma_match_published(bho_access):
    # vignette "Calculating accessibility inequality and poverty": jobs within 30 min
    assert gini(bho_access["jobs_30min"], bho_access["population"]) == pytest.approx(0.4715251, rel=1e-6)
    palma = palma_ratio(bho_access["jobs_30min"], bho_access["population"], bho_access["income_per_capita"])
    assert palma == pytest.approx(3.800465, rel=1e-6)
    assert brute_force_gini(bho_access["jobs_30min"], bho_access["population"]) == pytest.approx(0.4715251, rel=1e-6)


def test_summarise_groups_and_whole_population():
    results = pd.DataFrame(
        {
            "jobs_60min": [50_000, 150_000, 2_000_000, 10_000, 0],
            "time_to_nearest_centre_min": [30.0, 90.0, 10.0, 150.0, np.nan],
            "population": [100, 300, 600, 200, 50],
            "class": ["rural", "rural", "urban", "rural", "rural"],
        }
    )
    table = summarise(results, value=["jobs_60min", "time_to_nearest_centre_min"], thresholds=(100_000,))
    assert table["class"].tolist() == ["all", "rural", "urban"]
    rural = table.set_index("class").loc["rural"]
    assert rural["residents"] == 650
    assert rural["zones"] == 4
    w = np.array([100, 300, 200, 50])
    assert rural["jobs within 60 min mean"] == pytest.approx(np.average([50_000, 150_000, 10_000, 0], weights=w))
    assert rural["% residents with jobs within 60 min >= 100,000"] == pytest.approx(100 * 300 / 650)
    assert rural["jobs within 60 min median"] == 50_000  # 250 of 650 residents below, 350 at or below
    assert rural["% residents with minutes to nearest centre <= 60"] == pytest.approx(100 * 100 / 650)
    assert rural["% residents with minutes to nearest centre <= 120"] == pytest.approx(100 * 400 / 650)
    assert rural["% residents reaching at all (minutes to nearest centre)"] == pytest.approx(100 * 600 / 650)
    assert rural["jobs within 60 min Gini"] == pytest.approx(
        brute_force_gini([50_000, 150_000, 10_000, 0], w), rel=1e-9
    )
    everyone = table.set_index("class").loc["all"]
    assert everyone["residents"] == 1250


def test_summarise_unknown_group_column_is_an_input_error():
    results = pd.DataFrame({"jobs_60min": [1, 2], "population": [1, 1]})
    with pytest.raises(InputError, match="'county' not found"):
        summarise(results, value="jobs_60min", by="county")
    with pytest.raises(InputError, match="not found"):
        summarise(results, value="jobs_120min", by=None)


def test_summarise_group_without_residents_warns_and_gives_nan():
    results = pd.DataFrame({"jobs_60min": [10.0, 20.0], "population": [0, 5], "class": ["rural", "urban"]})
    with pytest.warns(UserWarning, match="no residents.*rural"):
        table = summarise(results, value="jobs_60min")
    rural = table.set_index("class").loc["rural"]
    assert np.isnan(rural["jobs within 60 min mean"]) and np.isnan(rural["jobs within 60 min Gini"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summarise(results, value="jobs_60min", by=None)  # the whole population has residents


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("jobs_60min", "jobs within 60 min"),
        ("jobs_gravity", "jobs_gravity"),
        ("time_to_nearest_centre_min", "minutes to nearest centre"),
        ("avg_time_to_centres_min", "average minutes to centres"),
        ("time_to_schools_min", "minutes to nearest schools"),
        ("time_to_3_schools_min", "minutes to reach 3 schools"),
    ],
)
def test_summary_columns_are_labelled_in_words_with_units(column, label):
    table = summarise(pd.DataFrame({column: [1.0, 2.0], "population": [1, 1]}), value=column, by=None)
    assert f"{label} mean" in table.columns


def test_palma_with_ties_at_the_top_is_a_number_not_nan():
    values = np.array([500, 800] + [1000] * 8, dtype=float)
    ratio = palma_ratio(values, np.full(10, 100.0))
    assert np.isfinite(ratio) and ratio >= 1.0


def test_non_numeric_counts_are_an_error_not_zero():
    from access.io.opportunities import count_values

    frame = pd.DataFrame({"jobs": [10, "x", None, ""]})
    with pytest.raises(InputError, match="not numbers"):
        count_values(frame, "jobs")
    assert count_values(pd.DataFrame({"jobs": [10, None, ""]}), "jobs").tolist() == [10.0, 0.0, 0.0]
