"""GET /health: liveness, loaded networks and their sizes (no API key needed)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends

import access
from api.deps import get_service
from api.schemas import Health
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
def health(service: ServiceState = Depends(get_service)) -> Health:
    """Service status, the networks in memory (nodes and edges per mode, transit sizes)."""
    networks = {}
    for name, region in service.regions.items():
        net = region.network
        sizes = {mode: {"nodes": s.n_nodes, "edges": s.n_edges} for mode, s in net.streets.items()}
        if net.transit is not None:
            sizes["transit"] = {"stops": net.transit.n_stops, "trips": net.transit.n_trips}
        networks[name] = sizes
    return Health(
        status="ok",
        version=access.__version__,
        uptime_s=round(time.time() - service.started, 3),
        networks=networks,
        isochrone_cache=service.isochrone_cache.stats(),
    )
