"""Equity summaries of accessibility: population-weighted means, shares, Gini, CV, Palma.

Inequality indices follow the R package ``accessibility`` (Pereira & Herszenhut):
``gini_index`` (area under the population-weighted Lorenz curve by trapezoids) and
``palma_ratio`` (population-weighted mean accessibility of the richest 10 % over the
poorest 40 %, groups cut at Hmisc ``wtd.quantile`` income quantiles).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from access.config import DEFAULT_CUTOFFS_MIN, DEFAULT_JOB_THRESHOLDS
from access.errors import InputError

__all__ = ["summarise", "lorenz", "gini", "palma_ratio", "weighted_quantile", "is_time_column", "check_group_columns"]

_ALL = "all"  # label of the whole-population row
OFF_NETWORK = "off_network"  # bool column of access.accessibility: beyond the snapping limit


def is_time_column(name: str) -> bool:
    """Whether an accessibility column holds minutes (``time_to_…``, ``avg_time_…``)."""
    return str(name).startswith(("time_to", "avg_time")) or str(name).endswith("travel_time_min")


def _clean(values, weights) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    keep = ~np.isnan(v) & ~np.isnan(w)
    return v[keep], w[keep]


def lorenz(results: pd.DataFrame, value: str, weight: str | None = "population") -> pd.DataFrame:
    """Points of the population-weighted Lorenz curve of ``value``, from (0, 0) to (1, 1).

    Rows are sorted by ``value`` ascending: ``population_share`` (cumulative share of
    ``weight``), ``value_share`` (cumulative share of ``weight x value``) and ``value``.
    """
    _require(results, [value] + ([weight] if weight else []))
    w = results[weight] if weight else np.ones(len(results))
    v, w = _clean(results[value], w)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    total_w, total_vw = w.sum(), (w * v).sum()
    if total_w <= 0 or total_vw <= 0:
        raise InputError(f"Lorenz curve of {value!r}: total {weight or 'weight'} and total {value} must be > 0.")
    return pd.DataFrame(
        {
            "population_share": np.concatenate([[0.0], np.cumsum(w) / total_w]),
            "value_share": np.concatenate([[0.0], np.cumsum(w * v) / total_vw]),
            "value": np.concatenate([[np.nan], v]),
        }
    )


def gini(values, weights=None) -> float:
    """Population-weighted Gini index in [0, 1] (R ``accessibility::gini_index``): 1 - 2 x the
    area under the Lorenz curve, summed as trapezoids. NaN when nobody or nothing counts."""
    v = np.asarray(values, dtype=np.float64)
    v, w = _clean(v, np.ones(len(v)) if weights is None else weights)
    total_w, total_vw = w.sum(), (w * v).sum()
    if len(v) == 0 or total_w <= 0 or total_vw <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    share_w = w / total_w
    cum = np.cumsum(w * v) / total_vw
    previous = np.concatenate([[0.0], cum[:-1]])
    return float(1.0 - 2.0 * np.sum((previous + cum) * share_w / 2.0))


def weighted_quantile(values, weights, probs: Sequence[float]) -> np.ndarray:
    """Weighted quantiles as R ``Hmisc::wtd.quantile(type="quantile", normwt=FALSE)``: order
    statistics at ``1 + (n - 1) p`` of the weight-expanded sample, interpolated."""
    v, w = _clean(values, weights)
    if len(v) == 0:
        return np.full(len(probs), np.nan)
    x, inverse = np.unique(v, return_inverse=True)
    wts = np.bincount(inverse, weights=w)
    cum = np.cumsum(wts)
    n = cum[-1]
    order = 1.0 + (n - 1.0) * np.asarray(probs, dtype=float)
    low = np.maximum(np.floor(order), 1.0)
    high = np.minimum(low + 1.0, n)
    frac = order % 1.0

    def statistic(k: np.ndarray) -> np.ndarray:
        # approx(cum, x, xout=k, method="constant", f=1, rule=2): smallest x with cum >= k
        index = np.searchsorted(cum, k, side="left")
        return x[np.clip(index, 0, len(x) - 1)]

    return (1.0 - frac) * statistic(low) + frac * statistic(high)


def palma_ratio(values, weights, income=None) -> float:
    """Palma ratio (R ``accessibility::palma_ratio``): mean ``values`` (weighted) of the richest
    10 % over that of the poorest 40 %, people ranked by ``income`` per capita (by ``values``
    themselves when no income is given). > 1: the better-off have more access."""
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    rank = v if income is None else np.asarray(income, dtype=np.float64)
    q40, q90 = weighted_quantile(rank, w, (0.4, 0.9))
    ok = ~np.isnan(v) & ~np.isnan(w)
    with np.errstate(invalid="ignore"):
        poorest, richest = ok & (rank <= q40), ok & (rank > q90)
        if w[richest].sum() <= 0:  # ties at the 90th percentile (e.g. saturated access): they are the top
            richest = ok & (rank >= q90)
    if w[poorest].sum() <= 0 or w[richest].sum() <= 0:
        return float("nan")
    top = np.average(v[richest], weights=w[richest])
    bottom = np.average(v[poorest], weights=w[poorest])
    return float(top / bottom) if bottom > 0 else float("nan")


def _weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    """Lower weighted median: the smallest value reaching half the weight (NaN = +inf)."""
    order = np.argsort(np.where(np.isnan(v), np.inf, v), kind="stable")
    cum = np.cumsum(w[order])
    if cum[-1] <= 0:
        return float("nan")
    result = v[order][np.searchsorted(cum, 0.5 * cum[-1], side="left")]
    return float(result)


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise InputError(
            f"column(s) {', '.join(map(repr, missing))} not found; available: {', '.join(map(str, frame.columns))}."
        )


def check_group_columns(frame: pd.DataFrame, by: str | Sequence[str], what: str = "the table") -> None:
    """:class:`InputError` unless every grouping column of ``by`` is in ``frame`` (checked
    before routing, so a typo'd ``by`` fails at once)."""
    for column in [by] if isinstance(by, str) else list(by):
        if column not in frame:
            raise InputError(
                f"group column {column!r} not found in {what}; columns: {', '.join(map(str, frame.columns))}."
            )


def _label(value: str) -> str:
    """Readable name of a measure column: ``jobs_60min`` -> ``jobs within 60 min``,
    ``time_to_nearest_centre_min`` -> ``minutes to nearest centre``,
    ``avg_time_to_centres_min`` -> ``average minutes to centres``,
    ``time_to_3_schools_min`` -> ``minutes to reach 3 schools``."""
    text = str(value)
    if is_time_column(text) and text.endswith("_min"):
        body = text[: -len("_min")]
        if body.startswith("avg_time_to_"):
            return f"average minutes to {body[len('avg_time_to_') :].replace('_', ' ')}"
        if body.startswith("time_to_"):
            rest = body[len("time_to_") :]
            count, _, what = rest.partition("_")
            if what and count.replace(".", "", 1).isdigit():
                return f"minutes to reach {count} {what.replace('_', ' ')}"
            rest = rest.replace("_", " ")
            return f"minutes to {rest}" if rest.startswith("nearest") else f"minutes to nearest {rest}"
        return text
    if text.endswith("min") and "_" in text:
        head, _, tail = text.rpartition("_")
        if tail[:-3].replace(".", "", 1).isdigit():
            return f"{head} within {tail[:-3]} min"
    return text


def _group_rows(frame: pd.DataFrame, by: list[str]):
    yield (_ALL,) * max(len(by), 1), frame
    if by:
        for key, part in frame.groupby(by, sort=True, dropna=False):
            yield (key if isinstance(key, tuple) else (key,)), part


def summarise(
    results: pd.DataFrame,
    *,
    value: str | Sequence[str],
    weight: str | None = "population",
    by: str | Sequence[str] | None = "class",
    thresholds: Sequence[float] | None = None,
    time_thresholds_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    income: str | None = None,
) -> pd.DataFrame:
    """Equity table per group (and for everyone): weighted mean, median, shares, Gini, CV, Palma.

    Parameters
    ----------
    results
        One row per zone: accessibility columns, the ``weight`` (residents) and the
        grouping columns (e.g. the output of :func:`access.accessibility`).
    value
        Accessibility column(s). Count columns (``jobs_60min``) get the share of residents
        reaching at least each of ``thresholds`` (default DEFAULT_JOB_THRESHOLDS:
        10 k, 100 k, 1 M); time columns (``time_to_…``, ``avg_time_…`` in minutes) get the
        share of residents within each of ``time_thresholds_min`` (default 60, 120;
        unreachable = not within); their mean, Gini and CV are over the residents who
        reach (read them with the shares), the median over all residents (unreachable =
        infinitely far, so NaN when fewer than half reach).
    weight
        Residents per zone (``None``: every zone counts once).
    by
        Grouping column(s) (``"class"`` rural/urban, ``"county"``, ...; ``None``: only the
        whole population). A first row ``all`` covers everyone.
    income
        Per-capita income column ranking people for the Palma ratio (default: rank by the
        accessibility value itself).

    Zones flagged ``off_network`` (beyond the snapping limit, accessibility NaN: see
    :func:`access.accessibility`) are left out of every statistic and counted apart.

    Returns
    -------
    DataFrame, one row per group: ``zones``, ``residents`` (those described: on the
    network), ``excluded zones (off network)`` and ``excluded residents (off network)``
    (when ``results`` has the ``off_network`` column), and per value ``<v> mean``,
    ``<v> median`` (lower weighted median), ``% residents …`` (percent), ``<v> Gini``,
    ``<v> CV`` (population-weighted standard deviation / mean), ``<v> Palma`` (count
    columns, or any column when ``income`` is given). Count columns are labelled in words
    (``jobs_60min`` -> ``jobs within 60 min``). Groups with no residents give NaN (and a
    warning).
    """
    values = [value] if isinstance(value, str) else list(value)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if not values:
        raise InputError("name at least one accessibility column as value=.")
    missing_groups = [c for c in by_cols if c not in results]
    if missing_groups:
        raise InputError(
            f"group column(s) {', '.join(map(repr, missing_groups))} not found; "
            f"available: {', '.join(map(str, results.columns))}."
        )
    _require(results, values + ([weight] if weight else []) + ([income] if income else []))
    for column in values + ([weight] if weight else []):
        if not pd.api.types.is_numeric_dtype(results[column]):
            raise InputError(f"column {column!r} must be numeric to be summarised.")
    if weight and (results[weight] < 0).any():
        raise InputError(f"weight column {weight!r} has negative values.")
    count_thresholds = list(DEFAULT_JOB_THRESHOLDS if thresholds is None else thresholds)
    rows, empty = [], []
    flagged = OFF_NETWORK in results
    described = results[~results[OFF_NETWORK].fillna(False).to_numpy(dtype=bool)] if flagged else results
    for key, part in _group_rows(results, by_cols):
        row = dict(zip(by_cols or ["group"], key, strict=True))
        if flagged:  # off the network: accessibility unknown, left out of every statistic
            off = part[OFF_NETWORK].fillna(False).to_numpy(dtype=bool)
            w_off = part.loc[off, weight].to_numpy(dtype=float) if weight else np.ones(int(off.sum()))
            part = part[~off]
        w = part[weight].to_numpy(dtype=float) if weight else np.ones(len(part))
        w = np.nan_to_num(w)
        total = float(w.sum())
        row["zones"] = len(part)
        row["residents"] = total
        if flagged:
            row["excluded zones (off network)"] = int(off.sum())
            row["excluded residents (off network)"] = float(np.nansum(w_off))
        if total <= 0:
            empty.append(" / ".join(map(str, key)))
        for column in values:
            v = part[column].to_numpy(dtype=float)
            name = _label(column)
            reached = ~np.isnan(v)
            has = total > 0 and w[reached].sum() > 0
            row[f"{name} mean"] = float(np.average(v[reached], weights=w[reached])) if has else np.nan
            row[f"{name} median"] = _weighted_median(v, w) if total > 0 else np.nan
            if is_time_column(column):
                if described[column].isna().any():
                    row[f"% residents reaching at all ({name})"] = 100 * w[reached].sum() / total if total else np.nan
                for t in time_thresholds_min:
                    share = w[reached & (np.nan_to_num(v, nan=np.inf) <= t)].sum() / total if total else np.nan
                    row[f"% residents with {name} <= {float(t):g}"] = 100 * share
            else:
                for n in count_thresholds:
                    share = w[reached & (v >= n)].sum() / total if total else np.nan
                    row[f"% residents with {name} >= {float(n):,.0f}"] = 100 * share
            row[f"{name} Gini"] = gini(v, w) if total > 0 else np.nan
            mean = row[f"{name} mean"]
            if has and mean:
                var = np.average((v[reached] - mean) ** 2, weights=w[reached])
                row[f"{name} CV"] = float(np.sqrt(var) / mean)
            else:
                row[f"{name} CV"] = np.nan
            if income or not is_time_column(column):  # ranking people by their travel time says little
                inc = part[income].to_numpy(dtype=float) if income else None
                row[f"{name} Palma"] = palma_ratio(v, w, inc) if total > 0 else np.nan
        rows.append(row)
    if empty:
        warnings.warn(f"group(s) with no residents ({', '.join(empty)}): their summary is NaN.", stacklevel=2)
    return pd.DataFrame(rows)
