"""Travel-time surfaces as outputs: the grid itself, a GeoTIFF raster, H3 cells."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from access._geo import to_lonlat
from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_MODE, DEFAULT_PERCENTILE, DEFAULT_WINDOW_MIN, IsochroneSettings
from access.errors import InputError
from access.io.output import atomic_path
from access.io.points import as_points
from access.network.multimodal import Network
from access.routing.street import check_budget_min
from access.surfaces.isochrones import origin_surface, origin_times

__all__ = [
    "TravelTimeSurface",
    "travel_time_surface",
    "write_travel_time_raster",
    "surface_h3_cells",
    "origins_h3_cells",
]


@dataclass(frozen=True)
class TravelTimeSurface:
    """Minutes to reach each grid point (NaN: beyond ``max_time_min``).

    Grid point ``(j, i)`` lies at ``(xs[i], ys[j])`` metres in ``crs_epsg`` (the network's
    UTM zone); ``ys`` ascend (south to north). For arrive-by, minutes *to* the point."""

    xs: np.ndarray
    ys: np.ndarray
    minutes: np.ndarray  # float32 (len(ys), len(xs))
    cell_m: float
    crs_epsg: int
    max_time_min: float


def travel_time_surface(
    network: Network,
    origin,
    *,
    mode: str = DEFAULT_MODE,
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    departure=None,
    arrive_by=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    access_mode: str = "walk",
    resolution_m: float | None = None,
    settings: IsochroneSettings | None = None,
) -> TravelTimeSurface:
    """The gridded travel-time surface behind :func:`access.isochrones` for one origin.

    Same options as :func:`access.isochrones` (``arrive_by`` gives the inbound surface);
    ``max_time_min`` bounds the search. The grid covers everything reached.
    """
    settings = settings or IsochroneSettings()
    tmax_s = check_budget_min(max_time_min) * 60.0
    frame = as_points(origin, what="origin")
    if len(frame) != 1:
        raise InputError(f"travel_time_surface takes one origin, got {len(frame)}; loop over them.")
    times = origin_times(
        network,
        frame,
        mode=mode,
        tmax_s=tmax_s,
        departure=departure,
        arrive_by=arrive_by,
        window_min=window_min,
        percentile=percentile,
        access_mode=access_mode,
    )
    surface = origin_surface(times, 0, times.node_seconds(0), tmax_s, settings, resolution_m)
    minutes = np.where(surface.seconds <= tmax_s, surface.seconds / 60.0, np.nan).astype(np.float32)
    return TravelTimeSurface(surface.xs, surface.ys, minutes, surface.cell_m, surface.crs_epsg, tmax_s / 60.0)


def write_travel_time_raster(surface: TravelTimeSurface, path: str | Path) -> Path:
    """Write the surface as a single-band float32 GeoTIFF (minutes, NaN nodata) in the
    surface's UTM CRS; pixels are centred on the grid points. Needs ``rasterio``."""
    try:  # start-up: rasterio (GDAL) is an optional extra
        import rasterio
        from affine import Affine
    except ImportError:  # pragma: no cover - optional dependency
        raise InputError("writing GeoTIFF needs rasterio: pip install 'rasterio>=1.3'.") from None

    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff"):
        raise InputError(f"raster output must end in .tif or .tiff, got {path.name}.")
    half = surface.cell_m / 2
    transform = Affine(
        surface.cell_m, 0.0, float(surface.xs[0]) - half, 0.0, -surface.cell_m, float(surface.ys[-1]) + half
    )
    data = surface.minutes[::-1]  # rows north to south
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": f"EPSG:{surface.crs_epsg}",
        "transform": transform,
        "nodata": float("nan"),
        "compress": "deflate",
        "tiled": data.shape[0] >= 256 and data.shape[1] >= 256,
    }
    # rasterio 1.4 still multiplies Affine objects with `*`, which affine 3 flags as pending
    # deprecation; nothing for users to act on.
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data, 1)
            dst.update_tags(units="minutes", max_time_min=str(surface.max_time_min))
    return path


def surface_h3_cells(surface: TravelTimeSurface, resolution: int = 9) -> gpd.GeoDataFrame:
    """H3 cells (``h3`` v4) holding reached grid points, each with the least travel time
    of the surface inside it.

    Returns a GeoDataFrame (EPSG:4326) with ``h3`` (cell id string), ``travel_time_min``
    and the cell polygon, sorted by time. The cells must be larger than the grid cells
    (``resolution_m``) so that every cell holds grid points.
    """

    if not isinstance(resolution, int | np.integer) or not 0 <= int(resolution) <= 15:
        raise InputError(f"H3 resolution must be an integer 0..15, got {resolution!r}.")
    edge_m = h3.average_hexagon_edge_length(int(resolution), "m")
    if edge_m < surface.cell_m:
        finest = next(r for r in range(15, -1, -1) if h3.average_hexagon_edge_length(r, "m") >= surface.cell_m)
        raise InputError(
            f"H3 resolution {resolution} cells ({edge_m:.0f} m edges) are finer than the {surface.cell_m:.0f} m grid; "
            f"use resolution <= {finest} or a smaller resolution_m."
        )
    j, i = np.nonzero(np.isfinite(surface.minutes))
    if len(j) == 0:
        return gpd.GeoDataFrame({"h3": [], "travel_time_min": []}, geometry=[], crs=4326)
    lon, lat = to_lonlat(surface.xs[i], surface.ys[j], surface.crs_epsg)
    cells = np.array([h3.latlng_to_cell(la, lo, int(resolution)) for la, lo in zip(lat, lon, strict=True)])
    codes, inverse = np.unique(cells, return_inverse=True)
    best = np.full(len(codes), np.inf)
    np.minimum.at(best, inverse, surface.minutes[j, i].astype(np.float64))
    polygons = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(c)]) for c in codes]
    result = gpd.GeoDataFrame({"h3": codes, "travel_time_min": best}, geometry=polygons, crs=4326)
    return result.sort_values(["travel_time_min", "h3"], kind="stable").reset_index(drop=True)


def origins_h3_cells(network: Network, origins, resolution: int = 9, **options) -> gpd.GeoDataFrame:
    """H3 cells reached from each origin: :func:`surface_h3_cells` of each origin's
    :func:`travel_time_surface` (``options`` as that function takes them), stacked with
    ``origin_id`` first (EPSG:4326, minutes)."""
    points = as_points(origins, what="origins")
    cells = []
    for k in range(len(points)):
        one = surface_h3_cells(travel_time_surface(network, points.take([k]), **options), resolution)
        one.insert(0, "origin_id", points.ids[k])
        cells.append(one)
    return pd.concat(cells, ignore_index=True)
