"""Benchmark: accessibility measures from a travel-time table (numpy bincount kernels) vs a
plain pandas merge + groupby implementation of the same formulas (R accessibility's
data.table approach), on the Belo Horizonte matrix (748k pairs) and a synthetic 3M-pair one.

Run: .venv/bin/python bench/accessibility_measures.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from access.measures.accessibility import accessibility_from_matrix

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bho"


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pandas_cumulative(matrix, land, cutoff):
    pairs = matrix[matrix.travel_time <= cutoff].merge(land[["id", "jobs"]], left_on="to_id", right_on="id")
    return pairs.groupby("from_id")["jobs"].sum()


def pandas_gravity(matrix, land, beta):
    pairs = matrix.merge(land[["id", "jobs"]], left_on="to_id", right_on="id")
    return (pairs.jobs * np.exp(-beta * pairs.travel_time)).groupby(pairs.from_id).sum()


def pandas_2sfca(matrix, land, cutoff):
    pairs = matrix[matrix.travel_time <= cutoff]
    pairs = pairs.merge(land[["id", "population"]].rename(columns={"id": "from_id"}), on="from_id")
    served = pairs.groupby("to_id")["population"].sum()
    ratio = land.set_index("id")["jobs"].reindex(served.index) / served
    return pairs.to_id.map(ratio).groupby(pairs.from_id).sum()


def run(name: str, matrix: pd.DataFrame, land: pd.DataFrame) -> None:
    print(f"{name}: {len(matrix):,} pairs, {matrix.from_id.nunique():,} origins")
    cases = [
        (
            "cumulative 30 min",
            lambda: accessibility_from_matrix(matrix, land, cutoffs_min=(30,)),
            lambda: pandas_cumulative(matrix, land, 30),
        ),
        (
            "gravity exp 0.2",
            lambda: accessibility_from_matrix(matrix, land, measure="gravity", decay_param=0.2),
            lambda: pandas_gravity(matrix, land, 0.2),
        ),
        (
            "2SFCA 30 min",
            lambda: accessibility_from_matrix(matrix, land, measure="2sfca", cutoffs_min=(30,)),
            lambda: pandas_2sfca(matrix, land, 30),
        ),
    ]
    for label, ours, baseline in cases:
        t_ours, t_base = _best(ours), _best(baseline)
        print(
            f"  {label:18s} ours {t_ours * 1e3:7.1f} ms   pandas {t_base * 1e3:7.1f} ms   ratio {t_base / t_ours:4.1f}x"
        )
    # the table-reading part (id lookups) is shared by every measure: several at once
    t_all = _best(lambda: accessibility_from_matrix(matrix, land, cutoffs_min=(15, 30, 45, 60, 90, 120)))
    t_base = _best(lambda: [pandas_cumulative(matrix, land, c) for c in (15, 30, 45, 60, 90, 120)])
    print(
        f"  6 cutoffs at once  ours {t_all * 1e3:7.1f} ms   pandas {t_base * 1e3:7.1f} ms   ratio {t_base / t_all:4.1f}x"
    )


def main() -> None:
    matrix = pd.read_csv(DATA / "bho_travel_matrix_transit.csv.gz")
    land = pd.read_csv(DATA / "bho_land_use.csv")
    run("Belo Horizonte", matrix, land)
    rng = np.random.default_rng(0)
    ids = np.array([f"z{i:05d}" for i in range(1750)])
    big = pd.DataFrame(
        {
            "from_id": np.repeat(ids, len(ids)),
            "to_id": np.tile(ids, len(ids)),
            "travel_time": rng.uniform(0, 180, len(ids) ** 2),
        }
    )
    big_land = pd.DataFrame(
        {"id": ids, "jobs": rng.integers(0, 1000, len(ids)), "population": rng.integers(0, 3000, len(ids))}
    )
    run("synthetic", big, big_land)


if __name__ == "__main__":
    main()
