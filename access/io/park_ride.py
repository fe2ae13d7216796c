"""Park-and-ride car parks from OSM: nodes and areas tagged ``park_ride`` (not ``no``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pandas as pd

from access.errors import InputError

__all__ = ["read_car_parks"]


def _is_park_ride(tags) -> bool:
    """R5's rule (StreetLayer.isParkAndRide): any ``park_ride`` value but ``no``; OSM tags
    such car parks ``amenity=parking`` + ``park_ride=yes|bus|train|…``."""
    value = tags.get("park_ride")
    return value is not None and value.strip().lower() != "no"


def read_car_parks(path: str | Path) -> pd.DataFrame:
    """Park-and-ride car parks of an OSM extract: ``name``, ``lon``, ``lat`` (EPSG:4326),
    ``osm_id`` (``n123`` / ``w456``); a way (a car park drawn as an area) is placed at the
    mean of its node locations. An extract without any gives an empty table."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"OSM file {path} does not exist; check the path.")
    rows = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("park_ride"))
        )
        for obj in processor:
            if not _is_park_ride(obj.tags):
                continue
            if obj.is_node():
                lon, lat = obj.location.lon, obj.location.lat
            else:
                points = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                if not points:
                    continue
                lon, lat = np.mean(points, axis=0)
            name = obj.tags.get("name") or f"car park {obj.type_str()}{obj.id}"
            rows.append((name, float(lon), float(lat), f"{obj.type_str()}{obj.id}"))
    except RuntimeError as exc:  # libosmium reports unreadable input this way
        raise InputError(f"cannot read OSM file {path}: {exc}") from None
    return pd.DataFrame(rows, columns=["name", "lon", "lat", "osm_id"])
