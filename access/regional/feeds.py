"""Rail for regional networks: GTFS sources and rail line specs read into one merged feed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from access.errors import InputError
from access.io.gtfs import GtfsFeed, read_gtfs
from access.io.rail_spec import RailSpec, parse_rail_spec, rail_spec_to_gtfs, read_rail_spec

__all__ = ["read_rail_feeds"]


def _as_spec(item, k: int):
    if isinstance(item, RailSpec):
        return item
    if isinstance(item, Mapping):
        return parse_rail_spec(dict(item), label=f"rail spec #{k + 1}")
    return read_rail_spec(item)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count + 1}")
    return out


def read_rail_feeds(
    gtfs: Sequence = (), rail_specs: Sequence = (), *, gtfs_names: Sequence[str] | None = None, service_date=None
):
    """One merged :class:`~access.io.gtfs.GtfsFeed` of GTFS sources and rail specs.

    ``gtfs`` items: a path (.zip / folder), a mapping of GTFS tables
    (``{"stops": DataFrame, ...}``, as :func:`access.io.rail_spec.rail_spec_to_gtfs` gives) or
    an already read ``GtfsFeed``. ``rail_specs``: paths, :class:`RailSpec` objects or
    mappings. Ids are namespaced ``"name:id"`` (file stem, ``feed<k>``, ``rail_<slug>``).
    Returns ``(feed, rail_feed_names)``.
    """

    gtfs, rail_specs = list(gtfs or ()), list(rail_specs or ())
    if not gtfs and not rail_specs:
        raise InputError("no rail given: pass gtfs=[...] or rail_specs=[...].")
    specs = [_as_spec(item, k) for k, item in enumerate(rail_specs)]
    if gtfs_names is None:
        gtfs_names = [
            (s.name or f"feed{k}")
            if isinstance(s, GtfsFeed)
            else f"feed{k}"
            if isinstance(s, Mapping)
            else Path(s).name.split(".")[0]
            for k, s in enumerate(gtfs)
        ]
    if len(gtfs_names) != len(gtfs):
        raise InputError(f"gtfs_names has {len(gtfs_names)} names for {len(gtfs)} feeds.")
    names = _unique([*gtfs_names, *[f"rail_{s.slug}" for s in specs]])

    sources = [*gtfs, *[rail_spec_to_gtfs(s) for s in specs]]
    feeds = []
    for source, name in zip(sources, names, strict=True):
        if isinstance(source, GtfsFeed):
            if service_date is not None and str(source.service_date) != str(service_date):
                raise InputError(f"GTFS feed {name} was read for {source.service_date}, not {service_date}.")
            feed = source
        else:
            feed = read_gtfs(source, service_date=service_date, name=name)
        service_date = service_date or feed.service_date
        feeds.append(feed)
    merged = GtfsFeed(
        name="+".join(names),
        service_date=feeds[0].service_date,
        stops=pd.concat([f.stops for f in feeds], ignore_index=True),
        routes=pd.concat([f.routes for f in feeds], ignore_index=True),
        trips=pd.concat([f.trips for f in feeds], ignore_index=True),
        stop_times=pd.concat([f.stop_times for f in feeds], ignore_index=True),
        transfers=pd.concat([f.transfers for f in feeds], ignore_index=True),
        warnings=tuple(f"{n}: {w}" for f, n in zip(feeds, names, strict=True) for w in f.warnings),
        date_range=(min(f.date_range[0] for f in feeds), max(f.date_range[1] for f in feeds)),
    )
    return merged, frozenset(names[len(gtfs) :])
