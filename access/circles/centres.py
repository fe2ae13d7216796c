"""Centres of commuting circles as users name them: zones, coordinates, station files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from access.errors import InputError
from access.io.zones import ZONE_SUFFIXES

__all__ = ["centre_specs"]

_FILE_SUFFIXES = tuple(s for s in ZONE_SUFFIXES if s != ".csv")  # a CSV name is taken as a zone name


def centre_specs(
    names: Sequence[str] | None = None, lonlats: Sequence[tuple[float, float]] | None = None
) -> dict[str, object]:
    """Centres for :func:`access.commuting_circles`, in the order given, keyed by label.

    ``names`` are zone names or ids, or paths of vector files (stations, or a core
    polygon: GeoJSON, GeoPackage, GeoParquet, shapefile) read here and labelled by their
    stem; ``lonlats`` are ``(lon, lat)`` pairs in EPSG:4326, labelled ``"lon,lat"``.
    """
    specs: dict[str, object] = {}
    for name in names or []:
        path = Path(name)
        if path.suffix.lower() in _FILE_SUFFIXES:
            if not path.is_file():
                raise InputError(f"centre file {path} does not exist; check the path.")
            specs[path.stem] = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
        else:
            specs[name] = name
    for lon, lat in lonlats or []:
        specs[f"{lon:.5f},{lat:.5f}"] = (lon, lat)
    if not specs:
        raise InputError("give a centre: --centre NAME (a zone), --centre FILE, or --centre-lon X --centre-lat Y.")
    return specs
