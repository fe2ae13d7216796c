"""Per-mode OSM rules: which ways a mode may use, in which direction, and how fast."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

from access.config import (
    CAR_SPEEDS_KMH,
    COUNTRY_SPEED_LIMITS_KMH,
    IMPLICIT_MAXSPEEDS_KMH,
    LINK_SPEED_FACTOR,
    MINOR_ROAD_SPEED_KMH,
    StreetSettings,
)
from access.errors import InputError

__all__ = [
    "mode_permissions",
    "parse_maxspeed_kmh",
    "way_speeds_kmh",
    "CarSpeeds",
    "country_car_speeds_kmh",
    "detect_country",
    "resolve_car_speeds",
]

_VEHICLE_ROADS = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "road",
        "residential",
        "living_street",
        "service",
        "track",
    }
)
# Which highway classes each mode may use unless a tag says otherwise. Walking follows
# osmnx's "walk" network type (no motorways, no cycleways); cycling excludes motorways and
# footways; cars everything built for vehicles.
_MODE_HIGHWAYS: Mapping[str, frozenset[str]] = {
    "walk": _VEHICLE_ROADS | {"footway", "pedestrian", "path", "steps", "bridleway", "corridor", "crossing"},
    "bike": _VEHICLE_ROADS | {"cycleway", "path"},
    "car": _VEHICLE_ROADS | {"motorway", "motorway_link"},
}
# Access tags from most to least specific, per mode (OSM wiki "Key:access" hierarchy).
_MODE_ACCESS_KEYS: Mapping[str, tuple[str, ...]] = {
    "walk": ("foot", "access"),
    "bike": ("bicycle", "vehicle", "access"),
    "car": ("motorcar", "motor_vehicle", "vehicle", "access"),
}
_DENY = frozenset({"no", "private", "agricultural", "forestry", "use_sidepath", "emergency", "military", "discouraged"})
_ALLOW = frozenset({"yes", "designated", "permissive", "destination", "customers", "delivery", "official", "public"})
_ONEWAY_YES = frozenset({"yes", "true", "1"})
_ONEWAY_REVERSE = frozenset({"-1", "reverse"})
_ONEWAY_NO = frozenset({"no", "false", "0"})
_ROUNDABOUTS = frozenset({"roundabout", "circular"})
_MPH_KMH = 1.609344


def mode_permissions(ways: pd.DataFrame, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Per way, whether ``mode`` may travel along (forward) and against (backward) it."""
    allowed = ways["highway"].isin(_MODE_HIGHWAYS[mode]).to_numpy()
    decided = np.zeros(len(ways), dtype=bool)
    for key in _MODE_ACCESS_KEYS[mode]:
        value = ways[key].fillna("").str.lower().str.split(";").str[0].str.strip().to_numpy()
        deny = np.isin(value, list(_DENY)) & ~decided
        allow = np.isin(value, list(_ALLOW)) & ~decided
        # A generic access=yes must not open a motorway to walkers or a footway to cars.
        if key == "access":
            allow &= allowed
        allowed = np.where(deny, False, np.where(allow, True, allowed))
        decided |= deny | allow
    highway = ways["highway"].to_numpy()
    allowed &= ~np.isin(highway, ["proposed", "construction", "abandoned", "platform", "raceway"])
    if mode == "walk":
        return allowed, allowed.copy()
    oneway = ways["oneway"].fillna("").str.lower().str.strip().to_numpy()
    roundabout = np.isin(ways["junction"].fillna("").to_numpy(), list(_ROUNDABOUTS))
    implied = roundabout | (highway == "motorway")  # OSM wiki: these imply oneway=yes
    forward_only = np.isin(oneway, list(_ONEWAY_YES)) | (implied & ~np.isin(oneway, list(_ONEWAY_NO)))
    backward_only = np.isin(oneway, list(_ONEWAY_REVERSE))
    if mode == "bike":
        bike_twoway = (
            ways["oneway:bicycle"].fillna("").str.lower().isin(_ONEWAY_NO).to_numpy()
            | ways["cycleway"].fillna("").str.startswith("opposite").to_numpy()
        )
        forward_only &= ~bike_twoway
        backward_only &= ~bike_twoway
    return allowed & ~backward_only, allowed & ~forward_only


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def parse_maxspeed_kmh(value: object) -> float:
    """A ``maxspeed`` tag value in km/h, or NaN when it is missing or not a speed.

    Accepts ``"50"``, ``"50 km/h"``, ``"30 mph"``, implicit zones such as ``"CN:urban"``
    (see :data:`access.config.IMPLICIT_MAXSPEEDS_KMH`) and ``"60;80"`` (mean, as osmnx).
    """
    if not isinstance(value, str) or not value.strip():
        return float("nan")
    speeds = []
    for part in value.split(";"):
        part = part.strip()
        if part in IMPLICIT_MAXSPEEDS_KMH:
            speeds.append(IMPLICIT_MAXSPEEDS_KMH[part])
            continue
        zone = _implicit_zone(part)
        if zone is not None:
            speeds.append(zone)
            continue
        match = _NUMBER.match(part.lower())
        if match is None:
            continue
        speed = float(match.group(1))
        unit = match.group(2)
        if unit == "mph":
            speed *= _MPH_KMH
        elif unit == "knots":
            speed *= 1.852
        if 0 < speed <= 300:  # beyond any road speed: a typo or garbage
            speeds.append(speed)
    return float(np.mean(speeds)) if speeds else float("nan")


_ZONE_CONTEXT = {
    "urban": "residential",
    "rural": "rural",
    "trunk": "trunk",
    "motorway": "motorway",
    "living_street": "living_street",
}


def _implicit_zone(tag: str) -> float | None:
    """``"AT:rural"``-style implicit limits of the countries in COUNTRY_SPEED_LIMITS_KMH."""
    code, _, zone = tag.partition(":")
    limits = COUNTRY_SPEED_LIMITS_KMH.get(code.upper())
    context = _ZONE_CONTEXT.get(zone.lower())
    return float(limits[context]) if limits is not None and context is not None else None


def way_speeds_kmh(ways: pd.DataFrame, mode: str, settings: StreetSettings) -> tuple[np.ndarray, np.ndarray]:
    """Travel speeds in km/h of each way for ``mode``, along and against its direction
    (car: ``maxspeed:forward`` / ``maxspeed:backward``, else ``maxspeed``, else the class
    default)."""
    if mode in ("walk", "bike"):
        speed = np.full(len(ways), settings.walk_speed_kmh if mode == "walk" else settings.bike_speed_kmh)
        return speed, speed
    fallback = settings.car_speeds_kmh.get("road", 30.0)
    default = ways["highway"].map(settings.car_speeds_kmh).fillna(fallback).to_numpy(float)
    if not settings.use_maxspeed:
        return default, default
    parsed = {
        v: parse_maxspeed_kmh(v)
        for v in pd.unique(ways[["maxspeed", "maxspeed:forward", "maxspeed:backward"]].to_numpy().ravel())
        if isinstance(v, str)
    }

    def posted(column: str) -> np.ndarray:
        return ways[column].map(parsed).to_numpy(float) if parsed else np.full(len(ways), np.nan)

    both = posted("maxspeed")
    result = []
    for column in ("maxspeed:forward", "maxspeed:backward"):
        directed = posted(column)
        speed = np.where(np.isfinite(directed), directed, both)
        result.append(np.where(np.isfinite(speed), speed, default))
    return result[0], result[1]


# Which legal default of COUNTRY_SPEED_LIMITS_KMH each highway class drives at.
_CLASS_CONTEXT: Mapping[str, str] = {
    "motorway": "motorway",
    "trunk": "trunk",
    "primary": "rural",
    "secondary": "rural",
    "tertiary": "rural",
    "unclassified": "rural",
    "road": "rural",
    "residential": "residential",
    "living_street": "living_street",
}


def country_car_speeds_kmh(country: str | None) -> dict[str, float] | None:
    """Default car speeds (km/h) by highway class in ``country`` (ISO 3166 alpha-2) from
    its legal defaults (:data:`access.config.COUNTRY_SPEED_LIMITS_KMH`): China's cited
    table for ``"CN"``; None for a country not in the table."""
    if country is None:
        return None
    code = country.upper()
    if code == "CN":
        return dict(CAR_SPEEDS_KMH)
    limits = COUNTRY_SPEED_LIMITS_KMH.get(code)
    if limits is None:
        return None
    table = {cls: float(limits[context]) for cls, context in _CLASS_CONTEXT.items()}
    for road in ("motorway", "trunk", "primary", "secondary", "tertiary"):
        table[f"{road}_link"] = round(table[road] * LINK_SPEED_FACTOR, 2)
    table["service"] = table["track"] = MINOR_ROAD_SPEED_KMH
    return table


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA time zone -> ISO 3166 country code, from the tz database's ``zone.tab``."""

    text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}


@lru_cache(maxsize=1)
def _time_zones():
    from timezonefinder import TimezoneFinder  # start-up: its time-zone polygons load only to detect a country

    return TimezoneFinder()


def detect_country(lon, lat) -> str | None:
    """ISO 3166 alpha-2 code of the country at the median of the points (EPSG:4326), or
    None at sea. Offline: the time zone polygons of timezone-boundary-builder (drawn from
    OpenStreetMap's country boundaries; the ``timezonefinder`` package) and the IANA tz
    database's zone -> country table (``zone.tab``, the ``tzdata`` package)."""
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return None
    zone = _time_zones().timezone_at(lng=float(np.median(lon[ok])), lat=float(np.median(lat[ok])))
    return _zone_countries().get(zone) if zone else None


@dataclass(frozen=True)
class CarSpeeds:
    """The default car speeds of one network: the table (km/h by highway class), the
    country it is for (None: not known) and where it comes from (one line)."""

    table: dict[str, float]
    country: str | None
    source: str

    def describe(self) -> str:
        """One line for people: where the speeds come from and the table."""
        order = [c for c in CAR_SPEEDS_KMH if c in self.table] + sorted(set(self.table) - set(CAR_SPEEDS_KMH))
        speeds = ", ".join(f"{c} {self.table[c]:g}" for c in order)
        return f"car speeds ({self.source}; OSM maxspeed tags win): {speeds} km/h"

    def to_dict(self) -> dict:
        return {"country": self.country, "source": self.source, "table": dict(self.table)}

    @classmethod
    def from_dict(cls, data: dict) -> CarSpeeds:
        return cls(
            table={k: float(v) for k, v in data["table"].items()}, country=data["country"], source=data["source"]
        )


def resolve_car_speeds(settings: StreetSettings, lon=None, lat=None) -> CarSpeeds:
    """The car speed table a build uses: ``settings.car_speeds_kmh`` when it is not the
    China default, else the table of ``settings.country`` or of the country detected at
    the points ``lon``/``lat`` (China's when unknown); ``car_speed_overrides_kmh`` last."""
    for cls, kmh in settings.car_speed_overrides_kmh.items():
        if not 0 < float(kmh) <= 300:
            raise InputError(f"car speed for {cls!r} must be in (0, 300] km/h, got {kmh}.")
    if settings.car_speeds_kmh != dict(CAR_SPEEDS_KMH):
        table, country, source = dict(settings.car_speeds_kmh), settings.country, "given table"
    else:
        country = settings.country.upper() if settings.country else None
        how = "given"
        if country is None and lon is not None and len(np.atleast_1d(lon)):
            country, how = detect_country(lon, lat), "detected"
        table = country_car_speeds_kmh(country)
        if country == "CN":
            source = f"{country} ({how}): China's defaults"
        elif table is not None:
            source = f"{country} ({how}): legal defaults by road type, OSM wiki 'Default speed limits'"
        else:
            table = dict(CAR_SPEEDS_KMH)
            source = (
                f"country {country} has no table: China's defaults" if country else "country unknown: China's defaults"
            )
    if settings.car_speed_overrides_kmh:
        table.update({k: float(v) for k, v in settings.car_speed_overrides_kmh.items()})
        source += f"; overridden: {', '.join(sorted(settings.car_speed_overrides_kmh))}"
    return CarSpeeds(table=table, country=country, source=source)
