"""Rail line specs: planned or existing HSR / intercity lines in a small YAML, as GTFS."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from access._clock import clock_seconds, format_clock
from access._geo import haversine_m
from access.config import (
    MAX_ACCEL_DECEL_MIN,
    MAX_DWELL_MIN,
    MAX_RUN_TIME_MIN,
    MAX_SERVICE_HOURS,
    MAX_SPEC_PATTERNS,
    MAX_SPEC_PERIODS,
    MAX_SPEC_STATIONS,
    MAX_SPEC_STOP_TIMES,
    MAX_SPEC_TRIPS,
    MIN_HEADWAY_MIN,
)
from access.errors import InputError
from access.io._text import load_user_yaml
from access.io.gtfs import write_gtfs_zip

__all__ = [
    "Station",
    "Period",
    "Pattern",
    "RailSpec",
    "read_rail_spec",
    "parse_rail_spec",
    "rail_spec_to_gtfs",
    "write_rail_spec_gtfs",
    "spec_trip_minutes",
    "segment_minutes",
]

MAX_SPEED_KMH = 400.0  # beyond any rail line in service (CR450 tests ~450, service 350)
BACKTRACK_TOLERANCE = 0.5  # a station may not bring the line back by half its distance so far
_NON_WORD = re.compile(r"[\W_]+")  # stop id slugs keep letters of any script (北京南)


def _minutes(text: str) -> float:
    """Minutes since midnight of a spec's "HH:MM" (access._clock: one grammar everywhere),
    at most ``MAX_SERVICE_HOURS`` (a service day ends by then)."""
    minutes = clock_seconds(text) / 60
    if minutes > MAX_SERVICE_HOURS * 60:
        raise ValueError(f"time {text!r} is past {MAX_SERVICE_HOURS}:00 (a service day ends by then)")
    return minutes


def _sexagesimal(value: object) -> object:
    """YAML 1.1 reads an unquoted 16:30 as the base-60 integer 990 - the minutes of 16:30;
    give it back as the "HH:MM" the user wrote."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return format_clock(value * 60, with_seconds=False)
    return value


class _Spec(BaseModel):
    # NaN and +-Infinity are refused in every number (a bound compares false with NaN)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Station(_Spec):
    """A station on the line (EPSG:4326 degrees); ``stop_id`` reuses an existing GTFS stop."""

    name: str = Field(min_length=1, max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    stop_id: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _swapped(cls, data: object) -> object:
        if isinstance(data, dict):
            lon, lat = data.get("lon"), data.get("lat")
            if isinstance(lon, int | float) and isinstance(lat, int | float) and abs(lat) > 90 >= abs(lon):
                raise ValueError(f"lat {lat} is not a latitude (|lat| <= 90): are lon and lat swapped?")
        return data


class Period(_Spec):
    """Departures from the first station every ``headway_min`` from ``start`` (inclusive)
    to ``end`` (exclusive); "HH:MM", past 24:00 allowed (up to 48:00)."""

    start: str
    end: str
    headway_min: float

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_text(cls, value: object) -> object:
        return _sexagesimal(value)

    @model_validator(mode="after")
    def _check(self) -> Period:
        if not self.headway_min >= MIN_HEADWAY_MIN:
            raise ValueError(f"headway_min must be at least {MIN_HEADWAY_MIN:g} minute, got {self.headway_min}")
        if _minutes(self.end) <= _minutes(self.start):
            raise ValueError(f"period end {self.end} is not after start {self.start}")
        return self


class Pattern(_Spec):
    """A stopping pattern: the stations served, in line order (e.g. an express)."""

    name: str = Field(min_length=1, max_length=200)
    stops: list[str] = Field(max_length=MAX_SPEC_STATIONS)


class RailSpec(_Spec):
    """A rail line: stations, run times (or a design speed), dwell, service periods.

    Run times come from ``run_times_min`` (one per segment) or from ``design_speed_kmh``:
    straight-line distance x ``detour_factor`` / speed + ``accel_decel_min`` per segment.
    An express skipping a station saves that station's dwell and ``accel_decel_min``.
    Every number is bounded (``access.config``: headways of at least ``MIN_HEADWAY_MIN``,
    times within ``MAX_SERVICE_HOURS``, at most ``MAX_SPEC_TRIPS`` trips in all).
    """

    line: str = Field(min_length=1, max_length=200)
    route_id: str | None = Field(None, min_length=1, max_length=200)
    route_type: int = Field(2, ge=0, le=1799)  # GTFS basic (0-12) and extended (100-1702) types
    stations: list[Station] = Field(max_length=MAX_SPEC_STATIONS)
    run_times_min: list[float] | None = None
    design_speed_kmh: float | None = None
    detour_factor: float = Field(1.2, ge=1.0, le=3.0)
    accel_decel_min: float = Field(2.0, ge=0, le=MAX_ACCEL_DECEL_MIN)
    dwell_min: float = Field(2.0, ge=0, le=MAX_DWELL_MIN)
    periods: list[Period] = Field(min_length=1, max_length=MAX_SPEC_PERIODS)
    first_train: str | None = None
    last_train: str | None = None
    directions: Literal["both", "forward"] = "both"
    patterns: list[Pattern] | None = Field(None, min_length=1, max_length=MAX_SPEC_PATTERNS)
    service_id: str = Field("rail_spec_daily", min_length=1, max_length=200)
    start_date: str = Field("20000101", pattern=r"^\d{8}$")
    end_date: str = Field("20991231", pattern=r"^\d{8}$")

    @field_validator("first_train", "last_train", mode="before")
    @classmethod
    def _clock_text(cls, value: object) -> object:
        return _sexagesimal(value)

    @field_validator("stations")
    @classmethod
    def _stations(cls, stations: list[Station]) -> list[Station]:
        if len(stations) < 2:
            raise ValueError(f"need at least 2 stations, got {len(stations)}")
        names = [s.name for s in stations]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"duplicate station names: {', '.join(duplicated)}")
        first = stations[0]
        reach = 0.0
        for station in stations[1:]:
            d = float(haversine_m(first.lon, first.lat, station.lon, station.lat))
            if d < reach * (1 - BACKTRACK_TOLERANCE):
                raise ValueError(
                    f"station {station.name!r} is out of order: the line doubles back towards {first.name!r}"
                )
            reach = max(reach, d)
        return stations

    @model_validator(mode="after")
    def _consistent(self) -> RailSpec:
        if (self.run_times_min is None) == (self.design_speed_kmh is None):
            raise ValueError("give exactly one of run_times_min or design_speed_kmh")
        if self.design_speed_kmh is not None and not 0 < self.design_speed_kmh <= MAX_SPEED_KMH:
            raise ValueError(
                f"design_speed_kmh {self.design_speed_kmh} must be in (0, {MAX_SPEED_KMH:.0f}]: "
                "speeds > 400 km/h are beyond any rail line"
            )
        if self.run_times_min is not None:
            if len(self.run_times_min) != len(self.stations) - 1:
                raise ValueError(
                    f"run_times_min needs {len(self.stations) - 1} values (one per segment), "
                    f"got {len(self.run_times_min)}"
                )
            for k, (minutes, a, b) in enumerate(
                zip(self.run_times_min, self.stations[:-1], self.stations[1:], strict=True)
            ):
                if not 0 < minutes <= MAX_RUN_TIME_MIN:
                    raise ValueError(
                        f"run_times_min[{k}] ({a.name} - {b.name}) must be > 0 and at most {MAX_RUN_TIME_MIN:g}"
                    )
                kmh = float(haversine_m(a.lon, a.lat, b.lon, b.lat)) / 1000 / (minutes / 60)
                if kmh > MAX_SPEED_KMH:
                    raise ValueError(
                        f"{a.name} - {b.name} in {minutes} min is {kmh:.0f} km/h in a straight line: "
                        "speeds > 400 km/h are beyond any rail line"
                    )
        names = [s.name for s in self.stations]
        ids = [s.stop_id or _NON_WORD.sub("_", s.name) for s in self.stations]
        clashes = sorted({i for i in ids if ids.count(i) > 1})
        if clashes:
            raise ValueError(
                f"stations {', '.join(clashes)} would share one stop id; give them distinct names or stop_id"
            )
        pattern_names = [p.name for p in self.patterns or []]
        if len(set(pattern_names)) != len(pattern_names):
            raise ValueError(f"pattern names must be unique, got {pattern_names}")
        for pattern in self.patterns or []:
            unknown = [s for s in pattern.stops if s not in names]
            if unknown:
                raise ValueError(f"pattern {pattern.name!r}: stations not on the line: {', '.join(unknown)}")
            positions = [names.index(s) for s in pattern.stops]
            if len(positions) < 2:
                raise ValueError(f"pattern {pattern.name!r} needs at least 2 stations")
            if positions != sorted(positions) or len(set(positions)) != len(positions):
                raise ValueError(f"pattern {pattern.name!r}: station out of order (must follow the line)")
        for clamp in (self.first_train, self.last_train):
            if clamp is not None:
                _minutes(clamp)
        if self.start_date > self.end_date:
            raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")
        self._check_size()
        return self

    def _check_size(self) -> None:
        """Refuse a spec that would expand to more than MAX_SPEC_TRIPS trips or
        MAX_SPEC_STOP_TIMES stop times, counted without building them."""
        departures = len(_departures(self))
        directions = 2 if self.directions == "both" else 1
        patterns = _patterns(self)
        trips = departures * directions * len(patterns)
        stop_times = departures * directions * sum(len(p.stops) for p in patterns)
        if trips > MAX_SPEC_TRIPS or stop_times > MAX_SPEC_STOP_TIMES:
            raise ValueError(
                f"the spec expands to {trips:,} trips and {stop_times:,} stop times "
                f"({departures:,} departures x {directions} directions x {len(patterns)} patterns); "
                f"at most {MAX_SPEC_TRIPS:,} trips and {MAX_SPEC_STOP_TIMES:,} stop times are allowed: "
                "use longer headways or shorter periods"
            )

    @property
    def slug(self) -> str:
        return self.route_id or re.sub(r"[^a-z0-9]+", "_", self.line.lower()).strip("_") or "line"


def read_rail_spec(path: str | Path) -> RailSpec:
    """A :class:`RailSpec` from a YAML file; :class:`InputError` listing every problem."""
    path = Path(path)
    data = load_user_yaml(path, "rail spec")
    return parse_rail_spec(data, label=path.name)


def parse_rail_spec(data: object, *, label: str = "rail spec") -> RailSpec:
    """Validate a rail spec given as a mapping (e.g. parsed JSON / YAML)."""
    if not isinstance(data, dict):
        where = label if label.startswith("rail spec") else f"rail spec {label}"
        raise InputError(f"{where}: expected a mapping of keys (line, stations, ...).")
    try:
        return RailSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'spec'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        where = label if label.startswith("rail spec") else f"rail spec {label}"
        raise InputError(f"{where}: {problems}") from None


def segment_minutes(spec: RailSpec) -> np.ndarray:
    """Run time (minutes) of each segment between consecutive stations, dwell excluded."""
    if spec.run_times_min is not None:
        return np.asarray(spec.run_times_min, dtype=float)
    lon = np.array([s.lon for s in spec.stations])
    lat = np.array([s.lat for s in spec.stations])
    km = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]) / 1000 * spec.detour_factor
    return km / spec.design_speed_kmh * 60 + spec.accel_decel_min


def _patterns(spec: RailSpec) -> list[Pattern]:
    return spec.patterns or [Pattern(name="all", stops=[s.name for s in spec.stations])]


def _schedule(spec: RailSpec, pattern: Pattern, reverse: bool) -> list[tuple[int, float, float]]:
    """(station index, arrival offset, departure offset) minutes from the first departure."""
    names = [s.name for s in spec.stations]
    runs = segment_minutes(spec)
    served = [names.index(s) for s in pattern.stops]
    if reverse:
        served = served[::-1]
    rows, t = [], 0.0
    for k, station in enumerate(served):
        if k > 0:
            lo, hi = sorted((served[k - 1], station))
            skipped = hi - lo - 1
            t += (
                float(runs[lo:hi].sum()) - skipped * spec.accel_decel_min
                if spec.design_speed_kmh
                else float(runs[lo:hi].sum())
            )
        dwell = spec.dwell_min if 0 < k < len(served) - 1 else 0.0
        rows.append((station, t, t + dwell))
        t += dwell
    return rows


def spec_trip_minutes(spec: RailSpec, pattern: str = "all") -> float:
    """End-to-end minutes of a pattern's trip: runs plus dwell at intermediate stops."""
    chosen = next((p for p in _patterns(spec) if p.name == pattern), None)
    if chosen is None:
        raise InputError(f"rail spec {spec.line!r} has no pattern {pattern!r}.")
    return _schedule(spec, chosen, reverse=False)[-1][1]


def _departures(spec: RailSpec) -> list[float]:
    """First-station departures (minutes) of every period, on whole seconds, each once."""
    runs = [np.arange(_minutes(p.start), _minutes(p.end), p.headway_min) for p in spec.periods]
    seconds = np.unique(np.round(np.concatenate(runs) * 60).astype(np.int64))
    lo = _minutes(spec.first_train) if spec.first_train else -math.inf
    hi = _minutes(spec.last_train) if spec.last_train else math.inf
    return [s / 60 for s in seconds.tolist() if lo <= s / 60 <= hi]


def _clock(minutes: float) -> str:
    return format_clock(minutes * 60)


def rail_spec_to_gtfs(spec: RailSpec) -> dict[str, pd.DataFrame]:
    """GTFS tables (agency, stops, routes, trips, stop_times, calendar) of the spec, every
    departure of every pattern in each direction, running daily over the date range."""
    route = spec.slug
    stop_ids = [s.stop_id or f"{route}:{_NON_WORD.sub('_', s.name)}" for s in spec.stations]
    stops = pd.DataFrame(
        {
            "stop_id": stop_ids,
            "stop_name": [s.name for s in spec.stations],
            "stop_lat": [f"{s.lat:.7f}" for s in spec.stations],
            "stop_lon": [f"{s.lon:.7f}" for s in spec.stations],
        }
    )
    trips, stop_times = [], []
    directions = (False, True) if spec.directions == "both" else (False,)
    departures = _departures(spec)
    # ids name the departure by HHMM, or HHMMSS when some departure is not on a whole
    # minute (a 1.5-min headway), so that no two trips of a pattern share one
    digits = 4 if all(round(t * 60) % 60 == 0 for t in departures) else 6
    for pattern in _patterns(spec):
        for reverse in directions:
            schedule = _schedule(spec, pattern, reverse)
            for start in departures:
                trip_id = f"{route}:{pattern.name}:{int(reverse)}:{_clock(start).replace(':', '')[:digits]}"
                trips.append((route, spec.service_id, trip_id, int(reverse)))
                for seq, (station, arr, dep) in enumerate(schedule, start=1):
                    stop_times.append((trip_id, _clock(start + arr), _clock(start + dep), stop_ids[station], seq))
    return {
        "agency": pd.DataFrame(
            {
                "agency_id": ["rail_spec"],
                "agency_name": ["Rail line specs"],
                "agency_url": ["https://example.invalid"],
                "agency_timezone": ["Asia/Shanghai"],
            }
        ),
        "stops": stops,
        "routes": pd.DataFrame(
            {
                "route_id": [route],
                "agency_id": ["rail_spec"],
                "route_short_name": [route],
                "route_long_name": [spec.line],
                "route_type": [str(spec.route_type)],
            }
        ),
        "trips": pd.DataFrame(trips, columns=["route_id", "service_id", "trip_id", "direction_id"]),
        "stop_times": pd.DataFrame(
            stop_times, columns=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]
        ),
        "calendar": pd.DataFrame(
            {
                "service_id": [spec.service_id],
                **{d: ["1"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
                "start_date": [spec.start_date],
                "end_date": [spec.end_date],
            }
        ),
    }


def write_rail_spec_gtfs(spec: RailSpec, path: str | Path) -> Path:
    """Write the spec's GTFS tables as a zip, atomically."""

    return write_gtfs_zip(rail_spec_to_gtfs(spec), path)
