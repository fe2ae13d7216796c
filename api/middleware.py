"""ASGI middleware: request-body size limit (413) and request logging with timing."""

from __future__ import annotations

import json
import logging
import time

__all__ = ["BodyLimitMiddleware", "TimingMiddleware"]

log = logging.getLogger("api.requests")


async def _send_json(send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    """Answer 413 with a JSON ``detail`` when a request body exceeds ``max_bytes``."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self, size: int | str) -> dict:
        return {"detail": f"request body of {size} bytes exceeds the limit max_body_bytes={self.max_bytes}."}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
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
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


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
