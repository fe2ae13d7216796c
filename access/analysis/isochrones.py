"""Isochrones: areas reachable within travel-time cutoffs, as valid (multi)polygons."""

from __future__ import annotations

from collections.abc import Sequence

import contourpy
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from tqdm.auto import tqdm

from access.analysis._surface import Surface, travel_time_surface
from access.config import DEFAULT_CUTOFFS_MIN, DEFAULT_WINDOW_MIN, IsochroneSettings
from access.errors import InputError
from access.io.points import as_points
from access.network.multimodal import Network
from access.routing.street import check_budget_min, node_times, snap

__all__ = ["isochrones", "check_cutoffs"]


def check_cutoffs(cutoffs_min: Sequence[float]) -> list[float]:
    """Cutoffs in minutes, sorted ascending and de-duplicated; :class:`InputError` if any is
    not a positive number."""
    try:
        values = [float(c) for c in cutoffs_min]
    except (TypeError, ValueError):
        raise InputError(f"cutoffs must be numbers of minutes, got {cutoffs_min!r}.") from None
    if not values:
        raise InputError("give at least one cutoff in minutes.")
    for value in values:
        check_budget_min(value, "a cutoff")
    return sorted(set(values))


def isochrones(
    network: Network,
    origins,
    *,
    mode: str = "car",
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    departure=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentile: float = 50,
    access_mode: str = "walk",
    settings: IsochroneSettings | None = None,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Areas reachable from each origin within each cutoff by ``mode``.

    The travel-time surface is a grid in the network's UTM CRS (``settings.resolution_m``
    per mode): each grid point gets the time of the best reached node or edge point plus
    walking to it off the network (``offnet_speed_kmh``, at most ``offnet_max_m``). It is
    contoured with contourpy; nested cutoffs give nested polygons, with holes where
    unreached areas lie inside.

    Parameters
    ----------
    network
        A :class:`access.Network` with ``mode`` built.
    origins
        One ``(lon, lat)`` point or many (anything :func:`access.io.points.as_points` reads).
        An origin off the network raises :class:`access.errors.OffNetworkError`.
    cutoffs_min
        Travel-time cutoffs in minutes (default 60 and 120; up to a day, no 120 ceiling).
    departure, window_min, percentile, access_mode
        ``mode="transit"`` only: departures every minute of the window from ``departure``
        (``"07:00"`` or ``"2019-05-13T07:00"``); the surface is the ``percentile`` of the
        per-minute travel times to every walk node; ``access_mode`` walk, bike or car
        (park-and-ride) to the first stop, walking egress.

    Returns
    -------
    GeoDataFrame (EPSG:4326): ``origin_id``, ``cutoff_min``, ``area_km2``, ``geometry``;
    one row per origin x cutoff, cutoffs ascending.
    """
    settings = settings or IsochroneSettings()
    cutoffs = check_cutoffs(cutoffs_min)
    frame = as_points(origins, what="origins")
    tmax_s = cutoffs[-1] * 60.0
    if mode == "transit":
        node_seconds = _transit_node_seconds(network, frame, tmax_s, departure, window_min, percentile, access_mode)
        street = network.street("walk")
        snapped = snap(street, frame, what="origins", strict=True)
    else:
        street = network.street(mode)
        snapped = snap(street, frame, what="origins", strict=True)
        node_seconds = None
    rows = []
    for k in tqdm(range(len(frame)), desc=f"{mode} isochrones", disable=not progress, unit="origin"):
        if node_seconds is None:
            node_s = node_times(street, snapped, k, int(np.ceil(tmax_s)))
        else:
            node_s = node_seconds(k)
        surface = travel_time_surface(
            street.x, street.y, node_s, street.tails, street.indices, street.travel_s,
            street.length_m, start_xy=(snapped.x[k], snapped.y[k]), tmax_s=tmax_s,
            cell_m=settings.resolution_m.get(mode, 100.0),
            offnet_speed_ms=settings.offnet_speed_kmh / 3.6,
            offnet_max_m=settings.offnet_max_m.get(mode, 300.0),
            max_cells=settings.max_cells,
        )  # fmt: skip
        polygons = _nested_contours(surface, cutoffs)
        for cutoff, polygon in zip(cutoffs, polygons, strict=True):
            rows.append((frame["id"].iloc[k], cutoff, polygon.area / 1e6, polygon))
    result = gpd.GeoDataFrame(rows, columns=["origin_id", "cutoff_min", "area_km2", "geometry"], crs=street.crs_epsg)
    result["cutoff_min"] = result["cutoff_min"].map(lambda c: int(c) if float(c).is_integer() else c)
    return result.to_crs(4326)


def _transit_node_seconds(network: Network, frame, tmax_s, departure, window_min, percentile, access_mode):
    """A function giving, for origin k, the percentile transit seconds to every walk node."""
    from access.routing.matrix import check_percentiles, window_percentiles
    from access.routing.transit import check_departure_date, node_targets, parse_departures, transit_times_to_targets

    transit = network.require_transit()
    pct = check_percentiles([percentile])
    departures = parse_departures(departure, window_min)
    check_departure_date(departures, transit)
    walk = network.street("walk")
    settings = network.transit_settings
    o_walk = snap(walk, frame, what="origins", strict=True)
    o_access = (
        snap(network.street(access_mode), frame, what="origins", strict=True)
        if access_mode in ("bike", "car")
        else None
    )
    targets = node_targets(walk, transit, settings)

    def seconds(k: int) -> np.ndarray:
        per_minute = transit_times_to_targets(
            network, o_walk, k, targets, departures, access_mode=access_mode,
            max_time_s=int(np.ceil(tmax_s)), settings=settings, origin_access=o_access,
        )  # fmt: skip
        return window_percentiles(per_minute, pct)[0]

    return seconds


def _nested_contours(surface: Surface, cutoffs: list[float]) -> list[MultiPolygon]:
    """One valid MultiPolygon per cutoff (projected metres), each inside the next."""
    generator = contourpy.contour_generator(
        surface.xs, surface.ys, surface.seconds, fill_type=contourpy.FillType.OuterOffset
    )
    shapes = [_to_multipolygon(*generator.filled(-1.0, c * 60.0)) for c in cutoffs]
    for k in range(len(shapes) - 2, -1, -1):  # linear interpolation nests already; make exact
        shapes[k] = _as_multipolygon(shapely.intersection(shapes[k], shapes[k + 1]))
    return shapes


def _to_multipolygon(points: list[np.ndarray], offsets: list[np.ndarray]) -> MultiPolygon:
    polygons = []
    for pts, off in zip(points, offsets, strict=True):
        rings = [pts[off[i] : off[i + 1]] for i in range(len(off) - 1)]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polygons.append(Polygon(rings[0], rings[1:]))
    if not polygons:
        return MultiPolygon()
    return _as_multipolygon(shapely.union_all(shapely.make_valid(np.array(polygons))))


def _as_multipolygon(geometry) -> MultiPolygon:
    """Keep the polygonal parts of ``geometry`` as one valid MultiPolygon."""
    if geometry.is_empty:
        return MultiPolygon()
    parts = shapely.get_parts(geometry)
    polygons = []
    for part in parts:
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
    result = MultiPolygon(polygons)
    return result if result.is_valid else _as_multipolygon(shapely.make_valid(result))
