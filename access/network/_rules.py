"""Per-mode OSM rules: which ways a mode may use, in which direction, and how fast."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from access.config import IMPLICIT_MAXSPEEDS_KMH, StreetSettings

__all__ = ["mode_permissions", "parse_maxspeed_kmh", "way_speeds_kmh"]

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
