"""Every error as JSON, never a 500 for bad input: the exception handlers and the error
responses each operation documents.

Conventions (the contract clients rely on):

- **422**: ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``, the shape of
  FastAPI's own validation errors, for schema violations, limits (``type: "limit"``) and the
  library's :class:`~access.errors.InputError` (``type: "input_error"`` / ``"off_network"``).
  Routes raise :func:`unprocessable`; a plain ``HTTPException(422, "text")`` is converted.
- **every other error**: ``{"detail": "a sentence saying what to fix"}``.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from access.errors import AccessError, CacheError, OffNetworkError
from api.compute import ClientGone, DeadlineExceeded, ServiceBusy
from api.store import RegistryError

__all__ = ["install_handlers", "unprocessable", "error_responses", "clean", "json_response"]

log = logging.getLogger("api")

_MAX_ECHO = 200  # characters of an offending input value echoed back


def clean(value: Any, depth: int = 0) -> Any:
    """``value`` made strictly JSON-encodable: non-finite floats as strings, lone
    surrogates replaced (U+FFFD), bytes decoded leniently, long values cut."""
    if isinstance(value, str):
        text = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…"
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray):
        return clean(bytes(value[:_MAX_ECHO]).decode("utf-8", "replace"))
    if depth >= 3:
        return "…"
    if isinstance(value, dict):
        return {clean(str(k)): clean(v, depth + 1) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [clean(v, depth + 1) for v in list(value)[:20]]
    return clean(str(value))


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    """Strict JSON (no NaN), whatever ``body`` holds."""
    payload = json.dumps(clean_tree(body), allow_nan=False, ensure_ascii=False).encode("utf-8")
    return Response(payload, status_code=status, media_type="application/json", headers=headers)


def clean_tree(value: Any) -> Any:
    """Like :func:`clean`, without cutting (for whole error bodies)."""
    if isinstance(value, dict):
        return {clean(str(k)): clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(v) for v in value]
    return clean(value) if isinstance(value, str | float | bytes) else value


def _item(loc: Any, msg: str, kind: str, value: Any = None, has_value: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "loc": [p if isinstance(p, int) else clean(str(p)) for p in loc],
        "msg": clean(msg),
        "type": clean(kind),
    }
    if has_value:
        item["input"] = clean(value)
    return item


def unprocessable(msg: str, *loc: str | int, kind: str = "value_error") -> HTTPException:
    """A 422 in the validation-error shape; ``raise unprocessable("...", "body", "origins")``."""
    return HTTPException(422, [_item(loc or ("body",), msg, kind)])


def install_handlers(app: FastAPI) -> None:
    """JSON answers for every error the service can meet."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's default handler echoes the input: NaN or a lone surrogate there cannot be
        # encoded and the connection closed with a 500; every part is cleaned here
        items = []
        for error in exc.errors():
            value = error.get("input")
            small = isinstance(value, str | int | float | bool) or value is None
            items.append(
                _item(error.get("loc", ("body",)), str(error.get("msg", "")), str(error.get("type", "")), value, small)
            )
        return json_response({"detail": items}, 422)

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException and the router's 404 / 405
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        if exc.status_code == 422 and not isinstance(detail, list):
            detail = [_item(("body",), str(detail), "value_error")]
        return json_response({"detail": detail}, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(AccessError)
    async def _library(request: Request, exc: AccessError) -> Response:
        # bad files, modes, cutoffs, departures, points off the network: the caller can fix them
        if isinstance(exc, CacheError):
            return json_response({"detail": f"the network cache cannot be read: {exc}"}, 503, {"Retry-After": "60"})
        kind = "off_network" if isinstance(exc, OffNetworkError) else "input_error"
        return json_response({"detail": [_item(("body",), str(exc), kind)]}, 422)

    @app.exception_handler(RegistryError)
    async def _registry(request: Request, exc: RegistryError) -> Response:
        headers = {"Retry-After": "30"} if exc.status == 503 else None
        return json_response({"detail": str(exc)}, exc.status, headers)

    @app.exception_handler(ServiceBusy)
    async def _busy(request: Request, exc: ServiceBusy) -> Response:
        return json_response({"detail": str(exc)}, 503, {"Retry-After": str(math.ceil(exc.retry_after_s))})

    @app.exception_handler(DeadlineExceeded)
    async def _deadline(request: Request, exc: DeadlineExceeded) -> Response:
        return json_response({"detail": str(exc)}, 504)

    @app.exception_handler(ClientGone)
    async def _gone(request: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)  # nobody reads it (nginx's "client closed request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return json_response({"detail": f"internal error ({type(exc).__name__}); see the service log."}, 500)


_DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
_VALIDATION = {"$ref": "#/components/schemas/HTTPValidationError"}
_RETRY = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}

_DESCRIPTIONS = {
    400: "malformed request (an unreadable body, a Host header this service does not serve)",
    401: "missing or wrong X-API-Key (or map-page session)",
    404: "unknown network, layer, scenario or job",
    409: "conflict: the same Idempotency-Key is in use by a request still running, or the job is unfinished",
    413: "request body larger than max_body_bytes",
    422: "invalid input: schema violation, a limit of this service, or a library input error",
    429: "rate limit of this key exceeded (rate_limit_per_min)",
    503: "busy (a queue is full), stopping, or the registry is unavailable; retry after Retry-After",
    504: "the computation ran past compute_timeout_s and was stopped",
    507: "the registry's disk is full, or its quota max_scenarios is reached",
}


def _response(status: int) -> dict[str, Any]:
    schema = _VALIDATION if status == 422 else _DETAIL
    out: dict[str, Any] = {"description": _DESCRIPTIONS[status], "content": {"application/json": {"schema": schema}}}
    if status in (429, 503):
        out["headers"] = _RETRY
    return out


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route for these error statuses (shapes as documented above)."""
    return {status: _response(status) for status in statuses}
