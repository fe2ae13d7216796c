"""Cumulative measures over a range of cutoffs, and passive accessibility.

- Cumulative interval (Tomasiello, Herszenhut, Oliveira & Pereira 2023, "A time interval
  metric for cumulative opportunity accessibility", Applied Geography 157: 103007; R
  ``accessibility::cumulative_interval``): the opportunities reached within every cutoff
  of an interval (one per ``increment``), summarised by their median (or mean) and
  truncated to a whole number; less sensitive to one arbitrary cutoff.
- Passive accessibility (the *market potential* of a destination; R ``cumulative_cutoff``
  / ``gravity`` with ``active = FALSE``): how many people (or anything at the origins)
  reach each destination within a cutoff, or weighted by a decay function.

Travel times come as a long table ``from_id, to_id, travel_time_min`` (as
:func:`access.travel_times` returns); a pair counts within a cutoff when its time is
``<=`` the cutoff; NaN times are unreachable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from access.errors import InputError
from access.measures.decay import check_decay, decay_weights

__all__ = ["cumulative_interval", "passive_accessibility", "matrix_pairs", "MatrixPairs"]

_TIME_COLUMNS = ("travel_time_min", "travel_time")
_SUMMARIES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "median": lambda a: np.median(a, axis=1),
    "mean": lambda a: np.mean(a, axis=1),
}


@dataclass(frozen=True)
class MatrixPairs:
    """The finite pairs of a travel-time table as integer codes into its origins and
    destinations, with the land-use rows of each."""

    origin_ids: np.ndarray
    dest_ids: np.ndarray
    o: np.ndarray  # origin code of each pair
    d: np.ndarray  # destination code of each pair
    t: np.ndarray  # minutes
    land_use: pd.DataFrame  # indexed by id
    origin_row: np.ndarray  # land-use row of each origin (-1: not in the table)
    dest_row: np.ndarray

    @property
    def n_origins(self) -> int:
        return len(self.origin_ids)

    @property
    def n_dest(self) -> int:
        return len(self.dest_ids)

    def land_use_values(self, column: str) -> np.ndarray:
        return self.land_use[column].to_numpy(np.float64)

    def at_origins(self, column: str) -> np.ndarray:
        """``column`` of each origin (NaN for origins missing from the land use)."""
        values = self.land_use_values(column)
        return np.where(self.origin_row >= 0, values[np.maximum(self.origin_row, 0)], np.nan)

    def at_destinations(self, column: str) -> np.ndarray:
        values = self.land_use_values(column)
        return np.where(self.dest_row >= 0, values[np.maximum(self.dest_row, 0)], 0.0)

    def at_origin(self, column: str) -> np.ndarray:
        """``column`` at the origin of every pair."""
        return self.at_origins(column)[self.o]

    def at_destination(self, column: str) -> np.ndarray:
        """``column`` at the destination of every pair (0 when not in the land use)."""
        return self.at_destinations(column)[self.d]


def matrix_pairs(
    matrix: pd.DataFrame, land_use: pd.DataFrame, time_column: str | None, columns: Sequence[str]
) -> MatrixPairs:
    """Parse a long travel-time table against a land-use table with ``id`` and ``columns``
    (numeric); origins and destinations in first-appearance order."""
    if not isinstance(matrix, pd.DataFrame) or not {"from_id", "to_id"} <= set(matrix.columns):
        raise InputError("the travel-time table needs columns from_id, to_id and travel_time_min.")
    if time_column is None:
        found = [c for c in _TIME_COLUMNS if c in matrix.columns]
        if not found:
            raise InputError(
                f"the travel-time table has no travel_time_min (or travel_time) column; pass time_column=; "
                f"columns: {', '.join(map(str, matrix.columns))}."
            )
        time_column = found[0]
    elif time_column not in matrix.columns:
        raise InputError(f"the travel-time table has no column {time_column!r}.")
    if not isinstance(land_use, pd.DataFrame) or "id" not in land_use.columns:
        raise InputError("the land-use table needs an 'id' column.")
    for column in columns:
        if column not in land_use.columns:
            raise InputError(
                f"the land-use table has no column {column!r}; columns: {', '.join(map(str, land_use.columns))}."
            )
        if not pd.api.types.is_numeric_dtype(land_use[column]):
            raise InputError(f"land-use column {column!r} must be numeric.")
    if land_use["id"].duplicated().any():
        raise InputError(
            f"land-use ids must be unique (first repeated: {land_use['id'][land_use['id'].duplicated()].iloc[0]!r})."
        )
    table = land_use.set_index("id")
    o_all, origin_ids = pd.factorize(matrix["from_id"], sort=False)
    d_all, dest_ids = pd.factorize(matrix["to_id"], sort=False)
    t_all = pd.to_numeric(matrix[time_column], errors="coerce").to_numpy(np.float64)
    keep = np.isfinite(t_all)
    if np.any(t_all[keep] < 0):
        raise InputError("travel times must be non-negative minutes.")
    return MatrixPairs(
        origin_ids=np.asarray(origin_ids),
        dest_ids=np.asarray(dest_ids),
        o=o_all[keep].astype(np.int64),
        d=d_all[keep].astype(np.int64),
        t=t_all[keep],
        land_use=table,
        origin_row=table.index.get_indexer(origin_ids),
        dest_row=table.index.get_indexer(dest_ids),
    )


def cumulative_interval(
    matrix: pd.DataFrame,
    land_use: pd.DataFrame,
    *,
    opportunity: str = "jobs",
    interval_min: tuple[float, float] = (20.0, 40.0),
    increment_min: float = 1.0,
    summary: str | Callable[[np.ndarray], np.ndarray] = "median",
    active: bool = True,
    time_column: str | None = None,
) -> pd.DataFrame:
    """Opportunities reached within every cutoff from ``interval_min[0]`` to
    ``interval_min[1]`` (step ``increment_min``), summarised per origin by ``summary``
    (``"median"``, ``"mean"`` or a function of an ``(n_origins, n_cutoffs)`` array) and
    truncated to an integer (one cannot reach part of a job).

    ``active=False`` measures destinations instead: ``opportunity`` is then a column at
    the origins (e.g. ``"population"``) and each destination gets how many reach it.
    Returns ``id`` and ``opportunity``.
    """
    lo, hi = (float(v) for v in interval_min)
    step = float(increment_min)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo < hi):
        raise InputError(f"interval_min must be two increasing non-negative minutes, got {interval_min!r}.")
    if not np.isfinite(step) or step <= 0:
        raise InputError(f"increment_min must be positive, got {increment_min!r}.")
    reducer = _SUMMARIES.get(summary) if isinstance(summary, str) else summary
    if reducer is None:
        raise InputError(f"summary must be 'median', 'mean' or a function, got {summary!r}.")
    cutoffs = lo + step * np.arange(int(np.floor((hi - lo) / step + 1e-9)) + 1)
    p = matrix_pairs(matrix, land_use, time_column, columns=(opportunity,))
    if active:
        owner, n, weight, ids = p.o, p.n_origins, p.at_destination(opportunity), p.origin_ids
    else:
        owner, n, weight, ids = p.d, p.n_dest, p.at_origin(opportunity), p.dest_ids
    weight = np.nan_to_num(weight)
    reached = np.stack([np.bincount(owner, weights=weight * (p.t <= c), minlength=n) for c in cutoffs], axis=1)
    value = np.asarray(reducer(reached), dtype=np.float64)
    return pd.DataFrame({"id": ids, opportunity: np.trunc(value).astype(np.int64)})


def passive_accessibility(
    matrix: pd.DataFrame,
    land_use: pd.DataFrame,
    *,
    demand: str = "population",
    measure: str = "cumulative",
    cutoffs_min: Sequence[float] = (30.0,),
    decay: str | None = None,
    decay_param=None,
    time_column: str | None = None,
) -> pd.DataFrame:
    """How much ``demand`` (residents at the origins) reaches each destination: within
    each of ``cutoffs_min`` (``measure="cumulative"``: columns ``{demand}_{c}min``) or
    weighted by ``decay`` (``measure="gravity"``: column ``{demand}_gravity``). Returns one
    row per destination of ``matrix`` with ``id``; destinations reached by nobody get 0."""
    p = matrix_pairs(matrix, land_use, time_column, columns=(demand,))
    people = np.nan_to_num(p.at_origin(demand))
    out = {"id": p.dest_ids}
    if measure == "cumulative":
        cutoffs = [float(c) for c in cutoffs_min]
        if not cutoffs or any(not np.isfinite(c) or c <= 0 for c in cutoffs):
            raise InputError(f"cutoffs_min must be positive minutes, got {list(cutoffs_min)}.")
        for c in cutoffs:
            label = f"{c:g}".replace(".", "_")
            out[f"{demand}_{label}min"] = np.bincount(p.d, weights=people * (p.t <= c), minlength=p.n_dest)
    elif measure == "gravity":
        if decay is None:
            raise InputError("measure='gravity' needs decay= (exponential, power, gaussian, logistic, linear, step).")
        param = check_decay(decay, decay_param)
        out[f"{demand}_gravity"] = np.bincount(
            p.d, weights=people * decay_weights(p.t, decay, param), minlength=p.n_dest
        )
    else:
        raise InputError(f"passive_accessibility measure must be 'cumulative' or 'gravity', got {measure!r}.")
    return pd.DataFrame(out)
