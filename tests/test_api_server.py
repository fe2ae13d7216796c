"""The service as users run it: `access serve` starts uvicorn on 127.0.0.1; queried over real HTTP."""

from __future__ import annotations

import signal
import time

import geopandas as gpd
import httpx
import numpy as np
import pytest

import access
from access.io.rounding import round_for_output
from tests import _api_support
from tests._api_support import SAMPLE_CORE, SAMPLE_EAST

api_data_dir = _api_support.api_data_dir  # shared fixture
sample_network = _api_support.sample_network  # shared fixture

START_TIMEOUT_S = 120  # building the sample networks into a fresh cache takes a few seconds
STOP_TIMEOUT_S = 30


@pytest.fixture(scope="module")
def server(api_data_dir, tmp_path_factory):
    """`access serve` on a free port of 127.0.0.1; stopped with SIGTERM at the end."""
    env = {
        "ACCESS_API_WORKERS": "2",
        # a whole day's departures: the one request here heavy enough to outlast a hang-up
        "ACCESS_API_MAX_WINDOW_MIN": "1440",
    }
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with _api_support.serving(api_data_dir, log_path, env, START_TIMEOUT_S) as served:
        yield {"base": served.base, "process": served.process, "log": served.log}


def test_a_real_uvicorn_process_answers_with_the_library_results(server, sample_network):
    with httpx.Client(base_url=server["base"], timeout=60) as http:
        health = http.get("/health").json()
        assert health["networks"]["sample"]["car"]["nodes"] == sample_network.street("car").n_nodes
        response = http.post("/isochrones", json={"origins": [SAMPLE_CORE], "mode": "car", "cutoffs_min": [15, 30]})
        assert response.status_code == 200
        got = gpd.GeoDataFrame.from_features(response.json()["features"], crs=4326)
        expected = round_for_output(access.isochrones(sample_network, [SAMPLE_CORE], mode="car", cutoffs_min=(15, 30)))
        np.testing.assert_allclose(got["area_km2"], expected["area_km2"], rtol=1e-12)
        matrix = http.post(
            "/travel-times", json={"origins": [SAMPLE_CORE], "destinations": [SAMPLE_EAST], "mode": "walk"}
        ).json()
        reference = round_for_output(access.travel_times(sample_network, [SAMPLE_CORE], [SAMPLE_EAST], mode="walk"))
        assert matrix["matrices"]["travel_time_min"][0][0] == pytest.approx(reference["travel_time_min"][0], rel=1e-12)
        assert http.get("/networks/nowhere").status_code == 404


def test_a_client_that_hangs_up_cancels_its_computation(server):
    # every departure of the day (about 0.8 s of routing on an idle machine), abandoned after 0.1 s
    heavy = {"measure": "cumulative", "mode": "transit", "departure": "00:00", "window_min": 1440, "cutoffs_min": [300]}
    with pytest.raises(httpx.TimeoutException):
        httpx.post(f"{server['base']}/accessibility", json=heavy, timeout=0.1)
    deadline = time.monotonic() + 60
    while True:
        health = httpx.get(f"{server['base']}/health", timeout=10).json()
        heavy = health["pools"]["heavy"]
        if (heavy["running"] == 0 and heavy["cancelled"] >= 1) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert health["requests"]["abandoned"] >= 1
    assert health["pools"]["heavy"] == {**health["pools"]["heavy"], "running": 0, "cancelled": 1}
    assert health["pools"]["heavy"]["completed"] == 0  # stopped, not run to the end


def _post(server, path: str, body: dict, timeout_s: float = 60) -> httpx.Response:
    """POST to the running server; a timeout fails with the tail of the server's log."""
    try:
        return httpx.post(f"{server['base']}{path}", json=body, timeout=timeout_s)
    except httpx.TimeoutException:
        pytest.fail(f"POST {path} got no answer in {timeout_s:g} s; server log:\n{server['log'].read_text()[-4000:]}")


def test_sigterm_stops_the_server_gracefully(server):
    # after the cancelled request above: a cancellation must have left no lock held
    body = {"origins": [SAMPLE_CORE], "mode": "walk", "cutoffs_min": [5]}
    assert _post(server, "/isochrones", body).status_code == 200
    process = server["process"]
    process.send_signal(signal.SIGTERM)
    # uvicorn finishes the lifespan, then re-raises the signal to itself: -SIGTERM or 0
    assert process.wait(STOP_TIMEOUT_S) in (0, -signal.SIGTERM)
    log = server["log"].read_text()
    assert "shutting down: waiting for running work" in log and "Application shutdown complete" in log
    assert "POST /isochrones -> 200" in log  # request logging with timing
    assert "kernels ready in" in log  # warmed up before serving
