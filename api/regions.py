"""Regions the service routes on: region configs, the built-in sample region, loading networks."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import yaml

from access.errors import InputError
from access.io.gtfs import gtfs_date_range
from access.io.opportunities import read_opportunities
from access.io.points import read_points
from access.network import Network, build_network
from access.sample.cluster import SampleRegion, write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit
from api.settings import LayerConfig, RegionConfig, Settings, read_region_config

__all__ = ["LoadedRegion", "sample_region_config", "region_configs", "load_region", "network_info"]

log = logging.getLogger("api.regions")

SAMPLE_NAME = "sample"


@dataclass(eq=False)
class LoadedRegion:
    """A region in memory: its network and named point layers, shared by every request."""

    config: RegionConfig
    network: Network
    opportunities: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    zones: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    load_s: float = 0.0
    feed_dates: dict[str, tuple[str, str]] = field(default_factory=dict)  # GTFS file -> first, last day

    @property
    def name(self) -> str:
        return self.config.name


def sample_region_config(data_dir: str | Path) -> RegionConfig:
    """The built-in sample city cluster (OSM, buses, intercity HSR spec, places), written
    into ``data_dir/sample`` on first use, with its config saved as ``region.yaml`` there."""

    folder = Path(data_dir) / SAMPLE_NAME
    osm, places = folder / "sample_region.osm.pbf", folder / "places.csv"
    buses, spec = folder / "sample_buses.zip", folder / "sample_intercity.yaml"
    if not (osm.is_file() and places.is_file()):
        log.info("writing the built-in sample region into %s", folder)
        region = write_sample_region(folder)
        osm, places = region.osm_pbf, region.places_csv
    if not (buses.is_file() and spec.is_file()):
        feeds = write_sample_transit(SampleRegion(osm, places, (0, 0, 0, 0)), folder)
        buses, spec = feeds["buses"], feeds["rail_spec"]
    config = RegionConfig(
        name=SAMPLE_NAME,
        osm=osm,
        modes=["walk", "bike", "car"],
        gtfs=[buses],
        rail_specs=[spec],
        service_date=SAMPLE_SERVICE_DATE,
        opportunities={"places": LayerConfig(path=places)},
        zones={"places": LayerConfig(path=places)},
    )
    text = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    target = folder / "region.yaml"
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        tmp = folder / ".region.yaml.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return config


def region_configs(settings: Settings) -> list[RegionConfig]:
    """Configs of ``settings.regions``, or the sample region when none is given."""
    if not settings.regions:
        return [sample_region_config(settings.data_dir)]
    configs = [read_region_config(p) for p in settings.regions]
    names = [c.name for c in configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"region names must be unique; {', '.join(duplicates)} appears twice.")
    return configs


def _read_layer(layer: LayerConfig, kind: str) -> gpd.GeoDataFrame:
    """A point layer through the library's readers (opportunity columns kept)."""
    if kind == "opportunities":
        return read_opportunities(layer.path, id_column=layer.id_column)
    return read_points(layer.path, id_column=layer.id_column)


def load_region(config: RegionConfig, settings: Settings) -> LoadedRegion:
    """Build (or load from the cache) the region's network and read its layers."""
    started = time.perf_counter()
    log.info("loading network %r from %s", config.name, config.osm)
    network = build_network(
        config.osm,
        modes=tuple(config.modes),
        bbox=config.bbox,
        gtfs=config.gtfs,
        rail_specs=config.rail_specs,
        service_date=config.service_date,
        cache_dir=settings.cache_dir,
        progress=False,
        elevation=config.elevation,
    )
    opportunities = {name: _read_layer(layer, "opportunities") for name, layer in config.opportunities.items()}
    zones = {name: _read_layer(layer, "zones") for name, layer in config.zones.items()}

    feed_dates = {}
    for feed in config.gtfs:  # the days each feed has service: what a departure date may be
        first, last = gtfs_date_range(feed)
        feed_dates[Path(feed).name] = (first.isoformat(), last.isoformat())
    elapsed = time.perf_counter() - started
    log.info("network %r ready in %.1f s: %r", config.name, elapsed, network)
    return LoadedRegion(config, network, opportunities, zones, elapsed, feed_dates)


def network_info(region: LoadedRegion) -> dict:
    """Name, bbox, modes, sizes, feeds and service date of a loaded region."""
    network = region.network
    bounds = [street.bounds() for street in network.streets.values()]
    bbox = [min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds)]
    transit = network.transit
    return {
        "name": region.name,
        "bbox": bbox,
        "modes": list(network.modes),
        "streets": {m: {"nodes": s.n_nodes, "edges": s.n_edges} for m, s in network.streets.items()},
        "transit": None
        if transit is None
        else {
            "stops": transit.n_stops,
            "routes": len(transit.route_id),
            "patterns": transit.n_patterns,
            "trips": transit.n_trips,
        },
        "feeds": [Path(p).name for p in [*region.config.gtfs, *region.config.rail_specs]],
        "service_date": None if transit is None else transit.service_date,
        "feed_date_ranges": {name: list(days) for name, days in region.feed_dates.items()},
        "opportunity_layers": {k: len(v) for k, v in region.opportunities.items()},
        "zone_layers": {k: len(v) for k, v in region.zones.items()},
        "load_s": round(region.load_s, 3),
    }
