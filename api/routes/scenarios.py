"""Scenarios: register modifications of a loaded network (only ones that can be used),
read them back, delete them, compare them with the base (at once or as a job)."""

from __future__ import annotations

import json
import logging
import math

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import ValidationError

from access.errors import AccessError, InputError
from access.scenarios.apply import apply, validate
from access.scenarios.compare import compare
from access.scenarios.model import AddLine, ChangeHeadway, CompareSettings, Scenario, clock_s
from api.convert import count_points, dumps, geojson_dict, points_frame, records
from api.deps import (
    IdempotencyKey,
    check_cutoffs,
    check_limit,
    check_window,
    fingerprint,
    get_service,
    idempotency_scope,
    request_key,
)
from api.deps import region_layer as layer
from api.errors import error_responses, unprocessable
from api.schemas import CompareRequest, ComparisonResult, JobAccepted, ScenarioCreated, ScenarioInfo, ScenarioRequest
from api.state import ServiceState, scenario_base_region

__all__ = ["router", "prepare_compare", "submit_compare_job", "with_idempotency", "scenario_trips"]

log = logging.getLogger("api.scenarios")

router = APIRouter(tags=["scenarios"])

_PUBLIC = ("name", "description", "modifications", "compare")  # what clients see of a stored scenario
_LOCATION = {"Location": {"description": "the new resource's URL", "schema": {"type": "string"}}}
_REPLAYED = {
    "Idempotent-Replayed": {"description": "true: the stored first response to this Idempotency-Key", "schema": {}}
}
_SCENARIO_LINKS = {
    "GetScenario": {"operationId": "get_scenario", "parameters": {"scenario_id": "$response.body#/id"}},
    "CompareScenario": {"operationId": "compare_scenario", "parameters": {"scenario_id": "$response.body#/id"}},
    "DeleteScenario": {"operationId": "delete_scenario", "parameters": {"scenario_id": "$response.body#/id"}},
}
_JOB_LINKS = {
    "GetJob": {"operationId": "get_job", "parameters": {"job_id": "$response.body#/job_id"}},
    "ResubmitJob": {"operationId": "resubmit_job", "parameters": {"job_id": "$response.body#/job_id"}},
}


def _stored(service: ServiceState, scenario_id: str) -> dict:
    record = service.store.scenario(scenario_id)
    if record is None:
        raise HTTPException(404, f"unknown scenario {scenario_id!r}; register one with POST /scenarios.")
    return record


def scenario_trips(modifications) -> int:
    """Trips the timetable modifications create (each direction, pattern, period), counted
    from the numbers alone before anything is expanded."""
    total = 0
    for mod in modifications:
        if isinstance(mod, AddLine) and not isinstance(mod.spec, str):
            spec = mod.spec
            per_pattern = sum(
                max(0.0, (clock_s(p.end) - clock_s(p.start)) / 60.0) / p.headway_min for p in spec.periods
            )
            directions = 2 if spec.directions == "both" else 1
            total += math.ceil(per_pattern) * directions * len(spec.patterns or [None])
        elif isinstance(mod, ChangeHeadway):
            per_route = sum((clock_s(p.end) - clock_s(p.start)) / 60.0 / p.headway_min for p in mod.periods)
            total += math.ceil(per_route) * 2 * len(mod.routes)
    return total


def _register(service: ServiceState, region, scenario: Scenario, idempotency) -> str:
    """Validate, apply once (a scenario registered is one that can be used), store."""
    base = service.scenario_base(region)
    validate(base, scenario.modifications)  # unknown routes, stops, road ends ... -> 422
    try:
        network = apply(base, scenario.modifications)  # e.g. unknown way ids: InputError
    except AccessError:
        raise
    except Exception as exc:  # anything else in applying it comes from the values given
        log.warning("scenario %r cannot be applied", scenario.name, exc_info=True)
        raise InputError(
            f"the modifications cannot be applied ({type(exc).__name__}: {exc}); check their numbers."
        ) from None
    scenario_id = service.store.add_scenario(
        region.name, scenario.name, json.loads(scenario.model_dump_json()), idempotency=idempotency
    )
    service.keep_scenario_network(scenario_id, network)
    return scenario_id


async def with_idempotency(service: ServiceState, request: Request, key: str | None, body, run) -> Response:
    """``run(idempotency) -> Response`` once per ``Idempotency-Key``: a retry with the same
    key and body gets the stored response (``Idempotent-Replayed: true``), another body 422,
    while the first is still running 409. ``idempotency`` is None without a key, else the
    record :class:`api.store.Store` writes atomically with the resource."""
    if key is None:
        return await run(None)
    scope, print_ = idempotency_scope(request), fingerprint(body)
    try:
        replay = service.store.replay(scope, key, print_, service.settings.idempotency_ttl_s)
    except ValueError as exc:
        raise unprocessable(str(exc), "header", "Idempotency-Key") from None
    if replay is not None:
        headers = {"Idempotent-Replayed": "true", **({"Location": replay.location} if replay.location else {})}
        return Response(replay.body, status_code=replay.status, media_type="application/json", headers=headers)
    marker = (scope, key)
    if marker in service.idempotency_running:
        raise HTTPException(409, "a request with this Idempotency-Key is still running; retry when it has finished.")
    service.idempotency_running.add(marker)
    try:
        return await run((scope, key, print_))
    finally:
        service.idempotency_running.discard(marker)


@router.post(
    "/scenarios",
    response_model=ScenarioCreated,
    status_code=201,
    operation_id="create_scenario",
    responses={
        201: {"links": _SCENARIO_LINKS, "headers": {**_LOCATION, **_REPLAYED}},
        **error_responses(404, 409, 413, 503, 504, 507),
    },
)
async def create_scenario(
    body: ScenarioRequest,
    request: Request,
    idempotency_key: str | None = Depends(IdempotencyKey),
    service: ServiceState = Depends(get_service),
) -> Response:
    """Validate the modifications against the network, apply them once (so only scenarios
    that can be used are stored) and register them (kept across restarts).

    Refused with 422: unknown routes, stops or way ids, road ends off the network, numbers
    out of bounds, more than ``max_scenario_trips`` new trips; 507 when the registry is full."""
    region = service.region(body.network)
    for k, mod in enumerate(body.modifications, 1):
        if isinstance(mod, AddLine) and isinstance(mod.spec, str):
            raise unprocessable(
                f"modification {k} (add_line): send the rail spec inline; file paths are not read over HTTP.",
                "body",
                "modifications",
                k - 1,
                "spec",
            )
    trips = scenario_trips(body.modifications)
    if trips > service.settings.max_scenario_trips:
        raise unprocessable(
            f"the modifications would run {trips:,} trips (limit max_scenario_trips="
            f"{service.settings.max_scenario_trips:,} of this service); use longer headways or shorter periods.",
            "body",
            "modifications",
            kind="limit",
        )
    scenario = Scenario(
        name=body.name,
        description=body.description,
        base=scenario_base_region(region),
        modifications=body.modifications,
        compare=body.compare or CompareSettings(),
    )

    async def run(idempotency) -> Response:
        def url(sid: str) -> str:
            return str(request.url_for("get_scenario", scenario_id=sid).path)

        record = None
        if idempotency is not None:
            scope, key, print_ = idempotency
            record = (scope, key, print_, 201, lambda sid: dumps({"id": sid, "url": url(sid)}), url)
        scenario_id = await service.run(_register, service, region, scenario, record, cost=math.inf)
        return Response(
            dumps({"id": scenario_id, "url": url(scenario_id)}),
            status_code=201,
            media_type="application/json",
            headers={"Location": url(scenario_id)},
        )

    return await with_idempotency(service, request, idempotency_key, body.model_dump(mode="json"), run)


@router.get(
    "/scenarios",
    summary="Registered scenarios, newest first (id, network, name, created)",
    operation_id="list_scenarios",
    responses=error_responses(503),
)
def list_scenarios(service: ServiceState = Depends(get_service)) -> list[dict]:
    """Ids, networks and names of the registered scenarios (newest first, at most 200)."""
    return service.store.scenarios()


@router.get(
    "/scenarios/{scenario_id}",
    response_model=ScenarioInfo,
    operation_id="get_scenario",
    responses=error_responses(404, 503),
)
def get_scenario(scenario_id: str, service: ServiceState = Depends(get_service)) -> dict:
    """A registered scenario: its modifications and default comparison settings."""
    record = _stored(service, scenario_id)
    record["scenario"] = {k: record["scenario"].get(k) for k in _PUBLIC}
    return record


@router.delete(
    "/scenarios/{scenario_id}",
    status_code=204,
    operation_id="delete_scenario",
    response_class=Response,
    responses=error_responses(404, 503, 507),
)
def delete_scenario(scenario_id: str, service: ServiceState = Depends(get_service)) -> Response:
    """Remove a scenario, its network and its cached responses (finished jobs keep their results)."""
    if not service.store.delete_scenario(scenario_id):
        raise HTTPException(404, f"unknown scenario {scenario_id!r}; nothing deleted.")
    service.forget_scenario(scenario_id)
    return Response(status_code=204)


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


def prepare_compare(service: ServiceState, scenario_id: str, body: CompareRequest) -> tuple:
    """Check a comparison request (404, 422) and give the arguments of :func:`_compare`."""
    record = _stored(service, scenario_id)
    region = service.region(record["network"])
    scenario = Scenario.model_validate(record["scenario"])
    given = body.model_dump(include=set(CompareSettings.model_fields) & body.model_fields_set, exclude_none=True)
    try:  # re-check the merged values (bounds, cutoffs) as the scenario file would be
        settings = CompareSettings.model_validate({**scenario.compare.model_dump(), **given})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise unprocessable(f"compare settings: {problems}") from None
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
    return (service, scenario_id, region, scenario, origins, opportunities, settings)


def submit_compare_job(
    service: ServiceState, request: Request, scenario_id: str, body: CompareRequest, idempotency
) -> Response:
    """Queue a comparison as a background job holding its full request; 202 + its URL."""
    args = prepare_compare(service, scenario_id, body)
    full = {"scenario_id": scenario_id, "body": body.model_dump(mode="json")}

    def url(job_id: str) -> str:
        return str(request.url_for("get_job", job_id=job_id).path)

    def accepted(job_id: str) -> bytes:
        return dumps({"job_id": job_id, "status_url": url(job_id)})

    record = None
    if idempotency is not None:
        scope, key, print_ = idempotency
        record = (scope, key, print_, 202, accepted, url)
    job_id = service.submit_job("compare", full, lambda: _compare(*args), idempotency=record)
    return Response(accepted(job_id), status_code=202, media_type="application/json", headers={"Location": url(job_id)})


@router.post(
    "/scenarios/{scenario_id}/compare",
    response_model=ComparisonResult,
    operation_id="compare_scenario",
    responses={
        202: {
            "model": JobAccepted,
            "description": "queued as a background job",
            "links": _JOB_LINKS,
            "headers": {**_LOCATION, **_REPLAYED},
        },
        **error_responses(404, 409, 413, 503, 504, 507),
    },
)
async def compare_scenario(
    scenario_id: str,
    body: CompareRequest,
    request: Request,
    idempotency_key: str | None = Depends(IdempotencyKey),
    service: ServiceState = Depends(get_service),
) -> Response:
    """Base vs scenario on the same origins and departure window: summary (people inside
    circles, mean access by group, winners and losers) and per-origin deltas as GeoJSON.

    Comparisons with more than ``compare_sync_max_origins`` origins (or ``background``:
    true) run as background jobs: ``202`` with a job id; poll ``GET /jobs/{id}``. A failed
    job is run again with ``POST /jobs/{id}/resubmit``.
    """
    args = prepare_compare(service, scenario_id, body)
    n_origins = len(args[4])
    if body.background or n_origins > service.settings.compare_sync_max_origins:

        async def run(idempotency) -> Response:
            return submit_compare_job(service, request, scenario_id, body, idempotency)

        return await with_idempotency(
            service, request, idempotency_key, {"scenario_id": scenario_id, **body.model_dump(mode="json")}, run
        )
    key = request_key("compare", args[2].name, body.model_dump(mode="json"), scenario=scenario_id)
    out = await service.compute(request, key, lambda: dumps(_compare(*args)), cost=math.inf)
    return out.response()
