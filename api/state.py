"""Shared state of a running service: loaded regions, the worker pools, the response
cache, in-flight computations, background jobs and the registry."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import HTTPException, Response
from starlette.requests import Request

from access.errors import AccessError
from access.scenarios.apply import apply, load_base
from access.scenarios.model import BaseRegion
from api.compute import ComputeCancelled, Flight, Flights, Pool, Ticket, wait_for
from api.middleware import IDEMPOTENCY_HEADER, RAW_BODY_SCOPE_KEY, AnswerKeys
from api.regions import LoadedRegion
from api.settings import Settings
from api.store import RegistryError, Store

__all__ = ["ResponseCache", "ServiceState", "scenario_base_region", "SCENARIO_NETWORKS_KEPT", "Computed"]

log = logging.getLogger("api.jobs")

SCENARIO_NETWORKS_KEPT = 4  # applied scenario networks kept in memory (each can hold a rebuilt transit)


def scenario_base_region(region: LoadedRegion):
    """The library's :class:`BaseRegion` of a loaded region (its files and modes)."""
    config = region.config
    first = next(iter(config.opportunities.values()), None)
    return BaseRegion(
        osm=str(config.osm),
        gtfs=[str(p) for p in config.gtfs],
        rail_specs=[str(p) for p in config.rail_specs],
        opportunities=None if first is None else str(first.path),
        service_date=region.network.transit.service_date if region.network.transit is not None else config.service_date,
        modes=[m for m in config.modes if m in ("walk", "bike", "car")],
        transit_settings=region.network.transit_settings,
    )


class ResponseCache:
    """A thread-safe least-recently-used cache of serialized responses, bounded in bytes.

    A response larger than ``max_entry_bytes`` is not kept (one huge matrix must not
    flush every isochrone); the oldest entries go until the total fits ``max_bytes``.
    """

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, payload: bytes, media_type: str) -> bool:
        """Keep ``payload``; False when it is too large to cache."""
        size = len(payload) + len(key)
        if size > self.max_entry_bytes:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0]) + len(key)
            self._items[key] = (payload, media_type)
            self._bytes += size
            while self._bytes > self.max_bytes:
                k, (p, _) = self._items.popitem(last=False)
                self._bytes -= len(p) + len(k)
        return True

    def drop(self, predicate: Callable[[str], bool]) -> int:
        """Remove the entries whose key satisfies ``predicate``; how many."""
        with self._lock:
            keys = [k for k in self._items if predicate(k)]
            for k in keys:
                payload, _ = self._items.pop(k)
                self._bytes -= len(payload) + len(k)
            return len(keys)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._items),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
                "max_entry_bytes": self.max_entry_bytes,
                "hits": self.hits,
                "misses": self.misses,
            }


@dataclass(frozen=True)
class Computed:
    """A serialized response and how it was obtained (``X-Cache``: hit, shared or miss)."""

    payload: bytes
    media_type: str
    cache: str

    def response(self, status_code: int = 200) -> Response:
        return Response(
            self.payload, status_code=status_code, media_type=self.media_type, headers={"X-Cache": self.cache}
        )


@dataclass(eq=False)
class ServiceState:
    """What every request shares; built by the app's lifespan, torn down at shutdown."""

    settings: Settings
    regions: dict[str, LoadedRegion]
    store: Store
    light: Pool
    heavy: Pool
    jobs: Pool
    cache: ResponseCache
    started: float = field(default_factory=time.time)
    answers: AnswerKeys = field(default_factory=AnswerKeys)
    flights: Flights = field(default_factory=Flights)
    _bases: dict = field(default_factory=dict)  # region name -> access.scenarios.apply.ScenarioBase
    _scenario_networks: OrderedDict = field(default_factory=OrderedDict)  # scenario id -> Network
    _scenario_lock: threading.RLock = field(default_factory=threading.RLock)
    idempotency_running: set = field(default_factory=set)  # (scope, key) of requests in progress
    _job_deadlines: dict = field(default_factory=dict)  # running job ticket -> (monotonic deadline, flag)
    _job_watchdog: threading.Thread | None = None
    _closing: threading.Event = field(default_factory=threading.Event)

    def region(self, name: str | None) -> LoadedRegion:
        """The named loaded region (default: the first); 404 when unknown."""
        if name is None:
            return next(iter(self.regions.values()))
        if name not in self.regions:
            raise HTTPException(404, f"unknown network {name!r}; loaded: {', '.join(self.regions)} (GET /networks).")
        return self.regions[name]

    # -- scenarios -----------------------------------------------------------------------
    def scenario_base(self, region: LoadedRegion):
        """The region as :class:`access.scenarios.apply.ScenarioBase` (feeds read on demand),
        sharing the loaded network."""
        with self._scenario_lock:
            if region.name not in self._bases:
                loaded = load_base(scenario_base_region(region), progress=False)
                self._bases[region.name] = replace(loaded, network=region.network)
            return self._bases[region.name]

    def has_scenario_network(self, scenario_id: str) -> bool:
        # no lock: the event loop asks, and a worker may hold the lock for seconds applying
        # a scenario (a dict lookup is atomic under the GIL)
        return scenario_id in self._scenario_networks

    def scenario_network(self, scenario_id: str, region: LoadedRegion, scenario) -> Any:
        """The network of a registered scenario, applied once and kept (LRU of
        ``SCENARIO_NETWORKS_KEPT``)."""
        base = self.scenario_base(region)
        with self._scenario_lock:
            if scenario_id in self._scenario_networks:
                self._scenario_networks.move_to_end(scenario_id)
                return self._scenario_networks[scenario_id]
            network = apply(base, scenario.modifications)
            self._scenario_networks[scenario_id] = network
            while len(self._scenario_networks) > SCENARIO_NETWORKS_KEPT:
                self._scenario_networks.popitem(last=False)
            return network

    def keep_scenario_network(self, scenario_id: str, network) -> None:
        """Keep a network applied at registration for the scenario's first use."""
        with self._scenario_lock:
            self._scenario_networks[scenario_id] = network
            while len(self._scenario_networks) > SCENARIO_NETWORKS_KEPT:
                self._scenario_networks.popitem(last=False)

    def forget_scenario(self, scenario_id: str) -> None:
        """Drop a deleted scenario's network and cached responses."""
        with self._scenario_lock:
            self._scenario_networks.pop(scenario_id, None)
        self.cache.drop(lambda key: f"|scenario={scenario_id}|" in key)

    # -- requests ------------------------------------------------------------------------
    def pool_for(self, cost: float) -> Pool:
        """The light pool for requests up to ``light_max_cost`` units, else the heavy one."""
        return self.light if cost <= self.settings.light_max_cost else self.heavy

    async def compute(
        self,
        request: Request | None,
        key: str | None,
        fn: Callable[[], bytes],
        *,
        cost: float,
        media_type: str = "application/json",
        cache: bool = True,
    ) -> Computed:
        """The serialized response of ``fn`` (run in a worker thread) for this request.

        ``key`` identifies identical requests: a cached response is returned at once,
        a computation already in progress is joined (single flight), else ``fn`` runs in
        the light or heavy pool by ``cost``. Past ``compute_timeout_s`` the work is
        cancelled (504); when every client waiting for it disconnects, too.
        """
        if key is not None and cache:
            hit = self.cache.get(key)
            if hit is not None:
                self._remember(request, key)
                return Computed(hit[0], hit[1], "hit")
        flight = self.flights.get(key) if key is not None else None
        how = "shared"
        if flight is None:
            how = "miss"
            pool = self.pool_for(cost)
            ticket = Ticket(fn, key or "request")
            future = pool.submit(ticket)  # ServiceBusy when the queue is full
            flight = Flight(key or "", ticket, future, time.monotonic() + self.settings.compute_timeout_s)
            if key is not None:
                self.flights.add(flight)
                loop = asyncio.get_running_loop()
                future.add_done_callback(lambda _f: loop.call_soon_threadsafe(self.flights.discard, flight))
        else:
            flight.waiters += 1
            flight.shared += 1
            self.flights.coalesced += 1
        payload = await wait_for(flight, self.flights, request, self.settings.compute_timeout_s)
        if key is not None and cache and how == "miss":
            if self.cache.put(key, payload, media_type):
                self._remember(request, key)
        return Computed(payload, media_type, how)

    def _remember(self, request: Request | None, key: str) -> None:
        """Let the next identical request be answered from the cache before validation."""
        if request is None or request.headers.get(IDEMPOTENCY_HEADER) is not None:
            return
        body = request.scope.get(RAW_BODY_SCOPE_KEY)
        if body is not None and request.method == "POST":
            self.answers.remember(AnswerKeys.of(request.scope, body), key)

    async def run(self, fn: Callable[..., Any], *args: Any, cost: float = 0.0, **kwargs: Any) -> Any:
        """Blocking library work for this request in a pool, under the deadline (no cache)."""
        ticket = Ticket(lambda: fn(*args, **kwargs), getattr(fn, "__name__", "work"))
        future = self.pool_for(cost).submit(ticket)
        flight = Flight("", ticket, future, time.monotonic() + self.settings.compute_timeout_s)
        return await wait_for(flight, self.flights, None, self.settings.compute_timeout_s)

    # -- background jobs -----------------------------------------------------------------
    def submit_job(self, kind: str, request: dict[str, Any], fn: Callable[[], Any], *, idempotency=None) -> str:
        """Queue ``fn`` as a background job persisted with its full ``request``; the job id.

        ``fn`` returns a JSON-able result; library errors become the job's ``error``. Jobs
        run in their own pool (``job_workers`` threads, at most ``max_queued_jobs`` waiting,
        else 503), each stopped after ``job_timeout_s``.
        """
        timeout_s = self.settings.job_timeout_s
        timed_out = threading.Event()
        job_id = ""

        def work() -> None:
            self._job_deadlines[ticket] = (time.monotonic() + timeout_s, timed_out)
            try:
                self.store.update_job(job_id, status="running", progress=0.0)
                result = fn()
            except AccessError as exc:
                self.store.update_job(job_id, status="failed", error=str(exc))
            except ComputeCancelled:
                reason = f"stopped after job_timeout_s={timeout_s:g}" if timed_out.is_set() else "cancelled"
                self.store.update_job(
                    job_id, status="failed", error=f"{reason}; resubmit it with POST /jobs/{job_id}/resubmit."
                )
            except Exception as exc:  # a job must end in a state, whatever happened
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
                self.store.update_job(job_id, status="failed", error=f"internal error: {type(exc).__name__}")
            else:
                try:
                    self.store.update_job(job_id, status="done", progress=1.0, result=result)
                except RegistryError as exc:  # e.g. disk full: say so rather than stay 'running'
                    self.store.update_job(job_id, status="failed", error=f"the result could not be stored: {exc}")
            finally:
                self._job_deadlines.pop(ticket, None)

        ticket = Ticket(work, "job")
        if self._job_watchdog is None:  # started here, in the caller's thread, never inside a job
            self._job_watchdog = threading.Thread(target=self._watch_job_deadlines, name="access-job-deadlines")
            self._job_watchdog.daemon = True
            self._job_watchdog.start()
        self.jobs.reserve()  # ServiceBusy before anything is stored
        try:
            job_id = self.store.add_job(kind, request, idempotency=idempotency)
        except BaseException:
            self.jobs.release()
            raise
        ticket.label = f"job {job_id}"
        self.jobs.submit(ticket, reserved=True)
        return job_id

    def _watch_job_deadlines(self) -> None:
        """Cancel jobs past ``job_timeout_s``: one thread watches every job's deadline, so
        no job starts a timer thread of its own."""
        while not self._closing.wait(0.2):
            now = time.monotonic()
            for ticket, (deadline, timed_out) in list(self._job_deadlines.items()):
                if now >= deadline:
                    self._job_deadlines.pop(ticket, None)
                    timed_out.set()
                    ticket.cancel()

    def close(self) -> None:
        """Graceful shutdown: stop queued and running work, mark unfinished jobs failed
        (resubmittable), close the registry."""
        self._closing.set()
        for pool in (self.jobs, self.light, self.heavy):
            pool.cancel_all()
        for pool in (self.jobs, self.light, self.heavy):
            pool.shutdown()
        cancelled = self.store.interrupt_unfinished("the service stopped before this job finished")
        if cancelled:
            log.info("%d queued jobs were cancelled by the shutdown", cancelled)
        self.store.close()
