"""Defaults in one place: speeds, snapping, isochrone and time-budget settings.

Every number here is a default users can override through :class:`StreetSettings` /
:class:`IsochroneSettings`; CLI options and API schemas read their defaults from here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "MODES",
    "Mode",
    "DEFAULT_CUTOFFS_MIN",
    "DEFAULT_MODE",
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
    "DEFAULT_PERCENTILE",
    "DEFAULT_ACCESS_MODE",
    "R5_MIN_BOARD_WAIT_S",
    "DEFAULT_COMMUTE_WINDOW_MIN",
    "CIRCLE_PRESETS",
    "DEFAULT_BATCH_CELLS",
    "DASK_CONNECT_TIMEOUT_S",
    "E2SFCA_ZONE_WEIGHTS",
    "CENTRES_MAX_TIME_MIN",
    "DEFAULT_JOB_THRESHOLDS",
]

Mode = Literal["walk", "bike", "car"]
MODES: tuple[str, ...] = ("walk", "bike", "car")

DEFAULT_CUTOFFS_MIN: tuple[int, ...] = (60, 120)  # the 1-hour and 2-hour commuting circles
# The mode of every verb (travel_times, isochrones, travel_time_surface, accessibility,
# commuting_circles, compare; the CLI commands): car, the mode that draws the commuting
# circles of a city cluster where rural roads are the only link. Pass mode="walk", "bike"
# or "transit" for the others. (Scenario files' compare block defaults to transit: they
# edit timetables.)
DEFAULT_MODE: Literal["walk", "bike", "car", "transit"] = "car"
DEFAULT_MAX_TIME_MIN = 180  # minutes; default search budget when no cutoff says otherwise
# No 120-minute ceiling: a 2-hour circle plus station access needs more. The hard limit only
# guards against typos (a day); memory stays bounded because Dijkstra is bounded by the budget.
MAX_TIME_LIMIT_MIN = 1440  # minutes
# Metres from the bounding box of a network's nodes within which a dead end is where the
# extract cut a street (access.network.extent): a search reaching one before its budget is
# cut by the data, not by the budget.
EXTENT_EDGE_M = 100.0

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
    # Car speeds by country: a car_speeds_kmh other than the China default is used as given;
    # otherwise build_network takes the table of `country` (ISO 3166 alpha-2; None: the
    # country of the data's location, see COUNTRY_SPEED_LIMITS_KMH). Overrides win last.
    country: str | None = Field(None, min_length=2, max_length=2)
    car_speed_overrides_kmh: dict[str, float] = Field(default_factory=dict)


class IsochroneSettings(BaseModel):
    """How travel-time surfaces are rasterised and contoured (metres, km/h)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Grid cell size by mode (metres). Every grid cell a reached network point lies in is
    # inside the contour of its time, so nodes reached in the cutoff's last second are
    # inside; cells of 50-100 m keep the polygons within ~100 m of the reached streets.
    resolution_m: dict[str, float] = Field(
        default_factory=lambda: {"walk": 50.0, "bike": 75.0, "car": 100.0, "transit": 100.0}
    )
    offnet_speed_kmh: float = Field(4.8, gt=0)  # walking away from the street at the end
    # Furthest one walks off the network (metres) by mode, to the buildings along a street.
    # Short on purpose: a longer walk crosses rivers, rail lines and motorways the network
    # does not (300 m put nodes needing 15-33 min inside 10-min walk polygons, and 10-27 %
    # of their area more than 100 m from any reached street; bench/isochrones.py).
    offnet_max_m: dict[str, float] = Field(
        default_factory=lambda: {"walk": 75.0, "bike": 75.0, "car": 100.0, "transit": 100.0}
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
DEFAULT_PERCENTILE = 50  # one travel time of a departure window: its median
DEFAULT_PERCENTILES = (DEFAULT_PERCENTILE,)
DEFAULT_ACCESS_MODE = "walk"  # transit: how the first stop is reached (walk, bike, car)
# The morning commute window of commuting circles, scenario comparisons and city clusters:
# departures every minute 07:00-07:59 (a whole peak hour; DEFAULT_WINDOW_MIN is the longer
# default of plain transit queries).
DEFAULT_COMMUTE_WINDOW_MIN = 60
# Conveyal R5's constants (com.conveyal.r5, v7.x) for TransitSettings.r5():
R5_MIN_BOARD_WAIT_S = 60  # FastRaptorWorker.MINIMUM_BOARD_WAIT_SEC, boards departures > arrival + 60
R5_OFF_STREET_SPEED_KMH = 1.3 * 3.6  # LinkedPointSet.OFF_STREET_SPEED_MILLIMETERS_PER_SECOND (1.3 m/s)
R5_EGRESS_LIMIT_M = 2000.0  # TransitLayer.WALK_DISTANCE_LIMIT_METERS: stop-to-destination walks
R5_TRANSFER_LIMIT_M = 1000.0  # TransitLayer.TRANSFER_DISTANCE_LIMIT_METERS: stop-to-stop walks
R5_PARK_RIDE_LIMIT_M = 500.0  # TransitLayer.PARKRIDE_DISTANCE_LIMIT_METERS: car park to stop
R5_WALK_SPEED_KMH = 3.6  # r5py / r5r default walking speed (km/h)
R5_MAX_WALK_MIN = 120.0  # r5py: max_time_walking defaults to max_time (2 h)
R5_MAX_CAR_MIN = 120.0  # r5py: max_time_driving defaults to max_time (2 h)
R5_MAX_RIDES = 8  # r5py / R5 ProfileRequest.maxRides


_TRANSIT_BUILD_FIELDS = {
    "board_penalty_by_route_type_min",
    "board_penalty_min",
    "board_penalty_stop_min",
    "alight_penalty_min",
    "rail_spec_board_penalty_min",
    "max_transfer_walk_min",
    "interpolation",
    "park_ride_walk_m",
}


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
    # Where car access may park (a trip with car access must then board a vehicle): None,
    # the car parks flagged in the data (OSM amenity=parking with park_ride, linked to stops
    # within park_ride_walk_m; GTFS stops.txt with a parking / park_and_ride column);
    # a list of stop ids or names; "any": every stop (an explicit opt-in).
    park_ride_stops: list[str] | Literal["any"] | None = None
    max_transfers: int = Field(4, ge=0, le=10)
    # --- transit semantics (README "Transit semantics") ------------------------------------
    # Walk-only trips count up to this long (r5r's max_walk_time, unlimited there; R5's own
    # ProfileRequest default 30 min; ferrobus 20 min): one hour, the commuting circle's unit,
    # so a place an hour's walk away stays inside the 1-h transit circle. Longer: NaN.
    max_walk_min: float = Field(60.0, gt=0)
    # Boarding needs this many seconds at the stop after arriving there (R5: 60, strict).
    min_board_wait_s: int = Field(0, ge=0, le=3600)
    # True: board only a departure strictly later than arrival + min_board_wait_s (R5's >).
    board_wait_strict: bool = False
    # False (R5's rule): the walk to the destination starts where the last vehicle was left,
    # so it never exceeds max_egress_walk_min. True: a walking transfer may come first.
    transfer_before_egress: bool = False
    # Off-street connector speed of origins and destinations (km/h); None: the street
    # network's connector speed. R5 <= 7.4 walks it at 1.3 m/s.
    point_connector_speed_kmh: float | None = Field(None, gt=0)
    interpolation: Literal["nearest", "r5"] = "nearest"  # stop times between timepoints
    park_ride_walk_m: float = Field(500.0, ge=0)  # car park to stop (R5's PARKRIDE_DISTANCE_LIMIT)
    # Board only at the N nearest stops on foot / reach each destination only from its N
    # nearest stops (ferrobus boards at 1 and alights at 10); None: every stop in walking range.
    max_access_stops: int | None = Field(None, ge=1)
    max_egress_stops: int | None = Field(None, ge=1)
    preset: Literal["default", "r5"] = "default"  # which rule set (TransitSettings.r5())

    def build_fields(self) -> dict:
        """The fields that shape the built TransitNetwork (penalties, transfers, stop times,
        car-park links); the others act at query time and need no rebuild."""
        return self.model_dump(include=_TRANSIT_BUILD_FIELDS)

    @classmethod
    def r5(
        cls,
        walk_speed_kmh: float = R5_WALK_SPEED_KMH,
        *,
        max_walk_min: float = R5_MAX_WALK_MIN,
        max_rides: int = R5_MAX_RIDES,
        max_car_min: float = R5_MAX_CAR_MIN,
        **overrides,
    ) -> TransitSettings:
        """R5's transit rules (Conveyal R5 as used by r5py / r5r), for networks whose walk
        speed is ``walk_speed_kmh``: no boarding penalties; board only a departure more
        than 60 s after arriving (FastRaptorWorker.MINIMUM_BOARD_WAIT_SEC, strict ``>``);
        truncating straight-line interpolation (gtfs-lib); 1.3 m/s point connectors
        (LinkedPointSet.OFF_STREET_SPEED); egress from where a vehicle was left (R5
        propagates bestNonTransferTimes); R5's distance tables converted at the walk speed:
        egress at most 2,000 m and transfers 1,000 m (TransitLayer.WALK_DISTANCE_LIMIT_METERS,
        TRANSFER_DISTANCE_LIMIT_METERS); access, egress and walk-only trips at most
        ``max_walk_min`` (r5py's max_time_walking; r5r's max_walk_time); ``max_rides``
        rides; car parks 500 m from stops. ``overrides`` replace any field."""
        speed_m_min = walk_speed_kmh * 1000 / 60
        values = {
            "board_penalty_by_route_type_min": {},
            "rail_spec_board_penalty_min": 0.0,
            "max_transfer_walk_min": R5_TRANSFER_LIMIT_M / speed_m_min,
            "max_access_walk_min": max_walk_min,
            "max_egress_walk_min": min(max_walk_min, R5_EGRESS_LIMIT_M / speed_m_min),
            "max_access_car_min": max_car_min,
            "park_ride_penalty_min": 0.0,
            "max_transfers": max(min(max_rides - 1, 10), 0),
            "max_walk_min": max_walk_min,
            "min_board_wait_s": R5_MIN_BOARD_WAIT_S,
            "board_wait_strict": True,
            "point_connector_speed_kmh": R5_OFF_STREET_SPEED_KMH,
            "interpolation": "r5",
            "park_ride_walk_m": R5_PARK_RIDE_LIMIT_M,
            "preset": "r5",
        }
        return cls(**{**values, **overrides})


# Commuting-circle definitions. The 2019 metropolitan-area guideline (国家发展改革委《关于培育
# 发展现代化都市圈的指导意见》, 发改规划〔2019〕328号) defines a metropolitan area as "以1小时
# 通勤圈为基本范围" and asks for "轨道上的都市圈" (rail-based commuting), but gives no operational
# formula; these presets make one explicit. Values: door-to-door minutes (walk to the stop,
# waits, HSR security check = the station boarding penalty, rides, walk to the destination),
# the morning peak 07:00-08:00 with one departure a minute, the median over that window,
# commuters travelling in to the centre. Every result reports the definition it used.
CIRCLE_PRESETS: MappingProxyType[str, MappingProxyType] = MappingProxyType(
    {
        "metropolitan_1h": MappingProxyType(
            {
                "cutoffs_min": (60.0,),  # the guideline's 1-hour commuting circle
                "mode": "transit",  # "轨道上的都市圈": rail and buses, walk access and egress
                "access_mode": "walk",
                "departure": DEFAULT_DEPARTURE_TIME,  # morning peak, local feed time
                "window_min": float(DEFAULT_COMMUTE_WINDOW_MIN),  # departures every minute 07:00-07:59
                "percentile": float(DEFAULT_PERCENTILE),  # the typical (median) departure of the window
                "direction": "to_centre",  # commuters travel in
                "statistic": "min",
                "board_penalty_hsr_min": 15.0,  # = TransitSettings.rail_spec_board_penalty_min
                "source": "NDRC 2019 guideline on cultivating modern metropolitan areas "
                "(发改规划〔2019〕328号): '1小时通勤圈'; operational parameters by commuting-circles",
            }
        ),
        "metropolitan_1h_car": MappingProxyType(
            {
                "cutoffs_min": (60.0,),
                "mode": "car",  # free-flow car times (no congestion model)
                "direction": "to_centre",
                "statistic": "min",
                "source": "NDRC 2019 guideline (发改规划〔2019〕328号) '1小时通勤圈', by car",
            }
        ),
    }
)


# --- Regional (city-cluster) road model: used where no OSM extract covers a region ---------
# Road distance = great-circle distance x detour factor. 1.3 is the usual circuity of road
# networks between towns (Ballou, Rahardja & Sakai 2002 find 1.2-1.4 for US road distances
# vs great-circle; Giacomin & Levinson 2015 report ~1.3 mean circuity for commutes).
REGIONAL_DETOUR_FACTOR = 1.3
# Incremental speed bands (like tax brackets: the first 5 km of every trip at 30 km/h, the
# next 15 km at 60, the rest at 90), so time grows continuously and strictly with distance:
#  - 0-5 km: urban streets; mean peak-hour road speed in Chinese megacities is ~25-30 km/h
#    (Beijing Transport Institute annual reports); CAR_SPEEDS_KMH residential-tertiary 25-40.
#  - 5-20 km: urban expressways, class-1/2 highways (JTG B01-2014 design 60-100 km/h);
#    CAR_SPEEDS_KMH primary 60.
#  - beyond 20 km: expressways (legal 60-120 km/h, Road Traffic Safety Law Implementing
#    Regulations art. 78); 90 km/h average including ramps and toll gates, below
#    CAR_SPEEDS_KMH motorway 100.
REGIONAL_BAND_LIMITS_KM: tuple[float, ...] = (5.0, 20.0)  # upper ends of all bands but the last
REGIONAL_BAND_SPEEDS_KMH: tuple[float, ...] = (30.0, 60.0, 90.0)  # one more than the limits
DEFAULT_REGIONAL_WINDOW_MIN = DEFAULT_COMMUTE_WINDOW_MIN  # minutes: city clusters' morning window


class RegionalSettings(BaseModel):
    """The approximate regional road model and station rules (km, km/h, minutes, metres)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detour_factor: float = Field(REGIONAL_DETOUR_FACTOR, ge=1.0, le=3.0)
    band_limits_km: tuple[float, ...] = REGIONAL_BAND_LIMITS_KM
    band_speeds_kmh: tuple[float, ...] = REGIONAL_BAND_SPEEDS_KMH
    # Place -> station (and station -> place) road legs longer than this are not used.
    max_access_min: float = Field(120.0, gt=0)
    # Every boarding after the first (a change of trains inside a station) costs this;
    # 12306 sells same-station connections from about 10-15 min.
    min_transfer_min: float = Field(10.0, ge=0)
    # First-boarding penalty (minutes) at every station, replacing the route-type / rail
    # spec penalties of TransitSettings (None: those apply, 15 min for HSR).
    station_penalty_min: float | None = Field(None, ge=0)
    # Stops closer than this (straight line) are one station complex (walking transfer).
    transfer_radius_m: float = Field(500.0, ge=0)
    # A rail-spec station further than this from every place gets a warning (a typo'd
    # coordinate, or a line outside the place table's area).
    station_warn_km: float = Field(50.0, gt=0)

    @model_validator(mode="after")
    def _bands(self) -> RegionalSettings:
        limits, speeds = self.band_limits_km, self.band_speeds_kmh
        if len(speeds) != len(limits) + 1:
            raise ValueError(f"band_speeds_kmh needs {len(limits) + 1} values (one per band), got {len(speeds)}")
        if any(b <= a for a, b in zip((0.0, *limits), limits, strict=False)):
            raise ValueError(f"band_limits_km must be positive and increasing, got {list(limits)}")
        if any(not 0 < v <= 200 for v in speeds):
            raise ValueError(f"band_speeds_kmh must lie in (0, 200] km/h, got {list(speeds)}")
        return self


__all__ += [
    "REGIONAL_DETOUR_FACTOR",
    "REGIONAL_BAND_LIMITS_KM",
    "REGIONAL_BAND_SPEEDS_KMH",
    "DEFAULT_REGIONAL_WINDOW_MIN",
    "RegionalSettings",
]

# Travel-time matrices at scale (access.routing.scale). One batch of origins holds
# batch x destinations cells in memory at once, about 60 bytes per cell at the peak
# (float64 seconds, the off-network matrix, the long table with ids; measured with
# tracemalloc in bench/accessibility.py), so 4 million cells stay near 250 MB per worker.
DEFAULT_BATCH_CELLS = 4_000_000  # origin-destination pairs per batch
DASK_CONNECT_TIMEOUT_S = 10.0  # seconds to reach a dask scheduler before giving up

# Accessibility (access.measures.accessibility / equity).
# E2SFCA: the catchment split into equal travel-time zones with these weights, nearest zone
# first. Luo & Qi (2009), "An enhanced two-step floating catchment area (E2SFCA) method",
# Health & Place 15(4): 1100-1107: zones 0-10, 10-20, 20-30 min weighted 1.00, 0.68, 0.22
# (Gaussian, slow decay); here scaled to each cutoff (60 min -> 0-20, 20-40, 40-60).
E2SFCA_ZONE_WEIGHTS: tuple[float, ...] = (1.0, 0.68, 0.22)
# Weighted average time to centres needs every centre reached: search this far (minutes).
CENTRES_MAX_TIME_MIN = 360.0  # minutes; 6 h covers a province-wide city cluster by road
# Equity summaries: share of residents reaching at least this many jobs (per cutoff).
DEFAULT_JOB_THRESHOLDS: tuple[int, ...] = (10_000, 100_000, 1_000_000)

# --- China: national rail layer and county commuting circles (access.china) ---------------
# The modelled service on lines the real timetable does not serve (access.china.modelled):
# a local pattern calling at every station and an express calling at the line's ends and
# one station per prefecture-level city the timetable does not serve on that line.
# Headways: the real per-station timetables (322 key-city stations, c. 2020) show several
# high-speed trains an hour at key stations; small county stations saw roughly one every
# one to two hours on high-speed lines (12306 timetables of the period, e.g. 高碑店东 and
# 定州东 on 京石客专) and a few trains a day on conventional lines. So: locals every 2 h
# (conventional 3 h), expresses hourly on high-speed lines, 06:00-22:00. These are stated
# assumptions (every output that uses the model says so); override per class.
CHINA_MODELLED_HEADWAY_MIN: MappingProxyType[str, float] = MappingProxyType(
    {"high-speed": 120.0, "rapid": 120.0, "conventional": 180.0}
)
CHINA_EXPRESS_HEADWAY_MIN: MappingProxyType[str, float] = MappingProxyType(
    {"high-speed": 60.0, "rapid": 120.0, "conventional": 180.0}
)
# An express stops at the line's station nearest a prefecture's seat when it is this close.
CHINA_EXPRESS_SEAT_KM = 25.0
CHINA_MODELLED_FIRST_DEPARTURE = "06:00"
CHINA_MODELLED_LAST_DEPARTURE = "22:00"
# A county "has no station" when no station with service lies within this straight-line
# distance of its seat (issue 16: 139 prefectures had none within 30 km).
CHINA_COVERAGE_KM = 30.0
# Door-to-door times are searched up to this budget (minutes); beyond it a county is
# reported as not reached by road + rail (its road time is still given).
CHINA_MAX_TIME_MIN = 300.0
# The default morning commute into the centres: departures every minute 07:00-07:59.
CHINA_DEPARTURE = DEFAULT_DEPARTURE_TIME
CHINA_WINDOW_MIN = float(DEFAULT_COMMUTE_WINDOW_MIN)
# Core cities of the three national city clusters of the 14th Five-Year Plan: Jing-Jin-Ji,
# Yangtze River Delta, Guangdong-Hong Kong-Macao Greater Bay Area.
CHINA_CORE_CITIES: tuple[str, ...] = ("北京", "天津", "上海", "南京", "杭州", "广州", "深圳")


class ChinaRailSettings(BaseModel):
    """The modelled service and the national layer's rules (minutes, km, km/h)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    headway_min: dict[str, float] = Field(default_factory=lambda: dict(CHINA_MODELLED_HEADWAY_MIN))
    express_headway_min: dict[str, float] = Field(default_factory=lambda: dict(CHINA_EXPRESS_HEADWAY_MIN))
    express_seat_km: float = Field(CHINA_EXPRESS_SEAT_KM, ge=0)
    first_departure: str = CHINA_MODELLED_FIRST_DEPARTURE
    last_departure: str = CHINA_MODELLED_LAST_DEPARTURE
    # Calibrated on the real timetable when empty; a value per line class overrides.
    speed_share: dict[str, float] = Field(default_factory=dict)
    dwell_min: dict[str, float] = Field(default_factory=dict)
    stop_loss_min: dict[str, float] = Field(default_factory=dict)
    # Modelled service only on lines opened on or before this date (ISO); None: the
    # timetable's own date (the latest line opening its trains use).
    lines_opened_by: str | None = None
    coverage_km: float = Field(CHINA_COVERAGE_KM, gt=0)
    max_time_min: float = Field(CHINA_MAX_TIME_MIN, gt=0, le=MAX_TIME_LIMIT_MIN)

    @model_validator(mode="after")
    def _check(self) -> ChinaRailSettings:
        for name in ("headway_min", "express_headway_min", "speed_share", "dwell_min", "stop_loss_min"):
            values = getattr(self, name)
            unknown = set(values) - {"high-speed", "rapid", "conventional"}
            if unknown:
                raise ValueError(f"{name}: line classes are high-speed, rapid, conventional; got {sorted(unknown)}")
            if any(not v > 0 for v in values.values()) and name != "dwell_min":
                raise ValueError(f"{name} must be positive, got {values}")
        for name in ("headway_min", "express_headway_min"):
            if set(getattr(self, name)) != {"high-speed", "rapid", "conventional"}:
                raise ValueError(f"{name} needs a value for high-speed, rapid and conventional")
        if any(v > 1.0 for v in self.speed_share.values()):
            raise ValueError(f"speed_share is a share of the design speed (0-1], got {self.speed_share}")
        return self


__all__ += [
    "CHINA_MODELLED_HEADWAY_MIN",
    "CHINA_EXPRESS_HEADWAY_MIN",
    "CHINA_EXPRESS_SEAT_KM",
    "CHINA_MODELLED_FIRST_DEPARTURE",
    "CHINA_MODELLED_LAST_DEPARTURE",
    "CHINA_COVERAGE_KM",
    "CHINA_MAX_TIME_MIN",
    "CHINA_DEPARTURE",
    "CHINA_WINDOW_MIN",
    "CHINA_CORE_CITIES",
    "ChinaRailSettings",
]

# Elevation (access.network.elevation): slope-adjusted walking and cycling times from a DEM.
# R5 samples every 10 m along each edge (ELEVATION_SAMPLE_SPACING_METERS in
# com.conveyal.r5.rastercost.ElevationLoader); the same spacing here.
ELEVATION_SAMPLE_SPACING_M = 10.0  # metres between elevation samples along an edge
ELEVATION_MODES: tuple[str, ...] = ("walk", "bike")  # cars keep posted / class speeds (as R5)


class ElevationSettings(BaseModel):
    """How a digital elevation model changes walking and cycling times (metres).

    ``cost_function`` per mode: ``"tobler"`` (Tobler's hiking function) or ``"minetti"``
    (Minetti et al.'s energy cost of gradient walking). ``interpolation`` reads the DEM
    ``"bilinear"`` (smooth slopes between cell centres) or ``"nearest"`` (the cell's value,
    as R5). ``averaging`` turns the slope profile of an edge into its time factor:
    ``"time"`` sums each piece's time (distance-weighted mean of time factors, exact for a
    piecewise-constant speed) and keeps flat ground exactly at the flat time; ``"r5"``
    follows R5 (distance-weighted mean of speed factors, inverted; Tobler scaled by 1.2 so
    flat ground is 0.75 % faster; elevations in whole decimetres; the extra seconds rounded
    and added to the edge's base time).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cost_function: dict[str, Literal["tobler", "minetti"]] = Field(
        default_factory=lambda: {"walk": "tobler", "bike": "minetti"}
    )
    sample_spacing_m: float = Field(ELEVATION_SAMPLE_SPACING_M, gt=0, le=1000)
    interpolation: Literal["bilinear", "nearest"] = "bilinear"
    averaging: Literal["time", "r5"] = "time"

    @classmethod
    def r5(cls, cost_function: Literal["tobler", "minetti"] = "tobler") -> ElevationSettings:
        """R5's rules (r5r / r5py ``elevation="TOBLER"``): one cost function for walking and
        cycling, nearest-cell sampling, R5's averaging."""
        return cls(
            cost_function={"walk": cost_function, "bike": cost_function}, interpolation="nearest", averaging="r5"
        )


__all__ += ["ELEVATION_SAMPLE_SPACING_M", "ELEVATION_MODES", "ElevationSettings"]

# Default car speeds outside China (access.network._rules.country_car_speeds_kmh). A way
# without a usable `maxspeed` drives at its country's legal default for its kind of road,
# the implicit limits of the OSM wiki page "Default speed limits" (cars, km/h; mph
# countries converted): residential (inside built-up areas), rural (primary ... unclassified
# outside them), trunk (expressways / motor roads), motorway, living_street. Legal limits
# are upper bounds: free-flow at the limit, no congestion (China's table above uses
# operating speeds below its limits). Countries not listed, or extracts whose country
# cannot be told, keep China's table.
COUNTRY_SPEED_LIMITS_KMH: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        code: MappingProxyType(
            dict(zip(("residential", "rural", "trunk", "motorway", "living_street"), v, strict=True))
        )
        for code, v in {
            "AT": (50.0, 100.0, 100.0, 130.0, 5.0),
            "AU": (50.0, 100.0, 100.0, 110.0, 10.0),
            "BE": (50.0, 90.0, 90.0, 120.0, 20.0),
            "BR": (30.0, 100.0, 110.0, 110.0, 20.0),  # CTB art. 61: local streets 30, highways 100-110
            "CA": (50.0, 80.0, 100.0, 100.0, 20.0),
            "CH": (50.0, 80.0, 100.0, 120.0, 20.0),
            "CZ": (50.0, 90.0, 110.0, 130.0, 20.0),
            "DE": (50.0, 100.0, 100.0, 130.0, 7.0),  # motorway: the advisory 130 (no general limit)
            "DK": (50.0, 80.0, 90.0, 130.0, 15.0),
            "ES": (50.0, 90.0, 100.0, 120.0, 20.0),
            "FI": (50.0, 80.0, 100.0, 120.0, 20.0),
            "FR": (50.0, 80.0, 110.0, 130.0, 20.0),
            "GB": (48.28, 96.56, 112.65, 112.65, 32.19),  # 30 / 60 / 70 / 70 / 20 mph
            "HU": (50.0, 90.0, 110.0, 130.0, 20.0),
            "IE": (50.0, 80.0, 100.0, 120.0, 20.0),
            "IT": (50.0, 90.0, 110.0, 130.0, 20.0),
            "NL": (50.0, 80.0, 100.0, 100.0, 15.0),
            "NO": (50.0, 80.0, 90.0, 110.0, 20.0),
            "PL": (50.0, 90.0, 100.0, 140.0, 20.0),
            "PT": (50.0, 90.0, 100.0, 120.0, 20.0),
            "RU": (60.0, 90.0, 90.0, 110.0, 20.0),
            "SE": (50.0, 70.0, 90.0, 110.0, 7.0),
            "US": (40.23, 88.51, 88.51, 104.61, 24.14),  # 25 / 55 / 55 / 65 / 15 mph (typical state law)
        }.items()
    }
)
# Ramps run at half their road's speed, as the ratios of OSRM's car profile (motorway 90 /
# link 45, primary 65 / link 30 ...); service roads and tracks at China's 15 km/h.
LINK_SPEED_FACTOR = 0.5
MINOR_ROAD_SPEED_KMH = 15.0  # service, track

__all__ += ["COUNTRY_SPEED_LIMITS_KMH", "LINK_SPEED_FACTOR", "MINOR_ROAD_SPEED_KMH"]
# Limits on what one input file may ask for (access.io, access.scenarios). Real inputs sit
# far inside them; a file beyond them is refused at parse time with a message naming the
# bound, before any memory is spent on it (issues 20 and 21).
#  - Rail specs and scenario timetables. Headways below 1 min are beyond any rail or bus
#    service (metros run at 90-120 s at best); service days run to at most 48:00 (GTFS
#    times past 24:00 for a night's trains); dwell and acceleration allowances above an
#    hour per station are typos, as are single runs over a day.
MIN_HEADWAY_MIN = 1.0  # minutes between departures of one period
MAX_SERVICE_HOURS = 48  # hours: every HH:MM (periods, first/last train, departures) at most 48:00
MAX_DWELL_MIN = 60.0  # minutes at one station (rail spec dwell_min, add_stops dwell_min)
MAX_ACCEL_DECEL_MIN = 30.0  # minutes lost per stop to braking and accelerating
MAX_RUN_TIME_MIN = 1440.0  # minutes of one run between consecutive stations
MAX_SPEC_STATIONS = 500  # stations of one rail spec (the longest HSR lines have < 100)
MAX_SPEC_PERIODS = 100  # service periods of one rail spec or change_headway
MAX_SPEC_PATTERNS = 50  # stopping patterns of one rail spec
#  - Trips a rail spec (every pattern, both directions) or one change_headway may expand to,
#    and the stop times they make: a 1-min headway for 48 h in both directions is 5,760
#    trips; the busiest real HSR lines run < 300 trains a day. 500,000 stop times peak at
#    ~140 MB (tracemalloc) while the GTFS tables are built.
MAX_SPEC_TRIPS = 20_000
MAX_SPEC_STOP_TIMES = 500_000
MAX_ROAD_POINTS = 10_000  # coordinates of one add_road polyline
MAX_MODIFICATIONS = 200  # modifications of one scenario
#  - GTFS archives: members are read into memory, so a zip bomb (9.4 MB expanding to 3 GB)
#    is refused from its directory before anything is decompressed. Real feeds compress
#    5-15x (stop_times.txt at most ~25x); 1 GiB of text is ~10 GB of pandas tables.
MAX_GTFS_UNCOMPRESSED_BYTES = 1 << 30  # bytes of the members read, in total
MAX_GTFS_COMPRESSION_RATIO = 100.0  # uncompressed / compressed size of a member above 1 MiB

__all__ += [
    "MIN_HEADWAY_MIN",
    "MAX_SERVICE_HOURS",
    "MAX_DWELL_MIN",
    "MAX_ACCEL_DECEL_MIN",
    "MAX_RUN_TIME_MIN",
    "MAX_SPEC_STATIONS",
    "MAX_SPEC_PERIODS",
    "MAX_SPEC_PATTERNS",
    "MAX_SPEC_TRIPS",
    "MAX_SPEC_STOP_TIMES",
    "MAX_ROAD_POINTS",
    "MAX_MODIFICATIONS",
    "MAX_GTFS_UNCOMPRESSED_BYTES",
    "MAX_GTFS_COMPRESSION_RATIO",
]
