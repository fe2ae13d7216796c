"""County commuting circles of China's core cities: every county (or township) with its door-
to-door minutes into each centre by road and by road + rail, the smallest circle it lies in,
the station it uses, totals per centre x cutoff x mode, and the coverage report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from access._geo import haversine_m
from access.china.coverage import Coverage, coverage_report
from access.china.data import ChinaData
from access.china.door_to_door import door_to_door
from access.china.national import NationalRail
from access.china.places import Place
from access.config import (
    CHINA_DEPARTURE,
    CHINA_WINDOW_MIN,
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_PERCENTILE,
    RegionalSettings,
    TransitSettings,
)
from access.errors import InputError
from access.regional.roads import ApproxRoads
from access.routing.transit import parse_departures

__all__ = ["CountyCircles", "county_circles", "MEMBER_COLUMNS", "TOTAL_COLUMNS", "MODES"]

MODES = ("road", "road+rail")
# The columns of the members table the issue names, first; more follow.
MEMBER_COLUMNS = (
    "adcode",
    "name",
    "prefecture",
    "population",
    "rural_population",
    "jobs",
    "road_min",
    "road_rail_min",
    "circle",
)
TOTAL_COLUMNS = ("centre", "mode", "cutoff_min", "counties", "population", "rural_population", "jobs")


@dataclass(frozen=True)
class CountyCircles:
    """A county circles run (EPSG:4326; minutes; persons).

    ``members``: one row per centre x county (all of them, ``outside`` included):
    :data:`MEMBER_COLUMNS`, then ``centre, province, kind, circle_road, station`` (the
    station the median journey boards at, empty by road), ``station_km`` (seat to it,
    straight line), ``station_service`` (real / modelled / real+modelled),
    ``modelled_lines`` (the modelled services at that station), ``rail_saves_min``,
    ``approximate`` (roads from the approximate model); the seat point as geometry.
    ``totals``: :data:`TOTAL_COLUMNS` per centre x mode x cutoff (counties inside).
    ``coverage``: :class:`~access.china.coverage.Coverage`. ``parameters``: every
    setting, the road model, the timetable and the modelled service, for the record.
    """

    members: gpd.GeoDataFrame
    totals: pd.DataFrame
    coverage: Coverage
    centres: tuple[Place, ...]
    parameters: dict
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """What was computed, for the top of every output (title lines of maps, CLI)."""
        p = self.parameters
        return (
            f"departures {p['departure']} + {p['window_min']:g} min, median door to door; station penalty "
            f"{p['station_penalty']}; transfers {p['min_transfer_min']:g} min; roads APPROXIMATE ({p['road_model']})"
        )


def _cutoffs(values: Sequence[float]) -> list[float]:
    cutoffs = sorted(float(c) for c in values)
    if not cutoffs or any(not np.isfinite(c) or c <= 0 for c in cutoffs):
        raise InputError(f"cutoffs must be positive minutes, got {list(values)}.")
    return cutoffs


def _circle_labels(minutes: np.ndarray, cutoffs: list[float]) -> np.ndarray:
    label = np.full(len(minutes), "outside", dtype=object)
    finite = np.nan_to_num(minutes, nan=np.inf)
    for c in reversed(cutoffs):
        label[finite <= c] = f"{c:g}"
    return label


def county_circles(
    data: ChinaData,
    centres: str | Sequence[str],
    *,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    departure: str = CHINA_DEPARTURE,
    window_min: float = CHINA_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    settings: RegionalSettings | None = None,
    transit_settings: TransitSettings | None = None,
    rail: NationalRail | None = None,
    roads=None,
    polycentric: bool = False,
    origins: str = "counties",
    max_time_min: float | None = None,
) -> CountyCircles:
    """Door-to-door circles of ``centres`` (prefecture or county names in Chinese or
    English, 市 optional, or ``"lon,lat"``) over every county (``origins="townships"``:
    every township point instead; they carry no population).

    Morning commute into each centre: departures every minute of the window from
    ``departure``, the ``percentile`` of min(road, road + rail) door to door (seat ->
    station by road, the station penalty, trains with ``min_transfer_min`` changes,
    station -> the centre's seat by road). ``settings``: the road model and station rules
    (:class:`access.config.RegionalSettings`; ``station_penalty_min`` 0 allowed);
    ``rail``: a scenario layer (default ``data.rail``); ``roads``: another road model
    (e.g. :class:`access.regional.roads.StreetRoads` on OSM); ``polycentric``: one row
    per county with the nearest centre (its minutes, its circle). Times beyond
    ``max_time_min`` (:class:`access.config.ChinaRailSettings`, 300) are NaN for road +
    rail, the road time is kept.
    """

    cutoffs = _cutoffs(cutoffs_min)
    names = [centres] if isinstance(centres, str) else list(centres)
    if not names:
        raise InputError("give at least one centre (e.g. 北京 or Beijing).")
    places = tuple(data.place(n) for n in names)
    settings = settings or RegionalSettings()
    transit_settings = transit_settings or TransitSettings()
    rail = rail or data.rail
    limit_min = float(max_time_min if max_time_min is not None else rail.model.settings.max_time_min)
    if not np.isfinite(limit_min) or limit_min <= 0:
        raise InputError(f"max_time_min must be positive, got {max_time_min}.")
    if limit_min < max(cutoffs):
        raise InputError(f"max_time_min {limit_min:g} is below the largest cutoff {max(cutoffs):g}; raise it.")
    if not 0 <= percentile <= 100:
        raise InputError(f"percentile must lie in 0-100, got {percentile}.")
    departures = parse_departures(departure, window_min).seconds
    if origins == "counties":
        frame = data.counties
    elif origins == "townships":
        frame = data.townships()
    else:
        raise InputError(f"origins must be 'counties' or 'townships', got {origins!r}.")
    roads = roads or ApproxRoads(settings)
    horizon = (int(departures[0]), int(departures[-1] + limit_min * 60))
    transit = rail.transit(transit_settings, settings, between=horizon)
    result = door_to_door(
        transit,
        frame[["lon", "lat"]].to_numpy(np.float64),
        np.array([(p.lon, p.lat) for p in places]),
        roads,
        departures_s=departures,
        percentile=percentile,
        settings=settings,
        transit_settings=transit_settings,
        max_time_s=limit_min * 60.0,
    )
    road_min = result.road_s / 60.0
    rail_min = np.where(np.isfinite(result.road_rail_s), result.road_rail_s / 60.0, np.nan)
    station = np.where(result.station >= 0, result.stop_names[np.maximum(result.station, 0)], "")
    centre_names = [p.name for p in places]
    if polycentric and len(places) > 1:
        best = np.argmin(np.nan_to_num(rail_min, nan=np.inf), axis=1)
        rows = np.arange(len(frame))
        road_min = road_min.min(axis=1, keepdims=True)
        rail_min, station = rail_min[rows, best][:, None], station[rows, best][:, None]
        centre_col = [np.array(centre_names, dtype=object)[best]]
        label_centres = ["any of " + "、".join(centre_names)]
    else:
        centre_col = [np.full(len(frame), n, dtype=object) for n in centre_names]
        label_centres = centre_names
    members = _members(frame, rail, road_min, rail_min, station, centre_col, cutoffs, origins)
    totals = _totals(members, label_centres, cutoffs, polycentric and len(places) > 1, origins)
    coverage = coverage_report(frame, rail, rail.model.settings.coverage_km)
    members = members.merge(
        coverage.counties[["adcode", "no_station", "modelled_only"]].rename(
            columns={"no_station": "no_station_nearby", "modelled_only": "modelled_only_nearby"}
        ),
        on="adcode",
        how="left",
    )
    penalty = (
        f"{settings.station_penalty_min:g} min"
        if settings.station_penalty_min is not None
        else "15 min (HSR/intercity/conventional default by route type)"
    )
    parameters = {
        "centres": centre_names,
        "cutoffs_min": cutoffs,
        "departure": departure,
        "window_min": float(window_min),
        "percentile": float(percentile),
        "station_penalty": penalty,
        "min_transfer_min": settings.min_transfer_min,
        "max_access_min": settings.max_access_min,
        "max_time_min": limit_min,
        "road_model": getattr(roads, "label", "roads"),
        "detour_factor": settings.detour_factor,
        "band_limits_km": list(settings.band_limits_km),
        "band_speeds_kmh": list(settings.band_speeds_kmh),
        "rail": rail.label,
        "timetable": f"real trains c. 2020 (latest line used opened {rail.timetable_date.date()}); no calendar",
        "modelled_service": rail.model.summary(),
        "polycentric": bool(polycentric),
        "origins": origins,
    }
    notes = [
        "roads: APPROXIMATE - great-circle distance x detour at banded speeds, no congestion",
        "timetable: no service calendar in the sources, every train assumed daily",
        f"modelled trains (labelled) serve stations the timetable lacks: {rail.model.summary()}",
        *[n for n in rail.notes if n.startswith("scenario:")],
    ]
    if origins == "townships":
        notes.append("townships carry no population: totals count townships only")
    return CountyCircles(
        members=members, totals=totals, coverage=coverage, centres=places, parameters=parameters, notes=tuple(notes)
    )


def _members(frame, rail, road_min, rail_min, station, centre_col, cutoffs, origins) -> gpd.GeoDataFrame:
    service = rail.station_service().set_index("station")
    xy = rail.stations.drop_duplicates("name").set_index("name")[["lon", "lat"]]
    parts = []
    for k, centre in enumerate(centre_col):
        st = station[:, k]
        used = st != ""
        km = np.full(len(frame), np.nan)
        if used.any():
            at = xy.reindex(st[used])
            km[used] = (
                haversine_m(frame["lon"].to_numpy()[used], frame["lat"].to_numpy()[used], at["lon"], at["lat"]) / 1000
            )
        svc = service.reindex(st)
        if origins == "counties":
            ident = {
                "adcode": frame["adcode"].to_numpy(),
                "name": frame["name"].to_numpy(),
                "prefecture": frame["prefecture"].to_numpy(),
                "population": frame["population"].to_numpy(),
                "rural_population": frame["rural_population"].to_numpy(),
                "jobs": frame["jobs"].to_numpy(),
            }
            extra = {
                "name_en": frame["name_en"].to_numpy(),
                "province": frame["province"].to_numpy(),
                "kind": frame["kind"].to_numpy(),
            }
        else:
            ident = {
                "adcode": frame["town_code"].to_numpy(),
                "name": frame["name"].to_numpy(),
                "prefecture": frame["prefecture"].to_numpy(),
                "population": np.full(len(frame), np.nan),
                "rural_population": np.full(len(frame), np.nan),
                "jobs": np.full(len(frame), np.nan),
            }
            extra = {
                "province": frame["province"].to_numpy(),
                "county": frame["county"].to_numpy(),
                "county_adcode": frame["county_adcode"].to_numpy(),
            }
        out = pd.DataFrame(
            {
                **ident,
                "road_min": road_min[:, k],
                "road_rail_min": rail_min[:, k],
                "circle": _circle_labels(rail_min[:, k], cutoffs),
                "centre": centre,
                **extra,
                "circle_road": _circle_labels(road_min[:, k], cutoffs),
                "station": st,
                "station_km": km,
                "station_service": svc["service"].fillna("").to_numpy(),
                "modelled_lines": np.where(
                    svc["service"].fillna("").to_numpy() == "modelled", svc["modelled_lines"].fillna("").to_numpy(), ""
                ),
                "rail_saves_min": road_min[:, k] - rail_min[:, k],
                "approximate": True,
            }
        )
        parts.append(out)
    members = pd.concat(parts, ignore_index=True)
    geometry = gpd.points_from_xy(
        np.tile(frame["lon"].to_numpy(), len(parts)), np.tile(frame["lat"].to_numpy(), len(parts))
    )
    return gpd.GeoDataFrame(members, geometry=geometry, crs=4326)


def _totals(members, centres, cutoffs, polycentric, origins) -> pd.DataFrame:
    rows = []
    groups = [(centres[0], members)] if polycentric else list(members.groupby("centre", sort=False))
    for centre, group in groups:
        for mode, column in (("road", "road_min"), ("road+rail", "road_rail_min")):
            minutes = np.nan_to_num(group[column].to_numpy(float), nan=np.inf)
            for c in cutoffs:
                inside = group[minutes <= c]
                rows.append(
                    {
                        "centre": centre,
                        "mode": mode,
                        "cutoff_min": c,
                        "counties": len(inside),
                        "population": float(inside["population"].sum(min_count=1)) if origins == "counties" else np.nan,
                        "rural_population": float(inside["rural_population"].sum(min_count=1))
                        if origins == "counties"
                        else np.nan,
                        "jobs": float(inside["jobs"].sum(min_count=1)) if origins == "counties" else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=list(TOTAL_COLUMNS))
