"""Request and response schemas: the service's contract (GeoJSON in and out, minutes, EPSG:4326).

Conventions for adding a field or an endpoint (they keep the OpenAPI document true):

- every request model derives from ``_Strict`` (unknown fields are 422);
- every number has bounds (``Field(ge=..., le=...)``) and every list a ``max_length``
  (``MAX_LIST`` for parameter lists, ``MAX_POINTS`` for points): a small body must not ask
  for an unbounded answer; per-service limits (``max_origins`` ...) are checked in the route
  with :func:`api.deps.check_limit`;
- defaults come from :mod:`access.config`, never restated here;
- units in names or descriptions (``_min``, ``_m``, ``_kmh``); coordinates ``[lon, lat]``;
- the route declares its error statuses with :func:`api.errors.error_responses` and raises
  :func:`api.errors.unprocessable` for 422s; a heavy route passes a ``cost`` to
  :meth:`api.state.ServiceState.compute` (see docs/api.md, "Adding an endpoint").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from access.config import (
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_MAX_TIME_MIN,
    DEFAULT_PERCENTILE,
    DEFAULT_PERCENTILES,
    DEFAULT_WINDOW_MIN,
)

__all__ = [
    "Lon",
    "Lat",
    "LonLat",
    "PointGeometry",
    "PointFeature",
    "PointCollection",
    "Points",
    "StreetMode",
    "RouteMode",
    "NetworkName",
    "IsochroneRequest",
    "TravelTimesRequest",
    "TravelTimeMatrix",
    "Feature",
    "FeatureCollection",
    "NetworkInfo",
    "Health",
    "Job",
    "JobAccepted",
    "ErrorDetail",
]

MAX_LIST = 12  # items in a parameter list (cutoffs, percentiles, decay parameters, N, columns)
MAX_POINTS = 10_000  # points in one request body (the service's max_origins / max_destinations are lower)
MAX_CENTRES = 100

Lon = Annotated[float, Field(ge=-180, le=180, description="longitude, degrees EPSG:4326")]
Lat = Annotated[float, Field(ge=-90, le=90, description="latitude, degrees EPSG:4326")]
LonLat = tuple[Lon, Lat]
PointId = Annotated[str, Field(max_length=200)] | int
StreetMode = Literal["walk", "bike", "car"]
RouteMode = Literal["walk", "bike", "car", "transit"]
NetworkName = Annotated[
    str | None, Field(max_length=64, description="a loaded network (GET /networks); default: the first")
]
Minutes = Annotated[float, Field(gt=0, description="minutes")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointGeometry(_Strict):
    type: Literal["Point"]
    coordinates: LonLat


class PointFeature(BaseModel):
    """A GeoJSON Point feature; its id is ``properties.id``, else the feature ``id``."""

    type: Literal["Feature"]
    geometry: PointGeometry
    properties: dict[str, Any] | None = None
    id: PointId | None = None


class PointCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[PointFeature] = Field(min_length=1, max_length=MAX_POINTS)


Points = Annotated[
    Annotated[list[LonLat], Field(min_length=1, max_length=MAX_POINTS)] | PointCollection,
    Field(description="[[lon, lat], ...] (ids 0..n-1) or a GeoJSON FeatureCollection of points"),
]


ArriveBy = Annotated[
    str | None,
    Field(
        max_length=32,
        description="inbound: reach the points by this time ('09:00'; transit: every minute of the window "
        "ending then); street modes ignore the clock. Exclusive with departure",
    ),
]


class _Transit(_Strict):
    departure: str | None = Field(
        None, max_length=32, description="transit: first departure, '07:00' or '2025-05-13T07:00'"
    )

    window_min: Minutes = Field(DEFAULT_WINDOW_MIN, description="transit: departures every minute over this window")
    access_mode: StreetMode = Field("walk", description="transit: walk, bike or car (park-and-ride) to the first stop")


class IsochroneRequest(_Transit):
    """Isochrones from one origin or many."""

    network: NetworkName = None
    scenario: str | None = Field(None, max_length=64, description="a registered scenario id: route on its network")
    origins: Points
    mode: RouteMode = "car"
    arrive_by: ArriveBy = None
    cutoffs_min: list[Minutes] = Field(list(DEFAULT_CUTOFFS_MIN), min_length=1, max_length=MAX_LIST)
    percentile: float = Field(
        DEFAULT_PERCENTILE, gt=0, le=100, description="transit: percentile of the window's travel times"
    )
    output: Literal["polygons", "lines"] = Field("polygons", description="polygons, or the reached street edges")
    denoise: float = Field(0.0, ge=0, le=1, description="drop parts smaller than this share of the largest")
    generalize: float = Field(0.0, ge=0, le=10_000, description="metres of Douglas-Peucker simplification")
    resolution_m: float | None = Field(None, ge=10, le=5000, description="grid cell, metres (default by mode)")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"origins": [[116.63, 36.80]], "mode": "car", "cutoffs_min": [60, 120]}]},
    )


class TravelTimesRequest(_Transit):
    """Origins x destinations travel times."""

    network: NetworkName = None
    origins: Points
    destinations: Points | None = Field(None, description="default: the origins")
    mode: RouteMode = "walk"
    arrive_by: ArriveBy = None
    max_time_min: Minutes = DEFAULT_MAX_TIME_MIN
    percentiles: list[Annotated[float, Field(gt=0, le=100)]] = Field(
        list(DEFAULT_PERCENTILES), min_length=1, max_length=9
    )  # 9 columns: one matrix each

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"origins": [[116.63, 36.80]], "destinations": [[116.70, 36.82]], "mode": "car"}]
        },
    )


class TravelTimeMatrix(BaseModel):
    """``matrices[column][i][j]``: minutes from origin i to destination j (null: not reached)."""

    network: str
    mode: str
    origin_ids: list[Any]
    destination_ids: list[Any]
    matrices: dict[str, list[list[float | None]]]
    warnings: list[str] = []


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]


class NetworkInfo(BaseModel):
    name: str
    bbox: list[float] = Field(min_length=4, max_length=4, description="min_lon, min_lat, max_lon, max_lat")
    modes: list[str]
    streets: dict[str, dict[str, int]]
    transit: dict[str, int] | None
    feeds: list[str]
    service_date: str | None = Field(description="the one timetable day routed (YYYY-MM-DD)")
    feed_date_ranges: dict[str, Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(
        default_factory=dict, description="GTFS feed -> first and last day with service (YYYY-MM-DD)"
    )
    opportunity_layers: dict[str, int]
    zone_layers: dict[str, int]
    load_s: float


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    uptime_s: float
    networks: dict[str, dict[str, Any]]
    cache: dict[str, int] = Field(
        description="response cache: entries, bytes, max_bytes, hits, misses; answered_before_validation: "
        "hits answered by CachedAnswerMiddleware (the same request bytes as a cached answer)",
    )
    pools: dict[str, dict[str, int]] = Field(description="light, heavy, jobs: workers, queued, running, ...")
    requests: dict[str, int] = Field(description="coalesced, timed_out, abandoned, rate_limited")


class Job(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    result: Any | None = None
    error: str | None = None
    created: float
    updated: float
    request: dict[str, Any] | None = Field(
        None, description="the full request (POST /jobs/{id}/resubmit runs it again)"
    )


class JobAccepted(BaseModel):
    job_id: str
    status_url: str


class ErrorDetail(BaseModel):
    """Every error but 422: a sentence saying what to fix."""

    detail: str


# -- accessibility, circles (library modules access.measures.accessibility / circles) --------

from access.measures.accessibility import MEASURES  # noqa: E402
from access.measures.decay import DECAY_FUNCTIONS  # noqa: E402

LayerName = Annotated[str, Field(max_length=64, description="a layer of the network's region (GET /networks)")]
ColumnName = Annotated[str, Field(min_length=1, max_length=64)]
Param = (
    float
    | Annotated[list[float], Field(max_length=MAX_LIST)]
    | Annotated[list[Annotated[list[float], Field(max_length=MAX_LIST)]], Field(max_length=MAX_LIST)]
)
ColumnNames = Annotated[list[ColumnName], Field(min_length=1, max_length=MAX_LIST)]


class AccessibilityRequest(_Transit):
    """Accessibility of origins to a named opportunity layer, and a group summary."""

    network: NetworkName = None
    origins: Points | None = Field(None, description="default: the points of origins_layer")
    origins_layer: LayerName | None = Field(None, description="default: the opportunity layer itself")
    opportunities: LayerName | None = Field(None, description="opportunity layer; default: the region's first")
    measure: Literal[MEASURES] = "cumulative"  # type: ignore[valid-type]
    opportunity: ColumnName | ColumnNames = Field("jobs", description="count column(s) of the layer")
    mode: RouteMode = "car"
    cutoffs_min: list[Minutes] = Field(list(DEFAULT_CUTOFFS_MIN), min_length=1, max_length=MAX_LIST)
    percentile: float = Field(DEFAULT_PERCENTILE, gt=0, le=100)
    max_time_min: Minutes | None = Field(None, description="search budget; default: what the measure needs")
    decay: Literal[tuple(DECAY_FUNCTIONS)] | None = None  # type: ignore[valid-type]
    decay_param: Param | None = None
    n: (
        Annotated[float, Field(ge=1, le=10_000)]
        | Annotated[list[Annotated[float, Field(ge=1, le=10_000)]], Field(min_length=1, max_length=MAX_LIST)]
        | None
    ) = Field(None, description="nearest-N: N (one or several)")
    demand: ColumnName | None = Field(None, description="FCA measures: people column at the origins")
    centre_weight: ColumnName | None = None
    summary_by: ColumnName | ColumnNames | None = Field("class", description="group columns of the summary")
    weight: ColumnName | None = Field("population", description="residents column weighting the summary")


class AccessibilityResult(BaseModel):
    network: str
    measure: str
    columns: list[str]
    origins: FeatureCollection
    summary: list[dict[str, Any]]


Centre = LonLat | Annotated[str, Field(min_length=1, max_length=200)]


class CirclesRequest(_Transit):
    """Commuting circles of one or several centres over a named zones layer."""

    network: NetworkName = None
    centres: (
        Centre
        | Annotated[list[Centre], Field(min_length=1, max_length=MAX_CENTRES)]
        | Annotated[dict[Annotated[str, Field(max_length=200)], Centre], Field(min_length=1, max_length=MAX_CENTRES)]
    ) = Field(description="[lon, lat], a zone name/id, a non-empty list of them, or {name: centre}")
    zones: LayerName | None = Field(None, description="zones layer; default: the region's first")
    cutoffs_min: list[Minutes] | None = Field(None, min_length=1, max_length=MAX_LIST, description="default 60, 120")
    mode: RouteMode | None = Field(None, description="default: car (or the definition's)")
    arrive_by: ArriveBy = None
    window_min: Minutes | None = None  # type: ignore[assignment]
    access_mode: StreetMode | None = None  # type: ignore[assignment]
    percentile: float | None = Field(None, gt=0, le=100)
    direction: Literal["to_centre", "from_centre"] | None = None
    statistic: Literal["min", "median"] | None = None
    definition: Annotated[str, Field(max_length=64)] | None = Field(None, description="a circle preset name")
    population: ColumnName | None = "population"
    jobs: ColumnName | None = "jobs"
    polygons: bool = True


class CirclesResult(BaseModel):
    network: str
    definition: dict[str, Any]
    summary: list[dict[str, Any]]
    zones: FeatureCollection
    polygons: FeatureCollection | None


__all__ += ["AccessibilityRequest", "AccessibilityResult", "CirclesRequest", "CirclesResult"]


# -- scenarios and comparisons (access.scenarios.model / scenarios / compare) -------

from access.scenarios.model import Centre as ScenarioCentre  # noqa: E402
from access.scenarios.model import CompareSettings, Modification  # noqa: E402


class ScenarioRequest(_Strict):
    """A scenario: modifications of a loaded network (rail specs inline, not file paths)."""

    network: NetworkName = None
    name: str = Field("scenario", min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    modifications: list[Modification] = Field(default_factory=list, max_length=100)
    compare: CompareSettings | None = Field(None, description="default comparison settings of the scenario")


class ScenarioCreated(BaseModel):
    id: str
    url: str


class ScenarioInfo(BaseModel):
    id: str
    network: str
    name: str | None
    created: float
    scenario: dict[str, Any] = Field(description="name, description, modifications, compare")


class CompareRequest(_Strict):
    """Base vs scenario on the same origins; fields not given come from the scenario's
    ``compare`` settings."""

    origins: Points | None = Field(None, description="default: the points of origins_layer")
    origins_layer: LayerName | None = Field(None, description="default: the region's first opportunity layer")
    opportunities: LayerName | None = Field(
        None, description="default: the region's first opportunity layer (posted origins) or the origins layer"
    )
    centres: list[ScenarioCentre] | None = Field(None, max_length=50)
    mode: RouteMode | None = None
    cutoffs_min: list[Minutes] | None = Field(None, min_length=1, max_length=MAX_LIST)
    opportunity: ColumnName | None = None
    population: ColumnName | None = None
    by: ColumnName | None = None
    class_column: ColumnName | None = None
    departure: str | None = Field(None, max_length=32)
    window_min: Minutes | None = None
    percentile: float | None = Field(None, gt=0, le=100)
    access_mode: StreetMode | None = None
    max_time_min: Minutes | None = None
    background: bool | None = Field(
        None, description="true: always a background job (202); default: only above compare_sync_max_origins"
    )


class ComparisonResult(BaseModel):
    scenario_id: str
    network: str
    settings: dict[str, Any]
    headline: dict[str, float]
    summary: list[dict[str, Any]]
    origins: FeatureCollection


__all__ += ["ScenarioRequest", "ScenarioCreated", "ScenarioInfo", "CompareRequest", "ComparisonResult"]
