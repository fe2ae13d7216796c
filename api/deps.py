"""Dependencies shared by the routers: the service state, the API key (header or the map
page's session cookie), request limits, idempotency keys, cache keys."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

from fastapi import Depends, Header, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.errors import unprocessable
from api.middleware import IDEMPOTENCY_HEADER, SESSION_COOKIE, client_identity
from api.regions import LoadedRegion
from api.state import ServiceState

__all__ = [
    "get_service",
    "require_api_key",
    "check_limit",
    "check_cutoffs",
    "check_window",
    "region_layer",
    "session_token",
    "valid_session",
    "IdempotencyKey",
    "idempotency_scope",
    "fingerprint",
    "request_key",
]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the service's API key")


async def get_service(request: Request) -> ServiceState:
    """The state built at start-up (networks, pools, caches, registry). ``async`` like the
    other per-request dependencies here: FastAPI runs a plain ``def`` dependency in its
    thread pool, a thread hop per request that cost ~16 % of a warm request's event-loop time."""
    return request.app.state.service


def session_token(api_key: str, ttl_s: float, now: float | None = None) -> str:
    """A map-page session cookie value: its expiry and an HMAC of it under the API key
    (nothing stored; changing the key ends every session)."""
    expires = int((time.time() if now is None else now) + ttl_s)
    mac = hmac.new(api_key.encode(), f"map-page:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{mac}"


def valid_session(token: str | None, api_key: str) -> bool:
    if not token or "." not in token:
        return False
    expires, _, mac = token.partition(".")
    if not expires.isdigit() or int(expires) < time.time():
        return False
    expected = hmac.new(api_key.encode(), f"map-page:{expires}".encode(), hashlib.sha256).hexdigest()
    return secrets.compare_digest(mac, expected)


async def require_api_key(
    request: Request, key: str | None = Security(_api_key_header), service: ServiceState = Depends(get_service)
) -> None:
    """401 unless the service has no key, the request's ``X-API-Key`` matches it, or it
    carries a valid map-page session cookie."""
    expected = service.settings.api_key
    if not expected:
        return
    if key is not None and secrets.compare_digest(key.encode(), expected.encode()):
        return
    if valid_session(request.cookies.get(SESSION_COOKIE), expected):
        return
    raise HTTPException(401, "missing or wrong X-API-Key header.", headers={"WWW-Authenticate": "API-Key"})


def check_limit(count: int, limit: int, what: str, setting: str, field: str | None = None) -> None:
    """422 naming the setting when a request asks for more than the service allows."""
    if count > limit:
        raise unprocessable(
            f"{count} {what} exceed the limit {setting}={limit} of this service; split the request.",
            "body",
            field or what,
            kind="limit",
        )


def check_cutoffs(cutoffs_min: Iterable[float], service: ServiceState, what: str = "cutoff") -> None:
    limit = service.settings.max_cutoff_min
    worst = max(cutoffs_min, default=0)
    if worst > limit:
        raise unprocessable(
            f"{what} {worst:g} min exceeds the limit max_cutoff_min={limit:g} of this service.", kind="limit"
        )


def check_window(window_min: float, service: ServiceState) -> None:
    limit = service.settings.max_window_min
    if window_min > limit:
        raise unprocessable(
            f"window {window_min:g} min exceeds the limit max_window_min={limit:g} of this service.",
            "body",
            "window_min",
            kind="limit",
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


# -- idempotency and cache keys --------------------------------------------------------


async def IdempotencyKey(  # noqa: N802 - a dependency read like a type
    key: str | None = Header(
        None,
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="a unique value per intended operation (e.g. a UUID): a retry with the same key and "
        "body returns the first response instead of doing the work again (kept idempotency_ttl_s)",
    ),
) -> str | None:
    return key


def idempotency_scope(request: Request) -> str:
    """Keys are per client (identity) and per operation: two clients never share a key."""
    return f"{client_identity(request.scope)}|{request.method} {request.url.path}"


def fingerprint(body: Any) -> str:
    """Hash of a request body's canonical JSON (a reused key must come with the same body)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def request_key(route: str, network: str, body: Any, *, scenario: str | None = None, variant: str = "") -> str:
    """The cache and single-flight key of a compute request: the route, the network, a
    scenario (so deleting it can drop its entries) and the canonical body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{route}|{network}|scenario={scenario or ''}|{variant}|{digest}"
