"""StreetNetwork: one mode's routable street graph as immutable CSR arrays."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from access._geo import haversine_m, to_projected, utm_epsg
from access._kernels.chains import Chains, contract_chains
from access.config import MODES, StreetSettings
from access.errors import InputError, NetworkError
from access.io.osm import OsmWays
from access.network._rules import mode_permissions, way_speeds_kmh
from access.network._segments import Segments, build_segments
from access.network.extent import Extent, find_extent

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["StreetNetwork", "ReverseCSR", "check_mode"]

_ARRAYS = ("node_id", "lon", "lat", "x", "y", "indptr", "indices", "travel_s", "length_m", "way_id")


def check_mode(mode: str) -> str:
    """``mode`` if it is a street mode, else an :class:`InputError` naming the valid ones."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}.")
    return mode


class ReverseCSR(NamedTuple):
    """The transpose of a street network's CSR: edge u -> v of t seconds as v -> u."""

    indptr: np.ndarray  # int64, n_nodes + 1
    indices: np.ndarray  # int32 tail node of each reversed edge
    travel_s: np.ndarray  # int32 seconds


@dataclass(frozen=True, eq=False)
class StreetNetwork:
    """A street graph for one mode: nodes with coordinates, directed edges in CSR form.

    Edge ``e`` of node ``u`` is ``indptr[u] <= e < indptr[u + 1]``; it leads to
    ``indices[e]`` in ``travel_s[e]`` whole seconds over ``length_m[e]`` metres along OSM
    way ``way_id[e]``. Node coordinates are EPSG:4326 (``lon``, ``lat``) and metres in the
    local UTM zone ``crs_epsg`` (``x``, ``y``). Arrays are read-only.

    Indexes derived from the arrays (:attr:`tails`, :attr:`segments` for snapping,
    :attr:`reverse` for arrive-by) are built on first use and belong to this object
    alone: a ``dataclasses.replace`` copy (a scenario's modified network) builds its own,
    and pickles and copies carry none (workers rebuild what they use).
    """

    mode: str
    node_id: np.ndarray  # int64 OSM node ids
    lon: np.ndarray  # float64 degrees
    lat: np.ndarray  # float64 degrees
    x: np.ndarray  # float64 metres, crs_epsg
    y: np.ndarray  # float64 metres, crs_epsg
    indptr: np.ndarray  # int64, n_nodes + 1
    indices: np.ndarray  # int32, n_edges
    travel_s: np.ndarray  # int32 seconds, n_edges
    length_m: np.ndarray  # float32 metres, n_edges
    way_id: np.ndarray  # int64 OSM way ids, n_edges
    crs_epsg: int
    connector_speed_kmh: float  # off-network speed from a point to its snapped edge
    max_snap_m: float  # metres; points further from every edge are off the network
    # OSM ways points never snap onto (roads a scenario adds are joined at their ends only)
    snap_excluded_way_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in _ARRAYS:
            getattr(self, name).setflags(write=False)

    def __getstate__(self) -> dict:
        # the fields only: derived indexes (cached properties) are rebuilt where used
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def n_nodes(self) -> int:
        return len(self.node_id)

    @property
    def n_edges(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        # one line for notebooks and logs: the dataclass default prints every array
        if self.n_nodes == 0:
            return f"StreetNetwork({self.mode}: empty)"
        west, south, east, north = self.bounds()
        return (
            f"StreetNetwork({self.mode}: {self.n_nodes:,} nodes, {self.n_edges:,} edges, EPSG:{self.crs_epsg}, "
            f"lon {west:.4f}..{east:.4f}, lat {south:.4f}..{north:.4f})"
        )

    @cached_property
    def tails(self) -> np.ndarray:
        """Source node of every edge (int32), the COO companion of ``indices``."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def segments(self) -> Segments:
        """The undirected segments and their spatial index, for snapping points (see
        :mod:`access.network.snap`); ways in ``snap_excluded_way_ids`` are left out."""
        snappable = None
        if self.snap_excluded_way_ids:
            snappable = ~np.isin(self.way_id, np.asarray(self.snap_excluded_way_ids, dtype=np.int64))
        return build_segments(self.tails, self.indices, self.travel_s, self.x, self.y, snappable)

    @cached_property
    def reverse(self) -> ReverseCSR:
        """The reverse graph (edge u -> v becomes v -> u), so a Dijkstra from a
        destination gives every node's time *to* it (O(edges) memory, read-only)."""
        order = np.argsort(self.indices, kind="stable")
        indptr = np.r_[0, np.cumsum(np.bincount(self.indices, minlength=self.n_nodes))].astype(np.int64)
        reverse = ReverseCSR(indptr, self.tails[order].astype(np.int32), self.travel_s[order])
        for array in reverse:
            array.setflags(write=False)
        return reverse

    @cached_property
    def chains(self) -> Chains:
        """The graph contracted along its degree-2 chains (see
        :mod:`access._kernels.chains`), for bounded searches that need few nodes' times."""
        return contract_chains(self.indptr, self.indices, self.travel_s)

    @cached_property
    def extent(self) -> Extent:
        """Where the data ends: the nodes where streets leave the extract and the seconds
        from every node to the nearest of them (see :mod:`access.network.extent`)."""
        return find_extent(self)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the nodes, EPSG:4326."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def to_csr_matrix(self) -> csr_matrix:
        """Travel seconds as a scipy CSR matrix (parallel edges reduced to their minimum)."""
        order = np.lexsort((self.travel_s, self.indices, self.tails))
        u, v, w = self.tails[order], self.indices[order], self.travel_s[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        # csgraph treats explicit zeros as missing edges; a tiny weight keeps them.
        w = np.where(w[first] == 0, 1e-9, w[first]).astype(np.float64)
        return csr_matrix((w, (u[first], v[first])), shape=(self.n_nodes, self.n_nodes))

    def to_networkx(self) -> nx.MultiDiGraph:
        """An osmnx-style MultiDiGraph: node ``x``/``y`` in lon/lat, edges with ``length``
        (metres), ``travel_time`` (seconds) and ``osmid``; node keys are OSM node ids."""
        import networkx as nx  # start-up: networkx (~0.3 s) only for interop

        graph = nx.MultiDiGraph(crs="EPSG:4326", mode=self.mode)
        graph.add_nodes_from(
            (int(i), {"x": float(x), "y": float(y)}) for i, x, y in zip(self.node_id, self.lon, self.lat, strict=True)
        )
        ids = self.node_id
        graph.add_edges_from(
            (int(ids[u]), int(ids[v]), {"length": float(ln), "travel_time": int(t), "osmid": int(w)})
            for u, v, ln, t, w in zip(self.tails, self.indices, self.length_m, self.travel_s, self.way_id, strict=True)
        )
        return graph

    @classmethod
    def from_osmnx(
        cls, graph: nx.MultiDiGraph, mode: str = "walk", settings: StreetSettings | None = None
    ) -> StreetNetwork:
        """A StreetNetwork from an osmnx graph (edges used as given, directions included).

        Edge times come from ``travel_time`` (seconds) when present, else from ``length``
        (metres) at ``speed_kph`` or the mode's default speed. Node ``x``/``y`` must be
        EPSG:4326 (an unprojected osmnx graph).
        """
        check_mode(mode)
        settings = settings or StreetSettings()
        crs = str(graph.graph.get("crs", "EPSG:4326")).lower()
        if crs not in ("epsg:4326", "wgs84"):
            raise InputError(f"osmnx graph is in {crs}; pass an unprojected (EPSG:4326) graph.")
        nodes = list(graph.nodes)
        if not nodes or graph.number_of_edges() == 0:
            raise InputError("the osmnx graph has no edges.")
        pos = {n: i for i, n in enumerate(nodes)}
        lon = np.array([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
        lat = np.array([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
        default_kmh = {"walk": settings.walk_speed_kmh, "bike": settings.bike_speed_kmh}
        u, v, length, travel, way = [], [], [], [], []
        for a, b, data in graph.edges(data=True):
            ln = float(data.get("length", haversine_m(lon[pos[a]], lat[pos[a]], lon[pos[b]], lat[pos[b]])))
            if "travel_time" in data:
                t = float(data["travel_time"])
            else:
                kmh = float(data.get("speed_kph", default_kmh.get(mode, settings.car_speeds_kmh.get("road", 30.0))))
                t = ln / (kmh / 3.6)
            osmid = data.get("osmid", -1)
            u.append(pos[a])
            v.append(pos[b])
            length.append(ln)
            travel.append(t)
            way.append(osmid[0] if isinstance(osmid, list) else osmid)
        node_id = np.array([n if isinstance(n, int | np.integer) else i for i, n in enumerate(nodes)], dtype=np.int64)
        return _assemble(
            mode,
            node_id,
            lon,
            lat,
            np.array(u),
            np.array(v),
            np.array(length),
            np.rint(travel),
            np.array(way, dtype=np.int64),
            settings,
        )

    @classmethod
    def from_osm(cls, osm: OsmWays, mode: str, settings: StreetSettings | None = None) -> StreetNetwork:
        """Build ``mode``'s network from OSM highway ways (see :mod:`access.io.osm`)."""
        check_mode(mode)
        settings = settings or StreetSettings()
        ways = osm.ways
        forward, backward = mode_permissions(ways, mode)
        forward_kmh, backward_kmh = way_speeds_kmh(ways, mode, settings)
        way_of_node = np.repeat(np.arange(len(ways)), np.diff(osm.node_ptr))
        # Segments between consecutive nodes of the same way.
        a = np.flatnonzero(way_of_node[:-1] == way_of_node[1:])
        b = a + 1
        seg_way = way_of_node[a]
        seg_ok = (forward[seg_way] | backward[seg_way]) & (osm.node_id[a] != osm.node_id[b])
        a, b, seg_way = a[seg_ok], b[seg_ok], seg_way[seg_ok]
        if len(a) == 0:
            raise InputError(f"the OSM data has no ways usable by mode {mode!r}.")
        node_id, inverse = np.unique(np.concatenate([osm.node_id[a], osm.node_id[b]]), return_inverse=True)
        first = np.full(len(node_id), -1, dtype=np.int64)
        flat = np.concatenate([a, b])
        first[inverse[::-1]] = flat[::-1]  # any occurrence carries the node's location
        ua, ub = inverse[: len(a)], inverse[len(a) :]
        length = haversine_m(osm.lon[a], osm.lat[a], osm.lon[b], osm.lat[b])
        fw, bw = forward[seg_way], backward[seg_way]
        travel_fw = np.rint(length / (forward_kmh[seg_way] / 3.6))
        travel_bw = np.rint(length / (backward_kmh[seg_way] / 3.6))
        u = np.concatenate([ua[fw], ub[bw]])
        v = np.concatenate([ub[fw], ua[bw]])
        return _assemble(
            mode,
            node_id,
            osm.lon[first],
            osm.lat[first],
            u,
            v,
            np.concatenate([length[fw], length[bw]]),
            np.concatenate([travel_fw[fw], travel_bw[bw]]),
            np.concatenate([ways["way_id"].to_numpy()[seg_way[fw]], ways["way_id"].to_numpy()[seg_way[bw]]]),
            settings,
        )

    # -- persistence (see access.network.cache) --------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``np.savez`` (no pickled objects)."""
        meta = np.array([self.crs_epsg, self.connector_speed_kmh, self.max_snap_m], dtype=np.float64)
        arrays = {**{n: getattr(self, n) for n in _ARRAYS}, "mode": np.array(self.mode), "meta": meta}
        if self.snap_excluded_way_ids:
            arrays["snap_excluded_way_ids"] = np.asarray(self.snap_excluded_way_ids, dtype=np.int64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> StreetNetwork:
        meta = arrays["meta"]
        return cls(
            mode=str(arrays["mode"]),
            **{n: np.array(arrays[n]) for n in _ARRAYS},
            crs_epsg=int(meta[0]),
            connector_speed_kmh=float(meta[1]),
            max_snap_m=float(meta[2]),
            snap_excluded_way_ids=tuple(int(w) for w in arrays.get("snap_excluded_way_ids", ())),
        )


def _assemble(
    mode: str,
    node_id: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length_m: np.ndarray,
    travel_s: np.ndarray,
    way_id: np.ndarray,
    settings: StreetSettings,
) -> StreetNetwork:
    """Sort edges into CSR, optionally keep the largest strongly connected component."""
    n = len(node_id)
    if settings.largest_component:
        graph = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, label = connected_components(graph, directed=True, connection="strong")
        largest = np.argmax(np.bincount(label))
        keep_node = label == largest
        keep_edge = keep_node[u] & keep_node[v]
        new_index = np.cumsum(keep_node) - 1
        u, v = new_index[u[keep_edge]], new_index[v[keep_edge]]
        length_m, travel_s, way_id = length_m[keep_edge], travel_s[keep_edge], way_id[keep_edge]
        node_id, lon, lat = node_id[keep_node], lon[keep_node], lat[keep_node]
        n = len(node_id)
    if len(u) == 0:
        raise NetworkError(f"the {mode} network has no connected edges.")
    order = np.lexsort((v, u))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    epsg = utm_epsg(float(np.median(lon)), float(np.median(lat)))
    x, y = to_projected(lon, lat, epsg)
    if np.any(travel_s > np.iinfo(np.int32).max // 4):
        raise NetworkError("an edge takes longer than 17 years; check speeds and lengths.")
    return StreetNetwork(
        mode=mode,
        node_id=np.ascontiguousarray(node_id, dtype=np.int64),
        lon=np.ascontiguousarray(lon, dtype=np.float64),
        lat=np.ascontiguousarray(lat, dtype=np.float64),
        x=x,
        y=y,
        indptr=indptr,
        indices=np.ascontiguousarray(v[order], dtype=np.int32),
        travel_s=np.ascontiguousarray(travel_s[order], dtype=np.int32),
        length_m=np.ascontiguousarray(length_m[order], dtype=np.float32),
        way_id=np.ascontiguousarray(way_id[order], dtype=np.int64),
        crs_epsg=epsg,
        connector_speed_kmh=float(settings.connector_speed_kmh.get(mode, settings.walk_speed_kmh)),
        max_snap_m=float(settings.max_snap_m),
    )
