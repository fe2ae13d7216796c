"""Network: the street networks of a region (one per mode), and how to build them."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry
from tqdm.auto import tqdm

from access.config import ELEVATION_MODES, MODES, ElevationSettings, StreetSettings, TransitSettings
from access.errors import InputError
from access.io.gtfs import read_gtfs_feeds
from access.io.osm import check_osm_path, read_osm_ways
from access.io.park_ride import read_car_parks
from access.io.rail_spec import rail_spec_to_gtfs, read_rail_spec
from access.network._rules import CarSpeeds, resolve_car_speeds
from access.network.cache import (
    cache_key,
    check_street_arrays,
    check_transit_arrays,
    default_cache_dir,
    file_digest,
    load_cached,
    store_cached,
)
from access.network.elevation import adjusted_seconds, edge_time_factors, read_dem
from access.network.street import StreetNetwork, check_mode
from access.network.transit import TransitNetwork

__all__ = ["Network", "TransitSource", "build_network", "MAX_DATES_IN_MEMORY", "modes_for"]

_CAR_SPEEDS_KEY = "car-speeds-by-country-v1"  # car networks built before country tables are stale

MAX_DATES_IN_MEMORY = 8  # transit networks of other service dates kept per Network (LRU)


@dataclass(frozen=True, eq=False)
class Network:
    """The routable networks of one region: a :class:`StreetNetwork` per street mode."""

    streets: Mapping[str, StreetNetwork]
    source: Mapping[str, object] = field(default_factory=dict)
    transit: TransitNetwork | None = None
    transit_settings: TransitSettings = field(default_factory=TransitSettings)
    # The feeds ``transit`` was built from, to build the timetable of another day on demand
    # (None for scenario, regional and unpickled networks: they route their own day only).
    timetables: TransitSource | None = field(default=None, repr=False, compare=False)

    @property
    def modes(self) -> tuple[str, ...]:
        """Street modes built, plus ``"transit"`` when a transit network is attached."""
        return tuple(self.streets) + (("transit",) if self.transit is not None else ())

    def require_transit(self) -> TransitNetwork:
        """The transit network; :class:`InputError` when none was built."""
        if self.transit is None:
            raise InputError("this network has no transit; pass gtfs=[...] or rail_specs=[...] to build_network.")
        return self.transit

    def transit_on(self, date: dt.date | str | None) -> TransitNetwork:
        """The transit network of service date ``date`` (``None``: the network's own day).

        Another day is built from the same feeds on first use and cached (in memory and on
        disk); a day outside every feed's calendar is an :class:`InputError` naming them."""
        transit = self.require_transit()
        if date is None or str(date) == transit.service_date:
            return transit
        if self.timetables is None:
            raise InputError(
                f"departure date {date} differs from this network's service date {transit.service_date}, and "
                "it cannot re-read its feeds (a scenario or regional network); give only a time of day, or "
                f"build it with service_date='{date}'."
            )
        return self.timetables.on(date)

    def on_date(self, date: dt.date | str | None) -> Network:
        """This network with the transit of service date ``date`` (see :meth:`transit_on`)."""
        transit = self.transit_on(date)
        return self if transit is self.transit else replace(self, transit=transit)

    def with_transit_settings(self, **changes) -> Network:
        """This network with query-time transit settings changed, e.g.
        ``net.with_transit_settings(max_walk_min=90, park_ride_stops="any")``. Fields that
        shape the built timetable (penalties, transfers, interpolation) need a rebuild:
        asking for them here is an :class:`InputError`."""
        try:
            settings = TransitSettings(**{**self.transit_settings.model_dump(), **changes})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise InputError(f"transit settings: {problems}.") from None
        built = {k for k, v in settings.build_fields().items() if v != self.transit_settings.build_fields()[k]}
        if built:
            raise InputError(
                f"{', '.join(sorted(built))} shape the built transit network: pass them to "
                "build_network(transit_settings=TransitSettings(...)) instead."
            )
        return replace(self, transit_settings=settings)

    def street(self, mode: str) -> StreetNetwork:
        """The street network of ``mode``; :class:`InputError` if it was not built."""
        check_mode(mode)
        if mode not in self.streets:
            raise InputError(
                f"mode {mode!r} was not built for this network (built: {', '.join(self.streets)}); "
                f"pass modes=(..., {mode!r}) to build_network."
            )
        return self.streets[mode]

    def __repr__(self) -> str:
        parts = ", ".join(f"{m}: {s.n_nodes:,} nodes / {s.n_edges:,} edges" for m, s in self.streets.items())
        if self.transit is not None:
            parts += f", transit: {self.transit!r}"
        return f"Network({parts})"


def modes_for(modes: str | Iterable[str], access_mode: str = "walk") -> tuple[str, ...]:
    """The modes :func:`build_network` needs to route by ``modes``: transit reached by
    bike or car (park-and-ride) needs that street network as well as the walk one."""
    wanted = (modes,) if isinstance(modes, str) else tuple(modes)
    if "transit" in wanted and access_mode != "walk":
        wanted = (*wanted, access_mode)
    return tuple(dict.fromkeys(wanted))


def build_network(
    osm: str | Path,
    modes: Iterable[str] = ("walk", "car"),
    *,
    bbox: tuple[float, float, float, float] | None = None,
    polygon: BaseGeometry | None = None,
    settings: StreetSettings | None = None,
    gtfs: Sequence[str | Path] = (),
    rail_specs: Sequence[str | Path] = (),
    service_date: str | dt.date | None = None,
    transit_settings: TransitSettings | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    elevation: str | Path | None = None,
    elevation_settings: ElevationSettings | None = None,
) -> Network:
    """Street networks for ``modes`` (and transit) from local files, built once and cached.

    Parameters
    ----------
    osm
        ``.osm.pbf`` or ``.osm`` (XML) extract.
    modes
        Any of ``"walk"``, ``"bike"``, ``"car"``.
    bbox, polygon
        Optional clip area in EPSG:4326: ``(min_lon, min_lat, max_lon, max_lat)`` or a
        shapely (multi)polygon.
    settings
        Speeds and snapping rules; :class:`access.config.StreetSettings` defaults.
    gtfs, rail_specs
        GTFS feeds (.zip or folders) and YAML rail line specs (planned HSR / intercity
        lines) to route on; ids are namespaced by file stem. The walk network is always
        built with them (stops, transfers and egress are walked).
    service_date
        The day whose timetable is used (``"2019-05-13"``); default: the feeds' typical
        weekday (:func:`access.io.gtfs.typical_service_date`, said in
        ``transit.date_note``). A query with a dated departure routes that day instead
        (:meth:`Network.transit_on`, built from the same feeds on first use).
    transit_settings
        Station penalties, walking limits, max transfers (:class:`TransitSettings`).
    cache, cache_dir
        Reuse networks cached under a key hashed from the file's bytes and every
        parameter (default folder: :func:`access.network.cache.default_cache_dir`).
    elevation, elevation_settings
        A GeoTIFF digital elevation model (metres): walking and cycling times follow the
        slopes, per direction (Tobler / Minetti, :mod:`access.network.elevation`); car
        times do not change. Default: none (flat). The cache key includes the DEM's bytes.
    """
    modes = tuple(m for m in dict.fromkeys(modes) if m != "transit")
    want_transit = bool(gtfs) or bool(rail_specs)
    if want_transit and "walk" not in modes:
        modes = ("walk", *modes)
    if not modes:
        raise InputError(f"no modes given; use some of {', '.join(MODES)}.")
    for mode in modes:
        check_mode(mode)
    settings = settings or StreetSettings()
    path = check_osm_path(Path(osm))
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = file_digest(path)
    clip = [list(bbox) if bbox is not None else None, polygon.wkt if polygon is not None else None]
    slopes = _Slopes.of(elevation, elevation_settings)

    def street_key(mode: str) -> str:
        # car speeds follow the data's country (a car network knows its table)
        by_country = [_CAR_SPEEDS_KEY] if mode == "car" else []
        return cache_key(digest, clip, settings.model_dump(), mode, *slopes.key_parts(mode), *by_country)

    streets: dict[str, StreetNetwork] = {}
    car_speeds: CarSpeeds | None = None
    missing = []
    for mode in modes:
        file = folder / f"street-{mode}-{street_key(mode)}.npz"
        cached = load_cached(file, _cached_street, check_street_arrays) if cache else None
        if cached is not None:
            streets[mode], speeds = cached
            car_speeds = speeds if mode == "car" else car_speeds
            continue
        missing.append((mode, file))
    if missing:
        started = time.perf_counter()
        bar = tqdm(total=1 + len(missing), desc="building networks", disable=not progress, unit="step")
        bar.set_postfix_str(f"reading {path.name}")
        ways = read_osm_ways(path, bbox=bbox, polygon=polygon)
        bar.update()
        for mode, file in missing:
            bar.set_postfix_str(mode)
            extra = {}
            mode_settings = settings
            if mode == "car":
                car_speeds = resolve_car_speeds(settings, ways.lon, ways.lat)
                mode_settings = settings.model_copy(update={"car_speeds_kmh": car_speeds.table})
                extra["car_speeds"] = np.array(json.dumps(car_speeds.to_dict()))
            streets[mode] = slopes.apply(StreetNetwork.from_osm(ways, mode, mode_settings))
            if cache:
                store_cached(file, {**streets[mode].to_arrays(), **extra})
            bar.update()
        bar.set_postfix_str(f"done in {time.perf_counter() - started:.1f} s")
        bar.close()
    source = {"osm": str(path), "sha256": digest, "bbox": bbox}
    if car_speeds is not None:
        source["car_speeds"] = car_speeds.to_dict()
    if slopes.path is not None:
        source["elevation"] = {"dem": str(slopes.path), "sha256": slopes.digest, **slopes.settings.model_dump()}
    transit_settings = transit_settings or TransitSettings()
    transit = timetables = None
    if want_transit:
        walk_key = street_key("walk")
        timetables = TransitSource(
            [Path(p) for p in gtfs],
            [Path(p) for p in rail_specs],
            streets["walk"],
            walk_key,
            transit_settings,
            folder,
            cache,
            osm=path,
        )
        transit = timetables.on(service_date, progress=progress)
        source |= {"gtfs": [str(p) for p in gtfs], "rail_specs": [str(p) for p in rail_specs]}
    return Network(
        streets=MappingProxyType({m: streets[m] for m in modes}),
        source=source,
        transit=transit,
        transit_settings=transit_settings,
        timetables=timetables if want_transit else None,
    )


@dataclass(frozen=True)
class _Slopes:
    """The elevation model of one build (or none): its cache key parts and how it changes
    a street network's edge times."""

    path: Path | None
    digest: str | None
    settings: ElevationSettings

    @classmethod
    def of(cls, elevation, settings: ElevationSettings | None) -> _Slopes:
        settings = settings or ElevationSettings()
        if elevation is None:
            return cls(None, None, settings)
        path = Path(elevation)
        if not path.is_file():
            raise InputError(f"elevation model {path} does not exist; check the path.")
        return cls(path, file_digest(path), settings)

    def key_parts(self, mode: str) -> list:
        if self.path is None or mode not in ELEVATION_MODES:
            return []  # flat networks keep their cache keys
        return [["elevation", self.digest, self.settings.model_dump()]]

    def apply(self, street: StreetNetwork) -> StreetNetwork:
        """``street`` with slope-adjusted edge times (walk and bike; others unchanged)."""
        if self.path is None or street.mode not in ELEVATION_MODES:
            return street
        dem = read_dem(self.path, street.bounds())
        u, v = street.tails, street.indices
        a, b = np.minimum(u, v), np.maximum(u, v)  # one profile per street, both directions
        factor, outside = edge_time_factors(
            dem,
            street.lon[a],
            street.lat[a],
            street.lon[b],
            street.lat[b],
            street.length_m,
            self.settings.cost_function.get(street.mode, "tobler"),
            self.settings,
            reverse=u > v,
        )
        if outside == street.n_edges:
            raise InputError(
                f"elevation model {self.path} has no data under the {street.mode} network; "
                "check that it covers the area (and its CRS)."
            )
        if outside:
            warnings.warn(
                f"{outside:,} of {street.n_edges:,} {street.mode} edges lie outside the elevation model "
                f"{self.path.name} (or on no-data cells): treated as flat.",
                RuntimeWarning,
                stacklevel=4,
            )
        travel = adjusted_seconds(street.travel_s, factor, self.settings.averaging)
        return replace(street, travel_s=travel)  # the flat network is discarded, never shared


class TransitSource:
    """The GTFS feeds and rail specs of a network, built into a :class:`TransitNetwork`
    per service date on demand: each day once, cached on disk like the first and kept in
    memory for the :data:`MAX_DATES_IN_MEMORY` most recent days (thread-safe)."""

    def __init__(
        self,
        gtfs: Sequence[Path],
        rail_specs: Sequence[Path],
        walk: StreetNetwork,
        walk_key: str,
        settings: TransitSettings,
        folder: Path,
        cache: bool,
        osm: Path | None = None,
    ) -> None:
        for p in [*gtfs, *rail_specs]:
            if not p.exists():
                raise InputError(f"transit input {p} does not exist; check the path.")
        for p in rail_specs:
            if not p.is_file():
                raise InputError(f"rail spec {p} is a folder; give a rail spec .yaml file.")
        self.gtfs, self.rail_specs = tuple(gtfs), tuple(rail_specs)
        self.walk, self.walk_key, self.settings = walk, walk_key, settings
        self.folder, self.cache, self.osm = folder, cache, osm
        digests = [file_digest(p) if p.is_file() else str(sorted(f.stat().st_mtime for f in p.iterdir())) for p in gtfs]
        self._digests = digests + [file_digest(p) for p in rail_specs]
        self._dates: OrderedDict[str, TransitNetwork] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TransitSource({len(self.gtfs)} GTFS feeds, {len(self.rail_specs)} rail specs)"

    def on(self, service_date, *, progress: bool = False) -> TransitNetwork:
        """The transit network of ``service_date`` (``None``: the feeds' typical weekday)."""
        key = "typical" if service_date is None else str(_iso_date(service_date))
        with self._lock:
            if key in self._dates:
                self._dates.move_to_end(key)
                return self._dates[key]
            transit = self._build(None if service_date is None else _iso_date(service_date), progress)
            self._dates[key] = transit
            while len(self._dates) > MAX_DATES_IN_MEMORY:
                self._dates.popitem(last=False)
            return transit

    def _build(self, service_date: dt.date | None, progress: bool) -> TransitNetwork:
        key = cache_key(
            "transit", self._digests, str(service_date or "typical"), self.settings.build_fields(), self.walk_key
        )
        file = self.folder / f"transit-{key}.npz"
        cached = load_cached(file, TransitNetwork.from_arrays, check_transit_arrays) if self.cache else None
        if cached is not None:
            return cached
        bar = tqdm(total=3, desc="building transit", disable=not progress, unit="step")
        specs = [read_rail_spec(p) for p in self.rail_specs]
        names = _unique_names([p.name.split(".")[0] for p in self.gtfs] + [f"rail_{p.stem}" for p in self.rail_specs])
        sources = [*self.gtfs, *[rail_spec_to_gtfs(spec) for spec in specs]]
        bar.set_postfix_str("reading feeds")
        feed = read_gtfs_feeds(
            sources, service_date=service_date, names=names, interpolation=self.settings.interpolation
        )
        bar.update()
        bar.set_postfix_str("patterns and transfers")
        rail_feeds = frozenset(names[len(self.gtfs) :])
        parks = read_car_parks(self.osm) if self.osm is not None else None
        transit = TransitNetwork.from_feed(feed, self.walk, self.settings, rail_feeds=rail_feeds, car_parks=parks)
        bar.update()
        if self.cache:
            store_cached(file, transit.to_arrays())
        bar.update()
        bar.close()
        return transit


def _iso_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"service date {value!r} is not YYYY-MM-DD.") from None


def _cached_street(arrays: dict[str, np.ndarray]) -> tuple[StreetNetwork, CarSpeeds | None]:
    """A cached street network and, for cars, the speed table it was built with (an entry
    without one is inconsistent: KeyError, so it is rebuilt)."""
    street = StreetNetwork.from_arrays(arrays)
    speeds = CarSpeeds.from_dict(json.loads(str(arrays["car_speeds"]))) if street.mode == "car" else None
    return street, speeds


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
