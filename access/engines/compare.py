"""The same travel-time query on two engines, and how well they agree (minutes)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from access import r5py_compat
from access import r5py_compat as r5py
from access.engines.r5 import r5_travel_times
from access.errors import InputError

__all__ = [
    "ENGINES",
    "engine_travel_times",
    "agreement",
    "AGREEMENT_TOLERANCE_MIN",
    "WIDE_TOLERANCE_MIN",
    "R5_COMPARISON",
    "r5_comparison",
]

ENGINES = ("native", "r5")
AGREEMENT_TOLERANCE_MIN = 2.0  # minutes: "within 2 minutes" share, the usual cross-engine check
WIDE_TOLERANCE_MIN = 5.0  # minutes: the looser share the R5 comparison reports too


def engine_travel_times(engine: str, osm_pbf, gtfs, origins, destinations, **query) -> pd.DataFrame:
    """r5py-shaped travel times (``from_id, to_id, travel_time``) from ``engine``:
    ``"native"`` (this project, through :mod:`access.r5py_compat`) or ``"r5"``."""
    if engine == "native":
        network = r5py_compat.TransportNetwork(osm_pbf, gtfs)
        return pd.DataFrame(r5py_compat.TravelTimeMatrix(network, origins=origins, destinations=destinations, **query))
    if engine == "r5":
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
        "share_within_5_min": float((diff <= WIDE_TOLERANCE_MIN).mean()) if len(diff) else float("nan"),
        "pearson_r": _pearson(ta[both], tb[both]),
        "mean_diff_min": float(np.mean(ta[both] - tb[both])) if len(diff) else float("nan"),
    }


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


# The published comparison of issue 18 (the maintainers hold r5r's matrix): Porto Alegre,
# 100 x 100 hexgrid cells, Monday 2019-05-13 14:00, r5r's 10-min window and median, walking
# 3.6 km/h, at most 3 rides, 2 h, elevation on (Tobler, r5r's default). r5r takes the
# elevation model from the folder's .tif.
R5_COMPARISON = {
    "departure": "2019-05-13T14:00",
    "window_min": 10,
    "speed_walking": 3.6,  # km/h
    "max_public_transport_rides": 3,
    "max_time_min": 120,
    "n_cells": 100,
    "seed": 0,  # which 100 cells: poa_hexgrid.csv sampled with this seed
}


def r5_comparison(osm_pbf, gtfs, cells: pd.DataFrame, elevation=None, *, n_cells: int | None = None, seed=None):
    """Issue 18's comparison query on ``access.r5py_compat``: ``cells`` (``id, lon, lat``)
    sampled to ``n_cells`` (default 100, seeded), all to all, with the settings of
    :data:`R5_COMPARISON`; returns the r5py-shaped table (``from_id, to_id, travel_time``)
    to hold against R5's with :func:`agreement`."""

    n = R5_COMPARISON["n_cells"] if n_cells is None else int(n_cells)
    picked = cells.sample(min(n, len(cells)), random_state=R5_COMPARISON["seed"] if seed is None else seed)
    points = gpd.GeoDataFrame(
        {"id": picked["id"].to_numpy()}, geometry=gpd.points_from_xy(picked["lon"], picked["lat"]), crs=4326
    )
    network = r5py.TransportNetwork(osm_pbf, gtfs, elevation_model=elevation)
    table = r5py.TravelTimeMatrix(
        network,
        origins=points,
        departure=dt.datetime.fromisoformat(R5_COMPARISON["departure"]),
        departure_time_window=dt.timedelta(minutes=R5_COMPARISON["window_min"]),
        transport_modes=[r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK],
        speed_walking=R5_COMPARISON["speed_walking"],
        max_public_transport_rides=R5_COMPARISON["max_public_transport_rides"],
        max_time=dt.timedelta(minutes=R5_COMPARISON["max_time_min"]),
    )
    return pd.DataFrame(table)
