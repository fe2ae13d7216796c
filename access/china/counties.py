"""China's county-level units (区/县/县级市) with the 2020 census, their polygons, and townships."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.errors import InputError

__all__ = [
    "COUNTY_COLUMNS",
    "EMPLOYMENT_SAMPLE_FACTOR",
    "CountyWarning",
    "read_counties",
    "read_county_polygons",
    "read_townships",
    "counties_as_places",
]

# The census long form (长表) was filled in by about one household in ten, so its counts of
# employed persons by industry are ~10 % samples (NBS, "2020年第七次全国人口普查主要数据",
# 长表抽样比例 10 %). Scaled by 10 they estimate employed residents by place of residence: a
# jobs proxy, not jobs at workplaces.
EMPLOYMENT_SAMPLE_FACTOR = 10
COUNTY_COLUMNS = (
    "id",
    "adcode",
    "name",
    "name_en",
    "pinyin",
    "prefecture",
    "province",
    "kind",
    "lon",
    "lat",
    "point_source",
    "population",
    "urban_population",
    "rural_population",
    "jobs",
    "jobs_primary",
    "jobs_secondary",
    "jobs_tertiary",
    "area_km2",
)
# Tudigong's county polygons are in an Albers equal-area projection on the WGS-84 datum
# (china_admin/SOURCES.md: lat_0 36, standard parallels 24 and 48, lon_0 104.5, metres).
_TUDIGONG_ALBERS = "+proj=aea +lat_0=36 +lat_1=24 +lat_2=48 +lon_0=104.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
_NEEDED = ("adcode", "province", "prefecture", "name", "lon_wgs84", "lat_wgs84", "pop2020")


class CountyWarning(UserWarning):
    """Rows of a county or township table were dropped or are incomplete; the message counts them."""


def _number(frame: pd.DataFrame, column: str, factor: float = 1.0) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64) * factor


def read_counties(path: str | Path) -> gpd.GeoDataFrame:
    """County-level units from ``china_counties_2020.csv``: one point (the seat) per unit.

    Returns a GeoDataFrame (EPSG:4326) with ``id`` (= ``adcode``, text, so the table
    works wherever zones with ids are accepted), ``adcode, name, name_en, pinyin,
    prefecture, province, kind`` (district / county / county_city /
    prefecture_without_counties / special_zone), ``lon, lat, point_source`` (the
    government seat, or the polygon centroid where no seat is known), 2020 census
    ``population, urban_population, rural_population`` (persons), ``jobs`` and
    ``jobs_primary/secondary/tertiary``: employed residents by place of residence
    estimated as the census long-form sample x :data:`EMPLOYMENT_SAMPLE_FACTOR` (a jobs
    proxy, not jobs at workplaces), and ``area_km2``. ``attrs["notes"]`` says so.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"county table {path} does not exist; give china_admin/china_counties_2020.csv.")
    try:
        raw = pd.read_csv(path, dtype={"adcode": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"county table {path.name} is not a readable UTF-8 CSV ({exc}).") from None
    missing = [c for c in _NEEDED if c not in raw.columns]
    if missing:
        raise InputError(
            f"county table {path.name} lacks columns {', '.join(missing)}; expected the china_counties_2020.csv layout."
        )
    lon, lat = _number(raw, "lon_wgs84"), _number(raw, "lat_wgs84")
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.all():
        raise InputError(f"county table {path.name} has no usable coordinates.")
    adcode = raw["adcode"].astype(str).str.strip()
    if adcode.duplicated().any():
        raise InputError(f"county table {path.name}: adcode {adcode[adcode.duplicated()].iloc[0]} appears twice.")
    out = pd.DataFrame(
        {
            "id": adcode,
            "adcode": adcode,
            "name": raw["name"].astype(str).str.strip(),
            "name_en": raw.get("name_en", pd.Series("", index=raw.index)).fillna("").astype(str),
            "pinyin": raw.get("pinyin", pd.Series("", index=raw.index)).fillna("").astype(str),
            "prefecture": raw["prefecture"].astype(str).str.strip(),
            "province": raw["province"].astype(str).str.strip(),
            "kind": raw.get("kind", pd.Series("", index=raw.index)).fillna("").astype(str),
            "lon": lon,
            "lat": lat,
            "point_source": raw.get("point_source", pd.Series("", index=raw.index)).fillna("").astype(str),
            "population": _number(raw, "pop2020"),
            "urban_population": _number(raw, "pop2020_urban"),
            "rural_population": _number(raw, "pop2020_rural"),
            "jobs": _number(raw, "emp2020_sample_total", EMPLOYMENT_SAMPLE_FACTOR),
            "jobs_primary": _number(raw, "emp2020_sample_primary", EMPLOYMENT_SAMPLE_FACTOR),
            "jobs_secondary": _number(raw, "emp2020_sample_secondary", EMPLOYMENT_SAMPLE_FACTOR),
            "jobs_tertiary": _number(raw, "emp2020_sample_tertiary", EMPLOYMENT_SAMPLE_FACTOR),
            "area_km2": _number(raw, "area_km2"),
        }
    )
    notes = [
        "population: 2020 census resident population (persons)",
        f"jobs: employed residents by place of residence = census long-form sample x {EMPLOYMENT_SAMPLE_FACTOR} "
        "(a jobs proxy, not jobs at workplaces)",
    ]
    if bad.any():
        shown = ", ".join(out.loc[bad, "name"].head(5))
        notes.append(f"{int(bad.sum())} units without coordinates dropped ({shown})")
        warnings.warn(f"county table {path.name}: {notes[-1]}", CountyWarning, stacklevel=2)
        out = out[~bad]
    counties = gpd.GeoDataFrame(
        out.reset_index(drop=True), geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=4326
    )
    counties.attrs["notes"] = tuple(notes)
    counties.attrs["source"] = path.name
    return counties


def read_county_polygons(path: str | Path) -> gpd.GeoDataFrame:
    """County polygons (EPSG:4326) with ``adcode`` from Tudigong's ``counties-geo.topojson``
    (layer ``county``, Albers equal-area metres, reprojected); any polygon file with an
    ``adcode`` or ``CODE`` column in a declared CRS works too."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"county polygons {path} do not exist; give china_admin/tudigong_counties-geo.topojson.")
    topojson = path.suffix.lower() == ".topojson"
    try:
        frame = gpd.read_file(path, layer="county") if topojson else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types for unreadable files
        raise InputError(f"county polygons {path.name} cannot be read ({exc}).") from None
    code = "adcode" if "adcode" in frame else "CODE" if "CODE" in frame else None
    if code is None:
        raise InputError(f"county polygons {path.name} have no adcode (or CODE) column.")
    if topojson and frame.crs is None:
        frame = frame.set_crs(_TUDIGONG_ALBERS)
    if frame.crs is None:
        raise InputError(f"county polygons {path.name} declare no CRS; write them with one (e.g. EPSG:4326).")
    frame = frame.to_crs(4326)
    geometry = frame.geometry.make_valid()
    out = gpd.GeoDataFrame(
        {"adcode": frame[code].astype(str).str.strip().to_numpy()}, geometry=geometry.to_numpy(), crs=4326
    )
    return out.drop_duplicates("adcode").reset_index(drop=True)


def read_townships(path: str | Path) -> gpd.GeoDataFrame:
    """Townships (乡/镇/街道) from ``china_towns_2016.csv`` as points, for finer origins.

    Returns ``id`` (12-digit town code), ``town_code, county_adcode, province, prefecture,
    county, name, lon, lat`` (WGS-84) and ``population`` = NaN: no township-level census
    table is openly available, so township rows carry no weights. Towns without a point
    (18 % nationally) are dropped and counted in ``attrs["notes"]`` (and a warning).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"township table {path} does not exist; give china_towns/china_towns_2016.csv.")
    raw = pd.read_csv(path, dtype={"town_code": str, "county_adcode": str}, encoding="utf-8-sig")
    needed = ("town_code", "county_adcode", "name", "lon_wgs84", "lat_wgs84")
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise InputError(f"township table {path.name} lacks columns {', '.join(missing)}.")
    lon, lat = _number(raw, "lon_wgs84"), _number(raw, "lat_wgs84")
    ok = np.isfinite(lon) & np.isfinite(lat)
    out = pd.DataFrame(
        {
            "id": raw["town_code"].astype(str),
            "town_code": raw["town_code"].astype(str),
            "county_adcode": raw["county_adcode"].astype(str),
            "province": raw.get("province", ""),
            "prefecture": raw.get("prefecture", ""),
            "county": raw.get("county", ""),
            "name": raw["name"].astype(str),
            "lon": lon,
            "lat": lat,
            "population": np.nan,
        }
    )[ok]
    notes = [
        f"{int(ok.sum()):,} of {len(raw):,} townships have a point; {int((~ok).sum()):,} without one dropped",
        "townships carry no population (no open township census table): counts of townships only",
    ]
    if (~ok).any():
        warnings.warn(f"township table {path.name}: {notes[0]}", CountyWarning, stacklevel=2)
    towns = gpd.GeoDataFrame(out.reset_index(drop=True), geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=4326)
    towns.attrs["notes"] = tuple(notes)
    return towns


def counties_as_places(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The county table as a place table (:func:`access.io.places.as_places` columns) for
    :class:`access.regional.network.RegionalNetwork`: ``id`` = adcode, ``name`` the county
    name made unique with its prefecture where it repeats (朝阳区 (北京市)), ``name_local``
    the plain name, ``admin_code`` the adcode."""
    name = counties["name"].astype(str)
    repeated = name.duplicated(keep=False)
    unique = name.where(~repeated, name + " (" + counties["prefecture"].astype(str) + ")")
    out = pd.DataFrame(
        {
            "id": counties["adcode"].to_numpy(),
            "name": unique.to_numpy(),
            "name_local": name.to_numpy(),
            "admin_code": counties["adcode"].to_numpy(),
            "lon": counties["lon"].to_numpy(),
            "lat": counties["lat"].to_numpy(),
            "population": counties["population"].to_numpy(),
            "urban_population": counties["urban_population"].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=4326)
