"""Where a street network's data ends: the nodes at the edge of the extract, and whether a
search from a point reaches them within its budget (then its results are cut by the extract,
not by the budget)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from access._kernels.dijkstra import UNREACHED, one_to_all
from access.config import EXTENT_EDGE_M
from access.errors import ExtentWarning

if TYPE_CHECKING:
    from access.network.snap import Snapped
    from access.network.street import StreetNetwork

__all__ = ["Extent", "find_extent", "seconds_to_extent", "points_reach_extent", "extent_ids", "warn_extent"]


@dataclass(frozen=True)
class Extent:
    """The edge of a street network's data (see :func:`find_extent`).

    ``to_s[n]``: seconds from node ``n`` to the nearest edge node along the streets;
    ``from_s[n]``: from the nearest edge node to ``n`` (arrive-by); inf where none is reached."""

    nodes: np.ndarray  # int32 indices of the nodes where streets leave the data
    to_s: np.ndarray  # float64 seconds
    from_s: np.ndarray  # float64 seconds


def find_extent(street: StreetNetwork, edge_m: float = EXTENT_EDGE_M) -> Extent:
    """The nodes where streets leave the data: dead ends (one neighbour) within ``edge_m``
    metres of the bounding box of all nodes, which is where a rectangular extract (osmium,
    Overpass, BBBike, r5r's examples) cut its ways. A street that simply ends inside the
    area is not one; neither is a dead end on a shore that happens to bound the data (the
    convex hull would take Porto Alegre's waterfront paths for cuts). Cuts of a
    polygon-shaped extract away from its bounding box are not recognised.

    Built once per network as :attr:`StreetNetwork.extent` (two Dijkstra searches)."""
    nodes = np.empty(0, dtype=np.int32)
    if street.n_nodes:
        x, y = street.x, street.y
        inside_m = np.minimum.reduce([x - x.min(), x.max() - x, y - y.min(), y.max() - y])
        near = np.flatnonzero(inside_m <= edge_m)
        nodes = near[[_dead_end(street, n) for n in near]].astype(np.int32)
    return Extent(nodes, _seconds(street, nodes, reverse=True), _seconds(street, nodes, reverse=False))


def _dead_end(street: StreetNetwork, node: int) -> bool:
    """Whether ``node`` has a single neighbour, edges in and out counted together."""
    out = street.indices[street.indptr[node] : street.indptr[node + 1]]
    reverse = street.reverse
    into = reverse.indices[reverse.indptr[node] : reverse.indptr[node + 1]]
    neighbours = set(out.tolist()) | set(into.tolist())
    neighbours.discard(node)  # a self-loop is no way out
    return len(neighbours) == 1


def _seconds(street: StreetNetwork, nodes: np.ndarray, *, reverse: bool) -> np.ndarray:
    """Seconds from every node to the nearest of ``nodes`` (reverse graph), or from them."""
    if len(nodes) == 0:
        return np.full(street.n_nodes, np.inf)
    indptr, indices, travel = street.reverse if reverse else (street.indptr, street.indices, street.travel_s)
    dist = one_to_all(indptr, indices, travel, nodes, np.zeros(len(nodes), dtype=np.int64), 2**62)
    return np.where(dist == UNREACHED, np.inf, dist.astype(np.float64))


def seconds_to_extent(street: StreetNetwork, snapped: Snapped, *, inbound: bool = False) -> np.ndarray:
    """Per snapped point: seconds along the streets from it to the nearest edge of the data
    (``inbound``: from the edge to it); inf where none is reached or the point is off the network."""
    extent = street.extent
    if inbound:  # from the edge node to a or b, then along the edge into the point
        seconds = np.minimum(extent.from_s[snapped.a] + snapped.from_a, extent.from_s[snapped.b] + snapped.from_b)
    else:
        seconds = np.minimum(snapped.to_a + extent.to_s[snapped.a], snapped.to_b + extent.to_s[snapped.b])
    return np.where(snapped.ok, seconds, np.inf)


def points_reach_extent(
    street: StreetNetwork, snapped: Snapped, budget_s: float, *, inbound: bool = False
) -> np.ndarray:
    """Per snapped point (bool): whether its search reaches the edge of the data in less
    than ``budget_s`` seconds, so places it could reach beyond the extract are missing from
    its results (``inbound``: the search *to* the point, from the edge, as arrive-by)."""
    return seconds_to_extent(street, snapped, inbound=inbound) < budget_s


def extent_ids(
    street: StreetNetwork, snapped: Snapped, ids: np.ndarray, budget_s: float, *, inbound: bool = False
) -> list:
    """The ids (a list, for ``DataFrame.attrs``) of the points whose search reaches the edge
    of the data within ``budget_s`` (see :func:`points_reach_extent`)."""
    return ids[points_reach_extent(street, snapped, budget_s, inbound=inbound)].tolist()


def warn_extent(
    street: StreetNetwork,
    snapped: Snapped,
    ids: np.ndarray,
    budget_s: float,
    *,
    inbound: bool = False,
    what: str = "origins",
) -> np.ndarray:
    """The ids of the points whose search reaches the edge of the data within ``budget_s``
    (see :func:`points_reach_extent`), with an :class:`ExtentWarning` naming how many."""
    reach = points_reach_extent(street, snapped, budget_s, inbound=inbound)
    if reach.any():
        first = ids[int(np.argmax(reach))]
        warnings.warn(
            f"{int(reach.sum())} of {len(reach)} {what} (first: id {first}) reach the edge of the {street.mode} "
            f"street data within the {budget_s / 60:g}-min budget: places beyond the extract are missing "
            "from their results (NaN), not out of reach; use a larger extract to include them.",
            ExtentWarning,
            stacklevel=3,
        )
    return ids[reach]
