"""Accessibility measures: hand-worked 3x3 cases, the R package `accessibility`'s published
values on its Belo Horizonte data, and independent pandas computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from access.errors import InputError
from access.measures.accessibility import MEASURES, accessibility_from_matrix
from access.measures.decay import DECAY_FUNCTIONS, decay_weights
from tests.conftest import require_data

# --- a tiny region: 3 origins = 3 destinations (A, B, C), minutes --------------------------
#        to A   to B   to C
# A       5     20     70
# B      20      5     NaN (unreachable)
# C      70    (missing pair)  10
TINY_T = {
    ("A", "A"): 5.0,
    ("A", "B"): 20.0,
    ("A", "C"): 70.0,
    ("B", "A"): 20.0,
    ("B", "B"): 5.0,
    ("B", "C"): np.nan,
    ("C", "A"): 70.0,
    ("C", "C"): 10.0,
}
TINY_LAND = pd.DataFrame({"id": ["A", "B", "C"], "population": [100.0, 300.0, 600.0], "jobs": [1000.0, 200.0, 50.0]})


def tiny_matrix() -> pd.DataFrame:
    return pd.DataFrame([(o, d, t) for (o, d), t in TINY_T.items()], columns=["from_id", "to_id", "travel_time_min"])


def by_id(frame: pd.DataFrame, column: str) -> dict:
    return dict(zip(frame["id"], frame[column], strict=True))


def test_cumulative_counts_pairs_within_cutoff_inclusive():
    result = accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="cumulative", cutoffs_min=(20, 60, 70))
    assert by_id(result, "jobs_20min") == {"A": 1200.0, "B": 1200.0, "C": 50.0}  # 20 <= 20 counts
    assert by_id(result, "jobs_60min") == {"A": 1200.0, "B": 1200.0, "C": 50.0}
    assert by_id(result, "jobs_70min") == {"A": 1250.0, "B": 1200.0, "C": 1050.0}


def test_cumulative_reports_every_requested_origin_even_unreached():
    result = accessibility_from_matrix(tiny_matrix(), TINY_LAND, cutoffs_min=(1,), origins=["A", "B", "C", "D"])
    assert by_id(result, "jobs_1min") == {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}


def test_gravity_exponential_by_hand():
    result = accessibility_from_matrix(
        tiny_matrix(), TINY_LAND, measure="gravity", decay="exponential", decay_param=0.1
    )
    expected_a = 1000 * math.exp(-0.5) + 200 * math.exp(-2.0) + 50 * math.exp(-7.0)
    expected_c = 1000 * math.exp(-7.0) + 50 * math.exp(-1.0)
    got = by_id(result, "jobs_gravity")
    assert got["A"] == pytest.approx(expected_a, rel=1e-12)
    assert got["C"] == pytest.approx(expected_c, rel=1e-12)


@pytest.mark.parametrize(
    ("decay", "param", "t", "expected"),
    [
        ("exponential", 0.2, 10.0, math.exp(-2.0)),
        ("power", 2.0, 10.0, 0.01),
        ("power", 2.0, 0.5, 1.0),  # R: weights above 1 (t < 1 min) capped at 1
        ("gaussian", 30.0, 30.0, math.exp(-0.5)),
        ("logistic", (60.0, 10.0), 60.0, (1 + math.exp(-60 * math.pi / (10 * math.sqrt(3)))) / 2),
        ("linear", 60.0, 15.0, 0.75),
        ("linear", 60.0, 90.0, 0.0),
        ("step", ((10.0, 20.0), (0.5, 0.0)), 9.9, 1.0),
        ("step", ((10.0, 20.0), (0.5, 0.0)), 10.0, 0.5),  # R decay_stepped: changes at the step
        ("step", ((10.0, 20.0), (0.5, 0.0)), 25.0, 0.0),
        ("binary", 30.0, 30.0, 1.0),
        ("binary", 30.0, 30.1, 0.0),
    ],
)
def test_decay_functions_match_their_formulas(decay, param, t, expected):
    assert decay_weights(np.array([t]), decay, param)[0] == pytest.approx(expected, rel=1e-12)


def test_every_decay_gives_zero_weight_to_unreachable_and_one_near_zero():
    for decay in DECAY_FUNCTIONS:
        w = decay_weights(np.array([np.nan, 0.0]), decay)
        assert w[0] == 0.0
        assert w[1] == pytest.approx(1.0)


def test_nearest_n_sums_counts_nearest_first():
    land = TINY_LAND.assign(schools=[0.0, 2.0, 1.0])
    result = accessibility_from_matrix(tiny_matrix(), land, measure="nearest", opportunity="schools", n=(1, 2, 3, 4))
    assert by_id(result, "time_to_schools_min") == {"A": 20.0, "B": 5.0, "C": 10.0}
    assert by_id(result, "time_to_2_schools_min") == {"A": 20.0, "B": 5.0, "C": pytest.approx(np.nan, nan_ok=True)}
    assert by_id(result, "time_to_3_schools_min")["A"] == 70.0
    assert np.isnan(by_id(result, "time_to_3_schools_min")["B"])  # C unreachable from B
    assert np.isnan(by_id(result, "time_to_4_schools_min")["A"])


def test_2sfca_by_hand():
    # cutoff 20: A and B reach {A, B}, C reaches {C}; people served at A and B: 100 + 300,
    # at C: 600
    result = accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="2sfca", cutoffs_min=(20,))
    ratio_a, ratio_b, ratio_c = 1000 / 400, 200 / 400, 50 / 600
    got = by_id(result, "jobs_2sfca_20min")
    assert got["A"] == pytest.approx(ratio_a + ratio_b)
    assert got["B"] == pytest.approx(ratio_a + ratio_b)
    assert got["C"] == pytest.approx(ratio_c)
    # 2SFCA conserves supply: population-weighted sum = jobs inside someone's catchment
    total = sum(got[k] * p for k, p in zip("ABC", TINY_LAND["population"], strict=True))
    assert total == pytest.approx(1250.0)


def test_e2sfca_weights_zones_by_hand():
    # cutoff 30: zones (0,10] 1.0, (10,20] 0.68, (20,30] 0.22 (Luo & Qi 2009)
    result = accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="e2sfca", cutoffs_min=(30,))
    served_a = 100 * 1.0 + 300 * 0.68
    served_b = 100 * 0.68 + 300 * 1.0
    served_c = 600 * 1.0
    got = by_id(result, "jobs_e2sfca_30min")
    assert got["A"] == pytest.approx(1.0 * 1000 / served_a + 0.68 * 200 / served_b)
    assert got["B"] == pytest.approx(0.68 * 1000 / served_a + 1.0 * 200 / served_b)
    assert got["C"] == pytest.approx(50 / served_c)


def test_bfca_by_hand_conserves_supply():
    result = accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="bfca", cutoffs_min=(20,))
    got = by_id(result, "jobs_bfca_20min")
    # binary weights: A and B each split over {A, B}; C alone with itself
    served_a = 100 * 0.5 + 300 * 0.5
    assert got["A"] == pytest.approx(0.5 * 1000 / served_a + 0.5 * 200 / served_a)
    total = sum(got[k] * p for k, p in zip("ABC", TINY_LAND["population"], strict=True))
    assert total == pytest.approx(1250.0)  # balanced: every reachable job allocated once


def test_centres_weighted_average_time_and_nearest():
    land = TINY_LAND.assign(gdp=[3.0, 1.0, 0.0])  # centres A and B
    result = accessibility_from_matrix(tiny_matrix(), land, measure="centres", centre_weight="gdp")
    avg, nearest = by_id(result, "avg_time_to_centres_min"), by_id(result, "time_to_nearest_centre_min")
    assert avg["A"] == pytest.approx((3 * 5 + 1 * 20) / 4)
    assert avg["B"] == pytest.approx((3 * 20 + 1 * 5) / 4)
    assert np.isnan(avg["C"])  # C does not reach centre B
    assert nearest == {"A": 5.0, "B": 5.0, "C": 70.0}


def test_unknown_measure_decay_and_column_name_the_valid_ones():
    with pytest.raises(InputError, match="cumulative, gravity"):
        accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="hansen")
    with pytest.raises(InputError, match="exponential, power, gaussian"):
        accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="gravity", decay="cauchy")
    with pytest.raises(InputError, match="not found"):
        accessibility_from_matrix(tiny_matrix(), TINY_LAND, opportunity="schools")
    with pytest.raises(InputError, match="n .* must be >= 1"):
        accessibility_from_matrix(tiny_matrix(), TINY_LAND, measure="nearest", n=0)
    assert set(MEASURES) >= {"cumulative", "gravity", "nearest", "2sfca", "e2sfca", "bfca", "centres"}


def test_accepts_r_style_travel_time_column():
    matrix = tiny_matrix().rename(columns={"travel_time_min": "travel_time"})
    result = accessibility_from_matrix(matrix, TINY_LAND, cutoffs_min=(20,))
    assert by_id(result, "jobs_20min")["A"] == 1200.0


# --- Belo Horizonte: the R package's published outputs ---------------------------------------
BHO_IDS = [
    "89a881a5a2bffff",
    "89a881a5a2fffff",
    "89a881a5a67ffff",
    "89a881a5a6bffff",
    "89a881a5a6fffff",
    "89a881a5b03ffff",
]
BHO_FIRST = [
    "89a88cdb57bffff",
    "89a88cdb597ffff",
    "89a88cdb5b3ffff",
    "89a88cdb5cfffff",
    "89a88cd909bffff",
    "89a88cd90b7ffff",
]


@pytest.fixture(scope="module")
def bho():
    matrix = pd.read_csv(require_data("bho/bho_travel_matrix_transit.csv.gz"))
    land = pd.read_csv(require_data("bho/bho_land_use.csv"))
    return matrix, land


def _values(result: pd.DataFrame, column: str, ids: list[str]) -> list[float]:
    return result.set_index("id").loc[ids, column].tolist()


def test_bho_cumulative_cutoff_matches_published(bho):
    # vignette "Introduction to accessibility": cumulative_cutoff(jobs, cutoff = 30)
    result = accessibility_from_matrix(*bho, measure="cumulative", cutoffs_min=(30,))
    assert _values(result, "jobs_30min", BHO_IDS) == [14561, 29452, 16647, 10700, 6669, 37029]
    # reference page cumulative_cutoff: schools within 30 and 60 min
    schools = accessibility_from_matrix(*bho, measure="cumulative", opportunity="schools", cutoffs_min=(30, 60))
    assert _values(schools, "schools_30min", BHO_IDS) == [1, 10, 1, 0, 0, 14]
    assert _values(schools, "schools_60min", BHO_IDS[:3]) == [76, 91, 82]
    assert len(result) == 898


def test_bho_gravity_exponential_matches_published(bho):
    result = accessibility_from_matrix(
        *bho, measure="gravity", opportunity="schools", decay="exponential", decay_param=0.2
    )
    published = [0.03041853, 1.15549493, 0.56519126, 0.19852152, 0.41378042, 0.95737555]
    np.testing.assert_allclose(_values(result, "schools_gravity", BHO_FIRST), published, rtol=1e-6)


def test_bho_floating_catchment_matches_published(bho):
    two_step = accessibility_from_matrix(*bho, measure="2sfca", cutoffs_min=(50,))  # decay_binary(50)
    published = [0.4278111, 0.3863614, 0.4501725, 0.5366707, 0.4280401, 0.5176583]
    np.testing.assert_allclose(_values(two_step, "jobs_2sfca_50min", BHO_FIRST), published, rtol=1e-6)
    balanced = accessibility_from_matrix(*bho, measure="bfca", decay="exponential", decay_param=0.5)
    published = [0.10280082, 0.30930287, 0.07288551, 0.09759117, 0.07390234, 1.22525579]
    np.testing.assert_allclose(_values(balanced, "jobs_bfca_exponential", BHO_FIRST), published, rtol=1e-6)


def test_bho_cost_to_closest_school_matches_published(bho):
    result = accessibility_from_matrix(*bho, measure="nearest", opportunity="schools", n=1)
    assert _values(result, "time_to_schools_min", BHO_IDS) == [29, 24, 28, 33, 32, 17]


def test_bho_measures_match_plain_pandas_from_the_formulas(bho):
    matrix, land = bho
    pairs = matrix.merge(land[["id", "jobs"]], left_on="to_id", right_on="id")
    pairs = pairs.merge(land[["id", "population"]].rename(columns={"id": "from_id"}), on="from_id")
    ours = accessibility_from_matrix(matrix, land, measure="cumulative", cutoffs_min=(45,)).set_index("id")
    cum = pairs[pairs.travel_time <= 45].groupby("from_id")["jobs"].sum()
    assert (ours.loc[cum.index, "jobs_45min"] == cum).all()
    ours = accessibility_from_matrix(matrix, land, measure="gravity", decay="gaussian", decay_param=20).set_index("id")
    grav = (pairs.jobs * np.exp(-0.5 * (pairs.travel_time / 20) ** 2)).groupby(pairs.from_id).sum()
    np.testing.assert_allclose(ours.loc[grav.index, "jobs_gravity"], grav, rtol=1e-9)
    # 2SFCA as in PySAL access (fca_ratio then sum of ratios in the catchment), pairs <= 30 min
    inside = pairs[pairs.travel_time <= 30]
    served = inside.groupby("to_id")["population"].sum()
    ratio = land.set_index("id")["jobs"].loc[served.index] / served
    expected = inside.assign(r=inside.to_id.map(ratio)).groupby("from_id")["r"].sum()
    ours = accessibility_from_matrix(matrix, land, measure="2sfca", cutoffs_min=(30,)).set_index("id")
    np.testing.assert_allclose(ours.loc[expected.index, "jobs_2sfca_30min"], expected, rtol=1e-9)


def test_bho_nearest_n_matches_brute_force(bho):
    matrix, land = bho
    ours = accessibility_from_matrix(matrix, land, measure="nearest", opportunity="schools", n=5).set_index("id")
    schools = land.set_index("id")["schools"]
    for origin in ours.index[:25]:
        rows = matrix[matrix.from_id == origin].assign(s=lambda f: f.to_id.map(schools)).sort_values("travel_time")
        rows = rows[rows.s > 0]
        reached = rows[rows.s.cumsum() >= 5]
        expected = reached.travel_time.iloc[0] if len(reached) else np.nan
        assert ours.loc[origin, "time_to_5_schools_min"] == pytest.approx(expected, nan_ok=True)


def test_fca_gives_nothing_not_infinity_where_only_empty_origins_reach_a_workplace():
    # zone 2 has no people and alone reaches zone 2's jobs within 5 min
    table = pd.DataFrame({"from_id": [1, 1, 2, 2], "to_id": [1, 2, 1, 2], "travel_time_min": [0.0, 10.0, 10.0, 0.0]})
    land = pd.DataFrame({"id": [1, 2], "population": [100, 0], "jobs": [50, 80]})
    for measure in ("2sfca", "bfca"):
        result = accessibility_from_matrix(
            table,
            land,
            measure=measure,
            cutoffs_min=5,
            **({"decay": "binary", "decay_param": 5} if measure == "bfca" else {}),
        )
        values = result.filter(like="jobs").to_numpy()
        assert np.isfinite(values).all(), measure
    two = accessibility_from_matrix(table, land, measure="2sfca", cutoffs_min=5).set_index("id")
    assert two.iloc[0, 0] == pytest.approx(0.5) and two.iloc[1, 0] == 0.0  # 50 jobs / 100 people; nobody at 2


def test_duplicated_pairs_in_the_travel_time_table_are_refused():
    table = pd.DataFrame({"from_id": [1, 1], "to_id": [1, 1], "travel_time_min": [5.0, 7.0]})
    with pytest.raises(InputError, match="duplicated"):
        accessibility_from_matrix(table, pd.DataFrame({"id": [1], "jobs": [10]}), measure="cumulative")


def test_step_decay_that_keeps_a_weight_searches_past_its_last_step():
    from access.measures.accessibility import _default_budget

    assert _default_budget("gravity", [60], "step", ((20, 40), (0.5, 0.2))) >= 180
    assert _default_budget("gravity", [60], "step", ((20, 40), (0.5, 0.0))) == 40
