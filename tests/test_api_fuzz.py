"""Property-based fuzz of the OpenAPI schema (schemathesis).

1. All of schemathesis' phases (examples, coverage, fuzzing, stateful over the document's
   links) against `access serve` on 127.0.0.1, with the conformance checks: 0 server errors
   and 0 schema violations (statuses, content types, headers and bodies as documented;
   invalid requests refused; deleted resources gone; created ones available).
2. In-process, requests moved into the sample region so they reach the library: no 5xx,
   and many succeed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

schemathesis = pytest.importorskip("schemathesis")  # test dependency: pip install schemathesis

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests import _api_support  # noqa: E402
from tests._api_support import make_settings  # noqa: E402

api_data_dir = _api_support.api_data_dir  # shared fixture

# per operation and phase; keeps the whole run near two minutes on 2 cores (raise it for a deeper local run)
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
CHECKS = [  # everything about conformance; positive_data_acceptance is left out: a schema-valid point
    "not_a_server_error",  # off the network is rightly a 422
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
]
# invalid data may be refused for its size (413) as well as its shape
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = [400, 401, 404, 409, 413, 422, 429]
"""
FUZZ_ENV = {  # tight limits keep every generated request cheap
    "ACCESS_API_MAX_ORIGINS": "3",
    "ACCESS_API_MAX_DESTINATIONS": "10",
    "ACCESS_API_MAX_CUTOFF_MIN": "180",
    "ACCESS_API_MAX_WINDOW_MIN": "10",
    "ACCESS_API_COMPARE_SYNC_MAX_ORIGINS": "3",
    "ACCESS_API_RATE_LIMIT_PER_MIN": "0",
    "ACCESS_API_WORKERS": "1",
}
ST_TIMEOUT_S = 1500  # bounded; the run takes ~2 min on 2 idle cores


def test_schemathesis_all_phases_with_stateful_links_find_no_server_error_or_schema_violation(
    api_data_dir, tmp_path_factory
):
    from tests._api_support import serve

    folder = tmp_path_factory.mktemp("st")
    config = folder / "schemathesis.toml"
    config.write_text(CONFIG)
    with serve(api_data_dir, folder / "serve.log", FUZZ_ENV) as base:
        command = [
            os.path.join(os.path.dirname(sys.executable), "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{base}/openapi.json",
            "--phases=examples,coverage,fuzzing,stateful",
            f"--checks={','.join(CHECKS)}",
            f"--max-examples={MAX_EXAMPLES}",
            "--workers=1",
            "--request-timeout=300",
            "--seed=20190513",
            "--no-color",
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=ST_TIMEOUT_S, cwd=folder)
    report = run.stdout[-6000:]
    assert run.returncode == 0, report
    assert "Stateful" in report and "API Links:" in report, report  # the stateful phase ran over the links
    assert "0 unique failures" in report or "failures" not in report.split("Test cases:")[-1], report


@pytest.fixture(scope="module")
def api_schema(api_data_dir):
    from fastapi.testclient import TestClient

    from api import create_app

    # tight limits keep every generated request cheap; the lifespan loads the network once
    app = create_app(
        make_settings(
            api_data_dir,
            max_origins=3,
            max_destinations=10,
            max_cutoff_min=180,
            max_window_min=10,
            compare_sync_max_origins=3,
            workers=2,
        )
    )
    with TestClient(app):
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def _in_region(value):
    """A generated [lon, lat] moved into the sample core city (a dense grid), keeping variety."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return [116.60 + abs(value[0]) % 0.06, 36.77 + abs(value[1]) % 0.04]
    if isinstance(value, list):
        return [_in_region(v) for v in value]
    if isinstance(value, dict):
        return {k: _in_region(v) for k, v in value.items()}
    return value


_WINDOWED = ("/isochrones", "/travel-times", "/accessibility", "/circles")


def _reaching_the_library(case):
    """Drop generated network/layer/preset names (else nearly every case is a 404), move points
    into the region (else nearly every case is off the network), keep transit windows
    within the service's 10-min limit (the default 120 would be refused)."""
    if isinstance(case.body, dict):
        dropped = ("network", "opportunities", "zones", "origins_layer", "definition")
        body = {k: v for k, v in case.body.items() if k not in dropped}
        for key in ("origins", "destinations", "centres"):
            if key in body:
                body[key] = _in_region(body[key])
                if isinstance(body[key], list) and body[key] and isinstance(body[key][0], list):
                    body[key] = body[key][:3]  # within max_origins
        if case.path in _WINDOWED:
            window = body.get("window_min")
            body["window_min"] = 5 if not isinstance(window, int | float) else min(max(window, 1), 10)
        case.body = body
    return case


@pytest.mark.parametrize("in_region", [True], ids=["in-region"])  # as generated: the schemathesis run above
def test_no_generated_request_gives_a_server_error(api_schema, in_region):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    statuses: dict[str, list[int]] = {}
    for operation in operations:
        strategy = operation.as_strategy()
        if in_region:
            strategy = strategy.map(_reaching_the_library)

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def no_server_error(case):
            response = case.call(timeout=120)  # a loaded machine: no read timeout of 10 s
            statuses.setdefault(f"{case.method} {case.path}", []).append(response.status_code)
            assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])
            if response.status_code >= 400:
                assert "detail" in response.json()

        no_server_error()
    if in_region:  # the fuzz reached the library, not only the validators: requests succeeded
        reached = [path for path in _WINDOWED if any(code < 300 for code in statuses.get(f"POST {path}", []))]
        assert len(reached) >= 3, statuses
