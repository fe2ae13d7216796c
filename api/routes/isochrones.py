"""POST /isochrones: areas reachable within cutoffs, as a GeoJSON FeatureCollection."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

import access
from api.convert import count_points, geojson_bytes, points_frame
from api.deps import check_cutoffs, check_limit, check_window, get_service
from api.schemas import ErrorDetail, FeatureCollection, IsochroneRequest
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(
    tags=["isochrones"],
    responses={401: {"model": ErrorDetail}, 404: {"model": ErrorDetail}, 413: {"model": ErrorDetail}},
)


@router.post("/isochrones", response_model=FeatureCollection)
async def isochrones(body: IsochroneRequest, service: ServiceState = Depends(get_service)) -> Response:
    """One (multi)polygon per origin and cutoff: ``origin_id``, ``cutoff_min``, ``area_km2``.

    Repeated queries are answered from an LRU cache (header ``X-Cache: hit``). An origin
    off the network gives 422 naming it.
    """
    region = service.region(body.network)
    check_limit(count_points(body.origins), service.settings.max_origins, "origins", "max_origins")
    check_cutoffs(body.cutoffs_min, service)
    if body.mode == "transit":
        check_window(body.window_min, service)
    scenario = None
    if body.scenario is not None:  # the scenario's network: the map page's base/scenario switch
        from access.scenarios.model import Scenario
        from api.routes.scenarios import _stored

        record = _stored(service, body.scenario)
        region = service.region(record["network"])
        scenario = Scenario.model_validate(record["scenario"])
    key = f"{region.name}|{body.model_dump_json(exclude={'network'})}"
    cached = service.isochrone_cache.get(key)
    if cached is not None:  # answered before any (scenario) network is built
        return Response(cached, media_type="application/geo+json", headers={"X-Cache": "hit"})
    network = region.network
    if scenario is not None:
        network = await service.run(service.scenario_network, body.scenario, region, scenario)
    result = await service.run(
        access.isochrones,
        network,
        points_frame(body.origins),
        mode=body.mode,
        cutoffs_min=body.cutoffs_min,
        departure=body.departure,
        arrive_by=body.arrive_by,
        window_min=body.window_min,
        percentile=body.percentile,
        access_mode=body.access_mode,
        output=body.output,
        denoise=body.denoise,
        generalize=body.generalize,
        resolution_m=body.resolution_m,
    )
    payload = await service.run(geojson_bytes, result)
    service.isochrone_cache.put(key, payload)
    return Response(payload, media_type="application/geo+json", headers={"X-Cache": "miss"})
