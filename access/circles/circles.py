"""Commuting circles: zones within 1 h / 2 h of one or several centres, and who lives there.

Two steps, usable apart: :func:`centre_travel_times` (zone <-> centre minutes on a
:class:`access.Network`) and :func:`circle_membership` (labels, nearest centre and totals
from any zone x centre travel-time table, e.g. one from a regional place-to-place network).
:func:`commuting_circles` runs both and draws the circle polygons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from access._geo import to_projected
from access.circles.definition import CircleDefinition, resolve_definition
from access.circles.overlap import area_km2, circle_overlap
from access.config import DEFAULT_DEPARTURE_TIME, DEFAULT_MAX_TIME_MIN, DEFAULT_MODE, MAX_TIME_LIMIT_MIN
from access.errors import InputError, OffNetworkError
from access.io.opportunities import count_values
from access.io.points import as_points
from access.network.multimodal import Network
from access.network.snap import snap_points
from access.routing.matrix import travel_times
from access.routing.street import snap
from access.surfaces.isochrones import isochrones

__all__ = [
    "CommutingCircles",
    "commuting_circles",
    "centre_travel_times",
    "circle_membership",
    "circle_label",
    "OUTSIDE",
]

OUTSIDE = "outside"
ANY_CENTRE = "any centre"  # summary rows for the union of all centres' circles
# A polygon centre (a city core) is reached at any street node inside it, at no extra cost.
# Large cores are thinned on a grid to at most this many nodes (routing cost grows with it).
MAX_POLYGON_CENTRE_POINTS = 256
MAX_POLYGON_ISOCHRONE_ORIGINS = 9  # circle polygons of a core: union of isochrones from these
_BOUNDARY_POINTS = 32  # a core with no node inside is reached at points along its boundary


@dataclass(frozen=True)
class _Centre:
    name: str
    kind: str  # "point", "stations" or "polygon"
    geometry: BaseGeometry  # EPSG:4326
    points: np.ndarray  # (n, 2) lon/lat routed to / from; time = min over them


@dataclass(frozen=True)
class CommutingCircles:
    """Result of :func:`commuting_circles` / :func:`circle_membership`.

    Attributes
    ----------
    zones
        One row per zone (its columns kept): ``centre`` (nearest centre; None when no
        centre is reached), ``travel_time_min`` (to it), ``circle_min`` (smallest cutoff it
        lies inside, NaN outside), ``circle`` (``"inside 60 min"`` … ``"outside"``),
        ``travel_time_min_<centre>`` per centre, ``definition`` (its name).
    times
        Long table ``zone_id``, ``centre``, ``travel_time_min``, ``circle_min``, ``circle``:
        every zone x centre.
    summary
        Per centre (and ``"any centre"`` when several) and cutoff: ``zones``,
        ``population``, ``jobs`` inside that centre's circle and their ``*_share`` of the
        total; ``*_assigned``: zones inside whose nearest centre it is (these partition
        the "any centre" row); ``definition`` (JSON).
    polygons
        ``centre``, ``cutoff_min``, ``area_km2`` (UTM), ``geometry`` (EPSG:4326), or None.
    definition
        The :class:`CircleDefinition` used, with the network's penalties filled in.
    centres
        ``centre``, ``kind`` (point / stations / polygon), ``geometry``.
    """

    zones: gpd.GeoDataFrame
    times: pd.DataFrame
    summary: pd.DataFrame
    polygons: gpd.GeoDataFrame | None
    definition: CircleDefinition
    centres: gpd.GeoDataFrame

    def circle(self, centre: str | None = None, cutoff_min: float | None = None) -> gpd.GeoDataFrame:
        """Circle polygons of one centre (default: the first), optionally one cutoff."""
        if self.polygons is None:
            raise InputError("this result has no circle polygons; run commuting_circles(..., polygons=True).")
        name = self.centres["centre"].iloc[0] if centre is None else centre
        rows = self.polygons[self.polygons["centre"] == name]
        if rows.empty:
            raise InputError(f"no centre {name!r}; centres: {', '.join(map(str, self.centres['centre']))}.")
        if cutoff_min is not None:
            rows = rows[rows["cutoff_min"].astype(float) == float(cutoff_min)]
            if rows.empty:
                raise InputError(f"no {cutoff_min:g}-min circle; cutoffs: {list(self.definition.cutoffs_min)}.")
        return rows

    def overlap(
        self,
        a: str,
        b: str,
        *,
        how: str = "intersection",
        cutoff_min: float | None = None,
        population: str | None = "population",
        jobs: str | None = "jobs",
    ) -> gpd.GeoDataFrame:
        """:func:`access.circle_overlap` of centres ``a`` and ``b``'s circles, counting this
        result's zones (their representative points) inside."""
        result = circle_overlap(
            self.circle(a),
            self.circle(b),
            how=how,
            cutoff_min=cutoff_min,
            population_points=self.zones,
            population=population,
            jobs=jobs,
        )
        result.insert(0, "centre_b", b)
        result.insert(0, "centre_a", a)
        result["definition"] = self.definition.name
        result.attrs["definition"] = self.definition.to_json()
        return result


def circle_label(circle_min: float) -> str:
    """``"inside 60 min"`` for a cutoff, ``"outside"`` for NaN."""
    return OUTSIDE if not np.isfinite(circle_min) else f"inside {circle_min:g} min"


def commuting_circles(
    network: Network,
    centres,
    *,
    zones,
    cutoffs_min: Sequence[float] | None = None,
    mode: str | None = None,
    direction: str | None = None,
    statistic: str | None = None,
    population: str | None = "population",
    jobs: str | None = "jobs",
    definition: str | CircleDefinition | dict | None = None,
    zone_points: int | None = None,
    polygons: bool = True,
    progress: bool = False,
    **routing,
) -> CommutingCircles:
    """Zones inside each centre's commuting circles, their people and jobs, and the circles.

    Parameters
    ----------
    network
        A :class:`access.Network` with ``mode`` built (transit: GTFS / rail specs).
    centres
        One centre or several (a list, or a ``{name: centre}`` dict). A centre is a
        ``(lon, lat)`` tuple or shapely Point; the name (or id) of a zone; a set of
        stations (GeoDataFrame of points, DataFrame with lon/lat, or MultiPoint: the
        time is the least over them);
        or a core polygon (reached at any street node inside it, at no extra cost; zones
        inside it get 0 min). A GeoDataFrame with a ``centre`` column gives one centre per
        value (DataFrames too). With several centres each zone is assigned to the one it reaches soonest.
    zones
        Counties, towns, villages or grid cells: GeoDataFrame (points or polygons) or a
        DataFrame with lon/lat; ids from an ``id`` column (else the row number). A polygon
        zone is represented by its representative point, or by ``zone_points`` points (its
        representative point plus points of a regular grid inside it) combined with
        ``statistic``.
    cutoffs_min
        Door-to-door limits in minutes (default 60 and 120; no 120-minute ceiling).
    mode
        ``"walk"``, ``"bike"``, ``"car"`` (default) or ``"transit"``.
    direction
        ``"to_centre"`` (default: commuters travelling in, zone -> centre) or
        ``"from_centre"``.
    statistic
        ``"min"`` (default) or ``"median"`` over a polygon zone's sample points.
    population, jobs
        Columns of ``zones`` to total (None: skip); a missing column is an error.
    definition
        A preset name (``"metropolitan_1h"``), a :class:`CircleDefinition` or a dict;
        explicit arguments override its fields. Reported as ``result.definition``.
    polygons
        Also draw the circles with :func:`access.isochrones` from the centre(s) (the union
        over a centre's stations or core points). These are *outbound* isochrones (from
        the centre) even when ``direction="to_centre"``, unless ``arrive_by`` is given
        (then they are the areas from which the centre is reached by that time); zone
        membership always comes from the travel times in the chosen direction.
    **routing
        ``departure``, ``window_min``, ``percentile``, ``access_mode`` (transit; defaults
        from the definition), ``arrive_by``, ``max_time_min`` (search budget, default
        max(180, largest cutoff)) and any further keyword of :func:`access.travel_times`
        and :func:`access.isochrones`.

    Returns
    -------
    :class:`CommutingCircles` (``zones``, ``times``, ``summary``, ``polygons``,
    ``definition``, ``centres``).
    """
    transit_keys = ("departure", "window_min", "percentile", "access_mode", "arrive_by")
    overrides = {k: routing.pop(k) for k in transit_keys if k in routing}
    spec = resolve_definition(
        definition,
        cutoffs_min=tuple(cutoffs_min) if cutoffs_min is not None else None,
        mode=mode,
        direction=direction,
        statistic=statistic,
        zone_points=zone_points,
        **overrides,
    )
    zone_frame = _zone_frame(zones, population, jobs)
    centre_list = resolve_centres(centres, zone_frame, network, spec.mode)
    spec = _report_network(spec, network, centre_list)
    times = _centre_times(network, zone_frame, centre_list, spec, progress, routing)
    result = circle_membership(
        times,
        zone_frame,
        cutoffs_min=spec.cutoffs_min,
        population=population,
        jobs=jobs,
        definition=spec,
        centres=_centre_frame(centre_list),
    )
    if polygons:
        result = replace(result, polygons=_circle_polygons(network, centre_list, spec, progress, routing))
    return result


def centre_travel_times(
    network: Network,
    zones,
    centres,
    *,
    mode: str = DEFAULT_MODE,
    direction: str = "to_centre",
    statistic: str = "min",
    zone_points: int = 1,
    progress: bool = False,
    **routing,
) -> pd.DataFrame:
    """Travel time between every zone and every centre, in minutes.

    Centres and zones as in :func:`commuting_circles`; ``routing`` as there. Returns a
    long DataFrame ``zone_id``, ``centre``, ``travel_time_min`` (NaN: not reached within
    the budget), zone-major.
    """
    transit_keys = ("departure", "window_min", "percentile", "access_mode", "arrive_by")
    overrides = {k: routing.pop(k) for k in transit_keys if k in routing}
    spec = resolve_definition(
        None, mode=mode, direction=direction, statistic=statistic, zone_points=zone_points, **overrides
    )
    zone_frame = _zone_frame(zones, None, None)
    centre_list = resolve_centres(centres, zone_frame, network, spec.mode)
    return _centre_times(network, zone_frame, centre_list, spec, progress, routing)


def circle_membership(
    times: pd.DataFrame,
    zones,
    *,
    cutoffs_min: Sequence[float],
    population: str | None = "population",
    jobs: str | None = "jobs",
    definition: CircleDefinition | str | dict | None = None,
    centres: gpd.GeoDataFrame | None = None,
) -> CommutingCircles:
    """Circle membership, nearest centre and totals from a zone x centre time table.

    Network-free: ``times`` has ``zone_id``, ``centre``, ``travel_time_min`` (minutes,
    NaN unreached) from any source (:func:`centre_travel_times`, a regional network, a
    survey). ``zones`` as in :func:`commuting_circles`. Returns a
    :class:`CommutingCircles` without polygons.
    """
    missing = {"zone_id", "centre", "travel_time_min"} - set(times.columns)
    if missing:
        raise InputError(
            f"travel-time table lacks column(s) {', '.join(sorted(missing))}; need zone_id, centre, travel_time_min."
        )
    spec = resolve_definition(definition, cutoffs_min=tuple(cutoffs_min))
    cutoffs = np.array(spec.cutoffs_min, dtype=float)
    frame = _zone_frame(zones, population, jobs).reset_index(drop=True)
    names = list(dict.fromkeys(times["centre"].tolist()))
    wide = times.pivot_table(index="zone_id", columns="centre", values="travel_time_min", aggfunc="min", dropna=False)
    unknown = set(wide.index) - set(frame["id"])
    if unknown:
        raise InputError(f"travel-time table names zones not in the zones table: {sorted(map(str, unknown))[:5]}.")
    matrix = wide.reindex(index=frame["id"], columns=names).to_numpy(dtype=float)  # zones x centres
    finite = np.where(np.isfinite(matrix), matrix, np.inf)
    nearest = np.argmin(finite, axis=1)  # ties: the first centre listed
    best = finite[np.arange(len(frame)), nearest]
    reached = np.isfinite(best)
    circle_of = _circle_min(matrix, cutoffs)  # zones x centres
    zone_circle = _circle_min(np.where(reached, best, np.nan), cutoffs)

    out = frame.copy()
    out["centre"] = pd.array(np.where(reached, np.array(names, dtype=object)[nearest], None), dtype=object)
    out["travel_time_min"] = np.where(reached, best, np.nan)
    out["circle_min"] = zone_circle
    out["circle"] = [circle_label(c) for c in zone_circle]
    for j, name in enumerate(names):
        out[f"travel_time_min_{name}"] = matrix[:, j]
    out["definition"] = spec.name
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]

    long = pd.DataFrame(
        {
            "zone_id": np.repeat(frame["id"].to_numpy(), len(names)),
            "centre": np.tile(np.array(names, dtype=object), len(frame)),
            "travel_time_min": matrix.ravel(),
            "circle_min": circle_of.ravel(),
        }
    )
    long["circle"] = [circle_label(c) for c in long["circle_min"]]

    summary = _summary(frame, names, matrix, nearest, reached, cutoffs, population, jobs)
    summary["definition"] = spec.to_json()
    for table in (out, long, summary):
        table.attrs["definition"] = spec.to_json()
    if centres is None:
        centres = gpd.GeoDataFrame({"centre": names, "kind": "given"}, geometry=[None] * len(names), crs=4326)
    return CommutingCircles(zones=out, times=long, summary=summary, polygons=None, definition=spec, centres=centres)


# --- zones and centres -----------------------------------------------------------------


def _zone_frame(zones, population: str | None, jobs: str | None) -> gpd.GeoDataFrame:
    """Zones as a GeoDataFrame (EPSG:4326) with a unique ``id``; checks the total columns."""
    if isinstance(zones, gpd.GeoDataFrame):
        frame = zones.to_crs(4326) if zones.crs is not None else zones.set_crs(4326)
        if frame.geometry.isna().any() or frame.geometry.is_empty.any():
            raise InputError("zones: some rows have no geometry.")
        frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
        if "id" not in frame:
            frame = frame.assign(id=np.arange(len(frame)))
        frame = frame[["id", *[c for c in frame.columns if c not in ("id", "geometry")], "geometry"]]
    elif isinstance(zones, pd.DataFrame):
        frame = as_points(zones, what="zones").to_frame()
    else:
        raise InputError(f"zones must be a GeoDataFrame or a DataFrame with lon/lat, got {type(zones).__name__}.")
    if len(frame) == 0:
        raise InputError("zones: the table is empty.")
    if frame["id"].duplicated().any():
        raise InputError("zones: ids in column 'id' are not unique.")
    for what, column in (("population", population), ("jobs", jobs)):
        if column is not None and column not in frame:
            raise InputError(
                f"zones have no {what} column {column!r} (columns: "
                f"{', '.join(c for c in map(str, frame.columns) if c != 'geometry')}); "
                f"pass {what}='<column>' or {what}=None."
            )
    return frame.reset_index(drop=True)


def resolve_centres(centres, zones: gpd.GeoDataFrame, network: Network, mode: str) -> list[_Centre]:
    """Centres as named point sets, checked to lie on the network of ``mode``."""
    if isinstance(centres, pd.DataFrame) and not isinstance(centres, gpd.GeoDataFrame):
        centres = as_points(centres, id_column="_no_id_", what="centres").to_frame()  # lon/lat rows: stations
    if isinstance(centres, gpd.GeoDataFrame) and "centre" in centres:
        frame = centres.to_crs(4326) if centres.crs is not None else centres
        items = [(str(name), group.drop(columns="centre")) for name, group in frame.groupby("centre", sort=False)]
    elif isinstance(centres, Mapping):
        items = [(str(name), spec) for name, spec in centres.items()]
    elif _is_single_centre(centres):
        items = [(None, centres)]
    elif isinstance(centres, Sequence) and not isinstance(centres, str | bytes) and len(centres) > 0:
        items = [(None, spec) for spec in centres]
    else:
        raise InputError(
            f"cannot read {centres!r} as centres; give (lon, lat), a zone name, a GeoDataFrame "
            "of stations, a polygon, or a list / dict of these."
        )
    if not items:
        raise InputError("no centres given; give at least one (lon, lat), zone name, station set or polygon.")
    street = network.street("walk" if mode == "transit" else mode)
    result = []
    for k, (name, spec) in enumerate(items):
        centre = _one_centre(spec, name, k, zones, street)
        result.append(centre)
    names = [c.name for c in result]
    if len(set(names)) != len(names):
        raise InputError(f"centre names repeat: {', '.join(names)}; pass a dict {{name: centre}}.")

    for centre in result:
        try:
            snap(street, centre.points, what=f"points of centre {centre.name!r}", strict=True)
        except OffNetworkError as exc:
            raise OffNetworkError(f"centre {centre.name!r} is off the {street.mode} network: {exc}") from None
    return result


def _is_single_centre(obj) -> bool:
    if isinstance(obj, str | BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries):
        return True
    return isinstance(obj, Sequence) and len(obj) == 2 and all(isinstance(v, int | float | np.number) for v in obj)


def _one_centre(spec, name: str | None, k: int, zones: gpd.GeoDataFrame, street) -> _Centre:
    if isinstance(spec, str):
        match = zones[zones["name"].astype(str) == spec] if "name" in zones else zones.iloc[0:0]
        if match.empty:
            match = zones[zones["id"].astype(str) == spec]
        if match.empty:
            known = zones["name"].astype(str).tolist() if "name" in zones else zones["id"].astype(str).tolist()
            raise InputError(f"unknown centre {spec!r}: no zone has that name or id (e.g. {', '.join(known[:5])}).")
        geometry = match.geometry.iloc[0]
        name = name or spec
        if geometry.geom_type == "Point":
            return _Centre(name, "point", geometry, np.array([[geometry.x, geometry.y]]))
        return _polygon_centre(name, geometry, street)
    if isinstance(spec, gpd.GeoSeries):
        spec = gpd.GeoDataFrame(geometry=spec)
    if isinstance(spec, gpd.GeoDataFrame):
        frame = spec.to_crs(4326) if spec.crs is not None else spec
        if len(frame) == 0:
            raise InputError(f"centre {name or k + 1}: the GeoDataFrame is empty.")
        geoms = frame.geometry.to_numpy()
        if all(g.geom_type == "Point" for g in geoms):
            spec = MultiPoint(list(geoms)) if len(geoms) > 1 else geoms[0]
        else:
            spec = shapely.union_all(geoms)
        if name is None and "name" in frame and len(frame) == 1:
            name = str(frame["name"].iloc[0])
    if isinstance(spec, BaseGeometry):
        name = name or f"centre {k + 1}"
        if spec.is_empty:
            raise InputError(f"centre {name!r} has an empty geometry.")
        if spec.geom_type == "Point":
            return _Centre(name, "point", spec, np.array([[spec.x, spec.y]]))
        if spec.geom_type == "MultiPoint":
            return _Centre(name, "stations", spec, shapely.get_coordinates(spec))
        if spec.geom_type in ("Polygon", "MultiPolygon"):
            return _polygon_centre(name, spec, street)
        raise InputError(f"centre {name!r}: cannot use a {spec.geom_type}; give a point, stations or a polygon.")
    try:
        frame = as_points(spec, what=f"centre {name or k + 1}").to_frame()
    except InputError:
        raise InputError(
            f"cannot read {spec!r} as a centre; give (lon, lat), a zone name, stations or a polygon."
        ) from None
    point = frame.geometry.iloc[0]
    return _Centre(name or f"centre {k + 1}", "point", point, np.array([[point.x, point.y]]))


def _polygon_centre(name: str, polygon: BaseGeometry, street) -> _Centre:
    """A core polygon: street nodes inside (grid-thinned), else points on its boundary."""
    inside = shapely.contains_xy(polygon, street.lon, street.lat)
    nodes = np.flatnonzero(inside)
    if len(nodes) == 0:
        boundary = polygon.boundary
        points = [polygon.representative_point()] + [
            boundary.interpolate(f, normalized=True) for f in np.linspace(0, 1, _BOUNDARY_POINTS, endpoint=False)
        ]
        coords = shapely.get_coordinates(np.array(points))
    else:
        coords = _thin(np.column_stack([street.lon[nodes], street.lat[nodes]]), MAX_POLYGON_CENTRE_POINTS)
    return _Centre(name, "polygon", polygon, coords)


def _thin(coords: np.ndarray, limit: int) -> np.ndarray:
    """At most about ``limit`` points, one per cell of a regular grid (deterministic)."""
    if len(coords) <= limit:
        return coords
    side = int(np.ceil(np.sqrt(limit)))
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    cells = np.minimum((side * (coords - lo) / span).astype(int), side - 1)
    _, first = np.unique(cells[:, 0] * side + cells[:, 1], return_index=True)
    kept = coords[np.sort(first)]
    return kept[np.linspace(0, len(kept) - 1, min(limit, len(kept))).astype(int)]


def _centre_frame(centres: list[_Centre]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "centre": [c.name for c in centres],
            "kind": [c.kind for c in centres],
            "points": [len(c.points) for c in centres],
        },
        geometry=[c.geometry for c in centres],
        crs=4326,
    )


def _zone_samples(zones: gpd.GeoDataFrame, per_zone: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) lon/lat sample points and the zone row of each: points as they are; polygons
    by their representative point plus up to ``per_zone - 1`` interior grid points."""
    coords, owner = [], []
    for row, geometry in enumerate(zones.geometry.to_numpy()):
        first = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        points = [(first.x, first.y)]
        if per_zone > 1 and geometry.geom_type in ("Polygon", "MultiPolygon"):
            minx, miny, maxx, maxy = geometry.bounds
            side = int(np.ceil(np.sqrt(4 * per_zone)))
            gx, gy = np.meshgrid(
                minx + (np.arange(side) + 0.5) * (maxx - minx) / side,
                miny + (np.arange(side) + 0.5) * (maxy - miny) / side,
            )
            gx, gy = gx.ravel(), gy.ravel()
            inside = np.flatnonzero(shapely.contains_xy(geometry, gx, gy))
            pick = (
                inside[np.linspace(0, len(inside) - 1, min(per_zone - 1, len(inside))).astype(int)]
                if len(inside)
                else []
            )
            points += [(gx[i], gy[i]) for i in pick]
        coords += points
        owner += [row] * len(points)
    return np.array(coords, dtype=float), np.array(owner)


# --- routing ---------------------------------------------------------------------------


def _routing_kwargs(spec: CircleDefinition, routing: dict, cutoffs: Sequence[float]) -> dict:
    kwargs = dict(routing)
    kwargs.setdefault("max_time_min", min(max(DEFAULT_MAX_TIME_MIN, max(cutoffs)), MAX_TIME_LIMIT_MIN))
    if spec.mode == "transit":
        kwargs |= {"window_min": spec.window_min, "access_mode": spec.access_mode}
        if spec.arrive_by is None:
            kwargs["departure"] = spec.departure
    if spec.arrive_by is not None:  # arrive at the destination (the centre, to_centre) by then
        kwargs["arrive_by"] = spec.arrive_by
    return kwargs


def _centre_times(
    network: Network,
    zones: gpd.GeoDataFrame,
    centres: list[_Centre],
    spec: CircleDefinition,
    progress: bool,
    routing: dict,
) -> pd.DataFrame:
    """Long table zone_id, centre, travel_time_min."""

    zone_xy, owner = _zone_samples(zones, spec.zone_points)
    if len(zone_xy) > len(zones):  # extra interior points off the network stand for nothing: drop them
        street = network.street("walk" if spec.mode == "transit" else spec.mode)
        ok = snap_points(street, *to_projected(zone_xy[:, 0], zone_xy[:, 1], street.crs_epsg)).ok
        first = np.r_[True, owner[1:] != owner[:-1]]  # each zone's representative point stays
        keep = ok | first
        zone_xy, owner = zone_xy[keep], owner[keep]
    centre_xy = np.vstack([c.points for c in centres])
    centre_of = np.repeat(np.arange(len(centres)), [len(c.points) for c in centres])
    kwargs = _routing_kwargs(spec, routing, spec.cutoffs_min)
    if spec.mode == "transit":
        kwargs["percentiles"] = (spec.percentile,)
    z_points = as_points(zone_xy, what="zone points")
    c_points = as_points(centre_xy, what="centre points")
    if spec.direction == "to_centre":  # zones are origins: depart-at (or arrive-by) per zone
        table = travel_times(network, z_points, c_points, mode=spec.mode, progress=progress, **kwargs)
    else:
        table = travel_times(network, c_points, z_points, mode=spec.mode, progress=progress, **kwargs)
    values = table["travel_time_min"].to_numpy(dtype=float)  # origin-major long table, minutes
    if spec.direction == "to_centre":
        values = values.reshape(len(zone_xy), len(centre_xy))
    else:
        values = values.reshape(len(centre_xy), len(zone_xy)).T
    minutes = np.where(np.isfinite(values), values, np.inf)  # sample points x centre points
    per_centre = np.full((len(zone_xy), len(centres)), np.inf)
    for j, centre in enumerate(centres):
        per_centre[:, j] = minutes[:, centre_of == j].min(axis=1)
        if centre.kind == "polygon":  # already in the core: no commute to it
            per_centre[shapely.covers(centre.geometry, shapely.points(zone_xy)), j] = 0.0
    reduce = np.min if spec.statistic == "min" else np.median
    per_zone = (
        np.vstack([reduce(per_centre[owner == row], axis=0) for row in range(len(zones))])
        if len(zones)
        else np.empty((0, len(centres)))
    )
    per_zone = np.where(np.isfinite(per_zone), per_zone, np.nan)
    return pd.DataFrame(
        {
            "zone_id": np.repeat(zones["id"].to_numpy(), len(centres)),
            "centre": np.tile(np.array([c.name for c in centres], dtype=object), len(zones)),
            "travel_time_min": per_zone.ravel(),
        }
    )


def _circle_polygons(
    network: Network, centres: list[_Centre], spec: CircleDefinition, progress: bool, routing: dict
) -> gpd.GeoDataFrame:
    """Per centre and cutoff: the union of isochrones from the centre's points (and its core)."""

    kwargs = _routing_kwargs(spec, routing, spec.cutoffs_min)
    kwargs.pop("max_time_min", None)
    if spec.mode == "transit":
        kwargs["percentile"] = spec.percentile
    rows = []
    for centre in centres:
        origins = centre.points
        if centre.kind == "polygon":
            origins = _thin(origins, MAX_POLYGON_ISOCHRONE_ORIGINS)
        iso = isochrones(
            network,
            as_points(origins, what=f"centre {centre.name!r}"),
            mode=spec.mode,
            cutoffs_min=spec.cutoffs_min,
            progress=progress,
            **kwargs,
        )
        for cutoff, group in iso.groupby("cutoff_min", sort=True):
            geometry = shapely.union_all(group.geometry.to_numpy())
            if centre.kind == "polygon":
                geometry = shapely.union(geometry, centre.geometry)
            rows.append(
                {
                    "centre": centre.name,
                    "cutoff_min": cutoff,
                    "area_km2": area_km2(geometry),
                    "definition": spec.name,
                    "geometry": geometry,
                }
            )
    result = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    result.attrs["definition"] = spec.to_json()
    return result


# --- membership and totals -------------------------------------------------------------


def _circle_min(minutes: np.ndarray, cutoffs: np.ndarray) -> np.ndarray:
    """Smallest cutoff each time lies within (NaN when beyond all or unreached)."""
    values = np.asarray(minutes, dtype=float)
    index = np.searchsorted(cutoffs, np.where(np.isfinite(values), values, np.inf), side="left")
    return np.where(index < len(cutoffs), cutoffs[np.minimum(index, len(cutoffs) - 1)], np.nan)


def _summary(frame, names, matrix, nearest, reached, cutoffs, population, jobs) -> pd.DataFrame:
    columns = [("population", population), ("jobs", jobs)]
    values = {key: count_values(frame, col, "zones") for key, col in columns if col is not None}
    totals = {key: v.sum() for key, v in values.items()}
    rows = []
    groups = [(name, matrix[:, j], nearest == j) for j, name in enumerate(names)]
    if len(names) > 1:
        best = np.where(reached, np.nanmin(np.where(np.isfinite(matrix), matrix, np.inf), axis=1), np.inf)
        groups.append((ANY_CENTRE, best, reached))
    for name, minutes, assigned in groups:
        minutes = np.where(np.isfinite(minutes), minutes, np.inf)
        for cutoff in cutoffs:
            inside = minutes <= cutoff
            mine = inside & assigned & reached
            row = {
                "centre": name,
                "cutoff_min": _tidy(cutoff),
                "circle": circle_label(cutoff),
                "zones": int(inside.sum()),
                "zones_assigned": int(mine.sum()),
            }
            for key, v in values.items():
                row[key] = float(v[inside].sum())
                row[f"{key}_share"] = float(v[inside].sum() / totals[key]) if totals[key] > 0 else np.nan
                row[f"{key}_assigned"] = float(v[mine].sum())
            rows.append(row)
    return pd.DataFrame(rows)


def _tidy(value: float):
    return int(value) if float(value).is_integer() else float(value)


def _report_network(spec: CircleDefinition, network: Network, centres: list[_Centre]) -> CircleDefinition:
    """Fill in what the network uses (HSR boarding penalty, transfers) and the centres;
    a preset asking for a penalty the network was not built with is an error."""
    updates: dict = {
        "centres": tuple(f"{c.name} ({c.kind}, {len(c.points)} point{'s' * (len(c.points) > 1)})" for c in centres)
    }
    if spec.mode == "transit":
        settings = network.transit_settings
        used = float(settings.rail_spec_board_penalty_min)
        if spec.board_penalty_hsr_min is not None and float(spec.board_penalty_hsr_min) != used:
            raise InputError(
                f"definition {spec.name!r} sets an HSR boarding penalty of {spec.board_penalty_hsr_min:g} min but the "
                f"network was built with {used:g} min; build it with TransitSettings(rail_spec_board_penalty_min="
                f"{spec.board_penalty_hsr_min:g}, board_penalty_by_route_type_min=...) or change the definition."
            )
        updates |= {"board_penalty_hsr_min": used, "max_transfers": settings.max_transfers}
        if spec.departure is None and spec.arrive_by is None:
            updates["departure"] = DEFAULT_DEPARTURE_TIME
    else:  # street modes have no window, percentile or boarding penalty
        updates |= {"board_penalty_hsr_min": None, "max_transfers": None, "departure": None}
    return spec.model_copy(update=updates)
