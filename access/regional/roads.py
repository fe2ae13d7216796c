"""Roads between places without a street network: the great-circle x detour model (banded
speeds, labelled approximate) or an OSM car network."""

from __future__ import annotations

import warnings as _w
from collections.abc import Sequence

import numpy as np
import pandas as pd

from access._geo import haversine_m
from access.config import MAX_TIME_LIMIT_MIN, RegionalSettings
from access.errors import OffNetworkWarning
from access.routing.street import street_travel_times

__all__ = ["ApproxRoads", "StreetRoads", "HybridRoads", "approx_road_seconds", "approx_road_km"]


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

    def reach_km(self, seconds: float) -> float:
        """The great-circle km the model covers in ``seconds`` (time grows with distance,
        band by band), to prune pairs before timing them."""
        left, km = float(seconds), 0.0
        lows = (0.0, *self.settings.band_limits_km)
        highs = (*self.settings.band_limits_km, np.inf)
        for lo, hi, kmh in zip(lows, highs, self.settings.band_speeds_kmh, strict=True):
            need = (hi - lo) / kmh * 3600.0
            if left <= need:
                km += left / 3600.0 * kmh
                break
            km, left = hi, left - need
        return km / self.settings.detour_factor


class StreetRoads:
    """Road times on an OSM car network (``access.build_network(osm, ("car",))``); points
    further than the snapping distance from every road are unreachable (inf)."""

    approximate = False
    label = "OSM car street network"

    def __init__(self, network) -> None:
        self.network = network

    def seconds(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
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


class HybridRoads:
    """OSM car times where an extract covers both ends of a leg (both points within the
    network's bounds), the approximate model elsewhere: what a planner gets when an OSM
    extract covers part of a region. Still labelled approximate overall."""

    approximate = True

    def __init__(self, network, settings: RegionalSettings | None = None) -> None:
        self.street = StreetRoads(network)
        self.approx = ApproxRoads(settings)
        self.bounds = network.streets["car"].bounds()
        self.label = f"OSM car network inside {tuple(round(b, 3) for b in self.bounds)}, approximate elsewhere"
        self.legs_on_osm = 0

    def _inside(self, xy: np.ndarray) -> np.ndarray:
        minx, miny, maxx, maxy = self.bounds
        return (xy[:, 0] >= minx) & (xy[:, 0] <= maxx) & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)

    def seconds(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """``(len(src), len(dst))`` float seconds: OSM for pairs inside the extract."""
        src, dst = np.asarray(src, float), np.asarray(dst, float)
        out = self.approx.seconds(src, dst)
        a, b = np.flatnonzero(self._inside(src)), np.flatnonzero(self._inside(dst))
        if len(a) and len(b):
            osm = self.street.seconds(src[a], dst[b])
            block = out[np.ix_(a, b)]
            # a point the extract does not reach (inf) keeps the approximate time
            out[np.ix_(a, b)] = np.where(np.isfinite(osm), osm, block)
            self.legs_on_osm += int(np.isfinite(osm).sum())
        return out
