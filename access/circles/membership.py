"""Who is inside: circle labels, each zone's nearest centre, people and jobs per circle.

Network-free: :func:`circle_membership` works on any zone x centre travel-time table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from access.circles.definition import CircleDefinition, resolve_definition
from access.circles.overlap import circle_overlap
from access.circles.zones import as_zones
from access.errors import InputError
from access.io.opportunities import count_values

__all__ = ["CommutingCircles", "circle_membership", "circle_label", "circle_min", "OUTSIDE", "ANY_CENTRE"]

OUTSIDE = "outside"
ANY_CENTRE = "any centre"  # summary rows for the union of all centres' circles


@dataclass(frozen=True)
class CommutingCircles:
    """Result of :func:`commuting_circles` / :func:`circle_membership`.

    Attributes
    ----------
    zones
        One row per zone (its columns kept): ``centre`` (nearest centre; None when no
        centre is reached), ``travel_time_min`` (to it), ``circle_min`` (smallest cutoff it
        lies inside, NaN outside), ``circle`` (``"inside 60 min"`` … ``"outside"``),
        ``travel_time_min_<centre>`` per centre, ``definition`` (its name).
    times
        Long table ``zone_id``, ``centre``, ``travel_time_min``, ``circle_min``, ``circle``:
        every zone x centre.
    summary
        Per centre (and ``"any centre"`` when several) and cutoff: ``zones``,
        ``population``, ``jobs`` inside that centre's circle and their ``*_share`` of the
        total; ``*_assigned``: zones inside whose nearest centre it is (these partition
        the "any centre" row); ``definition`` (JSON).
    polygons
        ``centre``, ``cutoff_min``, ``area_km2`` (UTM), ``geometry`` (EPSG:4326), or None.
    definition
        The :class:`CircleDefinition` used, with the network's penalties filled in.
    centres
        ``centre``, ``kind`` (point / stations / polygon), ``geometry``.
    """

    zones: gpd.GeoDataFrame
    times: pd.DataFrame
    summary: pd.DataFrame
    polygons: gpd.GeoDataFrame | None
    definition: CircleDefinition
    centres: gpd.GeoDataFrame

    def circle(self, centre: str | None = None, cutoff_min: float | None = None) -> gpd.GeoDataFrame:
        """Circle polygons of one centre (default: the first), optionally one cutoff."""
        if self.polygons is None:
            raise InputError("this result has no circle polygons; run commuting_circles(..., polygons=True).")
        name = self.centres["centre"].iloc[0] if centre is None else centre
        rows = self.polygons[self.polygons["centre"] == name]
        if rows.empty:
            raise InputError(f"no centre {name!r}; centres: {', '.join(map(str, self.centres['centre']))}.")
        if cutoff_min is not None:
            rows = rows[rows["cutoff_min"].astype(float) == float(cutoff_min)]
            if rows.empty:
                raise InputError(f"no {cutoff_min:g}-min circle; cutoffs: {list(self.definition.cutoffs_min)}.")
        return rows

    def overlap(
        self,
        a: str,
        b: str,
        *,
        how: str = "intersection",
        cutoff_min: float | None = None,
        population: str | None = "population",
        jobs: str | None = "jobs",
    ) -> gpd.GeoDataFrame:
        """:func:`access.circle_overlap` of centres ``a`` and ``b``'s circles, counting this
        result's zones (their representative points) inside."""
        result = circle_overlap(
            self.circle(a),
            self.circle(b),
            how=how,
            cutoff_min=cutoff_min,
            population_points=self.zones,
            population=population,
            jobs=jobs,
        )
        result.insert(0, "centre_b", b)
        result.insert(0, "centre_a", a)
        result["definition"] = self.definition.name
        result.attrs["definition"] = self.definition.to_json()
        return result


def circle_label(circle_min: float) -> str:
    """``"inside 60 min"`` for a cutoff, ``"outside"`` for NaN."""
    return OUTSIDE if not np.isfinite(circle_min) else f"inside {circle_min:g} min"


def circle_membership(
    times: pd.DataFrame,
    zones,
    *,
    cutoffs_min: Sequence[float],
    population: str | None = "population",
    jobs: str | None = "jobs",
    definition: CircleDefinition | str | dict | None = None,
    centres: gpd.GeoDataFrame | None = None,
) -> CommutingCircles:
    """Circle membership, nearest centre and totals from a zone x centre time table.

    Network-free: ``times`` has ``zone_id``, ``centre``, ``travel_time_min`` (minutes,
    NaN unreached) from any source (:func:`centre_travel_times`, a regional network, a
    survey). ``zones`` as in :func:`commuting_circles`. Returns a
    :class:`CommutingCircles` without polygons.
    """
    missing = {"zone_id", "centre", "travel_time_min"} - set(times.columns)
    if missing:
        raise InputError(
            f"travel-time table lacks column(s) {', '.join(sorted(missing))}; need zone_id, centre, travel_time_min."
        )
    spec = resolve_definition(definition, cutoffs_min=tuple(cutoffs_min))
    cutoffs = np.array(spec.cutoffs_min, dtype=float)
    frame = as_zones(zones, population, jobs).reset_index(drop=True)
    names = list(dict.fromkeys(times["centre"].tolist()))
    wide = times.pivot_table(index="zone_id", columns="centre", values="travel_time_min", aggfunc="min", dropna=False)
    unknown = set(wide.index) - set(frame["id"])
    if unknown:
        raise InputError(f"travel-time table names zones not in the zones table: {sorted(map(str, unknown))[:5]}.")
    matrix = wide.reindex(index=frame["id"], columns=names).to_numpy(dtype=float)  # zones x centres
    finite = np.where(np.isfinite(matrix), matrix, np.inf)
    nearest = np.argmin(finite, axis=1)  # ties: the first centre listed
    best = finite[np.arange(len(frame)), nearest]
    reached = np.isfinite(best)
    circle_of = circle_min(matrix, cutoffs)  # zones x centres
    zone_circle = circle_min(np.where(reached, best, np.nan), cutoffs)

    out = frame.copy()
    out["centre"] = pd.array(np.where(reached, np.array(names, dtype=object)[nearest], None), dtype=object)
    out["travel_time_min"] = np.where(reached, best, np.nan)
    out["circle_min"] = zone_circle
    out["circle"] = [circle_label(c) for c in zone_circle]
    for j, name in enumerate(names):
        out[f"travel_time_min_{name}"] = matrix[:, j]
    out["definition"] = spec.name
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]

    long = pd.DataFrame(
        {
            "zone_id": np.repeat(frame["id"].to_numpy(), len(names)),
            "centre": np.tile(np.array(names, dtype=object), len(frame)),
            "travel_time_min": matrix.ravel(),
            "circle_min": circle_of.ravel(),
        }
    )
    long["circle"] = [circle_label(c) for c in long["circle_min"]]

    summary = _summary(frame, names, matrix, nearest, reached, cutoffs, population, jobs)
    summary["definition"] = spec.to_json()
    for table in (out, long, summary):
        table.attrs["definition"] = spec.to_json()
    if centres is None:
        centres = gpd.GeoDataFrame({"centre": names, "kind": "given"}, geometry=[None] * len(names), crs=4326)
    return CommutingCircles(zones=out, times=long, summary=summary, polygons=None, definition=spec, centres=centres)


def circle_min(minutes: np.ndarray, cutoffs: np.ndarray) -> np.ndarray:
    """Smallest cutoff each time lies within (NaN when beyond all or unreached)."""
    values = np.asarray(minutes, dtype=float)
    index = np.searchsorted(cutoffs, np.where(np.isfinite(values), values, np.inf), side="left")
    return np.where(index < len(cutoffs), cutoffs[np.minimum(index, len(cutoffs) - 1)], np.nan)


def _summary(frame, names, matrix, nearest, reached, cutoffs, population, jobs) -> pd.DataFrame:
    columns = [("population", population), ("jobs", jobs)]
    values = {key: count_values(frame, col, "zones") for key, col in columns if col is not None}
    totals = {key: v.sum() for key, v in values.items()}
    rows = []
    groups = [(name, matrix[:, j], nearest == j) for j, name in enumerate(names)]
    if len(names) > 1:
        best = np.where(reached, np.nanmin(np.where(np.isfinite(matrix), matrix, np.inf), axis=1), np.inf)
        groups.append((ANY_CENTRE, best, reached))
    for name, minutes, assigned in groups:
        minutes = np.where(np.isfinite(minutes), minutes, np.inf)
        for cutoff in cutoffs:
            inside = minutes <= cutoff
            mine = inside & assigned & reached
            row = {
                "centre": name,
                "cutoff_min": _tidy(cutoff),
                "circle": circle_label(cutoff),
                "zones": int(inside.sum()),
                "zones_assigned": int(mine.sum()),
            }
            for key, v in values.items():
                row[key] = float(v[inside].sum())
                row[f"{key}_share"] = float(v[inside].sum() / totals[key]) if totals[key] > 0 else np.nan
                row[f"{key}_assigned"] = float(v[mine].sum())
            rows.append(row)
    return pd.DataFrame(rows)


def _tidy(value: float):
    return int(value) if float(value).is_integer() else float(value)
