"""Station-to-station fastest trains between places: the famous figures (北京-天津 30 min) a
planner checks first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from access._geo import haversine_m
from access.china.national import NationalRail
from access.china.places import Place

__all__ = ["OD_COLUMNS", "fastest_trains", "place_stations"]

OD_COLUMNS = ("from", "to", "fastest_min", "train", "from_station", "to_station", "modelled")
# A city's stations for its famous figures: those within this distance of its seat (广州南
# lies 17 km from Guangzhou's, 天津南 15 km from Tianjin's), so 北京 means 北京南/西/北/...
# and not 燕山 in outer Fangshan, 广州 not 庆盛 in Nansha.
CITY_STATION_KM = 20.0


def place_stations(
    place: Place, station_county: pd.DataFrame, served: set[str], stations: pd.DataFrame, km: float = CITY_STATION_KM
) -> list[str]:
    """Stations with service that stand for a place: those in the place within ``km`` of
    its seat; else those in its urban districts (a prefecture's 区); else any in it."""

    xy = stations.drop_duplicates("name").set_index("name")[["lon", "lat"]]
    inside = station_county[station_county["adcode"].isin(set(place.adcodes)) & station_county["station"].isin(served)]
    if inside.empty:
        return []
    at = xy.loc[inside["station"]]
    near = haversine_m(at["lon"].to_numpy(), at["lat"].to_numpy(), place.lon, place.lat) <= km * 1000
    if near.any():
        return sorted(inside["station"][near])
    districts = inside[inside["adcode"].isin(set(place.districts))]
    return sorted((districts if len(districts) else inside)["station"])


def fastest_trains(
    rail: NationalRail,
    origin: Place,
    destinations: Sequence[Place],
    station_county: pd.DataFrame,
) -> pd.DataFrame:
    """One row per destination: ``from, to, fastest_min`` (the fastest single train between
    any station of the origin and any of the destination (:func:`place_stations`),
    minutes, no station access or penalty), ``train`` (its number; ``modelled <line>`` for the modelled
    service), ``from_station, to_station`` and ``modelled`` (True where only the modelled
    service links them). NaN minutes where no train runs between them."""
    rides = rail.fastest_rides()
    served = set(rail.events["stop"])
    line_of = rail.trips.set_index("train")["line"]
    start = place_stations(origin, station_county, served, rail.stations)
    rows = []
    for dest in destinations:
        end = place_stations(dest, station_county, served, rail.stations)
        pick = rides[rides["from_station"].isin(start) & rides["to_station"].isin(end)]
        if pick.empty:
            rows.append((origin.name, dest.name, np.nan, "", "", "", False))
            continue
        best = pick.sort_values(["fastest_min", "modelled", "train"], kind="stable").iloc[0]
        train = str(best["train"])
        label = f"modelled {line_of.get(train, '')}".strip() if best["modelled"] else train.removeprefix("MTR:")
        rows.append(
            (
                origin.name,
                dest.name,
                float(best["fastest_min"]),
                label,
                best["from_station"],
                best["to_station"],
                bool(best["modelled"]),
            )
        )
    return pd.DataFrame(rows, columns=list(OD_COLUMNS))
