"""Defaults in one place: speeds, snapping, isochrone and time-budget settings.

Every number here is a default users can override through :class:`StreetSettings` /
:class:`IsochroneSettings`; CLI options and API schemas read their defaults from here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MODES",
    "Mode",
    "DEFAULT_CUTOFFS_MIN",
    "DEFAULT_MAX_TIME_MIN",
    "MAX_TIME_LIMIT_MIN",
    "CAR_SPEEDS_KMH",
    "IMPLICIT_MAXSPEEDS_KMH",
    "StreetSettings",
    "IsochroneSettings",
    "TransitSettings",
    "BOARD_PENALTY_MIN_BY_ROUTE_TYPE",
    "DEFAULT_DEPARTURE_TIME",
    "DEFAULT_WINDOW_MIN",
    "DEFAULT_PERCENTILES",
]

Mode = Literal["walk", "bike", "car"]
MODES: tuple[str, ...] = ("walk", "bike", "car")

DEFAULT_CUTOFFS_MIN: tuple[int, ...] = (60, 120)  # the 1-hour and 2-hour commuting circles
DEFAULT_MAX_TIME_MIN = 180  # minutes; default search budget when no cutoff says otherwise
# No 120-minute ceiling: a 2-hour circle plus station access needs more. The hard limit only
# guards against typos (a day); memory stays bounded because Dijkstra is bounded by the budget.
MAX_TIME_LIMIT_MIN = 1440  # minutes

# Free-flow car speeds (km/h) by OSM highway class when a way has no usable `maxspeed`.
# China-appropriate operating speeds, below the legal / design limits they derive from:
#  - expressways: legal max 120, min 60 (Road Traffic Safety Law Implementing Regulations,
#    art. 78); JTG B01-2014 design speeds 80-120 -> 100.
#  - class-1/2 highways (trunk/primary): JTG B01-2014 design 60-100 -> 80 / 60.
#  - urban arterial / sub-arterial / branch roads: CJJ 37-2012 design 40-60 / 30-50 / 20-40.
#  - roads without a centre line: legal max 30 urban / 40 rural (Regulations art. 45);
#    tracks and service roads slower still.
CAR_SPEEDS_KMH: MappingProxyType[str, float] = MappingProxyType(
    {
        "motorway": 100.0,
        "motorway_link": 50.0,
        "trunk": 80.0,
        "trunk_link": 40.0,
        "primary": 60.0,
        "primary_link": 40.0,
        "secondary": 50.0,
        "secondary_link": 30.0,
        "tertiary": 40.0,
        "tertiary_link": 30.0,
        "unclassified": 30.0,
        "road": 30.0,
        "residential": 25.0,
        "living_street": 10.0,
        "service": 15.0,
        "track": 15.0,
    }
)

# Implicit `maxspeed` values (zone:country codes) in km/h. China from the Road Traffic
# Safety Law Implementing Regulations art. 45 (one lane each way: 50 urban, 70 rural) and
# art. 78 (expressway 120); the others from the OSM wiki page "Key:maxspeed"
# (default speed limits by country).
IMPLICIT_MAXSPEEDS_KMH: MappingProxyType[str, float] = MappingProxyType(
    {
        "CN:urban": 50.0,
        "CN:rural": 70.0,
        "CN:motorway": 120.0,
        "CN:expressway": 120.0,
        "CN:living_street": 20.0,
        "BR:urban": 60.0,
        "BR:rural": 90.0,
        "DE:urban": 50.0,
        "DE:rural": 100.0,
        "DE:living_street": 7.0,
        "FR:urban": 50.0,
        "FR:rural": 80.0,
        "FI:urban": 50.0,
        "FI:rural": 80.0,
        "GB:nsl_single": 96.56,
        "GB:nsl_dual": 112.65,
        "GB:motorway": 112.65,
        "RU:urban": 60.0,
        "RU:rural": 90.0,
        "RU:motorway": 110.0,
        "US:urban": 40.23,
        "walk": 5.0,
    }
)


class StreetSettings(BaseModel):
    """How OSM ways become routable street edges (speeds in km/h, distances in metres)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    walk_speed_kmh: float = Field(4.8, gt=0, le=20)
    bike_speed_kmh: float = Field(15.0, gt=0, le=60)
    car_speeds_kmh: dict[str, float] = Field(default_factory=lambda: dict(CAR_SPEEDS_KMH))
    use_maxspeed: bool = True  # car: OSM maxspeed when present and parseable
    # Off-network connector from a point to its snapped position on the nearest edge.
    # Cars cover the last stretch on unmapped yards and tracks, hence a slow 20 km/h.
    connector_speed_kmh: dict[str, float] = Field(default_factory=lambda: {"walk": 4.8, "bike": 12.0, "car": 20.0})
    max_snap_m: float = Field(1000.0, gt=0)  # points further than this from any edge fail
    largest_component: bool = True  # keep only the largest strongly connected component


class IsochroneSettings(BaseModel):
    """How travel-time surfaces are rasterised and contoured (metres, km/h)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Grid cell size by mode (metres). The surface holds honest times one cell diagonal
    # past every reach, so contours interpolate to within a fraction of a cell of the true
    # boundary; nodes reached a minute before the cutoff lie inside their polygon.
    resolution_m: dict[str, float] = Field(
        default_factory=lambda: {"walk": 50.0, "bike": 75.0, "car": 100.0, "transit": 100.0}
    )
    offnet_speed_kmh: float = Field(4.8, gt=0)  # walking away from the street at the end
    # Furthest one walks off the network (metres) by mode: from a parked car one may walk
    # further than from a footpath; sparse rural roads would otherwise give thread-thin areas.
    offnet_max_m: dict[str, float] = Field(
        default_factory=lambda: {"walk": 300.0, "bike": 500.0, "car": 1000.0, "transit": 500.0}
    )
    max_cells: int = Field(25_000_000, gt=0)  # memory guard: resolution is coarsened past it


# Station access penalties (minutes) by GTFS route_type: boarding Chinese high-speed and
# intercity rail means a security check and ticket gates that close before departure
# (12306 stops ticket checks 3-5 min before departure; arriving 15-30 min early is the
# official advice), so HSR gets 15 min. Buses, metro and trams board at once. Extended
# route types 101 (high-speed rail) and 102 (long-distance rail) per the Google
# "extended route types" list; 2 is GTFS "rail". Override per feed or route in
# TransitSettings.board_penalty_min (e.g. {"poa_trensurb": 0} for a turnstile commuter line).
BOARD_PENALTY_MIN_BY_ROUTE_TYPE: MappingProxyType[int, float] = MappingProxyType(
    {2: 15.0, 101: 15.0, 102: 15.0, 103: 15.0, 106: 5.0}
)
DEFAULT_DEPARTURE_TIME = "07:00"  # morning peak start, local time of the feed
DEFAULT_WINDOW_MIN = 120  # minutes: departures every minute from 07:00 to 08:59
DEFAULT_PERCENTILES = (50,)


class TransitSettings(BaseModel):
    """Transit routing rules: penalties, walking limits, transfers (minutes, km/h)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    board_penalty_by_route_type_min: dict[int, float] = Field(
        default_factory=lambda: dict(BOARD_PENALTY_MIN_BY_ROUTE_TYPE)
    )
    # Overrides by feed name (file stem) or route_id (namespaced "feed:route"), minutes.
    board_penalty_min: dict[str, float] = Field(default_factory=dict)
    # Overrides by stop_id (namespaced "feed:stop"), minutes: replaces the route's penalty
    # when boarding at that stop (a station with a longer, or no, security check).
    board_penalty_stop_min: dict[str, float] = Field(default_factory=dict)
    alight_penalty_min: dict[str, float] = Field(default_factory=dict)  # egress, same keys
    rail_spec_board_penalty_min: float = 15.0  # lines from rail specs are HSR/intercity
    max_transfer_walk_min: float = Field(10.0, ge=0)  # stop-to-stop walks through streets
    max_access_walk_min: float = Field(20.0, ge=0)
    max_egress_walk_min: float = Field(20.0, ge=0)
    max_access_car_min: float = Field(60.0, ge=0)  # park-and-ride: drive to a station
    park_ride_penalty_min: float = Field(5.0, ge=0)  # park the car, walk to the platform
    # Stops (ids or names) with parking for car access; None: any station can be driven to.
    park_ride_stops: list[str] | None = None
    max_transfers: int = Field(4, ge=0, le=10)
