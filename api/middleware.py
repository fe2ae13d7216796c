"""ASGI middleware: trusted Host headers (400), a per-key rate limit (429), the request
body (413 over the limit; strict JSON: NaN, ±Infinity, lone surrogates and non-UTF-8 are
422), repeated requests answered from the response cache, request logging with timing."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from typing import Any

__all__ = [
    "BodyMiddleware",
    "CachedAnswerMiddleware",
    "AnswerKeys",
    "RAW_BODY_SCOPE_KEY",
    "IDEMPOTENCY_HEADER",
    "TimingMiddleware",
    "TrustedHostMiddleware",
    "RateLimitMiddleware",
    "TokenBuckets",
    "strict_json",
    "client_identity",
    "SESSION_COOKIE",
]

log = logging.getLogger("api.requests")

SESSION_COOKIE = "access_session"  # the map page's session (see api.deps)
RAW_BODY_SCOPE_KEY = "access.raw_body"  # the request body as read by BodyMiddleware
IDEMPOTENCY_HEADER = "Idempotency-Key"
_JSON_TYPES = (b"application/json", b"application/geo+json")


async def _send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": payload})


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


class StrictJSONError(ValueError):
    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg, self.pos = msg, pos


def _check_strings(value: Any, text: str) -> None:
    """Raise on a string holding a lone UTF-16 surrogate (it cannot be stored or sent back)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise StrictJSONError(
                    "a string holds a lone UTF-16 surrogate escape (e.g. \\ud800), which is not text; "
                    "send valid Unicode.",
                    max(0, text.lower().find("\\ud")),
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_LENIENT = re.compile(rb"NaN|Infinity|\\u|[eE]\+?\d{3}")  # what Python's json accepts beyond RFC 8259


def needs_strict_check(body: bytes) -> bool:
    """False for the usual body (ASCII, no NaN / Infinity / \\u escapes / 3-digit exponents),
    which plain parsing reads exactly as RFC 8259 would: no second parse."""
    return not body.isascii() or _LENIENT.search(body) is not None


def strict_json(body: bytes) -> Any:
    """``body`` parsed as RFC 8259 JSON: :class:`StrictJSONError` for non-UTF-8 bytes,
    ``NaN`` / ``Infinity`` / ``-Infinity`` (Python's json accepts them) and lone surrogates."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJSONError(f"the body is not UTF-8 ({exc.reason} at byte {exc.start}).", exc.start) from None

    def constant(name: str) -> Any:
        raise StrictJSONError(
            f"{name} is not a JSON number (RFC 8259); send a finite number, or null.", max(0, text.find(name))
        )

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):  # 1e400 overflows to inf
            raise StrictJSONError(f"{literal} is beyond the range of a 64-bit float.", max(0, text.find(literal)))
        return value

    try:
        value = json.loads(text, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as exc:
        raise StrictJSONError(exc.msg, exc.pos) from None
    if "\\u" in text or "\\U" in text:
        _check_strings(value, text)
    return value


class BodyMiddleware:
    """Bodies of at most ``max_bytes`` (413, also for chunked uploads), and strict JSON:
    a JSON body FastAPI would parse leniently is refused with a 422 in the validation shape."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self, size: int | str) -> dict:
        return {"detail": f"request body of {size} bytes exceeds the limit max_body_bytes={self.max_bytes}."}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_json(send, 413, self._detail(int(declared)))
            return
        # read the body (bounded) before the app sees it: chunked uploads have no length
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_json(send, 413, self._detail(f"more than {self.max_bytes}"))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        if body and (content_type in _JSON_TYPES or content_type.endswith(b"+json")) and needs_strict_check(body):
            try:
                strict_json(body)
            except StrictJSONError as exc:
                item = {"loc": ["body", exc.pos], "msg": exc.msg, "type": "json_invalid"}
                await _send_json(send, 422, {"detail": [item]})
                return
        scope[RAW_BODY_SCOPE_KEY] = body  # for CachedAnswerMiddleware and ServiceState.compute
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class AnswerKeys:
    """Which cache key an exact request has been answered under: (method, path, query,
    Accept, Content-Type, SHA-256 of the raw body) -> the key of :func:`api.deps.request_key`.

    Filled by :meth:`ServiceState.compute` after a request was validated, checked against
    the service's limits and answered; :class:`api.middleware.CachedAnswerMiddleware`
    answers the same bytes again straight from the response cache, without parsing or
    validating the body (a warm isochrone: 0.35 ms of server CPU instead of 1.6 ms).
    Only the key is kept here: a response dropped from the cache (LRU, a deleted
    scenario) is computed by the normal path again. Bounded to ``max_entries``.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._keys: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()
        self.answered = 0

    @staticmethod
    def of(scope: dict, body: bytes) -> tuple:
        """The identity of a request: what decides its answer besides the service's state."""
        headers = dict(scope.get("headers") or ())
        return (
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            headers.get(b"accept", b""),
            headers.get(b"content-type", b""),
            hashlib.sha256(body).digest(),
        )

    def remember(self, identity: tuple, key: str) -> None:
        with self._lock:
            self._keys[identity] = key
            self._keys.move_to_end(identity)
            while len(self._keys) > self.max_entries:
                self._keys.popitem(last=False)

    def key(self, identity: tuple) -> str | None:
        with self._lock:
            return self._keys.get(identity)


class CachedAnswerMiddleware:
    """Answer a POST whose exact bytes (path, query, Accept, Content-Type, body) were
    answered before straight from the response cache, before routing and validation.

    The first such request went the whole way (schema, limits, the network and scenario
    looked up) and :meth:`api.state.ServiceState.compute` noted under which cache key it
    was answered (:class:`AnswerKeys`); the same bytes cannot ask anything else
    while that entry is cached (entries of a deleted scenario are dropped from the cache,
    so they go the normal way again). Requests with an ``Idempotency-Key``, and with a
    service key set, requests not carrying it in ``X-API-Key`` (map-page sessions), take
    the normal path. Sits inside :class:`BodyMiddleware` (which reads the body) and the
    rate limit, so both still apply.
    """

    def __init__(self, app, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key.encode() if api_key else None

    async def __call__(self, scope, receive, send) -> None:
        body = scope.get(RAW_BODY_SCOPE_KEY) if scope["type"] == "http" and scope["method"] == "POST" else None
        service = getattr(getattr(scope.get("app"), "state", None), "service", None) if body is not None else None
        if service is not None and self._may_skip(scope):
            key = service.answers.key(AnswerKeys.of(scope, body))
            hit = service.cache.get(key) if key is not None else None
            if hit is not None:
                payload, media_type = hit
                if media_type.startswith("text/"):  # as starlette's Response writes it
                    media_type += "; charset=utf-8"
                service.answers.answered += 1
                headers = [
                    (b"content-length", str(len(payload)).encode()),
                    (b"content-type", media_type.encode()),
                    (b"x-cache", b"hit"),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": payload})
                return
        await self.app(scope, receive, send)

    def _may_skip(self, scope) -> bool:
        if _header(scope, IDEMPOTENCY_HEADER.lower().encode()) is not None:
            return False
        if self.api_key is None:
            return True
        given = _header(scope, b"x-api-key")
        return given is not None and hmac.compare_digest(given, self.api_key)


def _host_name(raw: bytes | None) -> str:
    """The host of a Host header, lower case, without the port (``[::1]:8000`` -> ``::1``)."""
    host = (raw or b"").decode("latin-1").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class TrustedHostMiddleware:
    """400 for a ``Host`` header not in ``hosts`` (``*.example.org`` wildcards, ``*`` any):
    a page of another site whose name was rebound to 127.0.0.1 cannot use the service."""

    def __init__(self, app, hosts: list[str]) -> None:
        self.app = app
        self.any = "*" in hosts
        self.exact = {h.lower().strip("[]") for h in hosts if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in hosts if h.startswith("*."))

    def allowed(self, host: str) -> bool:
        return self.any or host in self.exact or (bool(self.suffixes) and host.endswith(self.suffixes))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _host_name(_header(scope, b"host"))
        if not self.allowed(host):
            detail = f"Host {host!r} is not served here; the operator can add it to ACCESS_API_TRUSTED_HOSTS."
            await _send_json(send, 400, {"detail": detail})
            return
        await self.app(scope, receive, send)


def client_identity(scope) -> str:
    """Who a request counts against: its API key (hashed), else the map page's session,
    else the client address."""
    key = _header(scope, b"x-api-key")
    if key:
        return "key:" + hashlib.sha256(key).hexdigest()[:16]
    cookie = _header(scope, b"cookie") or b""
    for part in cookie.split(b";"):
        name, _, value = part.strip().partition(b"=")
        if name == SESSION_COOKIE.encode() and value:
            return "session:" + hashlib.sha256(value).hexdigest()[:16]
    client = scope.get("client")
    return "addr:" + (client[0] if client else "unknown")


class TokenBuckets:
    """Token buckets per identity: ``rate_per_s`` refill, ``burst`` capacity."""

    MAX_IDLE_BUCKETS = 10_000  # past this many, full (idle) buckets are forgotten

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # identity -> (tokens, at)
        self._lock = threading.Lock()
        self.refused = 0

    def take(self, identity: str, now: float | None = None) -> float:
        """0 when a request may go, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(identity, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[identity] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[identity] = (tokens, now)
                self.refused += 1
                wait = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.MAX_IDLE_BUCKETS:
                full = self.burst / self.rate
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}
            return wait


class RateLimitMiddleware:
    """429 with ``Retry-After`` when an identity (:func:`client_identity`) sends faster
    than ``per_min`` requests a minute after a ``burst``; ``/health`` is never limited."""

    EXEMPT = ("/health",)

    def __init__(self, app, per_min: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_min / 60.0, burst) if per_min > 0 else None

    async def __call__(self, scope, receive, send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_identity(scope))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            detail = f"rate limit of this key exceeded (rate_limit_per_min); retry in {seconds} s."
            await _send_json(send, 429, {"detail": detail}, [(b"retry-after", str(seconds).encode())])
            return
        await self.app(scope, receive, send)


class TimingMiddleware:
    """Log method, path, status and milliseconds of every request; add ``X-Process-Time-Ms``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def timed_send(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                elapsed = f"{(time.perf_counter() - started) * 1000:.1f}".encode()
                message = {**message, "headers": [*message.get("headers", []), (b"x-process-time-ms", elapsed)]}
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            log.info(
                "%s %s -> %d in %.1f ms", scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000
            )
