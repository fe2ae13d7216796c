"""Stations of a regional network: first-boarding penalties, the regional copy of the rail
network (boardings cost a transfer, the rest of the penalty rides on the access leg), the
road legs place -> station -> place, and stations far from every place."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from access._geo import haversine_m
from access.config import RegionalSettings
from access.network.transit import TransitNetwork

__all__ = ["station_penalties_s", "regional_copy", "station_legs", "far_stations"]


def station_penalties_s(transit: TransitNetwork, settings: RegionalSettings) -> np.ndarray:
    """First-boarding penalty per stop: ``settings.station_penalty_min`` when set, else the
    stop's override, else the largest penalty of the routes boarding there (HSR security
    check)."""
    if settings.station_penalty_min is not None:
        return np.full(transit.n_stops, int(round(settings.station_penalty_min * 60)), dtype=np.int32)
    pattern_of_entry = transit.stop_pattern
    per_entry = transit.board_penalty_s[pattern_of_entry].astype(np.int64)
    counts = np.diff(transit.stop_pattern_ptr)
    owner = np.repeat(np.arange(transit.n_stops), counts)
    out = np.zeros(transit.n_stops, dtype=np.int64)
    np.maximum.at(out, owner, per_entry)
    override = transit.stop_board_penalty_s
    return np.where(override >= 0, override, out).astype(np.int32)


def regional_copy(transit: TransitNetwork, settings: RegionalSettings) -> TransitNetwork:
    """The same network with every boarding costing ``min_transfer_min`` (or the
    station's penalty where that is smaller); the rest of the station penalty moves to
    the access leg, so the first boarding costs the full penalty and a change of trains
    the minimum transfer time."""
    m = int(round(settings.min_transfer_min * 60))
    per_stop = np.minimum(station_penalties_s(transit, settings), m).astype(np.int32)
    return replace(transit, board_penalty_s=np.full_like(transit.board_penalty_s, m), stop_board_penalty_s=per_stop)


def far_stations(places: pd.DataFrame, transit: TransitNetwork, settings: RegionalSettings) -> list[str]:
    """Stations further than ``station_warn_km`` from every place, named with distances."""
    if transit.n_stops == 0:
        return []

    def xyz(lon, lat):
        lon, lat = np.radians(lon), np.radians(lat)
        return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]

    _, nearest = cKDTree(xyz(places["lon"].to_numpy(), places["lat"].to_numpy())).query(
        xyz(transit.stop_lon, transit.stop_lat)
    )
    km = (
        haversine_m(
            transit.stop_lon, transit.stop_lat, places["lon"].to_numpy()[nearest], places["lat"].to_numpy()[nearest]
        )
        / 1000.0
    )
    far = np.flatnonzero(km > settings.station_warn_km)
    if not len(far):
        return []
    far = far[np.argsort(-km[far])]
    names = places["name"].to_numpy()
    shown = ", ".join(f"{transit.stop_name[s]} ({km[s]:.0f} km from {names[nearest[s]]})" for s in far[:8])
    more = f" and {len(far) - 8} more" if len(far) > 8 else ""
    return [
        f"{len(far)} of {transit.n_stops} stations lie more than {settings.station_warn_km:.0f} km from every "
        f"place: {shown}{more}; check their coordinates or add places near them."
    ]


def station_legs(
    roads, places_xy: np.ndarray, transit: TransitNetwork, station_penalty_s: np.ndarray, settings: RegionalSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(access, egress) road seconds place -> stop ``(n_places, n_stops)`` and stop -> place
    ``(n_stops, n_places)``, inf beyond ``settings.max_access_min``; access includes the
    station penalty beyond a transfer (what the regional copy does not charge at boarding)."""
    stops = np.c_[transit.stop_lon, transit.stop_lat]
    access = roads.seconds(places_xy, stops)
    egress = access.T.copy() if roads.approximate else roads.seconds(stops, places_xy)
    limit = settings.max_access_min * 60.0
    access[access > limit] = np.inf
    egress[egress > limit] = np.inf
    extra = station_penalty_s - transit.stop_board_penalty_s  # >= 0
    return np.rint(access + extra[None, :]), np.rint(egress)
