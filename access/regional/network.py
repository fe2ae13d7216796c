"""Regional networks: places joined by roads (approximate or OSM) and HSR / intercity rail.

Where no OSM extract covers a region, places are joined by an explicit approximation:
great-circle distance x detour factor at incremental distance-band speeds
(:class:`access.config.RegionalSettings`). Every result built on it says ``approximate``.
Rail comes from GTFS feeds (files, in-memory tables, read feeds) and rail line specs; it is
routed with range-RAPTOR on a :class:`TransitNetwork` built without a street network.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from access.config import (
    DEFAULT_PERCENTILE,
    DEFAULT_PERCENTILES,
    DEFAULT_REGIONAL_WINDOW_MIN,
    RegionalSettings,
    TransitSettings,
)
from access.io.places import as_places, find_place
from access.network.multimodal import build_network
from access.network.transit import TransitNetwork
from access.regional._rail import rail_matrix_seconds
from access.regional.feeds import read_rail_feeds
from access.regional.roads import ApproxRoads, StreetRoads, approx_road_km, approx_road_seconds
from access.regional.stations import far_stations, regional_copy, station_legs, station_penalties_s
from access.routing.matrix import check_percentiles
from access.routing.transit import parse_departures

__all__ = [
    "RegionalNetwork",
    "ApproxRoads",
    "StreetRoads",
    "RegionalWarning",
    "approx_road_seconds",
    "approx_road_km",
    "read_rail_feeds",
]


class RegionalWarning(UserWarning):
    """Something in a regional model is suspicious (e.g. stations far from every place)."""


@dataclass(frozen=True, eq=False)
class RegionalNetwork:
    """Places, roads between them and (optionally) scheduled rail, for cluster analyses.

    Build with :meth:`build` (from files / tables) or :meth:`from_transit`. ``transit`` is
    a regional copy of the rail network: every boarding costs ``min_transfer_min`` and the
    station access penalty beyond that (security check) is charged on the road leg to the
    first station, so changing trains costs the minimum transfer time only.
    """

    places: gpd.GeoDataFrame
    roads: ApproxRoads | StreetRoads
    transit: TransitNetwork | None
    settings: RegionalSettings
    transit_settings: TransitSettings
    station_penalty_s: np.ndarray  # int32 per stop: first-boarding penalty (route's, max over routes)
    warnings: tuple[str, ...] = ()

    @property
    def approximate(self) -> bool:
        """Whether road times come from the great-circle x detour approximation."""
        return bool(self.roads.approximate)

    def __repr__(self) -> str:
        rail = repr(self.transit) if self.transit is not None else "no rail"
        return f"RegionalNetwork({len(self.places):,} places, {self.roads.label}; {rail})"

    @classmethod
    def build(
        cls,
        places,
        *,
        rail_specs: Sequence = (),
        gtfs: Sequence = (),
        gtfs_names: Sequence[str] | None = None,
        service_date=None,
        osm: str | Path | None = None,
        settings: RegionalSettings | None = None,
        transit_settings: TransitSettings | None = None,
        units: float = 1.0,
        cache_dir: str | Path | None = None,
    ) -> RegionalNetwork:
        """A regional network of ``places`` (a place table, see :func:`access.io.places.as_places`;
        ``units`` scales populations when a plain DataFrame is given), roads (approximate,
        or the car network of ``osm``) and rail (``gtfs`` feeds and ``rail_specs``)."""
        settings = settings or RegionalSettings()
        transit_settings = transit_settings or TransitSettings()
        if osm is not None:
            roads: ApproxRoads | StreetRoads = StreetRoads(build_network(osm, ("car",), cache_dir=cache_dir))
        else:
            roads = ApproxRoads(settings)
        transit = None
        if gtfs or rail_specs:
            feed, rail_feeds = read_rail_feeds(gtfs, rail_specs, gtfs_names=gtfs_names, service_date=service_date)
            transit = TransitNetwork.from_feed(
                feed, None, transit_settings, rail_feeds=rail_feeds, transfer_radius_m=settings.transfer_radius_m
            )
        return cls.from_transit(
            places, transit, roads=roads, settings=settings, transit_settings=transit_settings, units=units
        )

    @classmethod
    def from_transit(
        cls,
        places,
        transit: TransitNetwork | None,
        *,
        roads: ApproxRoads | StreetRoads | None = None,
        settings: RegionalSettings | None = None,
        transit_settings: TransitSettings | None = None,
        units: float = 1.0,
    ) -> RegionalNetwork:
        """A regional network over an already built :class:`TransitNetwork` (any stops)."""
        settings = settings or RegionalSettings()
        if not isinstance(places, gpd.GeoDataFrame) or not set(("id", "name", "lon", "lat")) <= set(places.columns):
            places = as_places(places, units=units)
        places = places.reset_index(drop=True)
        notes: list[str] = []
        penalty = np.zeros(0, dtype=np.int32)
        if transit is not None:
            penalty = station_penalties_s(transit, settings)
            transit = regional_copy(transit, settings)
            notes += far_stations(places, transit, settings)
        for note in notes:
            warnings.warn(note, RegionalWarning, stacklevel=3)
        return cls(
            places=places,
            roads=roads or ApproxRoads(settings),
            transit=transit,
            settings=settings,
            transit_settings=transit_settings or TransitSettings(),
            station_penalty_s=penalty,
            warnings=tuple(notes),
        )

    # ---- arrays --------------------------------------------------------------------------
    def _xy(self) -> np.ndarray:
        return self.places[["lon", "lat"]].to_numpy(np.float64)

    def road_seconds(self) -> np.ndarray:
        """``(n_places, n_places)`` float seconds by road (inf: unreachable), built once."""
        return self._road_seconds

    @cached_property
    def _road_seconds(self) -> np.ndarray:
        seconds = self.roads.seconds(self._xy(), self._xy())
        np.fill_diagonal(seconds, 0.0)
        return seconds

    def _station_legs(self) -> tuple[np.ndarray, np.ndarray]:
        """(access, egress) road seconds place -> stop and stop -> place, inf beyond
        ``max_access_min``; access includes the station penalty beyond a transfer."""
        return self._legs

    @cached_property
    def _legs(self) -> tuple[np.ndarray, np.ndarray]:
        return station_legs(self.roads, self._xy(), self.transit, self.station_penalty_s, self.settings)

    def travel_seconds(
        self,
        *,
        departure=None,
        window_min: float = DEFAULT_REGIONAL_WINDOW_MIN,
        percentiles: Sequence[float] = DEFAULT_PERCENTILES,
        origins: Sequence[int] | None = None,
        progress: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Road seconds ``(n_o, n)`` and door-to-door road+rail seconds ``(n_pct, n_o, n)``
        (min of the direct road and road + rail + road, per departure minute, then the
        window percentile; inf: unreachable) from ``origins`` (row positions; all)."""

        pct = check_percentiles(percentiles)
        road = self.road_seconds()
        rows = np.arange(len(self.places)) if origins is None else np.asarray(origins, dtype=np.int64)
        if self.transit is None:
            return road[rows], np.repeat(road[rows][None], len(pct), axis=0)
        departures = parse_departures(departure, window_min)

        rail = rail_matrix_seconds(
            self.transit,
            *self._station_legs(),
            road,
            rows,
            departures.seconds,
            pct,
            self.transit_settings.max_transfers,
            progress=progress,
        )
        return road[rows], rail

    def travel_times(
        self,
        *,
        departure=None,
        window_min: float = DEFAULT_REGIONAL_WINDOW_MIN,
        percentile: float = DEFAULT_PERCENTILE,
        max_time_min: float | None = None,
        origins=None,
        progress: bool = False,
    ) -> pd.DataFrame:
        """Long table ``from_id, to_id, from_name, to_name, road_min, road_rail_min,
        approximate``: minutes by road and by road + rail (door to door, waiting at the
        origin included, ``percentile`` over departures every minute of the window);
        NaN beyond ``max_time_min`` (no limit by default) or unreachable."""

        rows = None if origins is None else find_place(self.places, origins)
        road, rail = self.travel_seconds(
            departure=departure, window_min=window_min, percentiles=(percentile,), origins=rows, progress=progress
        )
        rail = np.minimum(rail[0], road)
        ids = self.places["id"].to_numpy()
        names = self.places["name"].to_numpy()
        o = np.arange(len(ids)) if rows is None else rows
        n_o, n = road.shape
        out = pd.DataFrame(
            {
                "from_id": np.repeat(ids[o], n),
                "to_id": np.tile(ids, n_o),
                "from_name": np.repeat(names[o], n),
                "to_name": np.tile(names, n_o),
                "road_min": (road / 60.0).ravel(),
                "road_rail_min": (rail / 60.0).ravel(),
            }
        )
        for column in ("road_min", "road_rail_min"):
            values = out[column].to_numpy().copy()
            values[~np.isfinite(values)] = np.nan
            if max_time_min is not None:
                values[values > max_time_min] = np.nan
            out[column] = values
        out["approximate"] = self.approximate
        return out

    def lines(self) -> gpd.GeoDataFrame:
        """One LineString per rail route through its longest stopping pattern (the
        all-stations run, which follows the alignment best), EPSG:4326."""

        t = self.transit
        if t is None:
            return gpd.GeoDataFrame({"route_id": [], "route_name": [], "stops": []}, geometry=[], crs=4326)
        n_stops = np.diff(t.pattern_stop_ptr)
        rows = []
        for route in np.unique(t.pattern_route):
            patterns = np.flatnonzero(t.pattern_route == route)
            p = patterns[np.argmax(n_stops[patterns])]
            stops = t.pattern_stops[t.pattern_stop_ptr[p] : t.pattern_stop_ptr[p + 1]]
            rows.append(
                {
                    "route_id": t.route_id[route],
                    "route_name": t.route_name[route],
                    "stops": " - ".join(t.stop_name[stops]),
                    "geometry": LineString(np.c_[t.stop_lon[stops], t.stop_lat[stops]]),
                }
            )
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
