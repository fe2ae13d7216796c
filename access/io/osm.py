"""Read OSM highway ways (PBF or XML, plain or compressed) into flat arrays with pyosmium."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from access.errors import InputError

__all__ = ["OsmWays", "read_osm_ways", "check_osm_path", "OSM_SUFFIXES", "WAY_TAGS"]

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.xml", ".xml", ".osm.bz2", ".osm.gz", ".o5m")

# Tags that decide whether and how fast a mode may use a way; everything else is dropped.
WAY_TAGS = (
    "highway",
    "oneway",
    "junction",
    "access",
    "foot",
    "bicycle",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "maxspeed",
    "maxspeed:forward",
    "maxspeed:backward",
    "oneway:bicycle",
    "cycleway",
    "area",
    "name",
)


@dataclass(frozen=True)
class OsmWays:
    """Highway ways as tables: one row per way, and their node sequences flattened.

    ``node_ptr[i]:node_ptr[i + 1]`` indexes the nodes of way ``i`` in ``node_id``,
    ``lon`` and ``lat`` (EPSG:4326 degrees).
    """

    ways: pd.DataFrame  # columns: way_id (int64) and WAY_TAGS (str or None)
    node_ptr: np.ndarray  # int64, len(ways) + 1
    node_id: np.ndarray  # int64 OSM node ids
    lon: np.ndarray  # float64
    lat: np.ndarray  # float64


def check_osm_path(path: str | Path) -> Path:
    """``path`` as a Path if it names a readable OSM file, else an :class:`InputError`
    saying what is wrong with it (missing, a folder, a foreign suffix, unreadable)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"OSM path {path} is a folder; give an .osm.pbf or .osm file.")
    if not path.exists():
        raise InputError(f"OSM file {path} does not exist; check the path.")
    if not path.is_file():
        raise InputError(f"OSM path {path} is not a regular file; give an .osm.pbf or .osm file.")
    if not any(path.name.lower().endswith(s) for s in OSM_SUFFIXES):
        raise InputError(f"{path} does not look like an OSM file; expected one of {', '.join(OSM_SUFFIXES)}.")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot open OSM file {path}: {exc.strerror}.") from None
    return path


def read_osm_ways(
    path: str | Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    polygon: BaseGeometry | None = None,
) -> OsmWays:
    """Highway ways of an OSM file with node locations, optionally clipped.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` / ``.osm.xml`` (optionally ``.bz2`` / ``.gz``) file.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326; ways are cut to the nodes
        inside it.
    polygon
        A shapely (multi)polygon in EPSG:4326 to clip to, alternatively to ``bbox``.
    """
    path = check_osm_path(path)
    rows: list[tuple] = []
    sizes: list[int] = []
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            nodes = [n for n in way.nodes if n.location.valid()]
            if len(nodes) < 2:
                continue
            tags = way.tags
            rows.append((way.id, *(tags.get(k) for k in WAY_TAGS)))
            sizes.append(len(nodes))
            refs.extend(n.ref for n in nodes)
            lons.extend(n.lon for n in nodes)
            lats.extend(n.lat for n in nodes)
    except MemoryError:
        raise InputError(
            f"{path} is too large to read into memory; clip it first (e.g. osmium extract --bbox ...)."
        ) from None
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:
        # libosmium reports unreadable input as RuntimeError
        # and osmium.InvalidLocationError (lat="abc" or lat="999.0"), the XML and
        # decompression layers as ValueError / OSError
        raise InputError(f"cannot read {path} as OSM data: {' '.join(str(exc).split())}") from None
    if not rows:
        raise InputError(f"{path} has no highway ways with node locations; is it an OSM extract?")
    ways = pd.DataFrame.from_records(rows, columns=["way_id", *WAY_TAGS])
    node_ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=node_ptr[1:])
    result = OsmWays(
        ways=ways,
        node_ptr=node_ptr,
        node_id=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons, dtype=np.float64),
        lat=np.asarray(lats, dtype=np.float64),
    )
    if bbox is not None or polygon is not None:
        result = _clip(result, bbox, polygon)
    return result


def _clip(
    osm: OsmWays,
    bbox: tuple[float, float, float, float] | None,
    polygon: BaseGeometry | None,
) -> OsmWays:
    """Keep the nodes inside the area; ways are split where they leave it."""
    inside = np.ones(len(osm.node_id), dtype=bool)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = _valid_bbox(bbox)
        inside &= (osm.lon >= min_lon) & (osm.lon <= max_lon)
        inside &= (osm.lat >= min_lat) & (osm.lat <= max_lat)
    if polygon is not None:
        if not isinstance(polygon, BaseGeometry) or polygon.geom_type not in (
            "Polygon",
            "MultiPolygon",
        ):
            raise InputError("clip polygon must be a shapely Polygon or MultiPolygon (EPSG:4326).")
        inside &= shapely.contains_xy(polygon, osm.lon, osm.lat)
    # A way piece is a maximal run of consecutive inside nodes within one way; runs are
    # found on the flat arrays: a new piece starts wherever the previous node is outside
    # or belongs to another way.
    way_of_node = np.repeat(np.arange(len(osm.ways)), np.diff(osm.node_ptr))
    prev_same = np.zeros(len(inside), dtype=bool)
    prev_same[1:] = (way_of_node[1:] == way_of_node[:-1]) & inside[:-1]
    keep = np.flatnonzero(inside)
    starts = keep[~prev_same[keep]]
    piece_of_node = np.cumsum(~prev_same[keep]) - 1
    sizes = np.bincount(piece_of_node, minlength=len(starts))
    long_enough = sizes >= 2
    node_keep = keep[long_enough[piece_of_node]]
    sizes = sizes[long_enough]
    ways = osm.ways.iloc[way_of_node[starts[long_enough]]].reset_index(drop=True)
    if len(ways) == 0:
        raise InputError("the clip area contains no roads of the OSM file; check bbox/polygon.")
    node_ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=node_ptr[1:])
    return OsmWays(
        ways=ways,
        node_ptr=node_ptr,
        node_id=osm.node_id[node_keep],
        lon=osm.lon[node_keep],
        lat=osm.lat[node_keep],
    )


def _valid_bbox(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise InputError("bbox must be four numbers: min_lon min_lat max_lon max_lat.") from None
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise InputError(f"bbox {bbox} is not min_lon min_lat max_lon max_lat in degrees with min < max.")
    return min_lon, min_lat, max_lon, max_lat
