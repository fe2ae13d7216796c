"""The map page at ``/`` and the street lines it draws as its (offline) background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, JSONResponse

from api.deps import get_service
from api.schemas import StreetMode
from api.state import ServiceState

__all__ = ["router", "STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_DECIMALS = 5  # degrees: about 1 m, plenty for a background drawing

router = APIRouter(tags=["map page"])


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    """The isochrone map page (HTML + a small script, no external resources)."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@router.get("/static/map.js", include_in_schema=False)
def script() -> FileResponse:
    """The map page's script."""
    return FileResponse(STATIC_DIR / "map.js", media_type="text/javascript")


@router.get("/networks/{name}/streets", summary="Street lines of a network (GeoJSON), for drawing")
def streets(name: str, mode: StreetMode = Query("car"), service: ServiceState = Depends(get_service)) -> JSONResponse:
    """One MultiLineString feature with every street edge of ``mode`` once (EPSG:4326)."""
    street = service.region(name).network.street(mode)
    u, v = street.tails.astype(np.int64), street.indices.astype(np.int64)
    once = u < v  # two-way streets appear in both directions; one-way ones once
    reverse = np.zeros(len(u), dtype=bool)
    if (~once).any():  # keep a one-way edge (u > v) unless its reverse exists
        key = u * street.n_nodes + v
        rkey = v * street.n_nodes + u
        reverse = np.isin(rkey, key[once])
    keep = once | ~reverse
    lon = np.round(street.lon, _DECIMALS)
    lat = np.round(street.lat, _DECIMALS)
    lines = np.stack(
        [np.column_stack([lon[u[keep]], lat[u[keep]]]), np.column_stack([lon[v[keep]], lat[v[keep]]])], axis=1
    )
    feature = {
        "type": "Feature",
        "properties": {"mode": mode, "edges": int(keep.sum())},
        "geometry": {"type": "MultiLineString", "coordinates": lines.tolist()},
    }
    return JSONResponse({"type": "FeatureCollection", "features": [feature]})
