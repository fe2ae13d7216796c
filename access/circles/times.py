"""Zone <-> centre travel times: the routing behind a commuting circle."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from access._geo import to_projected
from access.circles.centres import Centre, resolve_centres
from access.circles.definition import CircleDefinition, resolve_definition
from access.circles.zones import as_zones, zone_samples
from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_MODE, MAX_TIME_LIMIT_MIN
from access.io.points import as_points
from access.network.multimodal import Network
from access.network.snap import snap_points
from access.routing.matrix import travel_times

__all__ = ["centre_travel_times", "centre_times", "routing_kwargs", "TRANSIT_KEYS"]

TRANSIT_KEYS = ("departure", "window_min", "percentile", "access_mode", "arrive_by")  # definition fields


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
    overrides = {k: routing.pop(k) for k in TRANSIT_KEYS if k in routing}
    spec = resolve_definition(
        None, mode=mode, direction=direction, statistic=statistic, zone_points=zone_points, **overrides
    )
    zone_frame = as_zones(zones, None, None)
    centre_list = resolve_centres(centres, zone_frame, network, spec.mode)
    return centre_times(network, zone_frame, centre_list, spec, progress, routing)


def routing_kwargs(spec: CircleDefinition, routing: dict, cutoffs: Sequence[float]) -> dict:
    kwargs = dict(routing)
    kwargs.setdefault("max_time_min", min(max(DEFAULT_MAX_TIME_MIN, max(cutoffs)), MAX_TIME_LIMIT_MIN))
    if spec.mode == "transit":
        kwargs |= {"window_min": spec.window_min, "access_mode": spec.access_mode}
        if spec.arrive_by is None:
            kwargs["departure"] = spec.departure
    if spec.arrive_by is not None:  # arrive at the destination (the centre, to_centre) by then
        kwargs["arrive_by"] = spec.arrive_by
    return kwargs


def centre_times(
    network: Network,
    zones: gpd.GeoDataFrame,
    centres: list[Centre],
    spec: CircleDefinition,
    progress: bool,
    routing: dict,
) -> pd.DataFrame:
    """Long table zone_id, centre, travel_time_min."""

    zone_xy, owner = zone_samples(zones, spec.zone_points)
    if len(zone_xy) > len(zones):  # extra interior points off the network stand for nothing: drop them
        street = network.street("walk" if spec.mode == "transit" else spec.mode)
        ok = snap_points(street, *to_projected(zone_xy[:, 0], zone_xy[:, 1], street.crs_epsg)).ok
        first = np.r_[True, owner[1:] != owner[:-1]]  # each zone's representative point stays
        keep = ok | first
        zone_xy, owner = zone_xy[keep], owner[keep]
    centre_xy = np.vstack([c.points for c in centres])
    centre_of = np.repeat(np.arange(len(centres)), [len(c.points) for c in centres])
    kwargs = routing_kwargs(spec, routing, spec.cutoffs_min)
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
