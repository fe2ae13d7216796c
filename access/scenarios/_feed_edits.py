"""Timetable modifications on a GtfsFeed's tables (copies; the base feed is never touched)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from access._clock import format_clock
from access._geo import haversine_m
from access.errors import InputError
from access.io.gtfs import GtfsFeed, read_gtfs
from access.io.rail_spec import RailSpec, rail_spec_to_gtfs

__all__ = [
    "resolve_routes",
    "resolve_stops",
    "remove_routes",
    "remove_stops",
    "add_stops",
    "change_headway",
    "change_speed",
    "add_line",
    "check_line",
]


def _listing(values, n: int = 8) -> str:
    values = list(values)
    return ", ".join(map(str, values[:n])) + (f", ... ({len(values)} in all)" if len(values) > n else "")


def resolve_routes(feed: GtfsFeed, names, what: str) -> list[str]:
    """Namespaced route ids for names given as ``feed:route_id``, a bare route_id or a
    route_short_name (each must be unambiguous); :class:`InputError` naming unknown ones."""
    routes = feed.routes
    ids = routes["route_id"].astype(str)
    bare = ids.str.split(":", n=1).str[-1]
    short = routes["route_short_name"].fillna("").astype(str)
    out, unknown = [], []
    for name in names:
        for column in (ids, bare, short):
            hits = ids[column == str(name)].unique()
            if len(hits) == 1:
                out.append(hits[0])
                break
            if len(hits) > 1:
                raise InputError(f"{what}: route {name!r} is ambiguous ({_listing(hits)}); use the namespaced id.")
        else:
            unknown.append(name)
    if unknown:
        raise InputError(f"{what}: unknown route {_listing(unknown)}; routes include {_listing(ids)}.")
    return list(dict.fromkeys(out))


def resolve_stops(feed: GtfsFeed, names, what: str) -> list[str]:
    """Namespaced stop ids for ``feed:stop_id``, a bare stop_id or an unambiguous stop_name."""
    stops = feed.stops
    ids = stops["stop_id"].astype(str)
    bare = ids.str.split(":", n=1).str[-1]
    label = stops["stop_name"].fillna("").astype(str)
    out, unknown = [], []
    for name in names:
        for column in (ids, bare, label):
            hits = ids[column == str(name)].unique()
            if len(hits) == 1:
                out.append(hits[0])
                break
            if len(hits) > 1:
                raise InputError(f"{what}: stop {name!r} is ambiguous ({_listing(hits)}); use the namespaced id.")
        else:
            unknown.append(name)
    if unknown:
        raise InputError(f"{what}: unknown stop {_listing(unknown)}; stops include {_listing(ids)}.")
    return out


def _route_trips(feed: GtfsFeed, route_ids) -> pd.Series:
    return feed.trips.loc[feed.trips["route_id"].isin(route_ids), "trip_id"]


def remove_routes(feed: GtfsFeed, route_ids: list[str]) -> GtfsFeed:
    """The feed without the routes' trips."""
    trips = _route_trips(feed, route_ids)
    keep = ~feed.stop_times["trip_id"].isin(set(trips))
    return replace(
        feed,
        trips=feed.trips[~feed.trips["route_id"].isin(route_ids)].reset_index(drop=True),
        stop_times=feed.stop_times[keep].reset_index(drop=True),
    )


def remove_stops(feed: GtfsFeed, stop_ids: list[str], route_ids: list[str] | None, what: str) -> GtfsFeed:
    """The feed with ``stop_ids`` skipped by the routes' trips (times elsewhere kept);
    trips left with fewer than two stops are dropped."""
    st = feed.stop_times
    trips = set(_route_trips(feed, route_ids)) if route_ids is not None else set(feed.trips["trip_id"])
    in_scope = st["trip_id"].isin(trips)
    served = set(st.loc[in_scope, "stop_id"])
    missing = [s for s in stop_ids if s not in served]
    if missing:
        scope = f"routes {_listing(route_ids)}" if route_ids is not None else "any route on this date"
        raise InputError(f"{what}: stop {_listing(missing)} is not served by {scope}.")
    st = st[~(in_scope & st["stop_id"].isin(stop_ids))]
    size = st.groupby("trip_id")["trip_id"].transform("size")
    st = st[size >= 2].reset_index(drop=True)
    return replace(feed, stop_times=st, trips=feed.trips[feed.trips["trip_id"].isin(set(st["trip_id"]))])


def _stop_xy(feed: GtfsFeed, stop_id: str) -> tuple[float, float]:
    row = feed.stops.loc[feed.stops["stop_id"] == stop_id].iloc[0]
    return float(row["lon"]), float(row["lat"])


def add_stops(
    feed: GtfsFeed, route_id: str, inserts: list[tuple[str, str, str]], new_stops: pd.DataFrame, dwell_s: int, what: str
) -> GtfsFeed:
    """Insert stops ``(stop, a, b)`` between consecutive stops a, b (either order) of every
    trip of the route; arrival by distance share of the a-b run, later stops delayed by
    ``dwell_s``. ``new_stops`` (stop_id, stop_name, lon, lat) are added to stops."""
    stops = pd.concat([feed.stops, new_stops], ignore_index=True) if len(new_stops) else feed.stops
    coords = stops.drop_duplicates("stop_id").set_index("stop_id")[["lon", "lat"]]
    st = feed.stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    trips = set(_route_trips(feed, [route_id]))
    for stop, a, b in inserts:
        in_route = st["trip_id"].isin(trips).to_numpy()
        same_trip = np.r_[st["trip_id"].to_numpy()[1:] == st["trip_id"].to_numpy()[:-1], False]
        sid = st["stop_id"].to_numpy()
        nxt = np.append(sid[1:], "")
        hit = in_route & same_trip & (((sid == a) & (nxt == b)) | ((sid == b) & (nxt == a)))
        rows = np.flatnonzero(hit)
        if len(rows) == 0:
            raise InputError(f"{what}: no trip of route {route_id!r} runs directly between {a!r} and {b!r}.")
        lon0, lat0 = coords.loc[sid[rows], "lon"].to_numpy(), coords.loc[sid[rows], "lat"].to_numpy()
        lon1, lat1 = coords.loc[sid[rows + 1], "lon"].to_numpy(), coords.loc[sid[rows + 1], "lat"].to_numpy()
        lon_s, lat_s = coords.loc[stop, "lon"], coords.loc[stop, "lat"]
        d0 = haversine_m(lon0, lat0, lon_s, lat_s)
        d1 = haversine_m(lon_s, lat_s, lon1, lat1)
        share = np.where(d0 + d1 > 0, d0 / np.maximum(d0 + d1, 1e-9), 0.5)
        dep0 = st["departure_s"].to_numpy()[rows].astype(np.int64)
        arr1 = st["arrival_s"].to_numpy()[rows + 1].astype(np.int64)
        arrive = dep0 + np.rint(share * (arr1 - dep0)).astype(np.int64)
        # delay every later stop of the trip by the dwell
        trip_code = pd.factorize(st["trip_id"])[0]
        later = np.zeros(len(st), dtype=np.int64)
        later[rows + 1] = dwell_s
        delay = pd.Series(later).groupby(trip_code).cumsum().to_numpy()
        st = st.assign(
            arrival_s=(st["arrival_s"] + delay).astype(np.int32),
            departure_s=(st["departure_s"] + delay).astype(np.int32),
        )
        new = pd.DataFrame(
            {
                "trip_id": st["trip_id"].to_numpy()[rows],
                "stop_sequence": st["stop_sequence"].to_numpy()[rows],
                "stop_id": stop,
                "arrival_s": arrive.astype(np.int32),
                "departure_s": (arrive + dwell_s).astype(np.int32),
                "_order": rows + 0.5,
            }
        )
        st = pd.concat([st.assign(_order=np.arange(len(st), dtype=float)), new], ignore_index=True)
        st = st.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
        st["stop_sequence"] = st.groupby("trip_id").cumcount().astype(int)
    return replace(feed, stops=stops, stop_times=st)


def _trip_table(feed: GtfsFeed, route_ids) -> pd.DataFrame:
    """One row per trip of the routes: first departure, stop key, direction."""
    trips = feed.trips[feed.trips["route_id"].isin(route_ids)]
    st = feed.stop_times[feed.stop_times["trip_id"].isin(set(trips["trip_id"]))]
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable")
    grouped = st.groupby("trip_id", sort=False)
    table = pd.DataFrame({"first_s": grouped["departure_s"].first(), "key": grouped["stop_id"].agg(" ".join)})
    return table.join(trips.set_index("trip_id")[["route_id", "direction_id"]])


def change_headway(feed: GtfsFeed, route_ids: list[str], periods: list[tuple[int, int, int]], what: str) -> GtfsFeed:
    """Trips of the routes starting in each ``(start_s, end_s, headway_s)`` period replaced
    by trips every headway from the start, copying the run and dwell times of the
    period's commonest stop sequence in each direction (first such trip as template)."""
    table = _trip_table(feed, route_ids)
    st = feed.stop_times
    drop, new_st, new_trips = set(), [], []
    trips = feed.trips.set_index("trip_id")
    for route in route_ids:
        for start, end, headway in periods:
            inside = table[(table["route_id"] == route) & (table["first_s"] >= start) & (table["first_s"] < end)]
            if inside.empty:
                raise InputError(
                    f"{what}: route {route!r} has no trips between {format_clock(start)[:-3]} and "
                    f"{format_clock(end)[:-3]} to retime."
                )
            drop |= set(inside.index)
            # direction: GTFS direction_id, else the stop sequence's end points
            direction = inside["direction_id"].where(
                inside["direction_id"] >= 0, inside["key"].str.split().str[0].factorize()[0] + 1000
            )
            for d in sorted(direction.unique()):
                group = inside[direction == d]
                key = group["key"].value_counts().index[0]
                template_id = group[group["key"] == key].sort_values("first_s").index[0]
                template = st[st["trip_id"] == template_id].sort_values("stop_sequence")
                first = int(template["departure_s"].iloc[0])
                for t in range(start, end, headway):
                    new_id = f"{template_id}@h{t}"
                    shift = t - first
                    new_st.append(
                        template.assign(
                            trip_id=new_id,
                            arrival_s=(template["arrival_s"] + shift).astype(np.int32),
                            departure_s=(template["departure_s"] + shift).astype(np.int32),
                        )
                    )
                    new_trips.append({**trips.loc[template_id].to_dict(), "trip_id": new_id})
    stop_times = pd.concat([st[~st["trip_id"].isin(drop)], *new_st], ignore_index=True)
    out_trips = pd.concat([feed.trips[~feed.trips["trip_id"].isin(drop)], pd.DataFrame(new_trips)], ignore_index=True)
    return replace(feed, stop_times=stop_times, trips=out_trips)


def change_speed(
    feed: GtfsFeed, route_ids: list[str], factor: float, between: tuple[str, str] | None, what: str
) -> GtfsFeed:
    """Run times between consecutive stops of the routes' trips divided by ``factor``
    (dwell unchanged, first departure kept); only hops between the two ``between`` stops
    (in either order) when given."""
    trips = set(_route_trips(feed, route_ids))
    st = feed.stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    mine = st["trip_id"].isin(trips).to_numpy()
    sub = st[mine].reset_index(drop=True)
    code = pd.factorize(sub["trip_id"])[0]
    first = np.r_[True, code[1:] != code[:-1]]
    arr = sub["arrival_s"].to_numpy(np.int64)
    dep = sub["departure_s"].to_numpy(np.int64)
    run = np.where(first, 0, arr - np.r_[0, dep[:-1]])
    dwell = dep - arr
    scale = ~first
    if between is not None:
        a, b = between
        pos = sub.groupby(code).cumcount().to_numpy()
        sid = sub["stop_id"].to_numpy()
        pa = pd.Series(np.where(sid == a, pos, -1)).groupby(code).transform("max").to_numpy()
        pb = pd.Series(np.where(sid == b, pos, -1)).groupby(code).transform("max").to_numpy()
        has = (pa >= 0) & (pb >= 0)
        if not has.any():
            raise InputError(f"{what}: no trip of {_listing(route_ids)} serves both {a!r} and {b!r}.")
        lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)
        scale &= has & (pos > lo) & (pos <= hi)
    run = np.where(scale, np.rint(run / factor), run).astype(np.int64)
    start = pd.Series(np.where(first, arr, 0)).groupby(code).transform("max").to_numpy()
    # arrival_i = start + sum(run_1..i) + sum(dwell_0..i-1)
    cum = pd.Series(run + np.r_[0, dwell[:-1]] * ~first).groupby(code).cumsum().to_numpy()
    new_arr = start + cum
    sub = sub.assign(arrival_s=new_arr.astype(np.int32), departure_s=(new_arr + dwell).astype(np.int32))
    return replace(feed, stop_times=pd.concat([st[~mine], sub], ignore_index=True))


def check_line(feed: GtfsFeed, spec: RailSpec, name: str, what: str) -> None:
    """A new line must run on the base's service date and not reuse a feed or route name."""
    date = feed.service_date.strftime("%Y%m%d")
    if not spec.start_date <= date <= spec.end_date:
        raise InputError(
            f"{what}: line {spec.line!r} runs {spec.start_date}-{spec.end_date}, "
            f"not on the base service date {feed.service_date}; widen start_date/end_date."
        )
    taken = set(feed.routes["route_id"].astype(str).str.split(":", n=1).str[0])
    if name in taken:
        raise InputError(f"{what}: a feed named {name!r} already exists; give the line another route_id.")
    reused = [s.stop_id for s in spec.stations if s.stop_id is not None]
    unknown = [s for s in reused if s not in set(feed.stops["stop_id"])]
    if unknown:
        raise InputError(f"{what}: stations reuse unknown stop ids {_listing(unknown)} (use namespaced ids).")


def add_line(feed: GtfsFeed, spec: RailSpec, name: str) -> GtfsFeed:
    """The feed plus the rail spec's trips for the service date (ids namespaced ``name:``);
    stations with a ``stop_id`` of the base reuse that stop."""
    tables = rail_spec_to_gtfs(spec)
    line = read_gtfs(tables, service_date=feed.service_date, name=name)
    reuse = {f"{name}:{s.stop_id}": s.stop_id for s in spec.stations if s.stop_id is not None}
    stops = line.stops[~line.stops["stop_id"].isin(set(reuse))]
    stop_times = line.stop_times.assign(stop_id=line.stop_times["stop_id"].replace(reuse))
    return replace(
        feed,
        stops=pd.concat([feed.stops, stops], ignore_index=True),
        routes=pd.concat([feed.routes, line.routes], ignore_index=True),
        trips=pd.concat([feed.trips, line.trips], ignore_index=True),
        stop_times=pd.concat([feed.stop_times, stop_times], ignore_index=True),
        date_range=(min(feed.date_range[0], line.date_range[0]), max(feed.date_range[1], line.date_range[1])),
    )
