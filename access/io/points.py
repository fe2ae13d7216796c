"""Points in: origins and destinations from files, frames, tuples or arrays (EPSG:4326)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from access.errors import InputError

__all__ = ["as_points", "read_points", "read_table_file", "POINT_SUFFIXES"]

POINT_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".parquet")
_LON = ("lon", "lng", "longitude", "x")
_LAT = ("lat", "latitude", "y")


def read_table_file(path: str | Path, what: str = "points", *, csv_dtype: dict | None = None) -> pd.DataFrame:
    """A CSV, GeoJSON, GeoPackage or GeoParquet file as a (Geo)DataFrame; a missing,
    foreign or malformed file is an :class:`InputError` naming ``what`` it should hold."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} file {path} does not exist; check the path.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=csv_dtype)
        if suffix in (".geojson", ".json", ".gpkg"):
            return gpd.read_file(path)
        if suffix == ".parquet":
            return gpd.read_parquet(path)
    except Exception as exc:  # the readers raise many types for malformed files
        raise InputError(f"cannot read {what} from {path}: {exc}") from None
    raise InputError(f"cannot read {what} from {path.name}; use one of {', '.join(POINT_SUFFIXES)}.")


def read_points(path: str | Path, *, id_column: str = "id") -> gpd.GeoDataFrame:
    """Points from CSV (``id,lon,lat``), GeoJSON, GeoPackage or GeoParquet, as
    :func:`as_points` returns them."""
    frame = read_table_file(path, "points")
    return as_points(frame, id_column=id_column, what=f"points in {Path(path).name}")


def as_points(obj: object, *, id_column: str = "id", what: str = "points") -> gpd.GeoDataFrame:
    """A GeoDataFrame with ``id`` and point ``geometry`` in EPSG:4326 from any of:
    a GeoDataFrame (non-point geometries give representative points), a DataFrame with
    lon/lat columns, a ``(lon, lat)`` tuple, a shapely Point, a list of those, or an
    ``(n, 2)`` array of lon/lat. Ids come from ``id_column`` when present, else 0..n-1."""
    if isinstance(obj, gpd.GeoDataFrame):
        frame = obj if obj.crs is None else obj.to_crs(4326)
        geometry = frame.geometry
        if geometry.isna().any() or geometry.is_empty.any():
            raise InputError(f"{what}: {int((geometry.isna() | geometry.is_empty).sum())} rows have no geometry.")
        points = shapely.get_coordinates(geometry.representative_point().to_numpy())
        ids = frame[id_column].to_numpy() if id_column in frame else np.arange(len(frame))
        extra = frame.drop(columns=[c for c in (id_column, frame.geometry.name) if c in frame])
    elif isinstance(obj, pd.DataFrame):
        lon_col = next((c for c in obj.columns if str(c).lower() in _LON), None)
        lat_col = next((c for c in obj.columns if str(c).lower() in _LAT), None)
        if lon_col is None or lat_col is None:
            raise InputError(f"{what}: need lon and lat columns, found {', '.join(map(str, obj.columns))}.")
        points = obj[[lon_col, lat_col]].to_numpy(dtype=float)
        ids = obj[id_column].to_numpy() if id_column in obj else np.arange(len(obj))
        extra = obj.drop(columns=[c for c in (id_column, lon_col, lat_col) if c in obj])
    else:
        points = _coordinates(obj, what)
        ids = np.arange(len(points))
        extra = pd.DataFrame(index=range(len(points)))
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) == 0:
        raise InputError(f"{what}: no points given.")
    bad = ~np.isfinite(points).all(axis=1) | (np.abs(points[:, 0]) > 180) | (np.abs(points[:, 1]) > 90)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what}: {int(bad.sum())} points have no valid lon/lat (first: row {first}, "
            f"{points[first].tolist()}); coordinates must be EPSG:4326 degrees."
        )
    if pd.Series(ids).duplicated().any():
        raise InputError(f"{what}: ids in column {id_column!r} are not unique.")
    result = gpd.GeoDataFrame(
        {"id": ids, **{c: extra[c].to_numpy() for c in extra.columns}},
        geometry=gpd.points_from_xy(points[:, 0], points[:, 1]),
        crs=4326,
    )
    return result


def _coordinates(obj: object, what: str) -> np.ndarray:
    if isinstance(obj, Point):
        return np.array([[obj.x, obj.y]])
    if isinstance(obj, np.ndarray):
        return obj
    if isinstance(obj, Sequence) and not isinstance(obj, str):
        if len(obj) == 2 and all(isinstance(v, int | float | np.number) for v in obj):
            return np.array([obj], dtype=float)
        rows = []
        for item in obj:
            if isinstance(item, Point):
                rows.append((item.x, item.y))
            elif isinstance(item, Sequence) and len(item) == 2:
                rows.append(tuple(item))
            else:
                raise InputError(f"{what}: cannot read {item!r} as a (lon, lat) point.")
        return np.array(rows, dtype=float)
    raise InputError(
        f"{what}: cannot read {type(obj).__name__} as points; pass a GeoDataFrame, "
        "a DataFrame with lon/lat, (lon, lat) tuples or shapely Points."
    )
