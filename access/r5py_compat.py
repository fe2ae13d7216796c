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
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from access.config import ElevationSettings, StreetSettings, TransitSettings
from access.errors import InputError

__all__ = [
    "ElevationCostFunction",
    "TransportMode",
    "TransportNetwork",
    "TravelTimeMatrix",
    "Isochrones",
    "R5PY_DEFAULTS",
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
_ISOCHRONES_DEFAULT_MIN = (0, 15, 30, 45)  # r5py: timedelta_range(0, 1 h, 15 min), end exclusive
_MAX_TRANSFERS_LIMIT = 10  # our RAPTOR's cap on transfers (access.config.TransitSettings)
# R5's TransitLayer distance tables: egress walks from stops reach at most 2,000 m and
# transfers between stops at most 1,000 m (WALK_DISTANCE_LIMIT_METERS,
# TRANSFER_DISTANCE_LIMIT_METERS in com.conveyal.r5.transit.TransitLayer).
R5_EGRESS_LIMIT_M = 2000.0  # metres
R5_TRANSFER_LIMIT_M = 1000.0  # metres


class TransportMode(enum.Enum):
    """r5py's transport modes (same names and values)."""

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
        self._networks: dict = {}

    def network(
        self, *, speed_walking: float, speed_cycling: float, service_date=None, rides: int = 8, transit: bool = True
    ):
        """The :class:`access.Network` for these speeds (km/h) and service date; street
        modes only when ``transit`` is False (street queries need no timetable day)."""
        from access.network.multimodal import build_network

        gtfs = self.gtfs if transit else []
        key = (round(speed_walking, 6), round(speed_cycling, 6), str(service_date) if gtfs else None, rides)
        if key not in self._networks:
            settings = StreetSettings(
                walk_speed_kmh=speed_walking,
                bike_speed_kmh=speed_cycling,
                connector_speed_kmh={"walk": speed_walking, "bike": speed_cycling, "car": 20.0},
            )
            rules = TransitSettings(
                board_penalty_by_route_type_min={},  # R5 has no boarding penalties
                rail_spec_board_penalty_min=0.0,
                max_transfer_walk_min=R5_TRANSFER_LIMIT_M / (speed_walking / 3.6) / 60,
                max_transfers=min(max(rides - 1, 0), _MAX_TRANSFERS_LIMIT),
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
    """r5py's origins/destinations check: a GeoDataFrame with an ``id`` column and points."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{what} must be a geopandas.GeoDataFrame with an 'id' column and point geometries.")
    if "id" not in frame.columns:
        raise InputError(f"{what} has no 'id' column.")
    if frame["id"].duplicated().any():
        raise InputError(f"{what}: ids must be unique.")
    if not (frame.geometry.geom_type == "Point").all():
        raise InputError(f"{what} must have point geometries.")
    return frame.to_crs(4326) if frame.crs is not None else frame.set_crs(4326)


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
        max_time_walking=R5PY_DEFAULTS["max_time_walking"],
        max_time_cycling=R5PY_DEFAULTS["max_time_cycling"],
        max_time_driving=R5PY_DEFAULTS["max_time_driving"],
        speed_walking=R5PY_DEFAULTS["speed_walking"],
        speed_cycling=R5PY_DEFAULTS["speed_cycling"],
        max_public_transport_rides=R5PY_DEFAULTS["max_public_transport_rides"],
        max_bicycle_traffic_stress=3,
        breakdown=False,
    ):
        if breakdown:
            raise InputError("breakdown=True (per-leg details) is not supported by access.r5py_compat.")
        self.departure = departure if departure is not None else dt.datetime.now().replace(second=0, microsecond=0)
        if not isinstance(self.departure, dt.datetime):
            raise InputError(f"departure must be a datetime.datetime, got {departure!r}.")
        self.window_min = _minutes(departure_time_window, "departure_time_window")
        if self.window_min < 5:
            warnings.warn("The provided departure time window is below 5 minutes.", RuntimeWarning, stacklevel=4)
        self.percentiles = [int(p) for p in percentiles]
        if not self.percentiles or any(not 0 < p <= 100 for p in self.percentiles):
            raise InputError(f"percentiles must lie in (0, 100], got {list(percentiles)}.")
        self.max_time_min = _minutes(max_time, "max_time")
        self.max_walk_min = _minutes(max_time_walking, "max_time_walking")
        self.max_drive_min = _minutes(max_time_driving, "max_time_driving")
        _minutes(max_time_cycling, "max_time_cycling")
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
        egress = _modes(egress_modes, "egress_modes") if egress_modes is not None else access
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

    def network(self, transport_network: TransportNetwork):
        if not isinstance(transport_network, TransportNetwork):
            transport_network = TransportNetwork(*transport_network)
        return transport_network.network(
            speed_walking=self.speed_walking,
            speed_cycling=self.speed_cycling,
            service_date=self.departure.date(),
            rides=self.rides,
            transit=self.transit,
        )

    def transit_settings(self, network) -> TransitSettings:
        """Walking limits of this query: access by max_time_walking, egress also by R5's
        2,000 m distance tables, car access by max_time_driving (minutes)."""
        egress_min = min(self.max_walk_min, R5_EGRESS_LIMIT_M / (self.speed_walking / 3.6) / 60)
        return network.transit_settings.model_copy(
            update={
                "max_access_walk_min": min(self.max_walk_min, self.max_time_min),
                "max_egress_walk_min": egress_min,
                "max_access_car_min": self.max_drive_min,
            }
        )


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


class TravelTimeMatrix(pd.DataFrame):
    """Travel times between many origins and destinations (r5py's ``TravelTimeMatrix``).

    A ``pandas.DataFrame`` with ``from_id``, ``to_id`` and ``travel_time`` (median, the
    default) or one ``travel_time_p{NN}`` column per requested percentile: whole minutes,
    NaN when not reachable within ``max_time``. Keyword arguments are r5py's
    ``RegionalTask`` ones (``departure``, ``departure_time_window``, ``percentiles``,
    ``transport_modes``, ``access_modes``, ``egress_modes``, ``max_time``,
    ``max_time_walking``, ``max_time_cycling``, ``max_time_driving``, ``speed_walking``,
    ``speed_cycling``, ``max_public_transport_rides``).
    """

    @property
    def _constructor(self):
        return pd.DataFrame  # derived frames are plain DataFrames, as in r5py

    def __init__(self, transport_network, origins=None, destinations=None, snap_to_network=False, **kwargs):
        if origins is None:
            raise InputError("No routing origins defined.")
        origins = _od(origins, "origins")
        destinations = origins if destinations is None else _od(destinations, "destinations")
        query = _Query(**kwargs)
        super().__init__(_matrix(query.network(transport_network), origins, destinations, query))


def _matrix(network, origins, destinations, query: _Query) -> pd.DataFrame:
    """The r5py-shaped table for one query on our engine."""
    from access.routing.matrix import travel_times

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if query.transit:
            from dataclasses import replace

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
            values = [table[c].to_numpy() for c in table.columns if c.startswith("travel_time")]
        else:
            tables = [
                travel_times(network, origins, destinations, mode=m, max_time_min=_budget_min(query.max_time_min))
                for m in query.street_modes
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


def _cutoffs(isochrones) -> list[float]:
    if isinstance(isochrones, pd.TimedeltaIndex):
        return [t.total_seconds() / 60 for t in isochrones]
    return [c.total_seconds() / 60 if isinstance(c, dt.timedelta) else float(c) for c in isochrones]


class Isochrones(gpd.GeoDataFrame):
    """Polygons of equal travel time from an origin (r5py's ``Isochrones``).

    A GeoDataFrame (EPSG:4326) with ``travel_time`` (``Timedelta``) and ``geometry``, one
    row per isochrone; ``isochrones`` are minutes or timedeltas (r5py's default 0, 15, 30,
    45 min). With several percentiles the lowest is used, as in r5py. Several origins give
    the union of their areas. A zero-minute isochrone is an empty polygon.
    """

    @property
    def _constructor(self):
        return gpd.GeoDataFrame

    def __init__(
        self, transport_network, origin=None, isochrones=_ISOCHRONES_DEFAULT_MIN, snap_to_network=False, **kwargs
    ):
        from access.surfaces.isochrones import isochrones as isochrone_polygons

        if origin is None:
            raise InputError("No routing origin defined.")
        if isinstance(origin, shapely.Geometry):
            origin = gpd.GeoDataFrame({"id": ["origin"]}, geometry=[origin], crs=4326)
        origin = _od(origin, "origin")
        query = _Query(**kwargs)
        cutoffs = _cutoffs(isochrones)
        positive = sorted({c for c in cutoffs if c > 0})
        network = query.network(transport_network)
        polygons: dict[float, shapely.Geometry] = {c: shapely.Polygon() for c in cutoffs}
        if positive:
            if query.transit:
                from dataclasses import replace

                network = replace(network, transit_settings=query.transit_settings(network))
                result = isochrone_polygons(
                    network,
                    origin,
                    mode="transit",
                    cutoffs_min=positive,
                    departure=query.departure,
                    window_min=query.window_min,
                    percentile=min(query.percentiles),
                    access_mode=query.access_mode,
                )
            else:
                result = isochrone_polygons(network, origin, mode=query.street_modes[0], cutoffs_min=positive)
            for cutoff, group in result.groupby("cutoff_min"):
                polygons[float(cutoff)] = shapely.union_all(group.geometry.to_numpy())
        frame = gpd.GeoDataFrame(
            {"travel_time": pd.to_timedelta(cutoffs, unit="m")},
            geometry=[polygons[c] for c in cutoffs],
            crs=4326,
        )
        super().__init__(frame)
