"""China: county circles, fastest trains, before/after and the rail layer, one endpoint per
view, over the China data folders (``ACCESS_API_CHINA_DATA``: the shared data folder)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from access.china.before_after import county_before_after, scenario_layers
from access.china.circles import county_circles
from access.china.data import load_china
from access.china.od import fastest_trains
from access.config import CHINA_CORE_CITIES, CHINA_DEPARTURE, CHINA_WINDOW_MIN, DEFAULT_CUTOFFS_MIN, RegionalSettings
from access.errors import InputError
from api.compute import routing_cost
from api.convert import dumps, geojson_dict, records
from api.deps import check_cutoffs, check_limit, check_window, get_service, request_key
from api.errors import error_responses
from api.state import ServiceState

__all__ = ["router", "ChinaCirclesRequest", "ChinaOdRequest", "ChinaBeforeAfterRequest"]

router = APIRouter(prefix="/china", tags=["china"])
_POST_ERRORS = error_responses(404, 413, 503, 504)
_COUNTIES = 2_948  # county-level units a circle run routes from (the census table)
_lock = threading.Lock()
_loaded: dict = {}  # data folder -> ChinaData, loaded on first use and kept
_RESULTS_KEPT = 4  # county_circles results kept for the other views of the same run
_results: OrderedDict = OrderedDict()  # (data id, run parameters) -> CountyCircles


def china_data(service: ServiceState = Depends(get_service)):
    """The China data of this service (404 when ``china_data`` is not configured)."""
    folder = getattr(service.settings, "china_data", None)
    if folder is None:
        raise HTTPException(
            404, "this service has no China data; start it with ACCESS_API_CHINA_DATA=<the shared data folder>."
        )
    with _lock:
        if str(folder) not in _loaded:
            _loaded[str(folder)] = load_china(folder)
        return _loaded[str(folder)]


class _Run(BaseModel):
    model_config = ConfigDict(extra="forbid")

    centres: list[str] = Field(
        default_factory=lambda: list(CHINA_CORE_CITIES),
        min_length=1,
        description="Prefectures or counties in Chinese or English (北京, Beijing, 北京市, 涿州市) or 'lon,lat'.",
    )
    cutoffs_min: list[float] = Field(default_factory=lambda: list(DEFAULT_CUTOFFS_MIN), min_length=1)
    departure: str = Field(CHINA_DEPARTURE, pattern=r"^\d{1,2}:\d{2}$")
    window_min: float = Field(CHINA_WINDOW_MIN, ge=1)
    percentile: float = Field(50.0, ge=0, le=100)
    station_penalty_min: float | None = Field(None, ge=0, description="Default 15 min (security check).")
    min_transfer_min: float | None = Field(None, ge=0)
    detour_factor: float | None = Field(None, ge=1.0, le=3.0)


class ChinaCirclesRequest(_Run):
    polycentric: bool = False
    counties: Literal["all", "inside"] = Field(
        "all", description="all: every county (outside ones too); inside: only those inside the largest circle."
    )


class ChinaOdRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origin: str = Field(description="北京 / Beijing / a county")
    destinations: list[str] = Field(min_length=1)


class ChinaBeforeAfterRequest(_Run):
    scenario: Literal["without-hsr", "without-line", "new-line", "without-lines-since", "with-later-lines"] = (
        "without-hsr"
    )
    line: str | None = None
    since: str | None = None
    new_line: list[str] | None = Field(None, description="Stations of a new line in order (station table names).")
    new_line_name: str = "new line"
    design_speed_kmh: float = Field(350.0, ge=30, le=450)
    line_class: Literal["high-speed", "rapid", "conventional"] = "high-speed"


def _settings(body: _Run):
    values = {}
    for key in ("station_penalty_min", "min_transfer_min", "detour_factor"):
        if getattr(body, key) is not None:
            values[key] = getattr(body, key)
    return RegionalSettings(**values)


def _check(body: _Run, service: ServiceState) -> None:
    check_limit(len(body.centres), service.settings.max_origins, "centres", "max_origins")
    check_cutoffs(body.cutoffs_min, service)
    check_window(body.window_min, service)


def _run_args(body: _Run) -> dict:
    return {
        "cutoffs_min": body.cutoffs_min,
        "departure": body.departure,
        "window_min": body.window_min,
        "percentile": body.percentile,
        "settings": _settings(body),
    }


def _county_circles(data, body: ChinaCirclesRequest):
    """One ``county_circles`` run per set of run parameters, shared by ``/circles`` (either
    ``counties`` view) and ``/circles/totals``: the views differ only in what they serialise,
    so the second view of a run reuses the first's result instead of routing again."""
    key = (id(data), json.dumps(body.model_dump(mode="json", exclude={"counties"}), sort_keys=True))
    with _lock:
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
    result = county_circles(data, body.centres, polycentric=body.polycentric, **_run_args(body))
    with _lock:
        _results[key] = result
        while len(_results) > _RESULTS_KEPT:
            _results.popitem(last=False)
    return result


def _circles(data, body: ChinaCirclesRequest) -> dict:
    result = _county_circles(data, body)
    members = result.members
    if body.counties == "inside":
        members = members[members["circle"] != "outside"]
    return {
        "parameters": result.parameters,
        "notes": list(result.notes),
        "totals": records(result.totals),
        "coverage": {"km": result.coverage.km, "summary": records(result.coverage.summary)},
        "counties": geojson_dict(members),
    }


def _cost(body: _Run) -> float:
    """Every county routed into every centre over the window: always the heavy pool."""
    return routing_cost(len(body.centres) * _COUNTIES, "transit", body.window_min)


async def _answer(request: Request, service: ServiceState, route: str, fn, data, body, cost: float) -> Response:
    """``fn(data, body)`` serialised, through the service's pools, deadline, coalescing and cache."""
    key = request_key(f"china/{route}", "china", body.model_dump(mode="json"))
    computed = await service.compute(request, key, lambda: dumps(fn(data, body)), cost=cost)
    return computed.response()


@router.post("/circles", operation_id="china_circles", responses=_POST_ERRORS)
async def post_china_circles(
    body: ChinaCirclesRequest,
    request: Request,
    service: ServiceState = Depends(get_service),
    data=Depends(china_data),
) -> Response:
    """Every county's door-to-door minutes into each centre by road and by road + rail,
    the smallest circle it lies in and the station it uses (counties as GeoJSON), totals
    per centre x cutoff x mode, the coverage report and every parameter."""
    _check(body, service)
    return await _answer(request, service, "circles", _circles, data, body, _cost(body))


def _totals(data, body: ChinaCirclesRequest) -> dict:
    result = _county_circles(data, body)
    return {"parameters": result.parameters, "notes": list(result.notes), "totals": records(result.totals)}


@router.post("/circles/totals", operation_id="china_circle_totals", responses=_POST_ERRORS)
async def post_china_totals(
    body: ChinaCirclesRequest,
    request: Request,
    service: ServiceState = Depends(get_service),
    data=Depends(china_data),
) -> Response:
    """Only the totals per centre x cutoff x mode (counties, population, rural population, jobs)."""
    _check(body, service)
    return await _answer(request, service, "totals", _totals, data, body, _cost(body))


def _od(data, body: ChinaOdRequest) -> dict:
    table = fastest_trains(
        data.rail, data.place(body.origin), [data.place(n) for n in body.destinations], data.rail.station_city
    )
    return {"fastest_trains": records(table), "modelled_service": data.rail.model.summary()}


@router.post("/od", operation_id="china_od", responses=_POST_ERRORS)
async def post_china_od(
    body: ChinaOdRequest,
    request: Request,
    service: ServiceState = Depends(get_service),
    data=Depends(china_data),
) -> Response:
    """Fastest single train between the places' stations: from, to, fastest_min, train,
    from_station, to_station, modelled."""
    check_limit(len(body.destinations), service.settings.max_destinations, "destinations", "max_destinations")
    cost = routing_cost(1 + len(body.destinations), "rail")  # timetable look-ups, no street search
    return await _answer(request, service, "od", _od, data, body, cost)


def _before_after(data, body: ChinaBeforeAfterRequest) -> dict:
    added = None
    if body.scenario == "new-line":
        if not body.new_line or len(body.new_line) < 2:
            raise InputError("scenario new-line needs new_line with two or more stations.")
        added = data.rail.with_new_line(
            body.new_line_name, body.new_line, design_speed_kmh=body.design_speed_kmh, line_class=body.line_class
        )
    before, after, what = scenario_layers(data.rail, body.scenario, line=body.line, since=body.since, new_line=added)
    result = county_before_after(data, body.centres, before, after, change=what, **_run_args(body))
    changed = result.counties[(result.counties["entered"] != "") | (result.counties["left"] != "")]
    return {
        "change": what,
        "notes": list(result.after.notes),
        "summary": records(result.summary),
        "counties": geojson_dict(changed),
    }


@router.post("/before-after", operation_id="china_before_after", responses=_POST_ERRORS)
async def post_china_before_after(
    body: ChinaBeforeAfterRequest,
    request: Request,
    service: ServiceState = Depends(get_service),
    data=Depends(china_data),
) -> Response:
    """Counties and rural people entering (or leaving) each centre's circles with a change:
    without HSR, without a named line, with a modelled new line, without the lines opened
    since a date; the counties that change as GeoJSON."""
    _check(body, service)
    return await _answer(request, service, "before-after", _before_after, data, body, 2 * _cost(body))


def _lines(data) -> dict:
    rail = data.rail
    geo = rail.lines.geometry().assign(modelled_service=lambda f: f["line"].isin(set(rail.served_lines)))
    geo["opened"] = geo["opened"].dt.strftime("%Y-%m-%d")
    return {
        "layer": repr(rail),
        "modelled_service": rail.model.summary(),
        "calibration": records(rail.model.table),
        "lines": geojson_dict(geo),
    }


@router.get("/lines", operation_id="china_lines", responses=error_responses(404, 503, 504))
async def get_china_lines(
    request: Request, service: ServiceState = Depends(get_service), data=Depends(china_data)
) -> Response:
    """The national rail layer: every line through its stations (GeoJSON) and the
    modelled service's calibration."""
    computed = await service.compute(request, "china/lines|china", lambda: dumps(_lines(data)), cost=1.0)
    return computed.response()
