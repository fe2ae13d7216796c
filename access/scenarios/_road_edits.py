"""Road modifications: new StreetNetworks sharing the base's node arrays (never mutated)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from access._geo import haversine_m, to_projected
from access.errors import InputError
from access.network.street import StreetNetwork

__all__ = ["add_road", "change_road_speed", "keep_snapping_off"]


def _nearest_node(street: StreetNetwork, lon: float, lat: float, what: str) -> int:
    x, y = to_projected(np.array([lon]), np.array([lat]), street.crs_epsg)
    d = np.hypot(street.x - x[0], street.y - y[0])
    k = int(np.argmin(d))
    if d[k] > street.max_snap_m:
        raise InputError(
            f"{what}: road end ({lon:.5f}, {lat:.5f}) is {d[k]:,.0f} m from the {street.mode} network "
            f"(limit {street.max_snap_m:,.0f} m); start and end it near existing roads."
        )
    return k


def _with_edges(street: StreetNetwork, u, v, length_m, travel_s, way_id) -> StreetNetwork:
    """``street`` plus directed edges u -> v, CSR re-sorted; node arrays shared."""
    tails = np.r_[street.tails, u].astype(np.int64)
    heads = np.r_[street.indices, v].astype(np.int64)
    order = np.lexsort((heads, tails))
    indptr = np.zeros(street.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=street.n_nodes), out=indptr[1:])
    return replace(
        street,
        indptr=indptr,
        indices=np.ascontiguousarray(heads[order], dtype=np.int32),
        travel_s=np.ascontiguousarray(np.r_[street.travel_s, travel_s][order], dtype=np.int32),
        length_m=np.ascontiguousarray(np.r_[street.length_m, length_m][order], dtype=np.float32),
        way_id=np.ascontiguousarray(np.r_[street.way_id, way_id][order], dtype=np.int64),
    )


def add_road(
    street: StreetNetwork, coordinates, speed_kmh: float, oneway: bool, way_id: int, what: str
) -> StreetNetwork:
    """A new link along ``coordinates`` (lon, lat) between the nodes nearest its ends."""
    xy = np.asarray(coordinates, dtype=float)
    a = _nearest_node(street, xy[0, 0], xy[0, 1], what)
    b = _nearest_node(street, xy[-1, 0], xy[-1, 1], what)
    if a == b:
        raise InputError(f"{what}: both ends of the road join the same node; make it longer.")
    # the shape from the joined nodes through the given points
    lon = np.r_[street.lon[a], xy[1:-1, 0], street.lon[b]]
    lat = np.r_[street.lat[a], xy[1:-1, 1], street.lat[b]]
    length = float(haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]).sum())
    seconds = max(1.0, float(np.rint(length / (speed_kmh / 3.6))))
    u, v = ([a], [b]) if oneway else ([a, b], [b, a])
    n = len(u)
    return _with_edges(street, np.array(u), np.array(v), np.full(n, length), np.full(n, seconds), np.full(n, way_id))


def change_road_speed(
    street: StreetNetwork, way_ids, bbox, speed_kmh: float | None, factor: float | None, what: str
) -> StreetNetwork:
    """Edges of ``way_ids`` (or with both ends inside ``bbox``) at a new speed or a factor."""
    select = np.zeros(street.n_edges, dtype=bool)
    if way_ids:
        present = np.isin(np.asarray(way_ids, dtype=np.int64), street.way_id)
        if not present.all():
            missing = [w for w, ok in zip(way_ids, present, strict=True) if not ok]
            raise InputError(f"{what}: way ids not in the {street.mode} network: {', '.join(map(str, missing[:8]))}.")
        select |= np.isin(street.way_id, np.asarray(way_ids, dtype=np.int64))
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        inside = (street.lon >= x0) & (street.lon <= x1) & (street.lat >= y0) & (street.lat <= y1)
        select |= inside[street.tails] & inside[street.indices]
        if not select.any():
            raise InputError(f"{what}: no {street.mode} edge lies inside bbox {list(bbox)}.")
    travel = street.travel_s.astype(np.float64)
    if speed_kmh is not None:
        travel[select] = street.length_m[select] / (speed_kmh / 3.6)
    else:
        travel[select] = travel[select] / factor
    travel = np.maximum(np.rint(travel), np.where(select, 1, 0))
    return replace(street, travel_s=travel.astype(np.int32))


def keep_snapping_off(street: StreetNetwork, added_way_ids) -> StreetNetwork:
    """``street`` where points never snap onto added roads (controlled access: they are
    joined at their ends only); a segment shared with an existing edge (a parallel road)
    stays snappable."""
    added = np.unique(np.asarray(list(added_way_ids), dtype=np.int64))
    if not np.isin(street.way_id, added).any():
        return street
    excluded = np.union1d(np.asarray(street.snap_excluded_way_ids, dtype=np.int64), added)
    return replace(street, snap_excluded_way_ids=tuple(int(w) for w in excluded))
