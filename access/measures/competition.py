"""Competition for opportunities: spatial availability and the balancing cost.

- Spatial availability (Soukhov, Paez, Higgins & Mohamed 2023, "Introducing spatial
  availability, a singly-constrained measure of competitive accessibility", PLOS ONE
  18(1): e0278468; R ``accessibility::spatial_availability``): the opportunities O_j of
  each destination are shared out among the origins that reach it, in proportion to
  their demand P_i^alpha and the decayed travel cost f(t_ij):
  SA_i = sum_j O_j P_i^alpha f(t_ij) / sum_k P_k^alpha f(t_kj). Every opportunity someone
  reaches is allocated exactly once (sum_i SA_i = the reached opportunities).
- Balancing cost (Barboza, Carneiro, Falavigna, Luz & Orrico 2021, "Balancing time: using
  a new accessibility measure in Rio de Janeiro", J. Transp. Geogr. 90: 102924; R
  ``accessibility::balancing_cost``): the least travel cost, on a grid of ``increment``,
  at which an origin reaches more opportunities than its own demand (0 for an origin
  without residents, NaN if it never does).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from access.errors import InputError
from access.measures.cumulative import matrix_pairs
from access.measures.decay import check_decay, decay_weights

__all__ = ["spatial_availability", "balancing_cost"]


def spatial_availability(
    matrix: pd.DataFrame,
    land_use: pd.DataFrame,
    *,
    opportunity: str = "jobs",
    demand: str = "population",
    decay: str = "exponential",
    decay_param=None,
    alpha: float = 1.0,
    detailed: bool = False,
    time_column: str | None = None,
) -> pd.DataFrame:
    """Spatial availability of ``opportunity`` at each origin of ``matrix`` (a long
    ``from_id, to_id, travel_time_min`` table), competing by ``demand``.

    ``land_use`` has ``id``, ``opportunity`` (at destinations) and ``demand`` (at origins);
    ``decay``/``decay_param`` as :func:`access.measures.decay.decay_weights` (R
    ``decay_exponential(0.1)`` is ``decay="exponential", decay_param=0.1``); ``alpha``
    tempers (< 1) or sharpens (> 1) the pull of big origins. Returns ``id`` and the
    ``opportunity`` column (origins reaching nothing get 0); ``detailed=True`` gives one
    row per pair with the demand, impedance and combined balancing factors instead.
    A destination that only origins without demand reach is allocated to none.
    """
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha <= 0:
        raise InputError(f"alpha must be a positive number, got {alpha!r}.")
    param = check_decay(decay, decay_param)
    p = matrix_pairs(matrix, land_use, time_column, columns=(opportunity, demand))
    supply = p.at_destination(opportunity)
    pop = p.at_origin(demand) ** alpha
    total_demand = float(np.nansum(p.land_use_values(demand) ** alpha))
    weight = decay_weights(p.t, decay, param)
    demand_factor = pop / total_demand
    impedance = weight / np.bincount(p.d, weights=weight, minlength=p.n_dest)[p.d]
    pull = demand_factor * impedance
    share_by_dest = np.bincount(p.d, weights=pull, minlength=p.n_dest)
    with np.errstate(invalid="ignore", divide="ignore"):
        combined = np.where(share_by_dest[p.d] > 0, pull / share_by_dest[p.d], 0.0)
    allocated = combined * supply
    if detailed:
        return pd.DataFrame(
            {
                "from_id": p.origin_ids[p.o],
                "to_id": p.dest_ids[p.d],
                "demand_bal_fac": demand_factor,
                "impedance_bal_fac": np.nan_to_num(impedance),
                "combined_bal_fac": combined,
                opportunity: allocated,
            }
        )
    return pd.DataFrame({"id": p.origin_ids, opportunity: np.bincount(p.o, weights=allocated, minlength=p.n_origins)})


def balancing_cost(
    matrix: pd.DataFrame,
    land_use: pd.DataFrame,
    *,
    opportunity: str = "jobs",
    demand: str = "population",
    increment: float = 1.0,
    time_column: str | None = None,
) -> pd.DataFrame:
    """The balancing cost of each origin: the least time (minutes, a multiple of
    ``increment`` up to the matrix's longest time) within which it reaches more
    ``opportunity`` than its own ``demand``. Returns ``id`` and ``travel_time`` (NaN:
    never balanced; 0 for origins without demand)."""
    increment = float(increment)
    if not np.isfinite(increment) or increment <= 0:
        raise InputError(f"increment must be a positive number of minutes, got {increment!r}.")
    p = matrix_pairs(matrix, land_use, time_column, columns=(opportunity, demand))
    own = p.at_origins(demand)
    out = np.full(p.n_origins, np.nan)
    order = np.lexsort((p.t, p.o))  # each origin's pairs, nearest first
    o, t = p.o[order], p.t[order]
    gained = p.at_destination(opportunity)[order]
    reached = np.cumsum(gained)
    start = np.r_[0, np.flatnonzero(o[1:] != o[:-1]) + 1] if len(o) else np.array([], dtype=np.int64)
    reached -= np.repeat(reached[start] - gained[start], np.diff(np.r_[start, len(o)]))
    # the first pair at which the opportunities reached exceed the origin's demand; ties
    # in time come in together, so its time is the least cost that balances
    crossing = np.where(reached > own[o], np.arange(len(o)), len(o))
    first = np.minimum.reduceat(crossing, start) if len(o) else np.array([], dtype=np.int64)
    origin = o[start]
    found = first < len(o)
    t_star = t[first[found]]
    k = np.ceil(t_star / increment)
    k = np.where((k - 1) * increment >= t_star, k - 1, k)  # float noise at exact multiples
    cost = k * increment
    longest = float(p.t.max()) if len(p.t) else 0.0
    out[origin[found]] = np.where(cost <= longest, cost, np.nan)  # R's grid stops at the longest time
    out[own == 0] = 0.0
    return pd.DataFrame({"id": p.origin_ids, "travel_time": out})
