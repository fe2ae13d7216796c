"""Real data: job accessibility on foot and by bus + Trensurb rail for the Porto Alegre grid."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import access
from access.io.opportunities import read_opportunities
from access.measures.accessibility import accessibility
from access.measures.equity import summarise
from tests.conftest import require_data

DEPARTURE = "2019-05-13T14:00"  # r5r's customary departure for this data
WINDOW_MIN = 10  # short window keeps the test fast; the measure is the same
# 11 grid cells lie > 1 km from the walk network of the extract: NaN times, reported once
pytestmark = pytest.mark.filterwarnings("ignore::access.errors.OffNetworkWarning")


@pytest.fixture(scope="module")
def poa():
    network = access.build_network(
        require_data("poa/poa_osm.pbf"),
        modes=("walk",),
        progress=False,
        service_date="2019-05-13",
        gtfs=[require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 empty job cells, counted as 0
        grid = read_opportunities(require_data("poa/poa_hexgrid.csv"))
    return network, grid


@pytest.fixture(scope="module")
def walk_access(poa):
    network, grid = poa
    return accessibility(network, grid, grid, measure="cumulative", mode="walk", cutoffs_min=(30, 60))


def _brute_force(table: pd.DataFrame, grid: pd.DataFrame, origin, cutoff: float) -> float:
    rows = table[(table.from_id == origin) & (table.travel_time_min <= cutoff)]
    return float(rows.merge(grid[["id", "jobs"]], left_on="to_id", right_on="id")["jobs"].sum())


def test_walk_job_access_for_every_cell_matches_brute_force(poa, walk_access):
    network, grid = poa
    assert len(walk_access) == len(grid) and walk_access["id"].tolist() == grid["id"].tolist()
    on = ~walk_access["off_network"]  # the cells off the network have NaN access (not 0)
    assert walk_access.loc[on, ["jobs_30min", "jobs_60min"]].notna().all().all()
    assert walk_access.loc[~on, ["jobs_30min", "jobs_60min"]].isna().all().all()
    assert (walk_access.loc[on, "jobs_30min"] <= walk_access.loc[on, "jobs_60min"]).all()
    assert walk_access["jobs_60min"].max() <= grid["jobs"].sum()
    picks = walk_access.sort_values("jobs_60min")["id"].iloc[[100, 600, 1100]].tolist()
    table = access.travel_times(network, grid[grid.id.isin(picks)], grid, mode="walk", max_time_min=60)
    for origin in picks:
        row = walk_access.set_index("id").loc[origin]
        assert row["jobs_30min"] == _brute_force(table, grid, origin, 30)
        assert row["jobs_60min"] == _brute_force(table, grid, origin, 60)


def test_transit_job_access_for_every_cell_reaches_at_least_the_walk_jobs(poa, walk_access):
    network, grid = poa
    origins = grid  # every cell to every cell
    transit = accessibility(
        network,
        origins,
        grid,
        measure="cumulative",
        mode="transit",
        cutoffs_min=(30, 60),
        departure=DEPARTURE,
        window_min=WINDOW_MIN,
    )
    walk = walk_access.set_index("id").loc[transit["id"]]
    on = ~transit["off_network"].to_numpy()
    assert np.array_equal(on, ~walk["off_network"].to_numpy())  # off the walk network: off for transit too
    for cutoff in (30, 60):
        # a direct walk always counts as a transit trip
        assert (transit[f"jobs_{cutoff}min"].to_numpy()[on] >= walk[f"jobs_{cutoff}min"].to_numpy()[on]).all()
    assert transit["jobs_60min"].median() > 2 * walk["jobs_60min"].median()
    table = access.travel_times(
        network,
        origins.iloc[[30, 600, 1100]],
        grid,
        mode="transit",
        departure=DEPARTURE,
        window_min=WINDOW_MIN,
        max_time_min=60,
    )
    for origin in origins["id"].iloc[[30, 600, 1100]]:
        assert transit.set_index("id").loc[origin, "jobs_60min"] == _brute_force(table, grid, origin, 60)
    # the population-weighted summary a planner reports: transit widens access and evens it out
    both = summarise(transit, value="jobs_60min", by=None).iloc[0]
    on_foot = summarise(walk_access, value="jobs_60min", by=None).iloc[0]
    assert both["residents"] + both["excluded residents (off network)"] == 812_935
    assert both["residents"] == on_foot["residents"] and both["excluded zones (off network)"] == 11
    assert both["jobs within 60 min mean"] > 2 * on_foot["jobs within 60 min mean"]
    assert both["jobs within 60 min Gini"] < on_foot["jobs within 60 min Gini"]


def test_population_weighted_summary_of_walk_access(walk_access):
    table = summarise(walk_access, value=["jobs_30min", "jobs_60min"], by=None, thresholds=(50_000,))
    row = table.iloc[0]
    # off-network cells are left out of every statistic and counted apart
    on = walk_access[~walk_access["off_network"]]
    residents = on["population"].sum()
    assert row["residents"] == residents and row["residents"] + row["excluded residents (off network)"] == 812_935
    expected = np.average(on["jobs_60min"], weights=on["population"])
    assert row["jobs within 60 min mean"] == pytest.approx(expected)
    reach = on.loc[on["jobs_60min"] >= 50_000, "population"].sum() / residents
    assert row["% residents with jobs within 60 min >= 50,000"] == pytest.approx(100 * reach)
    assert 0 < row["jobs within 30 min Gini"] < 1
    assert row["jobs within 30 min Gini"] > row["jobs within 60 min Gini"]  # longer walks even out access
