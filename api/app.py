"""The FastAPI application: ``create_app(settings)`` loads networks once and mounts the routers."""

from __future__ import annotations

import importlib
import logging
import sys
import time
import warnings
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi, validation_error_definition, validation_error_response_definition

import access
from api import docs
from api.compute import Pool
from api.deps import require_api_key
from api.errors import error_responses, install_handlers
from api.middleware import (
    BodyMiddleware,
    CachedAnswerMiddleware,
    RateLimitMiddleware,
    TimingMiddleware,
    TrustedHostMiddleware,
)
from api.regions import load_region, region_configs
from api.routes import PUBLIC_ROUTERS, ROUTERS
from api.schemas import ErrorDetail
from api.settings import Settings
from api.state import ResponseCache, ServiceState
from api.store import Store

__all__ = ["create_app", "app_from_env"]

log = logging.getLogger("api")

DESCRIPTION = """Isochrones, travel-time matrices, accessibility, commuting circles and scenario
comparisons on networks loaded once at start-up. Coordinates are EPSG:4326 `[lon, lat]`;
times are minutes; areas km².

**Errors** are JSON. 422: `{"detail": [{"loc", "msg", "type"}]}` (schema violations, limits of
this service, library input errors); every other error: `{"detail": "what to fix"}` — 400
malformed request or untrusted Host, 401 missing key, 404 unknown network/scenario/job, 409
conflict, 413 body too large, 429 rate limit (`Retry-After`), 503 busy or stopping
(`Retry-After`), 504 past the compute deadline, 507 registry full.

**Responses** of compute endpoints carry `X-Cache`: `hit` (from the response cache), `shared`
(joined an identical request in progress) or `miss`. POSTs that create something accept an
`Idempotency-Key` header."""


def _safe_workers(workers: int) -> int:
    """Worker threads for library calls. Numba's fallback threading layer (workqueue, used
    when neither TBB nor OpenMP loads) aborts the process when two threads enter parallel
    kernels at once, so the service then runs one library call at a time."""
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
    if settings.warm_up:
        warmed = time.perf_counter()
        for region in regions.values():
            _warm_up(region.network)
        log.info("kernels ready in %.1f s (compiled, or loaded from numba's cache)", time.perf_counter() - warmed)
    store = Store(settings.database, max_scenarios=settings.max_scenarios, max_jobs_kept=settings.max_jobs_kept)
    interrupted = store.interrupt_unfinished("the service restarted while this job was queued or running")
    if interrupted:
        log.warning("%d jobs left unfinished by the previous run were marked failed", interrupted)
    log.info(
        "%d network(s) ready in %.1f s; registry %s", len(regions), time.perf_counter() - started, settings.database
    )
    one = _safe_workers(2) == 1  # numba cannot run kernels in two threads at once here
    return ServiceState(
        settings=settings,
        regions=regions,
        store=store,
        light=Pool("light", 1 if one else settings.light_workers, settings.max_queued_light),
        heavy=Pool("heavy", 1 if one else settings.workers, settings.max_queued_heavy, low_priority=True),
        jobs=Pool("jobs", 1, settings.max_queued_jobs, low_priority=True),
        cache=ResponseCache(settings.cache_max_bytes, settings.cache_max_entry_bytes),
    )


def _warm_up(network: access.Network) -> None:
    """Route one tiny query per mode of ``network`` (a travel time and an isochrone from one
    of its own nodes; transit: one departure), so that numba compiles its kernels, or loads
    them from its disk cache, before the service answers: otherwise the first request of
    each kind waits for that (tens of seconds on a cold cache) and cannot be cancelled
    meanwhile. Transit isochrones are left out (their egress table to every node is built
    by the first one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # extents, off-network, walk-only notes: nobody asked
        for mode in network.modes:
            street = network.street("walk" if mode == "transit" else mode)
            if street.n_nodes == 0:
                continue
            node = street.n_nodes // 2
            point = [(float(street.lon[node]), float(street.lat[node]))]
            if mode == "transit":
                access.travel_times(network, point, point, mode="transit", window_min=1, max_time_min=10)
            else:
                access.travel_times(network, point, point, mode=mode, max_time_min=10)
                access.isochrones(network, point, mode=mode, cutoffs_min=(1,))


def _openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI document as this service behaves: 400 (Host, body) on every operation,
    401 and the X-API-Key scheme only when a key is set, 429 only when rate limited."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    schemes = components.get("securitySchemes", {})
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                for content in response.get("content", {}).values():
                    schema_ = content.get("schema", {})
                    if "$ref" in schema_:  # FastAPI adds "type": "string" beside the model of a custom media type
                        content["schema"] = {"$ref": schema_["$ref"]}
            extra = [400]
            if path != "/health":
                if settings.api_key:
                    extra.append(401)
                else:
                    operation.pop("security", None)
                if settings.rate_limit_per_min > 0:
                    extra.append(429)
            for status, response in error_responses(*extra).items():
                responses.setdefault(str(status), response)
            for status, response in responses.items():
                # the handlers give every error one of two shapes, whatever a route declares
                if status[:1] in ("4", "5") and status != "default":
                    ref = "HTTPValidationError" if status == "422" else "ErrorDetail"
                    response["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
            if not settings.api_key:
                responses.pop("401", None)
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ErrorDetail.model_json_schema())
    if "HTTPValidationError" not in schemas:
        schemas["HTTPValidationError"] = validation_error_response_definition
        schemas["ValidationError"] = validation_error_definition
    if not settings.api_key:
        components.pop("securitySchemes", None)
    elif schemes:
        schemes["APIKeyHeader"]["description"] = "the service's API key (ACCESS_API_API_KEY)"
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: :meth:`Settings.from_env`).

    Networks are built or loaded from the cache when the app starts (its lifespan), kept in
    memory and shared by every request; library work runs in worker pools.
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service = _load_state(settings)
        app.state.service = service
        # a worker holding the GIL makes the event loop wait up to one switch interval each
        # time it needs it back (every socket call): a shorter interval keeps light answers quick
        interval = sys.getswitchinterval()
        sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)
        try:
            yield
        finally:
            log.info("shutting down: waiting for running work")
            sys.setswitchinterval(interval)
            service.close()

    app = FastAPI(
        title="commuting-circles API",
        version=access.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api.docs from packaged assets (offline), behind the key
        redoc_url=None,
        openapi_url=None,
    )
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in [*ROUTERS, docs.router]:
        if router not in PUBLIC_ROUTERS:
            app.include_router(router, dependencies=[Depends(require_api_key)])
    docs.mount_assets(app)
    app.openapi = lambda: _openapi(app, settings)
    install_handlers(app)

    # outermost first: timing, Host check, CORS (so 429s carry CORS headers), rate limit, body,
    # answers of repeated requests from the cache
    app.add_middleware(CachedAnswerMiddleware, api_key=settings.api_key)
    app.add_middleware(BodyMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimitMiddleware, per_min=settings.rate_limit_per_min, burst=settings.rate_limit_burst)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Accept", "X-API-Key", "Idempotency-Key"],
            expose_headers=["X-Cache", "Retry-After", "Location", "Idempotent-Replayed"],
        )
    app.add_middleware(TrustedHostMiddleware, hosts=settings.trusted_hosts)
    app.add_middleware(TimingMiddleware)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory api.app:app_from_env`` (settings from ``ACCESS_API_*``)."""
    return create_app(Settings.from_env())
