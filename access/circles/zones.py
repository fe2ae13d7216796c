"""The zones of a circle analysis: checked once into one table, and sample points of polygons."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from access.errors import InputError
from access.io.points import as_points

__all__ = ["as_zones", "zone_samples"]


def as_zones(zones, population: str | None, jobs: str | None) -> gpd.GeoDataFrame:
    """Zones as a GeoDataFrame (EPSG:4326) with a unique ``id``; checks the total columns."""
    if isinstance(zones, gpd.GeoDataFrame):
        frame = zones.to_crs(4326) if zones.crs is not None else zones.set_crs(4326)
        if frame.geometry.isna().any() or frame.geometry.is_empty.any():
            raise InputError("zones: some rows have no geometry.")
        frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
        if "id" not in frame:
            frame = frame.assign(id=np.arange(len(frame)))
        frame = frame[["id", *[c for c in frame.columns if c not in ("id", "geometry")], "geometry"]]
    elif isinstance(zones, pd.DataFrame):
        frame = as_points(zones, what="zones").to_frame()
    else:
        raise InputError(f"zones must be a GeoDataFrame or a DataFrame with lon/lat, got {type(zones).__name__}.")
    if len(frame) == 0:
        raise InputError("zones: the table is empty.")
    if frame["id"].duplicated().any():
        raise InputError("zones: ids in column 'id' are not unique.")
    for what, column in (("population", population), ("jobs", jobs)):
        if column is not None and column not in frame:
            raise InputError(
                f"zones have no {what} column {column!r} (columns: "
                f"{', '.join(c for c in map(str, frame.columns) if c != 'geometry')}); "
                f"pass {what}='<column>' or {what}=None."
            )
    return frame.reset_index(drop=True)


def zone_samples(zones: gpd.GeoDataFrame, per_zone: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) lon/lat sample points and the zone row of each: points as they are; polygons
    by their representative point plus up to ``per_zone - 1`` interior grid points."""
    coords, owner = [], []
    for row, geometry in enumerate(zones.geometry.to_numpy()):
        first = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        points = [(first.x, first.y)]
        if per_zone > 1 and geometry.geom_type in ("Polygon", "MultiPolygon"):
            minx, miny, maxx, maxy = geometry.bounds
            side = int(np.ceil(np.sqrt(4 * per_zone)))
            gx, gy = np.meshgrid(
                minx + (np.arange(side) + 0.5) * (maxx - minx) / side,
                miny + (np.arange(side) + 0.5) * (maxy - miny) / side,
            )
            gx, gy = gx.ravel(), gy.ravel()
            inside = np.flatnonzero(shapely.contains_xy(geometry, gx, gy))
            pick = (
                inside[np.linspace(0, len(inside) - 1, min(per_zone - 1, len(inside))).astype(int)]
                if len(inside)
                else []
            )
            points += [(gx[i], gy[i]) for i in pick]
        coords += points
        owner += [row] * len(points)
    return np.array(coords, dtype=float), np.array(owner)
