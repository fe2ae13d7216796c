"""GET /jobs/{id}: status, progress and result of a background job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from api.deps import get_service
from api.schemas import ErrorDetail, Job
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["jobs"], responses={401: {"model": ErrorDetail}, 404: {"model": ErrorDetail}})


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: str, service: ServiceState = Depends(get_service)) -> dict:
    """A job's ``status`` (queued, running, done, failed), ``progress`` 0-1, ``result`` or ``error``."""
    job = service.store.job(job_id)
    if job is None:
        raise HTTPException(404, f"unknown job {job_id!r}; jobs are created by POST /scenarios/{{id}}/compare.")
    return job
