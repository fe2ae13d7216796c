"""The real timetable at station level: the RailwayVIS per-station timetables (322 stations,
c. 2020) joined train by train into stop sequences (北京西 and 北京南 kept apart).

Each per-station file lists the trains calling there with the time of day only. A train's
calls are put in order with the city-level timetable (``railwayvis_trains.json``, times
running past 24:00) where it has the train; otherwise the circular order of the times of
day is cut at its largest gap (the train's terminus layover), which is exact for trains
that run under 24 h. Calls that cannot be placed are dropped and counted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from access.china.tables import read_station_schedules
from access.china.timetable import RailTimetable, city_hubs, parse_timetable
from access.errors import InputError

__all__ = ["read_station_timetable", "station_city", "read_train_line_dates", "parse_opening_dates"]

_DAY_MIN = 1440
_SUFFIX = re.compile(r"(东|南|西|北|站)$")


def station_city(name: str, station2city: dict[str, str] | None = None) -> str:
    """City of a station name: ``station2city`` (上海虹桥 -> 上海), else the name without a
    trailing direction (西安北 -> 西安)."""
    if station2city and name in station2city:
        return station2city[name]
    return _SUFFIX.sub("", name)


def _one_minute(text: str) -> float:
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or len(minutes) != 2 or not minutes.isdigit() or int(minutes) >= 60:
        return np.nan
    return int(hours) * 60.0 + int(minutes)


def _minutes(text) -> np.ndarray:
    """Minutes of ``H:MM`` strings (NaN for ``-``, empty or invalid); a plain loop is ~20x
    faster than a regex extract on these 10^5-row columns."""
    return np.fromiter((_one_minute(str(t).strip()) for t in text), dtype=np.float64, count=len(text))


def read_train_line_dates(path: str | Path | dict) -> pd.Series:
    """Per train number (RailwayVIS ``schedulers.json``), the latest opening date (a
    Timestamp) of the lines it runs on, from each train's ``date`` list; NaT when unknown."""
    data = path if isinstance(path, dict) else json.loads(Path(path).read_text(encoding="utf-8-sig"))
    pairs = [(str(train), str(d)) for train, record in data.items() for d in record.get("date") or []]
    frame = pd.DataFrame(pairs, columns=["train", "date"])
    frame["date"] = parse_opening_dates(frame["date"])
    return frame.groupby("train")["date"].max().rename("line_opened")


def parse_opening_dates(text: pd.Series) -> pd.Series:
    """Timestamps of RailwayVIS opening dates ``"2011.6.30"``, ``"1962.12"`` or ``"1900"``
    (a missing month or day is the first); NaT for ``"N/A"``."""
    parts = text.astype(str).str.extract(r"^\s*(\d{4})(?:\.(\d{1,2}))?(?:\.(\d{1,2}))?")
    ymd = pd.DataFrame(
        {
            "year": pd.to_numeric(parts[0], errors="coerce"),
            "month": pd.to_numeric(parts[1], errors="coerce").fillna(1),
            "day": pd.to_numeric(parts[2], errors="coerce").fillna(1),
        }
    )
    return pd.to_datetime(ymd, errors="coerce")


def _city_routes(data: dict) -> pd.DataFrame:
    """``train, arr, dep`` minutes (past 24:00 kept) of every city-level stop event."""
    trains, arrs, deps = [], [], []
    for train, record in data.items():
        for event in record.get("route") or []:
            trains.append(str(train))
            arrs.append(str(event.get("arrival", "")))
            deps.append(str(event.get("departure", "")))
    return pd.DataFrame({"train": trains, "arr": _minutes(arrs), "dep": _minutes(deps)})


def _absolute_times(calls: pd.DataFrame, routes: pd.DataFrame | None) -> pd.DataFrame:
    """``calls`` (``train, station, kind, arr, dep`` minutes of the day) with ``arr_abs,
    dep_abs``: minutes since the start of the train's first day (NaN: could not be placed).

    A call takes the day of the city-level event with the same time of day (unique within
    the train), else the one day that puts it inside the train's run; trains the city
    timetable lacks are cut at the largest gap of their circular order (or at 始).
    """
    calls = calls.reset_index(drop=True)
    tod = np.where(np.isfinite(calls["dep"]), calls["dep"], calls["arr"])
    calls = calls.assign(tod=tod, key=(tod % _DAY_MIN).astype(np.int64))
    offset = np.full(len(calls), np.nan)
    if routes is not None and len(routes):
        events = pd.concat(
            [
                routes[["train", "arr"]].rename(columns={"arr": "t"}),
                routes[["train", "dep"]].rename(columns={"dep": "t"}),
            ]
        ).dropna()
        events = events.assign(key=(events["t"] % _DAY_MIN).astype(np.int64)).drop_duplicates()
        unique = events.groupby(["train", "key"])["t"].agg(["first", "size"])
        unique = unique[unique["size"] == 1]["first"]
        hit = pd.MultiIndex.from_arrays([calls["train"], calls["key"]])
        matched = unique.reindex(hit).to_numpy()
        offset = matched - tod
        span = events.groupby("train")["t"].agg(["min", "max"])
        lo = calls["train"].map(span["min"]).to_numpy(float)
        hi = calls["train"].map(span["max"]).to_numpy(float)
        days = np.arange(4) * _DAY_MIN
        inside = (tod[:, None] + days[None, :] >= lo[:, None]) & (tod[:, None] + days[None, :] <= hi[:, None])
        one = np.isnan(offset) & (inside.sum(axis=1) == 1)
        offset[one] = days[np.argmax(inside[one], axis=1)]
        placed_any = pd.Series(np.isfinite(offset)).groupby(calls["train"].to_numpy()).transform("any").to_numpy()
    else:
        placed_any = np.zeros(len(calls), dtype=bool)
    # trains without city-level times: cut the circular order at the largest gap, or at 始
    todo = ~placed_any
    if todo.any():
        sub = calls[todo].assign(row=np.flatnonzero(todo)).sort_values(["train", "tod"], kind="stable")
        t = sub["tod"].to_numpy()
        train = sub["train"].to_numpy()
        first_of = np.r_[True, train[1:] != train[:-1]]
        last_of = np.r_[train[1:] != train[:-1], True]
        start_t = pd.Series(t).groupby(train).transform("first").to_numpy()
        nxt = np.r_[t[1:], 0.0]
        gap = np.where(last_of, start_t + _DAY_MIN - t, nxt - t)
        # the call after the largest gap starts the run
        gap_s = pd.Series(gap)
        best = gap_s.groupby(train).transform("max").to_numpy()
        after = np.r_[True, gap[:-1] == best[:-1]] & ~first_of
        after |= first_of & last_of  # a lone call
        after[first_of] |= (gap == best)[last_of]  # the wrap gap is the largest: the earliest call starts
        begins = sub["kind"].to_numpy() == "始"
        has_begin = pd.Series(begins).groupby(train).transform("any").to_numpy()
        start = np.where(has_begin, begins, after)
        start_tod = pd.Series(np.where(start, t, np.nan)).groupby(train).transform("min").to_numpy()
        offset[sub["row"].to_numpy()] = np.where(t >= start_tod, 0.0, float(_DAY_MIN))
    arr = calls["arr"].to_numpy(float)
    dep = calls["dep"].to_numpy(float)
    arr_abs = np.where(np.isfinite(arr), arr, tod) + offset
    dep_abs = np.where(np.isfinite(dep), dep, tod) + offset
    # an arrival shown later in the day than the departure wrapped past midnight while standing
    arr_abs = np.where(arr_abs > dep_abs, arr_abs - _DAY_MIN, arr_abs)
    first_day = pd.Series(arr_abs).groupby(calls["train"].to_numpy()).transform("min").to_numpy()
    shift = np.floor(first_day / _DAY_MIN) * _DAY_MIN  # the first call on day 0
    return calls.assign(arr_abs=arr_abs - shift, dep_abs=dep_abs - shift)


def _clock(minutes: np.ndarray) -> np.ndarray:
    m = np.nan_to_num(minutes, nan=0).astype(np.int64)
    text = np.char.add(np.char.add((m // 60).astype(str), ":"), np.char.zfill((m % 60).astype(str), 2))
    return np.where(np.isfinite(minutes), text, "")


def read_station_timetable(
    schedules: str | Path,
    stations: pd.DataFrame,
    *,
    city_timetable: str | Path | None = None,
    station2city: dict[str, str] | None = None,
    prefectures: pd.DataFrame | None = None,
    extra_stations: pd.DataFrame | None = None,
) -> RailTimetable:
    """A :class:`~access.china.timetable.RailTimetable` whose stops are stations.

    ``schedules``: the per-station timetables zip (:func:`access.china.tables.read_station_schedules`);
    ``stations``: :func:`access.china.tables.read_station_table` (WGS-84); ``city_timetable``:
    ``railwayvis_trains.json`` to order overnight and multi-day trains and to date them (the
    latest opening date of the lines each runs on goes to ``trains["line_opened"]``);
    ``extra_stations``: more ``name, lon, lat`` rows (e.g. the MTR feed's 福田). Stations found
    in neither get their city's coordinates (``prefectures`` seat, or a same-name station),
    ``hubs["source"]`` says so; the rest are reported as unknown stops.
    """
    rows = read_station_schedules(schedules)
    calls = rows.assign(arr=_minutes(rows["arrival"]), dep=_minutes(rows["departure"]))
    notes: list[str] = []
    bad = np.isnan(calls["arr"]) & np.isnan(calls["dep"])
    if bad.any():
        notes.append(f"{int(bad.sum())} station calls without a valid time dropped")
        calls = calls[~bad]
    city_data = None
    if city_timetable is not None:
        try:
            city_data = json.loads(Path(city_timetable).read_text(encoding="utf-8-sig"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"city timetable {city_timetable} cannot be read as JSON ({exc}).") from None
    routes = _city_routes(city_data) if city_data is not None else None
    calls = _absolute_times(calls.drop_duplicates(["train", "station"]), routes)
    lost = np.isnan(calls["arr_abs"]) | np.isnan(calls["dep_abs"])
    if lost.any():
        notes.append(f"{int(lost.sum())} station calls that could not be put in order (multi-day trains) dropped")
        calls = calls[~lost]
    calls = calls.sort_values(["train", "dep_abs", "arr_abs"], kind="stable")
    frame = pd.DataFrame(
        {
            "train": calls["train"].to_numpy(),
            "seq": calls.groupby("train").cumcount().to_numpy() + 1,
            "stop": calls["station"].to_numpy(),
            "arrival": _clock(calls["arr_abs"].to_numpy()),
            "departure": _clock(calls["dep_abs"].to_numpy()),
            "service": calls["service"].to_numpy(),
        }
    )
    hubs = _station_hubs(frame["stop"].unique(), stations, extra_stations, station2city, prefectures, notes)
    label = Path(schedules).name
    table = parse_timetable(frame, hubs, label=label, notes=notes)
    if city_timetable is not None:
        dates = read_train_line_dates(city_data)
        trains = table.trains.assign(line_opened=table.trains["train"].map(dates))
        table = RailTimetable(
            events=table.events,
            trains=trains,
            hubs=table.hubs,
            unknown=table.unknown,
            notes=table.notes,
            source=table.source,
        )
    return table


def _station_hubs(
    names,
    stations: pd.DataFrame,
    extra: pd.DataFrame | None,
    station2city: dict[str, str] | None,
    prefectures: pd.DataFrame | None,
    notes: list[str],
) -> pd.DataFrame:
    """``stop_id, stop_name, name_en, lon, lat, source, place_id`` per station name."""
    if stations is None or not {"name", "lon", "lat"} <= set(stations.columns):
        raise InputError("give the station table (read_station_table) to locate the timetable's stations.")
    table = pd.concat(
        [stations[["name", "lon", "lat"]], *([extra[["name", "lon", "lat"]]] if extra is not None else [])]
    )
    table = table.drop_duplicates("name").set_index("name")
    rows, missing = [], []
    for name in names:
        if name in table.index:
            rows.append((name, name, "", table.at[name, "lon"], table.at[name, "lat"], "station", ""))
        else:
            missing.append(name)
    if missing:
        cities = {m: station_city(m, station2city) for m in missing}
        located, _ = city_hubs(set(cities.values()), prefectures, stations)
        located = located.set_index("stop_id")
        placed = []
        for name, city in cities.items():
            if city in located.index:
                hub = located.loc[city]
                rows.append((name, name, "", hub["lon"], hub["lat"], f"city:{city} ({hub['source']})", ""))
                placed.append(name)
        if placed:
            notes.append(
                f"{len(placed)} timetable stations are not in the station table and sit at their city's "
                f"coordinates: {', '.join(sorted(placed)[:8])}{', ...' if len(placed) > 8 else ''}"
            )
    return pd.DataFrame(rows, columns=["stop_id", "stop_name", "name_en", "lon", "lat", "source", "place_id"])
