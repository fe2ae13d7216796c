"""Chinese reference tables: prefecture seats, railway stations, station-to-city names."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from access.crs import convert_coordinates
from access.errors import InputError

__all__ = [
    "read_prefectures",
    "read_station_table",
    "read_station2city",
    "read_station_activity",
    "read_station_schedules",
    "city_key",
    "CITY_RENAMES",
]

# Administrative suffixes dropped before joining city names (北京市 -> 北京, 延边朝鲜族自治州 keeps
# its stem). Longest first so 自治州 wins over 州 (which is never stripped on its own).
_SUFFIXES = re.compile(r"(特别行政区|自治州|自治县|地区|林区|市|盟)$")
# Cities renamed after the prefecture table's 2000/2010 census vintage, and a typo in it;
# timetable name -> prefecture-table stem. Sources: State Council approvals (襄樊 -> 襄阳
# 2010-12-09; 思茅 -> 普洱 2007-01-21); 毫州 is the table's misspelling of 亳州.
CITY_RENAMES: dict[str, str] = {"襄阳": "襄樊", "普洱": "思茅", "亳州": "毫州"}
PERSONS_PER_UNIT = 10_000  # the prefecture table counts population in units of 10,000


def city_key(name: str) -> str:
    """Join key of a Chinese city name: stripped of 市/地区/自治州/盟 and spaces."""
    stem = _SUFFIXES.sub("", str(name).strip().replace(" ", ""))
    return CITY_RENAMES.get(stem, stem)


def read_prefectures(path: str | Path) -> pd.DataFrame:
    """Prefecture seats from ``prefectures_cityinfo.csv``: one row per prefecture.

    Returns ``place_id`` (the 4-digit division code as text), ``name`` (English),
    ``name_zh``, ``key`` (join key, see :func:`city_key`), ``lon``/``lat`` (EPSG:4326
    degrees of the seat), ``population_2010`` and ``population_2000`` (persons, whole
    prefecture), ``urban_population_2010`` (persons) and ``city_class``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"prefecture table {path} does not exist; check the path.")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    needed = {"dzcode", "coord_long", "coord_lat", "cityname_chn", "cityname_eng", "cpop2010"}
    missing = needed - set(raw.columns)
    if missing:
        raise InputError(f"prefecture table {path.name} lacks columns {', '.join(sorted(missing))}.")

    def persons(column: str) -> np.ndarray:
        if column not in raw:
            return np.full(len(raw), np.nan)
        return pd.to_numeric(raw[column], errors="coerce").to_numpy() * PERSONS_PER_UNIT

    out = pd.DataFrame(
        {
            "place_id": raw["dzcode"].str.strip(),
            "name": raw["cityname_eng"].str.strip(),
            "name_zh": raw["cityname_chn"].str.strip(),
            "key": raw["cityname_chn"].map(city_key),
            "lon": pd.to_numeric(raw["coord_long"], errors="coerce"),
            "lat": pd.to_numeric(raw["coord_lat"], errors="coerce"),
            "population_2010": persons("cpop2010"),
            "population_2000": persons("cpop2000"),
            "urban_population_2010": persons("upop2010"),
            "city_class": pd.to_numeric(raw.get("cityclass"), errors="coerce"),
        }
    )
    bad = out["lon"].isna() | out["lat"].isna()
    if bad.any():
        raise InputError(
            f"prefecture table {path.name}: {int(bad.sum())} rows without coordinates "
            f"(e.g. {out.loc[bad, 'name'].iloc[0]!r})."
        )
    return out


def read_station_table(path: str | Path) -> pd.DataFrame:
    """Railway stations with WGS-84 coordinates: ``name``, ``city``, ``province``, ``lon``, ``lat``,
    ``kind`` (客运站 passenger station / 乘降所 halt) and ``address``.

    Reads ``cn_stations_wgs84.csv`` (columns 站名, 市, 省 and coordinate pairs). WGS-84
    columns are used where present; otherwise GCJ-02 (``lng火星``/``lat火星``) or BD-09
    (``BD_Lng``/``BD_Lat``) are converted with :mod:`access.crs`. A plain CSV with
    ``name, lon, lat`` (WGS-84) works too.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"station table {path} does not exist; check the path.")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    name_col = "站名" if "站名" in raw else "name" if "name" in raw else None
    if name_col is None:
        raise InputError(f"station table {path.name} has no station name column (站名 or name).")
    pairs = [
        ("WGS84_Lng", "WGS84_Lat", "wgs84"),
        ("lon", "lat", "wgs84"),
        ("lng火星", "lat火星", "gcj02"),
        ("BD_Lng", "BD_Lat", "bd09"),
    ]
    lon = np.full(len(raw), np.nan)
    lat = np.full(len(raw), np.nan)
    for x, y, system in pairs:
        if x not in raw or y not in raw:
            continue
        px = pd.to_numeric(raw[x], errors="coerce").to_numpy()
        py = pd.to_numeric(raw[y], errors="coerce").to_numpy()
        todo = np.isnan(lon) & np.isfinite(px) & np.isfinite(py)
        if todo.any():
            lon[todo], lat[todo] = convert_coordinates(px[todo], py[todo], system, "wgs84")
    blank = pd.Series("", index=raw.index)
    out = pd.DataFrame(
        {
            "name": raw[name_col].str.strip(),
            "city": raw.get("市", blank).fillna("").astype(str).str.strip(),
            "province": raw.get("省", blank).fillna("").astype(str).str.strip(),
            "lon": lon,
            "lat": lat,
            # 客运站 passenger station / 乘降所 halt, and the address (some say 高铁)
            "kind": raw.get("性质", blank).fillna("").astype(str).str.strip(),
            "address": raw.get("车站地址", blank).fillna("").astype(str).str.strip(),
        }
    )
    return out[np.isfinite(lon)].reset_index(drop=True)


def read_station2city(path: str | Path) -> dict[str, str]:
    """Station name -> city name mapping (RailwayVIS ``station2city.json``; the file holds a
    JSON-encoded string, decoded twice; a plain JSON object works too)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"station-to-city file {path} does not exist; check the path.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, str):
            data = json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(f"station-to-city file {path.name} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"station-to-city file {path.name}: expected an object {{station: city}}.")
    return {str(k): str(v) for k, v in data.items()}


_HSR_CLASSES = ("高速动车", "动车组", "城际动车", "城际")


def read_station_schedules(path: str | Path) -> pd.DataFrame:
    """Every row of the RailwayVIS per-station timetables (a zip of GBK CSVs named after the
    station; rows: class, 始/过/终, train, from, to, arrival, departure, no header).

    Returns ``station, service`` (高速动车, 动车组, 城际, 快速, ...), ``kind`` (始 originates,
    过 passes, 终 terminates), ``train, origin, terminus, arrival, departure`` (text,
    ``HH:MM`` of the day, ``-`` at the ends), in file order.
    """

    path = Path(path)
    if not path.is_file():
        raise InputError(f"station timetables {path} do not exist; check the path.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"station timetables {path.name} is not a zip file.") from None
    columns = ["service", "kind", "train", "origin", "terminus", "arrival", "departure"]
    lines: list[str] = []
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".csv"):
                continue
            raw_name = (
                info.filename if info.flag_bits & 0x800 else info.filename.encode("cp437").decode("utf-8", "replace")
            )
            data = archive.read(info)
            try:
                text = data.decode("gbk")
            except UnicodeDecodeError:
                text = data.decode("utf-8", "replace")
            station = Path(raw_name).stem.replace(",", "")
            # one parse for all files: each row prefixed with its station
            lines += [f"{station},{row}" for row in text.splitlines() if row.strip()]
    if not lines:
        raise InputError(f"station timetables {path.name} hold no timetable rows.")
    try:
        out = pd.read_csv(
            io.StringIO("\n".join(lines)), header=None, dtype=str, keep_default_na=False, usecols=range(8)
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(
            f"station timetables {path.name}: rows are not class, 始/过/终, train, from, to, arrival, departure ({exc})."
        ) from None
    out.columns = ["station", *columns]
    for column in out.columns:
        out[column] = out[column].astype(str).str.strip()
    return out[out["train"] != ""].reset_index(drop=True)


def read_station_activity(path: str | Path) -> pd.DataFrame:
    """Trains per station from the RailwayVIS per-station timetables
    (:func:`read_station_schedules`).

    Returns ``station, trains, hsr_trains`` (G/D/C classes), busiest first: the busiest
    station of a city is its main rail hub.
    """
    rows = read_station_schedules(path)
    hsr = rows[rows["service"].isin(_HSR_CLASSES)]
    out = pd.DataFrame(
        {
            "trains": rows.groupby("station", sort=False)["train"].nunique(),
            "hsr_trains": hsr.groupby("station", sort=False)["train"].nunique(),
        }
    ).fillna(0)
    out = out.astype(np.int64).rename_axis("station").reset_index()
    return out.sort_values(["hsr_trains", "trains", "station"], ascending=[False, False, True]).reset_index(drop=True)
