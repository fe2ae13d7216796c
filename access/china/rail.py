"""China's real rail timetable at work: city-cluster circles from real trains and the
before/after of removing a line's trains (e.g. the Beijing-Tianjin intercity)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.china.national_rail import drop_trains, national_rail_network
from access.china.tables import read_prefectures, read_station2city, read_station_activity, read_station_table
from access.china.timetable import RailTimetable, read_rail_timetable
from access.config import (
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_DEPARTURE_TIME,
    DEFAULT_PERCENTILE,
    RegionalSettings,
    TransitSettings,
)
from access.errors import InputError
from access.io.places import read_places
from access.regional.cluster import ClusterResult, cluster_circles, compare_cluster
from access.regional.network import DEFAULT_REGIONAL_WINDOW_MIN

__all__ = [
    "ChinaRailData",
    "load_china_rail",
    "china_rail_circles",
    "RailBeforeAfter",
    "rail_before_after",
    "CHINA_CLUSTER_CENTRES",
]

# Core cities of the national city clusters named in the 14th Five-Year Plan (Jing-Jin-Ji,
# Yangtze River Delta, Pearl River Delta / Greater Bay Area), English names as in the
# prefecture table.
CHINA_CLUSTER_CENTRES = ("Beijing", "Tianjin", "Shanghai", "Nanjing", "Hangzhou", "Guangzhou", "Shenzhen")
# File names inside the shared china_rail folder (RailwayVIS and listenzcc sources).
_FILES = {
    "trains": "railwayvis_trains.json",
    "stations": "cn_stations_wgs84.csv",
    "station2city": "railwayvis_station2city.json",
    "activity": "railwayvis_station_schedules_gbk.zip",
}


@dataclass(frozen=True)
class ChinaRailData:
    """The imported timetable and the places (prefecture seats) it is analysed on."""

    timetable: RailTimetable
    places: gpd.GeoDataFrame


def load_china_rail(
    rail_folder: str | Path, prefectures: str | Path, *, timetable: str | Path | None = None, hubs: str = "main-station"
) -> ChinaRailData:
    """Read the timetable (``timetable`` or the folder's ``railwayvis_trains.json``, a CSV
    ``train,seq,stop,arrival,departure`` works too) with the folder's station tables, and
    the prefecture table as places (population in persons).

    ``hubs``: ``"main-station"`` puts each city's stop at its busiest station (most G/D/C
    trains in the per-station timetables, e.g. 北京南), so reaching it from the seat costs
    road time; ``"seat"`` puts it at the prefecture seat (no access leg in the own city).
    """

    if hubs not in ("main-station", "seat"):
        raise InputError(f"hubs must be 'main-station' or 'seat', got {hubs!r}.")
    folder = Path(rail_folder)
    if not folder.is_dir():
        raise InputError(f"rail data folder {folder} does not exist; give the folder with {_FILES['trains']}.")
    path = {k: folder / v for k, v in _FILES.items()}
    stations = read_station_table(path["stations"]) if path["stations"].exists() else None
    s2c = read_station2city(path["station2city"]) if path["station2city"].exists() else None
    activity = read_station_activity(path["activity"]) if hubs == "main-station" and path["activity"].exists() else None
    tt = read_rail_timetable(
        timetable or path["trains"],
        prefectures=read_prefectures(prefectures),
        stations=stations,
        station2city=s2c,
        activity=activity,
    )
    places = read_places(prefectures, units=10_000)
    return ChinaRailData(timetable=tt, places=places)


def china_rail_circles(
    data: ChinaRailData,
    centres: str | Sequence[str] = CHINA_CLUSTER_CENTRES,
    *,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    departure: str = DEFAULT_DEPARTURE_TIME,
    window_min: float = DEFAULT_REGIONAL_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    settings: RegionalSettings | None = None,
    transit_settings: TransitSettings | None = None,
    progress: bool = False,
) -> ClusterResult:
    """Commuting circles (places within ``cutoffs_min`` door to door, morning commute into
    each centre, by road and by road + rail) of ``centres`` on the real timetable.

    ``circles`` gives per centre, mode and cutoff the places inside and their 2010
    population; see :func:`access.regional.cluster.cluster_circles` for every table.
    """
    network = national_rail_network(data.timetable, data.places, settings=settings, transit_settings=transit_settings)
    return cluster_circles(
        network,
        centres,
        cutoffs_min=cutoffs_min,
        departure=departure,
        window_min=window_min,
        percentile=percentile,
        progress=progress,
    )


@dataclass(frozen=True)
class RailBeforeAfter:
    """A before/after of removing trains: ``summary`` (one row per scenario: the origin's
    minutes to the centre by road + rail, population inside each circle), ``places`` and
    ``circles`` (as :func:`access.regional.cluster.compare_cluster`), both runs."""

    summary: pd.DataFrame
    places: gpd.GeoDataFrame
    circles: pd.DataFrame
    with_trains: ClusterResult
    without_trains: ClusterResult
    removed: str


def rail_before_after(
    data: ChinaRailData,
    *,
    classes: Sequence[str] | None = ("C",),
    serving: Sequence[str] | None = ("北京", "天津"),
    trains: Sequence[str] | None = None,
    centre: str = "Beijing",
    origin: str = "Tianjin",
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    departure: str = DEFAULT_DEPARTURE_TIME,
    window_min: float = DEFAULT_REGIONAL_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    settings: RegionalSettings | None = None,
    progress: bool = False,
) -> RailBeforeAfter:
    """What some trains change: circles of ``centre`` with every train and without those
    selected (:func:`access.china.national_rail.drop_trains`; default the C-series
    intercity trains serving both 北京 and 天津), and ``origin``'s time to ``centre``."""
    without = drop_trains(data.timetable, classes=classes, serving=serving, trains=trains)
    runs = {}
    for label, tt in (("with", data.timetable), ("without", without)):
        runs[label] = china_rail_circles(
            ChinaRailData(tt, data.places),
            [centre],
            cutoffs_min=cutoffs_min,
            departure=departure,
            window_min=window_min,
            percentile=percentile,
            settings=settings,
            progress=progress,
        )
    rows = []
    for label, result in runs.items():
        members = result.members
        me = members[(members["name"] == origin) | (members["name_local"].str.removesuffix("市") == origin)]
        if me.empty:
            raise InputError(f"origin {origin!r} is not a place; use an English or Chinese prefecture name.")
        row = {
            "scenario": f"{label} trains",
            "origin": origin,
            "centre": centre,
            "road_min": float(me["road_min"].iloc[0]),
            "road_rail_min": float(me["road_rail_min"].iloc[0]),
        }
        for c in result.circles[result.circles["mode"] == "road+rail"].itertuples():
            row[f"population_{c.cutoff_min:g}min"] = c.population
            row[f"places_{c.cutoff_min:g}min"] = c.n_places
            row[f"{origin}_inside_{c.cutoff_min:g}min"] = bool(
                np.nan_to_num(row["road_rail_min"], nan=np.inf) <= c.cutoff_min
            )
        rows.append(row)
    places, circles = compare_cluster(runs["without"], runs["with"])
    return RailBeforeAfter(
        summary=pd.DataFrame(rows),
        places=places,
        circles=circles,
        with_trains=runs["with"],
        without_trains=runs["without"],
        removed=without.notes[-1],
    )
