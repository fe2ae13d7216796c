"""Points in: origins and destinations from files, frames, tuples or arrays (EPSG:4326),
normalised once into :class:`Points`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from access._geo import to_projected
from access.errors import InputError
from access.io._text import encoding_hint

__all__ = ["Points", "as_points", "read_points", "read_table_file", "POINT_SUFFIXES"]

POINT_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".parquet")
_LON = ("lon", "lng", "longitude", "x")
_LAT = ("lat", "latitude", "y")


@dataclass(frozen=True, eq=False)
class Points:
    """Points normalised once (by :func:`as_points`): ids, EPSG:4326 coordinates and the
    rows' other columns, passed down from the public functions to the routing.

    ``ids`` are unique, ``lon``/``lat`` finite degrees (read-only float64), ``attributes``
    one row per point (RangeIndex). Projected coordinates are computed on demand, once per
    CRS (:meth:`projected`). :meth:`to_frame` gives the GeoDataFrame users see.
    """

    ids: np.ndarray
    lon: np.ndarray  # float64 degrees, EPSG:4326
    lat: np.ndarray  # float64 degrees, EPSG:4326
    attributes: pd.DataFrame  # the other columns, one row per point

    def __post_init__(self) -> None:
        for array in (self.lon, self.lat):
            array.setflags(write=False)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        extra = f", columns {', '.join(map(str, self.attributes.columns))}" if len(self.attributes.columns) else ""
        return f"Points({len(self):,} points{extra})"

    def __getstate__(self) -> dict:
        # the fields only: projections are recomputed where used
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @cached_property
    def _projections(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return {}

    def projected(self, epsg: int) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` metres in ``epsg`` (inf/nan where the projection fails), computed once."""
        xy = self._projections.get(epsg)
        if xy is None:
            x, y = to_projected(self.lon, self.lat, epsg)
            x.setflags(write=False)
            y.setflags(write=False)
            xy = self._projections[epsg] = (x, y)
        return xy

    def take(self, rows: slice | np.ndarray) -> Points:
        """The points at ``rows`` (a slice or integer positions), in that order."""
        positions = np.arange(len(self))[rows] if isinstance(rows, slice) else np.asarray(rows)
        return Points(
            ids=self.ids[positions],
            lon=self.lon[positions],
            lat=self.lat[positions],
            attributes=self.attributes.iloc[positions].reset_index(drop=True),
        )

    def to_frame(self) -> gpd.GeoDataFrame:
        """A new GeoDataFrame: ``id``, the other columns, point ``geometry`` (EPSG:4326)."""
        return gpd.GeoDataFrame(
            {"id": self.ids, **{c: self.attributes[c].to_numpy() for c in self.attributes.columns}},
            geometry=gpd.points_from_xy(self.lon, self.lat),
            crs=4326,
        )


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
    except UnicodeDecodeError:
        raise InputError(f"{what} file {path.name} is not UTF-8 text: {encoding_hint(path.read_bytes())}.") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{what} file {path.name} is empty; it needs a header row and one row per point.") from None
    except Exception as exc:  # the readers raise many types for malformed files
        raise InputError(f"cannot read {what} from {path}: {' '.join(str(exc).split())}") from None
    raise InputError(f"cannot read {what} from {path.name}; use one of {', '.join(POINT_SUFFIXES)}.")


def read_points(path: str | Path, *, id_column: str = "id") -> gpd.GeoDataFrame:
    """Points from CSV (``id,lon,lat``), GeoJSON, GeoPackage or GeoParquet: a GeoDataFrame
    with ``id``, the file's other columns and point ``geometry`` (EPSG:4326)."""
    frame = read_table_file(path, "points")
    return as_points(frame, id_column=id_column, what=f"points in {Path(path).name}").to_frame()


def as_points(obj: object, *, id_column: str = "id", what: str = "points") -> Points:
    """:class:`Points` (ids, EPSG:4326 lon/lat, the other columns) from any of: a
    GeoDataFrame (non-point geometries give representative points), a DataFrame with
    lon/lat columns, a ``(lon, lat)`` tuple, a shapely Point, a list of those, an
    ``(n, 2)`` array of lon/lat, or Points (returned as they are). Ids come from
    ``id_column`` when present, else 0..n-1; ``what`` names the points in errors.
    ``as_points(...).to_frame()`` is the GeoDataFrame."""
    if isinstance(obj, Points):
        return obj
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
        points = _numeric_lon_lat(obj, lon_col, lat_col, what)
        ids = obj[id_column].to_numpy() if id_column in obj else np.arange(len(obj))
        extra = obj.drop(columns=[c for c in (id_column, lon_col, lat_col) if c in obj])
    else:
        points = _coordinates(obj, what)
        ids = None  # 0..n-1, unique: no column to read or check (a single origin's fast path)
        extra = None
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) == 0:
        raise InputError(f"{what}: no points given.")
    bad = ~np.isfinite(points).all(axis=1) | (np.abs(points[:, 0]) > 180) | (np.abs(points[:, 1]) > 90)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        lon, lat = points[first]
        swapped = " (are lon and lat swapped?)" if abs(lat) > 90 >= abs(lon) else ""
        raise InputError(
            f"{what}: {int(bad.sum())} points have no valid lon/lat (first: row {first}, "
            f"{points[first].tolist()}){swapped}; coordinates must be EPSG:4326 degrees."
        )
    if ids is None:
        ids = np.arange(len(points))
        attributes = pd.DataFrame({}, index=pd.RangeIndex(len(points)))  # (a dict: 3x faster than none)
    else:
        if pd.Series(ids).duplicated().any():
            raise InputError(f"{what}: ids in column {id_column!r} are not unique.")
        attributes = pd.DataFrame({c: extra[c].to_numpy() for c in extra.columns}, index=pd.RangeIndex(len(points)))
    return Points(
        ids=ids,
        lon=np.ascontiguousarray(points[:, 0]),
        lat=np.ascontiguousarray(points[:, 1]),
        attributes=attributes,
    )


def _numeric_lon_lat(frame: pd.DataFrame, lon_col, lat_col, what: str) -> np.ndarray:
    """The lon/lat columns as floats; text that is not a number is an InputError naming
    its row (empty cells stay NaN and are reported as missing coordinates)."""
    columns = []
    for column in (lon_col, lat_col):
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):  # numbers already: no text to look for
            columns.append(values.to_numpy(dtype=float))
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        text = numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
        if text.any():
            row = int(np.flatnonzero(text.to_numpy())[0])
            raise InputError(
                f"{what}: {int(text.sum())} rows have a {column} that is not a number "
                f"(first: row {row}, {values.iloc[row]!r}); coordinates must be EPSG:4326 degrees."
            )
        columns.append(numbers.to_numpy(dtype=float))
    return np.column_stack(columns) if columns[0].size else np.empty((0, 2))


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
