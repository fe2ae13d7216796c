"""Background jobs: ``GET /jobs/{id}`` (status, progress, result, the full request) and
``POST /jobs/{id}/resubmit`` (run a finished or failed job again, as it was)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import ValidationError

from api.deps import IdempotencyKey, get_service
from api.errors import error_responses, unprocessable
from api.routes.scenarios import submit_compare_job, with_idempotency
from api.schemas import CompareRequest, Job, JobAccepted
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["jobs"])

_JOB_LINKS = {
    "GetJob": {"operationId": "get_job", "parameters": {"job_id": "$response.body#/job_id"}},
}


def _job(service: ServiceState, job_id: str, **kwargs) -> dict:
    job = service.store.job(job_id, **kwargs)
    if job is None:
        raise HTTPException(404, f"unknown job {job_id!r}; jobs are created by POST /scenarios/{{id}}/compare.")
    return job


@router.get("/jobs/{job_id}", response_model=Job, operation_id="get_job", responses=error_responses(404, 503))
def get_job(job_id: str, service: ServiceState = Depends(get_service)) -> dict:
    """A job's ``status`` (queued, running, done, failed), ``progress`` 0-1, ``result`` or
    ``error``, and the full ``request`` it runs."""
    return _job(service, job_id, with_request=True)


@router.post(
    "/jobs/{job_id}/resubmit",
    status_code=202,
    response_model=JobAccepted,
    operation_id="resubmit_job",
    responses={202: {"links": _JOB_LINKS}, **error_responses(404, 409, 503, 507)},
)
async def resubmit_job(
    job_id: str,
    request: Request,
    idempotency_key: str | None = Depends(IdempotencyKey),
    service: ServiceState = Depends(get_service),
) -> Response:
    """Queue the job's stored request again as a new job (e.g. after it failed, or was
    stopped by a restart); 202 with the new job's id. 409 while it is still queued or running."""
    job = _job(service, job_id, with_request=True)
    if job["status"] in ("queued", "running"):
        raise HTTPException(409, f"job {job_id} is still {job['status']}; resubmit it once it has finished.")
    stored = job.get("request") or {}
    if job["kind"] != "compare" or "body" not in stored or "scenario_id" not in stored:
        raise HTTPException(409, f"job {job_id} was stored without its full request; submit it again yourself.")
    try:
        body = CompareRequest.model_validate(stored["body"])
    except ValidationError as exc:
        raise unprocessable(f"the stored request of job {job_id} no longer validates: {exc}") from None

    async def run(idempotency) -> Response:
        return submit_compare_job(service, request, stored["scenario_id"], body, idempotency)

    return await with_idempotency(service, request, idempotency_key, {"resubmit": job_id}, run)
