"""A large street region for scale tests: copies of the sample region side by side, joined by roads."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from scipy.spatial import cKDTree

from access.io.osm import read_osm_ways
from access.network.street import StreetNetwork
from access.sample.cluster import SAMPLE_SEED, write_sample_region

__all__ = ["TiledRegion", "write_tiled_region", "tile_columns"]

TILE_GAP_KM = 5.0  # km of empty land between neighbouring tiles
SEAM_EDGE_KM = 15.0  # km: seam roads start at car nodes this close to a tile's side
# Two-way, usable by every mode (a walker may cross a seam too), one straight segment.
SEAM_TAGS = {"highway": "primary", "maxspeed": "80", "name": "Tile Link"}
KM_PER_DEG_LAT = 110.574  # as the sample region (access.sample.cluster)
KM_PER_DEG_LON_EQUATOR = 111.320


@dataclass(frozen=True)
class TiledRegion:
    """Files and layout of a written tiled region.

    Tile ``k`` sits in column ``k % columns``, row ``k // columns`` (south-west first);
    its OSM node and way ids are the sample region's plus ``k * node_id_offset`` (ways:
    ``k * way_id_offset``). ``seams`` lists every joining road as ``(way id, from node id,
    to node id)``; seam ways follow the tiles' ways.
    """

    osm_pbf: Path
    tiles: int
    columns: int
    node_id_offset: int
    way_id_offset: int
    tile_km: tuple[float, float]  # width, height of one tile's bounding box
    seams: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class _Tile:
    """The sample region read back: nodes in km east/north of its south-west corner."""

    node_id: np.ndarray  # int64, ascending
    x_km: np.ndarray
    y_km: np.ndarray
    ways: list[tuple[list[int], dict[str, str]]]
    car_nodes: np.ndarray  # int64 ids of the nodes of its car network
    lon0: float
    lat0: float


def tile_columns(tiles: int, tile_km: tuple[float, float]) -> int:
    """Columns that make ``tiles`` tiles of ``tile_km`` (width, height) roughly square."""
    width, height = tile_km
    return max(1, min(tiles, math.ceil(math.sqrt(tiles * height / width))))


def write_tiled_region(
    out_dir: str | Path, tiles: int, *, columns: int | None = None, seed: int = SAMPLE_SEED
) -> TiledRegion:
    """Write ``tiles`` copies of the sample region as one OSM PBF (``tiled_region_{tiles}.osm.pbf``).

    Deterministic for ``tiles``, ``columns`` and ``seed``. Each copy keeps the sample's
    shape in kilometres (shifted ``tile width + TILE_GAP_KM`` east per column and
    ``tile height + TILE_GAP_KM`` north per row); neighbouring tiles are joined by one
    two-way primary road (80 km/h) between the closest pair of their car nodes across
    the gap, so the car network is one strongly connected component with exactly
    ``tiles`` times the sample's car nodes. ``columns`` default: a roughly square layout.
    """
    if tiles < 1:
        raise ValueError(f"tiles must be at least 1, got {tiles}.")
    out = Path(out_dir)
    base = _read_tile(write_sample_region(out / "tile", seed=seed).osm_pbf)
    tile_km = (float(base.x_km.max()), float(base.y_km.max()))
    columns = columns or tile_columns(tiles, tile_km)
    step = (tile_km[0] + TILE_GAP_KM, tile_km[1] + TILE_GAP_KM)
    node_offset = 10 ** len(str(int(base.node_id.max())))
    way_offset = 10 ** len(str(len(base.ways)))
    east = _closest_pair(base, side="east", shift=(step[0], 0.0))
    north = _closest_pair(base, side="north", shift=(0.0, step[1]))
    seams = []
    for k in range(tiles):
        column = k % columns
        if column + 1 < columns and k + 1 < tiles:
            seams.append((k * node_offset + east[0], (k + 1) * node_offset + east[1]))
        if k + columns < tiles:
            seams.append((k * node_offset + north[0], (k + columns) * node_offset + north[1]))
    seam_ways = tuple((tiles * way_offset + s + 1, a, b) for s, (a, b) in enumerate(seams))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"tiled_region_{tiles}.osm.pbf"
    _write(path, base, tiles, columns, step, node_offset, way_offset, seam_ways)
    return TiledRegion(path, tiles, columns, node_offset, way_offset, tile_km, seam_ways)


def _read_tile(pbf: Path) -> _Tile:
    ids, lons, lats, ways = [], [], [], []
    for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            ids.append(obj.id)
            lons.append(obj.location.lon)
            lats.append(obj.location.lat)
        elif obj.is_way():
            ways.append(([n.ref for n in obj.nodes], dict(obj.tags)))
    node_id = np.array(ids, dtype=np.int64)
    if np.any(np.diff(node_id) <= 0):
        raise ValueError(f"{pbf} does not list its nodes by ascending id.")
    lon, lat = np.array(lons), np.array(lats)
    lon0, lat0 = float(lon.min()), float(lat.min())
    x_km = (lon - lon0) * KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))
    y_km = (lat - lat0) * KM_PER_DEG_LAT
    car = StreetNetwork.from_osm(read_osm_ways(pbf), "car")  # its strongly connected nodes
    return _Tile(node_id, x_km, y_km, ways, car.node_id.copy(), lon0, lat0)


def _closest_pair(base: _Tile, *, side: str, shift: tuple[float, float]) -> tuple[int, int]:
    """Ids ``(a, b)``: a car node near the ``side`` of a tile and the car node of the
    next tile over (``shift`` km away) nearest to it, the closest such pair."""
    pos = np.searchsorted(base.node_id, base.car_nodes)
    x, y = base.x_km[pos], base.y_km[pos]
    if side == "east":
        near, far = x >= x.max() - SEAM_EDGE_KM, x <= x.min() + SEAM_EDGE_KM
    else:
        near, far = y >= y.max() - SEAM_EDGE_KM, y <= y.min() + SEAM_EDGE_KM
    tree = cKDTree(np.c_[x[far] + shift[0], y[far] + shift[1]])
    gap, nearest = tree.query(np.c_[x[near], y[near]])
    best = int(np.argmin(gap))  # the first of equal gaps: deterministic
    return int(base.car_nodes[near][best]), int(base.car_nodes[far][nearest[best]])


def _write(path, base, tiles, columns, step, node_offset, way_offset, seam_ways) -> None:
    """Nodes of every tile (ids ascending), then their ways and the seams, to a temp file
    renamed onto ``path``."""
    tmp = path.with_name(f".{os.getpid()}.{path.name}")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp), overwrite=True)
    try:
        for k in range(tiles):
            lon, lat = _shifted(base, (k % columns) * step[0], (k // columns) * step[1])
            for i, node in enumerate(base.node_id):
                location = (round(float(lon[i]), 7), round(float(lat[i]), 7))
                writer.add_node(osmium.osm.mutable.Node(id=int(node) + k * node_offset, location=location))
        for k in range(tiles):
            for w, (nodes, tags) in enumerate(base.ways):
                shifted = [n + k * node_offset for n in nodes]
                writer.add_way(osmium.osm.mutable.Way(id=k * way_offset + w + 1, nodes=shifted, tags=tags))
        for way_id, a, b in seam_ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[a, b], tags=SEAM_TAGS))
    finally:
        writer.close()
    os.replace(tmp, path)


def _shifted(base: _Tile, dx_km: float, dy_km: float) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of the tile's nodes moved ``dx_km`` east and ``dy_km`` north (the same
    equirectangular frame as the sample region, so tile 0 is the sample itself)."""
    lat = base.lat0 + (base.y_km + dy_km) / KM_PER_DEG_LAT
    lon = base.lon0 + (base.x_km + dx_km) / (KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat)))
    return lon, lat
