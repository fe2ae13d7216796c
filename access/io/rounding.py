"""Round result tables for people at the output layer: minutes to 0.1, counts to integers."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "round_for_output",
    "BatchRounding",
    "column_kind",
    "MINUTE_STEP",
    "SIGNIFICANT_DIGITS",
    "COORDINATE_DECIMALS",
]

# The library keeps full precision (170.01814328393863 min, 20555100.000000004 people);
# files the CLI writes and API bodies show what the numbers can support.
MINUTE_STEP = 0.1  # minutes: 6 s, finer than any timetable or speed table we use
SIGNIFICANT_DIGITS = 6  # other numbers (shares, areas, Gini, means): enough for any map or table
COORDINATE_DECIMALS = 7  # degrees: about 1 cm

# First word of a column that counts people or things (``population``, ``jobs_60min``,
# ``zones_assigned``, ``n_places``); callers add their own (an opportunity column "schools").
COUNT_WORDS = frozenset(
    {
        "population",
        "pop",
        "jobs",
        "residents",
        "people",
        "persons",
        "workers",
        "employment",
        "households",
        "zones",
        "places",
        "stops",
        "trips",
        "trains",
        "origins",
        "destinations",
        "pairs",
        "opportunities",
        "n",
    }
)
# words that make a column a ratio, whatever it counts (``population_share``, ``jobs_2sfca_60min``)
_RATIO_WORDS = frozenset(
    {"share", "pct", "percent", "ratio", "rate", "gini", "cv", "palma", "gravity", "2sfca", "e2sfca", "bfca", "per"}
)
_CHANGE_WORDS = frozenset({"change", "diff", "delta", "difference"})
_TIME_PREFIXES = ("time_to_", "avg_time_", "travel_time", "time_from_")
_COORDINATE_WORDS = frozenset({"lon", "lat", "longitude", "latitude", "lng"})


def column_kind(name: object, counts: Iterable[str] = ()) -> str:
    """How a column is rounded: ``"minutes"``, ``"minutes_change"``, ``"count"``,
    ``"coordinate"`` or ``"number"`` (6 significant digits), read from its name."""
    text = str(name).strip().lower()
    words = [w for w in re.split(r"[_\s]+", text) if w]
    if not words:
        return "number"
    if text in {"x", "y"} or words[-1] in _COORDINATE_WORDS or words[0] in _COORDINATE_WORDS:
        return "coordinate"
    if text.startswith("%") or _RATIO_WORDS.intersection(words):
        return "number"
    extra = {str(c).lower() for c in counts}
    if "_" in text or " " not in text:  # machine names: jobs_60min, travel_time_min, cutoff_min
        underscored = text.split("_")
        if "min" in underscored or text.startswith(_TIME_PREFIXES):
            return "minutes_change" if _CHANGE_WORDS.intersection(underscored) else "minutes"
    if text in extra or words[0] in COUNT_WORDS or words[0] in extra:
        return "count"
    return "number"


def round_for_output(frame: pd.DataFrame, *, counts: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of ``frame`` with its float columns rounded for files and API bodies.

    - minutes (``*_min``, ``travel_time_*``, ``time_to_*``): **up** to the next 0.1 min, so
      ``t <= cutoff`` reads the same on the rounded number as on the exact one (a zone shown
      at 60.0 min is inside the 60-min circle, one at 60.04 min shows 60.1); changes in
      minutes (``*_change``) to the nearest 0.1;
    - counts (``population``, ``jobs_60min``, ``zones``, and the names in ``counts``, e.g.
      the opportunity columns): to integers (nullable ``Int64`` where values are missing);
    - coordinates (``lon``, ``lat``, ``x``, ``y``): 7 decimals (about 1 cm);
    - every other number (shares, areas, Gini, means): 6 significant digits, never fewer
      than its whole part (1784965.69 -> 1784966, 0.5617254956805328 -> 0.561725).

    Integer, text and geometry columns are returned unchanged; the library's results keep
    full precision, so call this only where numbers leave the program.
    """
    counts = tuple(counts)
    out = frame.copy()
    geometry = getattr(frame, "_geometry_column_name", None)
    for name in frame.columns:
        if name == geometry:
            continue
        column = frame[name]
        if not (pd.api.types.is_float_dtype(column.dtype) and not isinstance(column.dtype, pd.SparseDtype)):
            continue
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        kind = column_kind(name, counts)
        if kind == "minutes":
            rounded = np.ceil(np.round(values / MINUTE_STEP, 6)) * MINUTE_STEP
            rounded = np.round(rounded, 1)
        elif kind == "minutes_change":
            rounded = np.round(values / MINUTE_STEP) * MINUTE_STEP
            rounded = np.round(rounded, 1)
        elif kind == "count":
            out[name] = _as_integers(np.round(values), column.index)
            continue
        elif kind == "coordinate":
            rounded = np.round(values, COORDINATE_DECIMALS)
        else:
            rounded = significant(values)
        if kind.startswith("minutes") and _all_whole(rounded):
            out[name] = _as_integers(rounded, column.index)
        else:
            out[name] = pd.Series(rounded, index=column.index, name=name)
    return out


class BatchRounding:
    """:func:`round_for_output` over a table that arrives in batches (a matrix streamed to
    Parquet): every batch's numbers as the whole table's rounding gives them, and, once the
    last batch is seen, the dtypes it gives (:meth:`integer_dtypes`).

    Whole-table rounding turns a minutes column into integers only when *every* value is
    whole, and a count column into ``Int64`` when *any* value is missing, so one batch
    cannot decide: calling an instance rounds a batch and keeps such columns float64, and
    records what :meth:`integer_dtypes` needs to decide at the end.
    """

    def __init__(self, counts: Iterable[str] = ()) -> None:
        self.counts = tuple(counts)
        self._integer: dict[str, bool] = {}  # could still become integers (minutes: all whole so far)
        self._finite: dict[str, bool] = {}  # a finite value was seen
        self._missing: dict[str, bool] = {}  # a missing (or infinite) value was seen

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` rounded as :func:`round_for_output` rounds it, integer-able columns as float64."""
        out = round_for_output(frame, counts=self.counts)
        for name in frame.columns:
            column = frame[name]
            if not (pd.api.types.is_float_dtype(column.dtype) and not isinstance(column.dtype, pd.SparseDtype)):
                continue
            kind = column_kind(name, self.counts)
            if kind not in ("minutes", "minutes_change", "count"):
                continue
            values = out[name].to_numpy(dtype=np.float64, na_value=np.nan)
            finite = np.isfinite(values)
            whole = kind == "count" or _whole_where_finite(values[finite])
            self._integer[name] = self._integer.get(name, True) and whole
            self._finite[name] = self._finite.get(name, False) or bool(finite.any())
            self._missing[name] = self._missing.get(name, False) or not bool(finite.all())
            out[name] = pd.Series(values, index=column.index, name=name)
        return out

    def integer_dtypes(self) -> dict[str, str]:
        """Columns the whole table's rounding makes integers: name -> ``"int64"``, or
        ``"Int64"`` where values are missing; the other columns keep their batches' dtypes."""
        dtypes = {}
        for name, integer in self._integer.items():
            minutes = column_kind(name, self.counts) != "count"
            if integer and (self._finite[name] or not minutes):
                dtypes[name] = "Int64" if self._missing[name] else "int64"
        return dtypes


def significant(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """``values`` to ``digits`` significant digits, keeping every digit of the whole part."""
    values = np.asarray(values, dtype=np.float64)
    out = values.copy()
    finite = np.isfinite(values) & (values != 0)
    if not finite.any():
        return out
    magnitude = np.floor(np.log10(np.abs(values[finite]))) + 1  # digits before the point
    decimals = np.clip(digits - magnitude, 0, 15).astype(np.int64)
    scale = 10.0**decimals
    # dividing a whole number by a power of ten gives the double nearest the short decimal
    out[finite] = np.round(values[finite] * scale) / scale
    return out


def _all_whole(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and _whole_where_finite(finite)


def _whole_where_finite(finite: np.ndarray) -> bool:
    """Every value of ``finite`` (finite numbers; none is vacuously true) whole and exact as int64."""
    return bool(np.all(finite == np.round(finite))) and bool(np.all(np.abs(finite) < 2**53))


def _as_integers(values: np.ndarray, index: pd.Index) -> pd.Series:
    """Whole numbers as int64, or nullable Int64 where some are missing (NaN, inf)."""
    finite = np.isfinite(values)
    if finite.all():
        return pd.Series(values.astype(np.int64), index=index)
    array = pd.array(np.where(finite, values, 0).astype(np.int64), dtype="Int64")
    array[~finite] = pd.NA
    return pd.Series(array, index=index)
