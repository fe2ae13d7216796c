"""Runs PySAL's ``access`` package on a travel-time table, in its own process.

PySAL's package is also called ``access``: it is installed beside the project (``pip
install --target .venv/pysal-access --no-deps access``) and imported here only, with
that folder first on ``sys.path`` (``bench/accessibility_measures.py`` starts this
script with ``PYTHONPATH`` set), so the two never meet in one interpreter.

usage: python _pysal_access.py MATRIX.parquet LAND.parquet OUT.json CUTOFF_MIN SIGMA_MIN
"""

from __future__ import annotations

import json
import logging
import sys
import time

import pandas as pd


def main() -> None:
    matrix_path, land_path, out_path = sys.argv[1:4]
    cutoff, sigma = float(sys.argv[4]), float(sys.argv[5])
    logging.disable(logging.INFO)  # PySAL logs every overwritten column
    import access  # PySAL's: PYTHONPATH puts it first
    from access import Access, weights

    if not hasattr(access, "Access"):
        sys.exit("error: `import access` found this project, not PySAL's package; check PYTHONPATH.")
    matrix = pd.read_parquet(matrix_path)
    land = pd.read_parquet(land_path)
    model = Access(
        demand_df=land,
        demand_index="id",
        demand_value="population",
        supply_df=land,
        supply_index="id",
        supply_value="jobs",
        cost_df=matrix,
        cost_origin="from_id",
        cost_dest="to_id",
        cost_name="travel_time",
    )
    zones = {cutoff / 3: 1.0, 2 * cutoff / 3: 0.68, cutoff: 0.22}  # Luo & Qi's E2SFCA steps
    runs = {
        "cumulative": lambda: model.weighted_catchment(name="cumulative", max_cost=cutoff),
        "gravity": lambda: model.weighted_catchment(name="gravity", weight_fn=weights.gaussian(sigma)),
        "2sfca": lambda: model.two_stage_fca(name="2sfca", max_cost=cutoff),
        "e2sfca": lambda: model.enhanced_two_stage_fca(
            name="e2sfca", max_cost=cutoff, weight_fn=weights.step_fn(zones)
        ),
    }
    out = {}
    for name, run in runs.items():
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            result = run()
            best = min(best, time.perf_counter() - start)
        series = result.iloc[:, 0]
        out[name] = {"seconds": best, "ids": series.index.astype(str).tolist(), "values": series.tolist()}
    with open(out_path, "w") as handle:
        json.dump(out, handle)


if __name__ == "__main__":
    main()
