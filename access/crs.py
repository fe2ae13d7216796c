"""Chinese coordinate systems: GCJ-02 ("Mars") and BD-09 (Baidu) to and from WGS-84.

Chinese map providers publish coordinates in GCJ-02 (AMap/Gaode, Tencent, Google China)
or BD-09 (Baidu), which are WGS-84 shifted by a non-linear, deliberately obfuscated offset
of a few hundred metres. The forward formula WGS-84 -> GCJ-02 is the widely published one
(e.g. the ``eviltransform`` and ``coordTransform`` projects, accurate to about 1 m against
the official shifts); BD-09 is GCJ-02 passed through Baidu's published rotation/scale.
The inverses have no closed form: they are solved by fixed-point iteration until the
forward transform reproduces the input to ``_TOL_DEG`` (about 1 mm), so round trips are
exact to well under a metre. Points outside China's rough bounding box are not shifted
(GCJ-02 is only defined inside China), as the reference implementations do.

All functions are vectorised: they take scalars or arrays of degrees (lon, lat) and return
float64 arrays of the same shape.
"""

from __future__ import annotations

import numpy as np

from access.errors import InputError

__all__ = [
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    "in_china",
    "convert_coordinates",
    "COORDINATE_SYSTEMS",
]

COORDINATE_SYSTEMS = ("wgs84", "gcj02", "bd09")
# Krasovsky 1940 ellipsoid, as in the published GCJ-02 formula.
_A = 6378245.0  # metres, semi-major axis
_EE = 0.00669342162296594323  # first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # Baidu's rotation constant
_TOL_DEG = 1e-8  # degrees (~1 mm): inverse iterations stop below this residual
_MAX_ITER = 30  # iterations of the inverse (converges in 3-6 for real points)
# Rough bounding box where the GCJ-02 shift applies (the reference implementations' test).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return lon.astype(np.float64, copy=True), lat.astype(np.float64, copy=True)


def in_china(lon, lat) -> np.ndarray:
    """True where (lon, lat) degrees lie in the box where GCJ-02 shifts apply."""
    lon, lat = _arrays(lon, lat)
    return (lon >= _CHINA_LON[0]) & (lon <= _CHINA_LON[1]) & (lat >= _CHINA_LAT[0]) & (lat <= _CHINA_LAT[1])


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 (degrees) at WGS-84 points; zero outside China."""
    x, y = lon - 105.0, lat - 35.0
    dlat = _transform_lat(x, y)
    dlon = _transform_lon(x, y)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 (lon, lat) degrees of WGS-84 points (published closed form)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _invert(forward, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration x <- x - (forward(x) - target)."""
    tlon, tlat = _arrays(lon, lat)
    x, y = tlon.copy(), tlat.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = fx - tlon, fy - tlat
        x, y = x - ex, y - ey
        if not np.any((np.abs(ex) > _TOL_DEG) | (np.abs(ey) > _TOL_DEG)):
            break
    return x, y


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 (lon, lat) degrees of GCJ-02 points (iterative inverse, residual < 1 mm)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (lon, lat) degrees of GCJ-02 points (Baidu's published formula)."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 (lon, lat) degrees of BD-09 points (iterative inverse, residual < 1 mm)."""
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (lon, lat) degrees of WGS-84 points."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 (lon, lat) degrees of BD-09 points."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_CONVERTERS = {
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
    ("wgs84", "bd09"): wgs84_to_bd09,
}


def convert_coordinates(lon, lat, source: str, target: str = "wgs84") -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) degrees converted between ``"wgs84"``, ``"gcj02"`` and ``"bd09"``."""

    src, dst = str(source).lower().replace("-", ""), str(target).lower().replace("-", "")
    for name in (src, dst):
        if name not in COORDINATE_SYSTEMS:
            raise InputError(f"unknown coordinate system {name!r}; use one of {', '.join(COORDINATE_SYSTEMS)}.")
    if src == dst:
        return _arrays(lon, lat)
    return _CONVERTERS[(src, dst)](lon, lat)
