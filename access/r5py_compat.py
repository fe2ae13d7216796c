"""r5py's nouns on our engine: ``from access import r5py_compat as r5py``.

``TransportNetwork``, ``TravelTimeMatrix``, ``Isochrones`` and ``TransportMode`` follow
r5py's documented signatures, defaults and units (r5py 1.x, ``r5py.RegionalTask``):
minutes as whole numbers truncated like R5 (``seconds // 60``), percentiles chosen
without interpolation (R5's ``findPercentileIndex``), trips longer than ``max_time``
and unreachable pairs as NaN, a departure window of 10 minutes, walking 3.6 km/h and
cycling 12 km/h, at most 8 public-transport rides, no station penalties (R5 has none).
Everything runs on this project's own routing; no Java. The differences that remain are
listed in the README ("r5py compatibility").
"""

from __future__ import annotations

import datetime as dt
import enum
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from access._geo import to_lonlat
from access.config import ElevationSettings, IsochroneSettings, StreetSettings, TransitSettings
from access.errors import InputError
from access.io.gtfs import gtfs_date_range
from access.network.multimodal import build_network
from access.network.snap import snap_points
from access.routing.itineraries import itineraries, street_itineraries
from access.routing.matrix import travel_times
from access.surfaces.isochrones import isochrones as isochrone_polygons

__all__ = [
    "ElevationCostFunction",
    "TransportMode",
    "TransportNetwork",
    "TravelTimeMatrix",
    "Isochrones",
    "DetailedItineraries",
    "R5PY_DEFAULTS",
    "R5pyError",
    "GtfsFileError",
    "MissingColumnError",
    "NoCrsError",
    "NonUniqueIDError",
    "NoIDColumnError",
    "UnexpectedCrsError",
]

# r5py.RegionalTask defaults (r5py/r5/regional_task.py), in their own units.
R5PY_DEFAULTS = {
    "departure_time_window": dt.timedelta(minutes=10),
    "percentiles": (50,),
    "max_time": dt.timedelta(hours=2),
    "max_time_walking": dt.timedelta(hours=2),
    "max_time_cycling": dt.timedelta(hours=2),
    "max_time_driving": dt.timedelta(hours=2),
    "speed_walking": 3.6,  # km/h
    "speed_cycling": 12.0,  # km/h
    "max_public_transport_rides": 8,
}
_ISOCHRONES_DEFAULT_MIN = (0, 15, 30, 45)  # r5py: timedelta_range(0, 1 h, 15 min); 0 is dropped
_MAX_TRANSFERS_LIMIT = 10  # our RAPTOR's cap on transfers (access.config.TransitSettings)
# R5's TransitLayer distance tables: egress walks from stops reach at most 2,000 m and
# transfers between stops at most 1,000 m (WALK_DISTANCE_LIMIT_METERS,
# TRANSFER_DISTANCE_LIMIT_METERS in com.conveyal.r5.transit.TransitLayer).
R5_EGRESS_LIMIT_M = 2000.0  # metres
R5_TRANSFER_LIMIT_M = 1000.0  # metres


class R5pyError(InputError):
    """Base of r5py's exception classes (here also an :class:`access.InputError`, hence a
    ``ValueError``, as r5py's data errors are)."""


class GtfsFileError(R5pyError):
    """A GTFS feed cannot be loaded (raised at construction unless ``allow_errors``)."""


class MissingColumnError(R5pyError):
    """An input table lacks a required column."""


class NoIDColumnError(MissingColumnError):
    """Origins or destinations have no ``id`` column."""


class NonUniqueIDError(R5pyError):
    """Origin or destination ids are not unique."""


class NoCrsError(R5pyError):
    """Origins or destinations have no coordinate reference system."""


class UnexpectedCrsError(R5pyError):
    """A data set is in an unexpected coordinate reference system."""


class TransportMode(enum.Enum):
    """r5py's transport modes (same names and values); built from any case of the name
    (``TransportMode("walk")``), added up into lists (``TRANSIT + WALK``)."""

    @classmethod
    def _missing_(cls, value):
        return cls.__members__.get(str(value).upper()) if isinstance(value, str) else None

    def __add__(self, other):
        if isinstance(other, TransportMode):
            return [self, other]
        if isinstance(other, list):
            return [self, *other]
        raise TypeError(f"unsupported operand type(s) for '+': '{type(self).__name__}' and '{type(other).__name__}'")

    def __radd__(self, other):
        if isinstance(other, int) and other == 0:  # the start of sum()
            return self
        if isinstance(other, list):
            return [*other, self]
        return self.__add__(other)

    AIR = "AIR"
    BUS = "BUS"
    CABLE_CAR = "CABLE_CAR"
    FERRY = "FERRY"
    FUNICULAR = "FUNICULAR"
    GONDOLA = "GONDOLA"
    RAIL = "RAIL"
    SUBWAY = "SUBWAY"
    TRAM = "TRAM"
    TRANSIT = "TRANSIT"
    BICYCLE = "BICYCLE"
    CAR = "CAR"
    WALK = "WALK"
    BICYCLE_RENT = "BICYCLE_RENT"
    CAR_PARK = "CAR_PARK"

    @property
    def is_transit_mode(self) -> bool:
        return self.name in _TRANSIT_MODES

    @property
    def is_street_mode(self) -> bool:
        return self.name in ("BICYCLE", "CAR", "WALK")

    @property
    def is_leg_mode(self) -> bool:
        return self.name in ("BICYCLE", "CAR", "WALK", "BICYCLE_RENT", "CAR_PARK")


_TRANSIT_MODES = ("AIR", "BUS", "CABLE_CAR", "FERRY", "FUNICULAR", "GONDOLA", "RAIL", "SUBWAY", "TRAM", "TRANSIT")
_STREET = {"WALK": "walk", "BICYCLE": "bike", "CAR": "car", "CAR_PARK": "car"}


def _modes(values: Iterable, what: str) -> list[TransportMode]:
    try:
        return [TransportMode(v.name if isinstance(v, enum.Enum) else str(v).upper()) for v in values]
    except ValueError:
        raise InputError(
            f"{what}: unknown transport mode in {list(values)!r}; use r5py's TransportMode names."
        ) from None


class ElevationCostFunction(enum.Enum):
    """r5py's elevation cost functions: Tobler's hiking function, Minetti et al.'s effort
    (R5 applies the chosen one to walking and cycling; cars ignore slopes)."""

    TOBLER = "TOBLER"
    MINETTI = "MINETTI"

    @classmethod
    def _missing_(cls, value):
        return cls.__members__.get(str(value).upper())


def r5_rules() -> TransitSettings:
    """R5's transit rules: the ``TransitSettings`` preset ``r5`` (minimum board wait,
    truncating interpolation, connector speed ...) once the engine has it, else the
    defaults; the compat layer then sets r5py's own limits on top."""
    preset = getattr(TransitSettings, "r5", None)
    if callable(preset):
        return preset()
    if "preset" in TransitSettings.model_fields:
        return TransitSettings(preset="r5")
    return TransitSettings()


class TransportNetwork:
    """A street (+ transit) network from an OSM extract and GTFS feeds, as r5py's.

    ``elevation_model`` (a GeoTIFF of metres) makes walking and cycling follow slopes with
    ``elevation_cost_function`` under R5's rules (:meth:`access.config.ElevationSettings.r5`).
    Built (and cached on disk) per walking/cycling speed on first use: r5py sets speeds per
    query, our networks bake them into edge times.
    """

    def __init__(
        self,
        osm_pbf: str | Path,
        gtfs: Sequence[str | Path] | str | Path = (),
        elevation_model: str | Path | None = None,
        elevation_cost_function: ElevationCostFunction | str = ElevationCostFunction.TOBLER,
        allow_errors: bool = False,
        build_config=None,
    ):
        self.osm_pbf = Path(osm_pbf)
        self.gtfs = [Path(gtfs)] if isinstance(gtfs, str | Path) else [Path(p) for p in gtfs]
        if not self.osm_pbf.is_file():
            raise InputError(f"OSM file {self.osm_pbf} does not exist; check the path.")
        for feed in self.gtfs:
            if not feed.exists():
                raise InputError(f"GTFS feed {feed} does not exist; check the path.")
        if isinstance(elevation_model, list | tuple):
            if len(elevation_model) > 1:
                raise InputError("several elevation models: merge them into one GeoTIFF first (rasterio.merge).")
            elevation_model = elevation_model[0] if elevation_model else None
        self.elevation_model = Path(elevation_model) if elevation_model is not None else None
        if self.elevation_model is not None and not self.elevation_model.is_file():
            raise InputError(f"elevation model {self.elevation_model} does not exist; check the path.")
        try:
            cost = ElevationCostFunction(elevation_cost_function)
        except ValueError:
            raise InputError(
                f"unknown elevation_cost_function {elevation_cost_function!r}; use TOBLER or MINETTI."
            ) from None
        self.elevation_cost_function = cost
        self.allow_errors = bool(allow_errors)
        self._feed_dates = self._check_feeds()
        self._networks: dict = {}

    def _check_feeds(self) -> dict[Path, tuple[dt.date, dt.date]]:
        """Each feed's service date range; an unreadable feed is a :class:`GtfsFileError`
        (with ``allow_errors``: a RuntimeWarning, and the feed is left out)."""

        dates, usable = {}, []
        for feed in self.gtfs:
            try:
                dates[feed] = gtfs_date_range(feed)
                usable.append(feed)
            except (InputError, OSError, ValueError, KeyError) as exc:
                if not self.allow_errors:
                    raise GtfsFileError(f"Could not load GTFS file {feed.name}: {exc}") from None
                warnings.warn(
                    f"There were issues with GTFS file {feed.name} ({exc}); it is left out.",
                    RuntimeWarning,
                    stacklevel=3,
                )
        self.gtfs = usable
        return dates

    def covers(self, date: dt.date) -> bool:
        """Whether any GTFS feed has service dates around ``date`` (r5py's
        ``transit_layer.covers``: the feeds' calendar ranges)."""
        return any(first <= date <= last for first, last in self._feed_dates.values())

    def network(
        self, *, speed_walking: float, speed_cycling: float, service_date=None, rides: int = 8, transit: bool = True
    ):
        """The :class:`access.Network` for these speeds (km/h) and service date; street
        modes only when ``transit`` is False (street queries need no timetable day)."""

        gtfs = self.gtfs if transit else []
        key = (round(speed_walking, 6), round(speed_cycling, 6), str(service_date) if gtfs else None, rides)
        if key not in self._networks:
            settings = StreetSettings(
                walk_speed_kmh=speed_walking,
                bike_speed_kmh=speed_cycling,
                connector_speed_kmh={"walk": speed_walking, "bike": speed_cycling, "car": 20.0},
            )
            rules = r5_rules().model_copy(
                update={
                    "board_penalty_by_route_type_min": {},  # R5 has no boarding penalties
                    "rail_spec_board_penalty_min": 0.0,
                    "max_transfer_walk_min": R5_TRANSFER_LIMIT_M / (speed_walking / 3.6) / 60,
                    "max_transfers": min(max(rides - 1, 0), _MAX_TRANSFERS_LIMIT),
                }
            )
            self._networks[key] = build_network(
                self.osm_pbf,
                modes=("walk", "bike", "car"),
                settings=settings,
                gtfs=gtfs,
                service_date=service_date if gtfs else None,
                transit_settings=rules,
                progress=False,
                elevation=self.elevation_model,
                elevation_settings=ElevationSettings.r5(self.elevation_cost_function.name.lower()),
            )
        return self._networks[key]

    @property
    def extent(self) -> shapely.Polygon:
        """Bounding box of the street network (EPSG:4326)."""
        walk = self.network(
            speed_walking=R5PY_DEFAULTS["speed_walking"], speed_cycling=R5PY_DEFAULTS["speed_cycling"], transit=False
        ).street("walk")
        return shapely.box(walk.lon.min(), walk.lat.min(), walk.lon.max(), walk.lat.max())


def _minutes(value, what: str) -> float:
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 60
    if isinstance(value, int | float) and value > 0:
        return float(value)
    raise InputError(f"{what} must be a datetime.timedelta, got {value!r}.")


def _od(frame, what: str) -> gpd.GeoDataFrame:
    """r5py's origins/destinations check (``check_od_data_set``): a GeoDataFrame with a
    unique ``id`` column, a CRS and point geometries; returned in EPSG:4326."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{what} must be a geopandas.GeoDataFrame with an 'id' column and point geometries.")
    if "id" not in frame.columns:
        raise NoIDColumnError(f"{what}: data set must contain an 'id' column.")
    if not frame["id"].is_unique:
        raise NonUniqueIDError(f"{what}: id values must be unique.")
    if frame.crs is None:
        raise NoCrsError(f"{what}: data set has to have a coordinate reference system defined.")
    if not (frame.geometry.geom_type == "Point").all():
        raise InputError(f"{what} must have point geometries.")
    return frame.to_crs(4326)


class _Query:
    """The RegionalTask arguments resolved to our engine's mode, settings and window."""

    def __init__(
        self,
        departure=None,
        departure_time_window=R5PY_DEFAULTS["departure_time_window"],
        percentiles=R5PY_DEFAULTS["percentiles"],
        transport_modes=(TransportMode.TRANSIT,),
        access_modes=(TransportMode.WALK,),
        egress_modes=None,
        max_time=R5PY_DEFAULTS["max_time"],
        max_time_walking=None,
        max_time_cycling=None,
        max_time_driving=None,
        speed_walking=R5PY_DEFAULTS["speed_walking"],
        speed_cycling=R5PY_DEFAULTS["speed_cycling"],
        max_public_transport_rides=R5PY_DEFAULTS["max_public_transport_rides"],
        max_bicycle_traffic_stress=3,
        breakdown=False,
    ):
        if breakdown:
            raise InputError(
                "breakdown=True (per-leg details) is not supported by access.r5py_compat; use DetailedItineraries."
            )
        if departure is None:
            departure = dt.datetime.now().replace(second=0, microsecond=0)
            warnings.warn(
                "No routing departure time specified, using current date and time.", RuntimeWarning, stacklevel=4
            )
        self.departure = departure
        if not isinstance(self.departure, dt.datetime):
            raise InputError(f"departure must be a datetime.datetime, got {departure!r}.")
        self.window_min = _minutes(departure_time_window, "departure_time_window")
        if self.window_min < 5:
            warnings.warn(
                "The provided departure time window is below 5 minutes. This may cause adverse effects with routing.",
                RuntimeWarning,
                stacklevel=4,
            )
        if isinstance(percentiles, str) or not isinstance(percentiles, Sequence) or len(percentiles) > 5:
            raise InputError("Maximum number of percentiles allowed is 5 (R5's limit).")
        self.percentiles = [int(p) for p in percentiles]
        if not self.percentiles or any(not 0 < p <= 100 for p in self.percentiles):
            raise InputError(f"percentiles must lie in (0, 100], got {list(percentiles)}.")
        # r5py: each per-mode limit defaults to max_time
        self.max_time_min = _minutes(max_time, "max_time")
        self.max_walk_min = _minutes(max_time_walking, "max_time_walking") if max_time_walking else self.max_time_min
        self.max_bike_min = _minutes(max_time_cycling, "max_time_cycling") if max_time_cycling else self.max_time_min
        self.max_drive_min = _minutes(max_time_driving, "max_time_driving") if max_time_driving else self.max_time_min
        self.speed_walking = float(speed_walking)
        self.speed_cycling = float(speed_cycling)
        self.rides = int(max_public_transport_rides)
        modes = _modes(transport_modes, "transport_modes")
        transit = [m for m in modes if m.is_transit_mode]
        self.street_modes = [_STREET[m.name] for m in modes if m.name in ("WALK", "BICYCLE", "CAR")]
        if transit and any(m is not TransportMode.TRANSIT for m in transit):
            warnings.warn(
                "transit sub-modes (BUS, RAIL, ...) are routed as TRANSIT: every route of the feeds is used.",
                RuntimeWarning,
                stacklevel=4,
            )
        self.transit = bool(transit)
        access = _modes(access_modes, "access_modes")
        egress = _modes(egress_modes, "egress_modes") if egress_modes is not None else [TransportMode.WALK]
        if self.transit:
            unsupported = [m.name for m in access if m.name not in _STREET]
            if unsupported or len(access) != 1:
                raise InputError(
                    f"access_modes must be one of WALK, BICYCLE, CAR, CAR_PARK; got {[m.name for m in access]}."
                )
            self.access_mode = _STREET[access[0].name]
            if any(m is not TransportMode.WALK for m in egress):
                raise InputError("egress_modes other than WALK are not supported (egress is walked).")
        elif not self.street_modes:
            raise InputError("transport_modes has neither a transit mode nor WALK, BICYCLE or CAR.")

    def limit_min(self, mode: str) -> float:
        """The time budget of a direct street trip by ``mode`` (minutes)."""
        per_mode = {"walk": self.max_walk_min, "bike": self.max_bike_min, "car": self.max_drive_min}[mode]
        return min(per_mode, self.max_time_min)

    def network(self, transport_network: TransportNetwork):
        if not isinstance(transport_network, TransportNetwork):
            transport_network = TransportNetwork(*transport_network)
        transit = self.transit and bool(transport_network.gtfs)
        if transit and not transport_network.covers(self.departure.date()):
            warnings.warn(
                f"The currently loaded GTFS data sets do not define any services on {self.departure.date()}.",
                RuntimeWarning,
                stacklevel=4,
            )
            transit = False
        self.routes_transit = transit
        return transport_network.network(
            speed_walking=self.speed_walking,
            speed_cycling=self.speed_cycling,
            service_date=self.departure.date(),
            rides=self.rides,
            transit=transit,
        )

    def transit_settings(self, network) -> TransitSettings:
        """Walking limits of this query: access by max_time_walking (cycling by
        max_time_cycling, driving by max_time_driving), egress also by R5's 2,000 m distance
        tables (minutes)."""
        egress_min = min(self.max_walk_min, R5_EGRESS_LIMIT_M / (self.speed_walking / 3.6) / 60)
        access_min = self.max_bike_min if self.access_mode == "bike" else self.max_walk_min
        update = {
            "max_access_walk_min": min(access_min, self.max_time_min),
            "max_egress_walk_min": egress_min,
            "max_access_car_min": self.max_drive_min,
        }
        if "max_walk_min" in TransitSettings.model_fields:  # the direct walk: max_time_walking
            update["max_walk_min"] = min(self.max_walk_min, self.max_time_min)
        return network.transit_settings.model_copy(update=update)


def _r5_minutes(minutes: np.ndarray, max_time_min: float) -> np.ndarray:
    """R5's whole minutes: seconds // 60; trips of ``max_time_min`` or longer (R5 keeps
    ``time < maxTripDuration``) and unreachable pairs -> NaN."""
    seconds = np.rint(minutes * 60)
    out = np.floor_divide(seconds, 60)
    out[~np.isfinite(minutes) | (seconds >= max_time_min * 60)] = np.nan
    return out


def _budget_min(max_time_min: float) -> float:
    """Our (inclusive) search budget that keeps exactly R5's trips shorter than max_time."""
    return max_time_min - 1 / 60


class _R5pyFrame(gpd.GeoDataFrame):
    """A GeoDataFrame that also carries r5py's attributes (``origins``, ``destinations``,
    ``transport_network`` ...) without turning them into columns; derived frames are
    plain (Geo)DataFrames, as in r5py."""

    _r5py_attributes: tuple[str, ...] = ("origins", "destinations", "transport_network", "request", "snap_to_network")

    @property
    def _constructor(self):
        return _plain_frame

    @classmethod
    def _geodataframe_constructor_with_fallback(cls, *args, **kwargs):
        # geopandas rebuilds slices through this: give plain frames, never our class
        return _plain_frame(*args, **kwargs)

    def __setattr__(self, name, value):
        if name in self._r5py_attributes:
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)


def _plain_frame(*args, **kwargs):
    """geopandas' own fallback: a GeoDataFrame when a geometry column is left, else a DataFrame."""
    return gpd.GeoDataFrame._geodataframe_constructor_with_fallback(*args, **kwargs)


class TravelTimeMatrix(_R5pyFrame):
    """Travel times between many origins and destinations (r5py's ``TravelTimeMatrix``).

    A GeoDataFrame-backed table with ``from_id``, ``to_id`` and ``travel_time`` (median,
    the default) or one ``travel_time_p{NN}`` column per requested percentile (at most 5):
    whole minutes, NaN when not reachable within ``max_time``; ``.origins`` and
    ``.destinations`` are the points routed (EPSG:4326). Keyword arguments are r5py's
    ``RegionalTask`` ones (``departure``, ``departure_time_window``, ``percentiles``,
    ``transport_modes``, ``access_modes``, ``egress_modes``, ``max_time``,
    ``max_time_walking``, ``max_time_cycling``, ``max_time_driving`` (each defaulting to
    ``max_time``), ``speed_walking``, ``speed_cycling``, ``max_public_transport_rides``).
    """

    def __init__(self, transport_network, origins=None, destinations=None, snap_to_network=False, **kwargs):
        if origins is None:
            raise InputError("No routing origins defined.")
        origins = _od(origins, "origins")
        destinations = origins if destinations is None else _od(destinations, "destinations")
        query = _Query(**kwargs)
        table = _matrix(query.network(transport_network), origins, destinations, query)
        super().__init__(table)
        self.origins = origins
        self.destinations = destinations
        self.snap_to_network = snap_to_network
        self.request = query


def _matrix(network, origins, destinations, query: _Query) -> pd.DataFrame:
    """The r5py-shaped table for one query on our engine."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if query.transit and query.routes_transit:
            routed = replace(network, transit_settings=query.transit_settings(network))
            table = travel_times(
                routed,
                origins,
                destinations,
                mode="transit",
                max_time_min=_budget_min(query.max_time_min),
                departure=query.departure,
                window_min=query.window_min,
                percentiles=query.percentiles,
                access_mode=query.access_mode,
            )
            values = [table[c].to_numpy() for c in table.columns[2:] if str(c).startswith("travel_time")]
        else:
            # street modes (or transit on a day without service: the access mode alone)
            modes = query.street_modes if not query.transit else [query.access_mode, *query.street_modes]
            tables = [
                travel_times(network, origins, destinations, mode=m, max_time_min=_budget_min(query.limit_min(m)))
                for m in dict.fromkeys(modes)
            ]
            table = tables[0]
            best = np.fmin.reduce([t["travel_time_min"].to_numpy() for t in tables])
            values = [best for _ in query.percentiles]  # street times do not vary over the window
    out = pd.DataFrame({"from_id": table["from_id"].to_numpy(), "to_id": table["to_id"].to_numpy()})
    if query.percentiles == [50]:
        out["travel_time"] = _r5_minutes(values[0], query.max_time_min)
    else:
        for p, v in zip(query.percentiles, values, strict=True):
            out[f"travel_time_p{p:d}"] = _r5_minutes(v, query.max_time_min)
    return out


def _isochrone_index(isochrones) -> pd.TimedeltaIndex:
    """r5py's ``Isochrones.isochrones``: a TimedeltaIndex (integers are minutes) without 0."""
    index = isochrones if isinstance(isochrones, pd.TimedeltaIndex) else pd.to_timedelta(list(isochrones), unit="m")
    return index[index != pd.Timedelta(0)]


POINT_GRID_SEED = 0  # point_grid_sample_ratio draws the same points every run


class Isochrones(_R5pyFrame):
    """Lines of equal travel time from one or more origins (r5py 1.x ``Isochrones``).

    A GeoDataFrame (EPSG:4326) with ``travel_time`` (``Timedelta``) and ``geometry`` (the
    isochrone's boundary as a ``MultiLineString``), one row per isochrone of
    ``isochrones`` (minutes or timedeltas; r5py's default 15, 30, 45 — zero is dropped).
    Several origins: the least travel time from any of them. ``point_grid_resolution``
    (metres) is the grid on which travel times are computed and contoured, and
    ``.destinations`` that grid's points on the network (a ``point_grid_sample_ratio``
    share of them, 0.01-1). With several percentiles the lowest is used, as in r5py.
    ``origin=`` (r5py < 1.0) is accepted too.
    """

    _r5py_attributes = (
        *_R5pyFrame._r5py_attributes,
        "isochrones",
        "point_grid_resolution",
        "point_grid_sample_ratio",
        "_network",
    )

    def __init__(
        self,
        transport_network,
        origins=None,
        isochrones=_ISOCHRONES_DEFAULT_MIN,
        point_grid_resolution: float = 100,
        point_grid_sample_ratio: float = 1.0,
        snap_to_network=False,
        origin=None,
        **kwargs,
    ):
        origins = origins if origins is not None else origin
        if origins is None:
            raise InputError("No routing origins defined.")
        if isinstance(origins, shapely.Geometry):
            origins = gpd.GeoDataFrame({"id": ["origin"]}, geometry=[origins], crs=4326)
        origins = _od(origins, "origins")
        if not np.isfinite(point_grid_resolution) or point_grid_resolution <= 0:
            raise InputError(f"point_grid_resolution must be positive metres, got {point_grid_resolution!r}.")
        query = _Query(**kwargs)
        index = _isochrone_index(isochrones)
        cutoffs = sorted({t.total_seconds() / 60 for t in index})
        network = query.network(transport_network)
        settings = IsochroneSettings(
            resolution_m={m: float(point_grid_resolution) for m in ("walk", "bike", "car", "transit")}
        )
        lines: dict[float, shapely.Geometry] = {}
        if cutoffs:
            common = {"cutoffs_min": cutoffs, "settings": settings}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if query.transit and query.routes_transit:
                    routed = replace(network, transit_settings=query.transit_settings(network))
                    result = isochrone_polygons(
                        routed,
                        origins,
                        mode="transit",
                        departure=query.departure,
                        window_min=query.window_min,
                        percentile=min(query.percentiles),
                        access_mode=query.access_mode,
                        **common,
                    )
                else:
                    mode = query.access_mode if query.transit else query.street_modes[0]
                    result = isochrone_polygons(network, origins, mode=mode, **common)
            for cutoff, group in result.groupby("cutoff_min"):
                area = shapely.union_all(group.geometry.to_numpy())
                lines[float(cutoff)] = _as_multilinestring(area.boundary)
        frame = gpd.GeoDataFrame(
            {"travel_time": index},
            geometry=[lines.get(t.total_seconds() / 60, shapely.MultiLineString()) for t in index],
            crs=4326,
        )
        super().__init__(frame)
        self.origins = origins
        self.isochrones = index
        self.point_grid_resolution = float(point_grid_resolution)
        self.point_grid_sample_ratio = max(0.01, min(1.0, float(point_grid_sample_ratio)))
        self.snap_to_network = snap_to_network
        self.request = query
        self._network = network

    @property
    def destinations(self) -> gpd.GeoDataFrame:
        """The regular point grid (``point_grid_resolution`` metres, in the network's UTM
        zone) over the street network's extent, points off the network dropped, sampled by
        ``point_grid_sample_ratio`` (EPSG:4326, ``id`` and ``geometry``)."""

        walk = (
            self._network.street("walk")
            if "walk" in self._network.streets
            else next(iter(self._network.streets.values()))
        )
        step = self.point_grid_resolution
        xs = np.arange(walk.x.min(), walk.x.max() + step, step)
        ys = np.arange(walk.y.min(), walk.y.max() + step, step)
        gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
        # on the network: within half a grid step of a street (R5 snaps within its link radius)
        snapped = snap_points(walk, gx, gy)
        keep = snapped.ok & (snapped.distance_m <= max(step / 2, 1.0))
        gx, gy = gx[keep], gy[keep]
        if self.point_grid_sample_ratio < 1:
            rng = np.random.default_rng(POINT_GRID_SEED)
            pick = np.sort(rng.choice(len(gx), int(round(len(gx) * self.point_grid_sample_ratio)), replace=False))
            gx, gy = gx[pick], gy[pick]
        lon, lat = to_lonlat(gx, gy, walk.crs_epsg)
        return gpd.GeoDataFrame({"id": np.arange(len(lon))}, geometry=gpd.points_from_xy(lon, lat), crs=4326)

    @destinations.setter
    def destinations(self, value) -> None:  # set by the base class; the grid is derived
        pass


def _as_multilinestring(boundary: shapely.Geometry) -> shapely.MultiLineString:
    if boundary.is_empty:
        return shapely.MultiLineString()
    if isinstance(boundary, shapely.MultiLineString):
        return boundary
    if isinstance(boundary, shapely.LineString):
        return shapely.MultiLineString([boundary])
    return shapely.MultiLineString([g for g in getattr(boundary, "geoms", []) if isinstance(g, shapely.LineString)])


class DetailedItineraries(_R5pyFrame):
    """Leg-by-leg itineraries between origins and destinations (r5py's
    ``DetailedItineraries``): one row per ``from_id``, ``to_id``, ``option`` and ``segment``
    with ``transport_mode`` (:class:`TransportMode`), ``departure_time``, ``distance``
    (metres), ``travel_time``, ``wait_time``, ``feed``, ``agency_id``, ``route_id``,
    ``start_stop_id``, ``end_stop_id``, ``geometry``, and this engine's extras
    ``arrival_time``, ``route_short_name``, ``trip_id`` and stop names. Origins and
    destinations are paired row by row when they are as many (r5py's default), else all to
    all (or with ``force_all_to_all``). Transit options are the distinct fastest journeys
    over the departure window (walking access and egress); street modes give one leg.
    """

    _r5py_attributes = (*_R5pyFrame._r5py_attributes, "all_to_all")

    def __init__(
        self,
        transport_network,
        origins=None,
        destinations=None,
        snap_to_network=False,
        force_all_to_all=False,
        **kwargs,
    ):
        if origins is None:
            raise InputError("No routing origins defined.")
        if destinations is None:
            raise InputError("No routing destinations defined.")
        origins, destinations = _od(origins, "origins"), _od(destinations, "destinations")
        all_to_all = bool(force_all_to_all) or len(origins) != len(destinations)
        query = _Query(**kwargs)
        network = query.network(transport_network)
        budget = _budget_min(query.max_time_min)
        parts = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if query.transit and query.routes_transit:
                if query.access_mode != "walk":
                    raise InputError(
                        "DetailedItineraries with transit supports walking access only (access_modes=[WALK])."
                    )
                routed = replace(network, transit_settings=query.transit_settings(network))
                parts.append(
                    itineraries(
                        routed,
                        origins,
                        destinations,
                        departure=query.departure,
                        window_min=query.window_min,
                        max_time_min=budget,
                        all_to_all=all_to_all,
                    )
                )
            street = query.street_modes or ([query.access_mode] if query.transit and not query.routes_transit else [])
            for mode in dict.fromkeys(street):
                parts.append(
                    street_itineraries(
                        network,
                        origins,
                        destinations,
                        mode=mode,
                        max_time_min=_budget_min(query.limit_min(mode)),
                        all_to_all=all_to_all,
                        departure=query.departure,
                    )
                )
        legs = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(parts) > 1:  # street options after the transit ones, numbered on
            legs["option"] = legs.groupby(["from_id", "to_id"]).cumcount().where(legs["segment"] == 0)
            legs["option"] = legs.groupby(["from_id", "to_id"])["option"].ffill().astype(int)
        columns = [
            "from_id",
            "to_id",
            "option",
            "segment",
            "transport_mode",
            "departure_time",
            "distance",
            "travel_time",
            "wait_time",
            "feed",
            "agency_id",
            "route_id",
            "start_stop_id",
            "end_stop_id",
            "geometry",
            "arrival_time",
            "route_short_name",
            "trip_id",
            "start_stop_name",
            "end_stop_name",
        ]
        if len(legs):
            legs["transport_mode"] = [TransportMode(m) for m in legs["transport_mode"]]
            legs["agency_id"] = ""
        frame = gpd.GeoDataFrame(legs.reindex(columns=columns), geometry="geometry", crs=4326)
        super().__init__(frame)
        self.origins, self.destinations = origins, destinations
        self.all_to_all = all_to_all
        self.snap_to_network = snap_to_network
        self.request = query
