"""POST /travel-times: an origins x destinations matrix, JSON or CSV (by ``Accept``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

import access
from access.io.rounding import round_for_output
from access.routing.street import collect_notes
from api.compute import routing_cost
from api.convert import count_points, dumps, matrix_body, points_frame
from api.deps import check_cutoffs, check_limit, check_window, get_service, request_key
from api.errors import error_responses
from api.schemas import TravelTimeMatrix, TravelTimesRequest
from api.state import ServiceState

__all__ = ["router"]

router = APIRouter(tags=["travel times"])


def _travel_times(network, origins, destinations, **kwargs):
    """The library call, with its notes (off-network points -> NaN) as text; per request,
    never through the process-wide warnings state."""
    with collect_notes() as notes:
        table = access.travel_times(network, origins, destinations, **kwargs)
    return table, list(dict.fromkeys(notes))


@router.post(
    "/travel-times",
    response_model=TravelTimeMatrix,
    operation_id="travel_times",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **error_responses(404, 413, 503, 504),
    },
)
async def travel_times(
    body: TravelTimesRequest, request: Request, service: ServiceState = Depends(get_service)
) -> Response:
    """Minutes from every origin to every destination (null: not reached within
    ``max_time_min``, or the point lies off the network; see ``warnings``).

    ``Accept: text/csv`` gives the long table ``from_id,to_id,travel_time_min``.
    """
    region = service.region(body.network)
    n_origins = count_points(body.origins)
    n_destinations = n_origins if body.destinations is None else count_points(body.destinations)
    check_limit(n_origins, service.settings.max_origins, "origins", "max_origins")
    check_limit(n_destinations, service.settings.max_destinations, "destinations", "max_destinations")
    check_cutoffs([body.max_time_min], service, "max_time_min")
    if body.mode == "transit":
        check_window(body.window_min, service)
    csv = "text/csv" in request.headers.get("accept", "")

    def work() -> bytes:
        destinations = None if body.destinations is None else points_frame(body.destinations)
        table, notes = _travel_times(
            region.network,
            points_frame(body.origins),
            destinations,
            mode=body.mode,
            max_time_min=body.max_time_min,
            departure=body.departure,
            arrive_by=body.arrive_by,
            window_min=body.window_min,
            percentiles=body.percentiles,
            access_mode=body.access_mode,
        )
        if csv:
            return round_for_output(table).to_csv(index=False).encode()
        return dumps(matrix_body(table, n_origins, n_destinations, region.name, body.mode, notes))

    key = request_key(
        "travel-times", region.name, body.model_dump(mode="json", exclude={"network"}), variant="csv" if csv else "json"
    )
    cost = routing_cost(n_origins, body.mode, body.window_min, n_destinations)
    out = await service.compute(request, key, work, cost=cost, media_type="text/csv" if csv else "application/json")
    return out.response()
