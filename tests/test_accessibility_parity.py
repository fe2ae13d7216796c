"""Parity with the R package ``accessibility`` (ipeaGIT) on its Belo Horizonte data.

Expected numbers come from the package itself: the FGT values its inequality-and-poverty
vignette prints for jobs within 30 min (poverty line 95,368), and the expectations of its
test suite (``tests/testthat/test-*.R``, rounded there to 4 decimals or whole numbers),
which run the same functions on subsets of the same matrix; the spatial-availability
example is Soukhov et al. (2023)'s. Each measure is also checked against a brute-force
loop or an identity (Theil's decomposition adds up; passive = active on the transposed
matrix; spatial availability allocates every reached job once).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import access
from access.measures.accessibility import accessibility_from_matrix
from tests.conftest import require_data

FGT_IDS = ["89a88cd909bffff", "89a88cdb57bffff", "89a88cdb597ffff", "89a88cdb5b3ffff", "89a88cdb5cfffff"]
THEIL_IDS = ["89a88cd900bffff", "89a88cdb57bffff", "89a88cdb597ffff", "89a88cdb5b3ffff", "89a88cdb5cfffff"]
BALANCING_IDS = ["89a88cda64fffff", "89a88cdb027ffff", "89a88cdb12bffff", "89a88cdb287ffff", "89a88cdb67bffff"]
SMALL_IDS = ["89a88cdb57bffff", "89a88cdb597ffff", "89a88cdb5b3ffff", "89a88cdb5cfffff", "89a88cd909bffff"]


@pytest.fixture(scope="module")
def bho():
    matrix = pd.read_csv(require_data("bho/bho_travel_matrix_transit.csv.gz"))
    land = pd.read_csv(require_data("bho/bho_land_use.csv"))
    return matrix, land


@pytest.fixture(scope="module")
def bho30(bho):
    """Jobs within 30 min of every cell, with the cells' land use (computed once)."""
    matrix, land = bho
    return _access30(matrix, land)


def _access30(matrix, land, ids=None):
    m = matrix if ids is None else matrix[matrix["from_id"].isin(ids)]
    res = accessibility_from_matrix(m, land, measure="cumulative", cutoffs_min=(30,))
    return res.merge(land, on="id")


def test_fgt_poverty_equals_the_vignettes_belo_horizonte_values(bho, bho30):
    matrix, land = bho
    res = bho30
    fgt = access.fgt_poverty(res, value="jobs_30min", population="population", poverty_line=95368)
    # vignette "Calculating accessibility inequality and poverty": FGT0 0.5745378,
    # FGT1 0.3277383, FGT2 0.2218769
    assert fgt.loc[0, "fgt0"] == pytest.approx(0.5745378, abs=5e-8)
    assert fgt.loc[0, "fgt1"] == pytest.approx(0.3277383, abs=5e-8)
    assert fgt.loc[0, "fgt2"] == pytest.approx(0.2218769, abs=5e-8)
    assert fgt.loc[0, "population"] == land["population"].sum()
    # brute force: a loop over residents' cells
    line, num, w = 95368.0, np.zeros(3), 0.0
    for a, p in zip(res["jobs_30min"], res["population"], strict=True):
        gap = max(line - a, 0) / line
        num += p * np.array([float(a < line), gap, gap**2])
        w += p
    assert fgt[["fgt0", "fgt1", "fgt2"]].to_numpy()[0] == pytest.approx(num / w, rel=1e-12)


def test_fgt_poverty_by_group_and_the_package_test_values(bho, bho30):
    matrix, land = bho
    res = _access30(matrix, land, FGT_IDS)
    # test-fgt_poverty.R: every cell below 100,000 -> FGT0 1, FGT1 0.5588, FGT2 0.3256;
    # above 10,000 everywhere -> all 0
    fgt = access.fgt_poverty(res, value="jobs_30min", poverty_line=100000)
    assert fgt.loc[0, "fgt0"] == 1 and round(fgt.loc[0, "fgt1"], 4) == 0.5588 and round(fgt.loc[0, "fgt2"], 4) == 0.3256
    assert access.fgt_poverty(res, value="jobs_30min", poverty_line=10000)[["fgt0", "fgt1", "fgt2"]].eq(0).all(None)
    full = bho30
    by = access.fgt_poverty(full, value="jobs_30min", poverty_line=95368, by="income_decile")
    assert list(by["income_decile"].dropna()) == sorted(full["income_decile"].dropna().unique())
    # the groups' FGT0, weighted by their residents, give the overall FGT0 (decomposable)
    known = by.dropna(subset=["fgt0"])
    overall = access.fgt_poverty(full.dropna(subset=["income_decile"]), value="jobs_30min", poverty_line=95368)
    assert np.average(known["fgt0"], weights=known["population"]) == pytest.approx(overall.loc[0, "fgt0"])


def test_fgt_leaves_off_network_zones_out_and_reports_their_residents():
    res = pd.DataFrame({"jobs": [10.0, 50.0, np.nan], "population": [100, 300, 40]})
    fgt = access.fgt_poverty(res, value="jobs", poverty_line=20)
    assert fgt.loc[0, "fgt0"] == pytest.approx(0.25) and fgt.loc[0, "fgt1"] == pytest.approx(0.125)
    assert fgt.loc[0, "excluded_population"] == 40
    with pytest.raises(access.InputError, match="poverty_line"):
        access.fgt_poverty(res, value="jobs", poverty_line=0)
    with pytest.raises(access.InputError, match="no column 'jobz'"):
        access.fgt_poverty(res, value="jobz", poverty_line=10)


def test_theil_t_and_its_decomposition_equal_the_package_tests(bho):
    matrix, land = bho
    # the package drops the cells without an income decile (they have no residents)
    res = _access30(matrix, land, THEIL_IDS).dropna(subset=["income_decile"])
    # test-theil_t.R: total 0.0852 without groups
    assert round(access.theil_t(res, value="jobs_30min").loc[0, "theil_t"], 4) == 0.0852
    dec = access.theil_t(res, value="jobs_30min", groups="income_decile")
    summary = dec.summary.set_index("component")
    assert summary["value"].round(4).to_dict() == {"between_group": 0.0515, "within_group": 0.0337, "total": 0.0852}
    assert summary["share_of_total"].round(4).tolist() == [0.6044, 0.3956, 1.0]
    assert dec.within_group["income_decile"].tolist() == [1, 3, 6, 10]
    assert dec.within_group["value"].round(4).tolist() == [0, 0, 0, 0.0337]
    assert dec.between_group["value"].round(4).tolist() == [0.0243, -0.0579, -0.0042, 0.0894]


def test_theil_decomposition_adds_up_to_the_total_on_all_of_belo_horizonte(bho30):
    res = bho30.dropna(subset=["income_decile"])
    res = res[res["population"] > 0]
    total = access.theil_t(res, value="jobs_30min").loc[0, "theil_t"]
    dec = access.theil_t(res, value="jobs_30min", groups="income_decile")
    assert dec.total.iloc[0] == pytest.approx(total, rel=1e-12)
    # brute force over residents' cells
    a, w = res["jobs_30min"].to_numpy(float), res["population"].to_numpy(float)
    m = np.average(a, weights=w)
    brute = sum(wi * (ai / m) * math.log(ai / m) for ai, wi in zip(a, w, strict=True) if ai > 0) / w.sum()
    assert total == pytest.approx(brute, rel=1e-10)
    assert access.theil_t(pd.DataFrame({"a": [5.0, 5.0], "population": [1, 3]}), value="a").loc[0, "theil_t"] == 0


def test_concentration_index_equals_the_package_tests(bho):
    matrix, land = bho
    res = _access30(matrix, land, FGT_IDS)
    # test-concentration_index.R: standard -0.0248, corrected -0.1314
    std = access.concentration_index(res, value="jobs_30min", income="income_per_capita")
    cor = access.concentration_index(res, value="jobs_30min", income="income_per_capita", type="corrected")
    assert round(std.loc[0, "concentration_index"], 4) == -0.0248
    assert round(cor.loc[0, "concentration_index"], 4) == -0.1314


def test_concentration_index_equals_the_covariance_formula(bho30):
    # Kakwani et al. (1997): C = 2 cov_w(a, r) / mean_w(a), r the fractional rank
    res = bho30.dropna(subset=["income_per_capita"])
    res = res.sort_values("income_per_capita", kind="stable")
    a, w = res["jobs_30min"].to_numpy(float), res["population"].to_numpy(float)
    s = w / w.sum()
    r = np.cumsum(s) - s / 2
    ma, mr = np.dot(s, a), np.dot(s, r)
    expected = 2 * np.dot(s, (a - ma) * (r - mr)) / ma
    got = access.concentration_index(res, value="jobs_30min", income="income_per_capita")
    assert got.loc[0, "concentration_index"] == pytest.approx(expected, rel=1e-9)
    assert mr == pytest.approx(0.5)


def test_cumulative_interval_equals_the_package_tests_active_and_passive(bho):
    matrix, land = bho
    small = matrix[matrix["from_id"].isin(SMALL_IDS) & matrix["to_id"].isin(SMALL_IDS)]
    got = access.cumulative_interval(small, land, opportunity="jobs", interval_min=(40, 45)).set_index("id")
    # test-cumulative_interval.R: jobs 82, 517, 517, 304, 0
    assert got.loc[SMALL_IDS, "jobs"].tolist() == [82, 517, 517, 304, 0]
    passive = access.cumulative_interval(
        small, land, opportunity="population", interval_min=(40, 45), active=False
    ).set_index("id")
    assert passive.loc[SMALL_IDS, "population"].tolist() == [1946, 3457, 2363, 4552, 0]
    # brute force on the full matrix: the median of the six cumulative counts, truncated
    full = access.cumulative_interval(matrix, land, interval_min=(40, 45)).set_index("id")
    counts = accessibility_from_matrix(matrix, land, measure="cumulative", cutoffs_min=range(40, 46)).set_index("id")
    expected = np.trunc(np.median(counts[[f"jobs_{c}min" for c in range(40, 46)]].to_numpy(), axis=1))
    assert np.array_equal(full.loc[counts.index, "jobs"].to_numpy(), expected)


def test_balancing_cost_equals_the_package_tests(bho):
    matrix, land = bho
    small = matrix[matrix["from_id"].isin(BALANCING_IDS) & matrix["to_id"].isin(BALANCING_IDS)]
    got = access.balancing_cost(small, land).set_index("id")
    # test-balancing_cost.R: 42, 6, 27, 6, 20 minutes (and 10 more when every trip is 10 longer)
    assert got.loc[BALANCING_IDS, "travel_time"].tolist() == [42, 6, 27, 6, 20]
    slower = access.balancing_cost(small.assign(travel_time=small["travel_time"] + 10), land).set_index("id")
    assert slower.loc[BALANCING_IDS, "travel_time"].tolist() == [52, 16, 37, 16, 30]
    # brute force: the first whole minute at which the jobs reached exceed the residents
    land_ix = land.set_index("id")
    for origin in BALANCING_IDS:
        pairs = small[small["from_id"] == origin]
        jobs = land_ix.loc[pairs["to_id"], "jobs"].to_numpy()
        own = land_ix.loc[origin, "population"]
        first = next(c for c in range(0, 200) if jobs[pairs["travel_time"].to_numpy() <= c].sum() > own)
        assert got.loc[origin, "travel_time"] == first


def test_spatial_availability_reproduces_soukhov_et_al():
    # Soukhov et al. (2023) example (as in the package's tests): exponential decay 0.1
    matrix = pd.DataFrame(
        {
            "from_id": np.repeat(["A", "B", "C"], 3),
            "to_id": ["1", "2", "3"] * 3,
            "travel_time": [15, 30, 100, 30, 15, 100, 100, 100, 15],
        }
    )
    land = pd.DataFrame(
        {
            "id": ["A", "B", "C", "1", "2", "3"],
            "population": [50000, 150000, 10000, 0, 0, 0],
            "jobs": [0, 0, 0, 100000, 100000, 10000],
        }
    )
    sa = access.spatial_availability(matrix, land, decay="exponential", decay_param=0.1).set_index("id")
    assert sa["jobs"].round().tolist() == [66833, 133203, 9963]
    assert sa["jobs"].sum() == pytest.approx(210000), "every job is allocated once"
    # by hand for origin A: its share of each destination's jobs
    f = np.exp(-0.1 * np.array([[15, 30, 100], [30, 15, 100], [100, 100, 15]]))
    pop = np.array([50000, 150000, 10000])
    by_hand = (pop[:, None] * f / (pop[:, None] * f).sum(axis=0) * np.array([100000, 100000, 10000])).sum(axis=1)
    assert sa["jobs"].to_numpy() == pytest.approx(by_hand, rel=1e-12)
    detailed = access.spatial_availability(matrix, land, decay="exponential", decay_param=0.1, detailed=True)
    assert detailed.groupby("to_id")["combined_bal_fac"].sum().tolist() == pytest.approx([1, 1, 1])


def test_spatial_availability_with_flat_decay_equals_the_package_test(bho):
    matrix, land = bho
    small = matrix[matrix["from_id"].isin(SMALL_IDS) & matrix["to_id"].isin(SMALL_IDS)]
    # test-spatial_availability.R, a decay of 1 everywhere: 94, 44, 218, 243, 0 jobs
    sa = access.spatial_availability(small, land, decay="binary", decay_param=1e6).set_index("id")
    assert sa.loc[SMALL_IDS, "jobs"].round().tolist() == [94, 44, 218, 243, 0]


def test_passive_accessibility_is_active_accessibility_on_the_transposed_matrix(bho):
    matrix, land = bho
    passive = access.passive_accessibility(matrix, land, demand="population", cutoffs_min=(30, 60)).set_index("id")
    flipped = matrix.rename(columns={"from_id": "to_id", "to_id": "from_id"})
    active = accessibility_from_matrix(
        flipped, land, measure="cumulative", opportunity="population", cutoffs_min=(30, 60)
    )
    active = active.set_index("id")
    assert np.allclose(passive.loc[active.index, "population_30min"], active["population_30min"])
    assert np.allclose(passive.loc[active.index, "population_60min"], active["population_60min"])
    gravity = access.passive_accessibility(matrix, land, measure="gravity", decay="exponential", decay_param=0.1)
    one = gravity["id"].iloc[0]
    pairs = matrix[matrix["to_id"] == one]
    pop = land.set_index("id").loc[pairs["from_id"], "population"].to_numpy()
    assert gravity.set_index("id").loc[one, "population_gravity"] == pytest.approx(
        float(np.sum(pop * np.exp(-0.1 * pairs["travel_time"].to_numpy())))
    )
