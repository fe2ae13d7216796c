"""The complete national rail layer: real timetabled trains at station level, the real MTR
high-speed GTFS (Hong Kong West Kowloon), and a calibrated, labelled modelled service on
every line for the stations the timetable does not serve.

Scenarios return new layers (nothing changes in place): without high-speed rail
(conventional trains only), without a named line, with a modelled new line, with or
without the lines opened after (or since) a date.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from access._clock import format_clock
from access._geo import haversine_m
from access.china._store import STORE_VERSION, load_national, save_national
from access.china.counties import read_counties, read_county_polygons
from access.china.lines import RailLines, line_stations, read_rail_lines
from access.china.modelled import (
    FAST_TRAIN_CLASSES,
    ServiceModel,
    _rides,
    calibrate_service,
    express_stops,
    modelled_events,
)
from access.china.places import prefecture_table, station_counties
from access.china.station_timetable import read_station_timetable
from access.china.tables import read_prefectures, read_station2city, read_station_activity, read_station_table
from access.china.timetable import TRAIN_CLASSES, RailTimetable, TimetableWarning, city_hubs, train_class
from access.config import ChinaRailSettings, RegionalSettings, TransitSettings
from access.errors import CacheError, InputError
from access.io.gtfs import GtfsFeed, read_gtfs
from access.network.cache import cache_key, default_cache_dir, file_digest
from access.network.transit import TransitNetwork

__all__ = ["NationalRail", "load_national_rail", "NATIONAL_FILES", "SOURCES"]

# Files of the shared data folder (../shared/data), relative to it.
NATIONAL_FILES = {
    "stations": "china_rail/cn_stations_wgs84.csv",
    "schedules": "china_rail/railwayvis_station_schedules_gbk.zip",
    "trains": "china_rail/railwayvis_trains.json",
    "station2city": "china_rail/railwayvis_station2city.json",
    "lines": "china_rail/railwayvis_network.json",
    "prefectures": "china/prefectures_cityinfo.csv",
    "mtr": "china_gtfs/mtr_xrl_gtfs.zip",
    "counties": "china_admin/china_counties_2020.csv",
    "county_polygons": "china_admin/tudigong_counties-geo.topojson",
}
SOURCES = ("timetable", "MTR GTFS", "modelled")
NOMINAL_SERVICE_DATE = dt.date(2020, 1, 6)  # a Monday; the sources carry no calendar
_MTR_SERVICE_DATE = "2026-01-26"  # the Monday of the feed's one-week calendar
_MTR_JOIN_M = 1000.0  # an MTR station joins a national station of another name this close
_DAY_S = 86_400


@dataclass(frozen=True, eq=False)
class NationalRail:
    """Every station and train of the national layer.

    ``stations``: ``name, lon, lat, kind, province, city, source`` (WGS-84).
    ``events``: ``train, seq, stop, arrival_s, departure_s`` (seconds since midnight of
    the day a train starts). ``trips``: ``train, source`` (timetable / MTR GTFS /
    modelled), ``train_class`` (G, D, C, K, ... or the line class of a modelled train),
    ``line`` and ``line_class`` (modelled trains), ``route_type``, ``line_opened``
    (latest opening date of the lines a real train uses), ``modelled``. ``lines``: all
    lines with their station sequences; ``served_lines``: those with modelled service.
    ``station_city``: ``station, adcode, prefecture, province, how, seat_lon, seat_lat``
    (the county each station lies in and its prefecture's seat).
    """

    stations: pd.DataFrame
    events: pd.DataFrame
    trips: pd.DataFrame
    lines: RailLines
    model: ServiceModel
    timetable_date: pd.Timestamp
    served_lines: tuple[str, ...]
    station_city: pd.DataFrame
    notes: tuple[str, ...] = ()
    label: str = "all trains"
    # TransitNetworks built from this layer, by their parameters (not copied by replace)
    _networks: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        counts = self.trips["source"].value_counts()
        parts = ", ".join(f"{counts.get(s, 0):,} {s}" for s in SOURCES)
        return f"NationalRail({self.label}: {len(self.stations):,} stations, trips {parts})"

    # ---- views ---------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Trips and stop events by source and train class."""
        n_events = self.events.groupby("train").size()
        t = self.trips.assign(stop_events=self.trips["train"].map(n_events).fillna(0).astype(int))
        out = t.groupby(["source", "train_class"]).agg(trips=("train", "size"), stop_events=("stop_events", "sum"))
        return out.reset_index()

    def station_service(self) -> pd.DataFrame:
        """Per station with any train: ``station, lon, lat, real_trips, modelled_trips,
        service`` (real / modelled / real+modelled) and ``modelled_lines`` (、-joined)."""
        return self._station_service

    @cached_property
    def _station_service(self) -> pd.DataFrame:
        ev = self.events[["train", "stop"]].drop_duplicates()
        modelled = ev["train"].map(self.trips.set_index("train")["modelled"]).fillna(False).to_numpy(bool)
        counts = pd.DataFrame(
            {
                "real_trips": ev[~modelled].groupby("stop").size(),
                "modelled_trips": ev[modelled].groupby("stop").size(),
            }
        ).fillna(0)
        counts = counts.astype(int)
        line_of = self.trips.set_index("train")["line"]
        lines = (
            ev[modelled]
            .assign(line=lambda f: f["train"].map(line_of))
            .drop_duplicates(["stop", "line"])
            .groupby("stop")["line"]
            .agg(lambda x: "、".join(sorted(x)))
        )
        counts["modelled_lines"] = lines.reindex(counts.index).fillna("")
        counts["service"] = np.where(
            counts["real_trips"] > 0, np.where(counts["modelled_trips"] > 0, "real+modelled", "real"), "modelled"
        )
        xy = self.stations.drop_duplicates("name").set_index("name")[["lon", "lat"]]
        out = counts.join(xy, how="left").rename_axis("station").reset_index()
        return out[["station", "lon", "lat", "real_trips", "modelled_trips", "service", "modelled_lines"]]

    def fastest_rides(self) -> pd.DataFrame:
        """Fastest single-train ride between every ordered station pair some train serves:
        ``from_station, to_station, fastest_min, train, modelled`` (ties: a real train)."""
        return self._fastest_rides

    @cached_property
    def _fastest_rides(self) -> pd.DataFrame:
        tt = RailTimetable(
            events=self.events,
            trains=self.trips.rename(columns={})[["train", "train_class"]],
            hubs=pd.DataFrame(),
            unknown=pd.DataFrame(),
            notes=(),
        )
        rides = _rides(tt)[["train", "a", "b", "ride_min"]]
        rides = rides[rides["ride_min"] > 0]  # two calls at the same minute: not a ride
        rides = rides.assign(modelled=rides["train"].map(self.trips.set_index("train")["modelled"]).to_numpy(bool))
        rides = rides.sort_values(["a", "b", "ride_min", "modelled", "train"], kind="stable")
        best = rides.drop_duplicates(["a", "b"]).rename(
            columns={"a": "from_station", "b": "to_station", "ride_min": "fastest_min"}
        )
        return best[["from_station", "to_station", "fastest_min", "train", "modelled"]].reset_index(drop=True)

    # ---- routing -------------------------------------------------------------------------
    def feed(self, *, previous_days: bool = True, between: tuple[int, int] | None = None):
        """A :class:`~access.io.gtfs.GtfsFeed` for the nominal day (the sources have no
        calendar: every train runs daily). Trains still running after 24:00 are also added
        as the previous day's (and the day before's) run, shifted -24 h / -48 h, so a daily
        night train passes through this morning's window. Routes: one per source x class.

        ``between=(start_s, end_s)`` keeps only the stop events inside that time span (a
        trip's calls from the first departing at or after ``start_s`` to the last arriving
        by ``end_s``; trips left with one call go): exact for journeys that start and end
        inside it, and much smaller to search."""

        ev, trips = self.events, self.trips
        if previous_days:
            last = ev.groupby("train")["arrival_s"].max()
            extra_ev, extra_trips = [], []
            for days in (1, 2):
                late = set(last.index[last.to_numpy() >= days * _DAY_S])
                if not late:
                    continue
                copy = ev[ev["train"].isin(late)]
                shift = days * _DAY_S
                extra_ev.append(
                    copy.assign(
                        train=copy["train"] + f"@-{days}d",
                        arrival_s=copy["arrival_s"] - shift,
                        departure_s=copy["departure_s"] - shift,
                    )
                )
                t = trips[trips["train"].isin(late)]
                extra_trips.append(t.assign(train=t["train"] + f"@-{days}d"))
            ev = pd.concat([ev, *extra_ev], ignore_index=True)
            trips = pd.concat([trips, *extra_trips], ignore_index=True)
        if between is not None:
            start_s, end_s = between
            inside = (ev["departure_s"] >= start_s) & (ev["arrival_s"] <= end_s)
            ev = ev[inside]
            ev = ev[ev.groupby("train")["train"].transform("size") >= 2]
            trips = trips[trips["train"].isin(set(ev["train"]))]
            if ev.empty:
                raise InputError(f"no train runs between {format_clock(start_s, with_seconds=False)} and the horizon.")
        route = trips["source"].str.replace(" ", "_") + "~" + trips["train_class"].astype(str)
        routes = (
            pd.DataFrame({"route_id": route, "route_type": trips["route_type"].astype(int)})
            .drop_duplicates("route_id")
            .reset_index(drop=True)
        )
        routes["route_short_name"] = routes["route_id"]
        routes["route_long_name"] = routes["route_id"].str.replace("~", " ")
        routes["agency_id"] = "national"
        used = pd.unique(ev["stop"])
        xy = self.stations.drop_duplicates("name").set_index("name").loc[used]
        stops = pd.DataFrame(
            {
                "stop_id": used,
                "stop_name": used,
                "lon": xy["lon"].to_numpy(),
                "lat": xy["lat"].to_numpy(),
                "parent_station": "",
                "location_type": "0",
            }
        )
        return GtfsFeed(
            name="national",
            service_date=NOMINAL_SERVICE_DATE,
            stops=stops,
            routes=routes,
            trips=pd.DataFrame(
                {"trip_id": trips["train"], "route_id": route, "service_id": "daily", "direction_id": 0}
            ),
            stop_times=pd.DataFrame(
                {
                    "trip_id": ev["train"].to_numpy(),
                    "stop_sequence": ev["seq"].to_numpy(np.int32),
                    "stop_id": ev["stop"].to_numpy(),
                    "arrival_s": ev["arrival_s"].to_numpy(np.int32),
                    "departure_s": ev["departure_s"].to_numpy(np.int32),
                }
            ),
            transfers=pd.DataFrame(columns=["from_stop_id", "to_stop_id", "min_transfer_time_s"]),
            warnings=("no service calendar in the sources: every train assumed daily",),
            date_range=(NOMINAL_SERVICE_DATE, NOMINAL_SERVICE_DATE),
        )

    def transit(
        self,
        settings: TransitSettings | None = None,
        regional: RegionalSettings | None = None,
        *,
        between: tuple[int, int] | None = None,
    ):
        """The :class:`~access.network.transit.TransitNetwork` of :meth:`feed` (``between``
        as there), built once per parameter set (stops within
        ``regional.transfer_radius_m`` are one station complex)."""

        settings = settings or TransitSettings()
        regional = regional or RegionalSettings()
        key = ("transit", settings.model_dump_json(), regional.transfer_radius_m, between)
        if key not in self._networks:
            self._networks[key] = TransitNetwork.from_feed(
                self.feed(between=between), None, settings, transfer_radius_m=regional.transfer_radius_m
            )
        return self._networks[key]

    def _express(self, lines: RailLines) -> dict[str, set[str]]:
        return express_stops(lines, self.station_city, self.model.settings.express_seat_km)

    # ---- scenarios -----------------------------------------------------------------------
    def _without(self, trains: set[str], label: str, note: str) -> NationalRail:
        if not trains:
            raise InputError(f"{label}: no train matches; nothing would change.")
        return replace(
            self,
            events=self.events[~self.events["train"].isin(trains)].reset_index(drop=True),
            trips=self.trips[~self.trips["train"].isin(trains)].reset_index(drop=True),
            notes=(*self.notes, note),
            label=label,
        )

    def without_high_speed(self) -> NationalRail:
        """Conventional trains only: no G/D/C trains, no MTR high-speed trains and no
        modelled service on high-speed or rapid lines."""
        t = self.trips
        fast = t["train_class"].isin(FAST_TRAIN_CLASSES) | (t["source"] == "MTR GTFS")
        fast |= t["modelled"] & (t["line_class"] != "conventional")
        return self._without(
            set(t.loc[fast, "train"]),
            "without high-speed rail",
            f"scenario: without high-speed rail ({int(fast.sum()):,} G/D/C, MTR and modelled fast trips removed)",
        )

    def line_trains(self, name: str) -> set[str]:
        """Trains that run on line ``name``: its modelled trips, and real trains of the
        line's family (G/D/C on high-speed and rapid lines, others on conventional ones)
        with two consecutive calls both on the line's station sequence."""
        lines = self.lines.lines
        if name not in set(lines["line"]):
            close = [n for n in lines["line"] if name in n or n in name][:6]
            hint = f" (similar: {', '.join(close)})" if close else ""
            raise InputError(f"no line named {name!r} in the line table{hint}.")
        info = lines.set_index("line").loc[name]
        on_line = set(self.lines.stops.loc[self.lines.stops["line"] == name, "station"])
        t = self.trips.set_index("train")
        ev = self.events
        fast = info["line_class"] != "conventional"
        real = ev["train"].map(~t["modelled"]).fillna(False).to_numpy(bool)
        family = ev["train"].map(t["train_class"].isin(FAST_TRAIN_CLASSES)).fillna(False).to_numpy(bool) == fast
        on = ev["stop"].isin(on_line).to_numpy()
        same_train = ev["train"].to_numpy()[1:] == ev["train"].to_numpy()[:-1]
        both = on[1:] & on[:-1] & same_train & real[1:] & family[1:]
        chosen = set(ev["train"].to_numpy()[1:][both])
        chosen |= set(self.trips.loc[self.trips["line"] == name, "train"])
        return chosen

    def without_line(self, name: str) -> NationalRail:
        """The layer without line ``name`` (its modelled service and the real trains
        running on it, see :meth:`line_trains`)."""
        trains = self.line_trains(name)
        n_real = len(trains - set(self.trips.loc[self.trips["modelled"], "train"]))
        return self._without(
            trains,
            f"without {name}",
            f"scenario: without {name} ({n_real:,} real trains on it and its modelled service removed)",
        )

    def with_new_line(
        self,
        name: str,
        stations,
        *,
        design_speed_kmh: float = 350.0,
        line_class: str = "high-speed",
        opened: str | None = None,
    ) -> NationalRail:
        """The layer plus a modelled new line through ``stations`` (names from the station
        table, or ``(name, lon, lat)`` tuples for new stations), served like every modelled
        line of ``line_class`` (calibrated share of ``design_speed_kmh``, dwell, stop
        loss, headway)."""

        if line_class not in ("high-speed", "rapid", "conventional"):
            raise InputError(f"line_class must be high-speed, rapid or conventional, got {line_class!r}.")
        if not 30 <= design_speed_kmh <= 450:
            raise InputError(f"design_speed_kmh must lie in 30-450 km/h, got {design_speed_kmh}.")
        known = self.stations.drop_duplicates("name").set_index("name")
        rows, new_stations = [], []
        for item in stations:
            if isinstance(item, str):
                if item not in known.index:
                    raise InputError(
                        f"new line {name}: no station {item!r} in the station table; give (name, lon, lat) for new ones."
                    )
                rows.append((item, float(known.at[item, "lon"]), float(known.at[item, "lat"])))
            else:
                station, lon, lat = item
                rows.append((str(station), float(lon), float(lat)))
                if str(station) not in known.index:
                    new_stations.append((str(station), float(lon), float(lat), "客运站", "", "", "new line"))
        if len(rows) < 2:
            raise InputError(f"new line {name} needs at least two stations.")
        if name in set(self.lines.lines["line"]):
            raise InputError(f"a line named {name!r} exists already; choose another name.")
        xy = np.array([(r[1], r[2]) for r in rows])
        km = np.r_[0.0, np.cumsum(haversine_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]) / 1000.0)]
        stops = pd.DataFrame(
            {
                "line": name,
                "seq": np.arange(1, len(rows) + 1),
                "station": [r[0] for r in rows],
                "lon": xy[:, 0],
                "lat": xy[:, 1],
                "km": km,
                "key": True,
            }
        )
        line = pd.DataFrame(
            [
                {
                    "line": name,
                    "service": "new line (scenario)",
                    "line_class": line_class,
                    "design_speed_kmh": float(design_speed_kmh),
                    "speed_source": "scenario",
                    "opened": pd.Timestamp(opened) if opened else pd.NaT,
                    "opened_text": opened or "",
                    "start": rows[0][0],
                    "end": rows[-1][0],
                    "cities": "-".join(r[0] for r in rows),
                    "n_stations": len(rows),
                    "length_km": float(km[-1]),
                }
            ]
        )
        added = RailLines(line, stops)
        ev, trips = modelled_events(added, self.model, self._express(added))
        station_rows = pd.DataFrame(new_stations, columns=["name", "lon", "lat", "kind", "province", "city", "source"])
        return replace(
            self,
            stations=pd.concat([self.stations, station_rows], ignore_index=True),
            events=pd.concat([self.events, ev], ignore_index=True),
            trips=pd.concat([self.trips, _modelled_trips(trips)], ignore_index=True),
            lines=RailLines(
                pd.concat([self.lines.lines, line], ignore_index=True),
                pd.concat([self.lines.stops, stops], ignore_index=True),
                self.lines.notes,
            ),
            served_lines=(*self.served_lines, name),
            notes=(
                *self.notes,
                f"scenario: new line {name} ({len(rows)} stations, {km[-1]:.0f} km, {design_speed_kmh:g} km/h "
                f"{line_class}), modelled service",
            ),
            label=f"with {name}",
        )

    def without_lines_opened_since(self, date: str) -> NationalRail:
        """What the lines opened on or after ``date`` changed: the layer without their
        modelled service and without the real trains whose route uses such a line
        (their latest line opening is on or after ``date``)."""
        since = pd.Timestamp(date)
        late_lines = set(self.lines.lines.loc[self.lines.lines["opened"] >= since, "line"])
        t = self.trips
        gone = (t["modelled"] & t["line"].isin(late_lines)) | (~t["modelled"] & (t["line_opened"] >= since))
        return self._without(
            set(t.loc[gone, "train"]),
            f"without lines opened since {since.date()}",
            f"scenario: without the {len(late_lines)} lines opened since {since.date()} "
            f"({', '.join(sorted(late_lines)[:6])}{', ...' if len(late_lines) > 6 else ''}); "
            f"{int((gone & ~t['modelled']).sum()):,} real trains using them removed",
        )

    def with_later_lines(self) -> NationalRail:
        """The layer plus modelled service on the lines opened after the timetable."""
        later = self.lines.lines[~self.lines.lines["line"].isin(set(self.served_lines))]
        if later.empty:
            raise InputError(
                f"no line of the table opened after the timetable ({self.timetable_date.date()}); nothing to add."
            )
        chosen = self.lines.select(self.lines.lines["line"].isin(set(later["line"])))
        ev, trips = modelled_events(chosen, self.model, self._express(chosen))
        return replace(
            self,
            events=pd.concat([self.events, ev], ignore_index=True),
            trips=pd.concat([self.trips, _modelled_trips(trips)], ignore_index=True),
            served_lines=(*self.served_lines, *later["line"]),
            notes=(*self.notes, f"scenario: {len(later)} lines opened after the timetable added (modelled)"),
            label="with the lines opened after the timetable",
        )


def _modelled_trips(trips: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "train": trips["train"],
            "source": "modelled",
            "train_class": "modelled " + trips["line_class"],
            "line": trips["line"],
            "line_class": trips["line_class"],
            "pattern": trips["pattern"],
            "route_type": trips["route_type"].astype(int),
            "line_opened": pd.NaT,
            "modelled": True,
        }
    )


def _read_mtr(path: Path, stations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """MTR XRL trips as national events: (events, trips, new stations, notes). Stations take
    the zh-CN name of the feed's translations; one within 1 km of a national station of
    another name joins it (南沙北 = 庆盛)."""

    feed = read_gtfs(path, service_date=_MTR_SERVICE_DATE, name="mtr")
    stops = feed.stops.set_index("stop_id")
    zh = {}
    try:
        with zipfile.ZipFile(path) as archive:
            if "translations.txt" in archive.namelist():
                tr = pd.read_csv(archive.open("translations.txt"), dtype=str, keep_default_na=False)
                tr = tr[(tr["table_name"] == "stops") & (tr["language"] == "zh-CN")]
                zh = dict(zip("mtr:" + tr["record_id"], tr["translation"], strict=True))
    except (zipfile.BadZipFile, KeyError, pd.errors.ParserError):
        zh = {}
    parent = stops["parent_station"].where(stops["parent_station"] != "", stops.index.to_series())
    known = stations.drop_duplicates("name").set_index("name")
    names, new_rows = {}, []
    for station_id in pd.unique(parent):
        row = stops.loc[station_id]
        name = zh.get(station_id, row["stop_name"])
        if name not in known.index:
            d = haversine_m(row["lon"], row["lat"], known["lon"].to_numpy(), known["lat"].to_numpy())
            if d.min() <= _MTR_JOIN_M:
                name = known.index[int(np.argmin(d))]
            else:
                new_rows.append((name, float(row["lon"]), float(row["lat"]), "客运站", "", "", "MTR GTFS"))
        names[station_id] = name
    st = feed.stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable")
    trip_number = st["trip_id"].str.removeprefix("mtr:")
    events = pd.DataFrame(
        {
            "train": "MTR:" + trip_number,
            "seq": st.groupby("trip_id").cumcount().to_numpy() + 1,
            "stop": st["stop_id"].map(parent).map(names).to_numpy(),
            "arrival_s": st["arrival_s"].to_numpy(np.int32),
            "departure_s": st["departure_s"].to_numpy(np.int32),
        }
    )
    trips = pd.DataFrame({"train": pd.unique(events["train"])})
    trips = trips.assign(
        source="MTR GTFS",
        train_class=trips["train"].str.removeprefix("MTR:").map(train_class),
        line="广深港高速线",
        line_class="high-speed",
        route_type=101,
        line_opened=pd.Timestamp("2018-09-23"),  # XRL Hong Kong section opened 2018-09-23
        modelled=False,
    )
    new = pd.DataFrame(new_rows, columns=["name", "lon", "lat", "kind", "province", "city", "source"])
    notes = [
        f"MTR XRL GTFS ({path.name}): {len(trips)} trips of {_MTR_SERVICE_DATE} (MTR-operated trains only: a "
        "lower bound on the line's frequency)"
    ]
    return events, trips, new, notes


def load_national_rail(
    data_dir: str | Path | None = None,
    *,
    files: dict[str, str | Path] | None = None,
    settings: ChinaRailSettings | None = None,
    mtr: bool = True,
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> NationalRail:
    """Build the national rail layer from the shared data folder (``data_dir``, e.g.
    ``../shared/data``; any file can be given in ``files`` by the keys of
    :data:`NATIONAL_FILES`). ``settings``: the modelled service (headways, calibration
    overrides, which lines it serves). ``mtr=False`` leaves out the MTR GTFS.

    The layer is cached on disk (``cache_dir``, default :func:`access.network.cache.
    default_cache_dir`) under a key of the input files' bytes and the settings, so the
    ~10 s build runs once."""

    settings = settings or ChinaRailSettings()
    paths = _national_paths(data_dir, files)
    target = None
    if cache:
        digests = {k: file_digest(v) for k, v in sorted(paths.items()) if v is not None and v.is_file()}
        key = cache_key(STORE_VERSION, digests, settings.model_dump(mode="json"), mtr)
        target = Path(cache_dir or default_cache_dir()) / f"national_rail_{key}.npz"
        if target.is_file():
            try:
                loaded = load_national(target)
            except CacheError:
                loaded = None
            if loaded is not None:
                return NationalRail(**loaded)
    rail = _build_national_rail(paths, settings, mtr)
    if target is not None:
        try:
            save_national(target, rail)
        except OSError:
            pass  # a read-only cache folder only costs the rebuild next time
    return rail


def _national_paths(data_dir, files) -> dict:
    paths = {k: (Path(data_dir) / v if data_dir is not None else None) for k, v in NATIONAL_FILES.items()}
    for k, v in (files or {}).items():
        if k not in NATIONAL_FILES:
            raise InputError(f"unknown file key {k!r}; keys are {', '.join(NATIONAL_FILES)}.")
        paths[k] = Path(v)
    needed = ["stations", "schedules", "trains", "lines", "counties"]
    missing = [k for k in needed if paths[k] is None or not paths[k].is_file()]
    if missing:
        shown = ", ".join(f"{k} ({paths[k] or NATIONAL_FILES[k]})" for k in missing)
        raise InputError(f"national rail data missing: {shown}; give data_dir= the shared data folder.")
    return paths


def _build_national_rail(paths: dict, settings: ChinaRailSettings, mtr: bool) -> NationalRail:
    notes: list[str] = []
    stations = read_station_table(paths["stations"]).assign(source="station table")
    s2c = (
        read_station2city(paths["station2city"]) if paths["station2city"] and paths["station2city"].is_file() else None
    )
    prefectures = (
        read_prefectures(paths["prefectures"]) if paths["prefectures"] and paths["prefectures"].is_file() else None
    )
    mtr_parts = None
    if mtr and paths["mtr"] is not None and paths["mtr"].is_file():
        mtr_parts = _read_mtr(paths["mtr"], stations)
        stations = pd.concat([stations, mtr_parts[2]], ignore_index=True)
    with warnings.catch_warnings():
        # every repair is counted in the timetable's notes, which the layer keeps
        warnings.simplefilter("ignore", TimetableWarning)
        real = read_station_timetable(
            paths["schedules"],
            stations,
            city_timetable=paths["trains"],
            station2city=s2c,
            prefectures=prefectures,
        )
    notes += [f"timetable: {n}" for n in real.notes]
    located = real.hubs[~real.hubs["stop_id"].isin(set(stations["name"]))]
    stations = pd.concat(
        [
            stations,
            pd.DataFrame(
                {
                    "name": located["stop_id"],
                    "lon": located["lon"],
                    "lat": located["lat"],
                    "kind": "客运站",
                    "province": "",
                    "city": "",
                    "source": "timetable, at its " + located["source"].astype(str),
                }
            ),
        ],
        ignore_index=True,
    )
    activity = read_station_activity(paths["schedules"])
    table = read_rail_lines(paths["lines"])
    cities = sorted({c for r in table["cities"] for c in str(r).split("-") if c})
    city_points, _ = city_hubs(cities, prefectures, stations, s2c, activity)
    lines = line_stations(table, stations, city_points=city_points, activity=activity, station2city=s2c, timetable=real)
    notes += [f"lines: {n}" for n in lines.notes]
    model = calibrate_service(lines, real, settings)
    timetable_date = real.trains["line_opened"].max()
    cutoff = pd.Timestamp(settings.lines_opened_by) if settings.lines_opened_by else timetable_date
    served = lines.lines["opened"].isna() | (lines.lines["opened"] <= cutoff)
    later = lines.lines.loc[~served, "line"].tolist()
    notes.append(
        f"modelled service on {int(served.sum())} of {len(lines.lines)} lines (opened by {cutoff.date()}); "
        + (f"{len(later)} opened later left out: {', '.join(later[:6])}" if later else "no line opened later")
    )
    station_city = _station_city(stations, paths)
    ev_m, trips_m = modelled_events(
        lines.select(served), model, express_stops(lines.select(served), station_city, settings.express_seat_km)
    )
    real_trips = pd.DataFrame(
        {
            "train": real.trains["train"],
            "source": "timetable",
            "train_class": real.trains["train_class"],
            "line": "",
            "line_class": "",
            "route_type": real.trains["train_class"].map(lambda c: TRAIN_CLASSES[c][1]).astype(int),
            "line_opened": real.trains["line_opened"],
            "modelled": False,
        }
    )
    parts_ev = [real.events, ev_m]
    parts_trips = [real_trips, _modelled_trips(trips_m)]
    if mtr_parts is not None:
        m_ev, m_trips, _, m_notes = mtr_parts
        numbers = m_trips["train"].str.removeprefix("MTR:")
        dup = numbers.isin(set(real.trains["train"]))
        if dup.any():
            m_notes.append(f"{int(dup.sum())} MTR trips share a number with a timetable train; the timetable's kept")
            m_trips = m_trips[~dup]
            m_ev = m_ev[m_ev["train"].isin(set(m_trips["train"]))]
        parts_ev.append(m_ev)
        parts_trips.append(m_trips)
        notes += m_notes
    events = pd.concat(parts_ev, ignore_index=True)
    trips = pd.concat(parts_trips, ignore_index=True)
    trips["pattern"] = trips.get("pattern", pd.Series("", index=trips.index)).fillna("")
    trips["line_opened"] = pd.to_datetime(trips["line_opened"]).astype("datetime64[ns]")
    stations = stations.assign(address=stations["address"].fillna(""), kind=stations["kind"].fillna(""))
    notes.append(f"modelled service: {model.summary()}")
    return NationalRail(
        stations=stations.drop_duplicates("name").reset_index(drop=True),
        events=events,
        trips=trips,
        lines=lines,
        model=model,
        timetable_date=timetable_date,
        served_lines=tuple(lines.lines.loc[served, "line"]),
        station_city=station_city,
        notes=tuple(notes),
    )


def _station_city(stations: pd.DataFrame, paths: dict) -> pd.DataFrame:
    """The county of every station and its prefecture's seat (express stops, OD tables)."""

    counties = read_counties(paths["counties"])
    polygons = (
        read_county_polygons(paths["county_polygons"])
        if paths.get("county_polygons") is not None and paths["county_polygons"].is_file()
        else None
    )
    cityinfo = (
        read_prefectures(paths["prefectures"]) if paths["prefectures"] and paths["prefectures"].is_file() else None
    )
    seats = prefecture_table(counties, cityinfo).set_index(["province", "prefecture"])
    out = station_counties(stations, counties, polygons)
    at = seats.loc[list(zip(out["province"], out["prefecture"], strict=True))]
    return out.assign(seat_lon=at["lon"].to_numpy(), seat_lat=at["lat"].to_numpy())
