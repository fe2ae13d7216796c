"""POST /accessibility: per-origin accessibility to a named opportunity layer + a group summary."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from access.errors import AccessError
from access.measures.accessibility import accessibility, search_budget_min
from access.measures.equity import OFF_NETWORK, summarise
from api.compute import routing_cost
from api.convert import count_points, dumps, geojson_dict, points_frame, records
from api.deps import check_cutoffs, check_limit, check_window, get_service, request_key
from api.deps import region_layer as layer
from api.errors import error_responses, unprocessable
from api.schemas import AccessibilityRequest, AccessibilityResult
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["accessibility"])


def _run(network, origins, opportunities, body: AccessibilityRequest) -> dict:
    params = {
        k: v for k in ("decay", "decay_param", "n", "demand", "centre_weight") if (v := getattr(body, k)) is not None
    }
    result = accessibility(
        network,
        origins,
        opportunities,
        measure=body.measure,
        mode=body.mode,
        cutoffs_min=body.cutoffs_min,
        opportunity=body.opportunity,
        departure=body.departure,
        window_min=body.window_min,
        percentile=body.percentile,
        access_mode=body.access_mode,
        max_time_min=body.max_time_min,
        **params,
    )
    base = set(origins.columns) if hasattr(origins, "columns") else {"id", "geometry"}
    columns = [c for c in result.columns if c not in base and c not in ("geometry", OFF_NETWORK)]
    numeric = [c for c in columns if result[c].dtype.kind in "fiu"]
    by = [body.summary_by] if isinstance(body.summary_by, str) else list(body.summary_by or [])
    # the summary groups and weights by what the origins carry; missing columns are skipped
    by = [c for c in by if c in result.columns]
    weight = body.weight if body.weight in result.columns else None
    summary = summarise(result, value=numeric, weight=weight, by=by or None) if numeric else None
    return {
        "columns": columns,
        "origins": geojson_dict(result),
        "summary": [] if summary is None else records(summary),
    }


@router.post(
    "/accessibility",
    response_model=AccessibilityResult,
    operation_id="accessibility",
    responses=error_responses(404, 413, 503, 504),
)
async def post_accessibility(
    body: AccessibilityRequest, request: Request, service: ServiceState = Depends(get_service)
) -> Response:
    """Accessibility of each origin (cumulative, gravity, nearest-N, 2SFCA, E2SFCA, BFCA,
    centres) to a named opportunity layer, with the population-weighted group summary
    (:func:`access.measures.equity.summarise`, by ``summary_by``)."""
    region = service.region(body.network)
    opportunities = layer(region, "opportunities", body.opportunities)
    if body.origins is not None:
        check_limit(count_points(body.origins), service.settings.max_origins, "origins", "max_origins")
        origins = points_frame(body.origins)
    elif body.origins_layer is not None:
        kind = "opportunities" if body.origins_layer in region.opportunities else "zones"
        origins = layer(region, kind, body.origins_layer)
    else:
        origins = opportunities
    budget = body.max_time_min
    if budget is None:  # the budget the library would choose (decays can search far)
        try:
            budget = search_budget_min(body.measure, body.cutoffs_min, body.decay, body.decay_param)
        except AccessError as exc:
            raise unprocessable(str(exc), kind="input_error") from None
    check_cutoffs([*body.cutoffs_min, budget], service, what="search budget")
    if body.mode == "transit":
        check_window(body.window_min, service)

    def work() -> bytes:
        out = _run(region.network, origins, opportunities, body)
        return dumps({"network": region.name, "measure": body.measure, **out})

    key = request_key("accessibility", region.name, body.model_dump(mode="json", exclude={"network"}))
    cost = routing_cost(len(origins), body.mode, body.window_min, len(opportunities))
    return (await service.compute(request, key, work, cost=cost)).response()
