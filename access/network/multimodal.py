"""Network: the street networks of a region (one per mode), and how to build them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from shapely.geometry.base import BaseGeometry
from tqdm.auto import tqdm

from access.config import MODES, StreetSettings, TransitSettings
from access.errors import CacheError, InputError
from access.io.osm import read_osm_ways
from access.network.cache import cache_key, default_cache_dir, file_digest, load_arrays, save_arrays
from access.network.street import StreetNetwork, check_mode
from access.network.transit import TransitNetwork

__all__ = ["Network", "build_network"]


@dataclass(frozen=True, eq=False)
class Network:
    """The routable networks of one region: a :class:`StreetNetwork` per street mode."""

    streets: Mapping[str, StreetNetwork]
    source: Mapping[str, object] = field(default_factory=dict)
    transit: TransitNetwork | None = None
    transit_settings: TransitSettings = field(default_factory=TransitSettings)

    @property
    def modes(self) -> tuple[str, ...]:
        """Street modes built, plus ``"transit"`` when a transit network is attached."""
        return tuple(self.streets) + (("transit",) if self.transit is not None else ())

    def require_transit(self) -> TransitNetwork:
        """The transit network; :class:`InputError` when none was built."""
        if self.transit is None:
            raise InputError("this network has no transit; pass gtfs=[...] or rail_specs=[...] to build_network.")
        return self.transit

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
        The day whose timetable is used (``"2019-05-13"``); default: the weekday with the
        most trips in the first GTFS feed (any day for rail specs alone).
    transit_settings
        Station penalties, walking limits, max transfers (:class:`TransitSettings`).
    cache, cache_dir
        Reuse networks cached under a key hashed from the file's bytes and every
        parameter (default folder: :func:`access.network.cache.default_cache_dir`).
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
    path = Path(osm)
    if not path.is_file():
        raise InputError(f"OSM file {path} does not exist; check the path.")
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = file_digest(path)
    clip = [list(bbox) if bbox is not None else None, polygon.wkt if polygon is not None else None]
    streets: dict[str, StreetNetwork] = {}
    missing = []
    for mode in modes:
        file = folder / f"street-{mode}-{cache_key(digest, clip, settings.model_dump(), mode)}.npz"
        if cache and file.exists():
            try:
                streets[mode] = StreetNetwork.from_arrays(load_arrays(file))
                continue
            except (CacheError, KeyError, ValueError):
                pass  # rebuilt below and overwritten
        missing.append((mode, file))
    if missing:
        started = time.perf_counter()
        bar = tqdm(total=1 + len(missing), desc="building networks", disable=not progress, unit="step")
        bar.set_postfix_str(f"reading {path.name}")
        ways = read_osm_ways(path, bbox=bbox, polygon=polygon)
        bar.update()
        for mode, file in missing:
            bar.set_postfix_str(mode)
            streets[mode] = StreetNetwork.from_osm(ways, mode, settings)
            if cache:
                save_arrays(file, streets[mode].to_arrays())
            bar.update()
        bar.set_postfix_str(f"done in {time.perf_counter() - started:.1f} s")
        bar.close()
    source = {"osm": str(path), "sha256": digest, "bbox": bbox}
    transit_settings = transit_settings or TransitSettings()
    transit = None
    if want_transit:
        walk_key = cache_key(digest, clip, settings.model_dump(), "walk")
        transit = _transit(
            [Path(p) for p in gtfs],
            [Path(p) for p in rail_specs],
            service_date,
            streets["walk"],
            walk_key,
            transit_settings,
            folder,
            cache,
            progress,
        )
        source |= {"gtfs": [str(p) for p in gtfs], "rail_specs": [str(p) for p in rail_specs]}
    return Network(
        streets=MappingProxyType({m: streets[m] for m in modes}),
        source=source,
        transit=transit,
        transit_settings=transit_settings,
    )


def _transit(
    gtfs: list[Path],
    rail_specs: list[Path],
    service_date,
    walk: StreetNetwork,
    walk_key: str,
    settings: TransitSettings,
    folder: Path,
    cache: bool,
    progress: bool,
) -> TransitNetwork:
    """Read feeds and rail specs for one service date into a cached TransitNetwork."""
    from access.io.gtfs import read_gtfs_feeds

    for p in [*gtfs, *rail_specs]:
        if not p.exists():
            raise InputError(f"transit input {p} does not exist; check the path.")
    digests = [file_digest(p) if p.is_file() else str(sorted(f.stat().st_mtime for f in p.iterdir())) for p in gtfs]
    digests += [file_digest(p) for p in rail_specs]
    key = cache_key("transit", digests, str(service_date), settings.model_dump(), walk_key)
    file = folder / f"transit-{key}.npz"
    if cache and file.exists():
        try:
            return TransitNetwork.from_arrays(load_arrays(file))
        except (CacheError, KeyError, ValueError):
            pass
    bar = tqdm(total=3, desc="building transit", disable=not progress, unit="step")
    if rail_specs:
        from access.io.rail_spec import rail_spec_to_gtfs, read_rail_spec

        specs = [read_rail_spec(p) for p in rail_specs]
    else:
        specs = []
    names = _unique_names([p.name.split(".")[0] for p in gtfs] + [f"rail_{p.stem}" for p in rail_specs])
    sources = [*gtfs, *[rail_spec_to_gtfs(spec) for spec in specs]]
    bar.set_postfix_str("reading feeds")
    feed = read_gtfs_feeds(sources, service_date=service_date, names=names)
    bar.update()
    bar.set_postfix_str("patterns and transfers")
    rail_feeds = frozenset(names[len(gtfs) :])
    transit = TransitNetwork.from_feed(feed, walk, settings, rail_feeds=rail_feeds)
    bar.update()
    if cache:
        save_arrays(file, transit.to_arrays())
    bar.update()
    bar.close()
    return transit


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
