"""Real train timetables (city- or station-level stop events) as transit data and GTFS.

Input is a list of stop events per train: ``train, seq, stop, arrival, departure`` with
times ``H:MM`` (or ``H:MM:SS``) running past 24:00 for overnight trains and ``-`` or empty
at the ends. Two readers give that shape: the RailwayVIS ``schedulers.json`` (trains keyed
by number, ``route[{arrival, departure, city}]``) and a plain CSV (12306-style data a user
brings). Stops become one hub per city (or station name) with WGS-84 coordinates; trains
become trips of one route per train class (G, D, C, K, Z, T, ...). The data has no dates:
every train is assumed to run daily, and the GTFS says so in ``feed_info.txt``.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from access._clock import clock_seconds_array, format_clock_array
from access.china.tables import city_key
from access.errors import InputError
from access.io.gtfs import write_gtfs_zip

__all__ = [
    "TRAIN_CLASSES",
    "RailTimetable",
    "TimetableWarning",
    "read_rail_timetable",
    "read_railwayvis_trains",
    "read_timetable_csv",
    "parse_timetable",
    "city_hubs",
    "timetable_to_gtfs",
    "write_timetable_gtfs",
    "train_class",
]

# Train classes by the letter that starts a Chinese train number (12306 conventions), as
# (name, GTFS route_type). Route types are Google's extended types: 101 high-speed rail,
# 102 long-distance trains, 103 inter-regional rail, 106 regional rail. C (城际, intercity)
# runs EMUs on HSR/intercity lines with the same security check as G/D, hence 103 (which
# carries the HSR boarding penalty in access.config.BOARD_PENALTY_MIN_BY_ROUTE_TYPE).
TRAIN_CLASSES: dict[str, tuple[str, int]] = {
    "G": ("G high-speed (高速动车)", 101),
    "D": ("D EMU (动车组)", 101),
    "C": ("C intercity (城际)", 103),
    "S": ("S suburban (市域)", 106),
    "Z": ("Z direct express (直达特快)", 102),
    "T": ("T express (特快)", 102),
    "K": ("K fast (快速)", 102),
    "Y": ("Y tourist (旅游)", 102),
    "L": ("L temporary (临客)", 102),
    "other": ("numbered ordinary trains (普快/普客)", 102),
}
HIGH_SPEED_CLASSES = ("G", "D", "C")
SERVICE_ID = "daily_assumed"  # the timetables carry no dates: every train runs every day
_EMPTY = {"", "-", "--", "—", "nan", "None", "----"}
_WRAP_S = 12 * 3600  # a time more than 12 h before the previous one wrapped past midnight


class TimetableWarning(UserWarning):
    """Rows of a timetable were dropped or repaired; the message counts them."""


@dataclass(frozen=True)
class RailTimetable:
    """A cleaned timetable: stop events, trains, hubs, and what was dropped and why.

    ``events``: ``train, seq, stop, arrival_s, departure_s`` (int seconds since midnight of
    the day the train starts; past 24:00 kept), sorted by train and seq. ``trains``:
    ``train, train_class, service, n_stops, first_departure_s, last_arrival_s``. ``hubs``:
    ``stop_id, stop_name, name_en, lon, lat, source, place_id`` (EPSG:4326). ``unknown``:
    stops without coordinates (``stop, events, trains``), their events dropped. ``notes``:
    one line per repair or drop, with counts.
    """

    events: pd.DataFrame
    trains: pd.DataFrame
    hubs: pd.DataFrame
    unknown: pd.DataFrame
    notes: tuple[str, ...]
    source: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)  # built networks, by parameters

    def __repr__(self) -> str:
        return (
            f"RailTimetable({self.source or 'timetable'}: {len(self.trains):,} trains, {len(self.events):,} stop "
            f"events, {len(self.hubs):,} hubs, {len(self.unknown):,} unknown stops)"
        )

    def summary(self) -> pd.DataFrame:
        """Trains, stop events and hubs per train class."""
        by = self.trains.groupby("train_class").agg(trains=("train", "size"), stop_events=("n_stops", "sum"))
        return by.sort_values("trains", ascending=False).reset_index()


def train_class(train: str) -> str:
    """Class letter of a train number (``G1234`` -> ``G``); digits only -> ``other``."""
    head = str(train).strip()[:1].upper()
    return head if head in TRAIN_CLASSES else "other"


def _seconds(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(seconds float with NaN for empty, invalid mask) of ``H:MM[:SS]`` strings
    (access._clock's one grammar; a plain loop, not a regex: fast on 10^5 rows)."""
    text = [str(v).strip() if v is not None and v == v else "" for v in values.tolist()]
    empty = np.fromiter((t in _EMPTY for t in text), dtype=bool, count=len(text))
    seconds = clock_seconds_array(text)
    return seconds, ~empty & np.isnan(seconds)


def read_railwayvis_trains(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Stop events ``train, seq, stop, arrival, departure, service`` (times as text) from a
    RailwayVIS ``schedulers.json``; duplicated train numbers keep their first timetable
    and are reported in the returned notes."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"timetable {path} does not exist; check the path.")
    duplicates: Counter[str] = Counter()

    def pairs(items):
        seen: dict = {}
        for key, value in items:
            if key in seen:
                duplicates[key] += 1
                continue
            seen[key] = value
        return seen

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(f"timetable {path.name} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "route" in v for v in data.values()):
        raise InputError(
            f"timetable {path.name}: expected {{train: {{route: [{{arrival, departure, city}}]}}}} "
            "(RailwayVIS schedulers.json); for other data write a CSV train,seq,stop,arrival,departure."
        )
    rows = []
    for train, record in data.items():
        for seq, event in enumerate(record.get("route") or [], start=1):
            rows.append(
                (
                    str(train),
                    seq,
                    str(event.get("city", "")).strip(),
                    event.get("arrival", ""),
                    event.get("departure", ""),
                    record.get("service", ""),
                )
            )
    notes = []
    if duplicates:
        # "city" keys repeat inside one stop event too; only train numbers count here
        trains = [k for k in duplicates if k in data]
        if trains:
            notes.append(
                f"{len(trains)} duplicated train numbers: the first timetable of each kept "
                f"(e.g. {', '.join(sorted(trains)[:3])})"
            )
    frame = pd.DataFrame(rows, columns=["train", "seq", "stop", "arrival", "departure", "service"])
    return frame, notes


def read_timetable_csv(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Stop events from a CSV with columns ``train, seq, stop, arrival, departure``
    (optional ``service``); times ``H:MM`` or ``H:MM:SS``, past 24:00 allowed."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"timetable {path} does not exist; check the path.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"timetable {path.name} is not a readable UTF-8 CSV ({exc}).") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame, []


def city_hubs(
    names,
    prefectures: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    station2city: dict[str, str] | None = None,
    activity: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """One hub (EPSG:4326) per stop name, and the names left without coordinates.

    With ``activity`` (:func:`access.china.tables.read_station_activity`) a city's hub is its
    busiest station (most G/D/C trains, then most trains) among the stations named like
    the city or mapped to it by ``station2city`` (北京 -> 北京南), at that station's
    coordinates; ``hub_station`` names it. Otherwise, or when none is found, in order:
    the prefecture table (:func:`access.china.tables.read_prefectures`,
    joined on :func:`access.china.tables.city_key`, e.g. 北京 = 北京市; the seat's coordinates),
    a station of the same name in the station table
    (:func:`access.china.tables.read_station_table`), the mean position of the stations that
    ``station2city`` maps to that city, a station named after the county (海安县 for 海安).
    """
    names = list(dict.fromkeys(str(n) for n in names))
    rows, unknown = [], []
    pref = prefectures.drop_duplicates("key").set_index("key") if prefectures is not None else None
    by_station = stations.drop_duplicates("name").set_index("name") if stations is not None else None
    # county-level cities: a station named after the county (海安县 for 海安)
    county = (
        stations.assign(stem=stations["name"].str.replace(r"(县|市)$", "", regex=True))
        .drop_duplicates("stem")
        .set_index("stem")
        if stations is not None
        else None
    )
    members: dict[str, list[str]] = {}
    for station, city in (station2city or {}).items():
        members.setdefault(city, []).append(station)
    main: dict[str, str] = {}
    if activity is not None and by_station is not None:
        for station in activity["station"]:  # busiest first
            city = (station2city or {}).get(station, station)
            if city not in main and station in by_station.index:
                main[city] = station
    for name in names:
        key = city_key(name)
        pref_id = pref.loc[key, "place_id"] if pref is not None and key in pref.index else ""
        pref_en = pref.loc[key, "name"] if pref is not None and key in pref.index else ""
        if name in main:
            s = by_station.loc[main[name]]
            rows.append((name, name, pref_en, s["lon"], s["lat"], f"main-station:{main[name]}", pref_id))
        elif pref is not None and key in pref.index:
            p = pref.loc[key]
            rows.append((name, name, p["name"], p["lon"], p["lat"], "prefecture", p["place_id"]))
        elif by_station is not None and name in by_station.index:
            s = by_station.loc[name]
            rows.append((name, name, "", s["lon"], s["lat"], "station", ""))
        elif by_station is not None and any(m in by_station.index for m in members.get(name, [])):
            found = by_station.loc[[m for m in members[name] if m in by_station.index]]
            rows.append((name, name, "", found["lon"].mean(), found["lat"].mean(), "stations-mean", ""))
        elif county is not None and name in county.index:
            s = county.loc[name]
            rows.append((name, name, "", s["lon"], s["lat"], "station", ""))
        else:
            unknown.append(name)
    hubs = pd.DataFrame(rows, columns=["stop_id", "stop_name", "name_en", "lon", "lat", "source", "place_id"])
    return hubs, unknown


def parse_timetable(
    frame: pd.DataFrame, hubs: pd.DataFrame, *, label: str = "timetable", notes: list[str] | None = None
) -> RailTimetable:
    """Validate stop events (``train, seq, stop, arrival, departure``) against ``hubs``
    (``stop_id, lon, lat, ...``); drop what cannot be ridden and count it in ``notes``.

    Drops, each counted: rows with invalid times (``25:61``) -> their whole train; stops
    without a hub (unknown city) -> those events; trains with fewer than two stops left;
    trains whose times run backwards. Times more than 12 h before the previous one are
    taken to wrap past midnight and get +24 h (also counted). A train number given twice
    (repeated ``seq``) is dropped. :class:`InputError` when nothing is left.
    """
    notes = list(notes or [])
    needed = {"train", "seq", "stop", "arrival", "departure"}
    missing = needed - set(frame.columns)
    if missing:
        raise InputError(
            f"timetable {label} lacks columns {', '.join(sorted(missing))}; "
            "expected train, seq, stop, arrival, departure."
        )
    if frame.empty:
        raise InputError(f"timetable {label} has no rows.")
    ev = pd.DataFrame(
        {
            "train": frame["train"].astype(str).str.strip(),
            "stop": frame["stop"].astype(str).str.strip(),
            "seq": pd.to_numeric(frame["seq"], errors="coerce"),
            "service": frame["service"].astype(str) if "service" in frame else "",
        }
    )
    arr, bad_arr = _seconds(frame["arrival"])
    dep, bad_dep = _seconds(frame["departure"])
    bad = bad_arr | bad_dep | ev["seq"].isna().to_numpy() | (ev["train"] == "").to_numpy()
    ev["arr"], ev["dep"] = arr, dep
    if bad.any():
        example = frame.loc[bad, ["train", "arrival", "departure"]].iloc[0].tolist()
        trains = set(ev.loc[bad, "train"])
        notes.append(
            f"{int(bad.sum())} rows with invalid times or seq (e.g. {example[0]} {example[1]!r}/{example[2]!r});"
            f" their {len(trains)} trains dropped"
        )
        ev = ev[~ev["train"].isin(trains)]
    dup = ev.duplicated(["train", "seq"], keep=False)
    if dup.any():
        trains = sorted(set(ev.loc[dup, "train"]))
        notes.append(
            f"{len(trains)} duplicated train numbers (the same seq twice) dropped (e.g. {', '.join(trains[:3])})"
        )
        ev = ev[~ev["train"].isin(trains)]
    ev = ev.sort_values(["train", "seq"], kind="stable").reset_index(drop=True)
    ev["arr"] = ev["arr"].fillna(ev["dep"])
    ev["dep"] = ev["dep"].fillna(ev["arr"])
    no_time = ev["arr"].isna()
    if no_time.any():
        notes.append(f"{int(no_time.sum())} stop events without any time (passing stops) dropped")
        ev = ev[~no_time]
    # unknown stops: report, then drop their events
    known = ev["stop"].isin(set(hubs["stop_id"]))
    unknown = (
        ev[~known]
        .groupby("stop")
        .agg(events=("train", "size"), trains=("train", "nunique"))
        .sort_values(["events", "stop"], ascending=[False, True])
        .reset_index()
    )
    if len(unknown):
        listed = ", ".join(f"{r.stop} ({r.events})" for r in unknown.head(8).itertuples())
        notes.append(
            f"{len(unknown)} unknown stops (no coordinates), {int(unknown['events'].sum())} stop events "
            f"dropped: {listed}{', ...' if len(unknown) > 8 else ''}"
        )
        ev = ev[known]
    ev = _unwrap_and_check(ev.reset_index(drop=True), notes)
    size = ev.groupby("train")["train"].transform("size")
    short = size < 2
    if short.any():
        notes.append(f"{ev.loc[short, 'train'].nunique()} trains with fewer than 2 known stops dropped")
        ev = ev[~short]
    if ev.empty:
        raise InputError(f"timetable {label}: no train has two usable stops; " + "; ".join(notes))
    ev = ev.reset_index(drop=True)
    ev["seq"] = ev.groupby("train").cumcount() + 1
    events = pd.DataFrame(
        {
            "train": ev["train"],
            "seq": ev["seq"].astype(np.int32),
            "stop": ev["stop"],
            "arrival_s": ev["arr"].astype(np.int32),
            "departure_s": ev["dep"].astype(np.int32),
        }
    )
    g = ev.groupby("train", sort=True)
    trains = pd.DataFrame(
        {
            "n_stops": g.size(),
            "first_departure_s": g["dep"].first().astype(np.int32),
            "last_arrival_s": g["arr"].last().astype(np.int32),
            "service": g["service"].first(),
        }
    )
    trains = trains.reset_index()
    trains.insert(1, "train_class", trains["train"].map(train_class))
    used = hubs[hubs["stop_id"].isin(set(events["stop"]))].reset_index(drop=True)
    notes.append("the timetable has no dates: every train is assumed to run daily")
    result = RailTimetable(events=events, trains=trains, hubs=used, unknown=unknown, notes=tuple(notes), source=label)
    dropped = [n for n in notes if "dropped" in n or "+24 h" in n or "duplicated" in n]
    if dropped:
        warnings.warn(f"timetable {label}: " + "; ".join(dropped), TimetableWarning, stacklevel=2)
    return result


def _unwrap_and_check(ev: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Times wrapped past midnight get +24 h; trains still running backwards are dropped."""
    arr = ev["arr"].to_numpy(float).copy()
    dep = ev["dep"].to_numpy(float).copy()
    codes = pd.factorize(ev["train"])[0]
    # times in stop order: arr0 dep0 arr1 dep1 ...; a drop of > 12 h adds a day from there on
    seq = np.column_stack([arr, dep]).ravel()
    owner = np.repeat(codes, 2)
    step = np.diff(seq, prepend=np.nan)
    first = np.r_[True, owner[1:] != owner[:-1]]
    step[first] = 0.0
    wraps = (step < -_WRAP_S).astype(np.int64)
    days = pd.Series(wraps).groupby(owner).cumsum().to_numpy()
    if wraps.any():
        notes.append(
            f"{int(len(set(owner[wraps > 0])))} trains with times wrapping past midnight: later times "
            "kept past 24:00 (+24 h)"
        )
    seq = seq + days * 86400
    step = np.diff(seq, prepend=np.nan)
    step[first] = 0.0
    backwards = set(codes[np.repeat(np.arange(len(ev)), 2)[step < 0]])
    ev = ev.assign(arr=seq[0::2], dep=seq[1::2])
    if backwards:
        trains = sorted(set(ev["train"].to_numpy()[np.isin(codes, list(backwards))]))
        notes.append(f"{len(trains)} trains with times going backwards dropped (e.g. {', '.join(trains[:3])})")
        ev = ev[~np.isin(codes, list(backwards))]
    return ev


def read_rail_timetable(
    path: str | Path,
    *,
    prefectures: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    station2city: dict[str, str] | None = None,
    activity: pd.DataFrame | None = None,
) -> RailTimetable:
    """Read a timetable (RailwayVIS ``.json`` or CSV ``train,seq,stop,arrival,departure``),
    locate its stops (see :func:`city_hubs`) and validate it (see :func:`parse_timetable`).

    Give at least one of ``prefectures`` / ``stations`` for coordinates; stops found in
    neither are reported in ``RailTimetable.unknown`` and ``notes`` with counts.
    """
    path = Path(path)
    if prefectures is None and stations is None:
        raise InputError("give a prefecture table and/or a station table to locate the timetable's stops.")
    if path.suffix.lower() == ".json":
        frame, notes = read_railwayvis_trains(path)
    else:
        frame, notes = read_timetable_csv(path)
    if "stop" not in frame:
        raise InputError(f"timetable {path.name} has no 'stop' column; expected train, seq, stop, arrival, departure.")
    hubs, _ = city_hubs(frame["stop"].astype(str).str.strip().unique(), prefectures, stations, station2city, activity)
    return parse_timetable(frame, hubs, label=path.name, notes=notes)


def timetable_to_gtfs(
    timetable: RailTimetable,
    *,
    agency_name: str = "China Railway (timetable import)",
    start_date: str = "20000101",
    end_date: str = "20991231",
) -> dict[str, pd.DataFrame]:
    """GTFS tables (the layout of :func:`access.io.rail_spec.rail_spec_to_gtfs`): one stop
    per hub, one route per train class, one trip per train, daily calendar, and a
    ``feed_info`` whose version says the dates are assumed."""
    ev, trains, hubs = timetable.events, timetable.trains, timetable.hubs
    classes = [c for c in TRAIN_CLASSES if c in set(trains["train_class"])]
    stops = pd.DataFrame(
        {
            "stop_id": hubs["stop_id"],
            "stop_name": hubs["stop_name"],
            "stop_desc": hubs["name_en"].fillna(""),
            "stop_lat": hubs["lat"].map(lambda v: f"{v:.7f}"),
            "stop_lon": hubs["lon"].map(lambda v: f"{v:.7f}"),
        }
    )
    routes = pd.DataFrame(
        {
            "route_id": classes,
            "agency_id": "cr",
            "route_short_name": classes,
            "route_long_name": [TRAIN_CLASSES[c][0] for c in classes],
            "route_type": [str(TRAIN_CLASSES[c][1]) for c in classes],
        }
    )
    trips = pd.DataFrame(
        {
            "route_id": trains["train_class"],
            "service_id": SERVICE_ID,
            "trip_id": trains["train"],
            "trip_short_name": trains["train"],
        }
    )
    stop_times = pd.DataFrame(
        {
            "trip_id": ev["train"],
            "arrival_time": format_clock_array(ev["arrival_s"].to_numpy()),
            "departure_time": format_clock_array(ev["departure_s"].to_numpy()),
            "stop_id": ev["stop"],
            "stop_sequence": ev["seq"],
        }
    )
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {
        "agency": pd.DataFrame(
            {
                "agency_id": ["cr"],
                "agency_name": [agency_name],
                "agency_url": ["https://www.12306.cn"],
                "agency_timezone": ["Asia/Shanghai"],
            }
        ),
        "stops": stops,
        "routes": routes,
        "trips": trips,
        "stop_times": stop_times,
        "calendar": pd.DataFrame(
            {"service_id": [SERVICE_ID], **{d: ["1"] for d in days}, "start_date": [start_date], "end_date": [end_date]}
        ),
        "feed_info": pd.DataFrame(
            {
                "feed_publisher_name": [agency_name],
                "feed_publisher_url": ["https://www.12306.cn"],
                "feed_lang": ["zh"],
                "feed_version": [
                    f"{timetable.source or 'timetable'}: no dates in the source; all trains assumed daily"
                ],
            }
        ),
    }


def write_timetable_gtfs(timetable: RailTimetable, path: str | Path) -> Path:
    """Write :func:`timetable_to_gtfs` as a zip, atomically."""

    return write_gtfs_zip(timetable_to_gtfs(timetable), path)
