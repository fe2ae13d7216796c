"""China's railway lines (RailwayVIS ``network.json``: 247 lines with their key cities, class,
design speed and opening date) and the stations that lie on each.

The source lists a line's key cities only (京石客运专线: 北京-石家庄), so its stations are
found geometrically: between two consecutive key stations A and B, a station S of the
national station table lies on the line when the detour through it is small,
``|AS| + |SB| <= (1 + CORRIDOR_DETOUR) |AB|`` (an ellipse around the chord: wide in the
middle of a long section, where real alignments bow most, tight near the key stations),
and it is not within ``MIN_STATION_GAP_KM`` of A or B (those are the key cities' own
stations). High-speed and rapid lines take passenger stations only (no 乘降所 halts) and,
where a town has both ``X`` and ``X东/南/西/北`` in the corridor (保定 and 保定东), the
suffixed one (the new HSR station); conventional lines take the plain one. Stations that
the real per-station timetables show served by conventional trains only are kept off
high-speed lines, and vice versa. The result is a modelled station sequence, labelled so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from access._geo import haversine_m
from access.china.station_timetable import parse_opening_dates, station_city
from access.errors import InputError

__all__ = [
    "LINE_CLASSES",
    "CORRIDOR_DETOUR",
    "MIN_STATION_GAP_KM",
    "MAX_OFFSET_KM",
    "RailLines",
    "read_rail_lines",
    "line_stations",
]

# RailwayVIS line classes -> our labels. 高速铁路: 250-350 km/h passenger lines; 快速铁路:
# 160-250 km/h rapid lines (many mixed traffic); 普速铁路: conventional lines.
LINE_CLASSES = {"高速铁路": "high-speed", "快速铁路": "rapid", "普速铁路": "conventional"}
# Corridor: a station is on a section when the detour through it is at most 4 % of the
# chord; in the middle of a 260 km section (北京西-石家庄) that admits 37 km off the chord
# (保定东 lies 17 km off it), 3 % of that within 10 km of either end.
CORRIDOR_DETOUR = 0.04
# Stations closer than this to a section's key station belong to that city's hub (丰台 and
# 北京西), not to the open line; on one line, two stations closer than this are one stop.
MIN_STATION_GAP_KM = 8.0
# ... and never further than this from the chord: the ellipse of a 500 km section would
# reach 70 km inland (厦深铁路 would pick up 梅州).
MAX_OFFSET_KM = 25.0
_DIRECTION = re.compile(r"(东|南|西|北)$")
_DEFAULT_SPEED_KMH = {"high-speed": 300.0, "rapid": 200.0, "conventional": 120.0}  # where the source says N/A


@dataclass(frozen=True)
class RailLines:
    """Lines and their station sequences.

    ``lines``: ``line, service`` (source class), ``line_class`` (high-speed / rapid /
    conventional), ``design_speed_kmh``, ``opened`` (Timestamp), ``start, end``,
    ``cities`` (key cities, dash-joined), ``n_stations``, ``length_km``.
    ``stops``: ``line, seq, station, lon, lat, km`` (km along the line: the great-circle
    chords between key stations, corridor stations at their position along the chord),
    ``key`` (a key station of the source, else found in the corridor).
    """

    lines: pd.DataFrame
    stops: pd.DataFrame
    notes: tuple[str, ...] = ()

    def geometry(self) -> gpd.GeoDataFrame:
        """One LineString per line through its stations in order (EPSG:4326)."""

        rows = []
        for line, group in self.stops.groupby("line", sort=False):
            if len(group) >= 2:
                rows.append((line, LineString(np.c_[group["lon"], group["lat"]])))
        frame = pd.DataFrame(rows, columns=["line", "geometry"]).merge(self.lines, on="line", how="left")
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)

    def select(self, keep) -> RailLines:
        """The lines where the boolean mask/Series ``keep`` (aligned with ``lines``) holds."""
        lines = self.lines[np.asarray(keep, dtype=bool)].reset_index(drop=True)
        stops = self.stops[self.stops["line"].isin(set(lines["line"]))].reset_index(drop=True)
        return RailLines(lines, stops, self.notes)


def read_rail_lines(path: str | Path) -> pd.DataFrame:
    """The line table of RailwayVIS ``network.json`` (see :class:`RailLines` ``lines``,
    without the station columns); design speeds given as ``N/A`` take the class default
    (300 / 200 / 120 km/h) and say so in ``speed_source``."""

    path = Path(path)
    if not path.is_file():
        raise InputError(f"rail line table {path} does not exist; give china_rail/railwayvis_network.json.")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputError(f"rail line table {path.name} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "route" in v for v in data.values()):
        raise InputError(f"rail line table {path.name}: expected {{line: {{service, speed, date, route: [...]}}}}.")
    rows = []
    for name, record in data.items():
        service = str(record.get("service", ""))
        line_class = LINE_CLASSES.get(service, "conventional")
        speed = pd.to_numeric(str(record.get("speed", "")), errors="coerce")
        rows.append(
            {
                "line": str(name),
                "service": service,
                "line_class": line_class,
                "design_speed_kmh": float(speed) if np.isfinite(speed) else _DEFAULT_SPEED_KMH[line_class],
                "speed_source": "source" if np.isfinite(speed) else "class default (source: N/A)",
                "opened_text": str(record.get("date", "")),
                "start": str(record.get("start", "")),
                "end": str(record.get("end", "")),
                "cities": "-".join(str(c) for c in record.get("route") or []),
            }
        )
    lines = pd.DataFrame(rows)
    lines.insert(5, "opened", parse_opening_dates(lines["opened_text"]))
    return lines


def _xyz(lon, lat) -> np.ndarray:
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]


def line_stations(
    lines: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    city_points: pd.DataFrame,
    activity: pd.DataFrame | None = None,
    station2city: dict[str, str] | None = None,
    timetable=None,
    corridor_detour: float = CORRIDOR_DETOUR,
    min_gap_km: float = MIN_STATION_GAP_KM,
    max_offset_km: float = MAX_OFFSET_KM,
) -> RailLines:
    """Station sequences of ``lines`` (:func:`read_rail_lines`) over ``stations``
    (``name, lon, lat`` and optionally ``kind`` 客运站/乘降所 and ``address``; the national
    table plus the timetable's stations). ``city_points``: ``stop_id, lon, lat`` per key
    city (the city hubs) for cities none of whose stations is known; ``activity``
    (:func:`access.china.tables.read_station_activity`) picks each key city's station on a
    line (its busiest high-speed station on high-speed lines, busiest conventional one on
    conventional lines) and keeps conventional-only stations off high-speed lines.
    ``timetable`` (a station-level :class:`~access.china.timetable.RailTimetable`) picks
    them better: the station most called at, in that city, by the real trains that run the
    whole line (call at both its end stations; 常州北 for 京沪高铁, 常州 for 沪宁城际).
    """

    st = stations.drop_duplicates("name").reset_index(drop=True)
    name = st["name"].astype(str).to_numpy()
    lon, lat = st["lon"].to_numpy(float), st["lat"].to_numpy(float)
    kind = st["kind"].astype(str).to_numpy() if "kind" in st else np.full(len(st), "客运站")
    address = st["address"].astype(str).to_numpy() if "address" in st else np.full(len(st), "")
    index = {n: k for k, n in enumerate(name)}
    act = activity.set_index("station") if activity is not None else None
    hsr_n = np.array([float(act.at[n, "hsr_trains"]) if act is not None and n in act.index else np.nan for n in name])
    all_n = np.array([float(act.at[n, "trains"]) if act is not None and n in act.index else np.nan for n in name])
    conv_n = all_n - hsr_n
    city_of = np.array([station_city(n, station2city) for n in name])
    prefecture_of = (
        st["city"].fillna("").astype(str).str.replace(r"(市|地区|自治州|盟)$", "", regex=True).to_numpy()
        if "city" in st
        else np.full(len(st), "")
    )
    stem = np.array([_DIRECTION.sub("", n) for n in name])
    suffixed = np.array([bool(_DIRECTION.search(n)) for n in name])
    hsr_address = np.char.find(address.astype(str), "高铁") >= 0
    cities = city_points.drop_duplicates("stop_id").set_index("stop_id")

    def pick_city_station(city: str, fast: bool, towards: tuple[float, float] | None) -> int | None:
        members = np.flatnonzero((city_of == city) | (name == city) | (prefecture_of == city))
        if not len(members):
            return None
        if through is not None:
            calls = through[through["stop"].isin(set(name[members]))]["stop"].value_counts()
            if len(calls):
                return index[calls.index[0]]
        score = hsr_n[members] if fast else conv_n[members]
        if np.isfinite(score).any() and np.nanmax(score) > 0:
            return int(members[np.nanargmax(np.where(np.isfinite(score), score, -1))])
        plain = members[name[members] == city]
        if not fast and len(plain):
            return int(plain[0])
        preferred = members[suffixed[members] | hsr_address[members]] if fast else members
        pool = preferred if len(preferred) else members
        if towards is not None:
            d = haversine_m(lon[pool], lat[pool], towards[0], towards[1])
            return int(pool[np.argmin(d)])
        return int(pool[0])

    xyz = _xyz(lon, lat)
    passenger = kind != "乘降所"
    known_conventional_only = np.isfinite(hsr_n) & (hsr_n == 0) & (all_n > 0)
    known_hsr_only = np.isfinite(hsr_n) & (conv_n == 0) & (all_n > 0)

    def corridor(a: int, b: int, line_class: str) -> list[int]:
        """Stations strictly between key stations a and b, in order along the chord."""
        chord = float(haversine_m(lon[a], lat[a], lon[b], lat[b]))
        if chord <= 2 * min_gap_km * 1000:
            return []
        # a cheap pre-filter on the unit sphere, then the exact ellipse test
        mid = xyz[a] + xyz[b]
        mid /= np.linalg.norm(mid)
        near = np.flatnonzero(xyz @ mid >= np.cos((1 + corridor_detour) * chord / 2 / 6_371_000.0))
        da = haversine_m(lon[a], lat[a], lon[near], lat[near])
        db = haversine_m(lon[near], lat[near], lon[b], lat[b])
        # along-chord position and distance from the chord (planar, fine at these scales)
        along_m = (da**2 - db**2 + chord**2) / (2 * chord)
        off_m = np.sqrt(np.maximum(da**2 - along_m**2, 0.0))
        ok = (da + db <= (1 + corridor_detour) * chord) & (np.minimum(da, db) >= min_gap_km * 1000)
        # between the two key stations along the chord, not beside or beyond one of them
        ok &= (off_m <= max_offset_km * 1000) & (along_m >= min_gap_km * 1000) & (along_m <= chord - min_gap_km * 1000)
        if line_class == "conventional":
            ok &= ~known_hsr_only[near]
        else:
            ok &= passenger[near] & ~known_conventional_only[near]
        found, along = near[ok], along_m[ok]
        if not len(found):
            return []
        # one town, two stations in the corridor (保定, 保定东): the new one on fast lines
        keep = np.ones(len(found), dtype=bool)
        groups = pd.Series(np.arange(len(found))).groupby(stem[found])
        for _, members in groups:
            if len(members) < 2:
                continue
            m = members.to_numpy()
            new = suffixed[found[m]] | hsr_address[found[m]]
            if new.any() and (~new).any():
                keep[m[~new if line_class != "conventional" else new]] = False
        found, along = found[keep], along[keep]
        order = np.argsort(along, kind="stable")
        found, along = found[order], along[order]
        # stations closer than the minimum gap are one stop: keep the one nearer the chord
        offset = (
            haversine_m(lon[a], lat[a], lon[found], lat[found]) + haversine_m(lon[found], lat[found], lon[b], lat[b])
        ) - chord
        chosen: list[int] = []
        for k in range(len(found)):
            if chosen and along[k] - along[chosen[-1]] < min_gap_km * 1000:
                if offset[k] < offset[chosen[-1]]:
                    chosen[-1] = k
                continue
            chosen.append(k)
        return [(int(found[k]), float(along[k]) / 1000.0) for k in chosen]

    rows, notes = [], []
    unresolved: list[str] = []
    events = None
    if timetable is not None:
        classes = timetable.trains.set_index("train")["train_class"]
        events = timetable.events.assign(fast=timetable.events["train"].map(classes).isin(["G", "D", "C"]).to_numpy())
        trains_at = events.groupby("stop")["train"].agg(frozenset)
    for line in lines.itertuples(index=False):
        fast = line.line_class != "conventional"
        route = [c for c in str(line.cities).split("-") if c]
        through = None
        if events is not None and line.start in index and line.end in index:
            runs = trains_at.get(line.start, frozenset()) & trains_at.get(line.end, frozenset())
            mine = events[events["train"].isin(runs)]
            same_class = mine[mine["fast"] == fast]
            through = same_class if len(same_class) else mine
        anchors: list[int] = []
        for k, city in enumerate(route):
            if k == 0 and line.start in index:
                s = index[line.start]
            elif k == len(route) - 1 and line.end in index:
                s = index[line.end]
            else:
                nxt = route[k + 1] if k + 1 < len(route) else None
                towards = (
                    (cities.at[nxt, "lon"], cities.at[nxt, "lat"]) if nxt is not None and nxt in cities.index else None
                )
                s = pick_city_station(city, fast, towards)
            if s is None:
                unresolved.append(f"{city} ({line.line})")
                continue
            if not anchors or anchors[-1] != s:
                anchors.append(s)
        if len(anchors) < 2:
            continue
        anchors = _repair_order(anchors, lon, lat)
        # km along the line: key sections at their chord length, corridor stations at
        # their position along the chord (a zig-zag through every stop would inflate it)
        sequence: list[tuple[int, bool, float]] = [(anchors[0], True, 0.0)]
        km = 0.0
        for a, b in zip(anchors[:-1], anchors[1:], strict=True):
            sequence += [(s, False, km + along) for s, along in corridor(a, b, line.line_class)]
            km += float(haversine_m(lon[a], lat[a], lon[b], lat[b])) / 1000.0
            sequence.append((b, True, km))
        seen: set[int] = set()
        seq = 0
        for s, key, at_km in sequence:
            if s in seen:
                continue
            seen.add(s)
            seq += 1
            rows.append((line.line, seq, name[s], lon[s], lat[s], at_km, key))
    if unresolved:
        notes.append(
            f"{len(unresolved)} key cities of lines have no station in the tables and are skipped: "
            + ", ".join(unresolved[:6])
            + (", ..." if len(unresolved) > 6 else "")
        )
    stops = pd.DataFrame(rows, columns=["line", "seq", "station", "lon", "lat", "km", "key"])
    summary = stops.groupby("line").agg(n_stations=("station", "size"), length_km=("km", "max"))
    out = lines.merge(summary, left_on="line", right_index=True, how="left")
    out["n_stations"] = out["n_stations"].fillna(0).astype(int)
    dropped = out.loc[out["n_stations"] < 2, "line"].tolist()
    if dropped:
        notes.append(f"{len(dropped)} lines without two locatable stations left out: {', '.join(dropped[:6])}")
    return RailLines(out[out["n_stations"] >= 2].reset_index(drop=True), stops, tuple(notes))


def _path_km(order: list[int], lon: np.ndarray, lat: np.ndarray) -> float:
    idx = np.asarray(order)
    return float(haversine_m(lon[idx[:-1]], lat[idx[:-1]], lon[idx[1:]], lat[idx[1:]]).sum()) / 1000.0


def _repair_order(anchors: list[int], lon: np.ndarray, lat: np.ndarray) -> list[int]:
    """The key stations in the source's order, or sorted along the end-to-end chord when
    that is shorter: the source lists some cities out of order (京广铁路 ...-衡阳-长沙-广州)."""
    if len(anchors) < 4:
        return anchors
    a, b = anchors[0], anchors[-1]
    inner = np.asarray(anchors[1:-1])
    chord = float(haversine_m(lon[a], lat[a], lon[b], lat[b]))
    if chord <= 0:
        return anchors
    da = haversine_m(lon[a], lat[a], lon[inner], lat[inner])
    db = haversine_m(lon[inner], lat[inner], lon[b], lat[b])
    along = (da**2 - db**2 + chord**2) / (2 * chord)
    sorted_order = [a, *inner[np.argsort(along, kind="stable")].tolist(), b]
    return sorted_order if _path_km(sorted_order, lon, lat) < _path_km(anchors, lon, lat) - 1.0 else anchors
