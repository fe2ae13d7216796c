"""Shared helpers of the distribution measures: columns, weights, groups, exclusions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from access.errors import InputError

__all__ = ["numeric_column", "group_keys", "ALL_GROUP"]

ALL_GROUP = "all"  # the label of the one row when there is no grouping


def numeric_column(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """``frame[column]`` as float64; :class:`InputError` naming the column when it is
    missing or not numeric."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{what}: expected a DataFrame with a {column!r} column, got {type(frame).__name__}.")
    if column not in frame.columns:
        raise InputError(f"{what}: no column {column!r}; columns: {', '.join(map(str, frame.columns))}.")
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        raise InputError(f"{what}: column {column!r} has non-numeric values (first: {frame[column][bad].iloc[0]!r}).")
    return values.to_numpy(np.float64)


def group_keys(frame: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    """The grouping columns (``[]`` for none), checked to exist."""
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise InputError(f"group column(s) {missing} not found; columns: {', '.join(map(str, frame.columns))}.")
    return keys
