"""GET /networks: what is loaded (name, bbox, modes, feeds, service date, layers)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import get_service
from api.regions import network_info
from api.schemas import ErrorDetail, NetworkInfo
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["networks"], responses={401: {"model": ErrorDetail}})


@router.get("/networks", response_model=list[NetworkInfo])
async def list_networks(service: ServiceState = Depends(get_service)) -> list[dict]:
    """Every loaded network."""
    return [network_info(region) for region in service.regions.values()]


@router.get("/networks/{name}", response_model=NetworkInfo, responses={404: {"model": ErrorDetail}})
async def get_network(name: str, service: ServiceState = Depends(get_service)) -> dict:
    """One loaded network by name; 404 when unknown."""
    return network_info(service.region(name))
