"""TransitNetwork: one service day of GTFS as flat RAPTOR arrays, linked to the streets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from access._geo import EARTH_RADIUS_M, haversine_m, to_projected
from access._kernels.dijkstra import many_to_all_points
from access._kernels.raptor import reverse_transfers
from access.config import TransitSettings
from access.errors import InputError
from access.network.snap import snap_points, source_groups
from access.network.stop_links import StopLinks
from access.network.street import StreetNetwork

__all__ = ["TransitNetwork", "STRAIGHT_TRANSFER_RADIUS_M"]

_ARRAYS = (
    "stop_id",
    "stop_name",
    "stop_lon",
    "stop_lat",
    "pattern_stop_ptr",
    "pattern_stops",
    "pattern_trip_ptr",
    "pattern_time_ptr",
    "arrival_s",
    "departure_s",
    "trip_id",
    "pattern_route",
    "board_penalty_s",
    "alight_penalty_s",
    "route_id",
    "route_type",
    "route_name",
    "stop_pattern_ptr",
    "stop_pattern",
    "stop_pattern_pos",
    "transfer_ptr",
    "transfer_to",
    "transfer_s",
    "stop_board_penalty_s",
    "park_lon",
    "park_lat",
    "park_name",
    "park_ptr",
    "park_stop",
    "park_walk_s",
)
_TRANSFER_BATCH = 256  # stops per parallel batch while computing walking transfers
# Without a street network (regional / national rail models) stops this close are treated
# as one station complex: platforms of one station, or a feed's stop and a rail spec's
# station at the same place. Walked at 4.8 km/h (the walk default) x 1.3 for corridors.
STRAIGHT_TRANSFER_RADIUS_M = 500.0  # metres
STRAIGHT_TRANSFER_DETOUR = 1.3
STRAIGHT_TRANSFER_WALK_KMH = 4.8
# the fields each derived index (a cached property) is computed from
_DERIVED_FROM = {
    "links": ("stop_lon", "stop_lat"),
    "reverse_transfers": ("stop_id", "transfer_ptr", "transfer_to", "transfer_s"),
}


@dataclass(frozen=True, eq=False)
class TransitNetwork:
    """Scheduled transit of one service date as RAPTOR arrays.

    Trips with the same route and stop sequence form a *pattern*; pattern ``p`` serves
    ``pattern_stops[pattern_stop_ptr[p]:pattern_stop_ptr[p + 1]]`` and runs trips
    ``pattern_trip_ptr[p]`` … ``pattern_trip_ptr[p + 1] - 1`` sorted by departure, none
    overtaking another. Trip ``j`` (0-based within ``p``) reaches position ``i`` at
    ``arrival_s[pattern_time_ptr[p] + j * n_p + i]`` (int32 seconds since midnight of
    ``service_date``; past 24:00 kept). ``board_penalty_s``/``alight_penalty_s`` are station
    access penalties per pattern (security checks at HSR stations). Walking transfers
    ``transfer_ptr``/``transfer_to``/``transfer_s`` go through the walk street network.
    """

    service_date: str
    stop_id: np.ndarray
    stop_name: np.ndarray
    stop_lon: np.ndarray
    stop_lat: np.ndarray
    pattern_stop_ptr: np.ndarray
    pattern_stops: np.ndarray
    pattern_trip_ptr: np.ndarray
    pattern_time_ptr: np.ndarray
    arrival_s: np.ndarray
    departure_s: np.ndarray
    trip_id: np.ndarray
    pattern_route: np.ndarray
    board_penalty_s: np.ndarray
    alight_penalty_s: np.ndarray
    route_id: np.ndarray
    route_type: np.ndarray
    route_name: np.ndarray
    stop_pattern_ptr: np.ndarray
    stop_pattern: np.ndarray
    stop_pattern_pos: np.ndarray
    transfer_ptr: np.ndarray
    transfer_to: np.ndarray
    transfer_s: np.ndarray
    stop_board_penalty_s: np.ndarray  # int32 per stop; -1: the route's penalty applies
    # Car parks for park-and-ride (OSM park_ride, GTFS stops flagged parking): where each
    # lies, and the stops walked to from it (CSR park_ptr / park_stop / park_walk_s seconds).
    park_lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    park_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    park_name: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    park_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    park_stop: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    park_walk_s: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    warnings: tuple[str, ...] = ()
    date_note: str = ""  # how service_date was chosen ("given", or the typical-weekday sentence)

    def __getstate__(self) -> dict:
        # the fields only: derived indexes (cached properties) are rebuilt where used
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @cached_property
    def links(self) -> StopLinks:
        """The stops snapped to street networks and the walking egress tables from them,
        built on first use per street network (:class:`StopLinks`)."""
        return StopLinks(self.stop_lon, self.stop_lat)

    @cached_property
    def reverse_transfers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walking transfers grouped by the stop they lead to (arrive-by RAPTOR)."""
        return reverse_transfers(self)

    def with_changes(self, **changes) -> TransitNetwork:
        """A copy with ``changes`` (``dataclasses.replace``) that keeps the derived indexes
        whose inputs did not change (stop links when the stops stay, reversed transfers
        when the transfers stay); the others are rebuilt on use."""
        new = dataclasses.replace(self, **changes)
        for name, inputs in _DERIVED_FROM.items():
            if name in self.__dict__ and not set(inputs) & set(changes):
                new.__dict__[name] = self.__dict__[name]
        return new

    @property
    def n_stops(self) -> int:
        return len(self.stop_id)

    @property
    def n_patterns(self) -> int:
        return len(self.pattern_stop_ptr) - 1

    @property
    def n_trips(self) -> int:
        return len(self.trip_id)

    @property
    def n_parks(self) -> int:
        """Car parks linked for park-and-ride."""
        return len(self.park_lon)

    def car_parks(self) -> pd.DataFrame:
        """The car parks (``name``, ``lon``, ``lat``), e.g. to carry them into a rebuild."""
        return pd.DataFrame({"name": self.park_name, "lon": self.park_lon, "lat": self.park_lat})

    def __repr__(self) -> str:
        return (
            f"TransitNetwork({self.service_date}: {self.n_stops:,} stops, {len(self.route_id):,} routes, "
            f"{self.n_patterns:,} patterns, {self.n_trips:,} trips, {len(self.transfer_to):,} transfers, "
            f"{self.n_parks:,} car parks)"
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``np.savez`` (strings as unicode arrays, no pickles)."""
        return {
            **{n: getattr(self, n) for n in _ARRAYS},
            "service_date": np.array(self.service_date),
            "warnings_text": np.array(list(self.warnings), dtype=str),
            "date_note": np.array(self.date_note),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TransitNetwork:
        return cls(
            service_date=str(arrays["service_date"]),
            **{n: np.array(arrays[n]) for n in _ARRAYS},
            warnings=tuple(str(w) for w in arrays["warnings_text"]),
            date_note=str(arrays["date_note"]) if "date_note" in arrays else "",
        )

    @classmethod
    def from_feed(
        cls,
        feed,
        walk: StreetNetwork | None,
        settings: TransitSettings | None = None,
        *,
        rail_feeds: frozenset[str] = frozenset(),
        transfer_radius_m: float = STRAIGHT_TRANSFER_RADIUS_M,
        car_parks: pd.DataFrame | None = None,
        park_ride_feeds: frozenset[str] | None = None,
    ) -> TransitNetwork:
        """Build from a :class:`access.io.gtfs.GtfsFeed` (one service date) and the walk
        network that links stops and carries transfers. Feeds named in ``rail_feeds``
        (converted rail specs) get ``settings.rail_spec_board_penalty_min``.

        ``car_parks`` (``name``, ``lon``, ``lat``; e.g. :func:`access.io.park_ride.read_car_parks`),
        the feed's stops flagged ``park_ride`` and the stations of ``park_ride_feeds``
        (default: ``rail_feeds``: planned HSR / intercity stations come with parking) are
        car parks, linked to the stops within ``settings.park_ride_walk_m`` on foot.

        ``walk=None`` builds without streets (regional and national rail models): walking
        transfers then join distinct stops at most ``transfer_radius_m`` metres apart in a
        straight line, timed at ``STRAIGHT_TRANSFER_DETOUR`` x distance at walking speed.
        """
        settings = settings or TransitSettings()
        st = feed.stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable")
        if st.empty:
            raise InputError(f"GTFS feed {feed.name or ''} has no trips on {feed.service_date}.")
        used = pd.unique(st["stop_id"])
        stops = feed.stops.set_index("stop_id").loc[used]
        stop_index = pd.Series(np.arange(len(used)), index=used)
        st_stop = stop_index[st["stop_id"]].to_numpy(np.int32)
        trip_codes, trip_uniques = pd.factorize(st["trip_id"], sort=False)
        # Trip -> (route, stop sequence) key; patterns = unique keys.
        sequences = pd.Series(st_stop.astype(str)).groupby(trip_codes).agg(" ".join)
        trips = feed.trips.set_index("trip_id").loc[trip_uniques]
        keys = trips["route_id"].to_numpy().astype(str) + "|" + sequences.to_numpy()
        pattern_codes, _ = pd.factorize(keys, sort=False)
        trip_start = np.flatnonzero(np.r_[True, trip_codes[1:] != trip_codes[:-1]])
        trip_len = np.diff(np.r_[trip_start, len(st)])
        arr_all = st["arrival_s"].to_numpy(np.int64)
        dep_all = st["departure_s"].to_numpy(np.int64)
        routes = feed.routes.set_index("route_id")
        route_ids = pd.unique(trips["route_id"].to_numpy())
        route_index = pd.Series(np.arange(len(route_ids)), index=route_ids)
        route_type = routes.loc[route_ids, "route_type"].to_numpy(np.int32)
        route_name = (
            routes.loc[route_ids, "route_short_name"].fillna("").astype(str).to_numpy()
            if "route_short_name" in routes
            else np.array(route_ids, dtype=str)
        )
        board_by_route = _penalties_s(route_ids, route_type, settings, rail_feeds, board=True)
        alight_by_route = _penalties_s(route_ids, route_type, settings, rail_feeds, board=False)

        p_stops, p_trip_rows, p_route = [], [], []
        order = np.argsort(pattern_codes, kind="stable")
        bounds = np.flatnonzero(np.r_[True, np.diff(pattern_codes[order]) != 0, True])
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
            members = order[b0:b1]
            first = trip_start[members[0]]
            n = trip_len[members[0]]
            rows = trip_start[members][:, None] + np.arange(n)[None, :]
            dep = dep_all[rows]
            arr = arr_all[rows]
            by_departure = np.lexsort((arr[:, -1], dep[:, 0]))
            for chain in _fifo_chains(arr[by_departure], dep[by_departure]):
                p_stops.append(st_stop[first : first + n])
                p_trip_rows.append(members[by_departure][chain])
                p_route.append(route_index[trips["route_id"].iloc[members[0]]])
        pattern_len = np.array([len(s) for s in p_stops], dtype=np.int64)
        pattern_trips = np.array([len(t) for t in p_trip_rows], dtype=np.int64)
        pattern_stop_ptr = np.r_[0, np.cumsum(pattern_len)].astype(np.int64)
        pattern_trip_ptr = np.r_[0, np.cumsum(pattern_trips)].astype(np.int64)
        pattern_time_ptr = np.r_[0, np.cumsum(pattern_len * pattern_trips)].astype(np.int64)
        trip_rows = np.concatenate(p_trip_rows)
        time_rows = np.concatenate(
            [
                (trip_start[t][:, None] + np.arange(n)[None, :]).ravel()
                for t, n in zip(p_trip_rows, pattern_len, strict=True)
            ]
        )
        pattern_stops = np.concatenate(p_stops).astype(np.int32)
        pattern_route = np.array(p_route, dtype=np.int32)
        # stop -> (pattern, position) incidence, sorted by stop
        pat_of_entry = np.repeat(np.arange(len(p_stops), dtype=np.int32), pattern_len)
        pos_of_entry = (np.arange(len(pattern_stops)) - np.repeat(pattern_stop_ptr[:-1], pattern_len)).astype(np.int32)
        by_stop = np.argsort(pattern_stops, kind="stable")
        stop_pattern_ptr = np.r_[0, np.cumsum(np.bincount(pattern_stops, minlength=len(used)))].astype(np.int64)

        lon = stops["lon"].to_numpy(np.float64)
        lat = stops["lat"].to_numpy(np.float64)
        if walk is None:
            transfer_ptr, transfer_to, transfer_s, notes = _straight_transfers(
                lon, lat, stop_index, feed.transfers, transfer_radius_m
            )
        else:
            transfer_ptr, transfer_to, transfer_s, notes = _walking_transfers(
                walk, lon, lat, stop_index, feed.transfers, settings.max_transfer_walk_min
            )
        station_feeds = rail_feeds if park_ride_feeds is None else park_ride_feeds
        of_feed = pd.Series(stops.index.astype(str), index=stops.index).str.split(":", n=1).str[0]
        stations = stops[of_feed.isin(station_feeds) & stops.index.astype(str).str.contains(":")]
        parks = _car_parks(stops, car_parks, stations)
        park_ptr, park_stop, park_walk_s = _park_links(walk, parks, lon, lat, settings.park_ride_walk_m)
        return cls(
            service_date=str(feed.service_date),
            stop_id=np.array(used, dtype=str),
            stop_name=stops["stop_name"].fillna("").astype(str).to_numpy(dtype=str)
            if "stop_name" in stops
            else np.array(used, dtype=str),
            stop_lon=lon,
            stop_lat=lat,
            pattern_stop_ptr=pattern_stop_ptr,
            pattern_stops=pattern_stops,
            pattern_trip_ptr=pattern_trip_ptr,
            pattern_time_ptr=pattern_time_ptr,
            arrival_s=arr_all[time_rows].astype(np.int32),
            departure_s=dep_all[time_rows].astype(np.int32),
            trip_id=np.array(trip_uniques[trip_rows], dtype=str),
            pattern_route=pattern_route,
            board_penalty_s=board_by_route[pattern_route],
            alight_penalty_s=alight_by_route[pattern_route],
            route_id=np.array(route_ids, dtype=str),
            route_type=route_type,
            route_name=np.array(route_name, dtype=str),
            stop_pattern_ptr=stop_pattern_ptr,
            stop_pattern=pat_of_entry[by_stop],
            stop_pattern_pos=pos_of_entry[by_stop],
            transfer_ptr=transfer_ptr,
            transfer_to=transfer_to,
            transfer_s=transfer_s,
            stop_board_penalty_s=_stop_penalties_s(used, settings),
            park_lon=parks["lon"].to_numpy(np.float64),
            park_lat=parks["lat"].to_numpy(np.float64),
            park_name=parks["name"].astype(str).to_numpy(dtype=str),
            park_ptr=park_ptr,
            park_stop=park_stop,
            park_walk_s=park_walk_s,
            warnings=tuple(getattr(feed, "warnings", ())) + tuple(notes),
            date_note=str(getattr(feed, "date_note", "")),
        )


_TRUE = {"1", "yes", "true", "y"}


def _car_parks(stops: pd.DataFrame, car_parks: pd.DataFrame | None, stations: pd.DataFrame) -> pd.DataFrame:
    """Car parks: those given, plus (at the stop) the stops the feed flags as park-and-ride
    and the ``stations`` (rail-spec lines)."""
    frames = []
    if car_parks is not None and len(car_parks):
        frames.append(car_parks[["name", "lon", "lat"]])
    flagged = stops[stops["park_ride"].eq(True)] if "park_ride" in stops else stops.iloc[:0]
    flagged = pd.concat([flagged, stations[~stations.index.isin(flagged.index)]])
    if len(flagged):
        frames.append(
            pd.DataFrame(
                {
                    "name": flagged.get("stop_name", pd.Series(flagged.index, index=flagged.index)).astype(str),
                    "lon": flagged["lon"],
                    "lat": flagged["lat"],
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {"name": pd.Series(dtype=str), "lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float)}
        )
    return pd.concat(frames, ignore_index=True)


def _park_links(
    walk: StreetNetwork | None, parks: pd.DataFrame, stop_lon, stop_lat, limit_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR from each car park to the stops within ``limit_m`` on foot and the seconds of
    the walk. Through the walk network, timed by its edges and bounded at ``limit_m`` at
    its connector speed (its walking speed); without streets a straight line x
    ``STRAIGHT_TRANSFER_DETOUR``."""
    n = len(parks)
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    lon, lat = parks["lon"].to_numpy(np.float64), parks["lat"].to_numpy(np.float64)
    if walk is None:
        metres = (
            haversine_m(lon[:, None], lat[:, None], stop_lon[None, :], stop_lat[None, :]) * STRAIGHT_TRANSFER_DETOUR
        )
        seconds = np.where(metres <= limit_m, metres / (STRAIGHT_TRANSFER_WALK_KMH / 3.6), np.inf)
    else:
        px, py = to_projected(lon, lat, walk.crs_epsg)
        sx, sy = to_projected(stop_lon, stop_lat, walk.crs_epsg)
        at_park, at_stop = snap_points(walk, px, py), snap_points(walk, sx, sy)
        limit_s = int(round(limit_m / (walk.connector_speed_kmh / 3.6)))
        seconds = np.full((n, len(stop_lon)), np.inf)
        rows = np.flatnonzero(at_park.ok)
        if len(rows):
            ptr, nodes, costs = source_groups(at_park, rows)
            seconds[rows] = many_to_all_points(
                walk.indptr,
                walk.indices,
                walk.travel_s,
                ptr,
                nodes,
                costs,
                limit_s,
                at_stop.a,
                at_stop.b,
                at_stop.from_a,
                at_stop.from_b,
            )
        seconds[:, ~at_stop.ok] = np.inf
        seconds[seconds > limit_s] = np.inf
    i, j = np.nonzero(np.isfinite(seconds))
    ptr = np.r_[0, np.cumsum(np.bincount(i, minlength=n))].astype(np.int64)
    return ptr, j.astype(np.int32), np.rint(seconds[i, j]).astype(np.int32)


def _fifo_chains(arr: np.ndarray, dep: np.ndarray) -> list[np.ndarray]:
    """Split trips (rows sorted by first departure) into groups where no trip overtakes
    another at any stop, as RAPTOR's trip search assumes."""
    chains: list[list[int]] = []
    lasts: list[int] = []
    for row in range(len(dep)):
        for c, last in enumerate(lasts):
            if np.all(dep[row] >= dep[last]) and np.all(arr[row] >= arr[last]):
                chains[c].append(row)
                lasts[c] = row
                break
        else:
            chains.append([row])
            lasts.append(row)
    return [np.array(c) for c in chains]


def _stop_penalties_s(stop_ids, settings: TransitSettings) -> np.ndarray:
    """Per-stop boarding penalty overrides in seconds (-1 where the route's applies)."""
    unknown = set(settings.board_penalty_stop_min) - set(stop_ids)
    if unknown:
        raise InputError(
            f"board_penalty_stop_min names stops not served on this date: {', '.join(sorted(unknown)[:5])}; "
            "use namespaced ids such as 'feed:stop_id'."
        )
    out = np.full(len(stop_ids), -1, dtype=np.int32)
    index = {s: k for k, s in enumerate(stop_ids)}
    for stop, minutes in settings.board_penalty_stop_min.items():
        out[index[stop]] = int(round(minutes * 60))
    return out


def _penalties_s(route_ids, route_type, settings: TransitSettings, rail_feeds, *, board: bool) -> np.ndarray:
    """Board (or alight) penalty seconds per route: route_id override, then feed name
    override, then rail spec lines, then the route type default (board only)."""
    overrides = settings.board_penalty_min if board else settings.alight_penalty_min
    out = np.zeros(len(route_ids), dtype=np.int32)
    for k, (route, rtype) in enumerate(zip(route_ids, route_type, strict=True)):
        feed_name = str(route).split(":", 1)[0] if ":" in str(route) else ""
        if route in overrides:
            minutes = overrides[route]
        elif feed_name in overrides:
            minutes = overrides[feed_name]
        elif not board:
            minutes = 0.0
        elif feed_name in rail_feeds:
            minutes = settings.rail_spec_board_penalty_min
        else:
            minutes = settings.board_penalty_by_route_type_min.get(int(rtype), 0.0)
        out[k] = int(round(minutes * 60))
    return out


def _walking_transfers(
    walk: StreetNetwork, lon, lat, stop_index: pd.Series, gtfs_transfers: pd.DataFrame, max_walk_min: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Stop-to-stop walking times (seconds) through the walk network, at most
    ``max_walk_min``, merged with GTFS transfers.txt minimum times between distinct stops."""
    n = len(lon)
    x, y = to_projected(lon, lat, walk.crs_epsg)
    snapped = snap_points(walk, x, y)
    notes = []
    off = int((~snapped.ok).sum())
    if off:
        notes.append(
            f"{off} of {n} stops lie more than {walk.max_snap_m:.0f} m from the walk network: "
            "they can be ridden through but not walked to or from"
        )
    limit = int(round(max_walk_min * 60))
    rows_from, rows_to, rows_s = [], [], []
    ok = np.flatnonzero(snapped.ok)
    for start in range(0, len(ok), _TRANSFER_BATCH):
        batch = ok[start : start + _TRANSFER_BATCH]
        ptr, nodes, costs = source_groups(snapped, batch)
        seconds = many_to_all_points(
            walk.indptr,
            walk.indices,
            walk.travel_s,
            ptr,
            nodes,
            costs,
            limit,
            snapped.a[ok],
            snapped.b[ok],
            snapped.from_a[ok],
            snapped.from_b[ok],
        )
        i, j = np.nonzero(seconds <= limit)
        keep = batch[i] != ok[j]
        rows_from.append(batch[i[keep]])
        rows_to.append(ok[j[keep]])
        rows_s.append(np.rint(seconds[i[keep], j[keep]]))
    frame = pd.DataFrame(
        {
            "from": np.concatenate(rows_from) if rows_from else np.array([], dtype=np.int64),
            "to": np.concatenate(rows_to) if rows_to else np.array([], dtype=np.int64),
            "s": np.concatenate(rows_s) if rows_s else np.array([], dtype=np.float64),
        }
    )
    return _transfer_csr(frame, stop_index, gtfs_transfers, n) + (notes,)


def _straight_transfers(
    lon, lat, stop_index: pd.Series, gtfs_transfers: pd.DataFrame, radius_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Transfers without a street network: distinct stops within ``radius_m`` straight-line
    metres, walked at ``STRAIGHT_TRANSFER_DETOUR`` x distance at 4.8 km/h, merged with
    GTFS transfers.txt minimum times."""
    n = len(lon)
    frame = pd.DataFrame(
        {"from": np.array([], dtype=np.int64), "to": np.array([], dtype=np.int64), "s": np.array([], dtype=np.float64)}
    )
    if n > 1 and radius_m > 0:
        # Points on a sphere of Earth's radius: a chord is never longer than its arc, so
        # every pair within radius_m (great circle) is found, on any continent-wide feed.
        lam, phi = np.radians(lon), np.radians(lat)
        xyz = EARTH_RADIUS_M * np.c_[np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]
        pairs = cKDTree(xyz).query_pairs(radius_m, output_type="ndarray")
        if len(pairs):
            i, j = np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]
            metres = haversine_m(lon[i], lat[i], lon[j], lat[j])
            keep = metres <= radius_m
            seconds = np.rint(metres[keep] * STRAIGHT_TRANSFER_DETOUR / (STRAIGHT_TRANSFER_WALK_KMH / 3.6))
            frame = pd.DataFrame({"from": i[keep], "to": j[keep], "s": seconds})
    return _transfer_csr(frame, stop_index, gtfs_transfers, n) + ([],)


def _transfer_csr(
    frame: pd.DataFrame, stop_index: pd.Series, gtfs_transfers: pd.DataFrame, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of stop-to-stop transfers (``frame``: from, to, s) merged with transfers.txt."""
    if gtfs_transfers is not None and len(gtfs_transfers):
        t = gtfs_transfers[
            gtfs_transfers["from_stop_id"].isin(stop_index.index) & gtfs_transfers["to_stop_id"].isin(stop_index.index)
        ]
        t = t[t["from_stop_id"] != t["to_stop_id"]]
        given = pd.DataFrame(
            {
                "from": stop_index[t["from_stop_id"]].to_numpy(),
                "to": stop_index[t["to_stop_id"]].to_numpy(),
                "s": t["min_transfer_time_s"].to_numpy(np.float64),
            }
        )
        # A published minimum transfer time is never beaten by our walking estimate.
        frame = pd.concat([frame, given]).groupby(["from", "to"], as_index=False)["s"].max()
    frame = frame.sort_values(["from", "to"])
    ptr = np.r_[0, np.cumsum(np.bincount(frame["from"].to_numpy(np.int64), minlength=n))].astype(np.int64)
    return ptr, frame["to"].to_numpy(np.int32), frame["s"].to_numpy().astype(np.int32)
