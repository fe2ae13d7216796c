"""Formatting between JSON bodies and the library's (Geo)DataFrames; no analysis here."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from access.errors import InputError
from access.io.rounding import round_for_output
from api.schemas import PointCollection

__all__ = [
    "points_frame",
    "count_points",
    "geojson_bytes",
    "geojson_dict",
    "matrix_body",
    "json_safe",
    "records",
    "dumps",
]


def count_points(points: list | PointCollection) -> int:
    return len(points.features) if isinstance(points, PointCollection) else len(points)


def points_frame(points: list | PointCollection) -> Any:
    """What :func:`access.as_points` reads: a list of (lon, lat), or a GeoDataFrame with ``id``
    from each feature's ``properties.id`` (else its ``id``, else the row number)."""
    if not isinstance(points, PointCollection):
        return [tuple(p) for p in points]
    features = []
    for k, feature in enumerate(points.features):
        properties = dict(feature.properties or {})
        if "geometry" in properties:
            raise InputError(f"point {k}: 'geometry' is reserved; rename that property.")
        if "id" not in properties and feature.id is not None:
            properties["id"] = feature.id
        if isinstance(properties.get("id"), dict | list):
            raise InputError(f"point {k}: id must be a string or a number, got {properties['id']!r}.")
        features.append({"type": "Feature", "geometry": feature.geometry.model_dump(), "properties": properties})
    return gpd.GeoDataFrame.from_features(features, crs=4326)


def json_safe(value: Any) -> Any:
    """Numpy scalars and NaN/inf made JSON-able (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """A GeoJSON FeatureCollection (EPSG:4326) of ``frame``; NaN -> null, numbers rounded
    for people (``round_for_output``)."""
    return round_for_output(frame.to_crs(4326)).to_json(drop_id=True, na="null").encode()


def _nullable(matrix: np.ndarray) -> list[list[float | None]]:
    values = matrix.astype(object)
    values[~np.isfinite(matrix)] = None
    return values.tolist()


def matrix_body(
    table: pd.DataFrame, n_origins: int, n_destinations: int, network: str, mode: str, warnings: list[str]
) -> dict:
    """The library's origin-major long table as ``origin_ids``, ``destination_ids`` and one
    ``(n_origins, n_destinations)`` matrix per travel-time column."""
    columns = [c for c in table.columns if c not in ("from_id", "to_id")]
    table = round_for_output(table)
    return {
        "network": network,
        "mode": mode,
        "origin_ids": json_safe(table["from_id"].to_numpy()[::n_destinations].tolist()),
        "destination_ids": json_safe(table["to_id"].to_numpy()[:n_destinations].tolist()),
        "matrices": {
            c: _nullable(table[c].to_numpy(dtype=float, na_value=np.nan).reshape(n_origins, n_destinations))
            for c in columns
        },
        "warnings": warnings,
    }


def dumps(body: Any) -> bytes:
    """JSON bytes; NaN and inf anywhere become null."""
    return json.dumps(json_safe(body), allow_nan=False).encode()


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON objects (NaN -> null, numpy -> Python), numbers rounded for people."""
    return json.loads(pd.DataFrame(round_for_output(frame)).to_json(orient="records", double_precision=15))


def geojson_dict(frame: gpd.GeoDataFrame | None) -> dict | None:
    return None if frame is None else json.loads(geojson_bytes(frame))
