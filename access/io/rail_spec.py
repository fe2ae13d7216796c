"""Rail line specs: planned or existing HSR / intercity lines in a small YAML, as GTFS."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from access._geo import haversine_m
from access.errors import InputError

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
_HHMM = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_NON_WORD = re.compile(r"[\W_]+")  # stop id slugs keep letters of any script (北京南)


def _minutes(text: str) -> float:
    match = _HHMM.match(str(text).strip())
    if match is None:
        raise ValueError(f"time {text!r} is not HH:MM")
    return int(match.group(1)) * 60 + int(match.group(2))


class Station(BaseModel):
    """A station on the line (EPSG:4326 degrees); ``stop_id`` reuses an existing GTFS stop."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    stop_id: str | None = None


class Period(BaseModel):
    """Departures from the first station every ``headway_min`` from ``start`` (inclusive)
    to ``end`` (exclusive); "HH:MM", past 24:00 allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: str
    end: str
    headway_min: float

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.headway_min <= 0:
            raise ValueError(f"headway_min must be > 0, got {self.headway_min}")
        if _minutes(self.end) <= _minutes(self.start):
            raise ValueError(f"period end {self.end} is not after start {self.start}")
        return self


class Pattern(BaseModel):
    """A stopping pattern: the stations served, in line order (e.g. an express)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    stops: list[str]


class RailSpec(BaseModel):
    """A rail line: stations, run times (or a design speed), dwell, service periods.

    Run times come from ``run_times_min`` (one per segment) or from ``design_speed_kmh``:
    straight-line distance x ``detour_factor`` / speed + ``accel_decel_min`` per segment.
    An express skipping a station saves that station's dwell and ``accel_decel_min``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    line: str = Field(min_length=1)
    route_id: str | None = None
    route_type: int = 2
    stations: list[Station]
    run_times_min: list[float] | None = None
    design_speed_kmh: float | None = None
    detour_factor: float = Field(1.2, ge=1.0, le=3.0)
    accel_decel_min: float = Field(2.0, ge=0)
    dwell_min: float = Field(2.0, ge=0)
    periods: list[Period] = Field(min_length=1)
    first_train: str | None = None
    last_train: str | None = None
    directions: Literal["both", "forward"] = "both"
    patterns: list[Pattern] | None = None
    service_id: str = "rail_spec_daily"
    start_date: str = "20000101"
    end_date: str = "20991231"

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
                if minutes <= 0:
                    raise ValueError(f"run_times_min[{k}] ({a.name} - {b.name}) must be > 0")
                kmh = float(haversine_m(a.lon, a.lat, b.lon, b.lat)) / 1000 / (minutes / 60)
                if kmh > MAX_SPEED_KMH:
                    raise ValueError(
                        f"{a.name} - {b.name} in {minutes} min is {kmh:.0f} km/h in a straight line: "
                        "speeds > 400 km/h are beyond any rail line"
                    )
        names = [s.name for s in self.stations]
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
        return self

    @property
    def slug(self) -> str:
        return self.route_id or re.sub(r"[^a-z0-9]+", "_", self.line.lower()).strip("_") or "line"


def read_rail_spec(path: str | Path) -> RailSpec:
    """A :class:`RailSpec` from a YAML file; :class:`InputError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"rail spec {path} does not exist; check the path.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"rail spec {path.name} is not valid YAML: {exc}") from None
    return parse_rail_spec(data, label=path.name)


def parse_rail_spec(data: object, *, label: str = "rail spec") -> RailSpec:
    """Validate a rail spec given as a mapping (e.g. parsed JSON / YAML)."""
    if not isinstance(data, dict):
        raise InputError(f"rail spec {label}: expected a mapping of keys (line, stations, ...).")
    try:
        return RailSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'spec'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise InputError(f"rail spec {label}: {problems}") from None


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
    times: set[float] = set()
    for period in spec.periods:
        start, end = _minutes(period.start), _minutes(period.end)
        times.update(float(t) for t in np.arange(start, end, period.headway_min))
    lo = _minutes(spec.first_train) if spec.first_train else -math.inf
    hi = _minutes(spec.last_train) if spec.last_train else math.inf
    return sorted(t for t in times if lo <= t <= hi)


def _clock(minutes: float) -> str:
    seconds = int(round(minutes * 60))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


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
    for pattern in _patterns(spec):
        for reverse in directions:
            schedule = _schedule(spec, pattern, reverse)
            for start in _departures(spec):
                trip_id = f"{route}:{pattern.name}:{int(reverse)}:{_clock(start).replace(':', '')[:4]}"
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
    from access.io.gtfs import write_gtfs_zip

    return write_gtfs_zip(rail_spec_to_gtfs(spec), path)
