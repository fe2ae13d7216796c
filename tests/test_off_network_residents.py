"""Residents beyond the snapping limit: NaN accessibility (not 0), left out of means, Gini
and shares, and counted (zones and residents) in every summary. Real Porto Alegre data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely

import access
from access.measures.equity import gini, summarise
from access.scenarios.compare import compare
from tests.conftest import require_data

pytestmark = pytest.mark.filterwarnings("ignore::access.errors.OffNetworkWarning")


@pytest.fixture(scope="module")
def cells():
    grid = pd.read_csv(require_data("poa/poa_hexgrid.csv")).fillna(0)
    grid["class"] = np.where(grid["population"] > grid["population"].median(), "dense", "sparse")
    return grid


def _far_from_every_edge(street, frame: pd.DataFrame) -> np.ndarray:
    """Brute force: each point's distance to the union of all the network's edges."""
    seg = street.segments
    edges = shapely.multilinestrings(
        shapely.linestrings(np.stack([np.c_[seg.ax, seg.ay], np.c_[seg.bx, seg.by]], axis=1))
    )
    x, y = access.as_points(frame).projected(street.crs_epsg)
    return shapely.distance(shapely.points(x, y), edges) > street.max_snap_m


@pytest.fixture(scope="module")
def walk_access(poa_network, cells):
    return access.accessibility(poa_network, cells, cells, mode="walk", cutoffs_min=(20, 40))


def test_cells_beyond_the_snapping_limit_get_nan_access_not_zero(poa_network, cells, walk_access):
    far = _far_from_every_edge(poa_network.street("walk"), cells)
    assert far.sum() == 11  # cells of the hexgrid beyond the extract's walk network
    assert np.array_equal(walk_access["off_network"].to_numpy(), far)
    for column in ("jobs_20min", "jobs_40min"):
        assert walk_access.loc[far, column].isna().all()
        assert walk_access.loc[~far, column].notna().all()
    assert walk_access.attrs["off_network"] == {"zones": 11, "residents": float(cells.loc[far, "population"].sum())}


@pytest.mark.parametrize(
    "kwargs", [dict(measure="gravity", decay_param=0.08), dict(measure="2sfca", cutoffs_min=(30,))], ids=str
)
def test_every_measure_marks_them_nan(poa_network, cells, kwargs):
    far = _far_from_every_edge(poa_network.street("car"), cells)
    result = access.accessibility(poa_network, cells, cells, mode="car", max_time_min=30, **kwargs)
    value = result.columns[-1] if result.columns[-1] != "off_network" else result.columns[-2]
    assert np.array_equal(result["off_network"].to_numpy(), far)
    assert result.loc[far, value].isna().all() and result.loc[~far, value].notna().all()


def test_summaries_leave_them_out_and_count_them(walk_access, cells):
    table = summarise(walk_access, value="jobs_40min", by="class", thresholds=(50_000,))
    far = walk_access["off_network"].to_numpy()
    for group, part in [("all", walk_access), *walk_access.groupby("class")]:
        row = table[table["class"] == group].iloc[0]
        off = part["off_network"].to_numpy()
        on = part[~off]
        assert row["excluded zones (off network)"] == off.sum()
        assert row["excluded residents (off network)"] == part.loc[off, "population"].sum()
        assert row["zones"] == len(on) and row["residents"] == on["population"].sum()
        assert row["jobs within 40 min mean"] == pytest.approx(np.average(on["jobs_40min"], weights=on["population"]))
        share = on.loc[on["jobs_40min"] >= 50_000, "population"].sum() / on["population"].sum()
        assert row["% residents with jobs within 40 min >= 50,000"] == pytest.approx(100 * share)
        assert row["jobs within 40 min Gini"] == pytest.approx(gini(on["jobs_40min"], on["population"]))
    assert far.sum() == 11
    # counting them as 0 (the old behaviour) would have lowered the mean
    zeros = walk_access["jobs_40min"].fillna(0)
    assert np.average(zeros, weights=walk_access["population"]) < table.iloc[0]["jobs within 40 min mean"]


def test_before_after_comparisons_count_them_apart(poa_network, cells):
    origins = pd.concat(
        [cells.sample(40, random_state=3), cells[_far_from_every_edge(poa_network.street("walk"), cells)]]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(poa_network, poa_network, origins, cells, mode="walk", cutoffs_min=(30,), by=None)
    off = result.origins["off_network"].to_numpy()
    assert off.sum() == 11
    assert result.origins.loc[off, "jobs_30min_before"].isna().all()
    assert result.origins.loc[~off, "jobs_30min_before"].notna().all()
    summary = result.summary.set_index(["metric", "group"])
    assert summary.loc[("off_network_origins", "all"), "value"] == 11
    assert summary.loc[("off_network_population", "all"), "value"] == origins["population"].to_numpy()[off].sum()
    on = result.origins[~off]
    mean = summary[summary.index.get_level_values(0) == "mean_jobs"]["before"].iloc[0]
    assert mean == pytest.approx(np.average(on["jobs_30min_before"], weights=on["population"]))
