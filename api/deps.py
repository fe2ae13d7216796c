"""Dependencies shared by the routers: the service state, the API key, request limits."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.regions import LoadedRegion
from api.state import ServiceState

__all__ = ["get_service", "require_api_key", "check_limit", "check_cutoffs", "check_window", "region_layer"]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="needed when the service sets one")


def get_service(request: Request) -> ServiceState:
    """The state built at start-up (networks, pool, caches, registry)."""
    return request.app.state.service


def require_api_key(key: str | None = Security(_api_key_header), service: ServiceState = Depends(get_service)) -> None:
    """401 unless the service has no key or the request's ``X-API-Key`` matches it."""
    expected = service.settings.api_key
    if expected and (key is None or not secrets.compare_digest(key.encode(), expected.encode())):
        raise HTTPException(401, "missing or wrong X-API-Key header.", headers={"WWW-Authenticate": "API-Key"})


def check_limit(count: int, limit: int, what: str, setting: str) -> None:
    """422 naming the setting when a request asks for more than the service allows."""
    if count > limit:
        raise HTTPException(
            422, f"{count} {what} exceed the limit {setting}={limit} of this service; split the request."
        )


def check_cutoffs(cutoffs_min: Iterable[float], service: ServiceState, what: str = "cutoff") -> None:
    limit = service.settings.max_cutoff_min
    worst = max(cutoffs_min, default=0)
    if worst > limit:
        raise HTTPException(422, f"{what} {worst:g} min exceeds the limit max_cutoff_min={limit:g} of this service.")


def check_window(window_min: float, service: ServiceState) -> None:
    limit = service.settings.max_window_min
    if window_min > limit:
        raise HTTPException(
            422, f"window {window_min:g} min exceeds the limit max_window_min={limit:g} of this service."
        )


def region_layer(region: LoadedRegion, kind: str, name: str | None):
    """A named layer of the region (default: its first); 404 naming the available ones."""
    layers = region.opportunities if kind == "opportunities" else region.zones
    if not layers:
        raise HTTPException(404, f"network {region.name!r} has no {kind} layers; add them to its region config.")
    if name is None:
        return next(iter(layers.values()))
    if name not in layers:
        raise HTTPException(
            404, f"unknown {kind} layer {name!r} of network {region.name!r}; have: {', '.join(layers)}."
        )
    return layers[name]
