"""Centres of commuting circles as users name them (zones, coordinates, station files,
core polygons), resolved into point sets on the network of the mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from access.errors import InputError, OffNetworkError
from access.io.points import as_points
from access.io.zones import ZONE_SUFFIXES
from access.network.multimodal import Network
from access.routing.street import snap

__all__ = ["Centre", "centre_specs", "resolve_centres", "centre_frame", "thin", "MAX_POLYGON_CENTRE_POINTS"]

# A polygon centre (a city core) is reached at any street node inside it, at no extra cost.
# Large cores are thinned on a grid to at most this many nodes (routing cost grows with it).
MAX_POLYGON_CENTRE_POINTS = 256
_BOUNDARY_POINTS = 32  # a core with no node inside is reached at points along its boundary
_FILE_SUFFIXES = tuple(s for s in ZONE_SUFFIXES if s != ".csv")  # a CSV name is taken as a zone name


@dataclass(frozen=True)
class Centre:
    """One centre as routed: its name, how it was given, its geometry and the points
    routed to / from (a zone's time to it is the least over them)."""

    name: str
    kind: str  # "point", "stations" or "polygon"
    geometry: BaseGeometry  # EPSG:4326
    points: np.ndarray  # (n, 2) lon/lat routed to / from; time = min over them


def centre_specs(
    names: Sequence[str] | None = None, lonlats: Sequence[tuple[float, float]] | None = None
) -> dict[str, object]:
    """Centres for :func:`access.commuting_circles`, in the order given, keyed by label.

    ``names`` are zone names or ids, or paths of vector files (stations, or a core
    polygon: GeoJSON, GeoPackage, GeoParquet, shapefile) read here and labelled by their
    stem; ``lonlats`` are ``(lon, lat)`` pairs in EPSG:4326, labelled ``"lon,lat"``.
    """
    specs: dict[str, object] = {}
    for name in names or []:
        path = Path(name)
        if path.suffix.lower() in _FILE_SUFFIXES:
            if not path.is_file():
                raise InputError(f"centre file {path} does not exist; check the path.")
            specs[path.stem] = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
        else:
            specs[name] = name
    for lon, lat in lonlats or []:
        specs[f"{lon:.5f},{lat:.5f}"] = (lon, lat)
    if not specs:
        raise InputError("give a centre: --centre NAME (a zone), --centre FILE, or --centre-lon X --centre-lat Y.")
    return specs


def resolve_centres(centres, zones: gpd.GeoDataFrame, network: Network, mode: str) -> list[Centre]:
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


def _one_centre(spec, name: str | None, k: int, zones: gpd.GeoDataFrame, street) -> Centre:
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
            return Centre(name, "point", geometry, np.array([[geometry.x, geometry.y]]))
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
            return Centre(name, "point", spec, np.array([[spec.x, spec.y]]))
        if spec.geom_type == "MultiPoint":
            return Centre(name, "stations", spec, shapely.get_coordinates(spec))
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
    return Centre(name or f"centre {k + 1}", "point", point, np.array([[point.x, point.y]]))


def _polygon_centre(name: str, polygon: BaseGeometry, street) -> Centre:
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
        coords = thin(np.column_stack([street.lon[nodes], street.lat[nodes]]), MAX_POLYGON_CENTRE_POINTS)
    return Centre(name, "polygon", polygon, coords)


def thin(coords: np.ndarray, limit: int) -> np.ndarray:
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


def centre_frame(centres: list[Centre]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "centre": [c.name for c in centres],
            "kind": [c.kind for c in centres],
            "points": [len(c.points) for c in centres],
        },
        geometry=[c.geometry for c in centres],
        crs=4326,
    )
