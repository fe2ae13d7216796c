"""Zones in: counties, districts or grid cells as points or polygons, any CRS."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from access.errors import InputError
from access.io.points import as_points

__all__ = ["read_zones", "ZONE_SUFFIXES"]

ZONE_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".parquet", ".shp")


def read_zones(path: str | Path) -> gpd.GeoDataFrame:
    """Zones from a CSV (``lon``/``lat`` columns, read as :func:`access.io.points.as_points`
    gives them) or a vector file whose points or polygons are kept as they are (any CRS;
    :func:`access.commuting_circles` reprojects)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"zones file {path} does not exist; check the path.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return as_points(pd.read_csv(path), what=f"zones in {path.name}").to_frame()
        if suffix == ".parquet":
            return gpd.read_parquet(path)
        if suffix in ZONE_SUFFIXES:
            return gpd.read_file(path)
    except InputError:
        raise
    except Exception as exc:  # readers raise many types for malformed files
        raise InputError(f"cannot read zones from {path}: {exc}") from None
    raise InputError(f"cannot read zones from {path.name}; use .csv, .geojson, .gpkg or .parquet.")
