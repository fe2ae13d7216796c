"""The FastAPI application: ``create_app(settings)`` loads networks once and mounts the routers."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

import access
from access.errors import AccessError, CacheError
from api.deps import require_api_key
from api.middleware import BodyLimitMiddleware, TimingMiddleware
from api.regions import load_region, region_configs
from api.routes import ROUTERS, health
from api.settings import Settings
from api.state import LruCache, ServiceState
from api.store import Store

__all__ = ["create_app", "app_from_env"]

log = logging.getLogger("api")

DESCRIPTION = """Isochrones, travel-time matrices (and, where the library has them, accessibility,
commuting circles and scenario comparisons) on networks loaded once at start-up.
Coordinates are EPSG:4326 `[lon, lat]`; times are minutes; areas km². Errors are JSON
`{"detail": ...}`: 422 bad input or a request over a limit, 413 body too large, 404 unknown
network/scenario/job, 401 missing `X-API-Key` when the service has one."""


def _safe_workers(workers: int) -> int:
    """Worker threads for library calls. Numba's fallback threading layer (workqueue, used
    when neither TBB nor OpenMP loads) aborts the process when two threads enter parallel
    kernels at once, so the service then runs one library call at a time."""
    import importlib

    safe = []
    for layer in ("tbbpool", "omppool"):  # the thread-safe layers numba would pick first
        try:
            importlib.import_module(f"numba.np.ufunc.{layer}")
            safe.append(layer)
        except ImportError:
            pass
    if not safe and workers > 1:
        log.warning(
            "numba has neither TBB nor OpenMP here (its workqueue layer is not thread-safe): routing one "
            "request at a time; install tbb for concurrent routing"
        )
        return 1
    return workers


def _load_state(settings: Settings) -> ServiceState:
    started = time.perf_counter()
    configs = region_configs(settings)
    regions = {}
    for k, config in enumerate(configs, 1):
        log.info("loading region %d/%d: %s", k, len(configs), config.name)
        regions[config.name] = load_region(config, settings)
    store = Store(settings.database)
    interrupted = store.interrupt_unfinished("the service restarted while this job was queued or running.")
    if interrupted:
        log.warning("%d jobs left unfinished by the previous run were marked failed", interrupted)
    log.info(
        "%d network(s) ready in %.1f s; registry %s", len(regions), time.perf_counter() - started, settings.database
    )
    return ServiceState(
        settings=settings,
        regions=regions,
        store=store,
        executor=ThreadPoolExecutor(max_workers=_safe_workers(settings.workers), thread_name_prefix="access-worker"),
        isochrone_cache=LruCache(settings.isochrone_cache_size),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: :meth:`Settings.from_env`).

    Networks are built or loaded from the cache when the app starts (its lifespan), kept in
    memory and shared by every request; heavy work runs in a thread pool.
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service = _load_state(settings)
        app.state.service = service
        try:
            yield
        finally:
            log.info("shutting down: waiting for running work")
            service.close()

    app = FastAPI(
        title="commuting-circles API",
        version=access.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.include_router(health.router)
    for router in ROUTERS:
        if router is not health.router:
            app.include_router(router, dependencies=[Depends(require_api_key)])

    @app.exception_handler(AccessError)
    async def _library_error(request: Request, exc: AccessError) -> JSONResponse:
        # bad files, modes, cutoffs, departures, points off the network: the caller can fix them
        status = 500 if isinstance(exc, CacheError) else 422
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the service log."}, 500)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "X-API-Key"],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(TimingMiddleware)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory api.app:app_from_env`` (settings from ``ACCESS_API_*``)."""
    return create_app(Settings.from_env())
