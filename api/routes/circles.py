"""POST /circles: commuting circles of centres over a named zones layer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from access.circles.circles import commuting_circles
from access.circles.definition import resolve_definition
from api.compute import routing_cost
from api.convert import dumps, geojson_dict, records
from api.deps import check_cutoffs, check_limit, check_window, get_service, request_key
from api.deps import region_layer as layer
from api.errors import error_responses
from api.schemas import CirclesRequest, CirclesResult
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["circles"])


def _centres(value):
    """JSON centres as the library reads them: (lon, lat) tuples, names, lists, dicts."""
    if isinstance(value, dict):
        return {k: _centres(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_centres(v) for v in value]
    return tuple(value) if isinstance(value, tuple) else value


def _run(network, zones, body: CirclesRequest) -> dict:
    routing = {
        k: v
        for k in ("departure", "arrive_by", "window_min", "percentile", "access_mode")
        if (v := getattr(body, k)) is not None
    }
    result = commuting_circles(
        network,
        _centres(body.centres),
        zones=zones,
        cutoffs_min=body.cutoffs_min,
        mode=body.mode,
        direction=body.direction,
        statistic=body.statistic,
        population=body.population,
        jobs=body.jobs,
        definition=body.definition,
        polygons=body.polygons,
        **routing,
    )
    return {
        "definition": result.definition.model_dump(mode="json"),
        "summary": records(result.summary),
        "zones": geojson_dict(result.zones),
        "polygons": geojson_dict(result.polygons),
    }


@router.post(
    "/circles", response_model=CirclesResult, operation_id="circles", responses=error_responses(404, 413, 503, 504)
)
async def post_circles(
    body: CirclesRequest, request: Request, service: ServiceState = Depends(get_service)
) -> Response:
    """Which zones (and how many people and jobs) lie inside each centre's 1-h / 2-h
    circle; the circle polygons as GeoJSON."""
    region = service.region(body.network)
    zones = layer(region, "zones", body.zones)
    n_centres = len(body.centres) if isinstance(body.centres, list | dict) else 1
    check_limit(n_centres, service.settings.max_origins, "centres", "max_origins")
    # limits apply to the effective definition (a preset's cutoffs and window count too)
    spec = resolve_definition(
        body.definition,
        cutoffs_min=None if body.cutoffs_min is None else tuple(body.cutoffs_min),
        mode=body.mode,
        window_min=body.window_min,
    )
    check_cutoffs(spec.cutoffs_min, service)
    if spec.mode == "transit":
        check_window(spec.window_min, service)

    def work() -> bytes:
        return dumps({"network": region.name, **_run(region.network, zones, body)})

    key = request_key("circles", region.name, body.model_dump(mode="json", exclude={"network"}))
    cost = routing_cost(n_centres, spec.mode, spec.window_min, len(zones))
    return (await service.compute(request, key, work, cost=cost)).response()
