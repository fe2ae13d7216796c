"""Benchmark: accessibility measures from a travel-time table (numpy bincount kernels) vs a
plain pandas merge + groupby implementation of the same formulas (R accessibility's
data.table approach), on the Belo Horizonte matrix (748k pairs) and a synthetic 3M-pair one;
and vs PySAL's ``access`` package on every measure both have (cumulative, Gaussian gravity,
2SFCA, E2SFCA), same table, values compared.

Run: .venv/bin/python bench/accessibility_measures.py (PySAL's package, which is also named
``access``, lives beside the project: ``pip install --target .venv/pysal-access --no-deps
access``, as ``make bench`` does; it runs in a subprocess of its own).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from access.measures.accessibility import accessibility_from_matrix

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bho"
REPO = Path(__file__).resolve().parents[1]
PYSAL = REPO / ".venv" / "pysal-access"  # PySAL's `access`, kept out of the project's import path
CUTOFF_MIN = 30.0
SIGMA_MIN = 20.0


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


def versus_pysal(matrix: pd.DataFrame, land: pd.DataFrame) -> None:
    """Every measure PySAL's ``access`` shares with ours, on the same table, timed in the
    same run (PySAL in its own process: the package names clash); values compared."""
    if not (PYSAL / "access" / "__init__.py").exists():
        print(f"\nPySAL access not found in {PYSAL} (pip install --target {PYSAL} --no-deps access): skipped")
        return
    ours = {
        "cumulative": (dict(cutoffs_min=(CUTOFF_MIN,)), f"jobs_{CUTOFF_MIN:g}min"),
        "gravity": (dict(measure="gravity", decay="gaussian", decay_param=SIGMA_MIN), "jobs_gravity"),
        "2sfca": (dict(measure="2sfca", cutoffs_min=(CUTOFF_MIN,)), f"jobs_2sfca_{CUTOFF_MIN:g}min"),
        "e2sfca": (dict(measure="e2sfca", cutoffs_min=(CUTOFF_MIN,)), f"jobs_e2sfca_{CUTOFF_MIN:g}min"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        matrix.to_parquet(Path(tmp) / "m.parquet")
        land.to_parquet(Path(tmp) / "l.parquet")
        out = Path(tmp) / "pysal.json"
        env = {**os.environ, "PYTHONPATH": str(PYSAL)}
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("_pysal_access.py")), f"{tmp}/m.parquet", f"{tmp}/l.parquet"]
            + [str(out), str(CUTOFF_MIN), str(SIGMA_MIN)],
            check=True,
            env=env,
        )
        theirs = json.loads(out.read_text())
    print(f"\nvs PySAL access (Belo Horizonte, {len(matrix):,} pairs; PySAL in a process of its own):")
    for name, (kwargs, column) in ours.items():
        t_ours = _best(lambda kw=kwargs: accessibility_from_matrix(matrix, land, **kw))
        values = accessibility_from_matrix(matrix, land, **kwargs).set_index("id")[column]
        got = pd.Series(theirs[name]["values"], index=theirs[name]["ids"])
        mine = values.reindex(got.index).fillna(0.0).to_numpy()
        agree = np.allclose(mine, got.to_numpy(), rtol=1e-9, atol=1e-12)
        t_theirs = theirs[name]["seconds"]
        print(
            f"  {name:10s} ours {t_ours * 1e3:7.1f} ms   PySAL {t_theirs * 1e3:8.1f} ms   "
            f"ratio {t_theirs / t_ours:6.1f}x   values {'agree' if agree else 'DIFFER'} ({len(got):,} origins)"
        )


def main() -> None:
    matrix = pd.read_csv(DATA / "bho_travel_matrix_transit.csv.gz")
    land = pd.read_csv(DATA / "bho_land_use.csv")
    run("Belo Horizonte", matrix, land)
    versus_pysal(matrix, land)
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
