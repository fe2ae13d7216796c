"""The same travel-time query on two engines, and how well they agree (minutes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from access.errors import InputError

__all__ = ["ENGINES", "engine_travel_times", "agreement", "AGREEMENT_TOLERANCE_MIN"]

ENGINES = ("native", "r5")
AGREEMENT_TOLERANCE_MIN = 2.0  # minutes: "within 2 minutes" share, the usual cross-engine check


def engine_travel_times(engine: str, osm_pbf, gtfs, origins, destinations, **query) -> pd.DataFrame:
    """r5py-shaped travel times (``from_id, to_id, travel_time``) from ``engine``:
    ``"native"`` (this project, through :mod:`access.r5py_compat`) or ``"r5"``."""
    if engine == "native":
        from access import r5py_compat

        network = r5py_compat.TransportNetwork(osm_pbf, gtfs)
        return pd.DataFrame(r5py_compat.TravelTimeMatrix(network, origins=origins, destinations=destinations, **query))
    if engine == "r5":
        from access.engines.r5 import r5_travel_times

        return r5_travel_times(osm_pbf, gtfs, origins, destinations, **query)
    raise InputError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")


def agreement(a: pd.DataFrame, b: pd.DataFrame, *, column: str = "travel_time") -> dict[str, float]:
    """Agreement of two travel-time tables on the same pairs: median and 95th-percentile
    absolute difference (minutes) and the share within :data:`AGREEMENT_TOLERANCE_MIN`,
    over pairs both reach; pairs reached by only one engine are counted apart."""
    for name, frame in (("first", a), ("second", b)):
        missing = {"from_id", "to_id", column} - set(frame.columns)
        if missing:
            raise InputError(f"the {name} table lacks columns {sorted(missing)}.")
    merged = a[["from_id", "to_id", column]].merge(
        b[["from_id", "to_id", column]], on=["from_id", "to_id"], how="outer", suffixes=("_a", "_b"), indicator=True
    )
    if (merged["_merge"] != "both").any():
        raise InputError("the two tables do not cover the same origin-destination pairs.")
    ta, tb = merged[f"{column}_a"].to_numpy(float), merged[f"{column}_b"].to_numpy(float)
    both = np.isfinite(ta) & np.isfinite(tb)
    diff = np.abs(ta[both] - tb[both])
    return {
        "pairs": int(len(merged)),
        "both_reached": int(both.sum()),
        "only_first_reached": int((np.isfinite(ta) & ~np.isfinite(tb)).sum()),
        "only_second_reached": int((~np.isfinite(ta) & np.isfinite(tb)).sum()),
        "median_abs_diff_min": float(np.median(diff)) if len(diff) else float("nan"),
        "p95_abs_diff_min": float(np.percentile(diff, 95)) if len(diff) else float("nan"),
        "share_within_2_min": float((diff <= AGREEMENT_TOLERANCE_MIN).mean()) if len(diff) else float("nan"),
    }
