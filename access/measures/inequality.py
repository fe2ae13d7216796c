"""Inequality of accessibility: Theil T (with its between/within decomposition) and the
concentration index (standard and Erreygers-corrected).

Definitions as in the R package ``accessibility`` (ipeaGIT: ``theil_t``,
``concentration_index``), weighted by residents:

- Theil T (Theil 1967, *Economics and Information Theory*): T = sum_i s_i (a_i / m)
  ln(a_i / m), s_i the residents' share and m their mean access (0 ln 0 = 0). Over
  mutually exclusive groups g it splits exactly into T = T_between + T_within with
  T_between = sum_g A_g ln(A_g / P_g) and T_within = sum_g A_g T_g (A_g, P_g the group's
  shares of all access and of all residents, T_g its own Theil T).
- Concentration index (Kakwani, Wagstaff & van Doorslaer 1997; fractional ranks as
  van Doorslaer & Koolman 2004, eq. 4): C = 2 / m sum_i s_i (a_i - m) (r_i - 1/2), r_i the
  residents' fractional rank by income (poorest first). Negative: access concentrated
  among the poor. ``corrected`` is Erreygers' (2009, J. Health Econ. 28: 504-515) index,
  C x 4 m / (max a - min a).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from access.errors import InputError
from access.measures._frame import group_keys, numeric_column

__all__ = ["theil_t", "TheilDecomposition", "concentration_index"]


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split over socioeconomic groups.

    ``summary``: ``component`` (between_group, within_group, total), ``value`` and
    ``share_of_total``; ``within_group``: each group's ``value`` (its Theil T x its share of
    all access) and ``share_of_component``; ``between_group``: each group's ``value``
    (A_g ln(A_g / P_g)). Each frame carries the ``by`` columns first when grouped.
    """

    summary: pd.DataFrame
    within_group: pd.DataFrame
    between_group: pd.DataFrame

    @property
    def total(self) -> pd.Series:
        """Total Theil T (one value per ``by`` group)."""
        return self.summary[self.summary["component"] == "total"]["value"].reset_index(drop=True)


def _xlogx(ratio: np.ndarray) -> np.ndarray:
    """r ln r with 0 ln 0 = 0 (the limit; a zone reaching nothing adds nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)


def _theil(access: np.ndarray, weight: np.ndarray) -> float:
    total = weight.sum()
    if total <= 0:
        return float("nan")
    mean = np.dot(access, weight) / total
    if mean <= 0:
        return float("nan")
    return float(np.dot(_xlogx(access / mean), weight) / total)


def _known(results: pd.DataFrame, value: str, population: str, what: str, extra: Sequence[str] = ()) -> pd.DataFrame:
    """The rows with a known (finite) value, with float columns ``_a`` and ``_w``."""
    access = numeric_column(results, value, what)
    weight = numeric_column(results, population, what)
    if np.any(weight < 0) or not np.isfinite(weight).all():
        raise InputError(f"{what}: {population!r} must be finite and non-negative.")
    if np.any(access[np.isfinite(access)] < 0):
        raise InputError(f"{what}: {value!r} must be non-negative accessibility.")
    frame = results[list(extra)].copy() if extra else pd.DataFrame(index=results.index)
    frame["_a"], frame["_w"] = access, weight
    return frame[np.isfinite(access)]


def theil_t(
    results: pd.DataFrame,
    *,
    value: str,
    population: str = "population",
    groups: str | None = None,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame | TheilDecomposition:
    """Theil T of the accessibility ``value`` over residents (``population``).

    Without ``groups``: a DataFrame with ``theil_t`` (one row, or one per ``by`` group).
    With ``groups`` (a column of mutually exclusive socioeconomic groups, e.g. income
    deciles): a :class:`TheilDecomposition` into between- and within-group parts, which
    add up to the total. Rows with NaN ``value`` (off the network) are left out.
    """
    keys = group_keys(results, by)
    if groups is not None:
        group_keys(results, groups)
    frame = _known(results, value, population, "theil_t", [*keys, *([groups] if groups else [])])
    parts = frame.groupby(keys, sort=True) if keys else [((), frame)]
    if groups is None:
        rows = [
            (*(k if isinstance(k, tuple) else (k,)), _theil(f["_a"].to_numpy(), f["_w"].to_numpy())) for k, f in parts
        ]
        return pd.DataFrame(rows, columns=[*keys, "theil_t"])
    summaries, withins, betweens = [], [], []
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        stats = []
        for g, rows in part.groupby(groups, sort=True):
            a, w = rows["_a"].to_numpy(), rows["_w"].to_numpy()
            stats.append((g, float(np.dot(a, w)), float(w.sum()), _theil(a, w)))
        g_ids = [s[0] for s in stats]
        tot_access = np.array([s[1] for s in stats])
        tot_pop = np.array([s[2] for s in stats])
        g_theil = np.array([s[3] for s in stats])
        access_share = tot_access / tot_access.sum()
        pop_share = tot_pop / tot_pop.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            between_g = np.where(access_share > 0, access_share * np.log(access_share / pop_share), 0.0)
        within_g = np.nan_to_num(g_theil, nan=0.0) * access_share  # groups without residents weigh 0
        between, within = float(between_g.sum()), float(within_g.sum())
        total = between + within
        lead = dict(zip(keys, key, strict=True))
        for component, v in (("between_group", between), ("within_group", within), ("total", total)):
            summaries.append({**lead, "component": component, "value": v, "share_of_total": v / total})
        for g, wv, bv in zip(g_ids, within_g, between_g, strict=True):
            withins.append({**lead, groups: g, "value": wv, "share_of_component": wv / within if within else 0.0})
            betweens.append({**lead, groups: g, "value": bv})
    return TheilDecomposition(pd.DataFrame(summaries), pd.DataFrame(withins), pd.DataFrame(betweens))


def concentration_index(
    results: pd.DataFrame,
    *,
    value: str,
    population: str = "population",
    income: str,
    type: str = "standard",
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Concentration index of ``value`` across residents ranked by ``income`` (per capita,
    poorest first): ``type="standard"`` (relative) or ``"corrected"`` (Erreygers 2009).
    A DataFrame with ``concentration_index`` (one row, or one per ``by`` group); rows
    with NaN ``value`` or ``income`` are left out."""
    if type not in ("standard", "corrected"):
        raise InputError(f"concentration_index type must be 'standard' or 'corrected', got {type!r}.")
    keys = group_keys(results, by)
    ranked = results.assign(_i=numeric_column(results, income, "concentration_index"))
    frame = _known(ranked, value, population, "concentration_index", [*keys, "_i"])
    frame = frame[np.isfinite(frame["_i"].to_numpy())]
    rows = []
    for key, part in frame.groupby(keys, sort=True) if keys else [((), frame)]:
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values("_i", kind="stable")  # ties keep their order, as R's setorderv
        a, w = part["_a"].to_numpy(), part["_w"].to_numpy()
        share = w / w.sum()
        rank = np.cumsum(share) - share / 2  # fractional rank: residents below + half one's own
        mean = float(np.dot(a, share))
        ci = 2 * float(np.sum((rank - 0.5) * (a - mean) * share)) / mean
        if type == "corrected":
            ci *= 4 * mean / (a.max() - a.min())
        rows.append((*key, ci))
    return pd.DataFrame(rows, columns=[*keys, "concentration_index"])
