"""Street accessibility aggregated while routing (no origins x destinations table) gives
exactly what the long travel-time table gives, on real Porto Alegre data."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import access
from access.measures import accessibility as acc
from access.measures.accessibility import _duplicates, accessibility_from_matrix
from access.routing import street as street_routing
from access.routing.street import street_reach
from tests.conftest import require_data

MEASURES = [
    dict(measure="cumulative", cutoffs_min=(10, 25)),
    dict(measure="gravity", decay="exponential", decay_param=0.1),
    dict(measure="gravity", decay="step", decay_param=((10, 20), (1.0, 0.4))),
    dict(measure="nearest", n=(1, 4), opportunity="schools"),
    dict(measure="2sfca", cutoffs_min=(20,)),
    dict(measure="e2sfca", cutoffs_min=(25,)),
    dict(measure="bfca", cutoffs_min=(25,)),
    dict(measure="centres", opportunity="healthcare"),
]


@pytest.fixture(scope="module")
def cells():
    return pd.read_csv(require_data("poa/poa_hexgrid.csv")).fillna(0)


@pytest.fixture(scope="module")
def origins(cells):
    # the 3 cells off the network included (they reach nothing)
    return pd.concat([cells.sample(250, random_state=4), cells[cells["id"] == "89a901289d7ffff"]]).drop_duplicates("id")


def _from_long_table(network, origins, cells, mode, budget, kwargs):
    """The reference: the full origins x destinations table, then the measure on it."""
    table = access.travel_times(network, origins, cells, mode=mode, max_time_min=budget)
    land = pd.DataFrame(access.as_points(cells).to_frame().drop(columns="geometry"))
    values = accessibility_from_matrix(table, land, origins=origins["id"], **kwargs)
    return values.set_index("id")


@pytest.mark.parametrize("mode", ["walk", "car"])
@pytest.mark.parametrize("kwargs", MEASURES, ids=lambda k: f"{k['measure']}-{k.get('decay', '')}")
def test_every_measure_while_routing_equals_the_long_table_result(poa_network, cells, origins, mode, kwargs):
    budget = 30
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = access.accessibility(poa_network, origins, cells, mode=mode, max_time_min=budget, **kwargs)
        expected = _from_long_table(poa_network, origins, cells, mode, budget, kwargs)
    columns = [c for c in expected.columns]
    on = got["off_network"].to_numpy() == False  # noqa: E712 - the off-network ones are NaN now
    for column in columns:
        mine = got.set_index("id").loc[expected.index, column].to_numpy()
        np.testing.assert_array_equal(mine[on], expected[column].to_numpy()[on], err_msg=column)


def test_reached_pairs_are_the_finite_entries_of_the_long_table(poa_network, cells, origins):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = access.travel_times(poa_network, origins, cells, mode="car", max_time_min=15)
        _, chunks = street_reach(
            poa_network, access.as_points(origins), access.as_points(cells), mode="car", max_time_min=15
        )
        parts = list(chunks)
    minutes = table["travel_time_min"].to_numpy().reshape(len(origins), len(cells))
    o, d = np.nonzero(np.isfinite(minutes))
    assert np.array_equal(np.concatenate([p.o for p in parts]), o)
    assert np.array_equal(np.concatenate([p.d for p in parts]), d)
    assert np.array_equal(np.concatenate([p.seconds for p in parts]) / 60.0, minutes[o, d])


def test_street_accessibility_never_builds_the_travel_time_table(poa_network, cells, origins, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the long table was built")

    monkeypatch.setattr(street_routing, "long_table", refuse)
    monkeypatch.setattr(street_routing, "street_travel_times", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = access.accessibility(poa_network, origins, cells, mode="walk", cutoffs_min=(30,))
    assert result["jobs_30min"].max() > 0


def test_memory_grows_with_the_pairs_reached_not_with_origins_x_destinations(poa_network, cells):
    walk = poa_network.street("walk")
    pick = np.random.default_rng(0).choice(walk.n_nodes, 6000, replace=False)
    nodes = pd.DataFrame({"id": walk.node_id[pick], "lon": walk.lon[pick], "lat": walk.lat[pick]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        access.accessibility(poa_network, nodes.head(50), cells, mode="walk", cutoffs_min=(20,))  # compiled
        tracemalloc.start()
        access.accessibility(poa_network, nodes, cells, mode="walk", cutoffs_min=(20,))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # a table of 6,000 x 1,227 float64 minutes alone is 59 MB (ids and times: ~170 MB)
    assert peak < 30 * 2**20


def test_duplicate_pairs_are_counted_as_a_brute_force_count_does():
    rng = np.random.default_rng(9)
    for size, space in ((10_000, 20_000), (10_000, 10**12), (5, 3)):
        keys = rng.integers(0, space, size)
        assert _duplicates(keys) == len(keys) - len(set(keys.tolist()))
    assert _duplicates(np.arange(100)) == 0
    assert _duplicates(np.array([], dtype=np.int64)) == 0
    assert acc._duplicates(np.array([3, 1, 3, 3])) == 2
