"""Scenarios: apply modifications to a base region's networks without touching the base.

A :class:`ScenarioBase` holds the built base :class:`~access.network.multimodal.Network` and
(read on demand) its merged GTFS tables. :func:`apply` validates every modification
against the base first (unknown route or stop, a line off the service date, a road end
far from the network: :class:`InputError` naming it, before any rebuilding), then builds
only what changed: street networks not modified are shared (the same objects), the
transit network is rebuilt from a modified copy of the feed tables only when a timetable
changed, penalty-only changes swap the penalty arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from access._clock import clock_seconds
from access._moved import moved_name
from access.config import StreetSettings, TransitSettings
from access.errors import InputError
from access.io.gtfs import GtfsFeed, read_gtfs_feeds
from access.io.rail_spec import RailSpec, rail_spec_to_gtfs, read_rail_spec
from access.network.multimodal import Network, _unique_names, build_network
from access.network.transit import TransitNetwork, _penalties_s, _stop_penalties_s
from access.scenarios import _feed_edits as fe
from access.scenarios import _road_edits as re_
from access.scenarios.model import (
    AddLine,
    AddRoad,
    AddStops,
    ChangeHeadway,
    ChangeRoadSpeed,
    ChangeSpeed,
    ChangeStationPenalty,
    RemoveRoute,
    RemoveStops,
    Scenario,
    parse_scenario,
    read_scenario,
    write_scenario,
)

__all__ = [
    "ScenarioBase",
    "load_base",
    "apply",
    "build",
    "validate",
    "Scenario",
    "read_scenario",
    "parse_scenario",
    "write_scenario",
]


@dataclass(eq=False)
class ScenarioBase:
    """A built base region: its network, and the GTFS tables behind its transit.

    ``feed`` is read on first use (only timetable modifications need it);
    ``rail_feeds`` names the feeds that came from rail specs (HSR boarding penalty).
    """

    network: Network
    gtfs: tuple[Path, ...] = ()
    rail_specs: tuple[Path, ...] = ()
    service_date: str | None = None
    rail_feeds: frozenset[str] = frozenset()
    _feed: GtfsFeed | None = field(default=None, repr=False)

    @property
    def feed(self) -> GtfsFeed:
        """The merged, namespaced feed tables of the base for its service date."""
        if self._feed is None:
            if not self.gtfs and not self.rail_specs:
                self._feed = _empty_feed(self.service_date)
                return self._feed

            names, sources = _feed_sources(self.gtfs, self.rail_specs)
            sources = [*sources[: len(self.gtfs)], *[rail_spec_to_gtfs(read_rail_spec(p)) for p in self.rail_specs]]
            transit = self.network.transit if self.network is not None else None
            date = transit.service_date if transit is not None else self.service_date
            self._feed = read_gtfs_feeds(sources, service_date=date, names=names)
        return self._feed


def _empty_feed(service_date) -> GtfsFeed:
    """A feed without trips (a base with no transit, to which lines are added)."""

    if service_date is None:
        raise InputError("the base has no GTFS feeds or rail specs: give base.service_date (YYYY-MM-DD) for new lines.")
    try:
        date = dt.date.fromisoformat(str(service_date))
    except ValueError:
        raise InputError(f"service date {service_date!r} is not YYYY-MM-DD.") from None
    columns = {
        "stops": ["stop_id", "stop_name", "lon", "lat", "parent_station", "location_type"],
        "routes": ["route_id", "route_type", "route_short_name", "route_long_name", "agency_id"],
        "trips": ["trip_id", "route_id", "service_id", "direction_id"],
        "stop_times": ["trip_id", "stop_sequence", "stop_id", "arrival_s", "departure_s"],
        "transfers": ["from_stop_id", "to_stop_id", "min_transfer_time_s"],
    }
    tables = {name: pd.DataFrame({c: pd.Series(dtype=object) for c in cols}) for name, cols in columns.items()}
    return GtfsFeed(name="", service_date=date, warnings=(), date_range=(date, date), **tables)


def _feed_sources(gtfs, rail_specs) -> tuple[list[str], list]:
    """Feed names exactly as :func:`access.build_network` gives them."""
    names = _unique_names([Path(p).name.split(".")[0] for p in gtfs] + [f"rail_{Path(p).stem}" for p in rail_specs])
    return names, [*gtfs, *rail_specs]


def load_base(
    scenario_or_base, *, cache: bool = True, cache_dir: str | Path | None = None, progress: bool = True
) -> ScenarioBase:
    """Build (or load from the cache in ``cache_dir``) the base region of a
    :class:`Scenario` (or its :class:`BaseRegion`)."""
    base = scenario_or_base.base if isinstance(scenario_or_base, Scenario) else scenario_or_base
    gtfs = tuple(Path(p) for p in base.gtfs)
    rails = tuple(Path(p) for p in base.rail_specs)
    network = build_network(
        base.osm,
        base.modes,
        gtfs=gtfs,
        rail_specs=rails,
        service_date=base.service_date,
        transit_settings=base.transit_settings,
        cache=cache,
        cache_dir=cache_dir,
        progress=progress,
    )
    names, _ = _feed_sources(gtfs, rails)
    return ScenarioBase(
        network=network,
        gtfs=gtfs,
        rail_specs=rails,
        service_date=base.service_date,
        rail_feeds=frozenset(names[len(gtfs) :]),
    )


def _spec(mod: AddLine) -> RailSpec:
    return mod.spec if isinstance(mod.spec, RailSpec) else read_rail_spec(mod.spec)


def _line_name(spec: RailSpec) -> str:
    return f"rail_{spec.slug}"


_TIMETABLE = (AddLine, AddStops, RemoveStops, RemoveRoute, ChangeHeadway, ChangeSpeed)


def validate(region: ScenarioBase, modifications: Sequence) -> None:
    """Check every modification against the base (and the lines added before it):
    routes, stops, way ids, road ends, dates. Raises :class:`InputError` naming the
    modification and the unknown item; computes nothing."""
    needs_feed = any(isinstance(m, (*_TIMETABLE, ChangeStationPenalty)) for m in modifications)
    roads = region.network is not None  # None: timetable checks only, before building anything
    feed = region.feed if needs_feed else None
    added_routes: list[str] = []
    added_stops: list[str] = []
    for k, mod in enumerate(modifications):
        what = f"modification {k + 1} ({mod.type})"
        if isinstance(mod, AddLine):
            spec = _spec(mod)
            fe.check_line(feed, spec, _line_name(spec), what)
            added_routes.append(f"{_line_name(spec)}:{spec.slug}")
            added_stops += [s.name for s in spec.stations]
            continue
        known = _with_added(feed, added_routes, added_stops) if feed is not None else None
        if isinstance(mod, AddStops):
            fe.resolve_routes(known, [mod.route], what)
            for insert in mod.stops:
                fe.resolve_stops(known, list(insert.between), what)
                if insert.lon is None:
                    fe.resolve_stops(known, [insert.stop], what)
        elif isinstance(mod, RemoveStops):
            fe.resolve_stops(known, mod.stops, what)
            if mod.routes:
                fe.resolve_routes(known, mod.routes, what)
        elif isinstance(mod, (RemoveRoute, ChangeHeadway, ChangeSpeed)):
            fe.resolve_routes(known, mod.routes, what)
            if isinstance(mod, ChangeSpeed) and mod.between:
                fe.resolve_stops(known, list(mod.between), what)
        elif isinstance(mod, ChangeStationPenalty):
            if mod.stops:
                fe.resolve_stops(known, mod.stops, what)
            if mod.routes:
                fe.resolve_routes(known, mod.routes, what)
        elif isinstance(mod, (AddRoad, ChangeRoadSpeed)):
            if not roads:
                continue
            missing = [m for m in mod.modes if m not in region.network.streets]
            if missing:
                raise InputError(f"{what}: mode {', '.join(missing)} is not built in the base; add it to base.modes.")
            if isinstance(mod, AddRoad):
                for m in mod.modes:
                    street = region.network.streets[m]
                    for lon, lat in (mod.coordinates[0], mod.coordinates[-1]):
                        re_._nearest_node(street, lon, lat, what)


def _with_added(feed: GtfsFeed, routes: list[str], stop_names: list[str]) -> GtfsFeed:
    """The feed's route and stop lists plus those of lines added earlier (for validation)."""
    if not routes:
        return feed
    extra_routes = pd.DataFrame({"route_id": routes, "route_short_name": [r.split(":", 1)[1] for r in routes]})
    extra_stops = pd.DataFrame({"stop_id": stop_names, "stop_name": stop_names})
    return replace(
        feed,
        routes=pd.concat([feed.routes, extra_routes], ignore_index=True),
        stops=pd.concat([feed.stops, extra_stops], ignore_index=True),
    )


def apply(region: ScenarioBase, modifications: Sequence, *, progress: bool = False) -> Network:
    """The scenario network: ``region``'s network with ``modifications`` applied in order.

    The base is never modified. Unchanged street networks are shared; the transit network
    is rebuilt from modified copies of the feed tables only when a timetable changed (or
    the walk network, which carries transfers, did). No modifications: the base network.
    """
    modifications = list(modifications)
    validate(region, modifications)
    base = region.network
    if not modifications:
        return base
    streets = dict(base.streets)
    settings: TransitSettings = base.transit_settings
    feed = region.feed if any(isinstance(m, _TIMETABLE) for m in modifications) else None
    rail_feeds = set(region.rail_feeds)
    no_parking: set[str] = set()  # added lines whose stations have no car park
    added_roads: dict[str, list[int]] = {}
    # added roads get way ids -1, -2, ... below any road a previous scenario already added
    next_way = min([0, *(int(s.way_id.min()) for s in streets.values() if len(s.way_id))]) - 1
    for k, mod in enumerate(modifications):
        what = f"modification {k + 1} ({mod.type})"
        if isinstance(mod, AddLine):
            spec = _spec(mod)
            name = _line_name(spec)
            existing = set(feed.stops["stop_id"])
            feed = fe.add_line(feed, spec, name)
            rail_feeds.add(name)
            new_stops = sorted(set(feed.stops["stop_id"]) - existing)
            if mod.board_penalty_min is not None:
                settings = settings.model_copy(
                    update={"board_penalty_min": {**settings.board_penalty_min, name: mod.board_penalty_min}}
                )
            # a new line's stations are car parks (as every rail-spec line's) unless park_and_ride: false
            if not mod.park_and_ride:
                no_parking.add(name)
            if isinstance(settings.park_ride_stops, list) and mod.park_and_ride:
                settings = settings.model_copy(update={"park_ride_stops": [*settings.park_ride_stops, *new_stops]})
            elif settings.park_ride_stops == "any" and not mod.park_and_ride:
                settings = settings.model_copy(update={"park_ride_stops": sorted(existing)})
        elif isinstance(mod, AddStops):
            route = fe.resolve_routes(feed, [mod.route], what)[0]
            new_rows, inserts = [], []
            for insert in mod.stops:
                a, b = fe.resolve_stops(feed, list(insert.between), what)
                if insert.lon is None:
                    stop = fe.resolve_stops(feed, [insert.stop], what)[0]
                else:
                    stop = insert.stop if ":" in insert.stop else f"{route.split(':', 1)[0]}:{insert.stop}"
                    if stop in set(feed.stops["stop_id"]):
                        raise InputError(
                            f"{what}: new stop {insert.stop!r} (with lon/lat) has the id of an existing "
                            "stop; give it a new id, or drop lon/lat to insert the existing stop."
                        )
                    new_rows.append(
                        {
                            "stop_id": stop,
                            "stop_name": insert.name or insert.stop,
                            "lon": insert.lon,
                            "lat": insert.lat,
                            "parent_station": "",
                            "location_type": 0,
                        }
                    )
                inserts.append((stop, a, b))
            feed = fe.add_stops(feed, route, inserts, pd.DataFrame(new_rows), int(round(mod.dwell_min * 60)), what)
        elif isinstance(mod, RemoveStops):
            stops = fe.resolve_stops(feed, mod.stops, what)
            routes = fe.resolve_routes(feed, mod.routes, what) if mod.routes else None
            feed = fe.remove_stops(feed, stops, routes, what)
        elif isinstance(mod, RemoveRoute):
            feed = fe.remove_routes(feed, fe.resolve_routes(feed, mod.routes, what))
        elif isinstance(mod, ChangeHeadway):
            periods = [
                (clock_seconds(p.start), clock_seconds(p.end), int(round(p.headway_min * 60))) for p in mod.periods
            ]
            feed = fe.change_headway(feed, fe.resolve_routes(feed, mod.routes, what), periods, what)
        elif isinstance(mod, ChangeSpeed):
            between = tuple(fe.resolve_stops(feed, list(mod.between), what)) if mod.between else None
            feed = fe.change_speed(feed, fe.resolve_routes(feed, mod.routes, what), mod.speed_factor, between, what)
        elif isinstance(mod, ChangeStationPenalty):
            known = feed if feed is not None else region.feed
            update = {}
            if mod.stops:
                stops = fe.resolve_stops(known, mod.stops, what)
                update["board_penalty_stop_min"] = {
                    **settings.board_penalty_stop_min,
                    **dict.fromkeys(stops, mod.penalty_min),
                }
            if mod.routes:
                routes = fe.resolve_routes(known, mod.routes, what)
                update["board_penalty_min"] = {**settings.board_penalty_min, **dict.fromkeys(routes, mod.penalty_min)}
            settings = settings.model_copy(update=update)
        elif isinstance(mod, AddRoad):
            for m in mod.modes:
                street = streets[m]
                kmh = mod.speed_kmh or _class_speed(mod.highway, m)
                streets[m] = re_.add_road(street, mod.coordinates, kmh, mod.oneway, next_way, what)
                added_roads.setdefault(m, []).append(next_way)
            next_way -= 1
        elif isinstance(mod, ChangeRoadSpeed):
            for m in mod.modes:
                streets[m] = re_.change_road_speed(streets[m], mod.way_ids, mod.bbox, mod.speed_kmh, mod.factor, what)
        else:  # pragma: no cover - the discriminated union admits nothing else
            raise InputError(f"{what}: unknown modification type {mod.type!r}.")
    for m, ways in added_roads.items():
        streets[m] = re_.keep_snapping_off(
            streets[m], ways + [int(w) for w in np.unique(base.streets[m].way_id) if w < 0]
        )
    transit = _transit(region, base, streets, feed, settings, frozenset(rail_feeds), progress, frozenset(no_parking))
    return Network(
        streets=MappingProxyType(streets),
        source={**base.source, "scenario": True},
        transit=transit,
        transit_settings=settings,
    )


def _osm_car_parks(old: TransitNetwork | None) -> pd.DataFrame | None:
    """The base's car parks that are not at one of its stops (those come back from the
    feed's flags and rail-spec stations when the network is rebuilt)."""
    if old is None or old.n_parks == 0:
        return None
    parks = old.car_parks()
    at_stop = pd.MultiIndex.from_arrays([old.stop_lon, old.stop_lat])
    keep = ~pd.MultiIndex.from_arrays([parks["lon"], parks["lat"]]).isin(at_stop)
    return parks[keep].reset_index(drop=True)


def _class_speed(highway: str, mode: str) -> float:
    s = StreetSettings()
    if mode == "walk":
        return s.walk_speed_kmh
    if mode == "bike":
        return s.bike_speed_kmh
    if highway not in s.car_speeds_kmh:
        raise InputError(
            f"add_road: unknown highway class {highway!r}; use one of {', '.join(s.car_speeds_kmh)} or give speed_kmh."
        )
    return s.car_speeds_kmh[highway]


def _transit(
    region: ScenarioBase, base: Network, streets, feed, settings, rail_feeds, progress, no_parking=frozenset()
) -> TransitNetwork | None:
    """The scenario's transit network, rebuilding only what changed."""
    old = base.transit
    walk_changed = streets.get("walk") is not base.streets.get("walk")
    if feed is not None and "walk" not in streets:
        raise InputError("timetable changes need the walk network (stops, transfers): add walk to base.modes.")
    if feed is not None and feed.stop_times.empty:
        return None  # every route removed (or none to begin with)
    if feed is not None or (walk_changed and old is not None):
        return TransitNetwork.from_feed(
            feed if feed is not None else region.feed,
            streets["walk"],
            settings,
            rail_feeds=rail_feeds,
            car_parks=_osm_car_parks(old),
            park_ride_feeds=frozenset(rail_feeds) - no_parking,
        )
    if old is None:
        return None
    streets_same = all(streets[m] is base.streets[m] for m in streets)
    penalties_same = (
        settings.board_penalty_min == base.transit_settings.board_penalty_min
        and settings.board_penalty_stop_min == base.transit_settings.board_penalty_stop_min
    )
    if penalties_same and streets_same:
        return old
    # same stops: the copy keeps the stop links (keyed by street network, never stale)
    if penalties_same:
        return old.with_changes()
    board = _penalties_s(old.route_id, old.route_type, settings, rail_feeds, board=True)
    return old.with_changes(
        board_penalty_s=board[old.pattern_route],
        stop_board_penalty_s=_stop_penalties_s(old.stop_id, settings),
    )


def build(
    scenario: Scenario, *, cache: bool = True, cache_dir: str | Path | None = None, progress: bool = True
) -> tuple[Network, Network]:
    """``(base, scenario)`` networks of a :class:`Scenario`: the base built (or loaded
    from the cache in ``cache_dir``), the modifications validated, then applied."""
    base = scenario.base
    early = ScenarioBase(
        network=None,
        gtfs=tuple(Path(p) for p in base.gtfs),
        rail_specs=tuple(Path(p) for p in base.rail_specs),
        service_date=base.service_date,
    )
    validate(early, scenario.modifications)  # unknown routes and stops fail before any building
    region = load_base(scenario, cache=cache, cache_dir=cache_dir, progress=progress)
    region._feed = early._feed
    return region.network, apply(region, scenario.modifications, progress=progress)


_RENAMED = {"Region": "ScenarioBase", "load_region": "load_base"}  # 0.1 names, one more release


def __getattr__(name: str):
    if name in _RENAMED:
        return moved_name(f"access.scenarios.apply.{name}", f"{__name__}:{_RENAMED[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
