"""Isochrones: areas reachable within travel-time cutoffs, as valid (multi)polygons."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import contourpy
import geopandas as gpd
import numba as nb
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from tqdm.auto import tqdm

from access._cancel import checkpoint
from access._geo import crs_of, to_lonlat
from access.config import DEFAULT_CUTOFFS_MIN, DEFAULT_MODE, DEFAULT_PERCENTILE, DEFAULT_WINDOW_MIN, IsochroneSettings
from access.errors import ExtentWarning, InputError, WalkOnlyWarning
from access.io.points import as_points
from access.network.multimodal import Network
from access.network.snap import Snapped
from access.network.street import StreetNetwork
from access.routing.inbound import inbound_node_times
from access.routing.matrix import check_percentiles
from access.routing.street import check_budget_min, node_times, snap
from access.routing.transit import (
    check_time_options,
    dated_network,
    node_targets,
    park_access,
    parse_deadlines,
    parse_departures,
    retimed,
    service_day,
    transit_times_from_sources,
    transit_times_to_targets,
    window_rides,
)
from access.surfaces._grid import Surface, travel_time_surface

__all__ = ["isochrones", "check_cutoffs", "origin_times", "origin_surface", "OriginTimes"]


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
    mode: str = DEFAULT_MODE,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    departure=None,
    arrive_by=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    access_mode: str = "walk",
    output: str = "polygons",
    denoise: float = 0.0,
    generalize: float = 0.0,
    resolution_m: float | None = None,
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
    arrive_by
        Inbound isochrone: the area *from which* each point is reached within the cutoff
        (reverse graph for street modes, where the clock does not matter; for transit,
        arriving by every minute of the ``window_min`` window ending at ``arrive_by``,
        walking access). Exclusive with ``departure``.
    output
        ``"polygons"`` (default) or ``"lines"``: the reached street edges, one LineString
        row per edge (cut where the largest cutoff ends) with ``from_min``/``to_min`` at
        its ends, ``travel_time_min`` at its middle and the ``cutoff_min`` band it falls in.
    denoise
        0..1: drop polygon parts smaller than this share of the largest part's area
        (1 keeps only the largest; 0 keeps all). Valhalla's ``denoise``.
    generalize
        Metres: simplify the polygons (Douglas-Peucker preserving topology, in UTM); no
        reached point moves out by more than this. Valhalla's ``generalize``.
    resolution_m
        Grid cell size in metres (default ``settings.resolution_m[mode]``).

    Returns
    -------
    GeoDataFrame (EPSG:4326): ``origin_id``, ``cutoff_min``, ``area_km2``,
    ``truncated_by_extent``, ``geometry``; one row per origin x cutoff, cutoffs ascending
    (``output="lines"``: see above). ``truncated_by_extent`` is True where the search
    reached the edge of the street data before the cutoff (a street where the extract cut
    it, see :mod:`access.network.extent`): the extract, not the cutoff, bounds that area,
    and an :class:`access.errors.ExtentWarning` says so. Transit polygons add
    ``transit_used``: False where no vehicle is boarded within the cutoff (the "transit"
    area is a walking area; a :class:`access.errors.WalkOnlyWarning` says so).
    """
    settings = settings or IsochroneSettings()
    cutoffs = check_cutoffs(cutoffs_min)
    if output not in ("polygons", "lines"):
        raise InputError(f"output must be 'polygons' or 'lines', got {output!r}.")
    if not 0.0 <= float(denoise) <= 1.0:
        raise InputError(f"denoise is a share of the largest polygon, 0..1; got {denoise}.")
    if not float(generalize) >= 0.0:
        raise InputError(f"generalize is a tolerance in metres (>= 0); got {generalize}.")
    frame = as_points(origins, what="origins")
    tmax_s = cutoffs[-1] * 60.0
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
    street = times.street
    edge_nodes = street.extent.nodes
    geometries = []  # per origin: projected geometries (one per cutoff; lines: one per edge)
    bands = []  # per origin: the cutoff of each row (float minutes)
    counts = []  # per origin: its number of rows
    line_times = []  # lines: per origin, (from_min, to_min, travel_time_min) arrays
    rode = []  # transit: per origin x cutoff, whether any node inside is reached riding
    truncated = []  # per origin: the search reached the edge of the data before each row's cutoff
    origins_k = range(len(frame))
    if progress:
        origins_k = tqdm(origins_k, desc=f"{mode} isochrones", unit="origin")
    for k in origins_k:
        checkpoint()
        node_s = times.node_seconds(k)
        # the search reached the edge of the data with time left: the extract cut the area
        edge_s = float(node_s[edge_nodes].min()) if len(edge_nodes) else np.inf
        if times.node_rides is not None:
            rides = times.node_rides(k)
            rode.extend(bool(np.any((rides >= 1) & (node_s <= c * 60.0))) for c in cutoffs)
        if output == "lines":
            band, from_min, to_min, mid_min, shapes = _reached_lines(street, node_s, times.reverse, cutoffs)
            line_times.append((from_min, to_min, mid_min))
        else:
            surface = origin_surface(times, k, node_s, tmax_s, settings, resolution_m)
            shapes = _nested_contours(surface, cutoffs)
            if denoise > 0:
                shapes = np.array(_nest_inward([_denoise(p, float(denoise)) for p in shapes]), dtype=object)
            if generalize > 0:
                shapes = np.array(_nest_outward([_generalize(p, float(generalize)) for p in shapes]), dtype=object)
            band = np.asarray(cutoffs, dtype=np.float64)
        geometries.append(shapes)
        bands.append(band)
        counts.append(len(band))
        truncated.append(edge_s < band * 60.0)
    result = _result_frame(frame.ids, counts, bands, geometries, line_times, truncated, output, street.crs_epsg)
    _warn_truncated(frame.ids, bands, truncated, mode, output)
    if times.node_rides is not None and output == "polygons":
        _say_walk_only(result, rode)
    if times.attrs is not None:
        result.attrs.update(times.attrs)
    return result


def _result_frame(ids, counts, bands, geometries, line_times, truncated, output, crs_epsg) -> gpd.GeoDataFrame:
    """The rows of every origin as one GeoDataFrame (EPSG:4326), built from whole columns:
    ``origin_id`` repeated per row, ``cutoff_min`` whole minutes as integers (else floats)."""
    names = ["origin_id", "cutoff_min"]
    names += ["from_min", "to_min", "travel_time_min"] if output == "lines" else ["area_km2"]
    geometry = np.concatenate(geometries)
    if len(geometry) == 0:  # lines: nothing reached by any origin (columns of no type, as pandas makes them)
        columns = [np.empty(0, dtype=object) for _ in names]
    else:
        columns = [np.repeat(ids, counts), _minutes_column(np.concatenate(bands))]
        if output == "lines":
            columns += [np.concatenate([times[c] for times in line_times]) for c in range(3)]
        else:
            columns.append(shapely.area(geometry) / 1e6)
    columns.append(np.concatenate(truncated))
    columns.append(gpd.array.from_shapely(_to_lonlat(geometry, crs_epsg), crs=crs_of(4326)))
    return _geodataframe((*names, "truncated_by_extent", "geometry"), columns)


def _minutes_column(minutes: np.ndarray) -> np.ndarray:
    """Cutoffs as given: integers when every one is a whole number of minutes, else floats."""
    if np.all(minutes == np.floor(minutes)):
        return minutes.astype(np.int64)
    return minutes


def _geodataframe(names: tuple[str, ...], columns: list) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``columns`` named ``names``, the last one ``geometry`` (a
    GeometryArray with its CRS), with a RangeIndex; as ``pd.DataFrame(dict(zip(names,
    columns)))`` infers the column types.

    Built the way pandas and geopandas build the results of their own operations
    (``_from_arrays``, ``_from_mgr``): the public constructors re-check the geometry column
    and the CRS through pandas indexing, 3-6 ms a call on pandas 3 -- more than a walk
    isochrone's search and fill."""
    try:
        result = gpd.GeoDataFrame._from_arrays(
            columns, columns=_column_index(names), index=pd.RangeIndex(len(columns[0]))
        )
    except (AttributeError, TypeError):  # a pandas without these: the public way
        return gpd.GeoDataFrame(pd.DataFrame(dict(zip(names, columns, strict=True))), geometry="geometry")
    result._geometry_column_name = "geometry"
    return result


@lru_cache(maxsize=8)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """The (immutable) column labels of a result, made once: an Index of strings costs a
    tenth of a millisecond a time."""
    return pd.Index(names)


def _say_walk_only(result: gpd.GeoDataFrame, rode: list[bool]) -> None:
    """Transit isochrones: a ``transit_used`` column (some place inside is reached by
    riding a vehicle) and one warning for the areas that are walking only."""
    result["transit_used"] = rode
    walked = result.loc[~result["transit_used"]]
    if len(walked):
        first = walked.iloc[0]
        warnings.warn(
            f"{len(walked)} of {len(result)} transit isochrones are walking only (no vehicle is boarded within "
            f"the cutoff; first: origin {first['origin_id']}, {first['cutoff_min']} min): no stop is reached in "
            "time, or no service runs then.",
            WalkOnlyWarning,
            stacklevel=3,
        )


def _warn_truncated(ids, bands: list, truncated: list, mode: str, output: str) -> None:
    """One :class:`ExtentWarning` per call naming the origins whose areas the extract cut."""
    cut = [k for k, rows in enumerate(truncated) if rows.any()]
    if not cut:
        return
    first = cut[0]
    warnings.warn(
        f"{len(cut)} of {len(ids)} origins' {mode} isochrones reach the edge of the street data before their "
        f"cutoff (first: id {ids[first]}, {bands[first][np.argmax(truncated[first])]:g} min): the extract, not "
        f"the cutoff, bounds those {'areas' if output == 'polygons' else 'streets'} (column truncated_by_extent); "
        "use a larger extract to see them whole.",
        ExtentWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class OriginTimes:
    """Node travel times of each origin on the street the surface is drawn on."""

    street: StreetNetwork
    snapped: Snapped
    node_seconds: Callable[[int], np.ndarray]  # origin index -> float64 seconds per node
    reverse: bool  # times run *to* the point (arrive-by): edges are searched backwards
    mode: str
    # transit: origin index -> int8 rides per node at the percentile (0 walked, -1 unreached)
    node_rides: Callable[[int], np.ndarray] | None = None
    attrs: dict | None = None  # transit: the service day routed (access.routing.transit.service_day)


def origin_times(
    network: Network,
    frame,
    *,
    mode: str,
    tmax_s: float,
    departure=None,
    arrive_by=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    access_mode: str = "walk",
) -> OriginTimes:
    """Per-origin node seconds (depart-at from, or arrive-by to, each point of ``frame``)."""

    check_time_options(departure, arrive_by)
    if mode == "transit":
        street = network.street("walk")
        snapped = snap(street, frame, what="origins", strict=True)
        if arrive_by is not None:
            seconds, rides, attrs = _transit_inbound_node_seconds(
                network, frame, tmax_s, arrive_by, window_min, percentile, access_mode
            )
        else:
            seconds, rides, attrs = _transit_node_seconds(
                network, frame, tmax_s, departure, window_min, percentile, access_mode
            )
        return OriginTimes(street, snapped, seconds, False, mode, rides, attrs)  # walking is symmetric
    street = network.street(mode)
    snapped = snap(street, frame, what="origins", strict=True)
    limit = int(np.ceil(tmax_s))
    if arrive_by is not None:
        return OriginTimes(street, snapped, lambda k: inbound_node_times(street, snapped, k, limit), True, mode)
    return OriginTimes(street, snapped, lambda k: node_times(street, snapped, k, limit), False, mode)


def origin_surface(
    times: OriginTimes,
    k: int,
    node_s: np.ndarray,
    tmax_s: float,
    settings: IsochroneSettings,
    resolution_m: float | None = None,
) -> Surface:
    """The gridded seconds surface of origin ``k`` (see :func:`isochrones`)."""
    street = times.street
    cell = settings.resolution_m.get(times.mode, 100.0) if resolution_m is None else float(resolution_m)
    if not np.isfinite(cell) or cell <= 0:
        raise InputError(f"resolution_m must be a positive number of metres, got {resolution_m}.")
    # Arrive-by: an edge u -> v is searched from v (its time to the point is known at v).
    if times.reverse:
        indptr, indices, edge_s = street.reverse
    else:
        indptr, indices, edge_s = street.indptr, street.indices, street.travel_s
    return travel_time_surface(
        street.x,
        street.y,
        node_s,
        indptr,
        indices,
        edge_s,
        start_xy=(times.snapped.x[k], times.snapped.y[k]),
        start_edge=_start_edge(street, times.snapped, k, times.reverse),
        tmax_s=tmax_s,
        cell_m=cell,
        offnet_speed_ms=settings.offnet_speed_kmh / 3.6,
        offnet_max_m=settings.offnet_max_m.get(times.mode, 300.0),
        max_cells=settings.max_cells,
        crs_epsg=street.crs_epsg,
    )


def _start_edge(street: StreetNetwork, snapped: Snapped, k: int, reverse: bool):
    """The snapped point of origin ``k`` on its edge (x, y, seconds from the origin), the
    edge's end nodes and the seconds between the snapped point and each (the way it is
    driven: from the point, or arrive-by into it)."""
    a, b = int(snapped.a[k]), int(snapped.b[k])
    f = float(snapped.fraction[k])
    px = street.x[a] + f * (street.x[b] - street.x[a])
    py = street.y[a] + f * (street.y[b] - street.y[a])
    at = float(snapped.connector_s[k])
    ends_s = (snapped.from_a[k], snapped.from_b[k]) if reverse else (snapped.to_a[k], snapped.to_b[k])
    return px, py, at, np.array([a, b]), np.array(ends_s, dtype=np.float64) - at


class _PerOrigin:
    """Seconds and rides per node of one origin at a time, computed once for both."""

    def __init__(self, compute: Callable[[int], tuple[np.ndarray, np.ndarray]]) -> None:
        self.compute, self.k, self.value = compute, None, None

    def _get(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.k != k:
            self.k, self.value = k, self.compute(k)
        return self.value

    def seconds(self, k: int) -> np.ndarray:
        return self._get(k)[0]

    def rides(self, k: int) -> np.ndarray:
        return self._get(k)[1]


def _transit_node_seconds(network: Network, frame, tmax_s, departure, window_min, percentile, access_mode):
    """Functions giving, for origin k, the percentile transit seconds and rides to every
    walk node; and the service day routed."""

    network.require_transit()
    pct = check_percentiles([percentile])
    departures = parse_departures(departure, window_min)
    network = dated_network(network, departures)
    transit = network.transit
    walk = network.street("walk")
    settings = network.transit_settings
    o_walk = retimed(snap(walk, frame, what="origins", strict=True), settings.point_connector_speed_kmh)
    o_access = (
        snap(network.street(access_mode), frame, what="origins", strict=True)
        if access_mode in ("bike", "car")
        else None
    )
    parks = park_access(network, transit, settings) if access_mode == "car" else None
    targets = node_targets(walk, transit, settings)

    def compute(k: int) -> tuple[np.ndarray, np.ndarray]:
        per_minute, rides = transit_times_to_targets(
            network,
            o_walk,
            k,
            targets,
            departures,
            access_mode=access_mode,
            max_time_s=int(np.ceil(tmax_s)),
            settings=settings,
            origin_access=o_access,
            parks=parks,
            with_rides=True,
        )
        values, counts = window_rides(per_minute, rides, pct)
        return values[0], counts[0]

    per_origin = _PerOrigin(compute)
    return per_origin.seconds, per_origin.rides, service_day(transit, departures)


def _transit_inbound_node_seconds(network: Network, frame, tmax_s, arrive_by, window_min, percentile, access_mode):
    """Functions giving, for point k, the percentile arrive-by transit seconds and rides
    from every walk node (deadlines every minute of the window ending at ``arrive_by``)."""

    network.require_transit()
    if access_mode != "walk":
        raise InputError(f"arrive_by with transit supports access_mode='walk' (got {access_mode!r}).")
    pct = check_percentiles([percentile])
    deadlines = parse_deadlines(arrive_by, window_min)
    network = dated_network(network, deadlines)
    transit = network.transit
    walk = network.street("walk")
    settings = network.transit_settings
    d_walk = snap(walk, frame, what="origins", strict=True)
    sources = node_targets(walk, transit, settings, walk_min=settings.max_access_walk_min)

    def compute(k: int) -> tuple[np.ndarray, np.ndarray]:
        per_minute, rides = transit_times_from_sources(
            network,
            d_walk,
            k,
            sources,
            deadlines,
            max_time_s=int(np.ceil(tmax_s)),
            settings=settings,
            with_rides=True,
        )
        values, counts = window_rides(per_minute, rides, pct)
        return values[0], counts[0]

    per_origin = _PerOrigin(compute)
    return per_origin.seconds, per_origin.rides, service_day(transit, deadlines)


def _reached_lines(street: StreetNetwork, node_s: np.ndarray, reverse: bool, cutoffs: list[float]):
    """The reached edges, cut where the largest cutoff ends, one per street segment (best
    direction): arrays of their cutoff band, from_min, to_min, mid_min and LineStrings."""
    tmax = cutoffs[-1] * 60.0
    # search direction: forward from tails; arrive-by backwards from heads
    u, v = (street.indices, street.tails) if reverse else (street.tails, street.indices)
    t0 = node_s[u]
    w = street.travel_s.astype(np.float64)
    reached = np.flatnonzero(t0 < tmax)  # (an edge entered at the cutoff has nothing reached)
    if len(reached) == 0:  # a cutoff shorter than the walk to the first node
        empty = np.empty(0)
        return empty, empty, empty, empty, np.empty(0, dtype=object)
    t0, w, u, v = t0[reached], w[reached], u[reached], v[reached]
    frac = np.where(w > 0, np.clip((tmax - t0) / np.where(w > 0, w, 1.0), 0.0, 1.0), 1.0)
    t1 = t0 + frac * w
    mid = 0.5 * (t0 + t1)
    pair = np.minimum(u, v).astype(np.int64) * street.n_nodes + np.maximum(u, v)
    order = np.lexsort((mid, -frac, pair))
    keep = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    xa, ya = street.x[u[keep]], street.y[u[keep]]
    xb = xa + frac[keep] * (street.x[v[keep]] - xa)
    yb = ya + frac[keep] * (street.y[v[keep]] - ya)
    lines = shapely.linestrings(np.stack([np.column_stack([xa, ya]), np.column_stack([xb, yb])], axis=1))
    bands = np.asarray(cutoffs)[np.minimum(np.searchsorted(np.asarray(cutoffs) * 60.0, mid[keep]), len(cutoffs) - 1)]
    # from_min/to_min: times at the line's first/last vertex (arrive-by: time *to* the point)
    return bands, t0[keep] / 60.0, t1[keep] / 60.0, mid[keep] / 60.0, lines


def _denoise(shape: MultiPolygon, share: float) -> MultiPolygon:
    """Drop parts smaller than ``share`` of the largest part's area."""
    parts = list(shape.geoms)
    if not parts:
        return shape
    areas = np.array([p.area for p in parts])
    return MultiPolygon([p for p, a in zip(parts, areas, strict=True) if a >= share * areas.max()])


def _generalize(shape: MultiPolygon, tolerance_m: float) -> MultiPolygon:
    """Douglas-Peucker with topology preserved: every original vertex stays within
    ``tolerance_m`` of the new boundary, so no covered point is left out by more."""
    if shape.is_empty:
        return shape
    return _as_multipolygon(shapely.simplify(shape, tolerance_m, preserve_topology=True))


def _nest_inward(shapes: list[MultiPolygon]) -> list[MultiPolygon]:
    """Each cutoff's shape clipped to the next one's (dropping never re-adds an island)."""
    for k in range(len(shapes) - 2, -1, -1):
        shapes[k] = _as_multipolygon(shapely.intersection(shapes[k], shapes[k + 1]))
    return shapes


def _nest_outward(shapes: list[MultiPolygon]) -> list[MultiPolygon]:
    """Each cutoff's shape grown to hold the previous one's (simplifying never removes
    covered area beyond the tolerance from either)."""
    for k in range(1, len(shapes)):
        shapes[k] = _as_multipolygon(shapely.union(shapes[k], shapes[k - 1]))
    return shapes


def _nested_contours(surface: Surface, cutoffs: list[float]) -> np.ndarray:
    """One valid MultiPolygon per cutoff (projected metres, an object array), each inside
    the next.

    Filled contours of one surface nest by construction: each crossing point moves
    monotonically with the level along its grid edge, and saddle cells are resolved by the
    same cell-centre value at every level; so no clipping is needed (it cost more than the
    whole search on car polygons)."""
    generator = _contour_generator(surface.xs, surface.ys, surface.seconds)
    shapes = _to_multipolygons([generator.filled(-1.0, c * 60.0) for c in cutoffs])
    for k in np.flatnonzero(~shapely.is_valid(shapes)):
        shapes[k] = _as_multipolygon(shapely.union_all(shapely.make_valid(shapely.get_parts(shapes[k]))))
    return shapes


def _contour_generator(xs: np.ndarray, ys: np.ndarray, seconds: np.ndarray):
    """contourpy's serial generator with :func:`contourpy.contour_generator`'s defaults,
    made directly: the function's argument checks and masking (``np.ma``) cost more than
    the contouring of a walk area. A surface with no value to mask (every time finite, as
    ``UNREACHED_S`` is) gives the same contours either way."""
    if not np.isfinite(seconds).all():
        return contourpy.contour_generator(xs, ys, seconds, fill_type=contourpy.FillType.ChunkCombinedOffsetOffset)
    x, y = np.meshgrid(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    return contourpy.SerialContourGenerator(
        x,
        y,
        np.ascontiguousarray(seconds, dtype=np.float64),
        None,
        corner_mask=True,
        line_type=contourpy.SerialContourGenerator.default_line_type,
        fill_type=contourpy.FillType.ChunkCombinedOffsetOffset,
        quad_as_tri=False,
        z_interp=contourpy.ZInterp.Linear,
    )


def _to_multipolygons(filled: list[tuple]) -> np.ndarray:
    """contourpy's filled contours (per level one chunk: points, ring offsets, outer-ring
    offsets) as one MultiPolygon per level, made in one shapely call (see
    :func:`_clean_rings`). Validity is not checked here."""
    points, ring_ptr, polygon_ptr, level_ptr = [], [np.zeros(1, np.int64)], [np.zeros(1, np.int64)], [0]
    n_points = n_rings = 0
    for (pts,), (offsets,), (outer,) in filled:
        if pts is not None:
            points.append(pts)
            ring_ptr.append(offsets[1:].astype(np.int64) + n_points)
            polygon_ptr.append(outer[1:].astype(np.int64) + n_rings)
            n_points += len(pts)
            n_rings += len(offsets) - 1
        level_ptr.append(level_ptr[-1] + (len(outer) - 1 if pts is not None else 0))
    if not points:
        return np.array([MultiPolygon() for _ in filled], dtype=object)
    coords, rings, polygons, levels = _clean_rings(
        np.concatenate(points), np.concatenate(ring_ptr), np.concatenate(polygon_ptr), np.array(level_ptr)
    )
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, (rings, polygons, levels))


@nb.njit(cache=True)
def _clean_rings(points, ring_ptr, polygon_ptr, level_ptr):
    """Rings (``ring_ptr`` into ``points``) of polygons (``polygon_ptr`` into the rings) of
    levels (``level_ptr`` into the polygons) without consecutive repeated vertices -- a
    grid value exactly at a cutoff (times are whole seconds) puts both crossings next to it
    on the grid point itself --, rings left with fewer than 4 vertices dropped and polygons
    left with no ring too (a polygon's first ring left is its shell): the kept coordinates
    and the three offset arrays of shapely's ragged MultiPolygons."""
    coords = np.empty_like(points)
    rings = np.zeros(len(ring_ptr), np.int64)
    polygons = np.zeros(len(polygon_ptr), np.int64)
    levels = np.zeros(len(level_ptr), np.int64)
    n, n_rings, n_polygons = 0, 0, 0
    for level in range(len(level_ptr) - 1):
        for p in range(level_ptr[level], level_ptr[level + 1]):
            first_ring = n_rings
            for r in range(polygon_ptr[p], polygon_ptr[p + 1]):
                start = n
                for i in range(ring_ptr[r], ring_ptr[r + 1]):
                    if i == ring_ptr[r] or points[i, 0] != points[i - 1, 0] or points[i, 1] != points[i - 1, 1]:
                        coords[n] = points[i]
                        n += 1
                if n - start < 4:
                    n = start  # too few vertices left: not a ring
                else:
                    n_rings += 1
                    rings[n_rings] = n
            if n_rings > first_ring:
                n_polygons += 1
                polygons[n_polygons] = n_rings
        levels[level + 1] = n_polygons
    return coords[:n], rings[: n_rings + 1], polygons[: n_polygons + 1], levels


def _to_lonlat(geometries: np.ndarray, crs_epsg: int) -> np.ndarray:
    """Geometries from the network's UTM zone to EPSG:4326 in one vectorised transform
    (GeoDataFrame.to_crs costs several ms per call in its own bookkeeping)."""
    return shapely.transform(geometries, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1], crs_epsg)))


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
