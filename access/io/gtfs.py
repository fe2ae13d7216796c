"""GTFS feeds in: read, validate, resolve one service date, interpolate, expand frequencies."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from access._geo import haversine_m
from access.errors import InputError

__all__ = [
    "GtfsFeed",
    "GtfsWarning",
    "read_gtfs",
    "read_gtfs_feeds",
    "gtfs_date_range",
    "write_gtfs_zip",
    "parse_gtfs_times",
]

REQUIRED = {
    "stops": ("stop_id",),
    "routes": ("route_id", "route_type"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence"),
}
_OPTIONAL = ("calendar", "calendar_dates", "frequencies", "transfers", "agency")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ID_COLUMNS = {
    "stops": ("stop_id", "parent_station"),
    "routes": ("route_id",),
    "trips": ("trip_id", "route_id", "service_id"),
    "stop_times": ("trip_id", "stop_id"),
    "transfers": ("from_stop_id", "to_stop_id"),
}


class GtfsWarning(UserWarning):
    """Rows of a GTFS feed were dropped or repaired; the message counts them."""


@dataclass(frozen=True)
class GtfsFeed:
    """One or several GTFS feeds resolved for one service date, ready for routing.

    ``stop_times`` carries ``arrival_s``/``departure_s``: int32 seconds since midnight of
    ``service_date`` (after 24:00 kept above 86,400), interpolated where the feed leaves
    them empty, frequencies expanded into trips. Ids are prefixed ``"name:"`` when the feed
    has a name (several feeds may share ids).
    """

    name: str
    service_date: dt.date
    stops: pd.DataFrame  # stop_id, stop_name, lon, lat, parent_station, location_type
    routes: pd.DataFrame  # route_id, route_type, route_short_name, route_long_name, agency_id
    trips: pd.DataFrame  # trip_id, route_id, service_id, direction_id
    stop_times: pd.DataFrame  # trip_id, stop_sequence, stop_id, arrival_s, departure_s
    transfers: pd.DataFrame  # from_stop_id, to_stop_id, min_transfer_time_s
    warnings: tuple[str, ...]
    date_range: tuple[dt.date, dt.date]


def _read_tables(source, label: str) -> dict[str, pd.DataFrame]:
    """Raw string tables of a zip, a folder or a mapping of DataFrames."""

    def parse(data: bytes, name: str) -> pd.DataFrame:
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"GTFS feed {label}: {name}.txt is not a readable CSV ({exc}).") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.apply(lambda col: col.str.strip())

    wanted = (*REQUIRED, *_OPTIONAL)
    if isinstance(source, Mapping):
        return {k: v.astype(str).replace({"nan": "", "None": "", "<NA>": ""}) for k, v in source.items() if k in wanted}
    path = Path(source)
    if not path.exists():
        raise InputError(f"GTFS feed {path} does not exist; check the path.")
    tables = {}
    if path.is_dir():
        for name in wanted:
            file = path / f"{name}.txt"
            if file.exists():
                tables[name] = parse(file.read_bytes(), name)
        return tables
    try:
        with zipfile.ZipFile(path) as archive:
            members = {Path(m).name: m for m in archive.namelist()}
            for name in wanted:
                if f"{name}.txt" in members:
                    tables[name] = parse(archive.read(members[f"{name}.txt"]), name)
    except zipfile.BadZipFile:
        raise InputError(f"GTFS feed {path} is not a zip file; give a GTFS .zip or folder.") from None
    return tables


def _check(tables: dict[str, pd.DataFrame], label: str) -> None:
    if not any(n in tables for n in REQUIRED):
        raise InputError(f"GTFS feed {label} has none of stops.txt, routes.txt, trips.txt, stop_times.txt; is it GTFS?")
    for name, columns in REQUIRED.items():
        if name not in tables:
            raise InputError(f"GTFS feed {label} has no {name}.txt; a GTFS feed needs it.")
        for column in columns:
            if column not in tables[name].columns:
                raise InputError(f"GTFS feed {label}: {name}.txt has no column {column!r}.")
    if "calendar" not in tables and "calendar_dates" not in tables:
        raise InputError(f"GTFS feed {label} has neither calendar.txt nor calendar_dates.txt.")
    for column in ("stop_lat", "stop_lon"):
        if column not in tables["stops"].columns:
            raise InputError(f"GTFS feed {label}: stops.txt has no column {column!r}.")


def parse_gtfs_times(values: pd.Series) -> np.ndarray:
    """Seconds (float, NaN for empty or invalid) from GTFS ``H:MM:SS`` strings, vectorised;
    hours past 24 are kept."""
    parts = values.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    seconds = parts[0].astype(float) * 3600 + parts[1].astype(float) * 60 + parts[2].astype(float)
    return seconds.to_numpy(dtype=float)


def _active_services(tables, date: dt.date) -> set[str]:
    active: set[str] = set()
    calendar = tables.get("calendar")
    if calendar is not None and len(calendar):
        day = _DAYS[date.weekday()]
        stamp = date.strftime("%Y%m%d")
        on = (calendar.get(day, "0") == "1") & (calendar["start_date"] <= stamp) & (calendar["end_date"] >= stamp)
        active |= set(calendar.loc[on, "service_id"])
    dates = tables.get("calendar_dates")
    if dates is not None and len(dates):
        today = dates[dates["date"] == date.strftime("%Y%m%d")]
        active |= set(today.loc[today["exception_type"] == "1", "service_id"])
        active -= set(today.loc[today["exception_type"] == "2", "service_id"])
    return active


def _date_range(tables) -> tuple[dt.date, dt.date]:
    stamps = []
    calendar = tables.get("calendar")
    if calendar is not None and len(calendar):
        stamps += list(calendar["start_date"]) + list(calendar["end_date"])
    dates = tables.get("calendar_dates")
    if dates is not None and len(dates):
        stamps += list(dates.loc[dates["exception_type"] == "1", "date"])
    parsed = [dt.datetime.strptime(s, "%Y%m%d").date() for s in stamps if len(s) == 8 and s.isdigit()]
    if not parsed:
        raise InputError("GTFS calendar has no valid dates (YYYYMMDD).")
    return min(parsed), max(parsed)


def gtfs_date_range(source) -> tuple[dt.date, dt.date]:
    """First and last date any service of the feed runs (from calendar / calendar_dates)."""
    label = str(source) if not isinstance(source, Mapping) else "(tables)"
    return _date_range(_read_tables(source, label))


def _choose_date(tables, label: str, notes: list[str]) -> dt.date:
    """The weekday (Mon-Fri) in the feed's range with the most trips; ties: earliest."""
    first, last = _date_range(tables)
    trips_per_service = tables["trips"]["service_id"].value_counts()
    best, best_count = None, -1
    day = first
    for _ in range(min((last - first).days + 1, 400)):
        if day.weekday() < 5:
            count = int(trips_per_service.reindex(list(_active_services(tables, day))).fillna(0).sum())
            if count > best_count:
                best, best_count = day, count
        day += dt.timedelta(days=1)
    if best is None or best_count <= 0:
        raise InputError(f"GTFS feed {label}: no weekday between {first} and {last} has service.")
    notes.append(f"service date not given; using {best} ({best:%A}), the weekday with the most trips ({best_count})")
    return best


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"service date {value!r} is not YYYY-MM-DD.") from None


def read_gtfs(source, *, service_date=None, name: str | None = None) -> GtfsFeed:
    """Read and validate one GTFS feed (zip, folder or mapping of DataFrames) for one date.

    Bad rows (invalid times, stops without coordinates, undefined stops, trips too short
    or with times going backwards) are dropped and counted in ``warnings`` (also emitted
    as one :class:`GtfsWarning`); structural problems raise :class:`InputError`.
    ``service_date=None`` picks the weekday with the most trips and says so.
    """
    label = name or (Path(source).name if not isinstance(source, Mapping) else "(tables)")
    tables = _read_tables(source, label)
    _check(tables, label)
    notes: list[str] = []
    date = _as_date(service_date) if service_date is not None else _choose_date(tables, label, notes)
    first, last = _date_range(tables)
    active = _active_services(tables, date)
    trips = tables["trips"]
    trips = trips[trips["service_id"].isin(active)]
    if trips.empty:
        raise InputError(f"GTFS feed {label}: no service runs on {date}; the feed covers {first} to {last}.")

    stops = tables["stops"].copy()
    stops["lon"] = pd.to_numeric(stops["stop_lon"], errors="coerce")
    stops["lat"] = pd.to_numeric(stops["stop_lat"], errors="coerce")
    location_type = pd.to_numeric(stops.get("location_type", pd.Series("", index=stops.index)), errors="coerce").fillna(
        0
    )
    stops["location_type"] = location_type.astype(int)
    bad = ~(stops["lon"].between(-180, 180) & stops["lat"].between(-90, 90)) | (
        (stops["lon"] == 0) & (stops["lat"] == 0)
    )
    bad &= stops["location_type"].isin([0, 1])
    if bad.any():
        notes.append(
            f"stops.txt: {int(bad.sum())} stops without valid coordinates dropped (e.g. {stops.loc[bad, 'stop_id'].iloc[0]!r})"
        )
        stops = stops[~bad]
    for column in ("stop_name", "parent_station"):
        if column not in stops:
            stops[column] = ""
    stops = stops[["stop_id", "stop_name", "lon", "lat", "parent_station", "location_type"]].reset_index(drop=True)

    routes = tables["routes"].copy()
    for column in ("route_short_name", "route_long_name", "agency_id"):
        if column not in routes:
            routes[column] = ""
    route_type = pd.to_numeric(routes["route_type"], errors="coerce")
    if route_type.isna().any():
        notes.append(f"routes.txt: {int(route_type.isna().sum())} routes with an invalid route_type dropped")
    routes = routes[route_type.notna()].assign(route_type=route_type.dropna().astype(int))
    routes = routes[["route_id", "route_type", "route_short_name", "route_long_name", "agency_id"]].reset_index(
        drop=True
    )

    no_route = ~trips["route_id"].isin(routes["route_id"])
    if no_route.any():
        notes.append(f"trips.txt: {int(no_route.sum())} trips whose route is not in routes.txt dropped")
        trips = trips[~no_route]
    direction = pd.to_numeric(trips.get("direction_id", pd.Series("", index=trips.index)), errors="coerce").fillna(-1)
    trips = trips.assign(direction_id=direction.astype(int))[["trip_id", "route_id", "service_id", "direction_id"]]

    stop_times = _stop_times(tables["stop_times"], trips, stops, label, notes)
    stop_times, trips = _expand_frequencies(tables.get("frequencies"), stop_times, trips, notes)
    used_trips = set(stop_times["trip_id"])
    unused = ~trips["trip_id"].isin(used_trips)
    if unused.any():
        notes.append(
            f"trips.txt: {int(unused.sum())} trips without usable stop_times dropped (e.g. {trips.loc[unused, 'trip_id'].iloc[0]!r})"
        )
    trips = trips[~unused].reset_index(drop=True)
    transfers = _transfers(tables.get("transfers"))
    feed = GtfsFeed(
        name=name or "",
        service_date=date,
        stops=stops,
        routes=routes,
        trips=trips,
        stop_times=stop_times,
        transfers=transfers,
        warnings=tuple(notes),
        date_range=(first, last),
    )
    dropped = [n for n in notes if "dropped" in n]
    if dropped:
        warnings.warn(f"GTFS feed {label}: " + "; ".join(dropped), GtfsWarning, stacklevel=2)
    return _namespaced(feed, name) if name else feed


def _stop_times(
    raw: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, label: str, notes: list[str]
) -> pd.DataFrame:
    st = raw[raw["trip_id"].isin(set(trips["trip_id"]))].copy()
    st["stop_sequence"] = pd.to_numeric(st["stop_sequence"], errors="coerce")
    for column in ("arrival_time", "departure_time"):
        if column not in st:
            st[column] = ""
    arr = parse_gtfs_times(st["arrival_time"])
    dep = parse_gtfs_times(st["departure_time"])
    invalid = ((st["arrival_time"] != "") & np.isnan(arr)) | ((st["departure_time"] != "") & np.isnan(dep))
    invalid |= st["stop_sequence"].isna()
    if invalid.any():
        example = st.loc[invalid, ["arrival_time", "departure_time"]].iloc[0].tolist()
        notes.append(
            f"stop_times.txt: {int(invalid.sum())} rows with invalid times or sequence dropped (e.g. {example})"
        )
    st["arr"], st["dep"] = arr, dep
    st = st[~invalid]
    unknown = ~st["stop_id"].isin(set(stops["stop_id"]))
    if unknown.any():
        notes.append(
            f"stop_times.txt: {int(unknown.sum())} rows at stops not in stops.txt (or without coordinates) dropped "
            f"(e.g. {st.loc[unknown, 'stop_id'].iloc[0]!r})"
        )
        st = st[~unknown]
    if st.empty:
        raise InputError(f"GTFS feed {label}: no usable stop_times on the service date.")
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    st["arr"] = st["arr"].fillna(st["dep"])
    st["dep"] = st["dep"].fillna(st["arr"])
    st = _interpolate(st, stops, notes)
    # trips with < 2 stops or times going backwards cannot be ridden
    size = st.groupby("trip_id")["trip_id"].transform("size")
    prev_dep = st.groupby("trip_id")["dep"].shift()
    backwards = (st["arr"] < prev_dep) | (st["dep"] < st["arr"])
    bad_trips = set(st.loc[backwards, "trip_id"]) | set(st.loc[size < 2, "trip_id"])
    if bad_trips:
        notes.append(f"stop_times.txt: {len(bad_trips)} trips with fewer than 2 stops or times going backwards dropped")
        st = st[~st["trip_id"].isin(bad_trips)]
    return pd.DataFrame(
        {
            "trip_id": st["trip_id"].to_numpy(),
            "stop_sequence": st["stop_sequence"].astype(int).to_numpy(),
            "stop_id": st["stop_id"].to_numpy(),
            "arrival_s": st["arr"].astype(np.int32).to_numpy(),
            "departure_s": st["dep"].astype(np.int32).to_numpy(),
        }
    )


def _interpolate(st: pd.DataFrame, stops: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Fill times of non-timepoint stops linearly by distance along the trip (shape distance
    when given on every row of the trip, else straight lines between stops)."""
    missing = st["arr"].isna()
    if not missing.any():
        return st
    trip_first = ~st["trip_id"].duplicated(keep="first")
    trip_last = ~st["trip_id"].duplicated(keep="last")
    unbounded = set(st.loc[(trip_first | trip_last) & missing, "trip_id"])
    if unbounded:
        notes.append(f"stop_times.txt: {len(unbounded)} trips without a time at their first or last stop dropped")
        st = st[~st["trip_id"].isin(unbounded)].reset_index(drop=True)
        missing = st["arr"].isna()
        trip_first = ~st["trip_id"].duplicated(keep="first")
    coords = stops.set_index("stop_id")[["lon", "lat"]]
    lon = coords["lon"].reindex(st["stop_id"]).to_numpy()
    lat = coords["lat"].reindex(st["stop_id"]).to_numpy()
    step = np.zeros(len(st))
    step[1:] = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    step[trip_first.to_numpy()] = 0.0
    distance = pd.Series(step).groupby(st["trip_id"].to_numpy()).cumsum().to_numpy()
    if "shape_dist_traveled" in st:
        shape = pd.to_numeric(st["shape_dist_traveled"], errors="coerce")
        complete = shape.notna().groupby(st["trip_id"]).transform("all").to_numpy()
        distance = np.where(complete, shape.to_numpy(), distance)
    # Interpolate in (trip, distance) order: previous and next timepoint within the trip.
    trip_code = pd.factorize(st["trip_id"])[0]
    known = ~missing.to_numpy()
    idx = np.arange(len(st))
    prev_known = np.maximum.accumulate(np.where(known, idx, -1))
    next_known = np.minimum.accumulate(np.where(known, idx, len(st))[::-1])[::-1]
    gaps = ~known
    p, n = prev_known[gaps], next_known[gaps]
    assert np.all(trip_code[p] == trip_code[gaps]) and np.all(trip_code[n] == trip_code[gaps])
    d0, d1 = distance[p], distance[n]
    span = np.where(d1 > d0, d1 - d0, 1.0)
    f = np.where(d1 > d0, (distance[gaps] - d0) / span, (idx[gaps] - p) / (n - p))
    t0 = st["dep"].to_numpy()[p]
    t1 = st["arr"].to_numpy()[n]
    times = np.round(t0 + np.clip(f, 0, 1) * (t1 - t0))
    arr = st["arr"].to_numpy(copy=True)
    dep = st["dep"].to_numpy(copy=True)
    arr[gaps] = times
    dep[gaps] = times
    notes.append(f"stop_times.txt: {int(gaps.sum())} times interpolated between timepoints")
    return st.assign(arr=arr, dep=dep)


def _expand_frequencies(freq, stop_times, trips, notes):
    """Frequency-based trips become one trip per departure (start ≤ t < end, every
    headway). exact_times=0 (approximate headways) is treated like exact_times=1."""
    if freq is None or freq.empty:
        return stop_times, trips
    freq = freq[freq["trip_id"].isin(set(trips["trip_id"]))].copy()
    if freq.empty:
        return stop_times, trips
    start = parse_gtfs_times(freq["start_time"])
    end = parse_gtfs_times(freq["end_time"])
    headway = pd.to_numeric(freq["headway_secs"], errors="coerce").to_numpy()
    ok = np.isfinite(start) & np.isfinite(end) & (headway > 0)
    if (~ok).any():
        notes.append(f"frequencies.txt: {int((~ok).sum())} rows with invalid times or headway dropped")
    templates = stop_times[stop_times["trip_id"].isin(set(freq["trip_id"]))]
    first_dep = templates.groupby("trip_id")["departure_s"].first()
    new_st, new_trips = [], []
    trip_rows = trips.set_index("trip_id")
    for trip_id, s, e, h in zip(freq["trip_id"][ok], start[ok], end[ok], headway[ok], strict=True):
        if trip_id not in first_dep.index:
            continue
        template = templates[templates["trip_id"] == trip_id]
        for t in np.arange(s, e, h):
            new_id = f"{trip_id}@{int(t)}"
            shift = int(t) - int(first_dep[trip_id])
            new_st.append(
                template.assign(
                    trip_id=new_id,
                    arrival_s=(template["arrival_s"] + shift).astype(np.int32),
                    departure_s=(template["departure_s"] + shift).astype(np.int32),
                )
            )
            new_trips.append({**trip_rows.loc[trip_id].to_dict(), "trip_id": new_id})
    expanded = set(freq["trip_id"])
    notes.append(f"frequencies.txt: {len(expanded)} trips expanded into {len(new_trips)} scheduled trips")
    stop_times = pd.concat([stop_times[~stop_times["trip_id"].isin(expanded)], *new_st], ignore_index=True)
    trips = pd.concat([trips[~trips["trip_id"].isin(expanded)], pd.DataFrame(new_trips)], ignore_index=True)
    return stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True), trips


def _transfers(raw) -> pd.DataFrame:
    """transfers.txt rows usable as minimum times between stops (type 0/empty and 2)."""
    empty = pd.DataFrame(
        {
            "from_stop_id": pd.Series(dtype=str),
            "to_stop_id": pd.Series(dtype=str),
            "min_transfer_time_s": pd.Series(dtype=np.int32),
        }
    )
    if raw is None or raw.empty or not {"from_stop_id", "to_stop_id"} <= set(raw.columns):
        return empty
    kind = raw.get("transfer_type", pd.Series("", index=raw.index)).replace("", "0")
    keep = raw[kind.isin(["0", "2"])]
    seconds = pd.to_numeric(keep.get("min_transfer_time", pd.Series("", index=keep.index)), errors="coerce").fillna(0)
    return pd.DataFrame(
        {
            "from_stop_id": keep["from_stop_id"].to_numpy(),
            "to_stop_id": keep["to_stop_id"].to_numpy(),
            "min_transfer_time_s": seconds.astype(np.int32).to_numpy(),
        }
    )


def _namespaced(feed: GtfsFeed, name: str) -> GtfsFeed:
    def prefix(frame: pd.DataFrame, columns) -> pd.DataFrame:
        out = frame.copy()
        for column in columns:
            if column in out:
                values = out[column].astype(str)
                out[column] = np.where(values != "", name + ":" + values, "")
        return out

    return replace(
        feed,
        name=name,
        stops=prefix(feed.stops, _ID_COLUMNS["stops"]),
        routes=prefix(feed.routes, _ID_COLUMNS["routes"]),
        trips=prefix(feed.trips, _ID_COLUMNS["trips"]),
        stop_times=prefix(feed.stop_times, _ID_COLUMNS["stop_times"]),
        transfers=prefix(feed.transfers, _ID_COLUMNS["transfers"]),
    )


def read_gtfs_feeds(sources: Sequence, *, service_date=None, names: Sequence[str] | None = None) -> GtfsFeed:
    """Several feeds merged for one service date, ids namespaced ``"name:id"``.

    Names default to the file stems (made unique). Without ``service_date`` the first
    feed's busiest weekday is used for all.
    """
    if not sources:
        raise InputError("no GTFS feeds given.")
    if names is None:
        names = [
            Path(s).name.split(".")[0] if not isinstance(s, Mapping) else f"feed{k}" for k, s in enumerate(sources)
        ]
    if len(set(names)) != len(names):
        raise InputError(f"feed names must be unique, got {list(names)}.")
    feeds = []
    for k, (source, name) in enumerate(zip(sources, names, strict=True)):
        feed = read_gtfs(source, service_date=service_date, name=name)
        if k == 0:
            service_date = feed.service_date
        feeds.append(feed)
    return GtfsFeed(
        name="+".join(names),
        service_date=feeds[0].service_date,
        stops=pd.concat([f.stops for f in feeds], ignore_index=True),
        routes=pd.concat([f.routes for f in feeds], ignore_index=True),
        trips=pd.concat([f.trips for f in feeds], ignore_index=True),
        stop_times=pd.concat([f.stop_times for f in feeds], ignore_index=True),
        transfers=pd.concat([f.transfers for f in feeds], ignore_index=True),
        warnings=tuple(f"{f.name}: {w}" for f in feeds for w in f.warnings),
        date_range=(min(f.date_range[0] for f in feeds), max(f.date_range[1] for f in feeds)),
    )


def write_gtfs_zip(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write GTFS tables (``{"stops": frame, ...}``) as ``<name>.txt`` into a zip, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, frame in tables.items():
                # fixed timestamp: the same tables always give the same bytes
                info = zipfile.ZipInfo(f"{name}.txt", date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, frame.to_csv(index=False, lineterminator="\n"))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
