"""Accessibility measures: cumulative, gravity, nearest-N, 2SFCA/E2SFCA/BFCA, centres.

Measures are computed from a long travel-time table (``from_id, to_id, travel_time_min``)
and an opportunities table, with the conventions of the R package ``accessibility``
(Pereira & Herszenhut, ipeaGIT/accessibility): a pair counts within a cutoff when its
travel time is ``<=`` the cutoff; pairs missing from the table, or with NaN time, are
unreachable (weight 0); origins that reach nothing get 0 (cumulative, gravity, FCA) or NaN
(times). Everything is vectorised over the pairs (``np.bincount`` on integer codes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.config import (
    CENTRES_MAX_TIME_MIN,
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_MAX_TIME_MIN,
    DEFAULT_MODE,
    DEFAULT_PERCENTILE,
    DEFAULT_WINDOW_MIN,
    E2SFCA_ZONE_WEIGHTS,
)
from access.errors import InputError
from access.io.opportunities import read_opportunities
from access.io.points import as_points
from access.measures.decay import check_decay, decay_weights
from access.network.snap import snap_points
from access.routing.matrix import travel_times
from access.routing.street import street_reach

__all__ = ["MEASURES", "accessibility", "accessibility_from_matrix", "search_budget_min"]

MEASURES = ("cumulative", "gravity", "nearest", "2sfca", "e2sfca", "bfca", "centres")
_TIME_COLUMNS = ("travel_time_min", "travel_time")


@dataclass(frozen=True)
class _Pairs:
    """Reachable pairs as integer codes: origin ``o`` (into ``origin_ids``), destination
    ``d`` (into the opportunities table, -1 when unknown) and time ``t`` in minutes."""

    origin_ids: np.ndarray
    o: np.ndarray
    d: np.ndarray
    t: np.ndarray
    n_dest: int
    origin_row: np.ndarray  # row of each origin in the opportunities table (-1: absent)

    @property
    def n_origins(self) -> int:
        return len(self.origin_ids)


def _time_column(matrix: pd.DataFrame, time_column: str | None) -> str:
    if time_column is not None:
        if time_column not in matrix:
            columns = ", ".join(map(str, matrix.columns))
            raise InputError(f"travel-time table has no column {time_column!r}; columns: {columns}.")
        return time_column
    found = [c for c in _TIME_COLUMNS if c in matrix]
    if not found:
        percentiles = [c for c in matrix.columns if str(c).startswith("travel_time_p")]
        if len(percentiles) == 1:
            return percentiles[0]
        raise InputError(
            "travel-time table needs a column travel_time_min (or travel_time) in minutes"
            + (f"; pick one of {', '.join(percentiles)} with time_column=" if percentiles else "")
            + f"; found {', '.join(map(str, matrix.columns))}."
        )
    return found[0]


def _lookup(codes: np.ndarray, uniques, index: pd.Index) -> np.ndarray:
    """Positions in ``index`` of factorized ids (-1 when absent): the hash lookup runs on
    the few distinct ids, not on every pair."""
    positions = np.append(index.get_indexer(uniques), -1)
    return positions[np.where(codes >= 0, codes, len(positions) - 1)]


def _duplicates(keys: np.ndarray) -> int:
    """How many keys (>= 0) repeat an earlier one: counted in place when the keys are dense,
    else by a sort, never a hash table (np.unique's hashing took 2 s of 2.3 on Belo
    Horizonte's 748 k pairs); nothing to count for keys in strictly increasing order
    (origin-major tables from this package)."""
    if len(keys) < 2 or bool(np.all(keys[1:] > keys[:-1])):
        return 0
    space = int(keys.max()) + 1
    if space <= 8 * len(keys):  # dense keys (origins x destinations): count them in place
        counts = np.bincount(keys, minlength=space)
        return int(np.sum(counts[counts > 1] - 1))
    ordered = np.sort(keys)
    return int(np.count_nonzero(ordered[1:] == ordered[:-1]))


def _pairs(matrix: pd.DataFrame, opportunities: pd.DataFrame, time_column: str | None, origin_ids=None) -> _Pairs:
    if not isinstance(matrix, pd.DataFrame) or not {"from_id", "to_id"} <= set(matrix.columns):
        raise InputError("travel-time table needs columns from_id, to_id and travel_time_min.")
    if "id" not in opportunities:
        raise InputError("opportunities need an id column matching the travel-time table's to_id.")
    column = _time_column(matrix, time_column)
    t = pd.to_numeric(matrix[column], errors="coerce").to_numpy(dtype=np.float64)
    if np.any(t[np.isfinite(t)] < 0):
        raise InputError(f"travel times in {column!r} must be >= 0 minutes.")
    from_codes, from_unique = pd.factorize(matrix["from_id"])
    if origin_ids is None:
        origin_index = pd.Index(from_unique)
    else:
        origin_index = pd.Index(pd.unique(pd.Series(origin_ids)))
    o = _lookup(from_codes, from_unique, origin_index)
    dest_index = pd.Index(opportunities["id"])
    if not dest_index.is_unique:
        raise InputError("opportunity ids are not unique.")
    d = _lookup(*pd.factorize(matrix["to_id"]), dest_index)
    if len(o):
        key = o.astype(np.int64) * (len(dest_index) + 1) + np.where(d >= 0, d, len(dest_index))
        duplicated = _duplicates(key[o >= 0])
        if duplicated > 0:
            raise InputError(
                f"the travel-time table has {duplicated} duplicated (from_id, to_id) pairs; keep one "
                "time per pair (e.g. the minimum) before computing accessibility."
            )
    keep = np.isfinite(t) & (o >= 0)
    return _Pairs(
        origin_ids=origin_index.to_numpy(),
        o=o[keep].astype(np.int64),
        d=d[keep].astype(np.int64),
        t=t[keep],
        n_dest=len(dest_index),
        origin_row=dest_index.get_indexer(origin_index),
    )


def _counts(opportunities: pd.DataFrame, column: str, what: str = "opportunity") -> np.ndarray:
    if column not in opportunities:
        numeric = [c for c in opportunities.columns if pd.api.types.is_numeric_dtype(opportunities[c])]
        raise InputError(f"{what} column {column!r} not found; numeric columns: {', '.join(map(str, numeric))}.")
    values = pd.to_numeric(opportunities[column], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        raise InputError(f"{what} column {column!r} has missing or non-numeric values; fill them with 0.")
    if (values < 0).any():
        raise InputError(f"{what} column {column!r} has negative counts.")
    return values


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index] with 0 where index is -1 (an id missing from the opportunities)."""
    padded = np.append(values, 0.0)
    return padded[np.where(index >= 0, index, len(values))]


def _sum_by(codes: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=n)[:n]


def _fmt(value: float) -> str:
    return format(float(value), ".12g")  # 60 -> "60", 7.5 -> "7.5", 1e6 -> "1000000"


def _cumulative(p: _Pairs, opp: np.ndarray, cutoffs: Sequence[float]) -> np.ndarray:
    dest = _at(opp, p.d)
    return np.column_stack([_sum_by(p.o, dest * (p.t <= c), p.n_origins) for c in cutoffs])


def _gravity(p: _Pairs, opp: np.ndarray, decay: str, param) -> np.ndarray:
    return _sum_by(p.o, _at(opp, p.d) * decay_weights(p.t, decay, param), p.n_origins)


def _cost_to_closest(p: _Pairs, opp: np.ndarray, n: float) -> np.ndarray:
    """Minutes until the cumulative opportunities, nearest first, reach ``n`` (NaN if never):
    R accessibility::cost_to_closest."""
    dest = _at(opp, p.d)
    has = dest > 0
    o, t, w = p.o[has], p.t[has], dest[has]
    order = np.lexsort((t, o))
    o, t, w = o[order], t[order], w[order]
    cum = np.cumsum(w)
    starts = np.searchsorted(o, np.arange(p.n_origins))  # first pair of each origin
    before = np.concatenate([[0.0], cum])[starts]
    within = cum - before[o]
    # w and n are counts: compare with a tolerance for float sums of fractional counts
    reached = within >= n - 1e-9 * max(n, 1.0)
    result = np.full(p.n_origins, np.nan)
    first = np.flatnonzero(reached)
    if len(first):
        origins, at = np.unique(o[first], return_index=True)
        result[origins] = t[first[at]]
    return result


def _fca(p: _Pairs, opp: np.ndarray, demand_at_origin: np.ndarray, weights: np.ndarray, balanced: bool) -> np.ndarray:
    """2SFCA (Luo & Wang 2003) or BFCA (Paez et al. 2019) as in R accessibility::floating_catchment_area."""
    n_o, n_d = p.n_origins, p.n_dest + 1  # last destination slot: ids missing from the table
    d = np.where(p.d >= 0, p.d, p.n_dest)
    supply = np.append(opp, 0.0)
    if balanced:
        by_origin = _sum_by(p.o, weights, n_o)
        by_dest = _sum_by(d, weights, n_d)
        with np.errstate(invalid="ignore", divide="ignore"):
            w_i = np.where(by_origin[p.o] > 0, weights / by_origin[p.o], 0.0)
            w_j = np.where(by_dest[d] > 0, weights / by_dest[d], 0.0)
    else:
        w_i = w_j = weights
    served = _sum_by(d, demand_at_origin[p.o] * w_i, n_d)
    with np.errstate(invalid="ignore", divide="ignore"):
        # opportunities per person served at each destination; a destination reached only
        # by origins without people serves nobody: it adds nothing (not an infinite share)
        ratio = np.where(served > 0, supply / np.where(served > 0, served, 1.0), 0.0)
        contribution = ratio[d] * w_j
    # R sums with na.rm=TRUE: 0/0 (nobody served, nothing offered) drops out
    return _sum_by(p.o, np.where(np.isnan(contribution), 0.0, contribution), n_o)


def _e2sfca_weights(t: np.ndarray, cutoff: float) -> np.ndarray:
    """Luo & Qi (2009) E2SFCA zones: the catchment split into equal travel-time zones
    (upper edges inclusive, like the cutoff) weighted by E2SFCA_ZONE_WEIGHTS."""
    zone_w = np.asarray(E2SFCA_ZONE_WEIGHTS, dtype=float)
    edges = cutoff * np.arange(1, len(zone_w) + 1) / len(zone_w)
    zone = np.searchsorted(edges, t, side="left")  # t == edge stays in the lower zone
    return np.where(zone < len(zone_w), zone_w[np.minimum(zone, len(zone_w) - 1)], 0.0)


def _centres(p: _Pairs, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted average minutes to the centres (weight > 0) and minutes to the nearest one.
    The average is NaN for an origin that does not reach every centre."""
    w = _at(weight, p.d)
    is_centre = w > 0
    n_centres = int((weight > 0).sum())
    if n_centres == 0:
        raise InputError("centres measure: no opportunity has a positive weight; pass centres with weights > 0.")
    o, t, w = p.o[is_centre], p.t[is_centre], w[is_centre]
    reached = np.bincount(o, minlength=p.n_origins)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = _sum_by(o, w * t, p.n_origins) / _sum_by(o, w, p.n_origins)
    average[reached < n_centres] = np.nan
    nearest = np.full(p.n_origins, np.inf)
    np.minimum.at(nearest, o, t)
    return average, np.where(np.isfinite(nearest), nearest, np.nan)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str | int | float | np.number):
        return [value]
    return list(value)


def accessibility_from_matrix(
    matrix: pd.DataFrame,
    opportunities: pd.DataFrame,
    *,
    measure: str = "cumulative",
    opportunity: str | Sequence[str] = "jobs",
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    decay: str | None = None,
    decay_param=None,
    n: float | Sequence[float] = 1,
    demand: str = "population",
    centre_weight: str | None = None,
    time_column: str | None = None,
    origins=None,
) -> pd.DataFrame:
    """Accessibility of every origin from a travel-time table, one column per measure value.

    Parameters
    ----------
    matrix
        Long table ``from_id``, ``to_id``, ``travel_time_min`` (or ``travel_time``) in
        minutes; NaN or a missing pair = not reachable.
    opportunities
        Table with ``id`` (matching ``to_id``; for FCA measures also ``from_id``) and count
        columns (``jobs``, ``population``, ...).
    measure
        ``"cumulative"``: opportunities reachable within each cutoff (``t <= cutoff``),
        columns ``{opportunity}_{cutoff}min``.
        ``"gravity"``: sum of opportunities x ``decay(t)``, column ``{opportunity}_gravity``.
        ``"nearest"``: minutes to reach the closest ``n`` opportunities (counts summed
        nearest first, R ``cost_to_closest``), column ``time_to_{opportunity}_min`` (n=1)
        or ``time_to_{n}_{opportunity}_min``; NaN when never reached.
        ``"2sfca"``: two-step floating catchment (Luo & Wang 2003) with the decay
        function (default binary within each cutoff), opportunities per person of
        ``demand``; column ``{opportunity}_2sfca_{cutoff}min`` (or ``_{decay}`` for a
        continuous decay). ``"e2sfca"``: Luo & Qi (2009) zones within each cutoff.
        ``"bfca"``: balanced FCA (Paez et al. 2019). Columns ``..._e2sfca_..``, ``..._bfca_..``.
        ``"centres"``: ``avg_time_to_centres_min`` — the average minutes to the
        opportunities with positive ``centre_weight`` (default: the ``opportunity``
        column), weighted by it, NaN unless every centre is reached — and
        ``time_to_nearest_centre_min``.
    opportunity
        Count column(s) of ``opportunities``.
    cutoffs_min
        Minutes (cumulative, 2SFCA/E2SFCA/BFCA with the binary decay).
    decay, decay_param
        Gravity / FCA decay: exponential, power, gaussian, logistic, linear, step, binary
        (default: exponential for gravity, binary within each cutoff for 2SFCA/BFCA);
        parameters, defaults and their sources in :mod:`access.measures.decay`.
    n
        Nearest: number(s) of opportunities (≥ 1).
    demand
        FCA: population column competing for the opportunities (at the origins).
    origins
        Ids to report (default: every ``from_id`` of the table); origins that reach
        nothing get 0 (counts) or NaN (times).

    Returns
    -------
    DataFrame with ``id`` and the measure columns, one row per origin.
    """
    decay, opp_columns, cutoffs = _check_measure(measure, opportunities, opportunity, cutoffs_min, decay)
    pairs = _pairs(matrix, opportunities, time_column, origins)
    return _measure_frame(
        pairs, opportunities, measure, opp_columns, cutoffs, decay, decay_param, n, demand, centre_weight
    )


def _check_measure(measure: str, opportunities, opportunity, cutoffs_min, decay) -> tuple[str, list[str], list[float]]:
    """The measure's decay (default), opportunity columns and cutoffs, checked."""
    if measure not in MEASURES:
        raise InputError(f"unknown accessibility measure {measure!r}; use one of {', '.join(MEASURES)}.")
    decay = decay or ("exponential" if measure == "gravity" else "binary")
    if not isinstance(opportunities, pd.DataFrame):
        raise InputError(
            "opportunities must be a (Geo)DataFrame; read files with access.read_points(path, preset='opportunities')."
        )
    opp_columns = [str(c) for c in _as_list(opportunity)]
    if not opp_columns:
        raise InputError("name at least one opportunity column, e.g. opportunity='jobs'.")
    cutoffs = [float(c) for c in _as_list(cutoffs_min)]
    if measure in ("cumulative", "e2sfca") or (measure in ("2sfca", "bfca") and decay == "binary"):
        if not cutoffs or any(not np.isfinite(c) or c <= 0 for c in cutoffs):
            raise InputError(f"cutoffs must be positive minutes, got {list(_as_list(cutoffs_min))}.")
    return decay, opp_columns, cutoffs


def _measure_frame(
    pairs: _Pairs,
    opportunities: pd.DataFrame,
    measure: str,
    opp_columns: list[str],
    cutoffs: list[float],
    decay: str,
    decay_param,
    n,
    demand: str,
    centre_weight: str | None,
) -> pd.DataFrame:
    """``id`` and the measure columns of every origin of ``pairs``."""
    out: dict[str, np.ndarray] = {"id": pairs.origin_ids}
    if measure == "centres":
        weight_col = centre_weight or opp_columns[0]
        average, nearest = _centres(pairs, _counts(opportunities, weight_col, "centre weight"))
        out["avg_time_to_centres_min"] = average
        out["time_to_nearest_centre_min"] = nearest
        return pd.DataFrame(out)
    if measure in ("2sfca", "e2sfca", "bfca"):
        pop = _counts(opportunities, demand, "demand")
        demand_at_origin = _at(pop, pairs.origin_row)
    ns = [float(v) for v in _as_list(n)]
    if measure == "nearest" and (not ns or any(not np.isfinite(v) or v < 1 for v in ns)):
        raise InputError(f"n (number of nearest opportunities) must be >= 1, got {n!r}.")
    if measure in ("gravity",) or (measure in ("2sfca", "bfca") and decay != "binary"):
        check_decay(decay, decay_param)
    for column in opp_columns:
        opp = _counts(opportunities, column)
        if measure == "cumulative":
            values = _cumulative(pairs, opp, cutoffs)
            for i, c in enumerate(cutoffs):
                out[f"{column}_{_fmt(c)}min"] = values[:, i]
        elif measure == "gravity":
            out[f"{column}_gravity"] = _gravity(pairs, opp, decay, decay_param)
        elif measure == "nearest":
            for v in ns:
                name = f"time_to_{column}_min" if v == 1 else f"time_to_{_fmt(v)}_{column}_min"
                out[name] = _cost_to_closest(pairs, opp, v)
        else:
            balanced = measure == "bfca"
            if measure == "e2sfca":
                runs = [(f"{_fmt(c)}min", _e2sfca_weights(pairs.t, c)) for c in cutoffs]
            elif decay == "binary" and decay_param is None:
                runs = [(f"{_fmt(c)}min", decay_weights(pairs.t, "binary", c)) for c in cutoffs]
            else:
                runs = [(decay, decay_weights(pairs.t, decay, decay_param))]
            for suffix, weights in runs:
                out[f"{column}_{measure}_{suffix}"] = _fca(pairs, opp, demand_at_origin, weights, balanced)
    return pd.DataFrame(out)


def search_budget_min(
    measure: str, cutoffs_min: Sequence[float] | None = None, decay: str | None = None, decay_param=None
) -> float:
    """The search budget (minutes) :func:`accessibility` uses when ``max_time_min`` is not
    given: the least that loses nothing the measure counts (services check it against
    their limits before routing)."""
    cutoffs = [float(c) for c in _as_list(cutoffs_min)] if cutoffs_min is not None else []
    decay = decay or ("exponential" if measure == "gravity" else "binary")
    return _default_budget(measure, cutoffs or list(DEFAULT_CUTOFFS_MIN), decay, decay_param)


def _default_budget(measure: str, cutoffs: Sequence[float], decay: str, decay_param) -> float:
    """Search budget (minutes) that loses nothing the measure counts."""
    if measure in ("cumulative", "e2sfca") or (measure in ("2sfca", "bfca") and decay == "binary"):
        if decay_param is not None and measure in ("2sfca", "bfca"):
            return float(check_decay("binary", decay_param))
        return max(cutoffs)
    if measure == "centres":
        return CENTRES_MAX_TIME_MIN
    if measure in ("gravity", "2sfca", "bfca") and decay in ("linear", "binary"):
        return float(check_decay(decay, decay_param))
    if measure in ("gravity", "2sfca", "bfca") and decay == "step":
        steps, weights = check_decay(decay, decay_param)
        if float(np.asarray(weights)[-1]) == 0.0:  # nothing counts past the last step
            return float(np.asarray(steps)[-1])
        return max(float(DEFAULT_MAX_TIME_MIN), *cutoffs)
    return max(float(DEFAULT_MAX_TIME_MIN), *cutoffs)


def accessibility(
    network,
    origins,
    opportunities,
    *,
    measure: str = "cumulative",
    mode: str = DEFAULT_MODE,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    opportunity: str | Sequence[str] = "jobs",
    departure=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    access_mode: str = "walk",
    max_time_min: float | None = None,
    progress: bool = False,
    **measure_params,
) -> gpd.GeoDataFrame:
    """Accessibility of every origin over a network: travel times, then a measure.

    ``origins`` and ``opportunities``: (Geo)DataFrames, points as :func:`access.as_points`
    takes them, or file paths (read with :func:`access.io.opportunities.read_opportunities`).
    Computes origins x opportunities travel times with :func:`access.travel_times`
    (``mode``, and for transit ``departure``/``window_min``/``percentile``/``access_mode``)
    and applies :func:`accessibility_from_matrix` (``measure`` and ``measure_params``:
    ``decay``, ``decay_param``, ``n``, ``demand``, ``centre_weight``).

    ``max_time_min`` defaults to what the measure needs: the largest cutoff for cumulative
    and catchment measures, the decay's reach for linear/step decays, 180 min for
    open-ended decays (exponential, power, ...; longer trips weigh ~0) and nearest-N, and
    ``CENTRES_MAX_TIME_MIN`` (6 h) for ``centres`` (the average needs every centre reached).

    Returns
    -------
    GeoDataFrame: the origins' columns (``id``, attributes, point ``geometry`` EPSG:4326)
    plus the measure columns, one row per origin in the origins' order, and ``off_network``:
    True for origins further than ``max_snap_m`` from the network (the walk network for
    transit), whose measures are NaN, not 0 (nobody knows what they reach); summaries
    leave them out and count them. ``attrs["off_network"]``: their ``zones`` and
    ``residents`` (the ``population`` column, when there is one).

    Street modes aggregate while routing (sparse reached pairs, chunk by chunk for
    cumulative and gravity): memory grows with the pairs within the budget, never with
    origins x opportunities; the values are those of :func:`accessibility_from_matrix` on
    the full :func:`access.travel_times` table, exactly.
    """

    if isinstance(origins, str | Path):
        origins = read_opportunities(origins)
    if isinstance(opportunities, str | Path):
        opportunities = read_opportunities(opportunities)

    if measure not in MEASURES:
        raise InputError(f"unknown accessibility measure {measure!r}; use one of {', '.join(MEASURES)}.")
    unknown = set(measure_params) - {"decay", "decay_param", "n", "demand", "centre_weight"}
    if unknown:
        raise InputError(
            f"unknown accessibility parameter(s) {', '.join(sorted(unknown))}; "
            "use decay, decay_param, n, demand, centre_weight."
        )
    origins = as_points(origins, what="origins")  # normalised once, passed down as Points
    opportunities = as_points(opportunities, what="opportunities")
    origin_frame, dest_frame = origins.to_frame(), opportunities.to_frame()
    needed = _as_list(measure_params.get("centre_weight") or opportunity)
    for column in needed:  # fail before routing, not after
        _counts(dest_frame, str(column))
    cutoffs = [float(c) for c in _as_list(cutoffs_min)]
    decay = measure_params.get("decay") or ("exponential" if measure == "gravity" else "binary")
    measure_params["decay"] = decay
    if max_time_min is None:
        max_time_min = _default_budget(
            measure, cutoffs or list(DEFAULT_CUTOFFS_MIN), decay, measure_params.get("decay_param")
        )
    if mode != "transit":  # street modes: measures aggregated while routing, no long table
        network.street(mode)
        land_use = _land_use(measure, origin_frame, dest_frame, opportunity, measure_params)
        values = _street_values(
            network,
            origins,
            opportunities,
            land_use,
            measure=measure,
            opportunity=opportunity,
            cutoffs_min=cutoffs,
            mode=mode,
            max_time_min=max_time_min,
            progress=progress,
            **measure_params,
        )
    else:
        matrix = travel_times(
            network,
            origins,
            opportunities,
            mode=mode,
            max_time_min=max_time_min,
            departure=departure,
            window_min=window_min,
            percentiles=(percentile,),
            access_mode=access_mode,
            progress=progress,
        )
        land_use = _land_use(measure, origin_frame, dest_frame, opportunity, measure_params)
        values = accessibility_from_matrix(
            matrix,
            land_use,
            measure=measure,
            opportunity=opportunity,
            cutoffs_min=cutoffs,
            origins=origins.ids,
            **measure_params,
        )
    # residents beyond the snapping limit have no access to measure: NaN, flagged, never 0
    off = _off_network(network, mode, origins)
    values.loc[off, values.columns[1:]] = np.nan
    values["off_network"] = off
    result = origin_frame.drop(columns="off_network", errors="ignore").merge(
        values, on="id", how="left", suffixes=("", "_access")
    )
    if "zone_geometry" in result:  # polygons of zones / H3 cells, kept for maps
        result["zone_geometry"] = gpd.GeoSeries(result["zone_geometry"].to_numpy(), index=result.index, crs=4326)
    result = gpd.GeoDataFrame(result, geometry="geometry", crs=4326)
    result.attrs["off_network"] = _excluded(result)  # after the constructor (geopandas 1.0 drops attrs)
    return result


def _land_use(measure: str, origin_frame, dest_frame, opportunity, measure_params: dict) -> pd.DataFrame:
    """The opportunities table the measure reads (for FCA measures with the origins'
    demand merged in: people live at the origins, the supply sits at the opportunities)."""
    land_use = pd.DataFrame(dest_frame.drop(columns="geometry"))
    if measure in ("2sfca", "e2sfca", "bfca"):
        demand = measure_params.get("demand", "population")
        if demand not in origin_frame and not set(origin_frame["id"]) <= set(land_use["id"]):
            raise InputError(
                f"{measure}: the origins need a {demand!r} column (the people competing for "
                "opportunities), or ids that all appear in the opportunities table."
            )
        if demand in origin_frame:
            land_use = land_use.drop(columns=demand, errors="ignore").merge(
                pd.DataFrame(origin_frame[["id", demand]]), on="id", how="outer"
            )
            filled = [c for c in (*_as_list(opportunity), demand) if c in land_use]
            land_use[filled] = land_use[filled].fillna(0)
    return land_use


_LOCAL_MEASURES = ("cumulative", "gravity")  # an origin's value needs its own pairs only


def _street_values(
    network,
    origins,
    opportunities,
    land_use: pd.DataFrame,
    *,
    measure: str,
    opportunity,
    cutoffs_min,
    mode: str,
    max_time_min: float,
    progress: bool,
    decay: str | None = None,
    decay_param=None,
    n: float | Sequence[float] = 1,
    demand: str = "population",
    centre_weight: str | None = None,
) -> pd.DataFrame:
    """What :func:`accessibility_from_matrix` gives on the street travel-time table, from
    the routing's sparse pairs (:func:`access.routing.street.street_reach`) instead:
    cumulative and gravity measures chunk by chunk of origins (memory: one chunk's pairs),
    the others from all reached pairs at once; never the origins x destinations table."""

    decay, opp_columns, cutoffs = _check_measure(measure, land_use, opportunity, cutoffs_min, decay)
    dest_index = pd.Index(land_use["id"])
    if not dest_index.is_unique:
        raise InputError("opportunity ids are not unique.")
    dest_pos = dest_index.get_indexer(pd.Index(opportunities.ids))
    origin_ids = pd.Index(pd.unique(pd.Series(origins.ids))).to_numpy()
    origin_row = dest_index.get_indexer(pd.Index(origin_ids))
    _, chunks = street_reach(network, origins, opportunities, mode=mode, max_time_min=max_time_min, progress=progress)
    args = (land_use, measure, opp_columns, cutoffs, decay, decay_param, n, demand, centre_weight)

    def pairs_of(rows: np.ndarray, o: np.ndarray, d: np.ndarray, seconds: np.ndarray) -> _Pairs:
        return _Pairs(
            origin_ids=origin_ids[rows],
            o=o,
            d=dest_pos[d],
            t=seconds / 60.0,  # minutes, as the long table holds them
            n_dest=len(dest_index),
            origin_row=origin_row[rows],
        )

    if measure not in _LOCAL_MEASURES:
        parts = list(chunks)
        o = np.concatenate([c.o for c in parts]) if parts else np.zeros(0, np.int64)
        d = np.concatenate([c.d for c in parts]) if parts else np.zeros(0, np.int64)
        seconds = np.concatenate([c.seconds for c in parts]) if parts else np.zeros(0)
        return _measure_frame(pairs_of(np.arange(len(origin_ids)), o, d, seconds), *args)
    nothing = np.zeros(0, dtype=np.int64)
    empty = _measure_frame(pairs_of(np.arange(len(origin_ids)), nothing, nothing, np.zeros(0)), *args)
    values = {"id": origin_ids, **{c: empty[c].to_numpy(dtype=np.float64).copy() for c in empty.columns[1:]}}
    for chunk in chunks:
        local = np.searchsorted(chunk.rows, chunk.o)
        part = _measure_frame(pairs_of(chunk.rows, local, chunk.d, chunk.seconds), *args)
        for column in part.columns[1:]:
            values[column][chunk.rows] = part[column].to_numpy()
    return pd.DataFrame(values)


def _off_network(network, mode: str, origins) -> np.ndarray:
    """Origins further than ``max_snap_m`` from the network their trips start on (the walk
    network for transit), in the origins' order."""

    street = network.street("walk" if mode == "transit" else mode)
    return ~snap_points(street, *origins.projected(street.crs_epsg)).ok


def _excluded(result: pd.DataFrame, weight: str = "population") -> dict:
    """Zones (and residents, when a ``weight`` column exists) left out as off the network."""
    off = result["off_network"].to_numpy(dtype=bool)
    residents = (
        float(pd.to_numeric(result.loc[off, weight], errors="coerce").fillna(0).sum()) if weight in result else None
    )
    return {"zones": int(off.sum()), "residents": residents}
