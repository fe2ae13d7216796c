"""Accessibility poverty: the Foster-Greer-Thorbecke (FGT) family.

Foster, Greer & Thorbecke (1984), "A class of decomposable poverty measures",
Econometrica 52(3): 761-766, as the R package ``accessibility`` (``fgt_poverty``,
ipeaGIT) applies them to accessibility: with poverty line z and a person's access a,

    FGT_alpha = sum_i w_i [(z - a_i) / z]^alpha 1[a_i < z] / sum_i w_i,  alpha = 0, 1, 2

(w: residents). FGT0 is the share of residents below the line (extent), FGT1 the poverty
gap (mean normalised shortfall), FGT2 the squared gap (severity).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from access.errors import InputError
from access.measures._frame import group_keys, numeric_column

__all__ = ["fgt_poverty"]


def fgt_poverty(
    results: pd.DataFrame,
    *,
    value: str,
    population: str = "population",
    poverty_line: float,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """FGT0, FGT1 and FGT2 of the accessibility ``value`` below ``poverty_line``, weighted
    by ``population``: one row, or one per group of ``by``.

    ``results`` has one row per zone (e.g. :func:`access.accessibility`'s output joined
    with residents). Zones whose ``value`` is NaN (off the network: unknown, not zero)
    are left out, and their residents reported in ``excluded_population``; ``population``
    is the residents counted. Zones without residents weigh nothing.
    """
    line = float(poverty_line)
    if not np.isfinite(line) or line <= 0:
        raise InputError(f"poverty_line must be a positive number of opportunities, got {poverty_line!r}.")
    access = numeric_column(results, value, "fgt_poverty")
    weight = numeric_column(results, population, "fgt_poverty")
    if np.any(weight < 0) or not np.isfinite(weight).all():
        raise InputError(f"fgt_poverty: {population!r} must be finite and non-negative.")
    keys = group_keys(results, by)
    known = np.isfinite(access)
    shortfall = np.where(known & (access < line), (line - np.where(known, access, line)) / line, 0.0)
    poor = (known & (access < line)).astype(np.float64)
    frame = pd.DataFrame(
        {
            "_w": np.where(known, weight, 0.0),
            "_w0": np.where(known, weight * poor, 0.0),
            "_w1": np.where(known, weight * shortfall, 0.0),
            "_w2": np.where(known, weight * shortfall**2, 0.0),
            "_x": np.where(known, 0.0, weight),
        }
    )
    for k in keys:
        frame[k] = results[k].to_numpy()
    sums = frame.groupby(keys, sort=True, dropna=False).sum() if keys else frame.sum().to_frame().T
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "fgt0": sums["_w0"] / sums["_w"],
                "fgt1": sums["_w1"] / sums["_w"],
                "fgt2": sums["_w2"] / sums["_w"],
                "population": sums["_w"],
                "excluded_population": sums["_x"],
            }
        )
    return out.reset_index() if keys else out.reset_index(drop=True)
