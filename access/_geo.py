"""Small geodesy helpers: great-circle lengths, local projected CRS, transformers."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer

__all__ = ["EARTH_RADIUS_M", "haversine_m", "utm_epsg", "to_projected", "to_lonlat", "crs_of"]

EARTH_RADIUS_M = 6_371_009.0  # metres; mean Earth radius, as osmnx's great_circle


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres between arrays of EPSG:4326 coordinates."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone containing (lon, lat) degrees."""
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=32)
def crs_of(epsg: int) -> CRS:
    """The pyproj CRS of an EPSG code, made once (tens of microseconds a time; geopandas
    takes a CRS object as it is)."""
    return CRS.from_epsg(epsg)


@lru_cache(maxsize=32)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_projected(lon, lat, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Project EPSG:4326 lon/lat arrays to metres in ``epsg``."""
    x, y = _transformer(4326, epsg).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(x, y, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`to_projected`."""
    lon, lat = _transformer(epsg, 4326).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
