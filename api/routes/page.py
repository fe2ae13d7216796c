"""The map page at ``/`` and the street lines it draws as its (offline) background.

With an API key set, the page is opened once as ``/?key=<the key>``: the key (a query
parameter accepted on this page only) is exchanged for a session cookie (HttpOnly,
SameSite=Strict, ``session_ttl_s``) and the browser is sent on to the same URL without the
key, so it stays out of history and logs; the page's requests then carry the cookie."""

from __future__ import annotations

import html
import secrets
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import get_service, session_token, valid_session
from api.errors import error_responses
from api.middleware import SESSION_COOKIE
from api.schemas import StreetMode
from api.state import ServiceState

__all__ = ["router", "page_router", "STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_DECIMALS = 5  # degrees: about 1 m, plenty for a background drawing

router = APIRouter(tags=["map page"])  # behind the API key
page_router = APIRouter(include_in_schema=False)  # the page itself: opens a session from ?key=

_LOGIN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>commuting-circles</title></head>
<body style="font: 14px system-ui, sans-serif; margin: 2em"><h1 style="font-size: 16px">API key needed</h1>
<p>{message}</p><p>Open this page as <code>/?key=&lt;your API key&gt;</code>: the key is exchanged for a
session cookie and removed from the address.</p></body></html>"""


@page_router.get("/")
def page(request: Request, key: str | None = Query(None), service: ServiceState = Depends(get_service)) -> Response:
    """The isochrone map page (HTML + a small script, no external resources)."""
    expected = service.settings.api_key
    if expected:
        if key is not None:
            if not secrets.compare_digest(key.encode(), expected.encode()):
                return HTMLResponse(_LOGIN.format(message="That key is wrong."), status_code=401)
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "key"]
            response = RedirectResponse("/" + (f"?{urlencode(rest)}" if rest else ""), status_code=303)
            ttl = service.settings.session_ttl_s
            response.set_cookie(
                SESSION_COOKIE,
                session_token(expected, ttl),
                max_age=int(ttl),
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
            return response
        if not valid_session(request.cookies.get(SESSION_COOKIE), expected):
            message = html.escape("This service needs its API key; the session is missing or has expired.")
            return HTMLResponse(_LOGIN.format(message=message), status_code=401)
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@page_router.get("/static/map.js")
def script() -> FileResponse:
    """The map page's script (public: it holds no data)."""
    return FileResponse(STATIC_DIR / "map.js", media_type="text/javascript")


@router.get(
    "/networks/{name}/streets",
    summary="Street lines of a network (GeoJSON), for drawing",
    operation_id="network_streets",
    responses=error_responses(404),
)
def streets(name: str, mode: StreetMode = Query("car"), service: ServiceState = Depends(get_service)) -> JSONResponse:
    """One MultiLineString feature with every street edge of ``mode`` once (EPSG:4326)."""
    network = service.region(name).network
    if mode not in network.streets:
        raise HTTPException(404, f"network {name!r} has no {mode} streets; it has {', '.join(network.streets)}.")
    street = network.street(mode)
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
