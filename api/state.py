"""Shared state of a running service: loaded regions, the worker pool, caches, the registry."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException

from access.errors import AccessError
from api.regions import LoadedRegion
from api.settings import Settings
from api.store import Store

__all__ = ["LruCache", "ServiceState", "scenario_base_region", "SCENARIO_NETWORKS_KEPT"]

log = logging.getLogger("api.jobs")

SCENARIO_NETWORKS_KEPT = 4  # applied scenario networks kept in memory (each can hold a rebuilt transit)


def scenario_base_region(region: LoadedRegion):
    """The library's :class:`BaseRegion` of a loaded region (its files and modes)."""
    from access.scenarios.model import BaseRegion

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


class LruCache:
    """A thread-safe least-recently-used cache of serialized responses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: bytes) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._items), "size": self.size, "hits": self.hits, "misses": self.misses}


@dataclass(eq=False)
class ServiceState:
    """What every request shares; built by the app's lifespan, torn down at shutdown."""

    settings: Settings
    regions: dict[str, LoadedRegion]
    store: Store
    executor: ThreadPoolExecutor
    isochrone_cache: LruCache
    started: float = field(default_factory=time.time)
    _jobs: set = field(default_factory=set)
    _bases: dict = field(default_factory=dict)  # region name -> access.scenarios.apply.Region
    _scenario_networks: OrderedDict = field(default_factory=OrderedDict)  # scenario id -> Network
    _scenario_lock: threading.Lock = field(default_factory=threading.Lock)

    def region(self, name: str | None) -> LoadedRegion:
        """The named loaded region (default: the first); 404 when unknown."""
        if name is None:
            return next(iter(self.regions.values()))
        if name not in self.regions:
            raise HTTPException(404, f"unknown network {name!r}; loaded: {', '.join(self.regions)} (GET /networks).")
        return self.regions[name]

    def scenario_base(self, region: LoadedRegion):
        """The region as :class:`access.scenarios.apply.Region` (feeds read on demand),
        sharing the loaded network."""
        from dataclasses import replace

        from access.scenarios.apply import load_region

        with self._scenario_lock:
            if region.name not in self._bases:
                loaded = load_region(scenario_base_region(region), progress=False)
                self._bases[region.name] = replace(loaded, network=region.network)
            return self._bases[region.name]

    def scenario_network(self, scenario_id: str, region: LoadedRegion, scenario) -> Any:
        """The network of a registered scenario, applied once and kept (LRU of
        ``SCENARIO_NETWORKS_KEPT``)."""
        from access.scenarios.apply import apply

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

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking library work in the worker pool, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    def submit_job(self, kind: str, request: dict[str, Any], fn: Callable[[], Any]) -> str:
        """Queue ``fn`` as a background job persisted in the registry; returns the job id.

        ``fn`` returns a JSON-able result; library errors become the job's ``error``."""
        job_id = self.store.add_job(kind, request)

        def work() -> None:
            self.store.update_job(job_id, status="running", progress=0.0)
            try:
                result = fn()
            except AccessError as exc:
                self.store.update_job(job_id, status="failed", error=str(exc))
            except Exception as exc:  # a job must end in a state, whatever happened
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
                self.store.update_job(job_id, status="failed", error=f"internal error: {type(exc).__name__}")
            else:
                self.store.update_job(job_id, status="done", progress=1.0, result=result)

        future = self.executor.submit(work)
        self._jobs.add(future)
        future.add_done_callback(self._jobs.discard)
        return job_id

    def close(self) -> None:
        """Graceful shutdown: let running work finish, drop queued work, close the registry."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        cancelled = self.store.interrupt_unfinished("the service stopped before this job ran; submit it again.")
        if cancelled:
            log.info("%d queued jobs were cancelled by the shutdown", cancelled)
        self.store.close()
