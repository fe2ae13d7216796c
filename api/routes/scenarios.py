"""Scenarios: register modifications of a loaded network, read them back, compare with the base."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import ValidationError

from access.scenarios.apply import validate
from access.scenarios.compare import compare
from access.scenarios.model import AddLine, CompareSettings, Scenario
from api.convert import count_points, dumps, geojson_dict, points_frame, records
from api.deps import check_cutoffs, check_limit, check_window, get_service
from api.deps import region_layer as layer
from api.schemas import (
    CompareRequest,
    ComparisonResult,
    ErrorDetail,
    JobAccepted,
    ScenarioCreated,
    ScenarioInfo,
    ScenarioRequest,
)
from api.state import ServiceState, scenario_base_region

__all__ = ["router"]

router = APIRouter(
    tags=["scenarios"],
    responses={401: {"model": ErrorDetail}, 404: {"model": ErrorDetail}, 413: {"model": ErrorDetail}},
)

_PUBLIC = ("name", "description", "modifications", "compare")  # what clients see of a stored scenario


def _stored(service: ServiceState, scenario_id: str) -> dict:
    record = service.store.scenario(scenario_id)
    if record is None:
        raise HTTPException(404, f"unknown scenario {scenario_id!r}; register one with POST /scenarios.")
    return record


def _register(service: ServiceState, region, scenario: Scenario) -> str:
    validate(service.scenario_base(region), scenario.modifications)  # unknown routes, stops ... -> 422
    return service.store.add_scenario(region.name, scenario.name, json.loads(scenario.model_dump_json()))


@router.post("/scenarios", response_model=ScenarioCreated, status_code=201)
async def create_scenario(
    body: ScenarioRequest, request: Request, response: Response, service: ServiceState = Depends(get_service)
) -> dict:
    """Validate the modifications against the network and register them (kept across restarts)."""
    region = service.region(body.network)
    for k, mod in enumerate(body.modifications, 1):
        if isinstance(mod, AddLine) and isinstance(mod.spec, str):
            raise HTTPException(
                422, f"modification {k} (add_line): send the rail spec inline; file paths are not read over HTTP."
            )
    scenario = Scenario(
        name=body.name,
        description=body.description,
        base=scenario_base_region(region),
        modifications=body.modifications,
        compare=body.compare or CompareSettings(),
    )
    scenario_id = await service.run(_register, service, region, scenario)
    url = str(request.url_for("get_scenario", scenario_id=scenario_id).path)
    response.headers["Location"] = url
    return {"id": scenario_id, "url": url}


@router.get("/scenarios", summary="Registered scenarios, newest first (id, network, name, created)")
def list_scenarios(service: ServiceState = Depends(get_service)) -> list[dict]:
    """Ids, networks and names of the registered scenarios (newest first, at most 200)."""
    return service.store.scenarios()


@router.get("/scenarios/{scenario_id}", response_model=ScenarioInfo)
def get_scenario(scenario_id: str, service: ServiceState = Depends(get_service)) -> dict:
    """A registered scenario: its modifications and default comparison settings."""
    record = _stored(service, scenario_id)
    record["scenario"] = {k: record["scenario"].get(k) for k in _PUBLIC}
    return record


def _compare(
    service: ServiceState,
    scenario_id: str,
    region,
    scenario: Scenario,
    origins,
    opportunities,
    settings: CompareSettings,
) -> dict:
    network = service.scenario_network(scenario_id, region, scenario)
    result = compare(
        region.network,
        network,
        origins,
        opportunities,
        centres=settings.centres or None,
        mode=settings.mode,
        cutoffs_min=settings.cutoffs_min,
        opportunity=settings.opportunity,
        population=settings.population,
        by=settings.by,
        class_column=settings.class_column,
        departure=settings.departure,
        window_min=settings.window_min,
        percentile=settings.percentile,
        access_mode=settings.access_mode,
        max_time_min=settings.max_time_min,
    )
    return {
        "scenario_id": scenario_id,
        "network": region.name,
        "settings": json.loads(json.dumps(result.settings, default=str)),
        "headline": {k: v for k, v in result.headline().items() if v == v},  # NaN left out
        "summary": records(result.summary),
        "origins": geojson_dict(result.origins),
    }


@router.post(
    "/scenarios/{scenario_id}/compare",
    response_model=ComparisonResult,
    responses={202: {"model": JobAccepted, "description": "queued as a background job"}},
)
async def compare_scenario(
    scenario_id: str, body: CompareRequest, request: Request, service: ServiceState = Depends(get_service)
) -> Response:
    """Base vs scenario on the same origins and departure window: summary (people inside
    circles, mean access by group, winners and losers) and per-origin deltas as GeoJSON.

    Comparisons with more than ``compare_sync_max_origins`` origins (or ``background``:
    true) run as background jobs: ``202`` with a job id; poll ``GET /jobs/{id}``.
    """
    record = _stored(service, scenario_id)
    region = service.region(record["network"])
    scenario = Scenario.model_validate(record["scenario"])
    given = body.model_dump(include=set(CompareSettings.model_fields) & body.model_fields_set, exclude_none=True)
    try:  # re-check the merged values (bounds, cutoffs) as the scenario file would be
        settings = CompareSettings.model_validate({**scenario.compare.model_dump(), **given})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, f"compare settings: {problems}") from None
    if body.origins is not None:
        check_limit(count_points(body.origins), service.settings.max_origins, "origins", "max_origins")
        origins = points_frame(body.origins)
    else:
        origins = layer(region, "opportunities", body.origins_layer)
    # posted origins reach the region's opportunity layer; a layer of origins is its own by default
    wants_layer = body.opportunities is not None or body.origins is not None
    opportunities = layer(region, "opportunities", body.opportunities) if wants_layer else None
    check_cutoffs([*settings.cutoffs_min, settings.max_time_min], service)
    if settings.mode == "transit":
        check_window(settings.window_min, service)
    n_origins = len(origins)
    args = (service, scenario_id, region, scenario, origins, opportunities, settings)
    if body.background or n_origins > service.settings.compare_sync_max_origins:
        request_record = {"scenario_id": scenario_id, **body.model_dump(mode="json", exclude={"origins"})}
        job_id = service.submit_job("compare", request_record, lambda: _compare(*args))
        url = str(request.url_for("get_job", job_id=job_id).path)
        return Response(
            dumps({"job_id": job_id, "status_url": url}),
            status_code=202,
            media_type="application/json",
            headers={"Location": url},
        )
    return Response(await service.run(lambda: dumps(_compare(*args))), media_type="application/json")
