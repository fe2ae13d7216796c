"""Regional networks: places joined by roads (approximate or OSM) and HSR / intercity rail.

Where no OSM extract covers a region, places are joined by an explicit approximation:
great-circle distance x detour factor at incremental distance-band speeds
(:class:`access.config.RegionalSettings`). Every result built on it says ``approximate``.
Rail comes from GTFS feeds (files, in-memory tables, read feeds) and rail line specs; it is
routed with range-RAPTOR on a :class:`TransitNetwork` built without a street network.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access._geo import haversine_m
from access.config import DEFAULT_PERCENTILES, RegionalSettings, TransitSettings
from access.errors import InputError
from access.io.places import as_places
from access.network.transit import TransitNetwork

__all__ = [
    "RegionalNetwork",
    "ApproxRoads",
    "StreetRoads",
    "RegionalWarning",
    "approx_road_seconds",
    "approx_road_km",
    "read_rail_feeds",
]

DEFAULT_REGIONAL_WINDOW_MIN = 60  # minutes: the 60-minute morning window of the issue


class RegionalWarning(UserWarning):
    """Something in a regional model is suspicious (e.g. stations far from every place)."""


def approx_road_km(lon1, lat1, lon2, lat2, settings: RegionalSettings | None = None) -> np.ndarray:
    """Approximate road distance in km: great-circle distance x ``detour_factor`` (broadcasts)."""
    settings = settings or RegionalSettings()
    return haversine_m(lon1, lat1, lon2, lat2) / 1000.0 * settings.detour_factor


def _banded_seconds(km: np.ndarray, limits: Sequence[float], speeds: Sequence[float]) -> np.ndarray:
    """Seconds to drive ``km`` with the first band at the first speed, the next at the next …"""
    lows = (0.0, *limits)
    highs = (*limits, np.inf)
    seconds = np.zeros(np.shape(km), dtype=np.float64)
    for lo, hi, kmh in zip(lows, highs, speeds, strict=True):
        seconds += np.clip(km - lo, 0.0, hi - lo) / kmh * 3600.0
    return seconds


def approx_road_seconds(lon1, lat1, lon2, lat2, settings: RegionalSettings | None = None) -> np.ndarray:
    """Approximate car travel time in float seconds between EPSG:4326 points (broadcasts).

    Road distance = great-circle x ``settings.detour_factor``; driven at
    ``band_speeds_kmh`` band by band (the first ``band_limits_km[0]`` km of every trip at
    the first speed, …), so time grows strictly with distance. Defaults and their sources:
    :mod:`access.config` (``REGIONAL_*``).
    """
    settings = settings or RegionalSettings()
    km = approx_road_km(lon1, lat1, lon2, lat2, settings)
    return _banded_seconds(km, settings.band_limits_km, settings.band_speeds_kmh)


class ApproxRoads:
    """Road times from the great-circle x detour model (``approximate = True``)."""

    approximate = True
    label = "approximate road model (great-circle x detour, speed bands)"

    def __init__(self, settings: RegionalSettings | None = None) -> None:
        self.settings = settings or RegionalSettings()

    def seconds(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """``(len(src), len(dst))`` float seconds between ``(n, 2)`` lon/lat arrays."""
        src, dst = np.asarray(src, float), np.asarray(dst, float)
        return approx_road_seconds(src[:, :1], src[:, 1:2], dst[None, :, 0], dst[None, :, 1], self.settings)


class StreetRoads:
    """Road times on an OSM car network (``access.build_network(osm, ("car",))``); points
    further than the snapping distance from every road are unreachable (inf)."""

    approximate = False
    label = "OSM car street network"

    def __init__(self, network) -> None:
        self.network = network

    def seconds(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        import warnings as _w

        from access.config import MAX_TIME_LIMIT_MIN
        from access.errors import OffNetworkWarning
        from access.routing.street import street_travel_times

        def frame(xy):
            xy = np.asarray(xy, float)
            return pd.DataFrame({"id": np.arange(len(xy)), "lon": xy[:, 0], "lat": xy[:, 1]})

        with _w.catch_warnings():
            _w.simplefilter("ignore", OffNetworkWarning)
            table = street_travel_times(
                self.network, frame(src), frame(dst), mode="car", max_time_min=MAX_TIME_LIMIT_MIN
            )
        minutes = table["travel_time_min"].to_numpy(np.float64).reshape(len(src), len(dst))
        return np.where(np.isnan(minutes), np.inf, minutes * 60.0)


def _as_spec(item, k: int):
    from access.io.rail_spec import RailSpec, parse_rail_spec, read_rail_spec

    if isinstance(item, RailSpec):
        return item
    if isinstance(item, Mapping):
        return parse_rail_spec(dict(item), label=f"rail spec #{k + 1}")
    return read_rail_spec(item)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count + 1}")
    return out


def read_rail_feeds(
    gtfs: Sequence = (), rail_specs: Sequence = (), *, gtfs_names: Sequence[str] | None = None, service_date=None
):
    """One merged :class:`~access.io.gtfs.GtfsFeed` of GTFS sources and rail specs.

    ``gtfs`` items: a path (.zip / folder), a mapping of GTFS tables
    (``{"stops": DataFrame, ...}``, as :func:`access.io.rail_spec.rail_spec_to_gtfs` gives) or
    an already read ``GtfsFeed``. ``rail_specs``: paths, :class:`RailSpec` objects or
    mappings. Ids are namespaced ``"name:id"`` (file stem, ``feed<k>``, ``rail_<slug>``).
    Returns ``(feed, rail_feed_names)``.
    """
    from access.io.gtfs import GtfsFeed, read_gtfs

    gtfs, rail_specs = list(gtfs or ()), list(rail_specs or ())
    if not gtfs and not rail_specs:
        raise InputError("no rail given: pass gtfs=[...] or rail_specs=[...].")
    specs = [_as_spec(item, k) for k, item in enumerate(rail_specs)]
    if gtfs_names is None:
        gtfs_names = [
            (s.name or f"feed{k}")
            if isinstance(s, GtfsFeed)
            else f"feed{k}"
            if isinstance(s, Mapping)
            else Path(s).name.split(".")[0]
            for k, s in enumerate(gtfs)
        ]
    if len(gtfs_names) != len(gtfs):
        raise InputError(f"gtfs_names has {len(gtfs_names)} names for {len(gtfs)} feeds.")
    names = _unique([*gtfs_names, *[f"rail_{s.slug}" for s in specs]])
    from access.io.rail_spec import rail_spec_to_gtfs

    sources = [*gtfs, *[rail_spec_to_gtfs(s) for s in specs]]
    feeds = []
    for source, name in zip(sources, names, strict=True):
        if isinstance(source, GtfsFeed):
            if service_date is not None and str(source.service_date) != str(service_date):
                raise InputError(f"GTFS feed {name} was read for {source.service_date}, not {service_date}.")
            feed = source
        else:
            feed = read_gtfs(source, service_date=service_date, name=name)
        service_date = service_date or feed.service_date
        feeds.append(feed)
    merged = GtfsFeed(
        name="+".join(names),
        service_date=feeds[0].service_date,
        stops=pd.concat([f.stops for f in feeds], ignore_index=True),
        routes=pd.concat([f.routes for f in feeds], ignore_index=True),
        trips=pd.concat([f.trips for f in feeds], ignore_index=True),
        stop_times=pd.concat([f.stop_times for f in feeds], ignore_index=True),
        transfers=pd.concat([f.transfers for f in feeds], ignore_index=True),
        warnings=tuple(f"{n}: {w}" for f, n in zip(feeds, names, strict=True) for w in f.warnings),
        date_range=(min(f.date_range[0] for f in feeds), max(f.date_range[1] for f in feeds)),
    )
    return merged, frozenset(names[len(gtfs) :])


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
            from access.network.multimodal import build_network

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
            penalty = _station_penalties_s(transit, settings)
            transit = _regional_copy(transit, settings)
            notes += _far_stations(places, transit, settings)
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
        stops = np.c_[self.transit.stop_lon, self.transit.stop_lat]
        access = self.roads.seconds(self._xy(), stops)
        egress = access.T.copy() if self.roads.approximate else self.roads.seconds(stops, self._xy())
        limit = self.settings.max_access_min * 60.0
        access[access > limit] = np.inf
        egress[egress > limit] = np.inf
        extra = self.station_penalty_s - self.transit.stop_board_penalty_s  # >= 0
        return np.rint(access + extra[None, :]), np.rint(egress)

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
        from access.routing.matrix import check_percentiles
        from access.routing.transit import parse_departures

        pct = check_percentiles(percentiles)
        road = self.road_seconds()
        rows = np.arange(len(self.places)) if origins is None else np.asarray(origins, dtype=np.int64)
        if self.transit is None:
            return road[rows], np.repeat(road[rows][None], len(pct), axis=0)
        departures = parse_departures(departure, window_min)
        from access.regional._rail import rail_matrix_seconds

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
        percentile: float = 50,
        max_time_min: float | None = None,
        origins=None,
        progress: bool = False,
    ) -> pd.DataFrame:
        """Long table ``from_id, to_id, from_name, to_name, road_min, road_rail_min,
        approximate``: minutes by road and by road + rail (door to door, waiting at the
        origin included, ``percentile`` over departures every minute of the window);
        NaN beyond ``max_time_min`` (no limit by default) or unreachable."""
        from access.io.places import find_place

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
        from shapely.geometry import LineString

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


def _station_penalties_s(transit: TransitNetwork, settings: RegionalSettings) -> np.ndarray:
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


def _regional_copy(transit: TransitNetwork, settings: RegionalSettings) -> TransitNetwork:
    """The same network with every boarding costing ``min_transfer_min`` (or the
    station's penalty where that is smaller); the rest of the station penalty moves to
    the access leg, so the first boarding costs the full penalty and a change of trains
    the minimum transfer time."""
    m = int(round(settings.min_transfer_min * 60))
    per_stop = np.minimum(_station_penalties_s(transit, settings), m).astype(np.int32)
    return replace(transit, board_penalty_s=np.full_like(transit.board_penalty_s, m), stop_board_penalty_s=per_stop)


def _far_stations(places: pd.DataFrame, transit: TransitNetwork, settings: RegionalSettings) -> list[str]:
    """Stations further than ``station_warn_km`` from every place, named with distances."""
    if transit.n_stops == 0:
        return []
    from scipy.spatial import cKDTree

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
