"""Opportunities in: zones or points with counts (population, jobs, schools, ...), EPSG:4326."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from access.errors import InputError
from access.io.points import as_points

__all__ = ["read_opportunities", "count_values", "KNOWN_COUNT_COLUMNS", "OPPORTUNITY_SUFFIXES"]

OPPORTUNITY_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".parquet")
# Columns that are counts when present (must be numeric and >= 0); any other numeric
# column is kept as a count too.
KNOWN_COUNT_COLUMNS = (
    "population",
    "jobs",
    "schools",
    "hospitals",
    "healthcare",
    "clinics",
    "students",
    "workers",
    "gdp",
    "households",
    "beds",
)
_COORDINATE_COLUMNS = ("lon", "lng", "longitude", "x", "lat", "latitude", "y")
_NOT_COUNTS = {"id", "h3", "class", "county", "name", "kind", *_COORDINATE_COLUMNS}


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"opportunities file {path} does not exist; check the path.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".geojson", ".json"):
            frame = gpd.read_file(path)
            return frame if frame.crs is not None else frame.set_crs(4326)  # RFC 7946: WGS 84
        if suffix == ".gpkg":
            frame = gpd.read_file(path)
        elif suffix == ".parquet":
            try:
                frame = gpd.read_parquet(path)
            except ValueError:  # a plain Parquet table (no geometry metadata): lon/lat columns
                return pd.read_parquet(path)
        else:
            raise InputError(
                f"cannot read opportunities from {path.name}; use one of {', '.join(OPPORTUNITY_SUFFIXES)}."
            )
    except InputError:
        raise
    except Exception as exc:  # the readers raise many types for malformed files
        raise InputError(f"cannot read opportunities from {path}: {exc}") from None
    if frame.crs is None:
        raise InputError(
            f"{path.name} has no coordinate reference system; set one (e.g. EPSG:4326) "
            "when writing it, or give a CSV with lon/lat columns."
        )
    return frame


def _h3_cells(ids: pd.Series, what: str) -> tuple[np.ndarray, list]:
    """Cell centres (lon, lat) and polygons of H3 cell ids (h3 v4)."""

    cells = ids.astype(str).str.strip().to_numpy()
    bad = [c for c in cells if not h3.is_valid_cell(c)]
    if bad:
        raise InputError(f"{what}: {len(bad)} ids are not H3 cells (first: {bad[0]!r}).")
    centres = np.array([h3.cell_to_latlng(c)[::-1] for c in cells], dtype=float)
    polygons = [shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(c)]) for c in cells]
    return centres, polygons


def count_values(frame: pd.DataFrame, column: str, what: str = "counts") -> np.ndarray:
    """float64 counts of ``column`` (people, jobs); empty cells count 0, text that is not
    a number is an :class:`InputError` naming the column (never silently 0)."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        raise InputError(
            f"{what}: column {column!r} has {int(bad.sum())} values that are not numbers (first: {raw[bad].iloc[0]!r})."
        )
    return values.fillna(0).to_numpy(np.float64)


def read_opportunities(
    source,
    *,
    id_column: str = "id",
    class_column: str | None = "class",
    county_column: str | None = None,
    representation: str = "representative",
    h3: bool = False,
    count_columns: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Opportunities (zones or points with counts) as points in EPSG:4326.

    Parameters
    ----------
    source
        CSV with lon/lat columns, GeoJSON, GeoPackage, GeoParquet (points or polygons), a
        GeoDataFrame or a DataFrame with lon/lat. A column ``h3`` of H3 cell ids (or, with
        ``h3=True``, ids that are H3 cells) places each row at its cell centre.
    id_column
        Column of unique ids (default ``id``; the row number when absent).
    class_column, county_column
        Optional grouping columns (``class``: rural/urban, lower-cased); naming a column
        that is not there is an error (the default ``class`` is optional).
    representation
        Polygons become a ``"representative"`` point (always inside) or their
        ``"centroid"`` (computed in the local UTM zone); the polygon is kept in
        ``zone_geometry``.
    count_columns
        Count columns to check (numeric, ≥ 0; empty cells count as 0 with a warning);
        default: every numeric column plus any of KNOWN_COUNT_COLUMNS.

    Returns
    -------
    GeoDataFrame ``id``, the counts, ``class``/``county`` when given, other attributes,
    point ``geometry`` (EPSG:4326) and, for polygons and H3 cells, ``zone_geometry``.
    """
    if representation not in ("representative", "centroid"):
        raise InputError(f"representation must be 'representative' or 'centroid', got {representation!r}.")
    what = "opportunities"
    if isinstance(source, str | Path):
        path = Path(source)
        what = f"opportunities in {path.name}"
        frame = _read(path)
    elif isinstance(source, pd.DataFrame):
        frame = source.copy()
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
            raise InputError("opportunities GeoDataFrame has no CRS; set it, e.g. frame.set_crs(4326).")
    else:
        raise InputError(
            f"cannot read opportunities from {type(source).__name__}; give a file path or a (Geo)DataFrame."
        )
    if len(frame) == 0:
        raise InputError(f"{what}: the table is empty.")
    if id_column != "id" and id_column not in frame:
        raise InputError(f"{what}: id column {id_column!r} not found; columns: {', '.join(map(str, frame.columns))}.")
    zone_geometry = None
    h3_source = "h3" if "h3" in frame.columns else (id_column if h3 else None)
    if h3 and id_column not in frame and "h3" not in frame:
        raise InputError(f"{what}: h3=True needs H3 cell ids in column {id_column!r} or 'h3'.")
    if h3_source is not None and (h3 or not isinstance(frame, gpd.GeoDataFrame)):
        centres, polygons = _h3_cells(frame[h3_source], what)
        base = pd.DataFrame(frame.drop(columns=[frame.geometry.name]) if isinstance(frame, gpd.GeoDataFrame) else frame)
        base = base.drop(columns=[c for c in base.columns if str(c).lower() in _COORDINATE_COLUMNS])
        base["lon"], base["lat"] = centres[:, 0], centres[:, 1]
        if id_column not in base:
            base[id_column] = frame[h3_source].astype(str).to_numpy()
        frame = base
        zone_geometry = gpd.GeoSeries(polygons, crs=4326)
    elif isinstance(frame, gpd.GeoDataFrame):
        frame = frame.to_crs(4326)
        geometry = frame.geometry
        empty = geometry.isna() | geometry.is_empty
        if empty.any():
            raise InputError(f"{what}: {int(empty.sum())} rows have no geometry (coordinates).")
        is_area = geometry.geom_type.isin(["Polygon", "MultiPolygon"])
        if is_area.any():
            zone_geometry = geometry.where(is_area, None).reset_index(drop=True)
            if representation == "centroid":
                utm = geometry.estimate_utm_crs()
                points = geometry.to_crs(utm).centroid.to_crs(4326)
            else:
                points = geometry.representative_point()
            frame = frame.set_geometry(points.where(is_area, geometry))
    else:
        lon = [c for c in frame.columns if str(c).lower() in ("lon", "lng", "longitude", "x")]
        lat = [c for c in frame.columns if str(c).lower() in ("lat", "latitude", "y")]
        if not lon or not lat:
            raise InputError(
                f"{what}: no coordinates; need lon and lat columns (EPSG:4326), an 'h3' cell "
                f"column, or a geometry. Columns: {', '.join(map(str, frame.columns))}."
            )
        coords = frame[[lon[0], lat[0]]].apply(pd.to_numeric, errors="coerce")
        missing = coords.isna().any(axis=1)
        if missing.any():
            raise InputError(
                f"{what}: {int(missing.sum())} rows have missing or non-numeric lon/lat "
                f"(first: row {int(np.flatnonzero(missing)[0])})."
            )
    points = as_points(frame, id_column=id_column, what=what).to_frame()
    if zone_geometry is not None:
        points["zone_geometry"] = gpd.GeoSeries(zone_geometry.to_numpy(), crs=4326)
    return _validate(points, what, class_column, county_column, count_columns)


def _validate(points: gpd.GeoDataFrame, what: str, class_column, county_column, count_columns) -> gpd.GeoDataFrame:
    for role, column in (("class", class_column), ("county", county_column)):
        if column is None:
            continue
        if column not in points:
            if role == "class" and column == "class":
                continue  # the default class column is optional
            raise InputError(
                f"{what}: {role} column {column!r} not found; columns: {', '.join(map(str, points.columns))}."
            )
        values = points[column]
        if role == "class":
            values = values.astype("string").str.strip().str.lower()
        points = points.drop(columns=column)
        points[role] = values.to_numpy()
    if count_columns is None:
        candidates = [c for c in points.columns if c not in _NOT_COUNTS and c not in ("geometry", "zone_geometry")]
        counts = [
            c
            for c in candidates
            if pd.api.types.is_numeric_dtype(points[c]) and not pd.api.types.is_bool_dtype(points[c])
        ]
        counts += [c for c in candidates if str(c).lower() in KNOWN_COUNT_COLUMNS and c not in counts]
    else:
        missing = [c for c in count_columns if c not in points]
        if missing:
            raise InputError(f"{what}: count column(s) {', '.join(map(repr, missing))} not found.")
        counts = list(count_columns)
    empty_cells: list[str] = []
    for column in counts:
        values = pd.to_numeric(points[column], errors="coerce")
        bad = values.isna() & points[column].notna()
        if bad.any():
            raise InputError(
                f"{what}: count column {column!r} is not numeric "
                f"(e.g. {points[column][bad].iloc[0]!r}); counts must be numbers."
            )
        if values.isna().any():  # real grids leave empty cells (poa_hexgrid.csv: 5 jobs)
            empty_cells.append(f"{column!r} has {int(values.isna().sum())} empty values")
            values = values.fillna(0)
        if (values < 0).any():
            first = points["id"][values < 0].iloc[0]
            raise InputError(
                f"{what}: count column {column!r} has {int((values < 0).sum())} negative values "
                f"(first: id {first!r}); counts must be >= 0."
            )
        if not np.isfinite(values).all():
            raise InputError(f"{what}: count column {column!r} has infinite values.")
        points[column] = values.to_numpy()
    if empty_cells:
        warnings.warn(f"{what}: {', '.join(empty_cells)}; counted as 0.", stacklevel=3)
    if "population" in points and float(points["population"].sum()) == 0:
        warnings.warn(f"{what}: total population is 0; population-weighted summaries will be NaN.", stacklevel=2)
    return points
