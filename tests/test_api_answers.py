"""Repeated requests answered from the response cache before routing and validation
(api.middleware.CachedAnswerMiddleware): the same bytes and headers as the normal path, and
never a way around the key, the Accept header, an idempotency key or a deleted scenario."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api import create_app
from tests import _api_support
from tests._api_support import SAMPLE_CORE, SAMPLE_EAST, make_settings

api_data_dir = _api_support.api_data_dir  # shared fixture

ISO = {"origins": [SAMPLE_CORE], "mode": "walk", "cutoffs_min": [10, 20]}
NO_GATES = {
    "modifications": [{"type": "change_station_penalty", "penalty_min": 0, "routes": ["rail_sample_intercity:ICR1"]}]
}


def _answered(app_client: TestClient) -> int:
    return app_client.get("/health").json()["cache"]["answered_before_validation"]


def _client(api_data_dir, **overrides) -> TestClient:
    return TestClient(create_app(make_settings(api_data_dir, **overrides)), raise_server_exceptions=False)


def test_a_repeated_request_is_answered_before_validation_with_the_same_bytes(api_data_dir):
    with _client(api_data_dir) as app_client:
        first = app_client.post("/isochrones", json=ISO)
        assert first.status_code == 200 and first.headers["x-cache"] == "miss"
        assert _answered(app_client) == 0
        second = app_client.post("/isochrones", json=ISO)
        assert _answered(app_client) == 1  # this one never reached the route
        assert second.status_code == 200 and second.headers["x-cache"] == "hit"
        assert second.content == first.content
        assert second.headers["content-type"] == first.headers["content-type"] == "application/geo+json"
        # other bytes of the same query (key order) take the normal path, then are known too
        reordered = app_client.post("/isochrones", json=dict(reversed(list(ISO.items()))))
        assert reordered.headers["x-cache"] == "hit" and reordered.content == first.content
        assert _answered(app_client) == 1
        app_client.post("/isochrones", json=dict(reversed(list(ISO.items()))))
        assert _answered(app_client) == 2
        # a request the service would refuse is refused, whatever was cached
        too_long = app_client.post("/isochrones", json={**ISO, "cutoffs_min": [10, 20, 400]})
        assert too_long.status_code == 422


def test_accept_header_and_idempotency_keys_are_respected(api_data_dir):
    body = {"origins": [SAMPLE_CORE], "destinations": [SAMPLE_EAST], "mode": "car"}
    with _client(api_data_dir) as app_client:
        as_json = app_client.post("/travel-times", json=body)
        as_csv = app_client.post("/travel-times", json=body, headers={"Accept": "text/csv"})
        assert as_json.status_code == as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.content != as_json.content
        again_csv = app_client.post("/travel-times", json=body, headers={"Accept": "text/csv"})
        again_json = app_client.post("/travel-times", json=body)
        assert _answered(app_client) == 2
        assert (
            again_csv.content == as_csv.content and again_csv.headers["content-type"] == as_csv.headers["content-type"]
        )
        assert again_json.content == as_json.content
        keyed = app_client.post("/travel-times", json=body, headers={"Idempotency-Key": "k-1"})
        assert keyed.status_code == 200 and _answered(app_client) == 2  # the normal path


def test_the_api_key_is_still_required(api_data_dir):
    with _client(api_data_dir, api_key="s3cret") as app_client:
        key = {"X-API-Key": "s3cret"}
        assert app_client.post("/isochrones", json=ISO, headers=key).status_code == 200
        assert app_client.post("/isochrones", json=ISO).status_code == 401
        assert app_client.post("/isochrones", json=ISO, headers={"X-API-Key": "wrong"}).status_code == 401
        assert _answered(app_client) == 0
        assert app_client.post("/isochrones", json=ISO, headers=key).status_code == 200
        assert _answered(app_client) == 1


def test_a_deleted_scenario_is_not_answered_from_a_remembered_request(api_data_dir, tmp_path):
    settings = dict(regions=[api_data_dir / "sample" / "region.yaml"])
    with _client(tmp_path, **settings) as app_client:
        scenario_id = app_client.post("/scenarios", json=NO_GATES).json()["id"]
        iso = {**ISO, "scenario": scenario_id}
        assert app_client.post("/isochrones", json=iso).status_code == 200
        assert app_client.post("/isochrones", json=iso).headers["x-cache"] == "hit"
        assert _answered(app_client) == 1
        assert app_client.delete(f"/scenarios/{scenario_id}").status_code == 204
        gone = app_client.post("/isochrones", json=iso)
        assert gone.status_code == 404 and _answered(app_client) == 1
