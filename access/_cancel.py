"""Cooperative cancellation of library work run in a thread (e.g. by the service).

A caller runs work inside :func:`cancellable` with a :class:`threading.Event`; the library's
long loops call :func:`checkpoint` between kernel calls (per origin, batch or chunk), which
raises :class:`access.errors.Cancelled` once the event is set. Work therefore stops at a
point the library chose, with every lock released and every ``finally`` run, within one
kernel call of the request. Outside :func:`cancellable` a checkpoint costs one
context-variable lookup and never raises.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from access.errors import Cancelled

__all__ = ["cancellable", "checkpoint"]

_EVENT: ContextVar[threading.Event | None] = ContextVar("access_cancel_event", default=None)


@contextmanager
def cancellable(event: threading.Event) -> Iterator[None]:
    """Run the block so that setting ``event`` stops it at the library's next checkpoint."""
    token = _EVENT.set(event)
    try:
        yield
    finally:
        _EVENT.reset(token)


def checkpoint() -> None:
    """Raise :class:`~access.errors.Cancelled` when the surrounding work was cancelled."""
    event = _EVENT.get()
    if event is not None and event.is_set():
        raise Cancelled("the work was cancelled")
