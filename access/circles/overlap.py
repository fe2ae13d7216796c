"""Circle overlaps: union, intersection and differences of circle polygons, and who lives there."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from access._geo import to_projected, utm_epsg
from access.errors import InputError
from access.io.opportunities import count_values
from access.io.points import as_points

__all__ = ["circle_overlap", "OVERLAP_HOWS", "area_km2", "points_inside_totals"]

OVERLAP_HOWS = ("intersection", "union", "difference", "symmetric_difference")


def circle_overlap(
    a,
    b,
    *,
    how: str = "intersection",
    cutoff_min: float | None = None,
    population_points: gpd.GeoDataFrame | pd.DataFrame | None = None,
    population: str | None = "population",
    jobs: str | None = "jobs",
) -> gpd.GeoDataFrame:
    """The area inside circle ``a`` and/or circle ``b``, with its area and population.

    Parameters
    ----------
    a, b
        Circle polygons in EPSG:4326: a shapely geometry, a GeoSeries, or a GeoDataFrame
        such as ``CommutingCircles.polygons`` (one centre) or :func:`access.isochrones`
        output. Rows with a ``cutoff_min`` column are matched by cutoff; several rows with
        the same cutoff (several origins) are merged into one area first.
    how
        ``"intersection"`` (inside both: the "same-city" zone of two cities), ``"union"``
        (inside either), ``"difference"`` (inside ``a`` but not ``b``) or
        ``"symmetric_difference"`` (inside exactly one).
    cutoff_min
        Only this cutoff (minutes); default: every cutoff both sides have.
    population_points
        Zones or people as points (GeoDataFrame, or DataFrame with lon/lat; polygons count
        by their representative point). A point counts when the area covers it (boundary
        included), so counts add up: |A ∪ B| = |A| + |B| − |A ∩ B|.
    population, jobs
        Columns of ``population_points`` to total (None: skip).

    Returns
    -------
    GeoDataFrame (EPSG:4326): ``how``, ``cutoff_min``, ``area_km2`` (local UTM),
    ``zones`` (points inside), ``population``, ``jobs`` (when points are given),
    ``geometry``; one row per cutoff.
    """
    if how not in OVERLAP_HOWS:
        raise InputError(f"unknown overlap {how!r}; use one of {', '.join(OVERLAP_HOWS)}.")
    left, right = _by_cutoff(a, "a"), _by_cutoff(b, "b")
    if None in left and None not in right:
        left = {c: left[None] for c in right}
    elif None in right and None not in left:
        right = {c: right[None] for c in left}
    cutoffs = [c for c in left if c in right]
    if cutoff_min is not None:
        cutoffs = [c for c in cutoffs if c is None or float(c) == float(cutoff_min)]
        if not cutoffs:
            raise InputError(
                f"cutoff {cutoff_min:g} min is not among both circles' cutoffs "
                f"({sorted(c for c in left if c is not None)} and {sorted(c for c in right if c is not None)})."
            )
    if not cutoffs:
        raise InputError("the two circles share no cutoff; pass cutoff_min or polygons with the same cutoff_min.")
    rows = []
    for cutoff in cutoffs:
        geometry = getattr(shapely, how)(left[cutoff], right[cutoff])
        geometry = _polygonal(geometry)
        rows.append({"how": how, "cutoff_min": cutoff, "area_km2": area_km2(geometry), "geometry": geometry})
    result = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    if population_points is not None:
        totals = points_inside_totals(result.geometry.to_numpy(), population_points, population, jobs)
        for column in totals.columns:
            result[column] = totals[column].to_numpy()
        result = result[[c for c in result.columns if c != "geometry"] + ["geometry"]]
    return result


def area_km2(geometry: BaseGeometry) -> float:
    """Area in km² of an EPSG:4326 geometry, measured in its local UTM zone."""
    if geometry is None or geometry.is_empty:
        return 0.0
    centre = geometry.centroid
    epsg = utm_epsg(centre.x, centre.y)
    projected = shapely.transform(geometry, lambda xy: np.column_stack(to_projected(xy[:, 0], xy[:, 1], epsg)))
    return float(projected.area / 1e6)


def points_inside_totals(
    geometries, points, population: str | None = "population", jobs: str | None = "jobs"
) -> pd.DataFrame:
    """Per geometry: ``zones`` (points covered), and the ``population`` / ``jobs`` totals."""

    frame = as_points(points, what="population points").to_frame()
    for column in (population, jobs):
        if column is not None and column not in frame:
            raise InputError(
                f"population points have no column {column!r} (columns: "
                f"{', '.join(map(str, frame.columns))}); pass {column}=None to skip it."
            )
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    out: dict[str, list] = {"zones": []}
    for column in (population, jobs):
        if column is not None:
            out[column] = []
    for geometry in geometries:
        inside = shapely.covers(geometry, shapely.points(xy)) if not geometry.is_empty else np.zeros(len(xy), bool)
        out["zones"].append(int(inside.sum()))
        for column in (population, jobs):
            if column is not None:
                values = count_values(frame, column, "points inside circles")
                out[column].append(float(values[inside].sum()))
    return pd.DataFrame(out)


def _by_cutoff(obj, what: str) -> Mapping[float | None, BaseGeometry]:
    """cutoff -> one merged geometry (key None when there is no cutoff column)."""
    if isinstance(obj, BaseGeometry):
        return {None: _polygonal(obj)}
    if isinstance(obj, gpd.GeoSeries):
        obj = gpd.GeoDataFrame(geometry=obj)
    if not isinstance(obj, gpd.GeoDataFrame):
        raise InputError(
            f"circle {what} must be a shapely geometry or a GeoDataFrame of polygons, got {type(obj).__name__}."
        )
    if len(obj) == 0:
        raise InputError(f"circle {what} has no polygons.")
    if obj.crs is not None:
        obj = obj.to_crs(4326)
    if "centre" in obj and obj["centre"].nunique() > 1:
        raise InputError(
            f"circle {what} holds several centres ({', '.join(map(str, obj['centre'].unique()))}); "
            "select one, e.g. result.circle('name')."
        )
    if "cutoff_min" not in obj:
        return {None: _polygonal(shapely.union_all(obj.geometry.to_numpy()))}
    return {
        cutoff: _polygonal(shapely.union_all(group.geometry.to_numpy()))
        for cutoff, group in obj.groupby("cutoff_min", sort=True)
    }


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geometry`` (drops lines and points left by set operations)."""
    if geometry is None or geometry.is_empty:
        return shapely.MultiPolygon()
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    if len(parts) == len(shapely.get_parts(geometry)):
        return geometry
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()
