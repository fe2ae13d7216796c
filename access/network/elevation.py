"""Slopes from a digital elevation model: per-edge time factors for walking and cycling.

A GeoTIFF (any CRS, one band of metres) is sampled along every edge, every
``sample_spacing_m`` metres (long edges split for sampling), and each piece's slope turns
into a time factor relative to flat ground:

- walking, Tobler's hiking function (Tobler 1993, "Three presentations on geographical
  analysis and modeling", NCGIA Technical Report 93-1): speed 6 exp(-3.5 |s + 0.05|)
  km/h at slope s (rise over run), fastest on a 5 % descent; the factor is v(0) / v(s);
- cycling, Minetti et al.'s energy cost of walking on gradients (Minetti, Moia, Roi,
  Susta & Ferretti 2002, "Energy cost of walking and running at extreme uphill and
  downhill slopes", J. Appl. Physiol. 93(3): 1039-1046, doi:10.1152/japplphysiol.01177.2001,
  the polynomial under their figure 1): C(s) = 280.5 s^5 - 58.7 s^4 - 76.8 s^3 + 51.9 s^2
  + 19.6 s + 2.5 J/(kg m), slopes clamped to +-0.5 (their measurements span +-0.45);
  the factor is C(s) / C(0). R5 offers the same two functions (``ToblerCalculator``,
  ``MinettiCalculator`` in com.conveyal.r5.rastercost).

Factors are per direction (uphill slower, downhill faster) and flat ground is exactly 1.
This module works on flat arrays; :func:`access.network.build_network` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from access.config import ElevationSettings
from access.errors import InputError

__all__ = [
    "DigitalElevationModel",
    "read_dem",
    "tobler_time_factor",
    "minetti_time_factor",
    "edge_time_factors",
    "adjusted_seconds",
]

TOBLER_FLAT_SLOPE = -0.05  # Tobler's function peaks on a 5 % descent
TOBLER_DECAY = 3.5  # per unit of |slope + 0.05|
R5_TOBLER_SCALE = 1.2  # R5 scales Tobler's 6 km/h peak to 1.2 x the 5 km/h it calls flat
MINETTI_COEFFICIENTS = (280.5, -58.7, -76.8, 51.9, 19.6, 2.5)  # s^5 ... s^0, J/(kg m)
MINETTI_MAX_SLOPE = 0.5  # |slope| beyond this is clamped (as R5)
_DECIMETRES = 10.0  # R5 stores elevations in whole decimetres


def tobler_time_factor(slope) -> np.ndarray:
    """Walking time on ``slope`` (rise/run) relative to flat ground, by Tobler's hiking
    function: ``exp(3.5 (|s + 0.05| - 0.05))``; exactly 1 on flat ground."""
    s = np.asarray(slope, dtype=np.float64)
    return np.exp(TOBLER_DECAY * (np.abs(s - TOBLER_FLAT_SLOPE) - abs(TOBLER_FLAT_SLOPE)))


def _minetti_cost(slope) -> np.ndarray:
    s = np.clip(np.asarray(slope, dtype=np.float64), -MINETTI_MAX_SLOPE, MINETTI_MAX_SLOPE)
    return np.polyval(MINETTI_COEFFICIENTS, s)


def minetti_time_factor(slope) -> np.ndarray:
    """Cycling effort on ``slope`` relative to flat ground, Minetti et al.'s C(s) / C(0);
    exactly 1 on flat ground (about 0.73 at -20 %, 3.4 at +20 %)."""
    return _minetti_cost(slope) / MINETTI_COEFFICIENTS[-1]


@dataclass(frozen=True)
class DigitalElevationModel:
    """One band of elevations (metres, NaN where no data) on a north-up grid.

    ``origin_x``/``origin_y`` is the outer corner of cell (0, 0) and ``cell_x``/``cell_y``
    the cell size (``cell_y`` negative for north-up rasters), in ``crs`` units.
    """

    values: np.ndarray  # float64 (rows, cols)
    origin_x: float
    origin_y: float
    cell_x: float
    cell_y: float
    crs: str  # WKT or "EPSG:nnnn" of the raster
    path: str = ""

    def sample(self, lon, lat, interpolation: str = "bilinear") -> np.ndarray:
        """Elevations (metres) at EPSG:4326 points; NaN outside the grid or on no-data."""
        x, y = self._to_grid_crs(np.asarray(lon, float), np.asarray(lat, float))
        col = (x - self.origin_x) / self.cell_x  # fractional cell coordinates
        row = (y - self.origin_y) / self.cell_y
        rows, cols = self.values.shape
        out = np.full(col.shape, np.nan)
        inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        if interpolation == "nearest":
            out[inside] = self.values[row[inside].astype(np.int64), col[inside].astype(np.int64)]
            return out
        if interpolation != "bilinear":
            raise InputError(f"unknown DEM interpolation {interpolation!r}; use 'bilinear' or 'nearest'.")
        # between the four nearest cell centres (edge cells extended to the border)
        c = np.clip(col[inside] - 0.5, 0, cols - 1)
        r = np.clip(row[inside] - 0.5, 0, rows - 1)
        c0 = np.minimum(np.floor(c).astype(np.int64), max(cols - 2, 0))
        r0 = np.minimum(np.floor(r).astype(np.int64), max(rows - 2, 0))
        c1, r1 = np.minimum(c0 + 1, cols - 1), np.minimum(r0 + 1, rows - 1)
        fc, fr = c - c0, r - r0
        v = self.values
        top = v[r0, c0] * (1 - fc) + v[r0, c1] * fc
        bottom = v[r1, c0] * (1 - fc) + v[r1, c1] * fc
        value = top * (1 - fr) + bottom * fr
        # next to a no-data cell fall back to the cell's own value
        nearest = v[row[inside].astype(np.int64), col[inside].astype(np.int64)]
        out[inside] = np.where(np.isfinite(value), value, nearest)
        return out

    def _to_grid_crs(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        crs = CRS.from_user_input(self.crs)
        if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
            return lon, lat
        x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
        return np.asarray(x, float), np.asarray(y, float)


def read_dem(path: str | Path, bounds: tuple[float, float, float, float] | None = None) -> DigitalElevationModel:
    """Read a single-band GeoTIFF of elevations in metres (rasterio), the part covering
    ``bounds`` (EPSG:4326 ``min_lon, min_lat, max_lon, max_lat``, plus a cell) or all."""
    try:  # start-up: rasterio (GDAL) is an optional extra, loaded when an elevation model is read
        import rasterio
        import rasterio.errors
        import rasterio.windows
        from rasterio.warp import transform_bounds
    except ImportError:
        raise InputError(
            f"elevation model {Path(path).name}: reading GeoTIFFs needs rasterio: "
            "pip install 'commuting-circles[raster]'."
        ) from None

    path = Path(path)
    if not path.is_file():
        raise InputError(f"elevation model {path} does not exist; check the path.")
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(f"elevation model {path} has no CRS; georeference it (e.g. gdal_edit.py -a_srs).")
            if src.transform.b != 0 or src.transform.d != 0:
                raise InputError(f"elevation model {path} is rotated; warp it to a north-up grid first.")
            window = None
            if bounds is not None:
                left, bottom, right, top = transform_bounds("EPSG:4326", src.crs, *bounds)
                window = rasterio.windows.from_bounds(left, bottom, right, top, src.transform)
                # one cell of margin all round: bilinear reads neighbours of border samples
                col0 = max(int(np.floor(window.col_off)) - 1, 0)
                row0 = max(int(np.floor(window.row_off)) - 1, 0)
                col1 = min(int(np.ceil(window.col_off + window.width)) + 1, src.width)
                row1 = min(int(np.ceil(window.row_off + window.height)) + 1, src.height)
                if col1 <= col0 or row1 <= row0:
                    raise InputError(
                        f"elevation model {path} does not cover the network's area {tuple(round(b, 4) for b in bounds)}."
                    )
                window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
            band = src.read(1, window=window, masked=True)
            transform = src.window_transform(window) if window is not None else src.transform
            values = np.ma.filled(band.astype(np.float64), np.nan)
            crs = src.crs.to_wkt()
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"elevation model {path} is not a readable GeoTIFF ({exc}).") from None
    return DigitalElevationModel(
        values=values,
        origin_x=float(transform.c),
        origin_y=float(transform.f),
        cell_x=float(transform.a),
        cell_y=float(transform.e),
        crs=crs,
        path=str(path),
    )


def edge_time_factors(
    dem: DigitalElevationModel,
    lon_a,
    lat_a,
    lon_b,
    lat_b,
    length_m,
    cost_function: str,
    settings: ElevationSettings | None = None,
    *,
    reverse=None,
) -> tuple[np.ndarray, int]:
    """Time factor of each straight edge a -> b (``length_m`` metres) over ``dem``, and the
    number of edges with no elevation data (those count as flat).

    Samples lie every ``settings.sample_spacing_m`` from a, the last piece ending at b.
    ``reverse`` (bool per edge) gives the factor of b -> a over the same samples instead,
    so both directions of a street see one profile.
    """
    settings = settings or ElevationSettings()
    if cost_function not in ("tobler", "minetti"):
        raise InputError(f"unknown elevation cost function {cost_function!r}; use 'tobler' or 'minetti'.")
    lon_a, lat_a, lon_b, lat_b = (np.asarray(v, dtype=np.float64) for v in (lon_a, lat_a, lon_b, lat_b))
    length = np.asarray(length_m, dtype=np.float64)
    n = len(length)
    factor = np.ones(n)
    if n == 0:
        return factor, 0
    spacing = settings.sample_spacing_m
    interior = np.where(length > 0, np.maximum(np.ceil(length / spacing) - 1, 0), 0).astype(np.int64)
    counts = interior + 2  # a, the interior samples, b
    first = np.r_[0, np.cumsum(counts)[:-1]]
    edge = np.repeat(np.arange(n), counts)
    k = np.arange(int(counts.sum())) - first[edge]
    along = np.minimum(k * spacing, length[edge])
    along[first + counts - 1] = length  # the last point is b
    frac = np.divide(along, length[edge], out=np.zeros_like(along), where=length[edge] > 0)
    z = dem.sample(
        lon_a[edge] + frac * (lon_b - lon_a)[edge], lat_a[edge] + frac * (lat_b - lat_a)[edge], settings.interpolation
    )
    if settings.averaging == "r5":
        z = np.round(z * _DECIMETRES) / _DECIMETRES
    # pieces between consecutive samples of one edge
    piece = np.flatnonzero(edge[:-1] == edge[1:])
    dx = along[piece + 1] - along[piece]
    dz = z[piece + 1] - z[piece]
    missing = ~np.isfinite(dz)
    slope = np.divide(np.where(missing, 0.0, dz), dx, out=np.zeros_like(dx), where=dx > 0)
    if reverse is not None:
        slope = np.where(np.asarray(reverse, dtype=bool)[edge[piece]], -slope, slope)
    piece_edge = edge[piece]
    outside = np.zeros(n, dtype=bool)
    np.logical_or.at(outside, piece_edge, missing)
    if settings.averaging == "r5":
        if cost_function == "tobler":  # R5 averages speeds and inverts
            value = R5_TOBLER_SCALE * np.exp(-TOBLER_DECAY * np.abs(slope - TOBLER_FLAT_SLOPE))
        else:
            value = minetti_time_factor(slope)
    else:
        value = tobler_time_factor(slope) if cost_function == "tobler" else minetti_time_factor(slope)
    weighted = np.bincount(piece_edge, weights=dx * value, minlength=n)
    total = np.bincount(piece_edge, weights=dx, minlength=n)
    mean = np.divide(weighted, total, out=np.ones(n), where=total > 0)
    if settings.averaging == "r5" and cost_function == "tobler":
        mean = 1.0 / mean
    factor = np.where(length > 0, mean, 1.0)
    return factor, int(outside.sum())


def adjusted_seconds(travel_s, factor, averaging: str = "time") -> np.ndarray:
    """Edge seconds times their factors, as int32: ``rint(t x f)`` (flat stays exact), or
    R5's ``t + round(t x (f - 1))``, at least 1 s on a non-zero edge (``averaging="r5"``)."""
    t = np.asarray(travel_s, dtype=np.float64)
    f = np.asarray(factor, dtype=np.float64)
    if averaging == "r5":
        out = t + np.floor(t * (f - 1) + 0.5)  # Java's Math.round: half up
        out = np.where(t > 0, np.maximum(out, 1), out)
    else:
        out = np.rint(t * f)
    return out.astype(np.int32)
