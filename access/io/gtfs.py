"""GTFS feeds in: read, validate, resolve one service date, interpolate, expand frequencies."""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod

from access._clock import clock_seconds_array
from access._geo import haversine_m
from access.config import MAX_GTFS_COMPRESSION_RATIO, MAX_GTFS_UNCOMPRESSED_BYTES
from access.errors import InputError
from access.io._text import encoding_hint
from access.io.output import atomic_path

__all__ = [
    "GtfsFeed",
    "GtfsWarning",
    "FeedCalendar",
    "INTERPOLATIONS",
    "read_gtfs",
    "read_gtfs_feeds",
    "read_calendar",
    "gtfs_date_range",
    "typical_service_date",
    "write_gtfs_zip",
    "parse_gtfs_times",
    "PARK_RIDE_COLUMNS",
]

REQUIRED = {
    "stops": ("stop_id",),
    "routes": ("route_id", "route_type"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence"),
}
_OPTIONAL = ("calendar", "calendar_dates", "frequencies", "transfers", "agency")
_CALENDAR_TABLES = ("trips", "calendar", "calendar_dates")  # enough to know which days run what
# Stop-time interpolation between timepoints: "nearest" (by shape_dist_traveled when the
# whole trip has it, else great-circle distance; rounded to the nearest second) or "r5"
# (R5 / gtfs-lib's GTFSFeed.getInterpolatedStopTimesForTrip: straight stop-to-stop
# distances on the WGS-84 ellipsoid, shapes ignored, seconds truncated).
INTERPOLATIONS = ("nearest", "r5")
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
    stops: pd.DataFrame  # stop_id, stop_name, lon, lat, parent_station, location_type, park_ride
    routes: pd.DataFrame  # route_id, route_type, route_short_name, route_long_name, agency_id
    trips: pd.DataFrame  # trip_id, route_id, service_id, direction_id
    stop_times: pd.DataFrame  # trip_id, stop_sequence, stop_id, arrival_s, departure_s
    transfers: pd.DataFrame  # from_stop_id, to_stop_id, min_transfer_time_s
    warnings: tuple[str, ...]
    date_range: tuple[dt.date, dt.date]
    # How the service date was chosen (the departure's date, given, or the typical weekday).
    date_note: str = ""


_ZIP_RATIO_FLOOR = 1 << 20  # bytes: members smaller than 1 MiB may compress any amount
# Reading a member can fail in many ways on a damaged or odd archive: a bad CRC or header
# (BadZipFile), a broken deflate stream (zlib.error), an unsupported method such as
# deflate64 (NotImplementedError), an encrypted member (RuntimeError), a truncated file.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)


def _feed_members(names: list[str], label: str, what: str) -> dict[str, str]:
    """``{table: member}`` of the GTFS tables among an archive's (or a folder's) files:
    at the top or all inside one folder; the same table twice is refused as ambiguous."""
    wanted = {f"{name}.txt": name for name in (*REQUIRED, *_OPTIONAL)}
    found: dict[str, list[str]] = {}
    for member in names:
        parts = member.replace("\\", "/").split("/")
        if parts[0] == "__MACOSX" or parts[-1].startswith("._"):  # macOS zip litter
            continue
        if parts[-1] in wanted:
            found.setdefault(wanted[parts[-1]], []).append(member)
    repeated = {name: paths for name, paths in found.items() if len(paths) > 1}
    if repeated:
        name, paths = next(iter(repeated.items()))
        raise InputError(
            f"GTFS feed {label} holds {len(paths)} {name}.txt ({', '.join(sorted(paths)[:3])}): "
            f"one feed per {what}, please (split it into one {what} per feed)."
        )
    folders = {str(Path(paths[0]).parent) for paths in found.values()}
    if len(folders) > 1:
        raise InputError(
            f"GTFS feed {label} has its tables in several folders ({', '.join(sorted(folders)[:3])}): "
            f"put one feed's .txt files together, at the top of the {what} or in one folder."
        )
    return {name: paths[0] for name, paths in found.items()}


def _check_archive_sizes(infos: list[zipfile.ZipInfo], label: str) -> None:
    """Refuse a zip bomb from the archive's directory, before decompressing anything."""
    total = sum(info.file_size for info in infos)
    if total > MAX_GTFS_UNCOMPRESSED_BYTES:
        raise InputError(
            f"GTFS feed {label} expands to {total / 2**20:,.0f} MiB, more than the "
            f"{MAX_GTFS_UNCOMPRESSED_BYTES / 2**20:,.0f} MiB this reader takes; "
            "cut the feed to your region and dates first (e.g. with gtfs-kit)."
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _ZIP_RATIO_FLOOR and ratio > MAX_GTFS_COMPRESSION_RATIO:
            raise InputError(
                f"GTFS feed {label}: {info.filename} expands {ratio:,.0f}-fold "
                f"({info.compress_size:,} to {info.file_size:,} bytes), beyond the "
                f"{MAX_GTFS_COMPRESSION_RATIO:.0f}-fold of real text tables; it looks like a zip bomb."
            )


def _read_tables(source, label: str, wanted: Sequence[str] = (*REQUIRED, *_OPTIONAL)) -> dict[str, pd.DataFrame]:
    """Raw string tables of a zip, a folder or a mapping of DataFrames."""

    def parse(data: bytes, name: str) -> pd.DataFrame:
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"GTFS feed {label}: {name}.txt is not UTF-8 text: {encoding_hint(data)}.") from None
        except pd.errors.EmptyDataError:
            raise InputError(f"GTFS feed {label}: {name}.txt is empty (not even a header row).") from None
        except (pd.errors.ParserError, ValueError) as exc:
            reason = " ".join(str(exc).split())
            raise InputError(f"GTFS feed {label}: {name}.txt is not a readable CSV ({reason}).") from None
        except MemoryError:
            raise InputError(f"GTFS feed {label}: {name}.txt is too large to read into memory.") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.apply(lambda col: col.str.strip())

    if isinstance(source, Mapping):
        return {k: v.astype(str).replace({"nan": "", "None": "", "<NA>": ""}) for k, v in source.items() if k in wanted}
    path = Path(source)
    if not path.exists():
        raise InputError(f"GTFS feed {path} does not exist; check the path.")
    if path.is_dir():
        return _read_folder(path, label, parse, wanted)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
            members = _feed_members(list(infos), label, "zip")
            _check_archive_sizes([infos[m] for m in members.values()], label)
            tables = {}
            for name in wanted:
                if name in members:
                    try:
                        data = archive.read(members[name])
                    except _ZIP_ERRORS as exc:
                        reason = " ".join(str(exc).split())
                        raise InputError(
                            f"GTFS feed {label}: cannot read {members[name]} from the zip ({reason})."
                        ) from None
                    tables[name] = parse(data, name)
            return tables
    except zipfile.BadZipFile:
        raise InputError(f"GTFS feed {path} is not a zip file; give a GTFS .zip or folder.") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read GTFS feed {path}: {' '.join(str(exc).split())}.") from None


def _read_folder(path: Path, label: str, parse, wanted: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Tables of a feed folder: its own .txt files, or those of its one sub-folder."""
    try:
        files = [p.relative_to(path).as_posix() for p in path.iterdir() if p.is_file()]
        if not _feed_members(files, label, "folder"):  # maybe the feed sits one folder down
            files = [p.relative_to(path).as_posix() for sub in path.iterdir() if sub.is_dir() for p in sub.iterdir()]
        members = _feed_members(files, label, "folder")
        total = sum((path / m).stat().st_size for m in members.values())
        if total > MAX_GTFS_UNCOMPRESSED_BYTES:
            raise InputError(
                f"GTFS feed {label} holds {total / 2**20:,.0f} MiB of tables, more than the "
                f"{MAX_GTFS_UNCOMPRESSED_BYTES / 2**20:,.0f} MiB this reader takes; cut it to your region first."
            )
        return {name: parse((path / member).read_bytes(), name) for name, member in members.items() if name in wanted}
    except OSError as exc:
        raise InputError(f"cannot read GTFS feed {path}: {exc.strerror or exc}.") from None


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
    return clock_seconds_array(values, seconds_required=True)


# stops.txt columns that flag a stop with a car park for park-and-ride. GTFS has no
# standard field for it; feeds that publish one use a column like these (case-insensitive).
PARK_RIDE_COLUMNS = ("park_ride", "park_and_ride", "parking")
_TRUTHY = {"1", "yes", "true", "y"}


def _park_ride_flags(stops: pd.DataFrame) -> np.ndarray:
    """Whether each stop is flagged as a park-and-ride car park in stops.txt."""
    flags = np.zeros(len(stops), dtype=bool)
    for column in stops.columns:
        if str(column).lower() in PARK_RIDE_COLUMNS:
            flags |= stops[column].astype(str).str.strip().str.lower().isin(_TRUTHY).to_numpy()
    return flags


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


@dataclass(frozen=True)
class FeedCalendar:
    """Which services of one feed run on which days: ``days`` are the dates from
    ``first`` to ``last``; ``active[i, k]`` whether service ``service_ids[i]`` runs on day k;
    ``trips[i]`` its trips."""

    name: str
    first: dt.date
    last: dt.date
    service_ids: tuple[str, ...]
    active: np.ndarray  # bool (n_services, n_days)
    trips: np.ndarray  # int64 per service

    def covers(self, date: dt.date) -> bool:
        """Whether ``date`` lies inside the feed's calendar range."""
        return self.first <= date <= self.last

    def trips_on(self, date: dt.date) -> int:
        """Trips of the services running on ``date`` (0 outside the range)."""
        if not self.covers(date):
            return 0
        return int(self.trips[self.active[:, (date - self.first).days]].sum())

    def range_text(self) -> str:
        return f"{self.name or 'feed'} {self.first} to {self.last}"


def _calendar(tables, label: str, name: str) -> FeedCalendar:
    first, last = _date_range(tables)
    n_days = (last - first).days + 1
    trips = tables["trips"]["service_id"].value_counts()
    services: list[str] = sorted(set(trips.index))
    calendar = tables.get("calendar")
    dates = tables.get("calendar_dates")
    if calendar is not None and len(calendar):
        services += sorted(set(calendar["service_id"]) - set(services))
    if dates is not None and len(dates):
        services += sorted(set(dates["service_id"]) - set(services))
    row = {sid: i for i, sid in enumerate(services)}
    active = np.zeros((len(services), n_days), dtype=bool)
    day_index = np.arange(n_days)
    weekday = (first.weekday() + day_index) % 7
    if calendar is not None and len(calendar):
        for record in calendar.to_dict("records"):
            try:
                start = dt.datetime.strptime(record["start_date"], "%Y%m%d").date()
                end = dt.datetime.strptime(record["end_date"], "%Y%m%d").date()
            except (ValueError, TypeError):
                continue
            runs = np.array([record.get(d, "0") == "1" for d in _DAYS])
            inside = (day_index >= (start - first).days) & (day_index <= (end - first).days)
            active[row[record["service_id"]]] |= inside & runs[weekday]
    if dates is not None and len(dates):
        for record in dates.to_dict("records"):
            try:
                k = (dt.datetime.strptime(record["date"], "%Y%m%d").date() - first).days
            except (ValueError, TypeError):
                continue
            if 0 <= k < n_days and record.get("exception_type") in ("1", "2"):
                active[row[record["service_id"]], k] = record["exception_type"] == "1"
    counts = trips.reindex(services).fillna(0).to_numpy(np.int64)
    return FeedCalendar(name, first, last, tuple(services), active, counts)


def read_calendar(source, *, name: str | None = None) -> FeedCalendar:
    """The service calendar of a feed (zip, folder or tables), read without stop_times."""
    label = name or (Path(source).name if not isinstance(source, Mapping) else "(tables)")
    tables = _read_tables(source, label, _CALENDAR_TABLES)
    if "trips" not in tables or "service_id" not in tables["trips"].columns:
        raise InputError(f"GTFS feed {label} has no trips.txt with a service_id column.")
    if "calendar" not in tables and "calendar_dates" not in tables:
        raise InputError(f"GTFS feed {label} has neither calendar.txt nor calendar_dates.txt.")
    return _calendar(tables, label, name or "")


def typical_service_date(calendars: Sequence[FeedCalendar]) -> tuple[dt.date, str]:
    """The typical weekday of the feeds, and a sentence saying why it was chosen.

    Among Mondays to Fridays inside every feed's calendar (inside any feed's when the
    ranges do not overlap), the combination of running services that occurs on the most
    days is the usual weekday timetable (ties: the one with more trips). Of its days, a
    Tuesday to Thursday in a regular week (each weekday runs the timetable most common
    for that weekday: no holiday the feed marks that week) nearest the middle of the
    range is taken (ties: the earlier), so neither a holiday with reduced service nor a
    feed's first day (often 1 January, unmarked) is picked.
    """
    if not calendars:
        raise InputError("no GTFS feeds given.")
    first, last = max(c.first for c in calendars), min(c.last for c in calendars)
    scope = "every feed's calendar"
    if first > last:
        first, last = min(c.first for c in calendars), max(c.last for c in calendars)
        scope = "the feeds' calendars (which do not overlap)"
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    patterns: dict[tuple, list[dt.date]] = {}
    trips: dict[tuple, int] = {}
    for day in days:
        key = tuple(
            tuple(np.flatnonzero(c.active[:, (day - c.first).days])) if c.covers(day) else () for c in calendars
        )
        patterns.setdefault(key, []).append(day)
        trips[key] = sum(c.trips_on(day) for c in calendars)
    running = [k for k in patterns if trips[k] > 0]
    ranges = "; ".join(c.range_text() for c in calendars)
    if not running:
        raise InputError(f"GTFS feeds have no weekday with service ({ranges}).")
    best = max(running, key=lambda k: (len(patterns[k]), trips[k], -patterns[k][0].toordinal()))
    usual = set(patterns[best])
    # a regular week: each of its weekdays runs the timetable most common for that weekday
    # (a Friday-only extra service is normal; a holiday the feed marks is not)
    key_of = {day: key for key, members in patterns.items() for day in members}
    by_weekday: dict[int, Counter] = {}
    for day, key in key_of.items():
        by_weekday.setdefault(day.weekday(), Counter())[key] += 1
    normal = {w: counts.most_common(1)[0][0] for w, counts in by_weekday.items()}

    def regular_week(day: dt.date) -> bool:
        monday = day - dt.timedelta(days=day.weekday())
        week = [monday + dt.timedelta(days=k) for k in range(5)]
        return all(key_of.get(d, normal[d.weekday()]) == normal[d.weekday()] for d in week)

    midweek = [d for d in usual if d.weekday() in (1, 2, 3)]
    candidates = [d for d in midweek if regular_week(d)] or midweek or sorted(usual)
    middle = first + (last - first) / 2
    date = min(candidates, key=lambda d: (abs((d - middle).days), d))
    weekdays = len(days)
    note = (
        f"service date not given; using {date} ({date:%A}), the typical weekday of {scope} "
        f"({first} to {last}): its timetable ({trips[best]:,} trips) runs on {len(patterns[best])} of "
        f"{weekdays} weekdays"
    )
    return date, note


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"service date {value!r} is not YYYY-MM-DD.") from None


def read_gtfs(
    source, *, service_date=None, name: str | None = None, interpolation: str = "nearest", allow_empty: bool = False
) -> GtfsFeed:
    """Read and validate one GTFS feed (zip, folder or mapping of DataFrames) for one date.

    Bad rows (invalid times, stops without coordinates, undefined stops, trips too short
    or with times going backwards) are dropped and counted in ``warnings`` (also emitted
    as one :class:`GtfsWarning`); structural problems raise :class:`InputError`.
    ``service_date=None`` picks the feed's typical weekday (:func:`typical_service_date`)
    and says so in ``date_note`` and ``warnings``. ``interpolation``: one of
    :data:`INTERPOLATIONS`. ``allow_empty``: a date without service gives a feed without
    trips (one feed of several) instead of an :class:`InputError`.
    """
    if interpolation not in INTERPOLATIONS:
        raise InputError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}, got {interpolation!r}.")
    label = name or (Path(source).name if not isinstance(source, Mapping) else "(tables)")
    tables = _read_tables(source, label)
    _check(tables, label)
    notes: list[str] = []
    tables["trips"] = _unique_trips(tables["trips"], notes)
    if service_date is not None:
        date, date_note = _as_date(service_date), "given"
    else:
        date, date_note = typical_service_date([_calendar(tables, label, name or label)])
        notes.append(date_note)
    first, last = _date_range(tables)
    active = _active_services(tables, date)
    trips = tables["trips"]
    trips = trips[trips["service_id"].isin(active)]
    if trips.empty and not allow_empty:
        raise InputError(
            f"GTFS feed {label}: no service runs on {date} ({date:%A}); the feed covers {first} to {last}."
        )

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
    stops["park_ride"] = _park_ride_flags(stops)
    stops = stops[["stop_id", "stop_name", "lon", "lat", "parent_station", "location_type", "park_ride"]].reset_index(
        drop=True
    )

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

    stop_times = _stop_times(tables["stop_times"], trips, stops, label, notes, interpolation, allow_empty)
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
        date_note=date_note,
    )
    dropped = [n for n in notes if "dropped" in n]
    if dropped:
        warnings.warn(f"GTFS feed {label}: " + "; ".join(dropped), GtfsWarning, stacklevel=2)
    return _namespaced(feed, name) if name else feed


def _unique_trips(trips: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """trips.txt with one row per trip_id: the first row of a repeated id is kept (GTFS
    requires unique ids; the repeats are reported, as gtfs-kit's validator does)."""
    repeated = trips["trip_id"].duplicated(keep="first")
    if not repeated.any():
        return trips
    examples = ", ".join(repr(t) for t in pd.unique(trips.loc[repeated, "trip_id"])[:3])
    notes.append(
        f"trips.txt: {int(repeated.sum())} rows repeat a trip_id (e.g. {examples}): "
        "the first row of each id is kept, the repeats dropped"
    )
    return trips[~repeated].reset_index(drop=True)


def _unambiguous_sequences(st: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """stop_times without repeated (trip_id, stop_sequence): exact repeats collapse to one
    row; a trip giving one position two different stops or times (two trips under one
    id) cannot be ridden and is dropped."""
    key = ["trip_id", "stop_sequence"]
    exact = st.duplicated(keep="first")
    if exact.any():
        notes.append(f"stop_times.txt: {int(exact.sum())} repeated rows dropped")
        st = st[~exact]
    clash = st.duplicated(subset=key, keep=False)
    if clash.any():
        bad = pd.unique(st.loc[clash, "trip_id"])
        notes.append(
            f"stop_times.txt: {len(bad)} trips give one stop_sequence twice with different stops or times "
            f"(e.g. {bad[0]!r}, two trips under one trip_id?) dropped"
        )
        st = st[~st["trip_id"].isin(set(bad))]
    return st


def _stop_times(
    raw: pd.DataFrame,
    trips: pd.DataFrame,
    stops: pd.DataFrame,
    label: str,
    notes: list[str],
    interpolation: str = "nearest",
    allow_empty: bool = False,
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
    st = _unambiguous_sequences(st[~invalid], notes)
    unknown = ~st["stop_id"].isin(set(stops["stop_id"]))
    if unknown.any():
        notes.append(
            f"stop_times.txt: {int(unknown.sum())} rows at stops not in stops.txt (or without coordinates) dropped "
            f"(e.g. {st.loc[unknown, 'stop_id'].iloc[0]!r})"
        )
        st = st[~unknown]
    if st.empty and not (allow_empty and trips.empty):
        raise InputError(f"GTFS feed {label}: no usable stop_times on the service date.")
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    st["arr"] = st["arr"].fillna(st["dep"])
    st["dep"] = st["dep"].fillna(st["arr"])
    st = _interpolate(st, stops, notes, interpolation)
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


def _interpolate(st: pd.DataFrame, stops: pd.DataFrame, notes: list[str], how: str = "nearest") -> pd.DataFrame:
    """Fill times of non-timepoint stops linearly by distance along the trip.

    ``how="nearest"``: shape distance when given on every row of the trip, else
    great-circle lines between stops; times rounded to the nearest second. ``"r5"``: as
    R5 (gtfs-lib ``getInterpolatedStopTimesForTrip``): geodesic stop-to-stop distances on
    the WGS-84 ellipsoid, shapes ignored, ``(int)`` truncation of the seconds."""
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
    if how == "r5":
        step[1:] = Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]
    else:
        step[1:] = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    step[trip_first.to_numpy()] = 0.0
    distance = pd.Series(step).groupby(st["trip_id"].to_numpy()).cumsum().to_numpy()
    if "shape_dist_traveled" in st and how != "r5":
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
    exact = t0 + np.clip(f, 0, 1) * (t1 - t0)
    # R5 casts to int (times are positive: truncation is the floor); we round
    times = np.floor(exact) if how == "r5" else np.round(exact)
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


def read_gtfs_feeds(
    sources: Sequence, *, service_date=None, names: Sequence[str] | None = None, interpolation: str = "nearest"
) -> GtfsFeed:
    """Several feeds merged for one service date, ids namespaced ``"name:id"``.

    Names default to the file stems (made unique). Without ``service_date`` the typical
    weekday of all the feeds is used (:func:`typical_service_date`). A date outside every
    feed's calendar, or on which none runs, is an :class:`InputError` naming the feeds'
    ranges; a feed without service that day is left out with a note in ``warnings``.
    """
    if not sources:
        raise InputError("no GTFS feeds given.")
    if names is None:
        names = [
            Path(s).name.split(".")[0] if not isinstance(s, Mapping) else f"feed{k}" for k, s in enumerate(sources)
        ]
    if len(set(names)) != len(names):
        raise InputError(f"feed names must be unique, got {list(names)}.")
    calendars = [read_calendar(source, name=name) for source, name in zip(sources, names, strict=True)]
    ranges = "; ".join(c.range_text() for c in calendars)
    if service_date is None:
        date, date_note = typical_service_date(calendars)
    else:
        date, date_note = _as_date(service_date), "given"
        if not any(c.covers(date) for c in calendars):
            raise InputError(f"{date} lies outside every feed's calendar ({ranges}); choose a date inside one.")
    if not any(c.trips_on(date) for c in calendars):
        raise InputError(f"no transit runs on {date} ({date:%A}) in any feed ({ranges}); choose another date.")
    feeds, idle = [], []
    for source, name, calendar in zip(sources, names, calendars, strict=True):
        if calendar.trips_on(date) == 0:
            where = "outside its calendar" if not calendar.covers(date) else "no service that day"
            idle.append(f"{name}: no trips on {date} ({where}: {calendar.first} to {calendar.last}); left out")
            continue
        feeds.append(read_gtfs(source, service_date=date, name=name, interpolation=interpolation))
    notes = ([date_note] if service_date is None else []) + idle
    return GtfsFeed(
        name="+".join(names),
        service_date=date,
        stops=pd.concat([f.stops for f in feeds], ignore_index=True),
        routes=pd.concat([f.routes for f in feeds], ignore_index=True),
        trips=pd.concat([f.trips for f in feeds], ignore_index=True),
        stop_times=pd.concat([f.stop_times for f in feeds], ignore_index=True),
        transfers=pd.concat([f.transfers for f in feeds], ignore_index=True),
        warnings=tuple(notes) + tuple(f"{f.name}: {w}" for f in feeds for w in f.warnings),
        date_range=(min(c.first for c in calendars), max(c.last for c in calendars)),
        date_note=date_note,
    )


def write_gtfs_zip(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write GTFS tables (``{"stops": frame, ...}``) as ``<name>.txt`` into a zip, atomically."""

    path = Path(path)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            # fixed timestamp: the same tables always give the same bytes
            info = zipfile.ZipInfo(f"{name}.txt", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, frame.to_csv(index=False, lineterminator="\n"))
    return path
