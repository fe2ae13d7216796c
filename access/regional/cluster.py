"""City-cluster circles: places within 1 h / 2 h of core cities by road and by road + rail,
population inside, place-to-place matrices, average travel time and potential accessibility."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from access.config import DEFAULT_CUTOFFS_MIN, DEFAULT_DEPARTURE_TIME, DEFAULT_PERCENTILE
from access.errors import InputError
from access.io.places import find_place
from access.measures.accessibility import accessibility_from_matrix
from access.regional.network import DEFAULT_REGIONAL_WINDOW_MIN, RegionalNetwork

__all__ = ["ClusterResult", "cluster_circles", "compare_cluster", "MODES_CLUSTER"]

MODES_CLUSTER = ("road", "road+rail")
_HULL_BUFFER_DEG = 0.05  # degrees (~5 km) around the hull of the places inside a circle, for maps


@dataclass(frozen=True)
class ClusterResult:
    """Tables of one cluster run (all EPSG:4326; minutes; people).

    ``circles``: one row per centre x mode x cutoff with ``n_places``, ``population``,
    ``urban_population``, ``places`` (names inside, nearest first) and a hull geometry of
    the places inside. ``members``: one row per centre x place with ``road_min``,
    ``road_rail_min`` and ``inside_{mode}_{cutoff}`` flags. ``matrix``: every place pair.
    ``accessibility``: per place, population-weighted average minutes to all other places
    and potential (gravity) accessibility, by road and by road + rail. ``lines``: rail.
    Every table carries ``approximate`` (roads from the great-circle x detour model).
    """

    circles: gpd.GeoDataFrame
    members: gpd.GeoDataFrame
    matrix: pd.DataFrame
    accessibility: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    approximate: bool
    parameters: dict = field(default_factory=dict)


def _mode_column(mode: str) -> str:
    return "road_min" if mode == "road" else "road_rail_min"


def _tag(mode: str, cutoff: float) -> str:
    return f"inside_{mode.replace('+', '_')}_{cutoff:g}"


def cluster_circles(
    network: RegionalNetwork,
    centres: str | Sequence[str] | None = None,
    *,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    departure=None,
    window_min: float = DEFAULT_REGIONAL_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    direction: str = "to_centre",
    decay: str = "exponential",
    decay_param=None,
    progress: bool = False,
) -> ClusterResult:
    """Commuting circles of ``centres`` (names, local names or ids; default: the most
    populous place) in a :class:`RegionalNetwork`, plus the full place-to-place matrix and
    accessibility of every place.

    Parameters
    ----------
    cutoffs_min
        Circle sizes in minutes (no upper ceiling).
    departure, window_min, percentile
        Road + rail times: departures every minute of the window from ``departure``
        (default 07:00, 60 min) and the ``percentile`` of the door-to-door times.
    direction
        ``"to_centre"`` (morning commuters travelling in; default) or ``"from_centre"``.
    decay, decay_param
        Potential accessibility ``sum_j P_j f(t_ij)`` over the other places (``j != i``)
        with this decay of :mod:`access.measures.decay` (exponential, 0.05 per minute).
    """
    cutoffs = [float(c) for c in cutoffs_min]
    if not cutoffs or any(not np.isfinite(c) or c <= 0 for c in cutoffs):
        raise InputError(f"cutoffs must be positive minutes, got {list(cutoffs_min)}.")
    places = network.places
    if centres is None:
        rows = np.array([int(np.nanargmax(places["population"].fillna(-1).to_numpy()))])
    else:
        rows = find_place(places, centres)
    matrix = network.travel_times(departure=departure, window_min=window_min, percentile=percentile, progress=progress)
    n = len(places)
    road = matrix["road_min"].to_numpy().reshape(n, n)
    rail = matrix["road_rail_min"].to_numpy().reshape(n, n)
    if direction not in ("to_centre", "from_centre"):
        raise InputError(f"direction must be to_centre or from_centre, got {direction!r}.")
    if direction == "to_centre":
        road_c, rail_c = road.T, rail.T
    else:
        road_c, rail_c = road, rail
    members = _members(network, rows, road_c, rail_c, cutoffs)
    circles = _circles(network, members, cutoffs)
    accessibility = _accessibility(network, matrix, road, rail, decay, decay_param)
    parameters = {
        "direction": direction,
        "departure": departure or DEFAULT_DEPARTURE_TIME,
        "window_min": window_min,
        "percentile": percentile,
        "decay": decay,
        "decay_param": decay_param,
        "road_model": network.roads.label,
        "service_date": network.transit.service_date if network.transit is not None else None,
    }
    return ClusterResult(
        circles=circles,
        members=members,
        matrix=matrix,
        accessibility=accessibility,
        lines=network.lines(),
        approximate=network.approximate,
        parameters=parameters,
    )


def _members(
    network: RegionalNetwork, rows: np.ndarray, road: np.ndarray, rail: np.ndarray, cutoffs: list[float]
) -> gpd.GeoDataFrame:
    places = network.places
    n = len(places)
    centre_names = places["name"].to_numpy()[rows]
    base = places.iloc[np.tile(np.arange(n), len(rows))].reset_index(drop=True)
    out = pd.DataFrame({"centre": np.repeat(centre_names, n)})
    for column in ("id", "name", "name_local", "population", "urban_population"):
        out[column] = base[column].to_numpy()
    out["road_min"] = road[rows].ravel()
    out["road_rail_min"] = rail[rows].ravel()
    out["rail_saves_min"] = out["road_min"] - out["road_rail_min"]
    for mode in MODES_CLUSTER:
        times = out[_mode_column(mode)].to_numpy()
        for c in cutoffs:
            out[_tag(mode, c)] = np.nan_to_num(times, nan=np.inf) <= c
    out["approximate"] = network.approximate
    return gpd.GeoDataFrame(out, geometry=base.geometry.to_numpy(), crs=4326)


def _circles(network: RegionalNetwork, members: gpd.GeoDataFrame, cutoffs: list[float]) -> gpd.GeoDataFrame:
    rows = []
    for centre, group in members.groupby("centre", sort=False):
        for mode in MODES_CLUSTER:
            order = group.sort_values(_mode_column(mode))
            for c in cutoffs:
                inside = order[order[_tag(mode, c)]]
                hull = shapely.convex_hull(shapely.multipoints(np.c_[inside.geometry.x, inside.geometry.y]))
                rows.append(
                    {
                        "centre": centre,
                        "mode": mode,
                        "cutoff_min": c,
                        "n_places": len(inside),
                        "population": float(inside["population"].sum(min_count=1)),
                        "urban_population": float(inside["urban_population"].sum(min_count=1)),
                        "places": ", ".join(inside["name"].astype(str)),
                        "approximate": network.approximate,
                        "geometry": hull.buffer(_HULL_BUFFER_DEG),
                    }
                )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def _weighted_average(times: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row, the ``weights``-weighted mean of the finite off-diagonal ``times``; NaN when
    some place with weight is unreached (the average would hide it)."""
    t = times.copy()
    np.fill_diagonal(t, np.nan)
    w = np.broadcast_to(np.nan_to_num(weights, nan=0.0), t.shape).copy()
    np.fill_diagonal(w, 0.0)
    missing = ((~np.isfinite(t)) & (w > 0)).any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(np.where(np.isfinite(t), t, 0.0) * w, axis=1) / w.sum(axis=1)
    mean[missing] = np.nan
    return mean


def _potential(matrix: pd.DataFrame, column: str, places: pd.DataFrame, decay: str, decay_param) -> np.ndarray:
    """Gravity accessibility over the other places via accessibility_from_matrix."""

    pairs = matrix.loc[matrix["from_id"] != matrix["to_id"], ["from_id", "to_id", column]]
    pairs = pairs.rename(columns={column: "travel_time_min"})
    opportunities = pd.DataFrame({"id": places["id"].to_numpy(), "population": places["population"].fillna(0.0)})
    result = accessibility_from_matrix(
        pairs,
        opportunities,
        measure="gravity",
        opportunity="population",
        decay=decay,
        decay_param=decay_param,
        origins=places["id"].to_numpy(),
    )
    return result.set_index("id").loc[places["id"].to_numpy(), "population_gravity"].to_numpy(np.float64)


def _accessibility(
    network: RegionalNetwork, matrix: pd.DataFrame, road: np.ndarray, rail: np.ndarray, decay: str, decay_param
) -> gpd.GeoDataFrame:
    places = network.places
    pop = places["population"].to_numpy(np.float64)
    out = places[["id", "name", "name_local", "population", "urban_population"]].copy()
    out["avg_time_road_min"] = _weighted_average(road, pop)
    out["avg_time_road_rail_min"] = _weighted_average(rail, pop)
    out["potential_road"] = _potential(matrix, "road_min", places, decay, decay_param)
    out["potential_road_rail"] = _potential(matrix, "road_rail_min", places, decay, decay_param)
    out["approximate"] = network.approximate
    return gpd.GeoDataFrame(out, geometry=places.geometry.to_numpy(), crs=4326)


def compare_cluster(base: ClusterResult, scenario: ClusterResult) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Before/after of two runs on the same places (e.g. without and with a rail line).

    Returns per place ``avg_time_before_min``, ``avg_time_after_min``, ``avg_time_change_min``,
    ``potential_before``, ``potential_after``, ``potential_change_pct`` (road + rail), and
    per centre x mode x cutoff the population inside before and after and the places that
    enter (``entered``) or leave (``left``) the circle.
    """
    a, b = base.accessibility, scenario.accessibility
    if len(a) != len(b) or not (a["id"].to_numpy() == b["id"].to_numpy()).all():
        raise InputError("compare_cluster needs two runs on the same place table.")
    out = a[["id", "name", "name_local", "population"]].copy()
    out["avg_time_before_min"] = a["avg_time_road_rail_min"].to_numpy()
    out["avg_time_after_min"] = b["avg_time_road_rail_min"].to_numpy()
    out["avg_time_change_min"] = out["avg_time_after_min"] - out["avg_time_before_min"]
    out["potential_before"] = a["potential_road_rail"].to_numpy()
    out["potential_after"] = b["potential_road_rail"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["potential_change_pct"] = 100.0 * (out["potential_after"] / out["potential_before"] - 1.0)
    out["approximate"] = base.approximate or scenario.approximate
    places = gpd.GeoDataFrame(out, geometry=a.geometry.to_numpy(), crs=4326)
    keys = ["centre", "mode", "cutoff_min"]
    joined = base.circles.drop(columns="geometry").merge(
        scenario.circles.drop(columns="geometry"), on=keys, suffixes=("_before", "_after")
    )
    rows = []
    for _, r in joined.iterrows():  # a handful of circles, not place pairs
        before = {s for s in r["places_before"].split(", ") if s}
        after = {s for s in r["places_after"].split(", ") if s}
        rows.append(
            {
                **{k: r[k] for k in keys},
                "population_before": r["population_before"],
                "population_after": r["population_after"],
                "population_change": r["population_after"] - r["population_before"],
                "entered": ", ".join(s for s in r["places_after"].split(", ") if s not in before),
                "left": ", ".join(s for s in r["places_before"].split(", ") if s not in after),
            }
        )
    return places, pd.DataFrame(rows)
