"""Running library work for requests: two pools (light requests never wait behind heavy
ones), bounded queues, a deadline, cancellation, and single-flight coalescing.

Library calls are blocking (numba kernels, pandas) and run in worker threads. A thread
cannot be killed, so cancellation is cooperative: each ticket runs its work inside
:func:`access._cancel.cancellable`, and :meth:`Ticket.cancel` sets the event that the
library's loops check between kernel calls (per origin, batch or chunk), where they raise
:class:`ComputeCancelled`. Work stops within one kernel call (milliseconds to a second),
at a point the library chose: never inside a lock, numba's compiler or a thread start, as
an exception injected into the thread at an arbitrary bytecode could (and then left a lock
held and the next request hanging). Work with no checkpoint (a network build) finishes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from access._cancel import cancellable
from access.errors import Cancelled

__all__ = [
    "ComputeCancelled",
    "ServiceBusy",
    "DeadlineExceeded",
    "ClientGone",
    "Ticket",
    "Pool",
    "Flights",
    "routing_cost",
    "wait_for",
    "HEAVY_NICE",
]

log = logging.getLogger("api.compute")

HEAVY_NICE = 10  # heavy threads run at nice +10: the OS gives light threads and the event loop the cores first


ComputeCancelled = Cancelled
"""Raised inside a worker thread whose work was cancelled (deadline, disconnect, shutdown)."""


class ServiceBusy(Exception):  # noqa: N818
    """A queue is full: answered 503 with ``Retry-After``."""

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class DeadlineExceeded(Exception):  # noqa: N818
    """The work ran past its deadline and was cancelled: answered 504."""


class ClientGone(Exception):  # noqa: N818
    """The client disconnected before its answer was ready (nothing is sent)."""


class Ticket:
    """One unit of work in a pool; :meth:`cancel` stops it whether queued or running."""

    def __init__(self, fn: Callable[[], Any], label: str) -> None:
        self.fn = fn
        self.label = label
        self.state = "queued"  # queued -> running -> done
        self.cancelled = False  # asked to stop
        self.stopped = False  # did stop (never started, or left at a checkpoint)
        self.created = time.monotonic()
        self._stop = threading.Event()  # the library's checkpoints raise once it is set
        self._lock = threading.Lock()

    def run(self) -> Any:
        """Run in a worker thread; raises :class:`ComputeCancelled` when cancelled."""
        with self._lock:
            if self.cancelled:
                self.stopped = True
                raise ComputeCancelled(self.label)
            self.state = "running"
        try:
            with cancellable(self._stop):
                return self.fn()
        except Cancelled:
            self.stopped = True
            raise
        finally:
            with self._lock:
                self.state = "done"

    def cancel(self) -> bool:
        """Stop the work (a queued ticket never starts; a running one stops at its next
        checkpoint); False when it had already finished."""
        with self._lock:
            if self.state == "done" or self.cancelled:
                return False
            self.cancelled = True
            self._stop.set()
            return True


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HEAVY_NICE)  # Linux: per thread
    except (AttributeError, OSError):  # other systems: same priority as the rest
        pass


class Pool:
    """A thread pool with a bounded queue; ``submit`` raises :class:`ServiceBusy` when full."""

    def __init__(self, name: str, workers: int, max_queued: int, *, low_priority: bool = False) -> None:
        self.name = name
        self.workers = workers
        self.max_queued = max_queued
        self.executor = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix=f"access-{name}",
            initializer=_lower_priority if low_priority else None,
        )
        self._lock = threading.Lock()
        self._tickets: set[Ticket] = set()
        self._reserved = 0
        self.completed = 0
        self.cancelled = 0

    def counts(self) -> tuple[int, int]:
        """(queued, running) tickets."""
        with self._lock:
            running = sum(t.state == "running" for t in self._tickets)
            return len(self._tickets) - running, running

    def _check(self) -> None:
        queued = sum(t.state == "queued" for t in self._tickets) + self._reserved
        if len(self._tickets) + self._reserved >= self.workers and queued >= self.max_queued:
            raise ServiceBusy(
                f"the {self.name} queue is full ({queued} waiting, max_queued_{self.name}={self.max_queued}); "
                "retry shortly.",
                retry_after_s=2.0 if self.name != "jobs" else 10.0,
            )

    def reserve(self) -> None:
        """Hold a place in the queue (ServiceBusy when full) for a :meth:`submit` to come."""
        with self._lock:
            self._check()
            self._reserved += 1

    def release(self) -> None:
        with self._lock:
            self._reserved -= 1

    def submit(self, ticket: Ticket, *, reserved: bool = False) -> Future:
        """Queue ``ticket``; :class:`ServiceBusy` when the queue is full."""
        with self._lock:
            if reserved:
                self._reserved -= 1
            else:
                self._check()
            self._tickets.add(ticket)
        try:
            future = self.executor.submit(ticket.run)
        except RuntimeError:  # the pool is shutting down
            with self._lock:
                self._tickets.discard(ticket)
            raise ServiceBusy("the service is shutting down; retry on its next start.", retry_after_s=30.0) from None
        future.add_done_callback(lambda _f: self._finished(ticket))
        return future

    def _finished(self, ticket: Ticket) -> None:
        with self._lock:
            self._tickets.discard(ticket)
            if ticket.stopped or (ticket.cancelled and ticket.state == "queued"):
                self.cancelled += 1
            else:
                self.completed += 1

    def stats(self) -> dict[str, int]:
        queued, running = self.counts()
        return {
            "workers": self.workers,
            "queued": queued,
            "running": running,
            "max_queued": self.max_queued,
            "completed": self.completed,
            "cancelled": self.cancelled,
        }

    def cancel_all(self) -> int:
        with self._lock:
            tickets = list(self._tickets)
        return sum(t.cancel() for t in tickets)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


@dataclass(eq=False)
class Flight:
    """A computation shared by identical concurrent requests."""

    key: str
    ticket: Ticket
    future: Future
    deadline: float  # time.monotonic()
    waiters: int = 1
    done_at: float | None = None
    shared: int = 0  # requests that joined an existing flight


@dataclass(eq=False)
class Flights:
    """Single-flight table: identical requests in progress wait for one computation."""

    _flights: dict[str, Flight] = field(default_factory=dict)
    coalesced: int = 0
    timed_out: int = 0
    abandoned: int = 0

    def get(self, key: str) -> Flight | None:
        flight = self._flights.get(key)
        if flight is not None and not flight.ticket.cancelled:
            return flight
        return None

    def add(self, flight: Flight) -> None:
        self._flights[flight.key] = flight

    def discard(self, flight: Flight) -> None:
        if self._flights.get(flight.key) is flight:
            del self._flights[flight.key]

    def __len__(self) -> int:
        return len(self._flights)


def routing_cost(n_origins: int, mode: str | None, window_min: float | None = None, n_destinations: int = 0) -> float:
    """Cost units of a request: about one street one-to-all search each. A transit window
    routes every minute of it; destinations add the output table's size."""
    per_origin = max(1.0, float(window_min or 1)) if mode == "transit" else 1.0
    return n_origins * per_origin * (1.0 + n_destinations / 5000.0)


async def _disconnected(request: Request | None) -> None:
    """Return when the client hangs up (never, for requests without a live connection)."""
    if request is None:
        await asyncio.Event().wait()
        return
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _relay(source: Future, target: asyncio.Future) -> None:
    """Copy a finished concurrent future into an asyncio one (unless that one was dropped)."""
    if target.cancelled():
        return
    if source.cancelled() or isinstance(source.exception(), ComputeCancelled):
        # cancelled by the shutdown (a deadline or a disconnect answers before this)
        target.set_exception(ServiceBusy("the service is stopping; retry on its next start.", retry_after_s=30.0))
    elif (exc := source.exception()) is not None:
        target.set_exception(exc)
    else:
        target.set_result(source.result())


async def wait_for(flight: Flight, flights: Flights, request: Request | None, timeout_s: float) -> Any:
    """The flight's result for one waiting request.

    Raises :class:`DeadlineExceeded` past the flight's deadline (the work is cancelled),
    :class:`ClientGone` when this client disconnected (the work is cancelled once no
    other request waits for it), or whatever the work raised.
    """
    loop = asyncio.get_running_loop()
    mine = loop.create_future()  # this request's view: dropping it never cancels the shared work
    flight.future.add_done_callback(lambda f: loop.call_soon_threadsafe(_relay, f, mine))
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        timeout = max(0.0, flight.deadline - time.monotonic())
        done, _ = await asyncio.wait({mine, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if mine in done:
            return mine.result()
        flight.waiters -= 1
        if gone in done:
            flights.abandoned += 1
            if flight.waiters <= 0:
                flight.ticket.cancel()
                flights.discard(flight)
            raise ClientGone("the client disconnected")
        flights.timed_out += 1
        flight.ticket.cancel()
        flights.discard(flight)
        raise DeadlineExceeded(
            f"the computation ran past the service's deadline compute_timeout_s={timeout_s:g} and was "
            "stopped; ask for less (fewer origins, a shorter window or budget) or use a background job."
        )
    finally:
        gone.cancel()
        if not mine.done():
            mine.cancel()
