"""Names a Chinese planner uses: prefectures and counties in Chinese or English (市 optional),
the point a centre stands for, and which county each station lies in."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from access._geo import haversine_m
from access.china.tables import city_key
from access.errors import InputError

__all__ = ["Place", "prefecture_table", "resolve_place", "station_counties"]


@dataclass(frozen=True)
class Place:
    """A named place: ``kind`` (prefecture / county / point), ``name`` (Chinese),
    ``name_en``, the point it stands for (``lon, lat``: the prefecture seat, the county
    seat or the point given) and its counties (``adcodes``; ``districts``: the urban
    districts 区 of a prefecture, or the county itself)."""

    kind: str
    name: str
    name_en: str
    lon: float
    lat: float
    adcodes: tuple[str, ...]
    districts: tuple[str, ...]


def prefecture_table(counties: pd.DataFrame, prefectures: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per prefecture of the county table: ``prefecture`` (full Chinese name),
    ``key`` (without 市/地区/自治州/盟), ``province``, ``name_en``, ``lon, lat`` (the seat:
    the prefecture table's where it has the city, else the seat of its first urban
    district, else of its most populous unit), ``population``, ``rural_population``,
    ``counties``. ``prefectures``: :func:`access.china.tables.read_prefectures` (English
    names and seats of 279 cities)."""
    c = counties
    rows = []
    seats = prefectures.drop_duplicates("key").set_index("key") if prefectures is not None else None
    for (province, pref), group in c.groupby(["province", "prefecture"], sort=False):
        key = city_key(pref)
        districts = group[group["kind"] == "district"].sort_values("adcode")
        if seats is not None and key in seats.index:
            lon, lat, name_en = seats.at[key, "lon"], seats.at[key, "lat"], seats.at[key, "name"]
        else:
            seat = districts.iloc[0] if len(districts) else group.loc[group["population"].idxmax()]
            lon, lat = seat["lon"], seat["lat"]
            single = len(group) == 1 and group["name_en"].iloc[0]
            name_en = str(group["name_en"].iloc[0]) if single else ""
        rows.append(
            {
                "prefecture": pref,
                "key": key,
                "province": province,
                "name_en": name_en,
                "lon": float(lon),
                "lat": float(lat),
                "population": float(group["population"].sum()),
                "rural_population": float(group["rural_population"].sum()),
                "counties": len(group),
            }
        )
    return pd.DataFrame(rows)


def _norm(text: str) -> str:
    t = str(text).strip().lower().replace(" ", "").replace("'", "")
    for suffix in ("city", "prefecture", "county", "district"):
        t = t.removesuffix(suffix)
    return t


def resolve_place(query: str, counties: pd.DataFrame, prefectures: pd.DataFrame) -> Place:
    """The place ``query`` names: ``"lon,lat"``; a prefecture in Chinese (北京, 北京市) or
    English (Beijing); a county by adcode (110101), Chinese name (东城区, 涿州; unique or
    written with its prefecture, 北京市朝阳区) or English name (Dongcheng). Prefectures win
    over counties of the same name. :class:`InputError` with suggestions otherwise."""
    q = str(query).strip()
    if not q:
        raise InputError("empty place name; give a prefecture (北京, Beijing), a county (涿州市) or lon,lat.")
    parts = q.replace("，", ",").split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if not (70 <= lon <= 140 and 15 <= lat <= 56):
                raise InputError(f"point {q} is outside China (lon 70-140, lat 15-56).")
            d = haversine_m(lon, lat, counties["lon"].to_numpy(), counties["lat"].to_numpy())
            nearest = counties.iloc[int(np.argmin(d))]
            return Place("point", q, q, lon, lat, (str(nearest["adcode"]),), (str(nearest["adcode"]),))
    key = city_key(q)
    low = _norm(q)
    pref = prefectures[(prefectures["key"] == key) | (prefectures["prefecture"] == q)]
    if pref.empty:
        pref = prefectures[prefectures["name_en"].map(_norm) == low]
    if len(pref) == 1:
        p = pref.iloc[0]
        mine = counties[(counties["prefecture"] == p["prefecture"]) & (counties["province"] == p["province"])]
        districts = mine[mine["kind"].isin(["district", "prefecture_without_counties"])]
        return Place(
            "prefecture",
            str(p["prefecture"]),
            str(p["name_en"]),
            float(p["lon"]),
            float(p["lat"]),
            tuple(mine["adcode"]),
            tuple((districts if len(districts) else mine)["adcode"]),
        )
    c = counties
    hit = c[c["adcode"] == q]
    if hit.empty:
        full = c["prefecture"] + c["name"]
        hit = c[(c["name"] == q) | (full == q) | (c["name"].map(city_key) == key) | (c["name_en"].map(_norm) == low)]
    if len(hit) == 1:
        h = hit.iloc[0]
        return Place(
            "county",
            str(h["name"]),
            str(h["name_en"]),
            float(h["lon"]),
            float(h["lat"]),
            (str(h["adcode"]),),
            (str(h["adcode"]),),
        )
    if len(hit) > 1:
        shown = ", ".join(f"{r.prefecture}{r.name} ({r.adcode})" for r in hit.head(6).itertuples())
        raise InputError(f"{q!r} names {len(hit)} counties: {shown}; write it with its prefecture or give the adcode.")
    similar = [
        str(n)
        for n in pd.concat([prefectures["prefecture"], prefectures["name_en"], c["name"]])
        if str(n) and (key[:1] and str(n).startswith(key[:1]) or _norm(n).startswith(low[:3]))
    ][:6]
    hint = f" (similar: {', '.join(similar)})" if similar else ""
    raise InputError(f"no prefecture or county named {q!r}{hint}; names may be Chinese or English, 市 optional.")


def station_counties(
    stations: pd.DataFrame, counties: pd.DataFrame, polygons: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """``station, adcode, prefecture, province, how`` for every station (``name, lon,
    lat``): the county polygon it lies in, else (no polygon, or outside every one, e.g.
    Hong Kong) the county whose seat is nearest, marked ``how = "nearest seat"``."""
    st = stations.drop_duplicates("name").reset_index(drop=True)
    adcode = np.full(len(st), "", dtype=object)
    how = np.full(len(st), "nearest seat", dtype=object)
    if polygons is not None and len(polygons):
        points = gpd.GeoDataFrame(
            {"k": np.arange(len(st))}, geometry=gpd.points_from_xy(st["lon"], st["lat"]), crs=4326
        )
        joined = gpd.sjoin(points, polygons[["adcode", "geometry"]], predicate="within", how="inner")
        joined = joined.drop_duplicates("k")
        known = joined["adcode"].isin(set(counties["adcode"])).to_numpy()
        adcode[joined["k"].to_numpy()[known]] = joined["adcode"].to_numpy()[known]
        how[joined["k"].to_numpy()[known]] = "polygon"
    todo = np.flatnonzero(adcode == "")
    if len(todo):

        def xyz(lon, lat):
            lon, lat = np.radians(lon), np.radians(lat)
            return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]

        tree = cKDTree(xyz(counties["lon"].to_numpy(), counties["lat"].to_numpy()))
        _, nearest = tree.query(xyz(st["lon"].to_numpy()[todo], st["lat"].to_numpy()[todo]))
        adcode[todo] = counties["adcode"].to_numpy()[nearest]
    info = counties.set_index("adcode")
    return pd.DataFrame(
        {
            "station": st["name"].to_numpy(),
            "adcode": adcode,
            "prefecture": info.loc[adcode, "prefecture"].to_numpy(),
            "province": info.loc[adcode, "province"].to_numpy(),
            "how": how,
        }
    )
