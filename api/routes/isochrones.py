"""POST /isochrones: areas reachable within cutoffs, as a GeoJSON FeatureCollection."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Request, Response

import access
from access.scenarios.model import Scenario
from api.compute import routing_cost
from api.convert import count_points, geojson_bytes, points_frame
from api.deps import check_cutoffs, check_limit, check_window, get_service, request_key
from api.errors import error_responses
from api.routes.scenarios import _stored
from api.schemas import FeatureCollection, IsochroneRequest
from api.state import ServiceState

__all__ = ["router", "GeoJSONResponse"]

router = APIRouter(tags=["isochrones"])


class GeoJSONResponse(Response):
    media_type = "application/geo+json"


@router.post(
    "/isochrones",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
    operation_id="isochrones",
    responses={
        200: {"content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}},
        **error_responses(404, 413, 503, 504),
    },
)
async def isochrones(
    body: IsochroneRequest, request: Request, service: ServiceState = Depends(get_service)
) -> Response:
    """One (multi)polygon per origin and cutoff: ``origin_id``, ``cutoff_min``, ``area_km2``.

    Repeated queries are answered from the response cache (``X-Cache: hit``); identical
    queries in progress are computed once (``shared``). An origin off the network gives 422
    naming it.
    """
    region = service.region(body.network)
    n_origins = count_points(body.origins)
    check_limit(n_origins, service.settings.max_origins, "origins", "max_origins")
    check_cutoffs(body.cutoffs_min, service)
    if body.mode == "transit":
        check_window(body.window_min, service)
    scenario = None
    cost = routing_cost(n_origins, body.mode, body.window_min)
    if body.scenario is not None:  # the scenario's network: the map page's base/scenario switch
        record = _stored(service, body.scenario)
        region = service.region(record["network"])
        scenario = Scenario.model_validate(record["scenario"])
        if not service.has_scenario_network(body.scenario):
            cost = math.inf  # building the scenario's network is heavy work
    key = request_key(
        "isochrones", region.name, body.model_dump(mode="json", exclude={"network"}), scenario=body.scenario
    )

    def work() -> bytes:
        origins = points_frame(body.origins)  # here, not before: a cache hit needs no frame
        network = region.network
        if scenario is not None:
            network = service.scenario_network(body.scenario, region, scenario)
        result = access.isochrones(
            network,
            origins,
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
        return geojson_bytes(result)

    out = await service.compute(request, key, work, cost=cost, media_type=GeoJSONResponse.media_type)
    return out.response()
