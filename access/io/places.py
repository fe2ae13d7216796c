"""Places (prefecture seats, counties, towns) as origins and destinations of a city cluster."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.errors import InputError
from access.io.points import read_table_file

__all__ = ["read_places", "as_places", "find_place", "PLACE_COLUMNS"]

PLACE_COLUMNS = ("id", "name", "name_local", "admin_code", "lon", "lat", "population", "urban_population")
# Column names recognised in place tables, first match wins (lower-case). The 2010 census
# columns of prefectures_cityinfo.csv (Ma & Tang 2024) come before the 2000 ones.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "place_id", "code"),
    "name": ("name", "cityname_eng", "name_en", "city", "county", "place"),
    "name_local": ("name_local", "cityname_chn", "name_zh", "name_cn"),
    "admin_code": ("admin_code", "dzcode", "adcode", "gb_code"),
    "lon": ("lon", "lng", "longitude", "coord_long", "x"),
    "lat": ("lat", "latitude", "coord_lat", "y"),
    "population": ("population", "pop", "cpop2010", "cpop2000"),
    "urban_population": ("urban_population", "urban_pop", "upop2010", "upop2000"),
}


def _pick(frame: pd.DataFrame, key: str, given: str | None) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise InputError(f"place table has no column {given!r}; columns are {', '.join(map(str, frame.columns))}.")
        return given
    lower = {str(c).strip().lower(): c for c in frame.columns}
    return next((lower[a] for a in _ALIASES[key] if a in lower), None)


def as_places(
    frame: pd.DataFrame, *, units: float = 1.0, label: str = "place table", columns: dict[str, str] | None = None
) -> gpd.GeoDataFrame:
    """A place table with the standard columns from any frame.

    Parameters
    ----------
    frame
        One row per place with coordinates (``lon``/``lat``, ``coord_long``/``coord_lat``
        … or a point geometry) and optionally name, population, urban population, admin code.
    units
        Multiplier turning the population columns into people (``10_000`` for tables in
        units of 10,000 people such as the census-based ``prefectures_cityinfo.csv``).
    columns
        Explicit ``{standard name: column}`` choices, e.g. ``{"population": "cpop2000"}``.

    Returns
    -------
    GeoDataFrame (EPSG:4326) with ``id, name, name_local, admin_code, lon, lat, population,
    urban_population, geometry``; ids are strings, populations float people (NaN unknown).
    """
    columns = dict(columns or {})
    if not units or not np.isfinite(units) or units <= 0:
        raise InputError(f"units must be a positive multiplier (e.g. 10000), got {units}.")
    picked = {key: _pick(frame, key, columns.get(key)) for key in _ALIASES}
    if isinstance(frame, gpd.GeoDataFrame) and (picked["lon"] is None or picked["lat"] is None):
        points = frame.geometry.to_crs(4326).representative_point() if frame.crs else frame.geometry
        lon, lat = points.x.to_numpy(), points.y.to_numpy()
    elif picked["lon"] is None or picked["lat"] is None:
        raise InputError(
            f"{label} has no coordinates: give lon/lat columns (or coord_long/coord_lat, longitude/latitude); "
            f"columns are {', '.join(map(str, frame.columns))}."
        )
    else:
        lon = pd.to_numeric(frame[picked["lon"]], errors="coerce").to_numpy(np.float64)
        lat = pd.to_numeric(frame[picked["lat"]], errors="coerce").to_numpy(np.float64)
    n = len(frame)
    if n == 0:
        raise InputError(f"{label} has no rows.")
    name = frame[picked["name"]].astype(str).str.strip().to_numpy() if picked["name"] else None
    ident = frame[picked["id"]].astype(str).str.strip().to_numpy() if picked["id"] else None
    if name is None:
        name = ident if ident is not None else np.array([str(k) for k in range(n)])
    if ident is None:
        ident = name
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        shown = ", ".join(map(str, name[bad][:5]))
        raise InputError(f"{label}: {int(bad.sum())} places without valid coordinates ({shown}); fix or drop them.")
    for what, values in (("names", name), ("ids", ident)):
        counts = pd.Series(values).value_counts()
        dup = counts[counts > 1]
        if len(dup):
            raise InputError(
                f"{label}: duplicated place {what}: {', '.join(map(str, dup.index[:5]))}; names must be unique "
                "(add the province or county, e.g. 'Suzhou (Jiangsu)')."
            )

    def number(key: str) -> np.ndarray:
        if picked[key] is None:
            return np.full(n, np.nan)
        return pd.to_numeric(frame[picked[key]], errors="coerce").to_numpy(np.float64) * units

    local = frame[picked["name_local"]].astype(str).to_numpy() if picked["name_local"] else np.array([""] * n)
    code = frame[picked["admin_code"]].astype(str).to_numpy() if picked["admin_code"] else np.array([""] * n)
    out = pd.DataFrame(
        {
            "id": ident,
            "name": name,
            "name_local": local,
            "admin_code": code,
            "lon": lon,
            "lat": lat,
            "population": number("population"),
            "urban_population": number("urban_population"),
        }
    )
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def read_places(path: str | Path, *, units: float = 1.0, columns: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """Places from a CSV / GeoJSON / GeoPackage / GeoParquet file (see :func:`as_places`)."""
    frame = read_table_file(path, "place table", csv_dtype={"id": str})
    return as_places(frame, units=units, label=f"place table {Path(path).name}", columns=columns)


def _norm(text: str) -> str:
    return str(text).strip().lower().removesuffix("市").removesuffix(" city")


def find_place(places: pd.DataFrame, query: str | Sequence[str]) -> np.ndarray:
    """Row positions of places named by id, name or local name (case-insensitive; a
    trailing 市 / "city" ignored). Unknown names raise an :class:`InputError` with hints."""
    queries = [query] if isinstance(query, str) else list(query)
    keys = {}
    for column in ("id", "name", "name_local", "admin_code"):
        for k, value in enumerate(places[column].astype(str)):
            if value:
                keys.setdefault(_norm(value), k)
    out = []
    for q in queries:
        k = keys.get(_norm(q))
        if k is None:
            close = [v for v in places["name"].astype(str) if _norm(v).startswith(_norm(q)[:3])][:5]
            hint = f" (similar: {', '.join(close)})" if close else ""
            raise InputError(f"no place named {q!r} in the place table{hint}.")
        out.append(k)
    return np.array(out, dtype=np.int64)
