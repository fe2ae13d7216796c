"""GET /health: liveness, loaded networks, cache, pools and request counters (no API key needed)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request

import access
from api.deps import get_service
from api.schemas import Health
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["service"])


def _rate_limited(request: Request) -> int:
    """Requests refused by the rate limit so far (the middleware's counter)."""
    app = request.app.middleware_stack
    while app is not None:
        buckets = getattr(app, "buckets", None)
        if buckets is not None:
            return buckets.refused
        app = getattr(app, "app", None)
    return 0


@router.get("/health", response_model=Health, operation_id="health")
def health(request: Request, service: ServiceState = Depends(get_service)) -> Health:
    """Service status, the networks in memory (nodes and edges per mode, transit sizes),
    the response cache, the worker pools (queued, running) and request counters."""
    networks = {}
    for name, region in service.regions.items():
        net = region.network
        sizes = {mode: {"nodes": s.n_nodes, "edges": s.n_edges} for mode, s in net.streets.items()}
        if net.transit is not None:
            sizes["transit"] = {"stops": net.transit.n_stops, "trips": net.transit.n_trips}
        networks[name] = sizes
    flights = service.flights
    return Health(
        status="ok",
        version=access.__version__,
        uptime_s=round(time.time() - service.started, 3),
        networks=networks,
        cache={**service.cache.stats(), "answered_before_validation": service.answers.answered},
        pools={pool.name: pool.stats() for pool in (service.light, service.heavy, service.jobs)},
        requests={
            "in_progress": len(flights),
            "coalesced": flights.coalesced,
            "timed_out": flights.timed_out,
            "abandoned": flights.abandoned,
            "rate_limited": _rate_limited(request),
        },
    )
