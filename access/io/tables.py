"""One reader for every table of points: origins, opportunities, places and zones.

:func:`read_points` reads a file (CSV with lon/lat, GeoJSON, GeoPackage, GeoParquet) or
takes a (Geo)DataFrame, and a *preset* says what the rows are and how they are checked:

=================  =========================================================================
``"points"``       ids and points (origins, destinations): :func:`access.io.points.as_points`
``"opportunities"`` zones or points with counts (jobs, population, …), polygons kept in
                   ``zone_geometry``, H3 cells: :func:`access.io.opportunities.read_opportunities`
``"places"``       towns, counties, prefecture seats with standard columns (name, local name,
                   admin code, population): :func:`access.io.places.as_places`
``"zones"``        zones as given, points or polygons, any CRS: :func:`access.io.zones.read_zones`
=================  =========================================================================

A new kind of table (say ``"counties"``) is one entry in :data:`POINT_TABLES`: a function
taking the source and keyword options, returning a GeoDataFrame in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from access.errors import InputError
from access.io.opportunities import read_opportunities
from access.io.places import as_places, read_places
from access.io.points import as_points
from access.io.points import read_points as _read_point_file
from access.io.zones import read_zones

__all__ = ["read_points", "POINT_TABLES", "PointTable"]


@dataclass(frozen=True)
class PointTable:
    """A preset of :func:`read_points`: how one kind of table is read and checked."""

    read: Callable[..., gpd.GeoDataFrame]  # (source, **options) -> GeoDataFrame, EPSG:4326
    summary: str  # one line for the docs and for error messages


def _points(source, *, id_column: str = "id") -> gpd.GeoDataFrame:
    if isinstance(source, str | Path):
        return _read_point_file(source, id_column=id_column)
    return as_points(source, id_column=id_column).to_frame()


def _places(source, **options) -> gpd.GeoDataFrame:
    if isinstance(source, str | Path):
        return read_places(source, **options)
    return as_places(source, **options)


def _zones(source) -> gpd.GeoDataFrame:
    if isinstance(source, str | Path):
        return read_zones(source)
    if isinstance(source, gpd.GeoDataFrame):
        return source
    return as_points(source, what="zones").to_frame()


POINT_TABLES: dict[str, PointTable] = {
    "points": PointTable(_points, "ids and points (origins, destinations); options: id_column"),
    "opportunities": PointTable(
        read_opportunities,
        "zones or points with counts; options: id_column, class_column, county_column, representation, h3, "
        "count_columns",
    ),
    "places": PointTable(_places, "towns, counties, prefectures with standard columns; options: units, columns"),
    "zones": PointTable(_zones, "zones kept as given (points or polygons, any CRS)"),
}


def read_points(source: str | Path | pd.DataFrame, *, preset: str = "points", **options) -> gpd.GeoDataFrame:
    """Points from a file or a (Geo)DataFrame, read as ``preset`` says (EPSG:4326).

    Parameters
    ----------
    source
        A CSV (``id,lon,lat``; ``lng``/``longitude``/``x`` and ``latitude``/``y`` work too),
        GeoJSON, GeoPackage or GeoParquet file, or a (Geo)DataFrame.
    preset
        What the rows are: ``"points"`` (default: ids and points), ``"opportunities"``
        (counts checked, polygons kept), ``"places"`` (standard place columns) or
        ``"zones"`` (geometry kept as given); see :data:`POINT_TABLES`.
    options
        The preset's own options, e.g. ``id_column="code"``, ``h3=True``, ``units=10_000``.

    Returns
    -------
    GeoDataFrame with ``id`` and the preset's columns; a missing or malformed file, or a
    column it needs, is an :class:`~access.errors.InputError` saying what to fix.
    """
    table = POINT_TABLES.get(preset)
    if table is None:
        raise InputError(f"unknown preset {preset!r} for read_points; use one of {', '.join(POINT_TABLES)}.")
    try:
        return table.read(source, **options)
    except TypeError as exc:  # an option the preset does not take
        if "unexpected keyword" not in str(exc):
            raise
        raise InputError(f"read_points(preset={preset!r}): {exc}; it takes: {table.summary}.") from None
