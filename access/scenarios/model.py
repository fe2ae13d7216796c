"""Scenario files: a base region plus an ordered list of modifications (pydantic models).

A scenario is plain data: it validates from YAML / JSON (``type:`` picks the
modification), round-trips through ``model_dump_json`` / ``model_validate_json``, and
says what to fix when a field is wrong. Applying it lives in
:mod:`access.scenarios.apply`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from access._clock import clock_seconds, format_clock
from access.config import (
    DEFAULT_COMMUTE_WINDOW_MIN,
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_DEPARTURE_TIME,
    DEFAULT_MAX_TIME_MIN,
    DEFAULT_PERCENTILE,
    MAX_DWELL_MIN,
    MAX_MODIFICATIONS,
    MAX_ROAD_POINTS,
    MAX_SERVICE_HOURS,
    MAX_SPEC_PERIODS,
    MAX_SPEC_TRIPS,
    MIN_HEADWAY_MIN,
    TransitSettings,
)
from access.errors import InputError
from access.io._text import load_user_yaml
from access.io.output import atomic_path
from access.io.rail_spec import RailSpec

__all__ = [
    "BaseRegion",
    "CompareSettings",
    "Centre",
    "AddLine",
    "AddStops",
    "StopInsert",
    "RemoveStops",
    "RemoveRoute",
    "ChangeHeadway",
    "HeadwayPeriod",
    "ChangeSpeed",
    "ChangeStationPenalty",
    "AddRoad",
    "ChangeRoadSpeed",
    "Modification",
    "Scenario",
    "read_scenario",
    "parse_scenario",
    "write_scenario",
]


def clock_s(text: str) -> int:
    """Seconds since midnight of ``"HH:MM"`` / ``"HH:MM:SS"`` (access._clock's grammar; past
    24:00 allowed, up to ``MAX_SERVICE_HOURS``)."""
    seconds = clock_seconds(text)
    if seconds > MAX_SERVICE_HOURS * 3600:
        raise ValueError(f"time {text!r} is past {MAX_SERVICE_HOURS}:00 (a service day ends by then)")
    return seconds


def _sexagesimal(value: object) -> object:
    """YAML 1.1 reads an unquoted 16:30 as the base-60 integer 990 (its minutes): give
    back the "HH:MM" the user wrote."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return format_clock(value * 60, with_seconds=False)
    return value


class _Model(BaseModel):
    # NaN and +-Infinity are refused in every number: a bound compares false with NaN,
    # and a scenario stored with one could never be used
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BaseRegion(_Model):
    """The region before any change: files are paths (relative ones resolve against the
    scenario file's folder when read with :func:`read_scenario`)."""

    osm: str = Field(min_length=1)
    gtfs: list[str] = Field(default_factory=list)
    rail_specs: list[str] = Field(default_factory=list)
    opportunities: str | None = None  # points with opportunity columns (CSV id,lon,lat,jobs,...)
    origins: str | None = None  # default: the opportunities file
    service_date: str | None = None  # YYYY-MM-DD; default: the feeds' typical weekday
    modes: list[Literal["walk", "bike", "car"]] = Field(default_factory=lambda: ["walk", "car"])
    transit_settings: TransitSettings = Field(default_factory=TransitSettings)


class Centre(_Model):
    """A centre whose 1-h / 2-h circles are compared (EPSG:4326 degrees)."""

    name: str = Field(min_length=1)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class CompareSettings(_Model):
    """What :func:`access.compare` computes for the CLI and the API (same on both networks)."""

    mode: Literal["walk", "bike", "car", "transit"] = "transit"
    access_mode: Literal["walk", "bike", "car"] = "walk"
    departure: str = DEFAULT_DEPARTURE_TIME
    window_min: float = Field(float(DEFAULT_COMMUTE_WINDOW_MIN), ge=1, le=1440)
    percentile: float = Field(float(DEFAULT_PERCENTILE), gt=0, le=100)
    cutoffs_min: list[float] = Field(default_factory=lambda: list(DEFAULT_CUTOFFS_MIN), min_length=1)
    max_time_min: float = Field(DEFAULT_MAX_TIME_MIN, gt=0, le=1440)
    opportunity: str = "jobs"
    population: str = "population"
    by: str | None = "county"
    class_column: str | None = "class"
    centres: list[Centre] = Field(default_factory=list)

    @field_validator("cutoffs_min")
    @classmethod
    def _cutoffs(cls, values: list[float]) -> list[float]:
        if any(not 0 < v <= 1440 for v in values):
            raise ValueError(f"cutoffs must lie in (0, 1440] minutes, got {values}")
        return sorted(set(values))


# -- modifications ------------------------------------------------------------------


class AddLine(_Model):
    """A new rail line from a rail spec (inline or a YAML path). Its stations are linked
    to the streets like any stop; ``park_and_ride`` lets cars reach them."""

    type: Literal["add_line"] = "add_line"
    # a path (str) or the spec inline; the discriminator validates only the branch given,
    # so errors name the spec's fields, not "Input should be a valid string" as well
    spec: Annotated[
        Annotated[RailSpec, Tag("inline")] | Annotated[str, Tag("path")],
        Discriminator(lambda v: "path" if isinstance(v, str) else "inline"),
    ]
    park_and_ride: bool = True
    board_penalty_min: float | None = Field(None, ge=0, le=240)  # default: rail_spec_board_penalty_min


class StopInsert(_Model):
    """A stop inserted between two consecutive stops of a route (either direction).
    ``stop`` is an existing stop (id or name) or a new id, then with ``lon``/``lat``."""

    stop: str = Field(min_length=1)
    between: tuple[str, str]
    name: str | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)

    @model_validator(mode="after")
    def _check(self) -> StopInsert:
        if (self.lon is None) != (self.lat is None):
            raise ValueError(f"stop {self.stop!r}: give both lon and lat, or neither (an existing stop)")
        if self.between[0] == self.between[1]:
            raise ValueError(f"stop {self.stop!r}: 'between' needs two different stops")
        return self


class AddStops(_Model):
    """New stops on an existing route; every later stop of a trip is delayed by the dwell."""

    type: Literal["add_stops"] = "add_stops"
    route: str = Field(min_length=1)
    stops: list[StopInsert] = Field(min_length=1)
    dwell_min: float = Field(0.5, ge=0, le=MAX_DWELL_MIN)


class RemoveStops(_Model):
    """Stops no longer served (by ``routes``, default every route); times elsewhere kept."""

    type: Literal["remove_stops"] = "remove_stops"
    stops: list[str] = Field(min_length=1)
    routes: list[str] | None = None


class RemoveRoute(_Model):
    """Routes removed entirely."""

    type: Literal["remove_route"] = "remove_route"
    routes: list[str] = Field(min_length=1)


class HeadwayPeriod(_Model):
    """Trips every ``headway_min`` from ``start`` (inclusive) to ``end`` (exclusive)."""

    start: str
    end: str
    headway_min: float

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_text(cls, value: object) -> object:
        return _sexagesimal(value)

    @model_validator(mode="after")
    def _check(self) -> HeadwayPeriod:
        if not self.headway_min >= MIN_HEADWAY_MIN:
            raise ValueError(f"headway_min must be at least {MIN_HEADWAY_MIN:g} minute, got {self.headway_min}")
        if clock_s(self.end) <= clock_s(self.start):
            raise ValueError(f"period end {self.end} is not after start {self.start}")
        return self


class ChangeHeadway(_Model):
    """Trips of the routes starting within each period are regenerated at the new
    headway, with the run and dwell times of the period's commonest trip per direction."""

    type: Literal["change_headway"] = "change_headway"
    routes: list[str] = Field(min_length=1)
    periods: list[HeadwayPeriod] = Field(min_length=1, max_length=MAX_SPEC_PERIODS)

    @field_validator("periods")
    @classmethod
    def _no_overlap(cls, periods: list[HeadwayPeriod]) -> list[HeadwayPeriod]:
        ordered = sorted(periods, key=lambda p: clock_seconds(p.start))
        for a, b in zip(ordered[:-1], ordered[1:], strict=True):
            if clock_seconds(b.start) < clock_seconds(a.end):
                raise ValueError(f"periods overlap: {a.start}-{a.end} and {b.start}-{b.end}")
        return periods

    @model_validator(mode="after")
    def _size(self) -> ChangeHeadway:
        # one new trip per departure, route and direction (two, as most routes have)
        per_route = sum(-(-(clock_s(p.end) - clock_s(p.start)) // int(round(p.headway_min * 60))) for p in self.periods)
        trips = 2 * len(self.routes) * per_route
        if trips > MAX_SPEC_TRIPS:
            raise ValueError(
                f"change_headway would create about {trips:,} trips ({len(self.routes)} routes x 2 directions x "
                f"{per_route:,} departures); at most {MAX_SPEC_TRIPS:,} are allowed"
            )
        return self


class ChangeSpeed(_Model):
    """Run times (not dwell) of the routes divided by ``speed_factor`` (1.25: 25 % faster),
    on the whole route or only between the stops ``between``."""

    type: Literal["change_speed"] = "change_speed"
    routes: list[str] = Field(min_length=1)
    speed_factor: float = Field(gt=0, le=10)
    between: tuple[str, str] | None = None


class ChangeStationPenalty(_Model):
    """Boarding penalty (security check, gates) in minutes at stops or on routes."""

    type: Literal["change_station_penalty"] = "change_station_penalty"
    penalty_min: float = Field(ge=0, le=240)
    stops: list[str] | None = None
    routes: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> ChangeStationPenalty:
        if not self.stops and not self.routes:
            raise ValueError("change_station_penalty needs stops or routes")
        return self


class AddRoad(_Model):
    """A new road link through ``coordinates`` (lon, lat; ≥ 2). Its ends join the nearest
    network nodes; in between it is controlled-access (points never snap onto it)."""

    type: Literal["add_road"] = "add_road"
    coordinates: list[tuple[float, float]] = Field(min_length=2, max_length=MAX_ROAD_POINTS)
    highway: str = "motorway"
    speed_kmh: float | None = Field(None, gt=0, le=200)  # default: the class's car speed
    oneway: bool = False
    modes: list[Literal["walk", "bike", "car"]] = Field(default_factory=lambda: ["car"], min_length=1)
    name: str | None = None

    @field_validator("coordinates")
    @classmethod
    def _lon_lat(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for k, (lon, lat) in enumerate(points):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                swapped = " (are lon and lat swapped?)" if abs(lat) > 90 >= abs(lon) else ""
                raise ValueError(f"point {k} ({lon}, {lat}) is not lon, lat in degrees{swapped}")
        if len(set(points)) < 2:
            raise ValueError("the road needs at least two distinct points")
        return points


class ChangeRoadSpeed(_Model):
    """New speed (or a factor) on OSM ways or added roads (by ``way_ids``; added roads are
    -1, -2, ... in order) or on every edge with both ends in ``bbox``."""

    type: Literal["change_road_speed"] = "change_road_speed"
    way_ids: list[int] | None = None
    bbox: tuple[float, float, float, float] | None = None
    speed_kmh: float | None = Field(None, gt=0, le=200)
    factor: float | None = Field(None, gt=0, le=10)
    modes: list[Literal["walk", "bike", "car"]] = Field(default_factory=lambda: ["car"], min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ChangeRoadSpeed:
        if (self.speed_kmh is None) == (self.factor is None):
            raise ValueError("change_road_speed needs exactly one of speed_kmh or factor")
        if not self.way_ids and self.bbox is None:
            raise ValueError("change_road_speed needs way_ids or bbox")
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
                raise ValueError(f"bbox {list(self.bbox)} is not min_lon, min_lat, max_lon, max_lat with min < max")
        return self


Modification = Annotated[
    AddLine
    | AddStops
    | RemoveStops
    | RemoveRoute
    | ChangeHeadway
    | ChangeSpeed
    | ChangeStationPenalty
    | AddRoad
    | ChangeRoadSpeed,
    Field(discriminator="type"),
]


class Scenario(_Model):
    """A base region and the ordered modifications that make the scenario."""

    name: str = Field("scenario", min_length=1)
    description: str = ""
    base: BaseRegion
    modifications: list[Modification] = Field(default_factory=list, max_length=MAX_MODIFICATIONS)
    compare: CompareSettings = Field(default_factory=CompareSettings)

    def resolve_paths(self, root: str | Path) -> Scenario:
        """The same scenario with relative file paths made absolute against ``root``."""
        root = Path(root)

        def fix(p: str | None) -> str | None:
            return None if p is None or Path(p).is_absolute() else str((root / p).resolve())

        base = self.base.model_copy(
            update={
                "osm": fix(self.base.osm) or self.base.osm,
                "gtfs": [fix(p) or p for p in self.base.gtfs],
                "rail_specs": [fix(p) or p for p in self.base.rail_specs],
                "opportunities": fix(self.base.opportunities) or self.base.opportunities,
                "origins": fix(self.base.origins) or self.base.origins,
            }
        )
        mods = [
            m.model_copy(update={"spec": fix(m.spec) or m.spec})
            if isinstance(m, AddLine) and isinstance(m.spec, str)
            else m
            for m in self.modifications
        ]
        return self.model_copy(update={"base": base, "modifications": mods})


def _problems(exc: ValidationError) -> str:
    def where(loc) -> str:
        # drop the validator and tag names pydantic inserts ("function-after[...]", "inline")
        parts = [str(p) for p in loc if not str(p).startswith("function-") and p not in ("inline", "path")]
        return ".".join(parts) or "scenario"

    return "; ".join(f"{where(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors())


def parse_scenario(data: object, *, label: str = "scenario", root: str | Path | None = None) -> Scenario:
    """A :class:`Scenario` from a mapping (parsed YAML / JSON); :class:`InputError` naming
    every problem. Relative paths resolve against ``root`` when given."""
    if isinstance(data, Scenario):
        scenario = data
    elif not isinstance(data, dict):
        raise InputError(f"{label}: expected a mapping with base: and modifications:.")
    else:
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{label}: {_problems(exc)}") from None
    return scenario.resolve_paths(root) if root is not None else scenario


def read_scenario(path: str | Path) -> Scenario:
    """A :class:`Scenario` from a YAML or JSON file; relative paths in it are relative to
    the file's folder."""
    path = Path(path)
    data = load_user_yaml(path, "scenario file")  # JSON is YAML too
    return parse_scenario(data, label=f"scenario {path.name}", root=path.parent)


def write_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write ``scenario`` as YAML (``.yaml``/``.yml``) or JSON (``.json``), atomically."""

    path = Path(path)
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".json":
            tmp.write_text(scenario.model_dump_json(indent=2), encoding="utf-8")
        else:
            tmp.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
