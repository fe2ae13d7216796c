"""The service under attack and load (issue 20): bad bytes, memory bombs, unusable scenarios,
deadlines, queues, rate limits, coalescing, the byte-bounded cache, quotas, idempotency,
faults, auth and exposure — each defect checked over HTTP."""

from __future__ import annotations

import asyncio
import json
import math
import resource
import sqlite3
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from access._cancel import checkpoint
from api import create_app
from tests import _api_support
from tests._api_support import SAMPLE_CORE, SAMPLE_EAST, detail_text, make_settings

api_data_dir = _api_support.api_data_dir  # shared fixture
client = _api_support.client  # shared fixture

RAIL_ROUTE = "rail_sample_intercity:ICR1"
NO_GATES = {"modifications": [{"type": "change_station_penalty", "penalty_min": 0, "routes": [RAIL_ROUTE]}]}
# a heavy request on the sample: every place's transit access over a 60-min window
HEAVY = {"measure": "cumulative", "mode": "transit", "window_min": 60, "cutoffs_min": [60]}


def _line(headway_min: float, end: str = "10:00", **extra) -> dict:
    spec = {
        "line": "Test line",
        "route_id": "TL",
        "stations": [
            {"name": "Core", "lon": SAMPLE_CORE[0], "lat": SAMPLE_CORE[1]},
            {"name": "Middle", "lon": 117.05, "lat": 36.72},
            {"name": "East", "lon": 117.4175, "lat": 36.6497},
        ],
        "design_speed_kmh": 250,
        "periods": [{"start": "00:00", "end": end, "headway_min": headway_min}],
        **extra,
    }
    return {"modifications": [{"type": "add_line", "spec": spec}]}


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app_client(api_data_dir, **overrides) -> TestClient:
    return TestClient(create_app(make_settings(api_data_dir, **overrides)), raise_server_exceptions=False)


# -- 3. bytes that are not JSON numbers or text: 422, never 500 ----------------------------

BAD_BODIES = {
    "NaN": b'{"origins": [[NaN, 36.8]]}',
    "Infinity": b'{"origins": [[116.6, Infinity]]}',
    "-Infinity": b'{"origins": [[116.6, 36.8]], "cutoffs_min": [-Infinity]}',
    "1e400": b'{"origins": [[116.6, 36.8]], "cutoffs_min": [1e400]}',
    "lone surrogate": b'{"origins": [[116.6, 36.8]], "network": "\\ud800"}',
    "not UTF-8": b'{"origins": [[116.6, 36.8]], "network": "\xff\xfe"}',
}
POST_PATHS = [
    "/isochrones",
    "/travel-times",
    "/accessibility",
    "/circles",
    "/scenarios",
    "/scenarios/abc/compare",
    "/jobs/abc/resubmit",
]


@pytest.mark.parametrize("what", list(BAD_BODIES))
def test_non_finite_numbers_lone_surrogates_and_bad_bytes_are_422_on_every_post(client, what):
    for path in POST_PATHS:
        response = client.post(path, content=BAD_BODIES[what], headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, what, response.text)
        (item,) = response.json()["detail"]
        assert item["type"] == "json_invalid" and item["loc"][0] == "body"


def test_a_validation_error_echoing_odd_input_is_still_json(client):
    # a body that is not JSON at all, and a scalar where an object belongs: FastAPI's default
    # handler echoes the input; here it comes back cleaned, as JSON
    for content, kind in (
        (b"\xff\x00binary", "text/plain"),
        (b'"\\udfff"', "text/plain"),
        (b"[1, 2]", "application/json"),
    ):
        response = client.post("/isochrones", content=content, headers={"content-type": kind})
        assert response.status_code == 422, response.text
        assert isinstance(response.json()["detail"], list)


def test_library_input_errors_and_limits_use_the_validation_shape(client):
    response = client.post("/isochrones", json={"origins": [[120.5, 30.0]], "cutoffs_min": [10]})
    (item,) = response.json()["detail"]
    assert response.status_code == 422 and item["type"] == "off_network" and "1000 m" in item["msg"]
    six = [[116.60 + 0.01 * k, 36.80] for k in range(6)]
    (item,) = client.post("/isochrones", json={"origins": six}).json()["detail"]
    assert item["type"] == "limit" and item["loc"] == ["body", "origins"] and "max_origins=5" in item["msg"]


# -- 1, 4. scenarios are refused at registration unless they can be used -------------------


def test_a_memory_bomb_rail_spec_is_refused_in_under_a_second_with_rss_unchanged(client):
    before = _rss_mb()
    started = time.perf_counter()
    response = client.post("/scenarios", json=_line(0.001, end="99:59"))
    elapsed = time.perf_counter() - started
    assert response.status_code == 422, response.text
    assert elapsed < 1.0, elapsed
    assert _rss_mb() - before < 50  # MB: nothing was expanded (the bomb needed 4-5 GB)
    assert "headway" in detail_text(response) or "trips" in detail_text(response)


def test_scenarios_that_could_never_be_used_are_refused_at_registration(client):
    road = {"type": "add_road", "coordinates": [list(SAMPLE_CORE), list(SAMPLE_EAST)], "speed_kmh": 80}
    nan_road = json.dumps({"modifications": [road]}).replace(str(SAMPLE_CORE[0]), "NaN").encode()
    response = client.post("/scenarios", content=nan_road, headers={"content-type": "application/json"})
    assert response.status_code == 422
    huge_dwell = client.post("/scenarios", json=_line(30, dwell_min=1e308))
    assert huge_dwell.status_code == 422, huge_dwell.text
    unknown_ways = {"modifications": [{"type": "change_road_speed", "way_ids": [987654321987], "factor": 0.5}]}
    response = client.post("/scenarios", json=unknown_ways)
    assert response.status_code == 422 and "987654321987" in detail_text(response)
    before = len(client.get("/scenarios").json())
    assert len(client.get("/scenarios").json()) == before  # nothing stored by the refusals


def test_a_registered_line_is_usable_and_changes_the_network(client):
    response = client.post("/scenarios", json=_line(30))
    assert response.status_code == 201, response.text
    scenario_id = response.json()["id"]
    body = {"origins": [SAMPLE_CORE], "mode": "transit", "departure": "07:00", "window_min": 10, "cutoffs_min": [60]}
    base = client.post("/isochrones", json=body).json()
    with_line = client.post("/isochrones", json={**body, "scenario": scenario_id}).json()
    # the new 250 km/h line to the east city reaches more area within the hour
    assert with_line["features"][0]["properties"]["area_km2"] > base["features"][0]["properties"]["area_km2"]


# -- 5. time, cancellation, queues, rate, coalescing, cache --------------------------------


def _work_for_a_minute(*args, **kwargs):
    """Stands in for a computation far past any deadline (the sample region's real ones take
    a fraction of a second now): a loop with the library's checkpoint between its steps, as
    every long library loop has, so only the service's cancellation stops it."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        checkpoint()
        time.sleep(0.005)
    raise AssertionError("the deadline did not stop the work")


def test_past_the_compute_deadline_the_answer_is_504_and_the_work_stops(api_data_dir, monkeypatch):
    monkeypatch.setattr("api.routes.accessibility.accessibility", _work_for_a_minute)
    with _app_client(api_data_dir, compute_timeout_s=0.3, workers=1, max_origins=500) as app_client:
        started = time.perf_counter()
        response = app_client.post("/accessibility", json=HEAVY)
        assert response.status_code == 504, response.text
        assert "compute_timeout_s=0.3" in response.json()["detail"]
        assert time.perf_counter() - started < 30  # the answer does not wait for the work to end
        deadline = time.monotonic() + 60
        while (pools := app_client.get("/health").json()["pools"])["heavy"]["running"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pools["heavy"]["running"] == 0, pools
        assert (pools["heavy"]["cancelled"], pools["heavy"]["completed"]) == (1, 0), pools  # stopped, not finished
        assert app_client.get("/health").json()["requests"]["timed_out"] == 1
        ok = app_client.post("/isochrones", json={"origins": [SAMPLE_CORE], "mode": "walk", "cutoffs_min": [5]})
        assert ok.status_code == 200  # the pool is free again


def _concurrently(app, requests: list[tuple[str, dict]]) -> list[httpx.Response]:
    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120) as http:
            return await asyncio.gather(*(http.post(path, json=body) for path, body in requests))

    return asyncio.run(run())


def test_identical_concurrent_requests_are_computed_once(api_data_dir):
    with _app_client(api_data_dir) as app_client:
        body = {"origins": [[116.641, 36.791]], "mode": "car", "cutoffs_min": [21]}
        responses = _concurrently(app_client.app, [("/isochrones", body)] * 8)
        assert [r.status_code for r in responses] == [200] * 8
        assert len({r.content for r in responses}) == 1
        how = sorted(r.headers["x-cache"] for r in responses)
        assert how.count("miss") == 1 and set(how) <= {"miss", "shared", "hit"}, how
        health = app_client.get("/health").json()
        assert health["pools"]["light"]["completed"] == 1  # one computation for eight requests
        assert health["requests"]["coalesced"] == how.count("shared")


def _slowed(real):
    """The real computation one second late: a heavy request still running when the next arrives."""

    def slow(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)

    return slow


def test_a_full_heavy_queue_answers_503_with_retry_after(api_data_dir, monkeypatch):
    from api.routes import accessibility as route

    monkeypatch.setattr(route, "accessibility", _slowed(route.accessibility))
    with _app_client(api_data_dir, workers=1, max_queued_heavy=0, max_origins=500) as app_client:
        other = {**HEAVY, "window_min": 59}  # not identical: no coalescing
        responses = _concurrently(app_client.app, [("/accessibility", HEAVY), ("/accessibility", other)])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 503], [r.text[:200] for r in responses]
        busy = next(r for r in responses if r.status_code == 503)
        assert int(busy.headers["retry-after"]) >= 1 and "max_queued_heavy=0" in busy.json()["detail"]


def test_light_requests_run_while_the_heavy_pool_is_busy(api_data_dir, monkeypatch):
    from api.routes import accessibility as route

    monkeypatch.setattr(route, "accessibility", _slowed(route.accessibility))
    with _app_client(api_data_dir, workers=1, max_origins=500) as app_client:
        light = {"origins": [[116.642, 36.792]], "mode": "walk", "cutoffs_min": [7]}
        responses = _concurrently(app_client.app, [("/accessibility", HEAVY), ("/isochrones", light)])
        assert [r.status_code for r in responses] == [200, 200]
        heavy_ms, light_ms = (float(r.headers["x-process-time-ms"]) for r in responses)
        assert light_ms < heavy_ms  # not queued behind it


def test_rate_limit_per_key_answers_429_with_retry_after(api_data_dir):
    with _app_client(api_data_dir, rate_limit_per_min=60, rate_limit_burst=3) as app_client:
        codes = [app_client.get("/networks").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = app_client.get("/networks")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "rate_limit_per_min" in limited.json()["detail"]
        assert app_client.get("/networks", headers={"X-API-Key": "another client"}).status_code == 200
        assert app_client.get("/health").status_code == 200  # liveness is never limited
        assert app_client.get("/health").json()["requests"]["rate_limited"] >= 2


def test_the_response_cache_is_bounded_in_bytes():
    from api.state import ResponseCache

    cache = ResponseCache(max_bytes=1000, max_entry_bytes=400)
    for k in range(5):
        assert cache.put(f"k{k}", b"x" * 298, "application/json")  # 300 bytes with the key
    stats = cache.stats()
    assert stats["entries"] == 3 and stats["bytes"] == 900  # the two oldest went
    assert cache.get("k0") is None and cache.get("k4") is not None
    assert not cache.put("big", b"x" * 500, "application/json")  # over max_entry_bytes: not kept
    assert cache.stats()["bytes"] == 900


def test_a_response_over_the_entry_limit_is_not_cached(api_data_dir):
    with _app_client(api_data_dir, cache_max_entry_bytes=2000) as app_client:
        body = {"origins": [SAMPLE_CORE], "mode": "car", "cutoffs_min": [30, 60]}
        first, second = (app_client.post("/isochrones", json=body) for _ in range(2))
        assert len(first.content) > 2000
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "miss")
        assert app_client.get("/health").json()["cache"]["entries"] == 0


def test_parameter_lists_are_bounded_in_the_schema(client):
    too_many = list(range(1, 14))
    for body in (
        {"measure": "nearest", "n": too_many},
        {"measure": "gravity", "decay": "exponential", "decay_param": [0.01] * 13},
        {"measure": "cumulative", "opportunity": ["jobs"] * 13},
    ):
        response = client.post("/accessibility", json=body)
        assert response.status_code == 422, body
        assert "too_long" in {item["type"] for item in response.json()["detail"]}, response.json()
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "maxItems" in json.dumps(schema["AccessibilityRequest"]["properties"]["n"])


# -- registry: quota, DELETE, idempotency keys, faults -------------------------------------


def test_registry_quota_507_and_delete_frees_a_place(tmp_path, api_data_dir):
    settings = dict(regions=[api_data_dir / "sample" / "region.yaml"], max_scenarios=2)
    with _app_client(tmp_path, **settings) as app_client:
        first, second = (app_client.post("/scenarios", json=NO_GATES).json()["id"] for _ in range(2))
        full = app_client.post("/scenarios", json=NO_GATES)
        assert full.status_code == 507 and "max_scenarios=2" in full.json()["detail"]
        assert app_client.delete(f"/scenarios/{first}").status_code == 204
        assert app_client.get(f"/scenarios/{first}").status_code == 404
        assert app_client.delete(f"/scenarios/{first}").status_code == 404
        iso = {"origins": [SAMPLE_CORE], "cutoffs_min": [10], "scenario": first}
        assert app_client.post("/isochrones", json=iso).status_code == 404
        assert app_client.post("/scenarios", json=NO_GATES).status_code == 201
        assert {s["id"] for s in app_client.get("/scenarios").json()} >= {second}


def test_an_idempotency_key_makes_a_retried_registration_return_the_first(tmp_path, api_data_dir):
    settings = make_settings(tmp_path, regions=[api_data_dir / "sample" / "region.yaml"])
    headers = {"Idempotency-Key": "7f1c-retry-after-crash"}
    with TestClient(create_app(settings)) as first:
        created = first.post("/scenarios", json=NO_GATES, headers=headers)
        again = first.post("/scenarios", json=NO_GATES, headers=headers)
        assert created.status_code == again.status_code == 201
        assert again.json() == created.json() and again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == created.headers["location"]
        assert len(first.get("/scenarios").json()) == 1
        other = first.post("/scenarios", json={**NO_GATES, "name": "another"}, headers=headers)
        assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
        job = first.post(
            f"/scenarios/{created.json()['id']}/compare",
            json={"origins": [SAMPLE_CORE], "background": True},
            headers={"Idempotency-Key": "job-1"},
        )
    with TestClient(create_app(settings)) as second:  # after a restart (or a crash) too
        replay = second.post("/scenarios", json=NO_GATES, headers=headers)
        assert replay.json() == created.json() and len(second.get("/scenarios").json()) == 1
        job_again = second.post(
            f"/scenarios/{created.json()['id']}/compare",
            json={"origins": [SAMPLE_CORE], "background": True},
            headers={"Idempotency-Key": "job-1"},
        )
        assert job_again.status_code == 202 and job_again.json() == job.json()


def test_a_full_disk_is_507_and_the_registry_recovers(tmp_path, api_data_dir):
    settings = make_settings(tmp_path, regions=[api_data_dir / "sample" / "region.yaml"])
    with TestClient(create_app(settings), raise_server_exceptions=False) as app_client:
        store = app_client.app.state.service.store
        (pages,) = store._db.execute("PRAGMA page_count").fetchone()
        store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL, as on a full disk
        big = {**NO_GATES, "description": "x" * 4900}
        codes = [app_client.post("/scenarios", json=big).status_code for _ in range(3)]
        assert 507 in codes and 500 not in codes, codes
        full = app_client.post("/scenarios", json=big)
        assert full.status_code == 507 and "disk is full" in full.json()["detail"]
        assert app_client.get("/scenarios").status_code == 200  # reads still work
        store._db.execute("PRAGMA max_page_count = 1073741823")  # space freed
        assert app_client.post("/scenarios", json=big).status_code == 201
    # the file is intact: a new app opens it and lists what was stored
    with sqlite3.connect(settings.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_failed_job_keeps_its_full_request_and_is_resubmitted_with_one_call(tmp_path, api_data_dir):
    settings = make_settings(tmp_path, regions=[api_data_dir / "sample" / "region.yaml"])
    with TestClient(create_app(settings)) as app_client:
        scenario_id = app_client.post("/scenarios", json=NO_GATES).json()["id"]
        origins = [list(SAMPLE_CORE), [116.62, 36.78]]
        body = {"origins": origins, "background": True, "mode": "transit", "window_min": 5, "cutoffs_min": [45]}
        job_id = app_client.post(f"/scenarios/{scenario_id}/compare", json=body).json()["job_id"]
        job = _finished(app_client, job_id)
        assert job["request"]["body"]["origins"] == origins  # posted origins kept
        assert job["request"]["scenario_id"] == scenario_id
    # a restart while queued leaves it failed; here the stored job is made to look so
    with sqlite3.connect(settings.database) as db:
        db.execute("UPDATE jobs SET status = 'queued' WHERE id = ?", (job_id,))
    with TestClient(create_app(settings)) as app_client:
        failed = app_client.get(f"/jobs/{job_id}").json()
        assert failed["status"] == "failed" and f"POST /jobs/{job_id}/resubmit" in failed["error"]
        again = app_client.post(f"/jobs/{job_id}/resubmit")
        assert again.status_code == 202, again.text
        new = _finished(app_client, again.json()["job_id"])
        assert new["status"] == "done" and new["request"] == failed["request"]
        assert new["result"]["summary"] == job["result"]["summary"]


def _finished(app_client, job_id: str) -> dict:
    deadline = time.monotonic() + 120
    while (job := app_client.get(f"/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    return job


def test_the_job_queue_is_bounded(tmp_path, api_data_dir):
    settings = dict(regions=[api_data_dir / "sample" / "region.yaml"], max_queued_jobs=1)
    with _app_client(tmp_path, **settings) as app_client:
        scenario_id = app_client.post("/scenarios", json=NO_GATES).json()["id"]
        body = {"background": True, "mode": "transit", "window_min": 30}  # every place: seconds of work
        codes = [app_client.post(f"/scenarios/{scenario_id}/compare", json=body).status_code for _ in range(3)]
        assert codes == [202, 202, 503], codes


# -- 6. auth and exposure ------------------------------------------------------------------


def test_docs_and_openapi_need_the_key_when_one_is_set(api_data_dir):
    with _app_client(api_data_dir, api_key="s3cret") as secured:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert secured.get(path).status_code == 401, path
            assert secured.get(path, headers={"X-API-Key": "s3cret"}).status_code == 200, path
        assert secured.get("/health").status_code == 200
        schema = secured.get("/openapi.json", headers={"X-API-Key": "s3cret"}).json()
        assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
        assert "401" in schema["paths"]["/isochrones"]["post"]["responses"]


def test_the_map_page_exchanges_a_key_parameter_for_a_session_cookie(api_data_dir):
    with _app_client(api_data_dir, api_key="s3cret") as secured:
        assert secured.get("/").status_code == 401  # a page saying how to open it
        assert secured.get("/?key=wrong").status_code == 401
        opened = secured.get("/?key=s3cret&lon=116.6&mode=car", follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/?lon=116.6&mode=car"
        cookie = opened.headers["set-cookie"]
        assert "access_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert secured.get("/").status_code == 200  # the client now holds the cookie
        assert secured.get("/networks").status_code == 200
        assert secured.get("/networks?key=s3cret", cookies={"access_session": ""}).status_code == 401  # page only
        secured.cookies.clear()
        assert secured.get("/networks").status_code == 401
        forged = f"{int(time.time()) + 3600}.{'0' * 64}"
        assert secured.get("/networks", cookies={"access_session": forged}).status_code == 401


def test_untrusted_host_headers_are_400(api_data_dir):
    with _app_client(api_data_dir, trusted_hosts=["localhost", "127.0.0.1", "::1", "*.example.org"]) as app_client:
        for host, code in (
            ("localhost:8000", 200),
            ("127.0.0.1", 200),
            ("[::1]:8000", 200),
            ("maps.example.org", 200),
            ("rebind.attacker.test", 400),
            ("example.org.attacker.test", 400),
        ):
            response = app_client.get("/networks", headers={"Host": host})
            assert response.status_code == code, host
        assert "ACCESS_API_TRUSTED_HOSTS" in app_client.get("/networks", headers={"Host": "evil"}).json()["detail"]


def test_default_trusted_hosts_are_the_localhost_names():
    from api.settings import Settings

    assert Settings.from_env({}).trusted_hosts == ["localhost", "127.0.0.1", "::1"]


# -- 9, 10. the OpenAPI document and the settings ------------------------------------------


def test_the_openapi_document_tells_what_the_service_does(client):
    schema = client.get("/openapi.json").json()
    assert "securitySchemes" not in schema.get("components", {})  # no key configured: none advertised
    iso = schema["paths"]["/isochrones"]["post"]
    assert "application/geo+json" in iso["responses"]["200"]["content"]
    assert iso["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("HTTPValidationError")
    assert schema["components"]["schemas"]["ErrorDetail"]["properties"]["detail"]["type"] == "string"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], (method, path)
            assert "401" not in operation["responses"], (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
            if method == "post":
                assert "503" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
    links = schema["paths"]["/scenarios"]["post"]["responses"]["201"]["links"]
    assert links["GetScenario"]["operationId"] == "get_scenario"


def test_settings_come_from_the_environment_through_pydantic_settings(monkeypatch):
    from pydantic_settings import BaseSettings

    from access.errors import InputError
    from api.settings import Settings

    assert issubclass(Settings, BaseSettings)
    monkeypatch.setenv("ACCESS_API_RATE_LIMIT_PER_MIN", "30")
    monkeypatch.setenv("ACCESS_API_TRUSTED_HOSTS", "localhost,maps.example.org")
    settings = Settings.from_env()
    assert settings.rate_limit_per_min == 30 and settings.trusted_hosts == ["localhost", "maps.example.org"]
    monkeypatch.setenv("ACCESS_API_COMPUTE_TIMEOUT", "5")  # a typo of COMPUTE_TIMEOUT_S
    with pytest.raises(InputError, match="ACCESS_API_COMPUTE_TIMEOUT"):
        Settings.from_env()
    assert math.isclose(Settings.from_env({"ACCESS_API_COMPUTE_TIMEOUT_S": "2.5"}).compute_timeout_s, 2.5)


def test_cancelling_never_leaves_a_lock_held_and_stops_at_the_next_checkpoint():
    # the old way (an exception injected into the thread at any bytecode) could land inside a
    # lock's acquire/release or numba's compiler and leave it held: the next request then hung
    import threading

    from api.compute import ComputeCancelled, Ticket

    lock = threading.Lock()
    inside = threading.Event()
    steps: list[int] = []

    def work() -> None:
        with lock:
            inside.set()
            time.sleep(0.3)  # no checkpoint here: the cancellation waits for one
        for k in range(10_000):
            checkpoint()
            steps.append(k)
            time.sleep(0.001)

    ticket = Ticket(work, "locked")
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            ticket.run()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    inside.wait(10)
    assert ticket.cancel() is True
    thread.join(10)
    assert not thread.is_alive() and len(outcome) == 1 and isinstance(outcome[0], ComputeCancelled)
    assert steps == [] and ticket.stopped and ticket.state == "done"
    assert lock.acquire(timeout=1)  # released by the `with`, as any exception would
    assert ticket.cancel() is False  # already finished


def test_a_job_past_job_timeout_s_is_stopped_and_says_so(tmp_path, api_data_dir, monkeypatch):
    monkeypatch.setattr("api.routes.scenarios._compare", _work_for_a_minute)
    settings = make_settings(tmp_path, regions=[api_data_dir / "sample" / "region.yaml"], job_timeout_s=0.5)
    with TestClient(create_app(settings)) as app_client:
        scenario_id = app_client.post("/scenarios", json=NO_GATES).json()["id"]
        body = {"origins": [list(SAMPLE_CORE)], "background": True, "mode": "walk", "cutoffs_min": [10]}
        job_id = app_client.post(f"/scenarios/{scenario_id}/compare", json=body).json()["job_id"]
        job = _finished(app_client, job_id)
        assert job["status"] == "failed" and "stopped after job_timeout_s=0.5" in job["error"], job
        assert app_client.get("/health").json()["pools"]["jobs"]["running"] == 0
